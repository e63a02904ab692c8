// The tophat skip decision on the GPU (docs/c-behaviour/minimal-loop.md 5.9: C skips an evaluation when rad * fudge >= 0.3969).
//
// The pixel loop computes rad from f32 Miller indices, so near the edge of a tophat spot f32 cannot tell on
// which side an evaluation falls, and a wrong guess changes the pixel by a whole F^2 N^6 term: before this
// module, a 1024^2 image (-N 5 -tophat_spots) had 4 pixels off by more than 1e-3 of the maximum, 11351 times the
// pure-f32 tolerance, and a 256^2 one with -oversample 4 also 4 (705 times); with it, none (worst 0.015 and 0.009
// of the tolerance; scripts/measure/gpu-vs-f64.ts tophat, SwiftShader). So, as for the interpolation switch-off:
//  - the pixel loop calls a decision unsure when v = rad * fudge lies within f32's error bound of 0.3969: with
//    |h - h_f64| <= delta = TOPHAT_DELTA_REL * max(1, |h|, |k|, |l|) for each index (docs/precision.md measures about
//    2e-7 |h| after its fix 2; delta is 38 times that), s = d_h a* + d_k b* + d_l c* moves by at most delta A
//    (A = |a*| + |b*| + |c*|), so v = fudge (Na Nb Nc)^2 |s|^2 moves by at most 2 sqrt(v) W delta + (W delta)^2,
//    W = sqrt(fudge) Na Nb Nc A (tophatW, a uniform);
//  - a scan kernel lists the pixels holding an evaluation within TOPHAT_SCAN_FACTOR times that bound (so both
//    kernels' own f32 roundings of the bound are covered);
//  - the host decides every evaluation of those pixels in f64, as C does (geometry64.ts), and uploads the
//    decisions as skip bits per raw evaluation index (tophatOverrides);
//  - the pixel loop looks an unsure evaluation up there (tophat_skip, a binary search over the listed pixels).

import { evaluationsPerPixel, forEachEvaluation, latticeNonSquare64, type Geometry64 } from './geometry64.ts';
import type { Simulation } from '../simulator/setup.ts';

/** The bound on f32's error in h, k and l, relative to max(1, |h|, |k|, |l|). */
export const TOPHAT_DELTA_REL = 2 ** -17;
/** The scan lists pixels with an evaluation within this many error bounds of the edge (the pixel loop: 1). */
export const TOPHAT_SCAN_FACTOR = 2;

/** W = sqrt(fudge) Na Nb Nc (|a*| + |b*| + |c*|) (1/Angstrom): v's sensitivity to errors in h, k, l. */
export function tophatW(sim: Simulation): number {
  const c = sim.crystal;
  const norm = (v: readonly number[]) => Math.hypot(v[0], v[1], v[2]);
  return Math.sqrt(Math.max(0, sim.loop.fudge)) * c.Na * c.Nb * c.Nc * (norm(c.aStar) + norm(c.bStar) + norm(c.cStar));
}

export interface TophatOverrides {
  /** The listed pixels (sorted), then `words` u32 of skip bits per pixel, bit r = raw evaluation r is skipped. */
  data: Uint32Array;
  count: number;
  words: number;
}

/** C's skip decisions (f64: F_latt == 0, or cut by -dmin) for every evaluation of `pixels` (raster indices; repeats allowed). */
export function tophatOverrides(g: Geometry64, pixels: readonly number[]): TophatOverrides {
  const sorted = [...new Set(pixels)].sort((a, b) => a - b);
  const words = Math.max(1, Math.ceil(evaluationsPerPixel(g) / 32));
  const data = new Uint32Array(sorted.length * (1 + words));
  sorted.forEach((pixel, i) => {
    data[i] = pixel;
    const at = sorted.length + i * words;
    // the bit is C's F_latt == 0 (or a -dmin cut): with -water the kernel keeps such an evaluation with F_latt = 0
    forEachEvaluation(g, pixel, (raw, h, k, l, skipped) => {
      if (skipped || Number.isNaN(h) || latticeNonSquare64(g, h, k, l) === 0) data[at + (raw >>> 5)] |= 1 << (raw & 31);
    });
  });
  return { data, count: sorted.length, words };
}

/**
 * WGSL of the lookup (binding 5 of the pixel loop, tophat variants only; needs the Sim uniform U with nOverride
 * and overrideWords). Other shapes get a stub that keeps the f32 decision.
 */
export function tophatLookupWgsl(shape: number): string {
  if (shape !== 3) return 'fn tophat_skip(pixel: u32, raw: u32, f32_skip: bool) -> bool { return f32_skip; }\n';
  return /* wgsl */ `
// ---- tophat decisions the host made in f64 (src/webgpu/tophat.ts) ----
@group(0) @binding(5) var<storage, read> overrides: array<u32>;
fn tophat_skip(pixel: u32, raw: u32, f32_skip: bool) -> bool {
  var lo = 0u;
  var hi = U.nOverride;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (overrides[mid] < pixel) { lo = mid + 1u; } else { hi = mid; }
  }
  // not listed: the scan's wider band makes that impossible; keep the f32 decision
  if (lo >= U.nOverride || overrides[lo] != pixel) { return f32_skip; }
  let w = overrides[U.nOverride + lo * U.overrideWords + raw / 32u];
  return ((w >> (raw % 32u)) & 1u) != 0u;
}
`;
}
