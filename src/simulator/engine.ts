// Runs whole-image simulations on the WebAssembly kernels.
//
//   const engine = await createEngine({ backend: 'wasm', dtype: 'f32' });
//   const prepared = await prepareSimulation(['-hkl', 'x.hkl', '-cell', ...]);
//   const result = engine.simulate(prepared);
//
// Precision: dtype 'f64' is the C program's double-precision arithmetic (image within
// float32 rounding of the C image); 'f32' keeps geometry and Miller indices in f64 and the
// lattice factor, structure factor and accumulation in f32 (max|diff|/max <= 5e-6 against C).

import { loadKernels, type WasmKernels } from '../wasm/loader.ts';
import { parseSimArgs } from './args.ts';
import { parseHkl, readHklFile, type HklGrid, type HklParseResult } from '../hkl.ts';
import { setupSimulation, SetupError, type Simulation } from './setup.ts';
import { P } from './params.ts';
import { statsFromSums, type ImageStats } from '../io/stats.ts';
import { readSmvFrame, DetectorError, type SmvFrame } from '../physics/detector.ts';
import { layoutSimulation, paramsBlock, noSwitchOff, applySwitchOff, buildResult } from './layout.ts';
export { evaluationCount, MAX_PIXELS } from './layout.ts';

import { BACKEND_ORDER, type Dtype, type EngineBackend } from '../backends/names.ts';
export type { Dtype, EngineBackend };

export interface PreparedSimulation {
  argv: string[];
  sim: Simulation;
  /** Non-fatal notes from reading the HKL file (e.g. duplicates). */
  hklWarnings: string[];
}

/** C's image statistics (max_I and where, mean, rms, rmsd over the ROI): see src/io/stats.ts. */
export type SimStats = ImageStats;

export interface SimResult {
  image: Float32Array;
  width: number;
  height: number;
  /** Warnings in the C program's words, each once, in the order C prints them. */
  warnings: string[];
  /** 'tricubic', 'nearest', or 'tricubic, switched to nearest at pixel (slow S, fast F)'. */
  interpolation: string;
  /** Raster index of the pixel holding the interpolation switch-off, or -1. */
  switchPixel: number;
  evaluations: number;
  stats: SimStats;
  /** Seconds: loop_s for every engine, plus the engine's own phases (webgpu: gpu_upload_s, gpu_prepass_s, gpu_kernel_s, gpu_stats_s, gpu_readback_s). */
  timings: { loop_s: number; [phase: string]: number };
}

export interface SimulateOptions {
  /** Called after each band of rows with the fraction done (0..1]. */
  onProgress?: (fraction: number) => void;
  /**
   * Write the image into this array (width * height elements) instead of a fresh one; the result's image is this
   * array. For loops over many images: a fresh 64 MiB image (4096^2) costs about 30 ms of allocation and first-touch
   * page faults here, a copy into an array already touched about 5 ms.
   */
  into?: Float32Array;
  /**
   * Let the image be a view of the engine's own memory instead of a copy (WebAssembly: its linear memory;
   * WebGPU: the mapped readback buffer, when the image went through in one band), valid until the engine's next
   * call or dispose() - copy it to keep it. Saves the copy of the whole image: about 5 ms per 64 MiB here.
   * Ignored when `into` is given.
   */
  borrow?: boolean;
}

/** Throws when `into` cannot hold the image (checked before any work). */
export function checkInto(into: Float32Array | undefined, width: number, height: number): void {
  if (into === undefined) return;
  if (!(into instanceof Float32Array)) throw new TypeError(`'into' must be a Float32Array, got ${Object.prototype.toString.call(into)}`);
  if (into.length !== width * height) {
    throw new RangeError(`'into' has ${into.length} elements but the image has ${width}x${height} = ${width * height} pixels`);
  }
}

/**
 * The image to return: a copy of `view` in a fresh array, or in `into` (already checked by checkInto), or with
 * `borrow` (and no `into`) `view` itself.
 */
export function imageOut(view: Float32Array, into?: Float32Array, borrow = false): Float32Array {
  if (!into) return borrow ? view : view.slice();
  into.set(view);
  return into;
}

export interface SimEngine {
  readonly backend: EngineBackend;
  /** The WebAssembly binary or GPU adapter that runs the loop. */
  readonly binary: string;
  readonly dtype: Dtype;
  simulate(prepared: PreparedSimulation, options?: SimulateOptions): Promise<SimResult>;
  /** Bytes of WebAssembly memory currently committed. */
  memoryBytes(): number;
  dispose(): void;
}

/**
 * HKL grids already read, by file name and -default_F (the grid's fill value): a batch or dataset that names
 * the same file on every image reads and parses it once. The grid is never modified after parsing (the
 * engines copy it into their own memory), so sharing it between simulations cannot change an image.
 */
export type HklCache = Map<string, Promise<HklParseResult>>;

/** Parses nanoBragg flags and loads the structure factors (from `hklText` if given, else the -hkl file, through `hklCache` when given). */
export async function prepareSimulation(
  argv: string[],
  opts: { hklText?: string | Uint8Array; matText?: string; mask?: SmvFrame; img?: SmvFrame; hklCache?: HklCache } = {},
): Promise<PreparedSimulation> {
  const args = parseSimArgs(argv);
  let grid: HklGrid | null = null;
  let hklWarnings: string[] = [];
  if (opts.hklText !== undefined) {
    const r = parseHkl(opts.hklText, { defaultF: args.defaultF, source: args.hklPath ?? 'HKL text' });
    grid = r.grid;
    hklWarnings = r.warnings;
  } else if (args.hklPath) {
    const key = `${args.defaultF}\u0000${args.hklPath}`;
    let pending = opts.hklCache?.get(key);
    if (!pending) {
      pending = readHklFile(args.hklPath, { defaultF: args.defaultF });
      opts.hklCache?.set(key, pending);
    }
    const r = await pending;
    grid = r.grid;
    hklWarnings = r.warnings;
  }
  let matText = opts.matText;
  if (matText === undefined && args.matPath !== undefined) matText = await readMatrixFile(args.matPath);
  let mask = opts.mask;
  if (mask === undefined && args.maskPath !== undefined) mask = await readMaskFile(args.maskPath, '-mask');
  let img = opts.img;
  if (img === undefined && args.imgPath !== undefined) img = await readMaskFile(args.imgPath, '-img');
  return { argv, sim: setupSimulation(args, grid, { matText, argv, ...(mask ? { mask } : {}), ...(img ? { img } : {}) }), hklWarnings };
}

/** The -mask or -img file, read as an SMV frame (Node/Deno); a missing or malformed file is a one-line error. */
async function readMaskFile(path: string, role: '-mask' | '-img'): Promise<SmvFrame> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SetupError(`${role} ${path}: cannot read the ${role === '-mask' ? 'mask' : 'image'} file (${err.code ?? err.message})`);
  }
  try {
    return readSmvFrame(bytes, path, role);
  } catch (e) {
    if (e instanceof DetectorError) throw new SetupError(e.message);
    throw e;
  }
}

/** The -mat file's text (Node/Deno); a missing file is an error here (C silently ignores it). */
async function readMatrixFile(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SetupError(`-mat ${path}: cannot read the matrix file (${err.code ?? err.message})`);
  }
}

class WasmEngine implements SimEngine {
  constructor(
    readonly backend: EngineBackend,
    readonly dtype: Dtype,
    private kernels: WasmKernels,
  ) {}

  get binary() {
    return this.kernels.flavour;
  }

  memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  dispose(): void {
    this.kernels.reset();
  }

  async simulate(prepared: PreparedSimulation, options: SimulateOptions = {}): Promise<SimResult> {
    const sim = prepared.sim;
    checkInto(options.into, sim.detector.fpixels, sim.detector.spixels);
    const k = this.kernels;
    const ex = k.exports;
    if (ex.paramSlotCount() !== P.COUNT) throw new Error('WebAssembly kernels and host disagree on the parameter layout: rebuild with npm run asbuild');
    // the kernel stores every pixel of the ROI: zero the image only where the ROI leaves pixels out
    const r = sim.roi, d = sim.detector;
    const roiCovers = r.xmin <= 0 && r.ymin <= 0 && r.xmax >= d.fpixels - 1 && r.ymax >= d.spixels - 1;
    const lay = layoutSimulation(k, sim, ex.scratchBytes(), !roiCovers);
    let block = paramsBlock(k, lay);
    // Rows in serial order: the kernel switches interpolation off itself at the first
    // out-of-range evaluation (as C does) and reports it; later bands get it through the block.
    let sw = noSwitchOff(sim);
    const t0 = performance.now();
    const run = this.dtype === 'f64' ? ex.simulateF64 : ex.simulateF32;
    const band = Math.max(1, Math.ceil(lay.height / 50));
    let lastYield = t0;
    for (let row = 0; row < lay.height; row += band) {
      const end = Math.min(lay.height, row + band);
      if (run(lay.paramsPtr, lay.imagePtr, row, end, lay.scratchPtr)) sw = applySwitchOff(block, k.f64(lay.scratchPtr + 8, 5), lay.width);
      options.onProgress?.(end / lay.height);
      // let signal handlers (Ctrl-C), timers and the page run at least every 100 ms
      if (end < lay.height && performance.now() - lastYield > 100) {
        await yieldToEventLoop();
        lastYield = performance.now();
        block = paramsBlock(k, lay); // a fresh view, should the memory have grown meanwhile
      }
    }
    const loop_s = (performance.now() - t0) / 1000;
    const statsPtr = k.alloc(6 * 8);
    const x0 = Math.max(0, r.xmin), x1 = Math.min(d.fpixels - 1, r.xmax), y0 = Math.max(0, r.ymin), y1 = Math.min(d.spixels - 1, r.ymax);
    ex.imageStatistics(lay.imagePtr, lay.width, x0, x1, y0, y1, statsPtr);
    const [maxI, maxIndex, sum, sumsqr, n, dev] = k.f64(statsPtr, 6);
    const stats = statsFromSums(maxI, maxIndex, sum, sumsqr, n, dev);
    return buildResult(prepared, imageOut(k.f32(lay.imagePtr, lay.npix), options.into, options.borrow), sw, { loop_s }, stats);
  }
}

/** Resolves once pending I/O, timers and signal handlers have had their turn. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** A fresh engine (its own WebAssembly instance and memory). */
export async function createEngine(opts: { backend: EngineBackend; dtype: Dtype; threads?: number }): Promise<SimEngine> {
  switch (opts.backend) {
    case 'wasm-threads': {
      const { createThreadedEngine } = await import('../threads/engine.ts');
      return createThreadedEngine({ dtype: opts.dtype, threads: opts.threads });
    }
    case 'webgpu': {
      const { createWebGpuEngine } = await import('../webgpu/engine.ts');
      return createWebGpuEngine({ dtype: opts.dtype });
    }
    case 'wasm':
    case 'wasm-scalar':
      return new WasmEngine(opts.backend, opts.dtype, await loadKernels(opts.backend === 'wasm-scalar' ? 'scalar' : 'simd'));
    default:
      throw new Error(`unknown backend '${opts.backend as string}'`);
  }
}

/** Every backend createEngine knows (the benchmarks skip, with the reason, those that cannot start here). */
export const ENGINE_BACKENDS: readonly EngineBackend[] = [...BACKEND_ORDER].reverse(); // slowest first, as reports list them
