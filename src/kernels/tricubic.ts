// Host side of the structure-factor lookup (docs/c-behaviour/minimal-loop.md 3.2-3.5): uploads an HKL grid into a kernel
// instance, runs one of the batched WASM kernels of assembly/tricubic.ts and applies nanoBragg's
// run-wide interpolation state (the permanent switch-off and the one-time warning, traps T-2/T-3).
//
// Precision of the variants (see the header of assembly/tricubic.ts):
//   'f64', 'f64x2'  C's polin3 bit for bit (f64x2 is bitwise equal to f64);
//   'f32', 'f32x4'  separable weights in f32, bitwise equal to each other; |f32 - f64| <= 1e-6 times the
//                   largest |F| of the 4x4x4 stencil, i.e. <= 1e-6 relative on positive smooth grids
//                   (measured 4.5e-7 on golden/smooth_grid_12.hkl).
// Range test, nearest neighbour and the switch-off index are exact in every variant.

import type { WasmKernels } from '../wasm/loader.ts';
import { formatG } from '../util/cformat.ts';

/** A dense HKL grid: index ((h-hMin)*kRange + (k-kMin))*lRange + (l-lMin), *Range = max-min+1. */
export interface HklGrid {
  hMin: number; hMax: number; kMin: number; kMax: number; lMin: number; lMax: number;
  hRange: number; kRange: number; lRange: number;
  data: Float64Array;
  defaultF: number;
}

export type TricubicVariant = 'f64' | 'f64x2' | 'f32' | 'f32x4';

/** C's globals `interpolate` and `babble`: persists across calls for the whole run. */
export interface InterpolationState { interpolate: boolean; warned: boolean }

/** The grid copied into a kernel instance: f64 and f32 copies of `grid.data`. */
export interface GridUpload {
  kernels: WasmKernels;
  grid: HklGrid;
  f64Ptr: number;
  f32Ptr: number;
  /** Arena top right after the upload; the upload is valid while the arena is not released below it. */
  end: number;
}

export interface InterpolationResult {
  /** F per evaluation; Float32Array for the f32 variants. */
  values: Float64Array | Float32Array;
  /** Index of the evaluation that switched interpolation off in this call, -1 if none. */
  firstOutOfRange: number;
  /** C's warning lines (without newline), non-empty only the first time the switch fires in a run. */
  warnings: string[];
}

export interface InterpolateOptions {
  variant?: TricubicVariant;
  /** Run state; a fresh `{ interpolate: true, warned: false }` when absent. Updated in place. */
  state?: InterpolationState;
  /** A grid already uploaded with uploadGrid (skips the copy). */
  upload?: GridUpload;
}

const KERNEL: Record<TricubicVariant, { name: string; f32: boolean }> = {
  f64: { name: 'tricubicBatchF64', f32: false },
  f64x2: { name: 'tricubicBatchF64x2', f32: false },
  f32: { name: 'tricubicBatchF32', f32: true },
  f32x4: { name: 'tricubicBatchF32x4', f32: true },
};

/** Throws unless the grid's bounds, ranges and data length agree. */
export function checkGrid(grid: HklGrid): void {
  for (const a of ['h', 'k', 'l'] as const) {
    const min = grid[`${a}Min`], max = grid[`${a}Max`], range = grid[`${a}Range`];
    if (!Number.isInteger(min) || !Number.isInteger(max) || range !== max - min + 1 || range < 1) {
      throw new Error(`invalid HKL grid: ${a} ${min}..${max} with ${a}Range ${range} (must be max-min+1 >= 1)`);
    }
  }
  const n = grid.hRange * grid.kRange * grid.lRange;
  if (grid.data.length !== n) throw new Error(`invalid HKL grid: ${grid.data.length} values for ${grid.hRange}x${grid.kRange}x${grid.lRange}`);
}

/**
 * Copies the grid into `kernels` memory once (an f64 and an f32 copy), so that repeated calls (and
 * benchmarks) time only the kernel. The upload lives in the kernels' arena until kernels.reset().
 */
export function uploadGrid(kernels: WasmKernels, grid: HklGrid): GridUpload {
  checkGrid(grid);
  const n = grid.data.length;
  const f64Ptr = kernels.alloc(n * 8);
  const f32Ptr = kernels.alloc(n * 4);
  kernels.f64(f64Ptr, n).set(grid.data);
  kernels.f32(f32Ptr, n).set(grid.data);
  return { kernels, grid, f64Ptr, f32Ptr, end: kernels.base + kernels.used };
}

/** Frees every allocation made after the arena top was `mark` (allocations below it stay intact). */
function releaseTo(kernels: WasmKernels, mark: number): void {
  kernels.reset();
  if (mark > kernels.base) kernels.alloc(mark - kernels.base, 1);
}

/**
 * F_cell for n evaluations (h[i], k[i], l[i]) in nanoBragg's serial order, C semantics:
 * while state.interpolate, evaluations are interpolated until the first one out of the tricubic window
 * (hMin+2 <= h <= hMax-2 on every axis); that one and all later ones (in this call and, through the
 * state, in later calls) get the nearest-neighbour value (grid value, or defaultF outside the grid).
 * The first time this happens in a run the two C warning lines are returned.
 *
 * The kernel instance's arena is left as it was found: inputs, output and (without `upload`) the grid
 * copy are allocated above its current top and released before returning.
 */
export function interpolateF(kernels: WasmKernels, grid: HklGrid, h: Float64Array, k: Float64Array, l: Float64Array,
                             options: InterpolateOptions = {}): InterpolationResult {
  const variant = options.variant ?? 'f64';
  const kernel = KERNEL[variant];
  if (!kernel) throw new Error(`unknown tricubic variant '${variant}' (f64, f64x2, f32, f32x4)`);
  const state = options.state ?? { interpolate: true, warned: false };
  const n = h.length;
  if (k.length !== n || l.length !== n) throw new Error(`h, k, l lengths differ: ${n}, ${k.length}, ${l.length}`);

  const mark = kernels.base + kernels.used;
  const up = options.upload;
  if (up && (up.kernels !== kernels || up.grid !== grid || up.end > mark)) {
    throw new Error('grid upload belongs to another kernel instance or grid, or was released');
  }
  let values: Float64Array | Float32Array;
  let first: number;
  try {
    const g = up ?? uploadGrid(kernels, grid);
    const hp = kernels.put(h), kp = kernels.put(k), lp = kernels.put(l);
    const out = kernels.alloc(n * (kernel.f32 ? 4 : 8));
    first = kernels.exports[kernel.name](
      kernel.f32 ? g.f32Ptr : g.f64Ptr, grid.hMin, grid.kMin, grid.lMin, grid.hRange, grid.kRange, grid.lRange,
      grid.defaultF, hp, kp, lp, n, out, state.interpolate ? 1 : 0) as number;
    values = kernel.f32 ? kernels.f32(out, n).slice() : kernels.f64(out, n).slice();
  } finally {
    releaseTo(kernels, mark);
  }

  const warnings: string[] = [];
  if (first >= 0) {
    state.interpolate = false;
    if (!state.warned) {
      state.warned = true;
      warnings.push(...outOfRangeWarning(h[first], k[first], l[first]));
    }
  }
  return { values, firstOutOfRange: first, warnings };
}

/**
 * C's two warning lines (printed once per run, M:2930-2936) for the evaluation that switches
 * interpolation off, without newlines; both end with a space, as in C.
 */
export function outOfRangeWarning(h: number, k: number, l: number): [string, string] {
  return [
    `WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: ${formatG(h)},${formatG(k)},${formatG(l)},` +
      `${nearestIndex(h)},${nearestIndex(k)},${nearestIndex(l)} `,
    'WARNING: further warnings will not be printed! ',
  ];
}

/** C's `(int)ceil(x - 0.5)` as printed by %d; NaN and values outside int give INT_MIN, as on x86. */
function nearestIndex(x: number): number {
  const v = Math.ceil(x - 0.5);
  return v >= -2147483648 && v <= 2147483647 ? v + 0 : -2147483648;
}
