// Image agreement measures used by the parity tests and the benchmarks' result checks
// (docs/precision.md: max|diff|/max(reference), sum ratio, Pearson correlation).

export interface ImageComparison {
  /** max |ours - ref| / max(ref) */
  maxRelDiff: number;
  /** sum(ours) / sum(ref) */
  sumRatio: number;
  /** Pearson correlation coefficient */
  pearson: number;
  /** pixels whose float32 values differ at all */
  differing: number;
}

export function compareImages(ours: ArrayLike<number>, ref: ArrayLike<number>): ImageComparison {
  if (ours.length !== ref.length) throw new Error(`images differ in size: ${ours.length} vs ${ref.length} pixels`);
  const n = ref.length;
  let maxRef = 0, maxDiff = 0, sa = 0, sb = 0, differing = 0;
  for (let i = 0; i < n; i++) {
    const a = ours[i], b = ref[i];
    if (Math.abs(b) > maxRef) maxRef = Math.abs(b);
    const d = Math.abs(a - b);
    if (d > maxDiff || Number.isNaN(d)) maxDiff = Number.isNaN(d) ? Infinity : d;
    if (a !== b) differing++;
    sa += a;
    sb += b;
  }
  const ma = sa / n, mb = sb / n;
  let cab = 0, caa = 0, cbb = 0;
  for (let i = 0; i < n; i++) {
    const x = ours[i] - ma, y = ref[i] - mb;
    cab += x * y;
    caa += x * x;
    cbb += y * y;
  }
  const pearson = caa === 0 && cbb === 0 ? 1 : cab / Math.sqrt(caa * cbb);
  return { maxRelDiff: maxRef > 0 ? maxDiff / maxRef : maxDiff, sumRatio: sb !== 0 ? sa / sb : sa === 0 ? 1 : Infinity, pearson, differing };
}
