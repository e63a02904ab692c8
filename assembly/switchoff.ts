// The interpolation switch-off (docs/c-behaviour/minimal-loop.md 3.5, traps T-2/T-3): the range test, the live
// switch and its record in the caller's scratch block, F_cell on the f32 path either side of it, and the
// findFirstOutOfRange pre-pass. Also the per-call setup (begin) shared by both pixel loops.

import { tricubicF32, nearestF64 } from './tricubic';
import { SW_FOUND, SW_PIXEL, SW_EVAL, SW_H, SW_K, SW_L, SCRATCH_BYTES } from './layout';
import {
  fpixels, oversample, shape, phisteps, hkls, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, gridF64, gridF32,
  interpolate, switchPixel, switchEval, nLayers, thickstep, osPolar, nopolar, water, nSources, loadParams, loadAstar,
} from './params';
import {
  mh, mk, ml, firstEvaluation, useSource, cutByDmin, subpixelGeometry, phiVectors, millerIndices, polarizationFactor,
} from './geometry';
import { latticeNonSquare } from './lattice';
import { inRoi, masked } from './image';

// ---- interpolation switch-off ----
// Two ways to know the switch-off point (docs/c-behaviour/minimal-loop.md 3.5): live, as C does it, when a call
// processes rows in serial order (single thread): the first out-of-range evaluation met while
// interpolating sets it; or given in advance through P_SWITCH_* (found by findFirstOutOfRange or by
// an earlier band), when bands of rows run out of order. A live switch is recorded in the
// scratch block (SW_* in assembly/layout.ts) and reported by the return value of simulateF64/simulateF32.
/** Bytes of per-call scratch the host must provide (one block per concurrent caller). */
export function scratchBytes(): i32 {
  return SCRATCH_BYTES;
}
export let scratch: usize = 0;

/** True when evaluation number `e` of pixel `pixel` comes before the switch-off point. */
@inline export function interpolating(pixel: i32, e: i32): bool {
  return interpolate && (pixel < switchPixel || (pixel == switchPixel && e < switchEval));
}

@inline export function outOfRange(h: f64, k: f64, l: f64): bool {
  return h - <f64>hMin + 3 > <f64>hRange || h - 2 < <f64>hMin ||
         k - <f64>kMin + 3 > <f64>kRange || k - 2 < <f64>kMin ||
         l - <f64>lMin + 3 > <f64>lRange || l - 2 < <f64>lMin;
}

/** Turns interpolation off from evaluation `e` of `pixel` on, and records where (live switch). */
export function switchOff(pixel: i32, e: i32, h: f64, k: f64, l: f64): void {
  switchPixel = pixel;
  switchEval = e;
  store<f64>(scratch + SW_FOUND, 1);
  store<f64>(scratch + SW_PIXEL, <f64>pixel);
  store<f64>(scratch + SW_EVAL, <f64>e);
  store<f64>(scratch + SW_H, h);
  store<f64>(scratch + SW_K, k);
  store<f64>(scratch + SW_L, l);
}

/** Per-call setup of both pixel loops: the parameters, this caller's scratch block, no live switch yet. */
export function begin(params: usize, scratchPtr: usize): void {
  loadParams(params);
  loadAstar(params);
  scratch = scratchPtr;
  store<f64>(scratch + SW_FOUND, 0);
}

/** F_cell in f32: tricubic before the switch-off point, nearest neighbour from it on. */
@inline export function fcellF32(pixel: i32, e: i32, h: f64, k: f64, l: f64): f32 {
  if (interpolating(pixel, e)) {
    const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
    return tricubicF32(gridF32, hMin, kMin, lMin, kRange, lRange,
      <i32>hf, <i32>kf, <i32>lf, <f32>(h - hf), <f32>(k - kf), <f32>(l - lf));
  }
  return <f32>(hkls ? nearestF64(gridF64, hMin, kMin, lMin, hRange, kRange, lRange, h, k, l, defaultF) : defaultF);
}

/**
 * Pre-pass: the first evaluation, in the C program's serial order over rows [row0, row1),
 * that is out of range for tricubic interpolation (physics 3.5 step 2). Returns 1 and writes
 * (pixel index, evaluation index within the pixel, h, k, l) as f64 to `out` if there is one,
 * else returns 0. Evaluations skipped because F_latt == 0 are not counted (physics 3.6).
 */
export function findFirstOutOfRange(params: usize, row0: i32, row1: i32, out: usize): i32 {
  loadParams(params);
  loadAstar(params);
  for (let spixel = row0; spixel < row1; spixel++) {
    for (let fpixel = 0; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      const pixel = spixel * fpixels + fpixel;
      if (masked(pixel)) continue;
      let e = 0;
      let polar: f64 = nopolar ? 1.0 : 0.0;
      for (let t = 0; t < nLayers; t++) {
        const Odet = <f64>t * thickstep;
        for (let subS = 0; subS < oversample; subS++) {
          for (let subF = 0; subF < oversample; subF++) {
            subpixelGeometry(fpixel, spixel, subF, subS, Odet);
            for (let src = 0; src < nSources; src++) {
            useSource(src, false);
            if (cutByDmin()) continue;
            // the Kahn call re-normalises d in place, which later sources of this sub-pixel see
            if (polar == 0.0 || osPolar) polar = polarizationFactor();
            const first = firstEvaluation(pixel, t, subS, subF, src);
            for (let step = 0; step < phisteps; step++) {
              millerIndices(phiVectors(step, first));
              if (shape != 0 && !water && latticeNonSquare(mh, mk, ml) == 0.0) continue;
              if (outOfRange(mh, mk, ml)) {
                store<f64>(out, <f64>pixel);
                store<f64>(out, <f64>e, 8);
                store<f64>(out, mh, 16);
                store<f64>(out, mk, 24);
                store<f64>(out, ml, 32);
                return 1;
              }
              e++;
            }
            }
          }
        }
      }
    }
  }
  return 0;
}
