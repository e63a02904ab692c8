// The image statistics nanoBragg prints after the pixel loop (docs/c-behaviour/minimal-loop.md section 6; nanoBragg.c M:3026-3104):
//   max_I = %g  at %g %g
//   mean= %g rms= %g rmsd= %g
// computed the way C computes them, so that formatG() of these numbers reproduces C's text:
//  * max: `if(floatimage[i] > max_I)` in raster order with max_I starting at 0.0, so the first pixel
//    attaining the maximum wins, and an image with no positive pixel reports max_I = 0 "at 0 0"
//    (maxIndex -1 here). maxI is therefore never negative.
//  * sum += float value (in double); sumsqr += floatimage*floatimage, a float*float product, i.e. rounded to
//    float32 before it is added to the double sum (C on x86-64, FLT_EVAL_METHOD 0).
//  * mean = sum/N (N forced >= 1), rms = sqrt(sumsqr/(N-1)), rmsd = sqrt(sum (x-mean)^2/(N-1)) (N forced >= 2).
//  * Only pixels inside the ROI (and, if a mask is given, unmasked) count for max, sum, rms and N. C's second
//    pass for rmsd checks the ROI only: masked ROI pixels enter the rmsd sum and its count. Reproduced.
// Pure module (no platform APIs).

import type { Roi } from './images.ts';

export interface ImageStats {
  /** C's max_I: the largest pixel value if any is > 0, else 0. */
  maxI: number;
  /** Raster index (slow*width + fast) of the first pixel attaining maxI, or -1 when no pixel is > 0. */
  maxIndex: number;
  mean: number;
  rms: number;
  rmsd: number;
  /** Sum of the counted pixels (double). */
  sum: number;
  /** Pixels counted (ROI and unmasked): C's sumn. */
  count: number;
}

/**
 * Statistics over the pixels inside `roi` (inclusive bounds, default the whole image) and, when `mask` is
 * given, whose mask value is non-zero (C `-mask`: zero = skipped).
 */
export function imageStats(
  img: Float32Array,
  width: number,
  height: number,
  roi?: Roi,
  mask?: ArrayLike<number>,
): ImageStats {
  if (img.length !== width * height) throw new Error(`image of ${img.length} pixels does not match ${width} x ${height}`);
  const x0 = roi ? Math.max(0, roi.xmin) : 0;
  const x1 = roi ? Math.min(width - 1, roi.xmax) : width - 1;
  const y0 = roi ? Math.max(0, roi.ymin) : 0;
  const y1 = roi ? Math.min(height - 1, roi.ymax) : height - 1;

  let maxI = 0.0;
  let maxIndex = -1;
  let sum = 0.0;
  let sumsqr = 0.0;
  let n = 0;
  for (let slow = y0; slow <= y1; slow++) {
    const row = slow * width;
    for (let i = row + x0, end = row + x1; i <= end; i++) {
      if (mask !== undefined && mask[i] === 0) continue;
      const v = img[i];
      if (v > maxI) {
        maxI = v;
        maxIndex = i;
      }
      sum += v;
      sumsqr += Math.fround(v * v);
      n++;
    }
  }
  const mean = sum / (n <= 0 ? 1 : n);

  let dev = 0.0;
  let m = 0;
  for (let slow = y0; slow <= y1; slow++) {
    for (let fast = x0, i = slow * width + x0; fast <= x1; fast++, i++) {
      const d = img[i] - mean;
      dev += d * d;
      m++;
    }
  }
  return statsFromSums(maxI, maxIndex, sum, sumsqr, n, dev, m);
}

/**
 * ImageStats from the sums (imageStats here, the WASM imageStatistics kernel, the GPU records), with C's formulas:
 * mean = sum/N (N forced >= 1), rms = sqrt(sumsqr/(N-1)), rmsd = sqrt(dev/(M-1)) (N, M forced >= 2), where dev is
 * the sum of (x - mean)^2 over M pixels: the same N pixels unless a mask left some out of the first pass only.
 */
export function statsFromSums(maxI: number, maxIndex: number, sum: number, sumsqr: number, n: number, dev: number, m = n): ImageStats {
  return {
    maxI, maxIndex, sum, count: n,
    mean: sum / (n <= 0 ? 1 : n),
    rms: Math.sqrt(sumsqr / ((n <= 1 ? 2 : n) - 1)),
    rmsd: Math.sqrt(dev / ((m <= 1 ? 2 : m) - 1)),
  };
}

/**
 * The position C prints after "max_I = ... at": Fdet and Sdet (metres) of the LAST subpixel of the max
 * pixel, because C prints the loop variables as they were left:
 *   subpixel = pixel/oversample; Fdet = subpixel*(fast*oversample + oversample-1) + subpixel/2 (Sdet alike).
 * For oversample 1 that is the pixel centre ((fast+0.5)*pixel). maxIndex -1 (no positive pixel) gives [0, 0],
 * C's initial values.
 */
export function maxPosition(maxIndex: number, width: number, pixelM: number, oversample: number): [number, number] {
  if (maxIndex < 0) return [0.0, 0.0];
  const fast = maxIndex % width;
  const slow = (maxIndex - fast) / width;
  const sub = pixelM / oversample;
  const last = oversample - 1;
  return [sub * (fast * oversample + last) + sub / 2.0, sub * (slow * oversample + last) + sub / 2.0];
}
