// Transcendental functions for the kernels: WASM has no vector exp or sin, so these are our own
// polynomials. Every v128 routine has a scalar twin right beside it that performs the same IEEE
// operations in the same order (WASM has no contraction into FMA), so a lane of the vector result is
// bit-identical to the scalar twin on that lane's input; the specs check this. That lets a kernel run
// its remainder (or the whole scalar build) through the twin without changing a single bit.
//
// This file is imported directly by other AssemblyScript modules and is NOT re-exported by
// assembly/index.ts (a v128-typed export would break the scalar build). `./mathx` re-exports the
// scalar twins for the host. Call the v128 functions only inside `if (ASC_FEATURE_SIMD) { ... }`.
//
// Accuracy (measured by assembly/__tests__/mathx.spec.ts with dense sweeps against f64 Math.*;
// error in units of the last place of the f32 nearest the exact value, ulp below 2^-126 is 2^-149):
//   expF32   / expF32x4     <= 1 ulp   on [-104, 89]; +-inf, NaN, overflow to inf, gradual underflow to 0
//   expm1F32 / expm1F32x4  <= 2 ulp   everywhere, incl. |x| tiny (relative), -0 -> -0, -> -1 below -17
//   sinpiF32 / sinpiF32x4  <= 2 ulp   relative on [-0.5, 0.5] (incl. near 0 and near +-0.5)
//   sinpiWideF32 / sinpiWideF32x4, sinpiReducedF64toF32 / ...F64x2toF32x4: the reduction is exact,
//                             so the same bound holds (relative to the exact sin(pi x) of the input)
//   expF64   / expF64x2     <= 1 ulp   (fdlibm's algorithm; differs from Math.exp by <= 1 ulp)
// The spec files assert these bounds (and state the measured maxima).

// ---------------------------------------------------------------------------------------------------
// exp / expm1 in f32: x = n ln2 + r, |r| <= ln2/2 (Cody-Waite with a 9-bit ln2_hi so n*LN2_HI is exact),
// expm1(r) = r + r^2 P(r), P a degree-5 minimax fit (relative error of P 2.7e-9), exp(x) = 2^n (1 + expm1(r)).
// n is found by the 1.5*2^23 shifter: the low mantissa bits of x*log2(e) + 1.5*2^23 are n itself.
// Arguments are clamped with pseudo-min/max (pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a: one
// minps/maxps each, where WASM's f32x4.min/max cost several instructions); with x first, NaN passes through.

const LOG2E_F: f32 = 1.44269504088896341;
const SHIFT_F: f32 = 12582912.0; // 1.5 * 2^23; bits 0x4B400000
const SHIFT_F_BITS: i32 = 0x4b400000;
const LN2_HI_F: f32 = 0.693359375; // 355/512: n * LN2_HI_F is exact for |n| < 2^15
const LN2_LO_F: f32 = -2.12194440e-4; // ln2 - LN2_HI_F
const EP0: f32 = 0.5;
const EP1: f32 = 0.1666666716337204;
const EP2: f32 = 0.04166646674275398;
const EP3: f32 = 0.008333360776305199;
const EP4: f32 = 0.0013933597365394235;
const EP5: f32 = 0.00019857799634337425;
// exp clamps its argument to [EXP_LO, EXP_HI]: exp(-104) rounds to 0, exp(89) to inf, and n stays in
// [-150, 128] so that 2^n = 2^(n>>1) * 2^(n - n>>1) is a product of two normal numbers.
const EXP_LO_F: f32 = -104.0;
const EXP_HI_F: f32 = 89.0;
// expm1 clamps to [-88, 89]: n >= -127 (2^-127 built from exponent bits 0 is +0, harmless: result -1).
const EXPM1_LO_F: f32 = -88.0;

/** pmin(pmax(x, lo), hi) on one lane: NaN x stays NaN. */
// @ts-ignore: decorator
@inline function clampF32(x: f32, lo: f32, hi: f32): f32 {
  const a = x < lo ? lo : x;
  return hi < a ? hi : a;
}

// @ts-ignore: decorator
@inline function clampF32x4(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** expm1(r) for |r| <= ln2/2 (slightly more is fine). */
// @ts-ignore: decorator
@inline function expm1Poly(r: f32): f32 {
  const r2 = r * r;
  const p = (EP0 + r * EP1) + r2 * ((EP2 + r * EP3) + r2 * (EP4 + r * EP5));
  return r + r2 * p;
}

// @ts-ignore: decorator
@inline function expm1PolyX4(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const p01 = f32x4.add(f32x4.splat(EP0), f32x4.mul(r, f32x4.splat(EP1)));
  const p23 = f32x4.add(f32x4.splat(EP2), f32x4.mul(r, f32x4.splat(EP3)));
  const p45 = f32x4.add(f32x4.splat(EP4), f32x4.mul(r, f32x4.splat(EP5)));
  const p = f32x4.add(p01, f32x4.mul(r2, f32x4.add(p23, f32x4.mul(r2, p45))));
  return f32x4.add(r, f32x4.mul(r2, p));
}

/** e^x in f32, <= 1 ulp. Overflows to +inf above 88.7228, underflows gradually to 0, NaN -> NaN. */
// @ts-ignore: decorator
@inline export function expF32(x: f32): f32 {
  const xc = clampF32(x, EXP_LO_F, EXP_HI_F);
  const t = xc * LOG2E_F + SHIFT_F;
  const nf = t - SHIFT_F;
  const r = (xc - nf * LN2_HI_F) - nf * LN2_LO_F;
  const e = expm1Poly(r);
  const n = reinterpret<i32>(t) - SHIFT_F_BITS;
  const n1 = n >> 1;
  const s1 = reinterpret<f32>((n1 + 127) << 23);
  const s2 = reinterpret<f32>((n - n1 + 127) << 23);
  return ((e + 1.0) * s1) * s2;
}

/** Four lanes of expF32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  const xc = clampF32x4(x, EXP_LO_F, EXP_HI_F);
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E_F)), f32x4.splat(SHIFT_F));
  const nf = f32x4.sub(t, f32x4.splat(SHIFT_F));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, f32x4.splat(LN2_HI_F))), f32x4.mul(nf, f32x4.splat(LN2_LO_F)));
  const e = expm1PolyX4(r);
  const n = i32x4.sub(t, i32x4.splat(SHIFT_F_BITS));
  const n1 = i32x4.shr_s(n, 1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(f32x4.add(e, f32x4.splat(1.0)), s1), s2);
}

/**
 * e^x - 1 in f32, <= 2 ulp relative for every x (no cancellation for small |x|: there n = 0 and the
 * result is the polynomial itself). expm1(-0) = -0, expm1(x < -17.4) = -1, overflow to +inf.
 * Used for the capture fraction -exp(-t x) expm1(-x) (precision.md fix 3).
 */
// @ts-ignore: decorator
@inline export function expm1F32(x: f32): f32 {
  const xc = clampF32(x, EXPM1_LO_F, EXP_HI_F);
  const t = xc * LOG2E_F + SHIFT_F;
  const nf = t - SHIFT_F;
  const r = (xc - nf * LN2_HI_F) - nf * LN2_LO_F;
  const e = expm1Poly(r);
  const n = reinterpret<i32>(t) - SHIFT_F_BITS;
  // 2^n e + (2^n - 1): 2^n - 1 is exact for n <= 24 and 2^n e is exact. n = 128 does not fit an f32
  // power of two: use 2^127 and double the result (exact, or overflow to inf as it should).
  const k = min<i32>(n, 127);
  const s = reinterpret<f32>((k + 127) << 23);
  const f = reinterpret<f32>((n - k + 127) << 23);
  const y = (s * e + (s - 1.0)) * f;
  return x == 0 ? x : y; // keeps the sign of -0
}

/** Four lanes of expm1F32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expm1F32x4(x: v128): v128 {
  const xc = clampF32x4(x, EXPM1_LO_F, EXP_HI_F);
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E_F)), f32x4.splat(SHIFT_F));
  const nf = f32x4.sub(t, f32x4.splat(SHIFT_F));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, f32x4.splat(LN2_HI_F))), f32x4.mul(nf, f32x4.splat(LN2_LO_F)));
  const e = expm1PolyX4(r);
  const n = i32x4.sub(t, i32x4.splat(SHIFT_F_BITS));
  const k = i32x4.min_s(n, i32x4.splat(127));
  const s = i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
  const f = i32x4.shl(i32x4.add(i32x4.sub(n, k), i32x4.splat(127)), 23);
  const y = f32x4.mul(f32x4.add(f32x4.mul(s, e), f32x4.sub(s, f32x4.splat(1.0))), f);
  return v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(0)));
}

// ---------------------------------------------------------------------------------------------------
// sin(pi x) in f32 for |x| <= 1/2, relative accuracy. With a = |x|:
//   a <= 1/4:  sin(pi a) = a*PI_HI + a*(PI_LO + a^2 (S1 + a^2 (S2 + a^2 S3)))
//   a >  1/4:  sin(pi a) = cos(pi y), y = 1/2 - a (exact), = 1 + y^2 (C0 + y^2 (C1 + y^2 (C2 + y^2 C3)))
// The cosine branch keeps the large term (1) exact near a = 1/2, where a single odd polynomial in a
// loses ~3 ulp to the rounding of a*pi. Both branches are one Horner chain with per-lane coefficients
// (base + m * poly), so the vector version evaluates it once. Fits: relative error 3.2e-9 (sine on
// [0, 1/4]) and 1.9e-10 (cosine part on [0, 1/4]). The sign of x is copied onto the result (odd function,
// sinpi(-0) = -0).

const SIN_QUARTER_F: f32 = 0.25;
const PI_HI_F: f32 = 3.1415927410125732; // f32(pi)
const PI_LO_F: f32 = -8.742278000372485e-8; // pi - PI_HI_F (rounded to f32)
const S1: f32 = -5.167707681865378;
const S2: f32 = 2.5497610485858715;
const S3: f32 = -0.5890122095057092;
const C0: f32 = -4.934802197424613;
const C1: f32 = 4.058710545033859;
const C2: f32 = -1.3351369343625685;
const C3: f32 = 0.2321160501457149;

/** sin(pi x) for x in [-0.5, 0.5] (the caller reduces the argument), <= 2 ulp relative. */
// @ts-ignore: decorator
@inline export function sinpiF32(x: f32): f32 {
  const a = abs<f32>(x);
  const cosBranch = a > SIN_QUARTER_F;
  const y: f32 = cosBranch ? <f32>0.5 - a : a;
  const y2 = y * y;
  const q3 = cosBranch ? C3 : S3;
  const q2 = cosBranch ? C2 : S2;
  const q1 = cosBranch ? C1 : S1;
  const q0 = cosBranch ? C0 : PI_LO_F;
  const base: f32 = cosBranch ? <f32>1.0 : y * PI_HI_F;
  const m = cosBranch ? y2 : y;
  const r = base + m * (q0 + y2 * (q1 + y2 * (q2 + y2 * q3)));
  return reinterpret<f32>(reinterpret<i32>(r) | (reinterpret<i32>(x) & 0x80000000));
}

/** Four lanes of sinpiF32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function sinpiF32x4(x: v128): v128 {
  const signMask = i32x4.splat(0x80000000);
  const a = v128.andnot(x, signMask);
  const cosBranch = f32x4.gt(a, f32x4.splat(SIN_QUARTER_F));
  const y = v128.bitselect(f32x4.sub(f32x4.splat(0.5), a), a, cosBranch);
  const y2 = f32x4.mul(y, y);
  const q3 = v128.bitselect(f32x4.splat(C3), f32x4.splat(S3), cosBranch);
  const q2 = v128.bitselect(f32x4.splat(C2), f32x4.splat(S2), cosBranch);
  const q1 = v128.bitselect(f32x4.splat(C1), f32x4.splat(S1), cosBranch);
  const q0 = v128.bitselect(f32x4.splat(C0), f32x4.splat(PI_LO_F), cosBranch);
  const base = v128.bitselect(f32x4.splat(1.0), f32x4.mul(y, f32x4.splat(PI_HI_F)), cosBranch);
  const m = v128.bitselect(y2, y, cosBranch);
  let p = f32x4.add(q2, f32x4.mul(y2, q3));
  p = f32x4.add(q1, f32x4.mul(y2, p));
  p = f32x4.add(q0, f32x4.mul(y2, p));
  const r = f32x4.add(base, f32x4.mul(m, p));
  return v128.or(r, v128.and(x, signMask));
}

/**
 * sin(pi x) for any f32 x: n = nearest(x), r = x - n (exact in f32), sin(pi x) = (-1)^n sin(pi r).
 * Same error bound as sinpiF32 relative to the exact sin(pi x) of the f32 input; integers give +-0.
 */
// @ts-ignore: decorator
@inline export function sinpiWideF32(x: f32): f32 {
  const n = nearest<f32>(x);
  const s = sinpiF32(x - n);
  // parity of n; for |n| >= 2^31 every f32 is an even integer and r = 0 anyway (saturating conversion)
  const odd = <i32>n << 31; // nontrapping-f2i (on by default): i32.trunc_sat_f32_s
  return reinterpret<f32>(reinterpret<i32>(s) ^ odd);
}

/** Four lanes of sinpiWideF32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function sinpiWideF32x4(x: v128): v128 {
  const n = f32x4.nearest(x);
  const s = sinpiF32x4(f32x4.sub(x, n));
  return v128.xor(s, i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 31));
}

/**
 * sin(pi x) of an f64 argument, reduced exactly in f64 (n = nearest(x), r = x - n, sign (-1)^n), the
 * polynomial evaluated in f32 on f32(r). Relative error <= 2 ulp + the rounding of r to f32 (<= 0.5 ulp
 * of the argument, which moves sin(pi r) by at most 0.5 ulp relative). For the lattice factor
 * sin(N pi f) / sin(pi f) of the WASM f32 path (precision.md fix 1, physics.md 5.9).
 */
// @ts-ignore: decorator
@inline export function sinpiReducedF64toF32(x: f64): f32 {
  const n = nearest<f64>(x);
  const r = x - n;
  const h = n * 0.5; // exact; n odd <=> h is not an integer (huge n are even)
  const sign: f32 = <f32>(1.0 - 2.0 * ((h - floor<f64>(h)) * 2.0)); // +1 or -1 (NaN for NaN/inf x)
  return sinpiF32(<f32>r) * sign;
}

/** sinpiReducedF64toF32 on four f64 values held in two f64x2 (lo: lanes 0-1, hi: lanes 2-3) -> f32x4. */
// @ts-ignore: decorator
@inline export function sinpiReducedF64x2toF32x4(lo: v128, hi: v128): v128 {
  const nLo = f64x2.nearest(lo);
  const nHi = f64x2.nearest(hi);
  const r = demote2x2(f64x2.sub(lo, nLo), f64x2.sub(hi, nHi));
  const half = f64x2.splat(0.5);
  const hLo = f64x2.mul(nLo, half);
  const hHi = f64x2.mul(nHi, half);
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const sLo = f64x2.sub(one, f64x2.mul(two, f64x2.mul(f64x2.sub(hLo, f64x2.floor(hLo)), two)));
  const sHi = f64x2.sub(one, f64x2.mul(two, f64x2.mul(f64x2.sub(hHi, f64x2.floor(hHi)), two)));
  return f32x4.mul(sinpiF32x4(r), demote2x2(sLo, sHi));
}

/** [f32(lo0), f32(lo1), f32(hi0), f32(hi1)] from two f64x2. */
// @ts-ignore: decorator
@inline export function demote2x2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// ---------------------------------------------------------------------------------------------------
// exp in f64: fdlibm's e_exp.c algorithm (x = k ln2 + hi - lo, rational approximation of exp(r)),
// documented < 1 ulp; 2^k is applied as 2^(k>>1) * 2^(k - k>>1) so that results in the subnormal range
// round once. The vector twin needs it because WASM has no f64x2 exp.

const LOG2E_D: f64 = 1.44269504088896338700e+00;
const SHIFT_D: f64 = 6755399441055744.0; // 1.5 * 2^52
const SHIFT_D_BITS: i64 = 0x4338000000000000;
const LN2_HI_D: f64 = 6.93147180369123816490e-01; // 32 significant bits: k * LN2_HI_D exact
const LN2_LO_D: f64 = 1.90821492927058770002e-10;
const DP1: f64 = 1.66666666666666019037e-01;
const DP2: f64 = -2.77777777770155933842e-03;
const DP3: f64 = 6.61375632143793436117e-05;
const DP4: f64 = -1.65339022054652515390e-06;
const DP5: f64 = 4.13813679705723846039e-08;
const EXP_LO_D: f64 = -746.0; // exp rounds to 0; k >= -1077
const EXP_HI_D: f64 = 710.0; // exp overflows; k <= 1025

/** e^x in f64 (fdlibm algorithm, < 1 ulp); scalar twin of expF64x2. */
// @ts-ignore: decorator
@inline export function expF64(x: f64): f64 {
  const a = x < EXP_LO_D ? EXP_LO_D : x;
  const xc = EXP_HI_D < a ? EXP_HI_D : a; // pmin(pmax(x, lo), hi): NaN passes through
  const t = xc * LOG2E_D + SHIFT_D;
  const kf = t - SHIFT_D;
  const hi = xc - kf * LN2_HI_D;
  const lo = kf * LN2_LO_D;
  const r = hi - lo;
  const r2 = r * r;
  const c = r - r2 * (DP1 + r2 * (DP2 + r2 * (DP3 + r2 * (DP4 + r2 * DP5))));
  const y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  const k = reinterpret<i64>(t) - SHIFT_D_BITS;
  const k1 = k >> 1;
  const s1 = reinterpret<f64>((k1 + 1023) << 52);
  const s2 = reinterpret<f64>((k - k1 + 1023) << 52);
  return (y * s1) * s2;
}

/** Two lanes of expF64, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expF64x2(x: v128): v128 {
  const xc = f64x2.pmin(f64x2.pmax(x, f64x2.splat(EXP_LO_D)), f64x2.splat(EXP_HI_D));
  const t = f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E_D)), f64x2.splat(SHIFT_D));
  const kf = f64x2.sub(t, f64x2.splat(SHIFT_D));
  const hi = f64x2.sub(xc, f64x2.mul(kf, f64x2.splat(LN2_HI_D)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO_D));
  const r = f64x2.sub(hi, lo);
  const r2 = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(DP4), f64x2.mul(r2, f64x2.splat(DP5)));
  p = f64x2.add(f64x2.splat(DP3), f64x2.mul(r2, p));
  p = f64x2.add(f64x2.splat(DP2), f64x2.mul(r2, p));
  p = f64x2.add(f64x2.splat(DP1), f64x2.mul(r2, p));
  const c = f64x2.sub(r, f64x2.mul(r2, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  const k = i64x2.sub(t, i64x2.splat(SHIFT_D_BITS));
  const k1 = i64x2.shr_s(k, 1);
  const s1 = i64x2.shl(i64x2.add(k1, i64x2.splat(1023)), 52);
  const s2 = i64x2.shl(i64x2.add(i64x2.sub(k, k1), i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.mul(y, s1), s2);
}
