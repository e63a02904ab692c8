// Lattice factors F_latt (docs/c-behaviour/minimal-loop.md 5.9): C's sincg and sinc3 and the round, gauss and
// tophat shapes in f64, and the range-reduced sincg of the f32 path with its 4-lane SIMD twin.

import { sinpiF32, sinpiF32x4, demote2x2 } from './mathx_simd';
import { Na, Nb, Nc, shape, fudge, asx, asy, asz, bsx, bsy, bsz, csx, csy, csz } from './params';

/** C's sincg(x, N) = sin(x N) / sin(x), N at x == 0. */
@inline export function sincg(x: f64, N: f64): f64 {
  if (x == 0.0) return N;
  return Math.sin(x * N) / Math.sin(x);
}

/** C's sinc3(x) = 3 (sin x / x - cos x) / x^2, 1 at x == 0. */
@inline function sinc3(x: f64): f64 {
  if (x == 0.0) return 1.0;
  return 3.0 * (Math.sin(x) / x - Math.cos(x)) / (x * x);
}

/** Lattice factor for the round, gauss and tophat shapes, in f64 (physics 5.9). */
export function latticeNonSquare(h: f64, k: f64, l: f64): f64 {
  const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(k - 0.5), l0 = Math.ceil(l - 0.5);
  const NaNbNc = Na * Nb * Nc;
  if (shape == 1) {
    const hrad = (h - h0) * (h - h0) * Na * Na + (k - k0) * (k - k0) * Nb * Nb + (l - l0) * (l - l0) * Nc * Nc;
    return NaNbNc * 0.723601254558268 * sinc3(Math.PI * Math.sqrt(hrad * fudge));
  }
  const dxs = (h - h0) * asx + (k - k0) * bsx + (l - l0) * csx;
  const dys = (h - h0) * asy + (k - k0) * bsy + (l - l0) * csy;
  const dzs = (h - h0) * asz + (k - k0) * bsz + (l - l0) * csz;
  const rad = (dxs * dxs + dys * dys + dzs * dzs) * Na * Na * Nb * Nb * Nc * Nc;
  if (shape == 2) return NaNbNc * Math.exp(-(rad / 0.63 * fudge));
  return rad * fudge < 0.3969 ? NaNbNc : 0.0;
}

// ---- f32 path ----
// The lattice factor sincg(pi h, N) = (-1)^((N-1) n) sin(pi N f) / sin(pi f), n = nearest(h),
// f = h - n (exact in f64), N f reduced exactly in f64 (docs/precision.md fix 1); the sines in f32.
// The SIMD twin below performs the same IEEE operations lane by lane, so a pixel comes out
// bit-identical whichever path computes it (and for any split of the image among threads).

@inline export function sincgF32(h: f64, N: f64): f32 {
  const n = nearest<f64>(h);
  const f = h - n;
  // f == 0 in f32, not only in f64: an |f| below the f32 range (h ~ 1e-48 on a direct-beam pixel) gave 0/0
  const fF32 = <f32>f;
  if (fF32 == 0) return <f32>N;
  const x = N * f;
  const m = nearest<f64>(x);
  const r = sinpiF32(<f32>(x - m)) / sinpiF32(fF32);
  // sin(pi N h) / sin(pi h) = (-1)^(m + (N-1) n) sin(pi (x - m)) / sin(pi f): flip the sign bit when odd
  const odd = (<i32>m + <i32>(N - 1.0) * <i32>n) & 1;
  return reinterpret<f32>(reinterpret<i32>(r) ^ (odd << 31));
}

/** sincgF32 on four lanes held as two f64x2 of h; bit-identical to sincgF32 per lane. */
@inline export function sincgF32x4(hLo: v128, hHi: v128, N: f64): v128 {
  const nLo = f64x2.nearest(hLo), nHi = f64x2.nearest(hHi);
  const fLo = f64x2.sub(hLo, nLo), fHi = f64x2.sub(hHi, nHi);
  const NN = f64x2.splat(N);
  const xLo = f64x2.mul(NN, fLo), xHi = f64x2.mul(NN, fHi);
  const mLo = f64x2.nearest(xLo), mHi = f64x2.nearest(xHi);
  const fF32 = demote2x2(fLo, fHi);
  const r = f32x4.div(sinpiF32x4(demote2x2(f64x2.sub(xLo, mLo), f64x2.sub(xHi, mHi))), sinpiF32x4(fF32));
  const n = v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(nLo), i32x4.trunc_sat_f64x2_s_zero(nHi), 0, 1, 4, 5);
  const m = v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(mLo), i32x4.trunc_sat_f64x2_s_zero(mHi), 0, 1, 4, 5);
  const odd = i32x4.shl(v128.and(i32x4.add(m, i32x4.mul(i32x4.splat(<i32>(N - 1.0)), n)), i32x4.splat(1)), 31);
  const isZero = f32x4.eq(fF32, f32x4.splat(0));
  return v128.bitselect(f32x4.splat(<f32>N), v128.xor(r, odd), isZero);
}
