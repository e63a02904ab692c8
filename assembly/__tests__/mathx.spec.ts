// Error bounds of the transcendental library (assembly/mathx_simd.ts), measured over dense sweeps
// against f64 Math.* (whose own error, ~2^-53, is negligible at f32 resolution), plus edge values and
// the bit-identity of every v128 routine with its scalar twin.
//
// Stated bounds (ulp of the f32 nearest the exact result; 2^-149 below the normal range) and the
// maxima measured by an exhaustive run over EVERY f32 input of the domain (not part of this suite):
//   expF32    <= 1   ulp on [-104, 89]   exhaustive max 0.966
//   expm1F32  <= 1.6 ulp on [-88, 89]    exhaustive max 1.545 (relative, incl. tiny |x|)
//   sinpiF32  <= 2   ulp on [-0.5, 0.5]  exhaustive max 1.615 (relative, incl. near 0 and +-0.5)
//   sinpiReducedF64toF32 <= 3 ulp of the exact sin(pi x) of the f64 x (adds the rounding of r to f32)
//   expF64    <= 1 ulp (fdlibm); differs from Math.exp by at most 1 ulp (34 of 2e5 samples differ;
//             max 0.873 ulp against 200-bit mpmath on those samples)
import {
  expF32, expm1F32, sinpiF32, sinpiWideF32, sinpiReducedF64toF32, expF64,
  expF32x4, expm1F32x4, sinpiF32x4, sinpiWideF32x4, sinpiReducedF64x2toF32x4, expF64x2,
} from '../mathx_simd';
import { sinpiReducedF64toF32 as reexported } from '../mathx';

const F32_MAX_ROUNDS_TO_INF: f64 = 3.4028235677973366e38; // FLT_MAX + half an ulp
const N: i32 = 100000;

/** ulp of the f32 binade that holds |ref|; 2^-149 below 2^-126. */
function ulp32(ref: f64): f64 {
  const a = Math.abs(ref);
  if (a < 1.1754943508222875e-38) return 1.401298464324817e-45;
  const e = <i32>((reinterpret<u64>(a) >> 52) & 0x7ff) - 1023;
  return reinterpret<f64>(<u64>(e - 23 + 1023) << 52);
}

/** Error of y in f32 ulps against the exact value ref (inf when y overflows wrongly or fails to). */
function ulpErr(y: f32, ref: f64): f64 {
  if (Math.abs(ref) >= F32_MAX_ROUNDS_TO_INF) return <f64>y == (ref > 0 ? Infinity : -Infinity) ? 0 : Infinity;
  return Math.abs(<f64>y - ref) / ulp32(ref);
}

function bitsEq(a: f32, b: f32): bool {
  return reinterpret<u32>(a) == reinterpret<u32>(b);
}

/** i-th of n points spread over [lo, hi]. */
function lin(i: i32, n: i32, lo: f64, hi: f64): f32 {
  return <f32>(lo + (hi - lo) * (<f64>i / <f64>(n - 1)));
}

/** i-th of n points, log-spaced magnitudes 10^lo..10^hi, alternating sign. */
function logpt(i: i32, n: i32, lo: f64, hi: f64): f32 {
  const m = Math.pow(10, lo + (hi - lo) * (<f64>i / <f64>(n - 1)));
  return <f32>((i & 1) ? -m : m);
}

describe('expF32', () => {
  it('is within 1 ulp on [-104, 89] and [-1, 1] (dense sweeps)', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const a = lin(i, N, -104, 89);
      const b = lin(i, N, -1, 1);
      worst = Math.max(worst, Math.max(ulpErr(expF32(a), Math.exp(<f64>a)), ulpErr(expF32(b), Math.exp(<f64>b))));
    }
    log<string>('expF32 max error (ulp): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(1.0);
  });
  it('handles the edges: +-0, +-inf, NaN, overflow, gradual underflow', () => {
    expect(expF32(0)).toBe(1);
    expect(expF32(-0.0)).toBe(1);
    expect(expF32(Infinity)).toBe(Infinity);
    expect(expF32(-Infinity)).toBe(0);
    expect(expF32(NaN)).toBeNaN();
    expect(expF32(88.72283)).toBeLessThan(Infinity); // exp = 3.40282e38 < FLT_MAX
    expect(expF32(88.7229)).toBe(Infinity);
    expect(expF32(1000)).toBe(Infinity);
    expect(expF32(-1000)).toBe(0);
    expect(expF32(-104)).toBe(0);
    expect(reinterpret<u32>(expF32(-103.27893))).toBe(1); // 2^-149, the smallest subnormal
    expect(ulpErr(expF32(-95), Math.exp(-95))).toBeLessThanOrEqual(1.0); // subnormal result
    expect(ulpErr(expF32(-87.33655), Math.exp(<f64><f32>-87.33655))).toBeLessThanOrEqual(1.0); // ~FLT_MIN
  });
});

describe('expm1F32', () => {
  it('is within 1.6 ulp (relative) on [-20, 89], [-1, 1] and for tiny |x|', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const a = lin(i, N, -20, 89);
      const b = lin(i, N, -1, 1);
      const c = logpt(i, N, -38, 0);
      worst = Math.max(worst, ulpErr(expm1F32(a), Math.expm1(<f64>a)));
      worst = Math.max(worst, ulpErr(expm1F32(b), Math.expm1(<f64>b)));
      worst = Math.max(worst, ulpErr(expm1F32(c), Math.expm1(<f64>c)));
    }
    log<string>('expm1F32 max error (ulp): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(1.6);
  });
  it('handles the edges', () => {
    expect(bitsEq(expm1F32(0), 0)).toBe(true);
    expect(bitsEq(expm1F32(-0.0), -0.0)).toBe(true);
    expect(expm1F32(1e-30)).toBe(<f32>1e-30);
    expect(expm1F32(-20)).toBe(-1);
    expect(expm1F32(-1000)).toBe(-1);
    expect(expm1F32(-Infinity)).toBe(-1);
    expect(expm1F32(Infinity)).toBe(Infinity);
    expect(expm1F32(88.7229)).toBe(Infinity);
    expect(expm1F32(88.72283)).toBeLessThan(Infinity);
    expect(ulpErr(expm1F32(88.5), Math.expm1(88.5))).toBeLessThanOrEqual(1.6); // n = 128 branch
    expect(expm1F32(NaN)).toBeNaN();
  });
});

describe('sinpiF32', () => {
  it('is within 2 ulp (relative) on [-0.5, 0.5], near 0 and near +-0.5', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const a = lin(i, N, -0.5, 0.5);
      const b = logpt(i, N, -38, Math.log10(0.5));
      const c = <f32>(0.5 - Math.pow(10, -9 + 8.7 * (<f64>i / <f64>(N - 1)))); // approaching 1/2
      worst = Math.max(worst, ulpErr(sinpiF32(a), Math.sin(Math.PI * <f64>a)));
      worst = Math.max(worst, ulpErr(sinpiF32(b), Math.sin(Math.PI * <f64>b)));
      worst = Math.max(worst, ulpErr(sinpiF32(c), Math.sin(Math.PI * <f64>c)));
    }
    log<string>('sinpiF32 max error (ulp): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(2.0);
  });
  it('is odd with exact values at 0, +-0.5', () => {
    expect(bitsEq(sinpiF32(0), 0)).toBe(true);
    expect(bitsEq(sinpiF32(-0.0), -0.0)).toBe(true);
    expect(sinpiF32(0.5)).toBe(1);
    expect(sinpiF32(-0.5)).toBe(-1);
    expect(sinpiF32(NaN)).toBeNaN();
    for (let i = 0; i < 1000; i++) {
      const x = lin(i, 1000, -0.5, 0.5);
      expect(bitsEq(sinpiF32(-x), -sinpiF32(x))).toBe(true);
    }
  });
  it('sinpiWideF32 reduces any f32 exactly: sin(pi x) = (-1)^n sin(pi (x - n))', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const x = lin(i, N, -40, 40);
      const n = Math.round(<f64>x); // x - n is exact in f64 too
      const ref = (<i64>n & 1 ? -1.0 : 1.0) * Math.sin(Math.PI * (<f64>x - n));
      worst = Math.max(worst, ulpErr(sinpiWideF32(x), ref));
    }
    log<string>('sinpiWideF32 max error (ulp): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(2.0);
    expect(sinpiWideF32(2.5)).toBe(1);
    expect(sinpiWideF32(-1.5)).toBe(1);
    expect(sinpiWideF32(1.5)).toBe(-1);
    expect(Math.abs(sinpiWideF32(7))).toBe(0);
  });
});

describe('sinpiReducedF64toF32', () => {
  it('is within 3 ulp of the exact sin(pi x) of an f64 x on [-40, 40]', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const x = -40.0 + 80.0 * (<f64>i / <f64>(N - 1)) + 1e-7 * <f64>(i % 7);
      const n = Math.round(x);
      const ref = (<i64>n & 1 ? -1.0 : 1.0) * Math.sin(Math.PI * (x - n));
      worst = Math.max(worst, ulpErr(sinpiReducedF64toF32(x), ref));
    }
    log<string>('sinpiReducedF64toF32 max error (ulp): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(3.0);
    expect(sinpiReducedF64toF32(41.5)).toBe(-1);
    expect(sinpiReducedF64toF32(Infinity)).toBeNaN();
    expect(reexported(0.25)).toBe(sinpiReducedF64toF32(0.25));
  });
  it('gives the lattice factor sin(N pi h)/sin(pi h) to 5e-7 relative next to a Bragg peak (docs/precision.md fix 1)', () => {
    let worst: f64 = 0;
    for (let i = 1; i < 20000; i++) {
      const h = 25.0 + 1e-7 * <f64>i * <f64>(i % 3 == 0 ? 1 : -1) * (1.0 + <f64>(i % 11));
      const Nc: f64 = 5;
      const f = h - Math.round(h);
      const ref = Math.sin(Nc * Math.PI * f) / Math.sin(Math.PI * f); // (-1)^((N-1)n) = 1 for N = 5
      const got = <f64>sinpiReducedF64toF32(Nc * h) / <f64>sinpiReducedF64toF32(h);
      worst = Math.max(worst, Math.abs(got / ref - 1));
    }
    log<string>('lattice factor max relative error: ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(5e-7);
  });
});

describe('expF64', () => {
  it('agrees with Math.exp within 1 ulp on [-745, 709.7] and [-1, 1]', () => {
    let worst: f64 = 0;
    for (let i = 0; i < N; i++) {
      const a = -745.0 + 1454.7 * (<f64>i / <f64>(N - 1));
      const b = -1.0 + 2.0 * (<f64>i / <f64>(N - 1));
      const ra = Math.exp(a), rb = Math.exp(b);
      const ua = ra < 2.2250738585072014e-308 ? 4.9e-324 : ra * 2.220446049250313e-16;
      worst = Math.max(worst, Math.max(Math.abs(expF64(a) - ra) / ua, Math.abs(expF64(b) - rb) / (rb * 2.220446049250313e-16)));
    }
    log<string>('expF64 max |diff| vs Math.exp (relative, units of 2^-52): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(1.0);
  });
  it('handles the edges', () => {
    expect(expF64(0)).toBe(1);
    expect(expF64(-0.0)).toBe(1);
    expect(expF64(Infinity)).toBe(Infinity);
    expect(expF64(-Infinity)).toBe(0);
    expect(expF64(NaN)).toBeNaN();
    expect(expF64(709.79)).toBe(Infinity);
    expect(expF64(709.7)).toBe(Math.exp(709.7));
    expect(expF64(-745.2)).toBe(0);
    expect(expF64(-745.1)).toBe(5e-324);
    expect(Math.abs(expF64(1.0) - Math.E)).toBeLessThanOrEqual(4.440892098500626e-16); // 1 ulp: fdlibm is not correctly rounded
  });
});

describe('worst cases of the exhaustive run', () => {
  it('stay within the stated bounds', () => {
    const e1: f32 = 5.208106994628906, e2: f32 = -5.880908012390137;
    const m1: f32 = 0.34973904490470886, m2: f32 = -0.3636869788169861, s1: f32 = 0.0803174301981926;
    expect(ulpErr(expF32(e1), Math.exp(<f64>e1))).toBeLessThanOrEqual(1.0);
    expect(ulpErr(expF32(e2), Math.exp(<f64>e2))).toBeLessThanOrEqual(1.0);
    expect(ulpErr(expm1F32(m1), Math.expm1(<f64>m1))).toBeLessThanOrEqual(1.6);
    expect(ulpErr(expm1F32(m2), Math.expm1(<f64>m2))).toBeLessThanOrEqual(1.6);
    expect(ulpErr(sinpiF32(s1), Math.sin(Math.PI * <f64>s1))).toBeLessThanOrEqual(2.0);
    log<string>('exhaustive worst cases (ulp): exp ' + ulpErr(expF32(e1), Math.exp(<f64>e1)).toString()
      + ', expm1 ' + ulpErr(expm1F32(m1), Math.expm1(<f64>m1)).toString()
      + ', sinpi ' + ulpErr(sinpiF32(s1), Math.sin(Math.PI * <f64>s1)).toString());
  });
});

describe('v128 twins', () => {
  it('f32x4 versions are bit-identical to their scalar twins lane by lane', () => {
    let bad = 0;
    for (let i = 0; i < N; i++) {
      const x0 = lin(i, N, -110, 95), x1 = lin(i, N, -1, 1), x2 = logpt(i, N, -38, 0), x3 = lin(i, N, -0.5, 0.5);
      const v = f32x4(x0, x1, x2, x3);
      const e = expF32x4(v), m = expm1F32x4(v), s = sinpiF32x4(f32x4(x3, x2 * 0.5, -x3, x1 * 0.5));
      const w = sinpiWideF32x4(f32x4(x0, x1, x2, x3 * 77));
      if (!bitsEq(f32x4.extract_lane(e, 0), expF32(x0)) || !bitsEq(f32x4.extract_lane(e, 1), expF32(x1))) bad++;
      if (!bitsEq(f32x4.extract_lane(e, 2), expF32(x2)) || !bitsEq(f32x4.extract_lane(e, 3), expF32(x3))) bad++;
      if (!bitsEq(f32x4.extract_lane(m, 0), expm1F32(x0)) || !bitsEq(f32x4.extract_lane(m, 1), expm1F32(x1))) bad++;
      if (!bitsEq(f32x4.extract_lane(m, 2), expm1F32(x2)) || !bitsEq(f32x4.extract_lane(m, 3), expm1F32(x3))) bad++;
      if (!bitsEq(f32x4.extract_lane(s, 0), sinpiF32(x3)) || !bitsEq(f32x4.extract_lane(s, 1), sinpiF32(x2 * 0.5))) bad++;
      if (!bitsEq(f32x4.extract_lane(s, 2), sinpiF32(-x3)) || !bitsEq(f32x4.extract_lane(s, 3), sinpiF32(x1 * 0.5))) bad++;
      if (!bitsEq(f32x4.extract_lane(w, 0), sinpiWideF32(x0)) || !bitsEq(f32x4.extract_lane(w, 1), sinpiWideF32(x1))) bad++;
      if (!bitsEq(f32x4.extract_lane(w, 2), sinpiWideF32(x2)) || !bitsEq(f32x4.extract_lane(w, 3), sinpiWideF32(x3 * 77))) bad++;
    }
    const sp = f32x4(Infinity, -Infinity, NaN, -0.0);
    const es = expF32x4(sp), ms = expm1F32x4(sp);
    expect(f32x4.extract_lane(es, 0)).toBe(Infinity);
    expect(f32x4.extract_lane(es, 1)).toBe(0);
    expect(f32x4.extract_lane(es, 2)).toBeNaN();
    expect(f32x4.extract_lane(ms, 1)).toBe(-1);
    expect(bitsEq(f32x4.extract_lane(ms, 3), -0.0)).toBe(true);
    expect(bad).toBe(0);
  });
  it('f64x2 versions are bit-identical to their scalar twins', () => {
    let bad = 0;
    for (let i = 0; i < N; i++) {
      const a = -750.0 + 1465.0 * (<f64>i / <f64>(N - 1));
      const b = -40.0 + 80.0 * (<f64>i / <f64>(N - 1)) + 1e-9 * <f64>(i % 13);
      const e = expF64x2(f64x2(a, b * 0.01));
      if (f64x2.extract_lane(e, 0) != expF64(a) || f64x2.extract_lane(e, 1) != expF64(b * 0.01)) bad++;
      const s = sinpiReducedF64x2toF32x4(f64x2(b, -b), f64x2(b * 3.0, a));
      if (!bitsEq(f32x4.extract_lane(s, 0), sinpiReducedF64toF32(b))) bad++;
      if (!bitsEq(f32x4.extract_lane(s, 1), sinpiReducedF64toF32(-b))) bad++;
      if (!bitsEq(f32x4.extract_lane(s, 2), sinpiReducedF64toF32(b * 3.0))) bad++;
      if (!bitsEq(f32x4.extract_lane(s, 3), sinpiReducedF64toF32(a))) bad++;
    }
    expect(bad).toBe(0);
  });
});
