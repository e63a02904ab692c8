// Detector absorption (assembly/absorption.ts) against docs/c-behaviour/minimal-loop.md 4.3-4.4 and the numbers of 7.3,
// the closed-form layer sum, the edge cases T-10 (no thickness) and mu = 0, the -oversample_thick
// running product (T-12), the f32 path against the f64 one, and SIMD against scalar.
import {
  captureFractionF64, captureFractionF32, captureFractionsF64, captureFractionsF64x2,
  captureFractionsF32, captureFractionsF32x4, lastLayerCaptureF64, normaliseLastValue, runningProductAccumulate,
} from '../absorption';
import { expF64 } from '../mathx_simd';

// docs/c-behaviour/minimal-loop.md 7.3: -detector_abs 320 -detector_thick 450 -detector_thicksteps 5
const MU: f64 = 1.0 / (320 * 1e-6); // 3125.0000000000005, as C computes it
const T: f64 = 450 * 1e-6;
const NL: i32 = 5;
const DELTA: f64 = T / <f64>(NL - 1); // C's rule T/(n-1): 112.5 um

function f64s(n: i32): usize {
  return heap.alloc(<usize>n << 3);
}
function f32s(n: i32): usize {
  return heap.alloc(<usize>n << 2);
}
function at64(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
function at32(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}
function bitsEq(a: f32, b: f32): bool {
  return reinterpret<u32>(a) == reinterpret<u32>(b);
}

/** nPix parallaxes in [0.5, 1] (and one exact 1), the range a flat detector produces. */
function rhos(nPix: i32): usize {
  const r = f64s(nPix);
  for (let p = 0; p < nPix; p++) store<f64>(r + (<usize>p << 3), p == 0 ? 1.0 : 0.5 + 0.5 * Math.sin(<f64>p * 0.37) * Math.sin(<f64>p * 0.37));
  return r;
}

describe('capture fraction: docs/c-behaviour/minimal-loop.md 7.3 numbers', () => {
  it('has delta*mu = 0.3515625', () => {
    expect(DELTA).toBeCloseTo(112.5e-6, 15);
    expect(DELTA * MU).toBeCloseTo(0.3515625, 14);
  });
  it('rho = 1: 0.2964121, 0.2085520, 0.1467346, 0.1032407, 0.0726389, sum 0.8275784', () => {
    const want: f64[] = [0.2964121, 0.2085520, 0.1467346, 0.1032407, 0.0726389];
    let sum: f64 = 0;
    for (let t = 0; t < NL; t++) {
      const cf = captureFractionF64(t, DELTA, MU, 1.0);
      expect(Math.abs(cf - want[t])).toBeLessThan(5e-8);
      sum += cf;
    }
    expect(Math.abs(sum - 0.8275784)).toBeLessThan(5e-8);
    expect(Math.abs(sum - (1.0 - Math.exp(-1.7578125)))).toBeLessThan(1e-15);
  });
  it('rho = 0.9: 0.3233662, 0.2188005, 0.1480478, 0.1001742, 0.0677812, sum 0.8581698', () => {
    const want: f64[] = [0.3233662, 0.2188005, 0.1480478, 0.1001742, 0.0677812];
    let sum: f64 = 0;
    for (let t = 0; t < NL; t++) {
      const cf = captureFractionF64(t, DELTA, MU, 0.9);
      expect(Math.abs(cf - want[t])).toBeLessThan(5e-8);
      sum += cf;
    }
    expect(Math.abs(sum - 0.8581698)).toBeLessThan(5e-8);
  });
  it('is C\'s expression bit for bit, (-t) negated as an int', () => {
    for (let t = 0; t < 9; t++) {
      const rho = 0.93 + 0.01 * <f64>t;
      const c = Math.exp(((<f64>(-t)) * DELTA) * MU / rho) - Math.exp(((<f64>(-(t + 1))) * DELTA) * MU / rho);
      expect(captureFractionF64(t, DELTA, MU, rho)).toBe(c);
    }
  });
  it('sums over layers to the closed form 1 - exp(-n delta mu / rho)', () => {
    for (let k = 0; k < 200; k++) {
      const rho = 0.3 + 0.0035 * <f64>k;
      const n = 1 + (k % 12);
      const dm = 1e-4 * <f64>(1 + k * 37 % 5000); // delta*mu from 1e-4 to 0.5
      let sum: f64 = 0;
      for (let t = 0; t < n; t++) sum += captureFractionF64(t, dm, 1.0, rho);
      expect(Math.abs(sum - (1.0 - Math.exp(-<f64>n * dm / rho)))).toBeLessThan(4e-16 * <f64>n);
    }
  });
});

describe('capture fraction edges', () => {
  it('T = 0: the last-value factor is exactly 1 (T-10), whatever mu and rho', () => {
    expect(lastLayerCaptureF64(1, 0.0, 0.0, 1.0)).toBe(1.0);
    expect(lastLayerCaptureF64(1, 0.0, 3125.0, 0.7)).toBe(1.0);
    // ... while the formula itself (what -oversample_thick uses) gives exp(0) - exp(0) = 0
    expect(captureFractionF64(0, 0.0, 3125.0, 0.7)).toBe(0.0);
  });
  it('lastLayerCaptureF64 is the fraction of layer n-1', () => {
    expect(lastLayerCaptureF64(NL, DELTA, MU, 1.0)).toBe(captureFractionF64(NL - 1, DELTA, MU, 1.0));
    expect(Math.abs(lastLayerCaptureF64(NL, DELTA, MU, 1.0) - 0.0726389)).toBeLessThan(5e-8);
  });
  it('mu = 0 (-detector_abs 0 -detector_thick 450): every fraction is +0 on every path', () => {
    const nPix = 9;
    const r = rhos(nPix);
    const o64 = f64s(nPix * NL), o64x2 = f64s(nPix * NL), o32 = f32s(nPix * NL), o32x4 = f32s(nPix * NL);
    captureFractionsF64(r, nPix, NL, DELTA, 0.0, o64);
    captureFractionsF64x2(r, nPix, NL, DELTA, 0.0, o64x2);
    captureFractionsF32(r, nPix, NL, DELTA, 0.0, o32);
    captureFractionsF32x4(r, nPix, NL, DELTA, 0.0, o32x4);
    for (let i = 0; i < nPix * NL; i++) {
      expect(reinterpret<u64>(at64(o64, i))).toBe(0);
      expect(reinterpret<u64>(at64(o64x2, i))).toBe(0);
      expect(reinterpret<u32>(at32(o32, i))).toBe(0);
      expect(reinterpret<u32>(at32(o32x4, i))).toBe(0);
    }
    expect(captureFractionF32(2, DELTA, 0.0, 0.8)).toBe(0);
  });
});

describe('normalisations (docs/c-behaviour/minimal-loop.md 4.4)', () => {
  it('default: all layers summed un-attenuated, times the last layer\'s fraction (T-11)', () => {
    // featureless crystal, N = 1, F = 100: n * F^2 * cf_{n-1} = 0.363 of the no-absorption image
    const perLayer: f64 = 100.0 * 100.0;
    const sumI = <f64>NL * perLayer;
    const S = normaliseLastValue(sumI, lastLayerCaptureF64(NL, DELTA, MU, 1.0));
    expect(S).toBe(sumI * captureFractionF64(NL - 1, DELTA, MU, 1.0));
    expect(Math.abs(S / perLayer - 0.3631945)).toBeLessThan(1e-6);
    expect(normaliseLastValue(sumI, lastLayerCaptureF64(1, 0.0, MU, 1.0))).toBe(sumI); // T = 0
  });
  it('-oversample_thick: the running SUM is multiplied after every addition (T-12)', () => {
    const terms = f64s(3), cfs = f64s(3);
    store<f64>(terms, 1.0); store<f64>(terms, 2.0, 8); store<f64>(terms, 3.0, 16);
    store<f64>(cfs, 0.5); store<f64>(cfs, 0.25, 8); store<f64>(cfs, 0.5, 16);
    // I = ((1*0.5 + 2)*0.25 + 3)*0.5 = 1.8125 = 1*.5*.25*.5 + 2*.25*.5 + 3*.5 (not sum term*cf = 3.0)
    expect(runningProductAccumulate(terms, cfs, 3)).toBe(1.8125);
    expect(runningProductAccumulate(terms, cfs, 0)).toBe(0.0);
    store<f64>(cfs, 0.0, 16); // T = 0 under -oversample_thick: cf = 0 zeroes the pixel (T-10)
    expect(runningProductAccumulate(terms, cfs, 3)).toBe(0.0);
  });
  it('running product with real fractions equals sum_j term_j prod_{m>=j} cf_m', () => {
    const n = NL * 4; // 4 subpixels per layer, one evaluation each
    const terms = f64s(n), cfs = f64s(n);
    for (let j = 0; j < n; j++) {
      store<f64>(terms + (<usize>j << 3), 10.0 + <f64>j);
      store<f64>(cfs + (<usize>j << 3), captureFractionF64(j / 4, DELTA, MU, 0.95 + 0.01 * <f64>(j % 4)));
    }
    let ref: f64 = 0;
    for (let j = 0; j < n; j++) {
      let prod: f64 = 1;
      for (let m = j; m < n; m++) prod *= at64(cfs, m);
      ref += at64(terms, j) * prod;
    }
    const got = runningProductAccumulate(terms, cfs, n);
    expect(Math.abs(got / ref - 1)).toBeLessThan(1e-14);
  });
});

describe('batched variants', () => {
  it('captureFractionsF64 equals captureFractionF64 bit for bit (out[p*n + t])', () => {
    const nPix = 37, n = 6;
    const r = rhos(nPix), o = f64s(nPix * n);
    captureFractionsF64(r, nPix, n, DELTA, MU, o);
    for (let p = 0; p < nPix; p++) for (let t = 0; t < n; t++) {
      expect(at64(o, p * n + t)).toBe(captureFractionF64(t, DELTA, MU, at64(r, p)));
    }
  });
  it('captureFractionsF64x2 is the same expression with expF64 (bit-identical to its scalar twin, <= 4 ulp of F64)', () => {
    const nPix = 1001, n = 5;
    const r = rhos(nPix), o = f64s(nPix * n), ref = f64s(nPix * n);
    captureFractionsF64x2(r, nPix, n, DELTA, MU, o);
    captureFractionsF64(r, nPix, n, DELTA, MU, ref);
    let bad = 0;
    let worst: f64 = 0;
    for (let p = 0; p < nPix; p++) for (let t = 0; t < n; t++) {
      const rho = at64(r, p);
      const twin = expF64(((<f64>(-t)) * DELTA) * MU / rho) - expF64(((<f64>(-(t + 1))) * DELTA) * MU / rho);
      if (at64(o, p * n + t) != twin) bad++;
      // each exp within 1 ulp of Math.exp: |diff| <= 2 ulp(exp(-t x)) = 2 * 2^-52 * exp(-t x)
      const scale = Math.exp(-<f64>t * DELTA * MU / rho) * 2.220446049250313e-16;
      worst = Math.max(worst, Math.abs(at64(o, p * n + t) - at64(ref, p * n + t)) / scale);
    }
    expect(bad).toBe(0);
    log<string>('F64x2 vs F64, max |diff| in ulp of exp(-t x): ' + worst.toString());
    expect(worst).toBeLessThanOrEqual(2.0);
  });
  it('captureFractionsF32x4 is bit-identical to captureFractionsF32 and captureFractionF32 (tails, 1..10 layers)', () => {
    // nPix up to 19: the 8-pixel loop, the 4-pixel loop and the scalar tail; layers: contiguous stores (< 4),
    // 4-blocks, pairs and single columns
    for (let n = 1; n <= 10; n++) {
      for (let nPix = 0; nPix <= 19; nPix++) {
        const r = rhos(nPix), a = f32s(nPix * n), b = f32s(nPix * n);
        captureFractionsF32(r, nPix, n, DELTA, MU, a);
        captureFractionsF32x4(r, nPix, n, DELTA, MU, b);
        for (let i = 0; i < nPix * n; i++) {
          expect(bitsEq(at32(a, i), at32(b, i))).toBe(true);
          expect(bitsEq(at32(a, i), captureFractionF32(i % n, DELTA, MU, at64(r, i / n)))).toBe(true);
        }
      }
    }
  });
  it('the f32 path agrees with f64 to 2.5e-7 (1 + (t+1) x) relative (expm1 form, no cancellation)', () => {
    // bound: exp <= 1 ulp, expm1 <= 1.6 ulp, product 0.5 ulp (3 ulp <= 3 * 2^-23 ~ 3.6e-7 worst case, 1.8e-7 typical)
    // plus the rounding of t*x and x to f32 (2^-24 relative each, amplified by t*x resp. ~x).
    let worst: f64 = 0;
    let worstScaled: f64 = 0;
    const nPix = 2000, n = 8;
    const r = rhos(nPix), o32 = f32s(nPix * n), o64 = f64s(nPix * n);
    for (let k = 0; k < 12; k++) {
      const mu = MU * Math.pow(10, -3 + 0.5 * <f64>k); // delta*mu from 3.5e-4 to 111
      captureFractionsF32x4(r, nPix, n, DELTA, mu, o32);
      captureFractionsF64(r, nPix, n, DELTA, mu, o64);
      for (let p = 0; p < nPix; p++) for (let t = 0; t < n; t++) {
        const ref = at64(o64, p * n + t);
        if (ref < 1e-30) continue; // f32 underflow region, irrelevant
        const x = DELTA * mu / at64(r, p);
        const rel = Math.abs(<f64>at32(o32, p * n + t) / ref - 1);
        worst = Math.max(worst, rel);
        worstScaled = Math.max(worstScaled, rel / (1.0 + <f64>(t + 1) * x));
      }
    }
    log<string>('f32 vs f64 capture fraction: max relative ' + worst.toString() + ', max relative / (1 + (t+1) x) ' + worstScaled.toString());
    expect(worstScaled).toBeLessThanOrEqual(2.5e-7);
  });
  it('with the 7.3 geometry the f32 fractions are within 3e-7 relative of the f64 ones', () => {
    const nPix = 64;
    const r = rhos(nPix), o32 = f32s(nPix * NL), o64 = f64s(nPix * NL);
    captureFractionsF32x4(r, nPix, NL, DELTA, MU, o32);
    captureFractionsF64(r, nPix, NL, DELTA, MU, o64);
    for (let i = 0; i < nPix * NL; i++) {
      expect(Math.abs(<f64>at32(o32, i) / at64(o64, i) - 1)).toBeLessThan(3e-7);
    }
  });
});
