// src/physics/crystal.ts against values printed by an instrumented C build (docs/c-behaviour/crystal.md; the brief sections 4.2, 4.3,
// 10) and against C's set-up rules; the parsing of this area's flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { powfThird, mosaicRotationUmat, setupCrystal, readMatrixNumbers, type CrystalInput } from '../src/physics/crystal.ts';
import { Ran1Table } from '../src/physics/rng.ts';
import { parseSimArgs } from '../src/simulator/args.ts';
import { setupSimulation } from '../src/simulator/setup.ts';

const RTD = 180.0 * (1 / Math.PI);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]);
const fromBits = (b: number) => ((u32[0] = b), f32[0]);

test('powf(x, 1/3) is glibc\'s, not fround(Math.pow), on the brief\'s test vectors', () => {
  for (const [x, want] of [[0x3f653c94, 0x3f76bfa3], [0x3efe7da7, 0x3f4ac98b], [0x3e4d43b3, 0x3f15d2a3]]) {
    assert.is(bitsOf(powfThird(fromBits(x))), want, x.toString(16));
    assert.is.not(bitsOf(Math.fround(Math.pow(fromBits(x), Math.fround(1 / 3)))), want, 'the naive value differs here');
  }
  assert.is(powfThird(0.5), Math.fround(Math.pow(0.5, Math.fround(1 / 3))));
  assert.is(powfThird(1), 1);
});

test('mosaic domain 1 of -mosaic 1 with the default seed (C values)', () => {
  const rng = new Ran1Table(), seed = { idum: -12345678 };
  mosaicRotationUmat(1 / RTD, rng, seed);
  const U = mosaicRotationUmat(1 / RTD, rng, seed);
  assert.equal(U, [0.99986368592193575, -0.01594877166007503, 0.0042715637810345434, 0.015952848100370585,
    0.99987232016945238, -0.00092195251648568416, -0.0042563143783279477, 0.00098997044952826353, 0.99999045182762714]);
});

const base: CrystalInput = {
  cell: [70, 80, 90, 75, 85, 95], lambda: 1e-10, missetSeed: -5, mosaicSpread: -1, mosaicDomains: -1, mosaicSeed: -12345678,
  N: [1, 1, 1], sample: [0, 0, 0],
};

test('-misset 10 20 30 (C values)', () => {
  const c = setupCrystal({ ...base, misset: [10 / RTD, 20 / RTD, 30 / RTD] });
  assert.equal(c.a0.map((x) => x * 1e10), [62.189391538666776, 25.643509615902129, -19.362076196253746]);
  assert.is(c.volume, 481811.45573169854);
});

test('-misset random -misset_seed 5: the angles C prints; the mosaic stream re-initialises', () => {
  const c = setupCrystal({ ...base, misset: 'random', mosaicSpread: 1 / RTD, mosaicDomains: 2 });
  assert.ok(c.messages.includes('random orientation misset angles: 142.144470 55.074207 35.266329 deg'));
});

test('mosaic domain rules and C\'s warnings', () => {
  const w = (s: number, d: number) => { const c = setupCrystal({ ...base, mosaicSpread: s, mosaicDomains: d }); return [c.umats.length, c.mosaicSpread, c.warnings]; };
  assert.equal(w(-1, -1), [1, 0, []]);
  assert.equal(w(0.01, -1), [10, 0.01, ['WARNING: finite mosaicity with only one domain! upping to 10 mosaic domains']]);
  assert.equal(w(-1, 5), [1, 0, ['WARNING: no mosaic spread specified.  setting mosaic_domains = 1']]);
  assert.equal(w(0, 5), [1, 0, ['WARNING: zero mosaic spread specified.  setting mosaic_domains = 1']]);
  const c = setupCrystal({ ...base, mosaicSpread: 0.01, mosaicDomains: 3 });
  assert.equal(c.umats[0], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
});

test('crystal size: Na = ceil(size/|a|), ceil can add a cell (C: 6 -> 7)', () => {
  const c = setupCrystal({ ...base, cell: [50, 50, 50, 90, 90, 90], sample: [0.00003 / 1000.0, 0.00003 / 1000.0, 0], N: [1, 1, 4] });
  assert.equal([c.Na, c.Nb, c.Nc], [7, 7, 4]);
});

test('-mat numbers are read like fscanf %lg (touching fields are two numbers)', () => {
  assert.equal(readMatrixNumbers(' 0.01-0.02 3e-3\n4 5 6 7 8 9 10'), [0.01, -0.02, 3e-3, 4, 5, 6, 7, 8, 9]);
  assert.equal(readMatrixNumbers('1 2 x 3'), [1, 2]);
});

test('-mat with -lambda 1.3 scales by 1e-10/lambda (C: a* and the printed cell)', () => {
  const text = '   0.01027837  -0.00573653   0.00955061\n   0.00646387   0.01082387  -0.00195138\n  -0.00352129   0.00312441   0.02429540\n';
  const args = parseSimArgs(['-mat', 'A.mat', '-lambda', '1.3', '-default_F', '1']);
  const sim = setupSimulation(args, null, { matText: text });
  assert.equal(sim.crystal.cellLengths.map((x) => +x.toFixed(2)), [102.83, 102.83, 49.66]);
  assert.is(sim.crystal.volume, 525104.92273363122);
  assert.throws(() => setupSimulation(args, null, { matText: '1 2 3' }), /expected 9 numbers/);
});

test('flags: -misset forms, seeds stored negated, the -misset_seed substring quirk', () => {
  assert.equal(parseSimArgs(['-misset', '10', '0', '-5']).misset, [10 / RTD, 0, -5 / RTD]);
  assert.is(parseSimArgs(['-misset', 'random']).misset, 'random');
  assert.throws(() => parseSimArgs(['-misset', '1', '2']), /needs 3 values/);
  assert.throws(() => parseSimArgs(['-misset']), /needs/);
  assert.is(parseSimArgs(['-mosaic_seed', '-5']).mosaicSeed, 5);
  assert.is(parseSimArgs(['-misset_seed', '7']).missetSeed, -7);
  const q = parseSimArgs(['-misset', 'random', '-misset_seed', '42', '-N', '3']);
  assert.equal(q.misset, [42 / RTD, 0, 3 / RTD]);
  assert.match(q.warnings.join('\n'), /-misset_seed/);
  assert.is(parseSimArgs(['-misset_seed', '42', '-misset', 'random']).misset, 'random');
  assert.is(parseSimArgs(['-misset', 'random', '-N', '3', '-misset_seed', '42']).misset, 'random');
  assert.equal(parseSimArgs(['-xtal_thick', '0.3', '-sample_width', '0.23', '-heigh', '0.5']).sample_m, [0.3 / 1000, 0.23 / 1000, 0.5 / 1000]);
  assert.is(parseSimArgs(['-mosaicity', '2']).mosaicSpread_rad, 2 / RTD);
  assert.is(parseSimArgs(['-mosaic_dom', '4']).mosaicDomains, 4);
  assert.throws(() => parseSimArgs(['-mosaic_domains', '0']), /out of range/);
});

test('beam clipping: y and z sizes above -beamsize are clipped, with C\'s (swapped) labels', () => {
  const args = parseSimArgs(['-cell', '100', '100', '100', '90', '90', '90', '-xtalsize', '0.2', '-default_F', '1', '-oversample', '1']);
  const sim = setupSimulation(args, null);
  assert.equal([sim.crystal.Na, sim.crystal.Nb, sim.crystal.Nc], [20000, 10000, 10000]);
  assert.ok(sim.warnings.includes('WARNING: clipping sample (0.0002 m high) with beam (0.0001 m)'));
  assert.ok(sim.warnings.includes('WARNING: clipping sample (0.0002 m wide) with beam (0.0001 m)'));
  const noclip = setupSimulation(parseSimArgs(['-cell', '100', '100', '100', '90', '90', '90', '-xtalsize', '0.0005', '-beamsize', '0', '-N', '4', '-default_F', '1', '-oversample', '1']), null);
  assert.equal([noclip.crystal.Na, noclip.crystal.Nb, noclip.crystal.Nc], [50, 4, 4]);
});

test('mosaic: steps and table entries count the domains', () => {
  const sim = setupSimulation(parseSimArgs(['-cell', '100', '100', '100', '90', '90', '90', '-mosaic', '1', '-mosaic_dom', '3', '-phisteps', '2', '-osc', '1', '-default_F', '1', '-oversample', '2']), null);
  assert.is(sim.phi.entries, 6);
  assert.is(sim.phi.staleSlots, 3);
  assert.is(sim.phi.table.length, 9 * 9);
  assert.is(sim.steps, 3 * 2 * 4);
});

test.run();
