// The C program as a benchmark backend ('c-reference'): the baseline every speed-up is a ratio against,
// measured in the same run as our backends.
//
// The binary is not part of this repository: NANOBRAGG_C_BINARY names a serial build of James Holton's
// nanoBragg.c (no OpenMP; its OpenMP build is wrong with interpolation, docs/performance-baselines.md). Without it the
// backend is skipped with a reason. It runs the same argv as the engine's image workloads (workloads.ts), plus
// output flags, in a fresh temporary folder holding the HKL file written from the workload's HKL text (a fresh
// folder also keeps a stale Fdump.bin away from runs without -hkl: docs/c-behaviour/minimal-loop.md T-6).
//
// What is timed is the whole process, spawn to exit: start-up, argument parsing, HKL read and Fdump.bin write,
// the pixel loop, and the float/int image writes. Cold is the first process of a measurement, warm the following
// ones. To state a loop-only estimate honestly, the check also times the same flags on an 8x8 detector (the
// "fixed overhead": start-up, HKL and dump-file I/O, almost no pixels) and records it; loop estimate = warm
// median - fixed overhead (an upper bound on the loop: per-pixel output work is left in).
//
// Checks (a failed check fails the measurement): exit status 0; a float image of exactly size^2 4-byte floats,
// finite, non-negative, not all zero; every warm run bit-identical to the cold one; and, when a wasm f64 engine
// image of the same case was measured earlier in the run, max|engine - C| / max|C| <= 1e-6 (docs/c-behaviour/minimal-loop.md 7.6).

import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFloatImage, measureFixedOverhead, runProcess, sha256, type ProcessRun } from './process-run.ts';
import type { BenchBackend, MeasurementRequest, PreparedMeasurement } from './backend.ts';
import { countWarnings, imageProblems, maxRelativeToPeak, repeatProblems } from './checks.ts';
import { imageCaseKey, type RunContext } from './run-context.ts';
import { summarize } from './stats.ts';
import type { BenchCase } from './timing.ts';
import { imageWorkload } from './workloads.ts';

export const C_BACKEND = 'c-reference';
export const C_BINARY_ENV = 'NANOBRAGG_C_BINARY';
export const C_UNSET_REASON = `set ${C_BINARY_ENV} to a serial nanoBragg build to measure the C baseline`;
export const C_KERNEL_REASON = 'the C program has no batched kernel entry point: c-reference times whole images (image workloads) only';
/** Recorded as the result's binary. */
export const C_BINARY_LABEL = 'c-serial';
/** Flags added to the workload argv: no noise image, no PGM, no progress meter (all outside the compared work). */
export const C_OUTPUT_FLAGS = ['-nonoise', '-nopgm', '-noprogress'] as const;
/** max|engine - C| / max|C| allowed between the C image and the wasm f64 engine's image of the same case. */
export const C_MATCH_TOLERANCE = 1e-6;
/** Engine backends whose f64 image the C image is compared with, in order of preference. */
export const C_COMPARED_WITH = ['wasm', 'wasm-scalar', 'wasm-threads'] as const;
/** Detector side of the fixed-overhead runs. */
export const C_OVERHEAD_SIZE = 8;

/** What one C process does, by whether the workload reads an HKL file. */
export function cProcessIncludes(withHkl: boolean): string {
  return `process start-up, argument parsing, ${withHkl ? 'HKL read and Fdump.bin write, ' : ''}pixel loop, float and int image writes`;
}

export function cColdIncludes(withHkl: boolean): string {
  return `the first nanoBragg process of the measurement, spawn to exit: ${cProcessIncludes(withHkl)}; the temporary folder${withHkl ? ' and the HKL file are' : ' is'} prepared outside`;
}

export interface CReferenceOptions {
  /** Path of the C binary (default: the NANOBRAGG_C_BINARY environment variable, read when asked). */
  binary?: () => string | undefined;
  /** Seconds before a C process is killed and the measurement fails (default 600). */
  timeoutS?: number;
  /** Number of 8x8 runs timed for the fixed-overhead estimate (default 5). */
  overheadSamples?: number;
}

/** null when `path` names an executable file, else why it cannot be used (the backend is then skipped). */
export function cBinaryProblem(path: string | undefined): string | null {
  if (!path) return C_UNSET_REASON;
  try {
    if (!statSync(path).isFile()) return `${C_BINARY_ENV}=${path} is not a file; ${C_UNSET_REASON}`;
    accessSync(path, constants.X_OK);
  } catch (e) {
    return `${C_BINARY_ENV}=${path} is not an executable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ${C_UNSET_REASON}`;
  }
  return null;
}

/** The argv of one C run: the workload's, then -hkl, the output flags and the output paths. */
export function cArgv(workloadArgv: readonly string[], hklPath: string | undefined, floatPath: string, intPath: string): string[] {
  return [...workloadArgv, ...(hklPath ? ['-hkl', hklPath] : []), ...C_OUTPUT_FLAGS, '-floatfile', floatPath, '-intfile', intPath];
}

/** The same argv on a size x size detector (the fixed-overhead runs). */
export function withDetpixels(argv: readonly string[], size: number): string[] {
  const out = [...argv];
  const i = out.indexOf('-detpixels');
  if (i < 0 || i + 1 >= out.length) throw new Error('the workload argv has no -detpixels');
  out[i + 1] = String(size);
  return out;
}

/** Lines of the C program's stdout that are warnings (as printed, one per line). */
export function cWarnings(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.includes('WARNING')).map((l) => l.replace(/\r$/, ''));
}

/** Interpolation mode of a C run, from its argv and what it printed (the engine reports the same words). */
export function cInterpolation(argv: readonly string[], stdout: string): string {
  const hasHkl = argv.includes('-hkl');
  const on = hasHkl && !argv.includes('-nointerpolate') && (argv.includes('-interpolate') || stdout.includes('auto-selected tricubic'));
  if (!on) return 'nearest';
  return stdout.includes('out of range for three point interpolation')
    ? 'tricubic, switched to nearest (the C program printed its out-of-range warning)'
    : 'tricubic';
}

interface CSnap {
  image: Float32Array;
  bytes: number;
  warnings: string[];
  interpolation: string;
}

/** The C program as a backend; see the file comment. */
export function cReferenceBackend(opts: CReferenceOptions = {}): BenchBackend {
  const binaryPath = opts.binary ?? (() => process.env[C_BINARY_ENV]);
  const timeoutS = opts.timeoutS ?? 600;
  const overheadSamples = Math.max(1, opts.overheadSamples ?? 5);
  return {
    name: C_BACKEND,
    fixedDtype: 'f64',
    async unavailable(req) {
      const problem = cBinaryProblem(binaryPath());
      if (problem) return problem;
      if (req.workload !== 'image') return C_KERNEL_REASON;
      return null;
    },
    async prepare(req: MeasurementRequest, ctx?: RunContext): Promise<PreparedMeasurement> {
      const binary = binaryPath();
      const problem = cBinaryProblem(binary);
      if (problem || !binary) throw new Error(problem ?? C_UNSET_REASON);
      if (req.workload !== 'image') throw new Error(C_KERNEL_REASON);
      const w = imageWorkload(req);
      const pixels = req.size * req.size;
      const dir = mkdtempSync(join(tmpdir(), 'nanobragg-c-'));
      try {
        const hklPath = w.hklText !== undefined ? join(dir, 'workload.hkl') : undefined;
        if (hklPath) writeFileSync(hklPath, w.hklText!);
        const runDir = join(dir, 'run');
        const overheadDir = join(dir, 'overhead');
        mkdirSync(runDir);
        mkdirSync(overheadDir);
        const floatPath = join(runDir, 'float.bin');
        const intPath = join(runDir, 'int.img');
        const argv = cArgv(w.argv, hklPath, floatPath, intPath);
        const overheadArgv = cArgv(withDetpixels(w.argv, C_OVERHEAD_SIZE), hklPath, join(overheadDir, 'float.bin'), join(overheadDir, 'int.img'));
        const binarySha = sha256(binary);
        const key = imageCaseKey(req);

        const c: BenchCase<ProcessRun, CSnap> = {
          evaluations: w.evaluations,
          pixels,
          coldIncludes: cColdIncludes(!!hklPath),
          async create() {
            return {
              run: () => runProcess(binary, argv, runDir, timeoutS),
              memory: () => ({}),
              dispose: () => rmSync(dir, { recursive: true, force: true }),
            };
          },
          snapshot(out) {
            const { image, bytes } = collectFloatImage(runDir, floatPath, intPath);
            return { image, bytes, warnings: cWarnings(out.stdout), interpolation: cInterpolation(argv, out.stdout) };
          },
          check(cold, warm) {
            const facts: Record<string, number | string | boolean> = {
              c_binary: binary,
              c_binary_sha256: binarySha,
              c_argv: argv.join(' '),
              timed: 'whole process, spawn to exit',
              process_includes: cProcessIncludes(!!hklPath),
            };
            const problems: string[] = [];
            if (cold.bytes !== pixels * 4) {
              problems.push(`float image has ${cold.bytes} bytes, ${pixels * 4} expected (${req.size}x${req.size} 4-byte floats)`);
            }
            problems.push(...imageProblems(cold.image));
            warm.forEach((s, i) => {
              if (s.bytes !== cold.bytes) problems.push(`float image of warm run ${i + 1} has ${s.bytes} bytes, the cold run's ${cold.bytes}`);
            });
            if (!problems.length) problems.push(...repeatProblems(cold.image, warm.map((s) => s.image), 'float image'));
            warm.forEach((s, i) => {
              if (s.warnings.join('\n') !== cold.warnings.join('\n')) problems.push(`warnings of warm run ${i + 1} differ from the cold run`);
            });

            // the same case through the engine in double precision, measured earlier in this run
            const ref = ctx?.images.find(key, 'f64', C_COMPARED_WITH);
            if (!ref) {
              facts.compared_with = 'none: no wasm f64 image of this case was measured (and checked) in this run';
            } else if (!problems.length) {
              facts.compared_with = `${ref.backend} f64`;
              if (ref.image.length !== cold.image.length) {
                problems.push(`the ${ref.backend} f64 image has ${ref.image.length} pixels, the C image ${cold.image.length}`);
              } else {
                const d = maxRelativeToPeak(ref.image, cold.image);
                facts.max_rel_diff_vs_wasm_f64 = Number.isNaN(d.error) ? 'NaN' : d.error;
                if (!(d.error <= C_MATCH_TOLERANCE)) {
                  problems.push(
                    `C image differs from the ${ref.backend} f64 engine image: max|diff|/max = ${d.error} > ${C_MATCH_TOLERANCE} ` +
                      `(pixel ${d.index}: C ${cold.image[d.index]}, engine ${ref.image[d.index]})`,
                  );
                }
              }
            }

            // fixed overhead: the same flags on an 8x8 detector (start-up, HKL and dump-file I/O, almost no pixels)
            if (!problems.length) {
              const overhead = measureFixedOverhead(binary, overheadArgv, overheadDir, overheadSamples, timeoutS, C_OVERHEAD_SIZE);
              if ('problem' in overhead) problems.push(overhead.problem);
              else Object.assign(facts, overhead);
            }
            return { problems, interpolation: cold.interpolation, warnings: countWarnings(cold.warnings), facts };
          },
        };
        return {
          case: c as BenchCase<unknown, unknown>,
          binary: () => C_BINARY_LABEL,
          threads: 1,
          ...(req.thicksteps !== undefined ? { layers: w.layers } : {}),
        };
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    },
  };
}
