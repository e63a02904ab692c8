// `simulate`: parse, set up, run on the chosen backend, print C's summary, write the outputs.

import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { LONG_RUN_EVALUATIONS, type SimArgs } from './args.ts';
import type { Simulation } from './setup.ts';
import { prepareSimulation, type HklCache } from './prepare.ts';
import { firstBadPixel, type PreparedSimulation, type SimEngine, type SimResult } from '../engine/contract.ts';
import { startBackend, closeEngine } from '../backends/start.ts';
import type { EngineBackend } from '../backends/names.ts';
import { encodeOutputs, type OutputFile } from './outputs.ts';
import { cSetupLines, cLoopText, cFinalLines, cGeometryLines } from './c-report.ts';
import { cNoiseSeed } from '../physics/noise-output.ts';
import { traceBlocks, traceRefusal } from './c-trace.ts';
import { maxPosition } from '../io/stats.ts';
import { formatG } from '../util/cformat.ts';
import { writeFilesAtomic, WriteError } from '../io/atomic.ts';
import { findSameFile } from '../io/targets.ts';
import { webgpuRefusal } from '../webgpu/refusals.ts';
import { EXIT, UserError } from '../errors.ts';

function progressBar(enabled: boolean) {
  const start = Date.now();
  let last = 0;
  return {
    update(f: number) {
      if (!enabled) return;
      const now = Date.now();
      if (f < 1 && now - last < 200) return;
      last = now;
      const elapsed = (now - start) / 1000;
      const eta = f > 0 ? elapsed * (1 - f) / f : 0;
      const width = 30;
      const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
      process.stderr.write(`\r[${bar}] ${(f * 100).toFixed(0).padStart(3)}%  ${elapsed.toFixed(1)} s, ~${eta.toFixed(1)} s left `);
      if (f >= 1) process.stderr.write('\n');
    },
  };
}

/**
 * Refuses, before any work, an output whose folder is missing or not writable, or that names a folder: such a run
 * would otherwise fail after the simulation, with the outputs before it already replaced. (Failures while writing,
 * e.g. a full disk, remain possible: each file is still all-or-nothing.)
 */
async function checkOutputs(a: SimArgs): Promise<void> {
  const outputs: [string, string | undefined][] = [
    ['-floatfile', a.floatfile], ['-intfile', a.intfile], ['-pgmfile', a.nopgm ? undefined : a.pgmfile],
    ['-noisefile', a.nonoise ? undefined : a.noisefile], ['--pngfile', a.pngfile], ['-cbffile', a.cbffile],
  ];
  const clash = await findSameFile([['-hkl', a.hklPath]], outputs);
  if (clash) throw new UserError(clash, EXIT.USAGE);
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    const dir = dirname(path);
    const problem = await stat(dir).then(
      async (st) => {
        if (!st.isDirectory()) return `${dir} is not a directory`;
        if ((await stat(path).catch(() => null))?.isDirectory()) return 'is a directory';
        return access(dir, constants.W_OK).then(() => null, () => `permission denied (cannot create files in ${dir})`);
      },
      (e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' ? `directory ${dir} does not exist`
        : e.code === 'ENOTDIR' ? 'a component of the path is not a directory'
        : e.code === 'EACCES' ? 'permission denied'
        : String(e.message).split('\n')[0],
    );
    if (problem) throw new UserError(`cannot write ${flag} ${path}: ${problem}`, EXIT.OUTPUT);
  }
}

/** Nanoseconds per evaluation and core assumed for the warning before a long run (a rough figure, f32 SIMD here). */
const NS_PER_EVALUATION = 30;

/** The kernel evaluations of `sim`: ROI pixels x sensor layers x steps (sources x domains x phi steps x oversample^2). */
function evaluationCount(sim: Simulation): number {
  const r = sim.roi;
  return (r.xmax - r.xmin + 1) * (r.ymax - r.ymin + 1) * sim.layers.nLayers * sim.steps;
}

/**
 * Starting the workers of wasm-threads costs about this much (measured: a 64x64 image, --backend wasm-threads
 * against wasm, 60-100 ms on 2 to 16 cores; README "Choosing a backend").
 */
const WORKER_START_S = 0.08;

/**
 * Why `auto` should pass over wasm-threads for these simulations, or undefined: when the time the workers would
 * save, evaluations x NS_PER_EVALUATION x (1 - 1/cores), is less than starting them costs. One core: always.
 */
export function threadsNotWorthIt(sims: readonly Simulation[], cores: number): string | undefined {
  const evaluations = sims.reduce((n, sim) => n + evaluationCount(sim), 0);
  const saved = evaluations * NS_PER_EVALUATION * 1e-9 * (1 - 1 / cores);
  if (saved >= WORKER_START_S) return undefined;
  return `${evaluations.toExponential(2)} evaluations on ${cores} core${cores === 1 ? '' : 's'}: workers would save less time than starting them costs; --backend wasm-threads to use them anyway`;
}

/**
 * A run of hours must not start without a word (an auto-selected 40001-fold oversampling is 4e11 evaluations):
 * over 1e9 evaluations the count and a rough time are printed; over LONG_RUN_EVALUATIONS it is refused unless
 * --long-run is given.
 */
function checkRunLength(sim: Simulation, args: SimArgs, info: (line: string) => void): void {
  const r = sim.roi;
  const pixels = (r.xmax - r.xmin + 1) * (r.ymax - r.ymin + 1);
  const evaluations = evaluationCount(sim);
  if (evaluations <= 1e9) return;
  const cores = args.backend === 'wasm-threads' || args.backend === 'auto' ? (args.threads ?? availableParallelism()) : 1;
  const s = (evaluations * NS_PER_EVALUATION * 1e-9) / Math.min(cores, availableParallelism());
  const time = s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`;
  const what = `${evaluations.toExponential(2)} evaluations (${pixels} pixels x ${sim.layers.nLayers} layers x ${sim.steps} steps: oversample ${sim.oversample})`;
  if (evaluations > LONG_RUN_EVALUATIONS && !args.longRun) {
    throw new UserError(`this run needs ${what}, about ${time} on the CPU: more than ${LONG_RUN_EVALUATIONS.toExponential(0)}; ` +
      'give -oversample or a smaller detector, or --long-run to run it anyway', EXIT.USAGE);
  }
  info(`note: ${what}; roughly ${time} on the CPU`);
}

/** The largest |F| of the HKL grid when it is big enough to overflow the image by itself (F^2 N^6 > 3.4e38), else undefined. */
function largeF(sim: Simulation): number | undefined {
  const g = sim.grid;
  if (!g) return undefined;
  let m = 0;
  for (const v of g.data) if (Math.abs(v) > m) m = Math.abs(v);
  return m > 1e15 ? m : undefined;
}

/** One image's command line, parsed, set up and checked (outputs writable, run length), before any image is made. */
export interface PreparedRun {
  argv: string[];
  args: SimArgs;
  prepared: PreparedSimulation;
}

/** Parses and sets up `argv` (HKL grids shared through `hklCache`), and checks its outputs and its length. */
export async function prepareRun(argv: string[], args: SimArgs, hklCache?: HklCache, log: (line: string) => void = console.log): Promise<PreparedRun> {
  const prepared = await prepareSimulation(argv, { args, ...(hklCache ? { hklCache } : {}) });
  await checkOutputs(args);
  checkRunLength(prepared.sim, args, log);
  return { argv, args, prepared };
}

/**
 * Starts the engine for these runs (the options of `args`: --backend, --dtype, --threads); auto passes over
 * webgpu when it refuses one of the simulations. A failure to start is exit code 5 (EXIT.RESOURCE).
 */
export async function startRunEngine(args: SimArgs, sims: readonly Simulation[], log: (line: string) => void = console.log): Promise<{ engine: SimEngine; reason: string }> {
  try {
    // more workers than cores only costs memory (each has its own stack and scratch): cap at the cores
    const cores = availableParallelism();
    let threads = args.threads;
    if (threads !== undefined && threads > cores) {
      log(`warning: --threads ${threads} is more than the ${cores} cores here: using ${cores} workers`);
      threads = cores;
    }
    const passOver: Partial<Record<EngineBackend, string>> = {};
    const gpuRefusal = sims.map(webgpuRefusal).find((r) => r);
    if (gpuRefusal) passOver.webgpu = gpuRefusal;
    // --threads with auto asks for the workers; otherwise a small run is faster on one thread
    const small = args.threads === undefined ? threadsNotWorthIt(sims, cores) : undefined;
    if (small) passOver['wasm-threads'] = small;
    return await startBackend({ backend: args.backend, dtype: args.dtype, threads, passOver });
  } catch (e) {
    throw new UserError((e as Error).message, EXIT.RESOURCE);
  }
}

/** Refuses an image with pixels that are not finite, non-negative numbers (no file is written), naming the cause. */
function refuseBadImage(sim: Simulation, r: SimResult): void {
  const bad = firstBadPixel(r.image);
  if (bad >= 0) {
    throw new UserError(
      `the image has pixels that are not finite, non-negative numbers (pixel slow ${Math.floor(bad / r.width)}, fast ${bad % r.width} = ${r.image[bad]}): ` +
        (largeF(sim) ? `the HKL file's largest |F| (${formatG(largeF(sim)!)}) squared with the lattice factor overflows float32; no file written` :
        'the flag values overflow floating point (check -distance, -Xbeam/-Ybeam, -cell, -N, -default_F); no file written'),
      largeF(sim) ? EXIT.INPUT : EXIT.USAGE,
    );
  }
}

/** One image made: its result and the encoded output files (not yet written). */
export interface RenderedImage {
  result: SimResult;
  files: OutputFile[];
}

/**
 * Simulates one prepared run on `engine` and encodes its outputs, printing C's summary through `log`; an image
 * with pixels that are not finite, non-negative numbers is refused (no file).
 */
export async function renderImage(engine: SimEngine, run: PreparedRun, log: (line: string) => void = console.log, progress = false): Promise<RenderedImage> {
  const sim = run.prepared.sim;
  const bar = progressBar(progress);
  const r = await engine.simulate(run.prepared, { onProgress: (f) => bar.update(f) });
  refuseBadImage(sim, r);
  for (const w of r.warnings) log(w.trimEnd());
  log(`interpolation: ${r.interpolation}`);
  const [mx, my] = r.stats.maxIndex >= 0 ? maxPosition(r.stats.maxIndex, r.width, sim.detector.pixel, sim.oversample) : [0, 0];
  log(`max_I = ${formatG(r.stats.maxI)}  at ${formatG(mx)} ${formatG(my)}`);
  log(`mean= ${formatG(r.stats.mean)} rms= ${formatG(r.stats.rms)} rmsd= ${formatG(r.stats.rmsd)}`);
  log(`${r.evaluations} evaluations in ${r.timings.loop_s.toFixed(3)} s`);
  const gpu = (r as { gpuTimings?: Record<string, number | string> }).gpuTimings;
  if (gpu) {
    const ms = (k: string) => `${(Number(gpu[k]) * 1000).toFixed(2)} ms`;
    log(`gpu: upload ${ms('upload_s')}, pre-pass ${ms('prepass_s')}, kernel ${ms('kernel_s')} (${gpu.kernel_clock}), ` +
      `statistics ${ms('stats_s')}, readback ${ms('readback_s')}; ${ms('wall_s')} in all`);
  }
  const { files, lines } = await encodeOutputs(sim, r);
  for (const l of lines) log(l);
  return { result: r, files };
}

/** Writes one image's files all-or-nothing (src/io/atomic.ts); a failure is exit code 4 naming the flag and file. */
export async function writeOutputs(files: readonly OutputFile[], log: (line: string) => void = console.log): Promise<void> {
  try {
    await writeFilesAtomic(files.map((f) => ({ path: f.path, data: f.bytes, label: f.flag })));
  } catch (e) {
    if (!(e instanceof WriteError)) throw e;
    const prefix = `cannot write ${e.write.path}: `;
    const msg = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    throw new UserError(`cannot write ${e.write.label} ${e.write.path}: ${msg}; no output was replaced`, EXIT.OUTPUT);
  }
  for (const f of files) log(`wrote ${f.path} (${f.bytes.length} bytes)`);
}

export interface RunOptions {
  /**
   * nanoBragg's stdout (the drop-in command, src/nanobragg-cli.ts): C's lines on stdout (src/simulator/c-report.ts),
   * ours (backend, notes, files written) on stderr.
   */
  cStdout?: boolean;
}

export async function runSimulate(argv: string[], args: SimArgs, opts: RunOptions = {}): Promise<number> {
  const prepared = await prepareSimulation(argv, { args });
  await checkOutputs(args);
  const sim = prepared.sim;
  const cStdout = opts.cStdout === true;
  const info = cStdout ? (line: string) => void process.stderr.write(line + '\n') : (line: string) => console.log(line);
  checkRunLength(sim, args, info);
  if (sim.args.printout) {
    const why = traceRefusal(sim);
    if (why) throw new UserError(why, EXIT.USAGE);
  }
  const noiseOn = sim.args.noisefile !== undefined && !sim.args.nonoise;
  if (cStdout) {
    // one time seed for the printed line and the noise image (C reads time() once)
    if (noiseOn && sim.args.seed === undefined) sim.args.seed = -cNoiseSeed(sim.args);
    for (const l of cSetupLines(sim, noiseOn ? cNoiseSeed(sim.args) : undefined)) console.log(l);
  } else {
    for (const m of sim.messages) console.log(m);
    for (const l of cGeometryLines(sim)) console.log(l);
  }
  for (const w of args.warnings) info(w);
  const { engine, reason } = await startRunEngine(args, [sim], info);
  info(`backend: ${engine.backend} (${engine.binary}), dtype ${args.dtype}; ${reason}`);
  const bar = progressBar(!args.noprogress && process.stderr.isTTY === true);
  let r;
  try {
    r = await engine.simulate(prepared, { onProgress: (f) => bar.update(f) });
  } finally {
    await closeEngine(engine);
  }
  refuseBadImage(sim, r);
  // C prints its kernel warnings as they happen, between the set-up and the progress lines
  // C prints the kernel's warnings at the pixel that raises them (cLoopText); the set-up's are printed already
  const setupNotes = new Set([...sim.warnings, ...prepared.hklWarnings]);
  const kernelWarnings = cStdout ? r.warnings.filter((w) => !setupNotes.has(w)) : [];
  if (cStdout) for (const w of prepared.hklWarnings) info(w.trimEnd());
  else for (const w of r.warnings) console.log(w.trimEnd());
  info(`interpolation: ${r.interpolation}`);
  if (!cStdout) {
    const [mx, my] = r.stats.maxIndex >= 0 ? maxPosition(r.stats.maxIndex, r.width, sim.detector.pixel, sim.oversample) : [0, 0];
    console.log(`max_I = ${formatG(r.stats.maxI)}  at ${formatG(mx)} ${formatG(my)}`);
    console.log(`mean= ${formatG(r.stats.mean)} rms= ${formatG(r.stats.rms)} rmsd= ${formatG(r.stats.rmsd)}`);
  }
  info(`${r.evaluations} evaluations in ${r.timings.loop_s.toFixed(3)} s`);
  const gpu = (r as { gpuTimings?: Record<string, number | string> }).gpuTimings;
  if (gpu) {
    const ms = (k: string) => `${(Number(gpu[k]) * 1000).toFixed(2)} ms`;
    info(`gpu: upload ${ms('upload_s')}, pre-pass ${ms('prepass_s')}, kernel ${ms('kernel_s')} (${gpu.kernel_clock}), ` +
      `statistics ${ms('stats_s')}, readback ${ms('readback_s')}; ${ms('wall_s')} in all`);
  }
  const { files, lines, report } = await encodeOutputs(sim, r);
  const W = sim.detector.fpixels;
  const traces = sim.args.printout
    ? traceBlocks(sim, r.image, sim.args.printoutPixel, (f, s) => {
      // on f64 the host evaluation must give the kernel's pixel; on f32 the kernel's accumulation differs by design
      if (args.dtype === 'f64') info(`warning: -printout: the host evaluation of pixel (${f}, ${s}) differs from the image's value; the printed 'pixel' line is the image's`);
    })
    : undefined;
  if (traces && args.dtype !== 'f64') info('note: -printout values are the f64 evaluation of the pixel on the host; the image (and its pixel line) is --dtype ' + args.dtype);
  if (cStdout) {
    process.stdout.write(cLoopText(sim, { switchPixel: r.switchPixel, kernelWarnings, ...(traces ? { traceOf: (f: number, s: number) => traces.get(s * W + f) } : {}) }));
    const a = sim.args;
    const out = cFinalLines(sim, r.stats, {
      floatfile: a.floatfile ?? 'floatimage.bin', intfile: a.intfile ?? 'intimage.img', intScale: report.intScale,
      ...(report.pgmScale !== undefined && a.pgmfile ? { pgm: { file: a.pgmfile, scale: report.pgmScale } } : {}),
      ...(report.noiseSummary !== undefined && a.noisefile ? { noise: { file: a.noisefile, summary: report.noiseSummary } } : {}),
    });
    for (const l of out) console.log(l);
    for (const l of lines.filter((l) => l.startsWith('noise: '))) info(l);
  } else {
    for (const block of traces?.values() ?? []) for (const l of block) console.log(l);
    for (const l of lines) console.log(l);
  }
  await writeOutputs(files, info);
  return EXIT.OK;
}
