// The image side of the pixel loop: which pixels are computed (-roi, -mask) and the value stored for a
// finished pixel (C's r_e^2 fluence I / steps times the "last value" factors).

import { osThick, osPolar, osOmega, rESqr, fluence, steps, roiXmin, roiXmax, roiYmin, roiYmax, mask } from './params';

@inline export function inRoi(fpixel: i32, spixel: i32): bool {
  return !(fpixel < roiXmin || fpixel > roiXmax || spixel < roiYmin || spixel > roiYmax);
}

/**
 * -mask: C skips a zero-flagged pixel before its first evaluation (nanoBragg.c:2640-2647), so it takes no
 * part in the serial order that places the interpolation switch-off. Its image value is 0.
 */
@inline export function masked(pixel: i32): bool {
  return mask != 0 && load<u8>(mask + <usize>pixel) == 0;
}
/** Whether any of the four pixels from `pixel` is masked (a SIMD group then goes pixel by pixel). */
@inline export function anyMasked4(pixel: i32): bool {
  return mask != 0 && load<u32>(mask + <usize>pixel) != 0x01010101;
}
/** A masked pixel: 0, as it stays in C's zeroed image. */
@inline export function storeMasked(pixel: i32, image: usize): void {
  store<f32>(image + (<usize>pixel << 2), 0);
}

/** The final pixel value (C: test = r_e^2 fluence I / steps, then the "last value" factors). */
@inline export function finishPixel(pixel: i32, image: usize, I: f64, capture: f64, polar: f64, omega: f64): void {
  let S = rESqr * fluence * I / steps;
  if (!osThick) S *= capture;
  if (!osPolar) S *= polar;
  if (!osOmega) S *= omega;
  // C adds to a zeroed image (floatimage[i] += test): the same as storing f32(test)
  store<f32>(image + (<usize>pixel << 2), <f32>S);
}
