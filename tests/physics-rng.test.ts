// C's ran1 (src/physics/rng.ts): the sequences of docs/c-behaviour/rng.md, measured on the C binary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ran1Table, seedFromFlag } from '../src/physics/rng.ts';

const draws = (table: Ran1Table, seed: { idum: number }, n: number) => Array.from({ length: n }, () => table.next(seed));

test('the default mosaic seed -12345678: the first nine draws and the seed afterwards', () => {
  const seed = { idum: -12345678 };
  assert.equal(draws(new Ran1Table(), seed, 9), [
    0.76598930358886719, 0.023453664034605026, 0.58972662687301636, 0.53510159254074097, 0.98223143815994263,
    0.69301611185073853, 0.32814687490463257, 0.29564169049263, 0.84991788864135742,
  ]);
  assert.is(seed.idum, 938582049);
});

test('seeds -1, 0 and +5 on a fresh table give the same stream', () => {
  const want = draws(new Ran1Table(), { idum: -1 }, 5);
  assert.equal(want.map((x) => x.toPrecision(8)), ['0.41599935', '0.091964893', '0.75641048', '0.52970022', '0.93043649']);
  assert.equal(draws(new Ran1Table(), { idum: 0 }, 5), want);
  assert.equal(draws(new Ran1Table(), { idum: 5 }, 5), want);
});

test('a positive seed continues the shared table; a negative one re-initialises it', () => {
  const table = new Ran1Table();
  draws(table, { idum: -12345678 }, 3);
  const cont = draws(table, { idum: 5 }, 3);
  assert.not.equal(cont, draws(new Ran1Table(), { idum: 5 }, 3));
  const reinit = draws(table, { idum: -7 }, 3);
  assert.equal(reinit, draws(new Ran1Table(), { idum: -7 }, 3));
});

test('every draw is a float32 in (0, 1)', () => {
  const table = new Ran1Table();
  const seed = { idum: -424242 };
  for (let i = 0; i < 20000; i++) {
    const r = table.next(seed);
    assert.ok(r > 0 && r < 1 && Math.fround(r) === r, `draw ${i} = ${r}`);
  }
});

test('seed 2147483647 gives an all-zero table: the first draw is 0, the next re-initialises with idum 1', () => {
  const table = new Ran1Table();
  const seed = { idum: -2147483647 };
  assert.is(table.next(seed), 0);
  assert.is(table.next(seed), new Ran1Table().next({ idum: 1 }));
});

test("seeds are stored as C's -atoi (32-bit wrap)", () => {
  assert.is(seedFromFlag(7), -7);
  assert.is(seedFromFlag(-5), 5);
  assert.is(seedFromFlag(0), 0);
  assert.is(seedFromFlag(3000000000), 1294967296);
});

test.run();
