// The f32 pixel loop (simulateF32): lattice and structure factors in f32, their products summed in f64
// (docs/precision.md "WASM f32 path"), one pixel at a time; with SIMD the rows go four pixels at a time
// through groupF32x4 (./loop-f32x4.ts), falling back to this scalar code where a group cannot run.

import { captureFractionF32 } from './absorption';
import { SW_FOUND } from './layout';
import {
  fpixels, oversample, pixelSize, ox, oy, oz, closeDistance, Na, Nb, Nc, shape, phisteps, nLayers, thickstep, mu,
  thick, osThick, osPolar, osOmega, pointPixel, nopolar, roiXmin, roiXmax, roiYmin, roiYmax, curved, dmin, water, Ibg,
  nSources,
} from './params';
import {
  dX, dY, dZ, airpath, mh, mk, ml, firstEvaluation, useSource, cutByDmin, subpixelGeometryF32, phiVectors,
  millerIndices, polarF32Path,
} from './geometry';
import { latticeNonSquare, sincgF32 } from './lattice';
import { inRoi, masked, anyMasked4, storeMasked, finishPixel } from './image';
import { scratch, interpolating, outOfRange, switchOff, begin, fcellF32 } from './switchoff';
import { groupF32x4 } from './loop-f32x4';

/** One pixel with the lattice factor and structure factor in f32 (summed in f64), live switch-off. */
function pixelF32(fpixel: i32, spixel: i32, image: usize): void {
  const pixel = spixel * fpixels + fpixel;
  // the sum over evaluations in f64: an f32 running sum loses about sqrt(n) 2^-24 over n evaluations (1.5e-5 at
  // the 246^2 sub-pixels that -xtalsize can auto-select), the terms themselves stay f32 (docs/precision.md)
  let I: f64 = Ibg;
  let polar: f64 = nopolar ? 1.0 : 0.0;
  let omega: f64 = 0;
  let capture: f64 = 0;
  let e = 0;
  for (let t = 0; t < nLayers; t++) {
    const Odet = <f64>t * thickstep;
    capture = thick == 0.0 ? 1.0 : 0.0;
    for (let subS = 0; subS < oversample; subS++) {
      for (let subF = 0; subF < oversample; subF++) {
        subpixelGeometryF32(fpixel, spixel, subF, subS, Odet);
        if (omega == 0.0 || osOmega) {
          omega = pixelSize * pixelSize / airpath / airpath * closeDistance / airpath;
          if (pointPixel) omega = 1.0 / airpath / airpath;
        }
        if (capture == 0.0 || osThick) {
          const parallax = dX * ox + dY * oy + dZ * oz;
          capture = <f64>captureFractionF32(t, thickstep, mu, parallax);
        }
        for (let src = 0; src < nSources; src++) {
        useSource(src, true);
        if (cutByDmin()) continue;
        if (polar == 0.0 || osPolar) polar = polarF32Path(dX, dY, dZ);
        const first = firstEvaluation(pixel, t, subS, subF, src);
        for (let step = 0; step < phisteps; step++) {
          millerIndices(phiVectors(step, first));
          const h = mh, k = mk, l = ml;
          let Flatt: f32 = 1.0;
          if (shape == 0) {
            if (Na > 1) Flatt *= sincgF32(h, Na);
            if (Nb > 1) Flatt *= sincgF32(k, Nb);
            if (Nc > 1) Flatt *= sincgF32(l, Nc);
          } else {
            const F64latt = latticeNonSquare(h, k, l);
            if (F64latt == 0.0 && !water) continue;
            Flatt = <f32>F64latt;
          }
          if (interpolating(pixel, e) && outOfRange(h, k, l)) switchOff(pixel, e, h, k, l);
          const Fcell = fcellF32(pixel, e, h, k, l);
          e++;
          I += <f64>(Fcell * Fcell * Flatt * Flatt);
          if (osThick) I *= capture;
          if (osPolar) I *= polar;
          if (osOmega) I *= omega;
        }
        }
      }
    }
  }
  finishPixel(pixel, image, I, capture, polar, omega);
}

/**
 * The same loop with the lattice factor and structure factor in f32, their products summed in f64
 * (docs/precision.md: geometry and h, k, l in f64). Tolerance against the C image:
 * max|diff|/max <= 5e-6, |sum ratio - 1| <= 1e-6, 1 - r <= 1e-10 (tested on every golden case).
 * With SIMD, four neighbouring pixels of a row go through the loop together (square lattice
 * shape); a group meeting an out-of-range evaluation while interpolating is redone pixel by pixel.
 */
export function simulateF32(params: usize, image: usize, row0: i32, row1: i32, scratchPtr: usize): i32 {
  begin(params, scratchPtr);
  for (let spixel = row0; spixel < row1; spixel++) {
    let fpixel = 0;
    if (ASC_FEATURE_SIMD) {
      if (shape == 0 && dmin <= 0.0 && !water && !curved && spixel >= roiYmin && spixel <= roiYmax) {
        const f0 = max(roiXmin, 0);
        for (; fpixel < f0; fpixel++) {} // pixels left of the ROI stay untouched
        for (; fpixel + 3 < fpixels && fpixel + 3 <= roiXmax; fpixel += 4) {
          if (anyMasked4(spixel * fpixels + fpixel) || !groupF32x4(fpixel, spixel, image)) {
            for (let j = 0; j < 4; j++) {
              if (masked(spixel * fpixels + fpixel + j)) storeMasked(spixel * fpixels + fpixel + j, image);
              else pixelF32(fpixel + j, spixel, image);
            }
          }
        }
      }
    }
    for (; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      if (masked(spixel * fpixels + fpixel)) storeMasked(spixel * fpixels + fpixel, image);
      else pixelF32(fpixel, spixel, image);
    }
  }
  return <i32>load<f64>(scratch + SW_FOUND);
}
