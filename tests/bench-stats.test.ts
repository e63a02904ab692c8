// Statistics of timing samples on synthetic data with known answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitLine, summarize } from '../src/bench/stats.ts';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('odd count: median is the middle sample, whatever the order', () => {
  const s = summarize([5, 1, 3]);
  assert.is(s.n, 3);
  assert.is(s.min, 1);
  assert.is(s.max, 5);
  assert.is(s.median, 3);
  near(s.mean, 3);
  near(s.stddev, 2); // sample stddev: sqrt(((2^2 + 0 + 2^2) / 2))
});

test('even count: median averages the two middle samples', () => {
  const s = summarize([0.004, 0.001, 0.003, 0.002]);
  near(s.median, 0.0025);
  near(s.mean, 0.0025);
  near(s.stddev, Math.sqrt((0.0015 ** 2 * 2 + 0.0005 ** 2 * 2) / 3));
});

test('a single sample has zero spread; the input is not reordered', () => {
  const xs = [0.2];
  assert.equal(summarize(xs), { n: 1, min: 0.2, median: 0.2, mean: 0.2, stddev: 0, max: 0.2 });
  const ys = [3, 1, 2];
  summarize(ys);
  assert.equal(ys, [3, 1, 2]);
});

test('constant samples: stddev exactly 0', () => {
  assert.is(summarize([0.1, 0.1, 0.1, 0.1, 0.1]).stddev, 0);
});

test('an outlier moves the mean, not the median', () => {
  const s = summarize([1, 1, 1, 1, 100]);
  assert.is(s.median, 1);
  near(s.mean, 20.8);
});

test('no samples, or a non-finite one, is an error', () => {
  assert.throws(() => summarize([]), /no samples/);
  assert.throws(() => summarize([1, NaN]), /non-finite/);
  assert.throws(() => summarize([1, Infinity]), /non-finite/);
});

test('fitLine recovers slope and intercept (cost per absorption layer)', () => {
  const f = fitLine([2, 5, 10], [0.012, 0.03, 0.06])!;
  near(f.slope, 0.006);
  near(f.intercept, 0, 1e-12);
  assert.is(fitLine([5, 5], [1, 2]), null);
  assert.is(fitLine([5], [1]), null);
});

test.run();
