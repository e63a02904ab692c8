// The library's direct kernel calls: the HKL reader, tricubic interpolation of structure factors and detector
// capture fractions on arrays, through one shared kernel instance (the SIMD build where the runtime has it).

import { loadKernels, type WasmKernels } from '../wasm/loader.ts';
import { parseHkl, type HklGrid } from '../hkl.ts';
import {
  interpolateF as interpolateKernel,
  type InterpolationResult, type InterpolationState, type TricubicVariant,
} from '../kernels/tricubic.ts';
import { captureFractions as captureKernel, type CaptureVariant } from '../kernels/absorption.ts';

export interface LoadHklOptions {
  /** F for grid cells no reflection sets (nanoBragg -default_F). Default 0. */
  defaultF?: number;
  /** Name used in error messages. */
  source?: string;
}

/** A parsed HKL grid and the reader's non-fatal findings (duplicates, ignored columns). */
export type LoadedHkl = HklGrid & { warnings: string[] };

/** Parses HKL text or bytes (h k l F per line) into nanoBragg's dense grid. Throws HklError naming the line. */
export function loadHkl(input: string | Uint8Array, options: LoadHklOptions = {}): LoadedHkl {
  const { grid, warnings } = parseHkl(input, { defaultF: options.defaultF, source: options.source });
  return Object.assign(grid, { warnings });
}

let sharedKernels: Promise<WasmKernels> | null = null;

/** The kernel instance behind interpolateF and captureFractions (SIMD binary where the runtime has it). */
function kernels(): Promise<WasmKernels> {
  if (!sharedKernels) {
    sharedKernels = loadKernels();
    sharedKernels.catch(() => (sharedKernels = null));
  }
  return sharedKernels;
}

const f64 = (name: string, v: ArrayLike<number>): Float64Array => {
  if (v instanceof Float64Array) return v;
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new TypeError(`${name} must be an array of numbers`);
  return Float64Array.from(v);
};

export interface InterpolateFOptions {
  /** 'f64' (default, C's polin3 bit for bit), 'f64x2' (same bits), 'f32'/'f32x4' (within 1e-6 of the stencil's largest |F|). */
  variant?: TricubicVariant;
  /** nanoBragg's run-wide interpolation switch; pass the same object to later calls to continue a run. Updated in place. */
  state?: InterpolationState;
}

/**
 * F at fractional Miller indices (h[i], k[i], l[i]) in nanoBragg's serial order: tricubic interpolation
 * until the first evaluation outside the grid's interpolation window, nearest neighbour from there on
 * (the C program's switch-off, with its warning lines the first time).
 */
export async function interpolateF(grid: HklGrid, h: ArrayLike<number>, k: ArrayLike<number>, l: ArrayLike<number>,
                                   options: InterpolateFOptions = {}): Promise<InterpolationResult> {
  const hh = f64('h', h), kk = f64('k', k), ll = f64('l', l);
  // NaN compares false with every bound, so the kernel would neither interpolate nor switch off: refuse it
  for (const [name, v] of [['h', hh], ['k', kk], ['l', ll]] as const) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new TypeError(`${name}[${i}] is ${v[i]}: Miller indices must be finite numbers`);
  }
  return interpolateKernel(await kernels(), grid, hh, kk, ll, options);
}

/**
 * Capture fraction of each of nLayers sensor layers (step delta in m, attenuation mu in 1/m) for each
 * parallax factor rho[p]: result[p * nLayers + t] = exp(-tΔμ/ρ) - exp(-(t+1)Δμ/ρ). Float64Array for the
 * 'f64'/'f64x2' variants (default 'f64', nanoBragg's expression), Float32Array for 'f32'/'f32x4'.
 * resolveLayers() turns nanoBragg's thickness options into nLayers, delta and mu.
 */
export async function captureFractions(rho: ArrayLike<number>, nLayers: number, delta: number, mu: number,
                                       variant: CaptureVariant = 'f64'): Promise<Float64Array | Float32Array> {
  return captureKernel(await kernels(), f64('rho', rho), nLayers, delta, mu, variant);
}

