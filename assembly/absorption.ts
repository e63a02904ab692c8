// Detector absorption: the fraction of photons captured by each thickness layer (docs/c-behaviour/minimal-loop.md 4.3) and
// the two ways nanoBragg folds it into a pixel (docs/c-behaviour/minimal-loop.md 4.4, traps T-10, T-11, T-12).
//
// Layer t of n spans depths [t*delta, (t+1)*delta] along the detector normal; a ray with parallax
// rho = d.o (cosine between the diffracted direction and the normal, taken as is: no abs, no clamp)
// crosses it after a path of t*delta/rho, so with attenuation coefficient mu (1/m)
//     cf_t = exp(-t*delta*mu/rho) - exp(-(t+1)*delta*mu/rho),   sum_t cf_t = 1 - exp(-n*delta*mu/rho).
//
// Variants (all batched ones write out[p*nLayers + t] for pixel p, layer t; rho is always f64[]):
//   F64    C's exact expression and operation order with Math.exp: the f64 parity path.
//   F64x2  the same expression, two pixels per vector, exp by fdlibm's algorithm (expF64x2, < 1 ulp;
//          may differ from Math.exp by 1 ulp, so not bit-identical to F64).
//   F32    docs/precision.md fix 3: cf_t = exp(-t x) * (-expm1(-x)), x = (delta*mu)/rho in f64, each
//          exponent rounded once to f32, exp/expm1 from ./mathx_simd (no cancellation: relative error
//          <= 2.5e-7 (1 + (t+1) x) instead of the ~1e-6 of an f32 difference of exps). out is f32[].
//   F32x4  the F32 variant, four pixels per vector: bit-identical to F32.
// In the scalar build the SIMD-named exports run their scalar twins (same results bit for bit).
// Nothing here allocates: pointers are raw byte offsets into linear memory owned by the host.

import { expF32, expm1F32, expF64, expF32x4, expm1F32x4, expF64x2, demote2x2 } from './mathx_simd';

// ---------------------------------------------------------------------------------------------------
// Single fractions

/**
 * Capture fraction of layer t, exactly as nanoBragg evaluates it (M:2717-2724):
 * `exp(((-t)*delta)*mu/rho) - exp(((-(t+1))*delta)*mu/rho)`; -t is negated as an int, then converted.
 */
export function captureFractionF64(t: i32, delta: f64, mu: f64, rho: f64): f64 {
  return Math.exp(((<f64>(-t)) * delta) * mu / rho) - Math.exp(((<f64>(-(t + 1))) * delta) * mu / rho);
}

/**
 * Capture fraction of layer t on the f32 path (docs/precision.md fix 3): with x = (delta*mu)/rho in f64,
 * cf = expF32(f32(-t*x)) * -expm1F32(f32(-x)) (t = 0: exactly -expm1F32(f32(-x))). Relative error
 * against the f64 fraction <= 2.5e-7 * (1 + (t+1) x) (asserted in the spec, measured 1.7e-7; the
 * (t+1) x part is the rounding of the exponents to f32): no catastrophic cancellation for thin layers
 * or weak absorption, where the f32 difference of exps loses everything.
 * Takes the same arguments as captureFractionF64 so the two are interchangeable.
 */
export function captureFractionF32(t: i32, delta: f64, mu: f64, rho: f64): f32 {
  const x = (delta * mu) / rho;
  return captureFromDepthF32(t, x, -expm1F32(<f32>(-x)));
}

/** exp(f32(-t x)) * m, m = -expm1(f32(-x)) precomputed per pixel; t = 0 gives m exactly (exp(0) = 1). */
// @ts-ignore: decorator
@inline function captureFromDepthF32(t: i32, x: f64, m: f32): f32 {
  return t == 0 ? m : expF32(<f32>(<f64>(-t) * x)) * m;
}

// ---------------------------------------------------------------------------------------------------
// Batched over pixels x layers

/**
 * out[p*nLayers + t] = captureFractionF64(t, delta, mu, rho[p]) for p < nPix, t < nLayers, bit for bit.
 * The second exponential of layer t is the same expression as the first of layer t+1, so each is
 * evaluated once (n + 1 exps per pixel, exp(+-0) = 1 for t = 0).
 * rho: f64[nPix], out: f64[nPix*nLayers].
 */
export function captureFractionsF64(rho: usize, nPix: i32, nLayers: i32, delta: f64, mu: f64, out: usize): void {
  for (let p = 0; p < nPix; p++) {
    const r = load<f64>(rho + (<usize>p << 3));
    const row = out + (<usize>p * <usize>nLayers << 3);
    let prev: f64 = 1.0;
    for (let t = 0; t < nLayers; t++) {
      const next = Math.exp(((<f64>(-(t + 1))) * delta) * mu / r);
      store<f64>(row + (<usize>t << 3), prev - next);
      prev = next;
    }
  }
}

/**
 * The F64 expression with expF64 / expF64x2 instead of Math.exp, two pixels per vector.
 * Within 1 ulp per exponential of captureFractionsF64 (not bit-identical). Same layout as F64.
 */
export function captureFractionsF64x2(rho: usize, nPix: i32, nLayers: i32, delta: f64, mu: f64, out: usize): void {
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    const stride = <usize>nLayers << 3;
    for (; p + 2 <= nPix; p += 2) {
      const r = v128.load(rho + (<usize>p << 3));
      const row = out + <usize>p * stride;
      let prev = f64x2.splat(1.0);
      for (let t = 0; t < nLayers; t++) {
        const num = ((<f64>(-(t + 1))) * delta) * mu; // ((-(t+1))*delta)*mu, then / rho as in C
        const next = expF64x2(f64x2.div(f64x2.splat(num), r));
        const cf = f64x2.sub(prev, next);
        const at = row + (<usize>t << 3);
        v128.store64_lane(at, cf, 0);
        v128.store64_lane(at + stride, cf, 1);
        prev = next;
      }
    }
  }
  for (; p < nPix; p++) {
    const r = load<f64>(rho + (<usize>p << 3));
    const row = out + (<usize>p * <usize>nLayers << 3);
    let prev: f64 = 1.0;
    for (let t = 0; t < nLayers; t++) {
      const next = expF64(((<f64>(-(t + 1))) * delta) * mu / r);
      store<f64>(row + (<usize>t << 3), prev - next);
      prev = next;
    }
  }
}

/**
 * out[p*nLayers + t] = captureFractionF32(t, delta, mu, rho[p]) (f32 out), scalar loop.
 * rho: f64[nPix], out: f32[nPix*nLayers].
 */
export function captureFractionsF32(rho: usize, nPix: i32, nLayers: i32, delta: f64, mu: f64, out: usize): void {
  captureFractionsF32From(0, rho, nPix, nLayers, delta * mu, out);
}

// @ts-ignore: decorator
@inline function captureFractionsF32From(p0: i32, rho: usize, nPix: i32, nLayers: i32, dm: f64, out: usize): void {
  for (let p = p0; p < nPix; p++) {
    const x = dm / load<f64>(rho + (<usize>p << 3));
    const m = -expm1F32(<f32>(-x));
    const row = out + (<usize>p * <usize>nLayers << 2);
    for (let t = 0; t < nLayers; t++) {
      store<f32>(row + (<usize>t << 2), captureFromDepthF32(t, x, m));
    }
  }
}

/**
 * captureFractionsF32 with four pixels per vector (expF32x4, expm1F32x4): bit-identical to it.
 * In the scalar build it is captureFractionsF32.
 */
export function captureFractionsF32x4(rho: usize, nPix: i32, nLayers: i32, delta: f64, mu: f64, out: usize): void {
  const dm = delta * mu;
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    const stride = <usize>nLayers << 2;
    const dmv = f64x2.splat(dm);
    // eight pixels per iteration: two independent exp chains keep the vector units busy
    for (; p + 8 <= nPix; p += 8) {
      const src = rho + (<usize>p << 3);
      const xLo = f64x2.div(dmv, v128.load(src));
      const xHi = f64x2.div(dmv, v128.load(src, 16));
      const yLo = f64x2.div(dmv, v128.load(src, 32));
      const yHi = f64x2.div(dmv, v128.load(src, 48));
      const m = f32x4.neg(expm1F32x4(demote2x2(f64x2.neg(xLo), f64x2.neg(xHi))));
      const n = f32x4.neg(expm1F32x4(demote2x2(f64x2.neg(yLo), f64x2.neg(yHi))));
      const rowA = out + <usize>p * stride;
      const rowB = rowA + 4 * stride;
      if (nLayers < 4) {
        storeFewLayers(rowA, nLayers, xLo, xHi, m);
        storeFewLayers(rowB, nLayers, yLo, yHi, n);
        continue;
      }
      // the first four layers with their constants folded (most sensors have a few layers)
      storeBlock4(rowA, stride, m, layerF32x4(1, xLo, xHi, m), layerF32x4(2, xLo, xHi, m), layerF32x4(3, xLo, xHi, m));
      storeBlock4(rowB, stride, n, layerF32x4(1, yLo, yHi, n), layerF32x4(2, yLo, yHi, n), layerF32x4(3, yLo, yHi, n));
      let t = 4;
      for (; t + 4 <= nLayers; t += 4) {
        const a0 = layerF32x4(t, xLo, xHi, m), b0 = layerF32x4(t, yLo, yHi, n);
        const a1 = layerF32x4(t + 1, xLo, xHi, m), b1 = layerF32x4(t + 1, yLo, yHi, n);
        const a2 = layerF32x4(t + 2, xLo, xHi, m), b2 = layerF32x4(t + 2, yLo, yHi, n);
        const a3 = layerF32x4(t + 3, xLo, xHi, m), b3 = layerF32x4(t + 3, yLo, yHi, n);
        storeBlock4(rowA + (<usize>t << 2), stride, a0, a1, a2, a3);
        storeBlock4(rowB + (<usize>t << 2), stride, b0, b1, b2, b3);
      }
      if (t + 2 <= nLayers) {
        storePairs(rowA + (<usize>t << 2), stride, layerF32x4(t, xLo, xHi, m), layerF32x4(t + 1, xLo, xHi, m));
        storePairs(rowB + (<usize>t << 2), stride, layerF32x4(t, yLo, yHi, n), layerF32x4(t + 1, yLo, yHi, n));
        t += 2;
      }
      if (t < nLayers) {
        storeColumn(rowA + (<usize>t << 2), stride, layerF32x4(t, xLo, xHi, m));
        storeColumn(rowB + (<usize>t << 2), stride, layerF32x4(t, yLo, yHi, n));
      }
    }
    for (; p + 4 <= nPix; p += 4) {
      const src = rho + (<usize>p << 3);
      const xLo = f64x2.div(dmv, v128.load(src));
      const xHi = f64x2.div(dmv, v128.load(src, 16));
      const m = f32x4.neg(expm1F32x4(demote2x2(f64x2.neg(xLo), f64x2.neg(xHi))));
      const row = out + <usize>p * stride;
      if (nLayers < 4) {
        storeFewLayers(row, nLayers, xLo, xHi, m);
        continue;
      }
      let t = 0;
      // layers in blocks of 4: a 4x4 transpose turns (layer -> 4 pixels) vectors into each pixel's
      // 4 consecutive values, stored with one v128.store per pixel instead of 4 lane stores
      for (; t + 4 <= nLayers; t += 4) {
        storeBlock4(row + (<usize>t << 2), stride, layerF32x4(t, xLo, xHi, m), layerF32x4(t + 1, xLo, xHi, m),
          layerF32x4(t + 2, xLo, xHi, m), layerF32x4(t + 3, xLo, xHi, m));
      }
      if (t + 2 <= nLayers) {
        storePairs(row + (<usize>t << 2), stride, layerF32x4(t, xLo, xHi, m), layerF32x4(t + 1, xLo, xHi, m));
        t += 2;
      }
      if (t < nLayers) storeColumn(row + (<usize>t << 2), stride, layerF32x4(t, xLo, xHi, m));
    }
  }
  captureFractionsF32From(p, rho, nPix, nLayers, dm, out);
}

/** Four layers (c0..c3) of four pixels, transposed so that each pixel's four values go out in one store. */
// @ts-ignore: decorator
@inline function storeBlock4(at: usize, stride: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const u0 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
  const u1 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
  const u2 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
  const u3 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
  v128.store(at, v128.shuffle<f32>(u0, u2, 0, 1, 4, 5));
  v128.store(at + stride, v128.shuffle<f32>(u0, u2, 2, 3, 6, 7));
  v128.store(at + 2 * stride, v128.shuffle<f32>(u1, u3, 0, 1, 4, 5));
  v128.store(at + 3 * stride, v128.shuffle<f32>(u1, u3, 2, 3, 6, 7));
}

/**
 * All layers of four pixels when there are fewer than four: their 4 * nLayers values are contiguous, so they go
 * out in nLayers full stores (shuffled into pixel order) instead of 4 * nLayers lane stores.
 */
// @ts-ignore: decorator
@inline function storeFewLayers(at: usize, nLayers: i32, xLo: v128, xHi: v128, m: v128): void {
  if (nLayers == 1) {
    v128.store(at, m);
    return;
  }
  const c1 = layerF32x4(1, xLo, xHi, m);
  if (nLayers == 2) {
    v128.store(at, v128.shuffle<f32>(m, c1, 0, 4, 1, 5));
    v128.store(at, v128.shuffle<f32>(m, c1, 2, 6, 3, 7), 16);
    return;
  }
  const c2 = layerF32x4(2, xLo, xHi, m);
  // p0: t0 t1 t2 | p1: t0 t1 t2 | p2: ... as lanes (pixel, layer) = (0,0)(0,1)(0,2)(1,0) (1,1)(1,2)(2,0)(2,1) (2,2)(3,0)(3,1)(3,2)
  const a = v128.shuffle<f32>(m, c1, 0, 4, 1, 5);
  v128.store(at, v128.shuffle<f32>(a, c2, 0, 1, 4, 2));
  const b = v128.shuffle<f32>(c1, c2, 1, 5, 2, 6);
  v128.store(at, v128.shuffle<f32>(b, m, 0, 1, 6, 2), 16);
  const d = v128.shuffle<f32>(m, c1, 3, 7, 3, 7);
  v128.store(at, v128.shuffle<f32>(c2, d, 2, 4, 5, 3), 32);
}

/** Two consecutive layers (c0, c1) of four pixels: each pixel's pair in one 64-bit store. */
// @ts-ignore: decorator
@inline function storePairs(at: usize, stride: usize, c0: v128, c1: v128): void {
  const lo = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
  const hi = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
  v128.store64_lane(at, lo, 0);
  v128.store64_lane(at + stride, lo, 1);
  v128.store64_lane(at + 2 * stride, hi, 0);
  v128.store64_lane(at + 3 * stride, hi, 1);
}

/** Layer t of four pixels (x in two f64x2): m for t = 0, else expF32x4(f32(-t x)) * m; lanes equal captureFromDepthF32. */
// @ts-ignore: decorator
@inline function layerF32x4(t: i32, xLo: v128, xHi: v128, m: v128): v128 {
  if (t == 0) return m;
  const mt = f64x2.splat(<f64>(-t));
  return f32x4.mul(expF32x4(demote2x2(f64x2.mul(mt, xLo), f64x2.mul(mt, xHi))), m);
}

/** Lane i of v to at + i*stride (four pixels' values for one layer). */
// @ts-ignore: decorator
@inline function storeColumn(at: usize, stride: usize, v: v128): void {
  v128.store32_lane(at, v, 0);
  v128.store32_lane(at + stride, v, 1);
  v128.store32_lane(at + 2 * stride, v, 2);
  v128.store32_lane(at + 3 * stride, v, 3);
}

// ---------------------------------------------------------------------------------------------------
// How the fraction enters the pixel (docs/c-behaviour/minimal-loop.md 4.4)

/**
 * The capture factor the default (no -oversample_thick) pixel is multiplied by: the fraction of the LAST
 * layer n-1, evaluated by C with the parallax of that layer's first subpixel (T-11). With no thickness
 * (T = 0, i.e. delta == 0 after resolveLayers' sanity rule, which also sets n = 1) C never evaluates the
 * exponentials and the factor is exactly 1 (T-10).
 */
export function lastLayerCaptureF64(nLayers: i32, delta: f64, mu: f64, rhoLast: f64): f64 {
  return delta == 0.0 ? 1.0 : captureFractionF64(nLayers - 1, delta, mu, rhoLast);
}

/**
 * Default normalisation (docs/c-behaviour/minimal-loop.md 4.4, T-11): the pixel's intensity summed over ALL layers without
 * attenuation, times the last layer's capture fraction. C order: S = r_e^2*fluence*I/steps, then
 * S *= capture (then polar, then omega), so pass the already scaled S as sumI for bit parity.
 */
export function normaliseLastValue(sumI: f64, captureLast: f64): f64 {
  return sumI * captureLast;
}

/**
 * `-oversample_thick` accumulation (docs/c-behaviour/minimal-loop.md 4.4 / 5.9, T-12), C's order: I = 0; for each evaluation j:
 * I += term_j; I *= cf_j (the running SUM is multiplied, so I = sum_j term_j * prod_{m >= j} cf_m).
 * terms, cfs: f64[n]. A C bug reproduced for parity; with T = 0 C's cf is exp(0)-exp(0) = 0 (T-10).
 */
export function runningProductAccumulate(terms: usize, cfs: usize, n: i32): f64 {
  let I: f64 = 0;
  for (let j = 0; j < n; j++) {
    I += load<f64>(terms + (<usize>j << 3));
    I *= load<f64>(cfs + (<usize>j << 3));
  }
  return I;
}
