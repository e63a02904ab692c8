// Detector absorption, host side: nanoBragg's resolution of the thickness options into layers
// (docs/c-behaviour/minimal-loop.md 4.2) and a batched wrapper over the capture-fraction kernels of assembly/absorption.ts
// (docs/c-behaviour/minimal-loop.md 4.3). How the fractions enter a pixel (last-value factor vs -oversample_thick running
// product, docs/c-behaviour/minimal-loop.md 4.4) is documented beside lastLayerCaptureF64 / runningProductAccumulate there.
import { formatG } from '../util/cformat.ts';
import type { WasmKernels } from '../wasm/loader.ts';

/** Thickness options as nanoBragg holds them after argument parsing (C variables in brackets). */
export interface LayerOptions {
  /**
   * Sensor thickness in metres [detector_thick]. C's default is 0 (no `-detector_thick`), which means
   * "no absorption"; `-detector_thick X` gives X*1e-6, and `-detector_abs inf` or `-detector_abs 0` reset it
   * to 0 at that point of the command line (T-8: argument order matters, the parser's business).
   * Only a negative value typed by the user reaches the "T < 0" branches. Default 0.
   */
  thickness_m?: number;
  /** Layer count [detector_thicksteps] from `-detector_thicksteps`/`-thicksteps` (atoi); -1 (any value <= 0) = not given. Default -1. */
  thicksteps?: number;
  /** Attenuation coefficient in 1/m [detector_mu] = 1/(depth_um*1e-6) from `-detector_abs`; 0 for `inf`/0; -1 (any value < 0) = unset. Default -1. */
  mu?: number;
}

export interface Layers {
  /** Number of layers n (>= 1; 1 with no absorption). */
  nLayers: number;
  /** Layer step Δ in metres: layer t spans depths tΔ..(t+1)Δ (0 with no absorption). */
  delta: number;
  /** Thickness T in metres after the rules (0 with no absorption; the modelled depth is nΔ, not T). */
  thickness: number;
  /** μ in 1/m: the input, or 1/T when it was unset and T > 0. Stays < 0 (unused) when T = 0. */
  mu: number;
  /** Lines C prints (without the newline): the μ default warning. */
  warnings: string[];
}

/**
 * nanoBragg's layer resolution, exactly (M:1579-1633, sanity M:1687-1691; docs/c-behaviour/minimal-loop.md 4.2, T-9, T-13):
 *   n <= 0 (not given): T < 0 -> n = 1, T = 0, Δ = 0;   T >= 0 -> n = 2, Δ = T/2.
 *   n > 0 (given):      T < 0 -> T = 0.5e-6, Δ = T/n;   T >= 0 -> n = max(n, 2), Δ = T/(n-1).
 *   T > 0 and μ < 0  -> μ = 1/T, warning "WARNING: setting detector attenuation depth to %g m" (the number
 *                       printed is μ in 1/m although the text says depth).
 *   T <= 0 or Δ <= 0 or n <= 0 -> n = 1, T = 0, Δ = 0 (absorption off; capture factor 1, T-10).
 * So `-thicksteps 1` silently becomes 2 layers with Δ = T, and an explicit n models a sensor nT/(n-1) deep.
 */
export function resolveLayers({ thickness_m = 0, thicksteps = -1, mu = -1 }: LayerOptions = {}): Layers {
  if (!Number.isFinite(thickness_m)) throw new RangeError(`detector thickness must be a finite number of metres, got ${thickness_m}`);
  if (!Number.isInteger(thicksteps)) throw new RangeError(`thicksteps must be an integer (C reads it with atoi), got ${thicksteps}`);
  if (Number.isNaN(mu)) throw new RangeError('detector attenuation coefficient is NaN');
  let T = thickness_m;
  let n = thicksteps;
  let delta: number;
  const warnings: string[] = [];
  if (n <= 0) {
    if (T < 0) {
      n = 1;
      T = 0;
      delta = 0;
    } else {
      n = 2;
      delta = T / 2;
    }
  } else if (T < 0) {
    T = 0.5e-6;
    delta = T / n;
  } else {
    if (n <= 1) n = 2;
    delta = T / (n - 1);
  }
  if (T > 0 && mu < 0) {
    mu = 1.0 / T;
    warnings.push(`WARNING: setting detector attenuation depth to ${formatG(mu)} m`);
  }
  if (T <= 0 || delta <= 0 || n <= 0) {
    n = 1;
    T = 0;
    delta = 0;
  }
  return { nLayers: n, delta, thickness: T, mu, warnings };
}

/**
 * Kernel variants (see assembly/absorption.ts):
 *   f64   C's expression and order with Math.exp (the parity path; bit-identical to nanoBragg given the same libm);
 *   f64x2 the same expression with fdlibm's exp, two pixels per vector (within 1 ulp per exponential of f64);
 *   f32   -exp(-t x) expm1(-x), x = Δμ/ρ in f64, exp/expm1 in f32 (relative error <= 2.5e-7 (1 + (t+1) x));
 *   f32x4 the f32 variant four pixels at a time, bit-identical to f32.
 * On the scalar binary the x2/x4 names run their scalar twins with identical results.
 */
export type CaptureVariant = 'f64' | 'f64x2' | 'f32' | 'f32x4';
export const CAPTURE_VARIANTS: readonly CaptureVariant[] = ['f64', 'f64x2', 'f32', 'f32x4'];

const KERNEL: Record<CaptureVariant, { name: string; f32: boolean }> = {
  f64: { name: 'captureFractionsF64', f32: false },
  f64x2: { name: 'captureFractionsF64x2', f32: false },
  f32: { name: 'captureFractionsF32', f32: true },
  f32x4: { name: 'captureFractionsF32x4', f32: true },
};

/** Frees every allocation made after the arena top was `mark` (allocations below it stay intact). */
function releaseTo(kernels: WasmKernels, mark: number): void {
  kernels.reset();
  if (mark > kernels.base) kernels.alloc(mark - kernels.base, 1);
}

/**
 * Capture fractions of every layer for every parallax rho[p] (= d·o of the ray, docs/c-behaviour/minimal-loop.md 4.3):
 * result[p*nLayers + t] = exp(-tΔμ/ρ_p) - exp(-(t+1)Δμ/ρ_p). Float64Array for f64/f64x2, Float32Array
 * for f32/f32x4. The kernels' arena is left as it was found (inputs and output are released).
 */
export function captureFractions(kernels: WasmKernels, rho: Float64Array, nLayers: number, delta: number, mu: number,
                                 variant: 'f32' | 'f32x4'): Float32Array;
export function captureFractions(kernels: WasmKernels, rho: Float64Array, nLayers: number, delta: number, mu: number,
                                 variant?: 'f64' | 'f64x2'): Float64Array;
export function captureFractions(kernels: WasmKernels, rho: Float64Array, nLayers: number, delta: number, mu: number,
                                 variant?: CaptureVariant): Float64Array | Float32Array;
export function captureFractions(kernels: WasmKernels, rho: Float64Array, nLayers: number, delta: number, mu: number,
                                 variant: CaptureVariant = 'f64'): Float64Array | Float32Array {
  const kernel = KERNEL[variant];
  if (!kernel) throw new Error(`unknown capture-fraction variant '${variant}' (${CAPTURE_VARIANTS.join(', ')})`);
  if (!(rho instanceof Float64Array)) throw new TypeError('rho must be a Float64Array of parallax factors');
  if (!Number.isInteger(nLayers) || nLayers < 1) throw new RangeError(`nLayers must be an integer >= 1, got ${nLayers}`);
  const nPix = rho.length;
  const m = nPix * nLayers;
  if (m > 0x7fffffff) throw new RangeError(`${nPix} pixels x ${nLayers} layers is too many for one call`);
  const mark = kernels.base + kernels.used;
  try {
    const rp = kernels.put(rho);
    const out = kernels.alloc(m * (kernel.f32 ? 4 : 8));
    kernels.exports[kernel.name](rp, nPix, nLayers, delta, mu, out);
    return kernel.f32 ? kernels.f32(out, m).slice() : kernels.f64(out, m).slice();
  } finally {
    releaseTo(kernels, mark);
  }
}
