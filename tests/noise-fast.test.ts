// The counter-based Poisson generator (physics/poisson-fast.ts) used by the f32, wasm-threads and webgpu
// paths: statistical exactness against Poisson theory, and independence from evaluation order.
//
// Confidence: every moment check is a z-test at |z| < 5 (two-sided false-alarm probability 5.7e-7 per check,
// ~1e-5 for the whole file), the shape checks are chi-square tests against the Poisson pmf with the critical
// value at p = 1e-6 (Wilson-Hilferty approximation). The seeds are fixed, so the outcome is deterministic.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { poissonFast, counterUniform, logFactorial } from '../src/physics/poisson-fast.ts';
import { noiseImageFast } from '../src/physics/noise-image.ts';

const N = 200_000;

function sample(mean: number, seed: number, n = N): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = poissonFast(mean, seed, i);
  return out;
}

function moments(x: Float64Array): { m: number; v: number } {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  let q = 0;
  for (const v of x) q += (v - m) ** 2;
  return { m, v: q / (x.length - 1) };
}

/** chi-square critical value for `df` degrees of freedom at upper-tail p = 1e-6 (z = 4.753). */
function chi2Crit(df: number): number {
  const z = 4.753;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

for (const mean of [0.05, 1, 3.7, 9.99, 10, 12, 50, 700, 1e4, 1.5e6, 3e7]) {
  test(`fast Poisson mean ${mean}: mean and variance within 5 sigma of theory`, () => {
    const x = sample(mean, 12345 + Math.round(mean));
    const { m, v } = moments(x);
    // sd of the sample mean: sqrt(mean/N); of the sample variance: sqrt((mu4 - s^4)/N) with mu4 = 3m^2 + m
    const zMean = (m - mean) / Math.sqrt(mean / N);
    const zVar = (v - mean) / Math.sqrt((3 * mean * mean + mean - mean * mean) / N);
    assert.ok(Math.abs(zMean) < 5, `mean ${m} vs ${mean}: z = ${zMean}`);
    assert.ok(Math.abs(zVar) < 5, `variance ${v} vs ${mean}: z = ${zVar}`);
    for (const k of x) assert.ok(Number.isInteger(k) && k >= 0);
  });
}

for (const mean of [3.7, 10, 40, 1000]) {
  test(`fast Poisson mean ${mean}: histogram matches the Poisson pmf (chi-square, p = 1e-6)`, () => {
    const x = sample(mean, 777);
    const counts = new Map<number, number>();
    for (const k of x) counts.set(k, (counts.get(k) ?? 0) + 1);
    // bins with expected >= 20; the tails pooled into two bins
    const pmf = (k: number) => Math.exp(-mean + k * Math.log(mean) - logFactorial(k));
    const lo = Math.max(0, Math.floor(mean - 6 * Math.sqrt(mean)));
    const hi = Math.ceil(mean + 6 * Math.sqrt(mean));
    const bins: { e: number; o: number }[] = [];
    let cur = { e: 0, o: 0 };
    let below = { e: 0, o: 0 };
    for (let k = 0; k < lo; k++) (below.e += N * pmf(k)), (below.o += counts.get(k) ?? 0);
    if (below.e > 0) cur = below;
    for (let k = lo; k <= hi; k++) {
      cur.e += N * pmf(k);
      cur.o += counts.get(k) ?? 0;
      if (cur.e >= 20) bins.push(cur), (cur = { e: 0, o: 0 });
    }
    let tailO = 0;
    for (const [k, c] of counts) if (k > hi) tailO += c;
    const seen = bins.reduce((s, b) => s + b.e, 0) + cur.e;
    cur.e += N - seen;
    cur.o += tailO;
    bins.push(cur);
    let chi2 = 0;
    for (const b of bins) chi2 += (b.o - b.e) ** 2 / b.e;
    const df = bins.length - 1;
    assert.ok(chi2 < chi2Crit(df), `chi2 ${chi2.toFixed(1)} with ${df} df (critical ${chi2Crit(df).toFixed(1)})`);
  });
}

test('counter uniforms: in (0, 1), mean 1/2, variance 1/12, lag-1 correlation ~0 (5 sigma)', () => {
  let s = 0, q = 0, c = 0, prev = counterUniform(1, 0, 0);
  for (let i = 0; i < N; i++) {
    const u = counterUniform(1, i, 0);
    assert.ok(u > 0 && u < 1);
    s += u;
    q += (u - 0.5) ** 2;
    c += (u - 0.5) * (prev - 0.5);
    prev = u;
  }
  assert.ok(Math.abs(s / N - 0.5) / Math.sqrt(1 / 12 / N) < 5);
  assert.ok(Math.abs(q / N - 1 / 12) / Math.sqrt(1 / 180 / N) < 5);
  assert.ok(Math.abs(c / N) / Math.sqrt(1 / 144 / N) < 5);
});

test('fast noise image: independent of evaluation order (any thread split) and of the ROI around a pixel', () => {
  const w = 37, h = 23;
  const img = new Float32Array(w * h).map((_, i) => (i % 50) * 3.3);
  const full = noiseImageFast(img, w, h, { seed: -42, adc: 40 });
  // any partition into row blocks (what a worker split computes) gives the same pixels
  for (const rows of [1, 5, 23]) {
    for (let y0 = 0; y0 < h; y0 += rows) {
      const part = noiseImageFast(img, w, h, { seed: -42, adc: 40, roi: { xmin: 0, xmax: w, ymin: y0, ymax: Math.min(h - 1, y0 + rows - 1) } });
      for (let i = y0 * w; i < Math.min(h, y0 + rows) * w; i++) assert.is(part.pixels[i], full.pixels[i]);
    }
  }
  // different seeds give different images; same seed, same image
  assert.equal(noiseImageFast(img, w, h, { seed: -42, adc: 40 }).pixels, full.pixels);
  assert.not.equal(noiseImageFast(img, w, h, { seed: -43, adc: 40 }).pixels, full.pixels);
});

test('fast Poisson: non-positive means give 0, NaN gives NaN', () => {
  assert.is(poissonFast(0, 1, 1), 0);
  assert.is(poissonFast(-3, 1, 1), 0);
  assert.ok(Number.isNaN(poissonFast(NaN, 1, 1)));
});

test.run();
