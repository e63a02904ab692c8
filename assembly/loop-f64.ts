// The pixel loop in double precision (simulateF64): the C program's arithmetic operation for operation
// (docs/c-behaviour/minimal-loop.md 3.3-3.5, 4.3-4.4, 5.5-5.9), one pixel at a time, with the live switch-off.

import { tricubicF64, nearestF64 } from './tricubic';
import { SW_FOUND } from './layout';
import {
  fpixels, oversample, pixelSize, ox, oy, oz, closeDistance, Na, Nb, Nc, shape, phisteps, hkls, hMin, kMin, lMin,
  hRange, kRange, lRange, defaultF, gridF64, nLayers, thickstep, thick, osThick, osPolar, osOmega, pointPixel,
  nopolar, water, Ibg, nSources,
} from './params';
import {
  dX, dY, dZ, airpath, mh, mk, ml, firstEvaluation, useSource, cutByDmin, subpixelGeometry, phiVectors, millerIndices,
  polarizationFactor, captureFraction,
} from './geometry';
import { sincg, latticeNonSquare } from './lattice';
import { inRoi, masked, storeMasked, finishPixel } from './image';
import { scratch, interpolating, outOfRange, switchOff, begin } from './switchoff';

/** One pixel of the C loop in double precision, with the live switch-off. */
function pixelF64(fpixel: i32, spixel: i32, image: usize): void {
  const pixel = spixel * fpixels + fpixel;
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
        subpixelGeometry(fpixel, spixel, subF, subS, Odet);
        if (omega == 0.0 || osOmega) {
          omega = pixelSize * pixelSize / airpath / airpath * closeDistance / airpath;
          if (pointPixel) omega = 1.0 / airpath / airpath;
        }
        if (capture == 0.0 || osThick) {
          const parallax = dX * ox + dY * oy + dZ * oz;
          capture = captureFraction(t, parallax);
        }
        for (let src = 0; src < nSources; src++) {
        useSource(src, false);
        if (cutByDmin()) continue;
        if (polar == 0.0 || osPolar) polar = polarizationFactor();
        const first = firstEvaluation(pixel, t, subS, subF, src);
        for (let step = 0; step < phisteps; step++) {
          millerIndices(phiVectors(step, first));
          const h = mh, k = mk, l = ml;
          let Flatt: f64 = 1.0;
          if (shape == 0) {
            if (Na > 1) Flatt *= sincg(Math.PI * h, Na);
            if (Nb > 1) Flatt *= sincg(Math.PI * k, Nb);
            if (Nc > 1) Flatt *= sincg(Math.PI * l, Nc);
          } else {
            Flatt = latticeNonSquare(h, k, l);
            if (Flatt == 0.0 && !water) continue;
          }
          let Fcell: f64;
          if (interpolating(pixel, e) && outOfRange(h, k, l)) switchOff(pixel, e, h, k, l);
          if (interpolating(pixel, e)) {
            Fcell = tricubicF64(gridF64, hMin, kMin, lMin, kRange, lRange, h, k, l);
          } else {
            Fcell = hkls ? nearestF64(gridF64, hMin, kMin, lMin, hRange, kRange, lRange, h, k, l, defaultF) : defaultF;
          }
          e++;
          I += Fcell * Fcell * Flatt * Flatt;
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
 * The C pixel loop in double precision over rows [row0, row1) of the image (f32, index
 * slow*fpixels + fast). Pixels outside the ROI are left untouched (the host zeroes the image).
 * `scratch`: SCRATCH_BYTES of memory owned by this caller. Returns 1 if this call switched
 * interpolation off (the place is in scratch), else 0.
 */
export function simulateF64(params: usize, image: usize, row0: i32, row1: i32, scratchPtr: usize): i32 {
  begin(params, scratchPtr);
  for (let spixel = row0; spixel < row1; spixel++) {
    for (let fpixel = 0; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      if (masked(spixel * fpixels + fpixel)) storeMasked(spixel * fpixels + fpixel, image);
      else pixelF64(fpixel, spixel, image);
    }
  }
  return <i32>load<f64>(scratch + SW_FOUND);
}
