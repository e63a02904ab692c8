// Our own command line as a benchmark backend ('nanobragg-bin'): `node out/bin/nanobragg.mjs simulate <argv>`,
// timed as a whole process, spawn to exit, exactly as the C program is (c-reference.ts), so the two stand side
// by side as a user meets them: start-up, argument and HKL parsing, WebAssembly compilation, the pixel loop and
// the image writes. The in-process backends (wasm, wasm-threads, webgpu) time the loop alone; this row is the
// whole-process figure of issue 17 item 2 (>= 3x the C program through the bin) and, at 8x8, its start-up
// (item 1: <= 120 ms through the bin).
//
// One thread runs `--backend wasm`, more run `--backend wasm-threads --threads N`, in the request's dtype. The
// bin is built by `npm run build:cli` (the package's prepare step); without it the backend is skipped with that
// reason. As for the C program, the same flags on an 8x8 detector are timed too (fixed_overhead_s: the
// process's start-up and fixed I/O), and the runner records loop_estimate_s = warm median - that.
//
// Checks (a failed check fails the measurement): exit status 0; a float image of size^2 4-byte floats, finite,
// non-negative, not all zero; every warm run bit-identical to the cold one; and, when the in-process engine of the
// same backend and dtype imaged the case earlier in the run, bit-identical to it (the same code in another process).

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BenchBackend, MeasurementRequest, PreparedMeasurement } from './backend.ts';
import { countWarnings, imageProblems, maxRelativeToPeak, repeatProblems } from './checks.ts';
import { C_OUTPUT_FLAGS, C_OVERHEAD_SIZE, withDetpixels } from './c-reference.ts';
import { packageRoot } from '../util/package-root.ts';
import { collectFloatImage, measureFixedOverhead, runProcess, type ProcessRun } from './process-run.ts';
import { imageCaseKey, type RunContext } from './run-context.ts';
import { summarize } from './stats.ts';
import type { BenchCase } from './timing.ts';
import { imageWorkload } from './workloads.ts';

export const BIN_BACKEND = 'nanobragg-bin';
/** The design's command, `tsx src/cli.ts` (node_modules/.bin/tsx, which transpiles at run time), timed the same way. */
export const TSX_BACKEND = 'tsx-cli';
export const TSX_PATH = 'node_modules/.bin/tsx';
export const TSX_CLI = 'src/cli.ts';
/** The bin, relative to the repository root (package.json "bin": nanobragg). */
export const BIN_PATH = 'out/bin/nanobragg.mjs';
export const BIN_MISSING_REASON = `${BIN_PATH} is not built here (npm run build:cli)`;
export const BIN_KERNEL_REASON = 'the bin has no batched kernel entry point: nanobragg-bin times whole images (image workloads) only';

/** The engine backend the bin is asked for, by thread count. */
export function binEngineBackend(threads: number): 'wasm' | 'wasm-threads' {
  return threads > 1 ? 'wasm-threads' : 'wasm';
}

/** argv after `node`: the bin, `simulate`, the workload's flags, -hkl, output flags and paths, backend, dtype, threads. */
export function binArgv(
  bin: string, workloadArgv: readonly string[], hklPath: string | undefined, floatPath: string, intPath: string, dtype: string, threads: number,
  cli: readonly string[] = [],
): string[] {
  const backend = binEngineBackend(threads);
  return [
    bin, ...cli, 'simulate', ...workloadArgv, ...(hklPath ? ['-hkl', hklPath] : []), ...C_OUTPUT_FLAGS, '-floatfile', floatPath, '-intfile', intPath,
    '--backend', backend, '--dtype', dtype, ...(backend === 'wasm-threads' ? ['--threads', String(threads)] : []),
  ];
}

export interface BinProcessOptions {
  /** The backend's name in reports (default nanobragg-bin). */
  name?: string;
  /** Absolute path of the bin (default: <repository>/out/bin/nanobragg.mjs). */
  bin?: string;
  /** Arguments between the bin and `simulate` (tsx-cli: src/cli.ts). */
  cli?: readonly string[];
  /** What the report calls the bin (default BIN_PATH). */
  label?: string;
  /** The JavaScript runtime that runs it (default: this process's). */
  node?: string;
  timeoutS?: number;
  /** Number of 8x8 runs timed for the fixed-overhead (start-up) estimate (default 5). */
  overheadSamples?: number;
}

interface BinSnap {
  image: Float32Array;
  bytes: number;
  interpolation: string;
  warnings: string[];
}

/** The interpolation line the bin prints ("interpolation: tricubic"), as the engine reports it. */
export function binInterpolation(stdout: string): string {
  return /^interpolation: (.*)$/m.exec(stdout)?.[1]?.trim() ?? 'unknown';
}

/** Lines the bin printed as warnings ("warning: ..."). */
export function binWarnings(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^warning\b/i.test(l.trim()));
}

export function binProcessBackend(opts: BinProcessOptions = {}): BenchBackend {
  const bin = opts.bin ?? join(packageRoot(), BIN_PATH);
  const name = opts.name ?? BIN_BACKEND;
  const label = opts.label ?? BIN_PATH;
  const cli = opts.cli ?? [];
  const node = opts.node ?? process.execPath;
  // the bin runs under `node`; tsx is a program of its own (its argv[0] is the launcher)
  const launch = (argv: string[]): [string, string[]] => (cli.length ? [argv[0], argv.slice(1)] : [node, argv]);
  const timeoutS = opts.timeoutS ?? 600;
  const overheadSamples = Math.max(1, opts.overheadSamples ?? 5);
  return {
    name,
    async unavailable(req) {
      if (!existsSync(bin)) return opts.bin ? `${bin} does not exist` : BIN_MISSING_REASON;
      if (req.workload !== 'image') return BIN_KERNEL_REASON;
      return null;
    },
    async prepare(req: MeasurementRequest, ctx?: RunContext): Promise<PreparedMeasurement> {
      if (req.workload !== 'image') throw new Error(BIN_KERNEL_REASON);
      const w = imageWorkload(req);
      const pixels = req.size * req.size;
      const threads = Math.max(1, req.threads);
      const engine = binEngineBackend(threads);
      const dir = mkdtempSync(join(tmpdir(), 'nanobragg-bin-'));
      try {
        const hklPath = w.hklText !== undefined ? join(dir, 'workload.hkl') : undefined;
        if (hklPath) writeFileSync(hklPath, w.hklText!);
        const runDir = join(dir, 'run');
        const overheadDir = join(dir, 'overhead');
        mkdirSync(runDir);
        mkdirSync(overheadDir);
        const floatPath = join(runDir, 'float.bin');
        const intPath = join(runDir, 'int.img');
        const argv = binArgv(bin, w.argv, hklPath, floatPath, intPath, req.dtype, threads, cli);
        const overheadArgv = binArgv(bin, withDetpixels(w.argv, C_OVERHEAD_SIZE), hklPath, join(overheadDir, 'float.bin'), join(overheadDir, 'int.img'), req.dtype, threads, cli);
        const key = imageCaseKey(req);
        const c: BenchCase<ProcessRun, BinSnap> = {
          evaluations: w.evaluations,
          pixels,
          coldIncludes: `the first ${label} process of the measurement, spawn to exit: Node start-up, module loading${cli.length ? ' (TypeScript transpiled at run time)' : ''}, argument and ${hklPath ? 'HKL ' : ''}parsing, WebAssembly compilation, pixel loop, float and int image writes`,
          async create() {
            return {
              run: () => runProcess(...launch(argv), runDir, timeoutS),
              memory: () => ({}),
              dispose: () => rmSync(dir, { recursive: true, force: true }),
            };
          },
          snapshot(out) {
            const { image, bytes } = collectFloatImage(runDir, floatPath, intPath);
            return { image, bytes, interpolation: binInterpolation(out.stdout), warnings: binWarnings(out.stdout) };
          },
          check(cold, warm) {
            const facts: Record<string, number | string | boolean> = {
              bin: label,
              bin_argv: [...(cli.length ? [] : ['node']), ...argv.map((a) => (a === bin ? (cli.length ? TSX_PATH : label) : cli.includes(a) ? relative(packageRoot(), a) : a))].join(' '),
              timed: 'whole process, spawn to exit',
              process_includes: `${cli.length ? 'the tsx launcher and its Node child, TypeScript transpiled at run time (cached), ' : ''}Node start-up, module loading, argument and HKL parsing, WebAssembly compilation, pixel loop, float and int image writes`,
            };
            const problems: string[] = [];
            if (cold.bytes !== pixels * 4) problems.push(`float image has ${cold.bytes} bytes, ${pixels * 4} expected (${req.size}x${req.size} 4-byte floats)`);
            problems.push(...imageProblems(cold.image));
            if (!problems.length) problems.push(...repeatProblems(cold.image, warm.map((s) => s.image), 'float image'));
            const ref = ctx?.images.find(key, req.dtype, [engine]);
            if (!ref) {
              facts.compared_with = `none: no in-process ${engine} ${req.dtype} image of this case was measured in this run`;
            } else if (!problems.length) {
              facts.compared_with = `${engine} ${req.dtype} (in process)`;
              const d = ref.image.length === cold.image.length ? maxRelativeToPeak(ref.image, cold.image) : undefined;
              facts.max_rel_diff_vs_in_process = d ? (Number.isNaN(d.error) ? 'NaN' : d.error) : 'size differs';
              if (!d || d.error !== 0) {
                problems.push(`the bin's image is not bit-identical to the in-process ${engine} ${req.dtype} image of the same case` +
                  (d ? ` (max|diff|/max = ${d.error}, pixel ${d.index})` : ` (${cold.image.length} vs ${ref.image.length} pixels)`));
              }
            }
            if (!problems.length) {
              const overhead = measureFixedOverhead(...launch(overheadArgv), overheadDir, overheadSamples, timeoutS, C_OVERHEAD_SIZE);
              if ('problem' in overhead) problems.push(overhead.problem);
              else Object.assign(facts, overhead);
            }
            return { problems, interpolation: cold.interpolation, warnings: countWarnings(cold.warnings), facts };
          },
        };
        return {
          case: c as BenchCase<unknown, unknown>,
          binary: () => `${cli.length ? 'tsx' : 'bin'} ${engine}`,
          threads,
          ...(req.thicksteps !== undefined ? { layers: w.layers } : {}),
        };
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    },
  };
}

/** `tsx src/cli.ts simulate ...` as a whole process (issue 17 item 1: start-up <= 300 ms through the design's command). */
export function tsxCliBackend(): BenchBackend {
  return binProcessBackend({ name: TSX_BACKEND, bin: join(packageRoot(), TSX_PATH), cli: [join(packageRoot(), TSX_CLI)], label: `${TSX_PATH} ${TSX_CLI}` });
}
