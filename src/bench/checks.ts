// Correctness checks run on benchmark outputs after the timing (a wrong output fails the measurement).

/** Problems of a simulated image: non-finite, negative or all-zero pixels. */
export function imageProblems(image: Float32Array): string[] {
  let bad = -1;
  let negative = -1;
  let nonZero = 0;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (!Number.isFinite(v)) {
      if (bad < 0) bad = i;
    } else if (v < 0) {
      if (negative < 0) negative = i;
    } else if (v > 0) nonZero++;
  }
  const out: string[] = [];
  if (bad >= 0) out.push(`non-finite pixel at index ${bad} (${image[bad]})`);
  if (negative >= 0) out.push(`negative pixel at index ${negative} (${image[negative]})`);
  if (image.length === 0) out.push('empty image');
  else if (nonZero === 0) out.push('image is all zero');
  return out;
}

/** Index of the first element whose bits differ (-1 when identical); lengths must match. */
export function firstBitDifference(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  if (a.length !== b.length || a.constructor !== b.constructor) return 0;
  const wa = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const wb = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

/** Every run of a deterministic workload must give the cold run's bits; names the first repeat that does not. */
export function repeatProblems(cold: Float32Array | Float64Array, warm: (Float32Array | Float64Array)[], what: string): string[] {
  for (let r = 0; r < warm.length; r++) {
    const d = firstBitDifference(cold, warm[r]);
    if (d >= 0) return [`${what} of warm run ${r + 1} differs from the cold run at index ${d} (${warm[r][d]} vs ${cold[d]})`];
  }
  return [];
}

/** max |x - ref| / max |ref|, and the index of the worst element. */
export function maxRelativeToPeak(x: ArrayLike<number>, ref: ArrayLike<number>): { error: number; index: number } {
  let peak = 0;
  for (let i = 0; i < ref.length; i++) peak = Math.max(peak, Math.abs(ref[i]));
  let worst = 0;
  let index = -1;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(x[i] - ref[i]);
    if (Number.isNaN(d)) return { error: NaN, index: i };
    if (d > worst) {
      worst = d;
      index = i;
    }
  }
  return { error: peak > 0 ? worst / peak : worst, index };
}

/** Distinct texts with their number of occurrences, in first-seen order. */
export function countWarnings(texts: readonly string[]): { text: string; count: number }[] {
  const m = new Map<string, number>();
  for (const t of texts) m.set(t, (m.get(t) ?? 0) + 1);
  return [...m].map(([text, count]) => ({ text, count }));
}
