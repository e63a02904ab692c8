// A counter-based Poisson generator for the f32, wasm-threads and webgpu paths (docs/c-behaviour/noise.md,
// "fast generator"). Every pixel's deviates come from a hash of (seed, pixel index, draw number), so the
// image is the same whatever order or thread count computes it. Statistically exact Poisson (inversion below
// mean 10, Hörmann's PTRS transformed rejection above, at every mean, including C's Gaussian range), but NOT
// C's stream: C's image is reproduced only by poisson-c.ts on the f64 path.

/** murmur3's 32-bit finaliser: a bijection with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_M32 = 2 ** -32;
const TWO_M53 = 2 ** -53;

/** The k-th uniform in (0, 1) of pixel `pixel` under `seed` (53 random bits from two hashes). */
export function counterUniform(seed: number, pixel: number, k: number): number {
  const s0 = seed >>> 0;
  const s1 = Math.floor(seed / 4294967296) >>> 0;
  const base = fmix32(fmix32(s0 ^ 0x3c6ef372) ^ Math.imul(pixel >>> 0, 0x9e3779b1) ^ fmix32(s1 + 0x6a09e667));
  const p1 = Math.floor(pixel / 4294967296) >>> 0;
  const a = fmix32(base ^ Math.imul(2 * k + 1, 0x27d4eb2f) ^ p1);
  const b = fmix32(a ^ Math.imul(2 * k + 2, 0x165667b1));
  // 53 bits: 32 from a, 21 from b
  return ((a * 2097152 + (b >>> 11)) + 0.5) * TWO_M53;
}

const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(16);
  for (let i = 1; i < 16; i++) t[i] = t[i - 1] + Math.log(i);
  return t;
})();

/** ln(k!) (exact table below 16, Stirling series with 4 terms above: error < 1e-15 relative). */
export function logFactorial(k: number): number {
  if (k < 16) return LOG_FACT_TABLE[k];
  const x = k + 1;
  const ix2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / 12 - ix2 * (1 / 360 - ix2 * (1 / 1260 - ix2 / 1680))) / x;
}

/** A Poisson(mean) deviate for pixel `pixel` under `seed`. Non-positive means give 0, NaN gives NaN. */
export function poissonFast(mean: number, seed: number, pixel: number): number {
  if (mean !== mean) return NaN;
  if (!(mean > 0)) return 0;
  let k = 0;
  if (mean < 10) {
    // inversion by sequential search on one uniform
    const u = counterUniform(seed, pixel, 0);
    let p = Math.exp(-mean);
    let cdf = p;
    while (u > cdf) {
      k++;
      p *= mean / k;
      cdf += p;
      if (p === 0 && cdf < u) break; // round-off tail: u beyond the representable cdf
    }
    return k;
  }
  // PTRS (W. Hörmann, "The transformed rejection method for generating Poisson random variables", 1993)
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (let draw = 0; ; draw += 2) {
    const U = counterUniform(seed, pixel, draw) - 0.5;
    const V = counterUniform(seed, pixel, draw + 1);
    const us = 0.5 - Math.abs(U);
    k = Math.floor(((2 * a) / us + b) * U + mean + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) return k;
  }
}
