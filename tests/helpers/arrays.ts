// Equality of large numeric arrays with a short failure message. uvu's assert.equal diffs its operands for the
// report, which takes minutes (seen: over 60 s for two Float32Array(65536) differing in every third element), so
// a failing image comparison would look like a hang instead of a failure.
import * as assert from 'uvu/assert';

/**
 * Asserts that `actual` and `expected` hold the same values bit for bit (typed arrays: the same bit patterns;
 * other arrays: Object.is per element), naming the number of differing elements and the first few.
 */
export function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'values'): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const bits = (v: ArrayLike<number>) => (v instanceof Float32Array ? new Uint32Array(v.buffer, v.byteOffset, v.length)
    : v instanceof Float64Array ? new BigUint64Array(v.buffer, v.byteOffset, v.length) : null);
  const a = bits(actual), b = bits(expected);
  const differs = a && b && a.constructor === b.constructor ? (i: number) => a[i] !== b[i] : (i: number) => !Object.is(actual[i], expected[i]);
  const first: number[] = [];
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (differs(i)) {
      if (first.length < 3) first.push(i);
      count++;
    }
  }
  if (count) {
    const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
    const shown = first.map((i) => `[${i}] ${show(actual[i])} vs ${show(expected[i])}`).join(', ');
    assert.unreachable(`${what}: ${count} of ${actual.length} elements differ (${shown}${count > 3 ? ', ...' : ''})`);
  }
}
