// Summary statistics of timing samples (seconds). Pure; no platform APIs.

export interface SampleStats {
  n: number;
  min: number;
  median: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); 0 for a single sample. */
  stddev: number;
  max: number;
}

export function summarize(samples: readonly number[]): SampleStats {
  const n = samples.length;
  if (n === 0) throw new Error('no samples to summarize');
  for (const s of samples) if (!Number.isFinite(s)) throw new Error(`non-finite sample ${s}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = n >> 1;
  const median = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  let sum = 0;
  for (const s of samples) sum += s;
  const mean = sum / n;
  let ss = 0;
  for (const s of samples) ss += (s - mean) ** 2;
  const stddev = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { n, min: sorted[0], median, mean, stddev, max: sorted[n - 1] };
}

/**
 * Least-squares line y = intercept + slope * x; used for the marginal cost of one more absorption layer.
 * Null when the x values do not span a range.
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } | null {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
