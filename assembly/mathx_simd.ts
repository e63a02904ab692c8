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
// Accuracy: error in units of the last place of the f32 nearest the exact value (below 2^-126 the ulp
// is 2^-149); the bounds are asserted by assembly/__tests__/mathx.spec.ts over dense sweeps against f64
// Math.*, and the maxima were measured over EVERY f32 input of the domain (exhaustive, offline):
//   expF32   / expF32x4     <= 1   ulp on [-104, 89]; +-inf, NaN, overflow to inf, gradual underflow to 0
//                             (exhaustive max 0.966)
//   expm1F32 / expm1F32x4  <= 1.6 ulp relative everywhere, incl. tiny |x|; -0 -> -0; -1 below -17.4
//                             (exhaustive max 1.545, at x = 0.3497 where n = 1 doubles expm1(r)'s error)
//   sinpiF32 / sinpiF32x4  <= 2   ulp relative on [-0.5, 0.5] (incl. near 0 and near +-0.5)
//                             (exhaustive max 1.615)
//   sinpiWideF32 / ...x4   <= 2   ulp of the exact sin(pi x) for any f32 x (the reduction is exact)
//   sinpiReducedF64toF32 / sinpiReducedF64x2toF32x4 <= 3 ulp of the exact sin(pi x) of the f64 x
//                             (sinpiF32's error plus the rounding of the reduced argument to f32)
//   expF64   / expF64x2     <  1   ulp (fdlibm's algorithm; max 0.873 against 200-bit mpmath on 2e5
//                             samples); differs from Math.exp by at most 1 ulp (on 34 of those samples)
// In every exhaustive run the vector versions matched their scalar twins bit for bit.

// ---------------------------------------------------------------------------------------------------
// Constants live in static tables in linear memory (read-only by convention), each replicated to a
// full 16-byte vector, and are loaded where used (scalar twins read lane 0 of the same table). Why:
// V8 (Node 20) rebuilds every non-trivial f32/f64 constant inside a loop from an integer register
// (2 instructions) and every v128.const with ~4 (mov imm64, movq, mov imm64, pinsrq); one load from
// the data segment is a single instruction. With ~15 constants per exp this made the scalar twin ~1.7x
// and the f32x4 version ~1.5x faster here, with bit-identical results. memory.data is static data
// placed by the compiler, not an allocation.

const EXP_LO: usize = 0; // exp's clamp: exp(-104) rounds to 0 and n >= -150
const EXP_HI: usize = 1; // exp/expm1 clamp: exp(89) overflows and n <= 128
const EXPM1_LO: usize = 2; // expm1's clamp: n >= -127 (2^-127 built from exponent bits 0 is +0: result -1)
const LOG2E: usize = 3; // log2(e)
const SHIFT: usize = 4; // 1.5 * 2^23, bits 0x4B400000: x + SHIFT rounds x to an integer held in the low bits
const LN2_HI: usize = 5; // 355/512: n * LN2_HI is exact for |n| < 2^15
const LN2_LO: usize = 6; // ln2 - LN2_HI
const EP0: usize = 7; // expm1(r) = r + r^2 P(r), P = EP0 + r EP1 + ... + r^5 EP5 (minimax, |r| <= ln2/2)
const EP1: usize = 8;
const EP2: usize = 9;
const EP3: usize = 10;
const EP4: usize = 11;
const EP5: usize = 12;
const ONE: usize = 13;
const QUARTER: usize = 14; // sinpi: cosine form above |x| = 1/4
const HALF: usize = 15;
const PI_HI: usize = 16; // f32(pi)
const PI_LO: usize = 17; // pi - PI_HI
const S1: usize = 18; // sin(pi a) = a PI_HI + a (PI_LO + a^2 (S1 + a^2 (S2 + a^2 S3))), 0 <= a <= 1/4
const S2: usize = 19;
const S3: usize = 20;
const C0: usize = 21; // cos(pi y) = 1 + y^2 (C0 + y^2 (C1 + y^2 (C2 + y^2 C3))), 0 <= y <= 1/4
const C1: usize = 22;
const C2: usize = 23;
const C3: usize = 24;
const KF = memory.data<f32>([
  -104.0, -104.0, -104.0, -104.0,
  89.0, 89.0, 89.0, 89.0,
  -88.0, -88.0, -88.0, -88.0,
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341,
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  0.693359375, 0.693359375, 0.693359375, 0.693359375,
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,
  0.5, 0.5, 0.5, 0.5,
  0.1666666716337204, 0.1666666716337204, 0.1666666716337204, 0.1666666716337204,
  0.04166646674275398, 0.04166646674275398, 0.04166646674275398, 0.04166646674275398,
  0.008333360776305199, 0.008333360776305199, 0.008333360776305199, 0.008333360776305199,
  0.0013933597365394235, 0.0013933597365394235, 0.0013933597365394235, 0.0013933597365394235,
  0.00019857799634337425, 0.00019857799634337425, 0.00019857799634337425, 0.00019857799634337425,
  1.0, 1.0, 1.0, 1.0,
  0.25, 0.25, 0.25, 0.25,
  0.5, 0.5, 0.5, 0.5,
  3.1415927410125732, 3.1415927410125732, 3.1415927410125732, 3.1415927410125732,
  -8.742278000372485e-8, -8.742278000372485e-8, -8.742278000372485e-8, -8.742278000372485e-8,
  -5.167707681865378, -5.167707681865378, -5.167707681865378, -5.167707681865378,
  2.5497610485858715, 2.5497610485858715, 2.5497610485858715, 2.5497610485858715,
  -0.5890122095057092, -0.5890122095057092, -0.5890122095057092, -0.5890122095057092,
  -4.934802197424613, -4.934802197424613, -4.934802197424613, -4.934802197424613,
  4.058710545033859, 4.058710545033859, 4.058710545033859, 4.058710545033859,
  -1.3351369343625685, -1.3351369343625685, -1.3351369343625685, -1.3351369343625685,
  0.2321160501457149, 0.2321160501457149, 0.2321160501457149, 0.2321160501457149,
], 16);

const BIAS: usize = 0; // f32 exponent bias
const SIGN: usize = 1; // f32 sign bit
const KI = memory.data<u32>([
  127, 127, 127, 127,
  0x80000000, 0x80000000, 0x80000000, 0x80000000,
], 16);

const D_EXP_LO: usize = 0; // exp rounds to 0 below; k >= -1077
const D_EXP_HI: usize = 1; // exp overflows above; k <= 1025
const D_LOG2E: usize = 2;
const D_SHIFT: usize = 3; // 1.5 * 2^52, bits 0x4338000000000000
const D_LN2_HI: usize = 4; // 32 significant bits: k * D_LN2_HI is exact
const D_LN2_LO: usize = 5;
const DP1: usize = 6; // fdlibm e_exp.c's P1..P5
const DP2: usize = 7;
const DP3: usize = 8;
const DP4: usize = 9;
const DP5: usize = 10;
const D_ONE: usize = 11;
const D_TWO: usize = 12;
const D_HALF: usize = 13;
const KD = memory.data<f64>([
  -746.0, -746.0,
  710.0, 710.0,
  1.44269504088896338700e+00, 1.44269504088896338700e+00,
  6755399441055744.0, 6755399441055744.0,
  6.93147180369123816490e-01, 6.93147180369123816490e-01,
  1.90821492927058770002e-10, 1.90821492927058770002e-10,
  1.66666666666666019037e-01, 1.66666666666666019037e-01,
  -2.77777777770155933842e-03, -2.77777777770155933842e-03,
  6.61375632143793436117e-05, 6.61375632143793436117e-05,
  -1.65339022054652515390e-06, -1.65339022054652515390e-06,
  4.13813679705723846039e-08, 4.13813679705723846039e-08,
  1.0, 1.0,
  2.0, 2.0,
  0.5, 0.5,
], 16);

const KL = memory.data<i64>([1023, 1023], 16); // f64 exponent bias

const SHIFT_F_BITS: i32 = 0x4b400000; // bits of KF[SHIFT]
const SHIFT_D_BITS: i64 = 0x4338000000000000; // bits of KD[D_SHIFT]

/** Scalar constant i of the f32 table. */
// @ts-ignore: decorator
@inline function cf(i: usize): f32 {
  return load<f32>(KF + (i << 4));
}
/** Vector constant i of the f32 table. */
// @ts-ignore: decorator
@inline function vf(i: usize): v128 {
  return v128.load(KF + (i << 4));
}
// @ts-ignore: decorator
@inline function vi(i: usize): v128 {
  return v128.load(KI + (i << 4));
}
// @ts-ignore: decorator
@inline function cd(i: usize): f64 {
  return load<f64>(KD + (i << 4));
}
// @ts-ignore: decorator
@inline function vd(i: usize): v128 {
  return v128.load(KD + (i << 4));
}

// ---------------------------------------------------------------------------------------------------
// exp / expm1 in f32: x = n ln2 + r, |r| <= ln2/2 (Cody-Waite with a 9-bit LN2_HI so n*LN2_HI is exact),
// expm1(r) = r + r^2 P(r) with P a degree-5 minimax fit (relative error of P 2.7e-9) evaluated by
// Estrin's scheme, exp(x) = 2^n (1 + expm1(r)). n comes from the 1.5*2^23 shifter. Arguments are
// clamped with pseudo-min/max (pmax(x, lo) = x < lo ? lo : x, pmin(x, hi) = hi < x ? hi : x: one
// maxps/minps each, where WASM's NaN-propagating f32x4.min/max cost several); NaN passes through.

/** pmin(pmax(x, lo), hi) on one lane. */
// @ts-ignore: decorator
@inline function clampF32(x: f32, lo: f32, hi: f32): f32 {
  const a = x < lo ? lo : x;
  return hi < a ? hi : a;
}

/** expm1(r) for |r| <= ln2/2 (a little more is fine). */
// @ts-ignore: decorator
@inline function expm1Poly(r: f32): f32 {
  const r2 = r * r;
  const p = (cf(EP0) + r * cf(EP1)) + r2 * ((cf(EP2) + r * cf(EP3)) + r2 * (cf(EP4) + r * cf(EP5)));
  return r + r2 * p;
}

// @ts-ignore: decorator
@inline function expm1PolyX4(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const p01 = f32x4.add(vf(EP0), f32x4.mul(r, vf(EP1)));
  const p23 = f32x4.add(vf(EP2), f32x4.mul(r, vf(EP3)));
  const p45 = f32x4.add(vf(EP4), f32x4.mul(r, vf(EP5)));
  const p = f32x4.add(p01, f32x4.mul(r2, f32x4.add(p23, f32x4.mul(r2, p45))));
  return f32x4.add(r, f32x4.mul(r2, p));
}

/** e^x in f32, < 1 ulp. Overflows to +inf above 88.7228, underflows gradually to 0, NaN -> NaN. */
// @ts-ignore: decorator
@inline export function expF32(x: f32): f32 {
  const xc = clampF32(x, cf(EXP_LO), cf(EXP_HI));
  const shift = cf(SHIFT);
  const t = xc * cf(LOG2E) + shift;
  const nf = t - shift;
  const r = (xc - nf * cf(LN2_HI)) - nf * cf(LN2_LO);
  const e = expm1Poly(r);
  // 2^n = 2^(n>>1) * 2^(n - n>>1): both factors normal for n in [-150, 128], one rounding at the end
  const n = reinterpret<i32>(t) - SHIFT_F_BITS;
  const n1 = n >> 1;
  const s1 = reinterpret<f32>((n1 + 127) << 23);
  const s2 = reinterpret<f32>((n - n1 + 127) << 23);
  return ((e + cf(ONE)) * s1) * s2;
}

/** Four lanes of expF32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, vf(EXP_LO)), vf(EXP_HI));
  const shift = vf(SHIFT);
  const t = f32x4.add(f32x4.mul(xc, vf(LOG2E)), shift);
  const nf = f32x4.sub(t, shift);
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, vf(LN2_HI))), f32x4.mul(nf, vf(LN2_LO)));
  const e = expm1PolyX4(r);
  const bias = vi(BIAS);
  const n = i32x4.sub(t, shift);
  const n1 = i32x4.shr_s(n, 1);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), bias), 23);
  return f32x4.mul(f32x4.mul(f32x4.add(e, vf(ONE)), s1), s2);
}

/**
 * e^x - 1 in f32, <= 1.6 ulp relative for every x (no cancellation for small |x|: there n = 0 and the
 * result is the polynomial itself). expm1(-0) = -0, expm1(x < -17.4) = -1, overflow to +inf.
 * Used for the capture fraction -exp(-t x) expm1(-x) (docs/precision.md fix 3).
 */
// @ts-ignore: decorator
@inline export function expm1F32(x: f32): f32 {
  const xc = clampF32(x, cf(EXPM1_LO), cf(EXP_HI));
  const shift = cf(SHIFT);
  const t = xc * cf(LOG2E) + shift;
  const nf = t - shift;
  const r = (xc - nf * cf(LN2_HI)) - nf * cf(LN2_LO);
  const e = expm1Poly(r);
  const n = reinterpret<i32>(t) - SHIFT_F_BITS;
  // 2^n e + (2^n - 1): 2^n - 1 is exact for n <= 24 and 2^n e is exact. n = 128 does not fit an f32
  // power of two: use 2^127 and double the result (exact, or overflow to inf as it should).
  const k = min<i32>(n, 127);
  const s = reinterpret<f32>((k + 127) << 23);
  const f = reinterpret<f32>((n - k + 127) << 23);
  const y = (s * e + (s - cf(ONE))) * f;
  return x == 0 ? x : y; // keeps the sign of -0
}

/** Four lanes of expm1F32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expm1F32x4(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, vf(EXPM1_LO)), vf(EXP_HI));
  const shift = vf(SHIFT);
  const t = f32x4.add(f32x4.mul(xc, vf(LOG2E)), shift);
  const nf = f32x4.sub(t, shift);
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, vf(LN2_HI))), f32x4.mul(nf, vf(LN2_LO)));
  const e = expm1PolyX4(r);
  const bias = vi(BIAS);
  const n = i32x4.sub(t, shift);
  const k = i32x4.min_s(n, bias);
  const s = i32x4.shl(i32x4.add(k, bias), 23);
  const f = i32x4.shl(i32x4.add(i32x4.sub(n, k), bias), 23);
  const y = f32x4.mul(f32x4.add(f32x4.mul(s, e), f32x4.sub(s, vf(ONE))), f);
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

/** sin(pi x) for x in [-0.5, 0.5] (the caller reduces the argument), <= 2 ulp relative. */
// @ts-ignore: decorator
@inline export function sinpiF32(x: f32): f32 {
  const a = abs<f32>(x);
  const cosBranch = a > cf(QUARTER);
  const y: f32 = cosBranch ? cf(HALF) - a : a;
  const y2 = y * y;
  const q3 = cosBranch ? cf(C3) : cf(S3);
  const q2 = cosBranch ? cf(C2) : cf(S2);
  const q1 = cosBranch ? cf(C1) : cf(S1);
  const q0 = cosBranch ? cf(C0) : cf(PI_LO);
  const base: f32 = cosBranch ? cf(ONE) : y * cf(PI_HI);
  const m = cosBranch ? y2 : y;
  const r = base + m * (q0 + y2 * (q1 + y2 * (q2 + y2 * q3)));
  return reinterpret<f32>(reinterpret<i32>(r) | (reinterpret<i32>(x) & 0x80000000));
}

/** Four lanes of sinpiF32, bit-identical to it. */
// @ts-ignore: decorator
@inline export function sinpiF32x4(x: v128): v128 {
  const signMask = vi(SIGN);
  const a = v128.andnot(x, signMask);
  const cosBranch = f32x4.gt(a, vf(QUARTER));
  const y = v128.bitselect(f32x4.sub(vf(HALF), a), a, cosBranch);
  const y2 = f32x4.mul(y, y);
  const q3 = v128.bitselect(vf(C3), vf(S3), cosBranch);
  const q2 = v128.bitselect(vf(C2), vf(S2), cosBranch);
  const q1 = v128.bitselect(vf(C1), vf(S1), cosBranch);
  const q0 = v128.bitselect(vf(C0), vf(PI_LO), cosBranch);
  const base = v128.bitselect(vf(ONE), f32x4.mul(y, vf(PI_HI)), cosBranch);
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
 * polynomial evaluated in f32 on f32(r). Error <= 3 ulp of the exact sin(pi x) (sinpiF32's 2 plus the
 * rounding of r to f32). For the lattice factor sin(N pi f) / sin(pi f) of the WASM f32 path
 * (docs/precision.md fix 1, docs/c-behaviour/minimal-loop.md 5.9).
 */
// @ts-ignore: decorator
@inline export function sinpiReducedF64toF32(x: f64): f32 {
  const n = nearest<f64>(x);
  const r = x - n;
  const h = n * cd(D_HALF); // exact; n odd <=> h is not an integer (huge n are even)
  const two = cd(D_TWO);
  const sign: f32 = <f32>(cd(D_ONE) - two * ((h - floor<f64>(h)) * two)); // +1 or -1 (NaN for NaN/inf x)
  return sinpiF32(<f32>r) * sign;
}

/** sinpiReducedF64toF32 on four f64 values held in two f64x2 (lo: lanes 0-1, hi: lanes 2-3) -> f32x4. */
// @ts-ignore: decorator
@inline export function sinpiReducedF64x2toF32x4(lo: v128, hi: v128): v128 {
  const nLo = f64x2.nearest(lo);
  const nHi = f64x2.nearest(hi);
  const r = demote2x2(f64x2.sub(lo, nLo), f64x2.sub(hi, nHi));
  const half = vd(D_HALF);
  const hLo = f64x2.mul(nLo, half);
  const hHi = f64x2.mul(nHi, half);
  const one = vd(D_ONE);
  const two = vd(D_TWO);
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
// round once. The vector twin exists because WASM has no f64x2 exp.

/** e^x in f64 (fdlibm algorithm, < 1 ulp); scalar twin of expF64x2. */
// @ts-ignore: decorator
@inline export function expF64(x: f64): f64 {
  const lo0 = cd(D_EXP_LO), hi0 = cd(D_EXP_HI);
  const a = x < lo0 ? lo0 : x;
  const xc = hi0 < a ? hi0 : a; // pmin(pmax(x, lo), hi): NaN passes through
  const shift = cd(D_SHIFT);
  const t = xc * cd(D_LOG2E) + shift;
  const kf = t - shift;
  const hi = xc - kf * cd(D_LN2_HI);
  const lo = kf * cd(D_LN2_LO);
  const r = hi - lo;
  const r2 = r * r;
  const c = r - r2 * (cd(DP1) + r2 * (cd(DP2) + r2 * (cd(DP3) + r2 * (cd(DP4) + r2 * cd(DP5)))));
  const y = cd(D_ONE) - ((lo - (r * c) / (cd(D_TWO) - c)) - hi);
  const k = reinterpret<i64>(t) - SHIFT_D_BITS;
  const k1 = k >> 1;
  const s1 = reinterpret<f64>((k1 + 1023) << 52);
  const s2 = reinterpret<f64>((k - k1 + 1023) << 52);
  return (y * s1) * s2;
}

/** Two lanes of expF64, bit-identical to it. */
// @ts-ignore: decorator
@inline export function expF64x2(x: v128): v128 {
  const xc = f64x2.pmin(f64x2.pmax(x, vd(D_EXP_LO)), vd(D_EXP_HI));
  const shift = vd(D_SHIFT);
  const t = f64x2.add(f64x2.mul(xc, vd(D_LOG2E)), shift);
  const kf = f64x2.sub(t, shift);
  const hi = f64x2.sub(xc, f64x2.mul(kf, vd(D_LN2_HI)));
  const lo = f64x2.mul(kf, vd(D_LN2_LO));
  const r = f64x2.sub(hi, lo);
  const r2 = f64x2.mul(r, r);
  let p = f64x2.add(vd(DP4), f64x2.mul(r2, vd(DP5)));
  p = f64x2.add(vd(DP3), f64x2.mul(r2, p));
  p = f64x2.add(vd(DP2), f64x2.mul(r2, p));
  p = f64x2.add(vd(DP1), f64x2.mul(r2, p));
  const c = f64x2.sub(r, f64x2.mul(r2, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(vd(D_TWO), c));
  const y = f64x2.sub(vd(D_ONE), f64x2.sub(f64x2.sub(lo, q), hi));
  const bias = v128.load(KL);
  const k = i64x2.sub(t, shift);
  const k1 = i64x2.shr_s(k, 1);
  const s1 = i64x2.shl(i64x2.add(k1, bias), 52);
  const s2 = i64x2.shl(i64x2.add(i64x2.sub(k, k1), bias), 52);
  return f64x2.mul(f64x2.mul(y, s1), s2);
}
