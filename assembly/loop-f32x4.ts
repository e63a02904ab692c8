// The f32 loop for four neighbouring pixels of a row at once (f64x2/f32x4 SIMD, compiled into the SIMD binaries
// only: simulateF32 calls it under ASC_FEATURE_SIMD). Bit-identical to pixelF32 (./loop-f32.ts) on each lane;
// the per-lane state lives in the caller's scratch block (G_* offsets below).

import { tricubicBatchF32x4 } from './tricubic';
import { demote2x2, expF32x4, expm1F32x4 } from './mathx_simd';
import {
  fpixels, oversample, pixelSize, subpixelSize, pix0x, pix0y, pix0z, fx, fy, fz, sx, sy, sz, ox, oy, oz,
  closeDistance, ix, iy, iz, lambda, invLambda, Na, Nb, Nc, phisteps, phiTable, phiStale, firstPixel, hMin, kMin,
  lMin, hRange, kRange, lRange, defaultF, gridF32, interpolate, switchPixel, nLayers, thickstep, mu, thick, osThick,
  osPolar, osOmega, pointPixel, nopolar, kahn, nSources,
} from './params';
import { dX, dY, dZ, useSourceVector, polarF32Path } from './geometry';
import { sincgF32x4 } from './lattice';
import { finishPixel } from './image';
import { scratch, interpolating, outOfRange, fcellF32 } from './switchoff';

// Per-lane state of a SIMD group lives in the caller's scratch block (per caller, so several
// threads on one shared memory never share it): four f64 lanes per quantity.
const G_OMEGA: usize = 64;
const G_CAP: usize = 96;
const G_POLAR: usize = 128;
const G_QX: usize = 160;
const G_QY: usize = 192;
const G_QZ: usize = 224;
const G_H: usize = 256;
const G_K: usize = 288;
const G_L: usize = 320;
const G_PAR: usize = 352;
const G_F: usize = 384;
const G_DX: usize = 400;
const G_DY: usize = 432;
const G_DZ: usize = 464;

/**
 * Geometry of two lanes (lane pair `off` = 0 or 16 bytes) of a SIMD group for one subpixel: the
 * diffracted direction, omega where C (re)computes it, and the parallax, into the scratch block.
 * The same IEEE operations as the scalar path (subpixelGeometryF32).
 */
function pairGeometry(off: usize, Fdet: v128, Sdet: f64, Odet: f64, firstSubpixel: bool): void {
  const st = scratch + off;
  const cx = Sdet * sx, cy = Sdet * sy, cz = Sdet * sz;
  const ex = Odet * ox, ey = Odet * oy, ez = Odet * oz;
  const px = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fx)), f64x2.splat(cx)), f64x2.splat(ex)), f64x2.splat(pix0x));
  const py = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fy)), f64x2.splat(cy)), f64x2.splat(ey)), f64x2.splat(pix0y));
  const pz = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fz)), f64x2.splat(cz)), f64x2.splat(ez)), f64x2.splat(pix0z));
  const R = f64x2.sqrt(f64x2.add(f64x2.add(f64x2.mul(px, px), f64x2.mul(py, py)), f64x2.mul(pz, pz)));
  // f32 path: one reciprocal instead of three divisions (h moves by an ulp; C's exact order is the f64 path's)
  const invR = f64x2.div(f64x2.splat(1.0), R);
  const dx = f64x2.mul(px, invR), dy = f64x2.mul(py, invR), dz = f64x2.mul(pz, invR);
  v128.store(st + G_DX, dx);
  v128.store(st + G_DY, dy);
  v128.store(st + G_DZ, dz);
  if (firstSubpixel || osOmega) {
    // C: omega_pixel == 0.0 only before the first subpixel of the pixel
    let omega: v128;
    if (pointPixel) omega = f64x2.div(f64x2.div(f64x2.splat(1.0), R), R);
    else omega = f64x2.div(f64x2.mul(f64x2.div(f64x2.div(f64x2.splat(pixelSize * pixelSize), R), R), f64x2.splat(closeDistance)), R);
    v128.store(st + G_OMEGA, omega);
  }
  // parallax, for the capture fraction the group computes for all four lanes at once
  v128.store(st + G_PAR, f64x2.add(f64x2.add(f64x2.mul(dx, f64x2.splat(ox)), f64x2.mul(dy, f64x2.splat(oy))), f64x2.mul(dz, f64x2.splat(oz))));
}

/**
 * The current source (ix, iy, iz, invLambda: useSource) seen by two lanes: the scattering vector from the
 * lanes' diffracted direction, then the polarization where C (re)computes it. As in pixelF32, the Kahn
 * factor re-normalises the direction in place (polarF32Path leaves it in dX, dY, dZ), which the
 * later sources of this subpixel see.
 */
function pairSource(off: usize): void {
  const st = scratch + off;
  const dx = v128.load(st + G_DX), dy = v128.load(st + G_DY), dz = v128.load(st + G_DZ);
  const invL = f64x2.splat(invLambda);
  v128.store(st + G_QX, f64x2.mul(f64x2.sub(dx, f64x2.splat(ix)), invL));
  v128.store(st + G_QY, f64x2.mul(f64x2.sub(dy, f64x2.splat(iy)), invL));
  v128.store(st + G_QZ, f64x2.mul(f64x2.sub(dz, f64x2.splat(iz)), invL));
  const p0 = load<f64>(st + G_POLAR), p1 = load<f64>(st + G_POLAR, 8);
  if (osPolar || p0 == 0.0 || p1 == 0.0) {
    if (kahn == 0.0) {
      const c = f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(ix), dx), f64x2.mul(f64x2.splat(iy), dy)), f64x2.mul(f64x2.splat(iz), dz));
      const pol = f64x2.mul(f64x2.splat(0.5), f64x2.add(f64x2.splat(1.0), f64x2.mul(c, c)));
      if (osPolar || p0 == 0.0) store<f64>(st + G_POLAR, f64x2.extract_lane(pol, 0));
      if (osPolar || p1 == 0.0) store<f64>(st + G_POLAR, f64x2.extract_lane(pol, 1), 8);
    } else {
      for (let j: usize = 0; j < 2; j++) {
        const o = j << 3;
        if (!osPolar && load<f64>(st + G_POLAR + o) != 0.0) continue;
        store<f64>(st + G_POLAR + o, polarF32Path(load<f64>(st + G_DX + o), load<f64>(st + G_DY + o), load<f64>(st + G_DZ + o)));
        store<f64>(st + G_DX + o, dX);
        store<f64>(st + G_DY + o, dY);
        store<f64>(st + G_DZ + o, dZ);
      }
    }
  }
}

/** h, k, l of two lanes (pair `off`) for crystal vectors v, into the scratch block. */
@inline function pairMiller(off: usize, v: usize): void {
  const st = scratch + off;
  const qx = v128.load(st + G_QX), qy = v128.load(st + G_QY), qz = v128.load(st + G_QZ);
  v128.store(st + G_H, dot2(v, qx, qy, qz));
  v128.store(st + G_K, dot2(v + 24, qx, qy, qz));
  v128.store(st + G_L, dot2(v + 48, qx, qy, qz));
}

/** F_cell of lane j (0..3) of the group at evaluation e. */
@inline function laneFcell(j: usize, pixel: i32, e: i32): f32 {
  const o = j << 3;
  return fcellF32(pixel, e, load<f64>(scratch + G_H + o), load<f64>(scratch + G_K + o), load<f64>(scratch + G_L + o));
}

/** Any lane of a pair out of range for tricubic interpolation (outOfRange on two lanes, same operations). */
@inline function pairOutOfRange(off: usize): v128 {
  const st = scratch + off;
  const h = v128.load(st + G_H), k = v128.load(st + G_K), l = v128.load(st + G_L);
  const three = f64x2.splat(3.0), two = f64x2.splat(2.0);
  const hm = f64x2.splat(<f64>hMin), km = f64x2.splat(<f64>kMin), lm = f64x2.splat(<f64>lMin);
  return v128.or(v128.or(
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(h, hm), three), f64x2.splat(<f64>hRange)), f64x2.lt(f64x2.sub(h, two), hm)),
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(k, km), three), f64x2.splat(<f64>kRange)), f64x2.lt(f64x2.sub(k, two), km))),
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(l, lm), three), f64x2.splat(<f64>lRange)), f64x2.lt(f64x2.sub(l, two), lm)));
}

/** True when a lane still interpolating at evaluation e is out of range (the group must bail out). */
function groupMeetsOutOfRange(pixel0: i32, e: i32): bool {
  if (pixel0 + 3 < switchPixel) {
    // every lane is still interpolating
    return v128.any_true(v128.or(pairOutOfRange(0), pairOutOfRange(16)));
  }
  for (let j = 0; j < 4; j++) {
    const o = <usize>j << 3;
    if (interpolating(pixel0 + j, e) && outOfRange(load<f64>(scratch + G_H + o), load<f64>(scratch + G_K + o), load<f64>(scratch + G_L + o))) return true;
  }
  return false;
}

/**
 * The f32-path capture fraction (captureFractionF32: x = (delta mu)/rho in f64, then
 * -expm1(f32(-x)), times exp(f32(-t x)) for t > 0) of the four lanes, stored for the lanes where C
 * recomputes it: every subpixel with -oversample_thick, else while it is 0 (the first subpixel of each
 * layer). The vector exp/expm1 are bit-identical to the scalar ones captureFractionF32 uses.
 */
function groupCapture(t: i32): void {
  const capLo = v128.load(scratch + G_CAP), capHi = v128.load(scratch + G_CAP + 16);
  const zero = f64x2.splat(0.0);
  let maskLo = f64x2.eq(capLo, zero), maskHi = f64x2.eq(capHi, zero);
  if (osThick) {
    maskLo = i64x2.splat(-1);
    maskHi = maskLo;
  } else if (!v128.any_true(v128.or(maskLo, maskHi))) {
    return;
  }
  const dm = f64x2.splat(thickstep * mu);
  const xLo = f64x2.div(dm, v128.load(scratch + G_PAR)), xHi = f64x2.div(dm, v128.load(scratch + G_PAR + 16));
  let c = f32x4.neg(expm1F32x4(demote2x2(f64x2.neg(xLo), f64x2.neg(xHi))));
  if (t != 0) {
    const mt = f64x2.splat(<f64>(-t));
    c = f32x4.mul(expF32x4(demote2x2(f64x2.mul(mt, xLo), f64x2.mul(mt, xHi))), c);
  }
  v128.store(scratch + G_CAP, v128.bitselect(f64x2.promote_low_f32x4(c), capLo, maskLo));
  v128.store(scratch + G_CAP + 16, v128.bitselect(f64x2.promote_low_f32x4(v128.shuffle<f32>(c, c, 2, 3, 2, 3)), capHi, maskHi));
}

/**
 * Four pixels (fpixel .. fpixel+3 of row spixel, all inside the image and the ROI) through the
 * f32 loop together: geometry and h, k, l in f64x2 (two lanes each), the lattice factor and the
 * terms in f32x4, the sums in two f64x2, F_cell per lane. Bit-identical to pixelF32 on each lane. Returns false,
 * having written nothing, when an interpolating lane meets an out-of-range evaluation (the
 * caller then redoes the four pixels one by one, which switches interpolation off at the right
 * evaluation).
 */
export function groupF32x4(fpixel: i32, spixel: i32, image: usize): bool {
  if (!ASC_FEATURE_SIMD) return false;
  const pixel0 = spixel * fpixels + fpixel;
  // the first evaluation of the run uses unrotated vectors: leave that group to the scalar path
  if (phiStale != 0 && pixel0 <= firstPixel && firstPixel < pixel0 + 4) return false;
  const polar0 = f64x2.splat(nopolar ? 1.0 : 0.0);
  v128.store(scratch + G_POLAR, polar0);
  v128.store(scratch + G_POLAR + 16, polar0);
  // per-lane sums in f64 (lanes 0, 1 and 2, 3), as pixelF32 sums
  let ILo = f64x2.splat(0), IHi = f64x2.splat(0);
  let e = 0;
  const os = <f64>oversample;
  const half = subpixelSize / 2.0;
  for (let t = 0; t < nLayers; t++) {
    const Odet = <f64>t * thickstep;
    const cap0 = f64x2.splat(thick == 0.0 ? 1.0 : 0.0);
    v128.store(scratch + G_CAP, cap0);
    v128.store(scratch + G_CAP + 16, cap0);
    for (let subS = 0; subS < oversample; subS++) {
      const Sdet = subpixelSize * <f64>(spixel * oversample + subS) + half;
      for (let subF = 0; subF < oversample; subF++) {
        const b = <f64>(fpixel * oversample + subF);
        const sub = f64x2.splat(subpixelSize), hv = f64x2.splat(half);
        const FLo = f64x2.add(f64x2.mul(sub, f64x2.replace_lane(f64x2.splat(b), 1, b + os)), hv);
        const FHi = f64x2.add(f64x2.mul(sub, f64x2.replace_lane(f64x2.splat(b + 2 * os), 1, b + 3 * os)), hv);
        const firstSubpixel = t == 0 && subS == 0 && subF == 0;
        pairGeometry(0, FLo, Sdet, Odet, firstSubpixel);
        pairGeometry(16, FHi, Sdet, Odet, firstSubpixel);
        groupCapture(t);
        for (let src = 0; src < nSources; src++) {
        useSourceVector(src);
        invLambda = 1.0 / lambda;
        pairSource(0);
        pairSource(16);
        for (let step = 0; step < phisteps; step++) {
          const v = phiTable + <usize>step * 72;
          pairMiller(0, v);
          pairMiller(16, v);
          let Flatt = f32x4.splat(1.0);
          if (Na > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_H), v128.load(scratch + G_H + 16), Na));
          if (Nb > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_K), v128.load(scratch + G_K + 16), Nb));
          if (Nc > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_L), v128.load(scratch + G_L + 16), Nc));
          if (interpolate && groupMeetsOutOfRange(pixel0, e)) return false;
          let F: v128;
          if (interpolate && pixel0 + 3 < switchPixel) {
            // all four lanes interpolate (and are in range): the 4-wide tricubic kernel, bit-identical to tricubicF32
            tricubicBatchF32x4(gridF32, hMin, kMin, lMin, hRange, kRange, lRange, defaultF,
              scratch + G_H, scratch + G_K, scratch + G_L, 4, scratch + G_F, true);
            F = v128.load(scratch + G_F);
          } else {
            F = f32x4.splat(laneFcell(0, pixel0, e));
            F = f32x4.replace_lane(F, 1, laneFcell(1, pixel0 + 1, e));
            F = f32x4.replace_lane(F, 2, laneFcell(2, pixel0 + 2, e));
            F = f32x4.replace_lane(F, 3, laneFcell(3, pixel0 + 3, e));
          }
          e++;
          const term = f32x4.mul(f32x4.mul(f32x4.mul(F, F), Flatt), Flatt);
          ILo = f64x2.add(ILo, f64x2.promote_low_f32x4(term));
          IHi = f64x2.add(IHi, f64x2.promote_low_f32x4(v128.shuffle<f32>(term, term, 2, 3, 2, 3)));
          if (osThick) { ILo = f64x2.mul(ILo, v128.load(scratch + G_CAP)); IHi = f64x2.mul(IHi, v128.load(scratch + G_CAP + 16)); }
          if (osPolar) { ILo = f64x2.mul(ILo, v128.load(scratch + G_POLAR)); IHi = f64x2.mul(IHi, v128.load(scratch + G_POLAR + 16)); }
          if (osOmega) { ILo = f64x2.mul(ILo, v128.load(scratch + G_OMEGA)); IHi = f64x2.mul(IHi, v128.load(scratch + G_OMEGA + 16)); }
        }
        }
      }
    }
  }
  for (let j = 0; j < 4; j++) {
    const o = <usize>j << 3;
    const Ij = j == 0 ? f64x2.extract_lane(ILo, 0) : j == 1 ? f64x2.extract_lane(ILo, 1) : j == 2 ? f64x2.extract_lane(IHi, 0) : f64x2.extract_lane(IHi, 1);
    finishPixel(pixel0 + j, image, Ij, load<f64>(scratch + G_CAP + o), load<f64>(scratch + G_POLAR + o), load<f64>(scratch + G_OMEGA + o));
  }
  return true;
}

/** a.q for two lanes: v points at the crystal vector (x, y, z f64), C's order x + y + z. */
@inline function dot2(v: usize, qx: v128, qy: v128, qz: v128): v128 {
  return f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(load<f64>(v)), qx), f64x2.mul(f64x2.splat(load<f64>(v, 8)), qy)), f64x2.mul(f64x2.splat(load<f64>(v, 16)), qz));
}
