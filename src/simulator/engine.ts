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
import { parseHkl, readHklFile, type HklGrid } from '../hkl.ts';
import { setupSimulation, R_E_SQR, type Simulation } from './setup.ts';
import { fillParams, P } from './params.ts';
import { imageStats } from '../io/stats.ts';
import { formatG } from '../util/cformat.ts';

export type EngineBackend = 'wasm' | 'wasm-scalar' | 'wasm-threads' | 'webgpu';
export type Dtype = 'f32' | 'f64';

export interface PreparedSimulation {
  argv: string[];
  sim: Simulation;
  /** Non-fatal notes from reading the HKL file (e.g. duplicates). */
  hklWarnings: string[];
}

export interface SimStats {
  maxI: number;
  maxIndex: number;
  mean: number;
  rms: number;
  rmsd: number;
  sum: number;
  count: number;
}

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
  timings: { loop_s: number };
}

export interface SimulateOptions {
  /** Called after each band of rows with the fraction done (0..1]. */
  onProgress?: (fraction: number) => void;
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

/** Parses nanoBragg flags and loads the structure factors (from `hklText` if given, else the -hkl file). */
export async function prepareSimulation(argv: string[], opts: { hklText?: string | Uint8Array } = {}): Promise<PreparedSimulation> {
  const args = parseSimArgs(argv);
  let grid: HklGrid | null = null;
  let hklWarnings: string[] = [];
  if (opts.hklText !== undefined) {
    const r = parseHkl(opts.hklText, { defaultF: args.defaultF, source: args.hklPath ?? 'HKL text' });
    grid = r.grid;
    hklWarnings = r.warnings;
  } else if (args.hklPath) {
    const r = await readHklFile(args.hklPath, { defaultF: args.defaultF });
    grid = r.grid;
    hklWarnings = r.warnings;
  }
  return { argv, sim: setupSimulation(args, grid), hklWarnings };
}

/** Number of evaluations the pixel loop performs (pixels in the ROI x layers x subpixels x phi steps). */
export function evaluationCount(sim: Simulation): number {
  const w = Math.max(0, Math.min(sim.roi.xmax, sim.detector.fpixels - 1) - Math.max(0, sim.roi.xmin) + 1);
  const h = Math.max(0, Math.min(sim.roi.ymax, sim.detector.spixels - 1) - Math.max(0, sim.roi.ymin) + 1);
  return w * h * sim.layers.nLayers * sim.oversample * sim.oversample * sim.phi.phisteps;
}

/** Largest image (in pixels) the 32-bit WebAssembly memory can hold beside its working set. */
export const MAX_PIXELS = 512 * 1024 * 1024 / 4;

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
    const k = this.kernels;
    const ex = k.exports;
    const { fpixels: width, spixels: height } = sim.detector;
    const npix = width * height;
    if (npix > MAX_PIXELS) {
      throw new Error(`detector of ${width}x${height} pixels is too large: at most ${MAX_PIXELS} pixels fit in WebAssembly memory`);
    }
    if (ex.paramSlotCount() !== P.COUNT) throw new Error('WebAssembly kernels and host disagree on the parameter layout: rebuild with npm run asbuild');

    k.reset();
    const g = sim.grid;
    const gridF64 = g ? k.put(g.data) : 0;
    const gridF32 = g ? k.put(Float32Array.from(g.data)) : 0;
    const phiTable = k.put(sim.phi.table);
    const paramsPtr = k.alloc(P.COUNT * 8);
    const scratchPtr = k.alloc(ex.scratchBytes());
    const imagePtr = k.alloc(npix * 4);
    k.u8(imagePtr, npix * 4).fill(0);
    const block = k.f64(paramsPtr, P.COUNT);
    fillParams(block, sim, { phiTable, gridF64, gridF32 }, R_E_SQR);

    const warnings = [...prepared.hklWarnings, ...sim.warnings];
    let interpolation = sim.interpolate ? 'tricubic' : 'nearest';
    let switchPixel = -1;
    // Rows in serial order: the kernel switches interpolation off itself at the first
    // out-of-range evaluation (as C does) and reports it; later bands get it through the block.
    const t0 = performance.now();
    const run = this.dtype === 'f64' ? ex.simulateF64 : ex.simulateF32;
    const band = Math.max(1, Math.ceil(height / 50));
    for (let row = 0; row < height; row += band) {
      const end = Math.min(height, row + band);
      if (run(paramsPtr, imagePtr, row, end, scratchPtr)) {
        const rec = k.f64(scratchPtr, 6);
        switchPixel = rec[1];
        block[P.SWITCH_PIXEL] = rec[1];
        block[P.SWITCH_EVAL] = rec[2];
        warnings.push(...switchOffWarnings(rec[3], rec[4], rec[5]));
        interpolation = `tricubic, switched to nearest at pixel (slow ${Math.floor(switchPixel / width)}, fast ${switchPixel % width})`;
      }
      options.onProgress?.(end / height);
    }
    const t1 = performance.now();
    const image = k.f32(imagePtr, npix).slice();
    const stats = imageStats(image, width, height, sim.roi);
    return {
      image, width, height, warnings, interpolation, switchPixel,
      evaluations: evaluationCount(sim),
      stats,
      timings: { loop_s: (t1 - t0) / 1000 },
    };
  }
}

/** C's two warning lines for the interpolation switch-off (physics.md 3.5 step 3). */
export function switchOffWarnings(h: number, k: number, l: number): string[] {
  const r = (x: number) => Math.ceil(x - 0.5);
  return [
    `WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: ${formatG(h)},${formatG(k)},${formatG(l)},${r(h)},${r(k)},${r(l)} `,
    'WARNING: further warnings will not be printed! ',
  ];
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
export const ENGINE_BACKENDS: readonly EngineBackend[] = ['wasm-scalar', 'wasm', 'wasm-threads', 'webgpu'];
