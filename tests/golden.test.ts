// Image-level parity with the serial C program: every case in ../shared/golden (none skipped),
// on the f64 and f32 paths of the SIMD binary and the f64 path of the scalar binary.
// Tolerances: docs/c-behaviour/minimal-loop.md 7.6 and docs/precision.md ("f64 path", "WASM f32 path").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import { createEngine, prepareSimulation, type SimEngine, type Dtype } from '../src/simulator/engine.ts';
import { goldenDir, loadGoldenCases, type GoldenCase } from './helpers/golden.ts';
import { compareImages } from '../src/simulator/compare.ts';

const TOL: Record<Dtype, { maxRel: number; sumRatio: number; oneMinusR: number }> = {
  f64: { maxRel: 1e-6, sumRatio: 1e-6, oneMinusR: 1e-6 },
  f32: { maxRel: 5e-6, sumRatio: 1e-6, oneMinusR: 1e-10 },
};

const cases = loadGoldenCases();
const engines = new Map<string, SimEngine>();
async function engine(backend: 'wasm' | 'wasm-scalar', dtype: Dtype) {
  const key = backend + dtype;
  if (!engines.has(key)) engines.set(key, await createEngine({ backend, dtype }));
  return engines.get(key)!;
}

test('the golden suite is present and complete', () => {
  assert.ok(existsSync(goldenDir), `golden references missing at ${goldenDir}`);
  assert.ok(cases.length >= 13, `expected at least 13 golden cases, found ${cases.length}`);
});

async function runCase(c: GoldenCase, backend: 'wasm' | 'wasm-scalar', dtype: Dtype) {
  const argv = c.argv.slice(1).filter((_, i, a) => !(a[i - 1] === '-floatfile') && a[i] !== '-floatfile');
  const hkl = c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined;
  const prepared = await prepareSimulation(argv, { hklText: hkl });
  return await (await engine(backend, dtype)).simulate(prepared);
}

const runs: [string, 'wasm' | 'wasm-scalar', Dtype][] = [
  ['simd f64', 'wasm', 'f64'],
  ['simd f32', 'wasm', 'f32'],
  ['scalar f64', 'wasm-scalar', 'f64'],
];

for (const c of cases) {
  for (const [label, backend, dtype] of runs) {
    test(`${c.name}: ${label} matches the C image`, async () => {
      const r = await runCase(c, backend, dtype);
      assert.is(r.width, c.width);
      assert.is(r.height, c.height);
      const m = compareImages(r.image, c.image);
      const tol = TOL[dtype];
      const info = `${c.name} ${label}: max|diff|/max=${m.maxRelDiff.toExponential(2)} sum ratio-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`;
      if (process.env.GOLDEN_VERBOSE) console.log(info);
      assert.ok(m.maxRelDiff <= tol.maxRel, info);
      assert.ok(Math.abs(m.sumRatio - 1) <= tol.sumRatio, info);
      assert.ok(1 - m.pearson <= tol.oneMinusR, info);
      // warnings: C's interpolation warning lines, verbatim (modulo the trailing space C leaves)
      const want = c.warnings.map((w) => w.trimEnd());
      for (const w of want) assert.ok(r.warnings.map((x) => x.trimEnd()).includes(w), `${c.name}: missing warning "${w}" in ${JSON.stringify(r.warnings)}`);
      if (c.oorTrigger !== undefined) {
        assert.is(r.switchPixel, c.oorTrigger, `${c.name}: switch-off pixel`);
      } else {
        assert.is(r.switchPixel, -1, `${c.name}: no switch-off expected`);
      }
    });
  }
}

test('statistics printed like C on the f64 path (max_I, mean, rms, rmsd)', async () => {
  for (const c of cases) {
    const r = await runCase(c, 'wasm', 'f64');
    const m = c.stdout.match(/max_I = (\S+)\s+at (\S+) (\S+)\nmean= (\S+) rms= (\S+) rmsd= (\S+)/);
    assert.ok(m, `${c.name}: C stdout has no statistics`);
    const [maxI, , , mean, rms, rmsd] = m!.slice(1).map(Number);
    for (const [name, ours, theirs] of [['max_I', r.stats.maxI, maxI], ['mean', r.stats.mean, mean], ['rms', r.stats.rms, rms], ['rmsd', r.stats.rmsd, rmsd]] as const) {
      assert.ok(Math.abs(ours / theirs - 1) < 1e-5, `${c.name}: ${name} ${ours} vs C ${theirs}`);
    }
  }
});

test('the mid-image switch-off: nearest neighbour from the trigger pixel on, on both paths', async () => {
  const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256');
  assert.ok(c, 'case tricubic_oor_midimage_256 missing');
  for (const dtype of ['f64', 'f32'] as const) {
    const on = await runCase(c!, 'wasm', dtype);
    const argvOff = c!.argv.slice(1).map((a) => (a === '-interpolate' ? '-nointerpolate' : a)).filter((a, i, arr) => a !== '-floatfile' && arr[i - 1] !== '-floatfile');
    const off = await (await engine('wasm', dtype)).simulate(await prepareSimulation(argvOff, { hklText: readFileSync(c!.hklPath!, 'utf8') }));
    const trigger = c!.oorTrigger!;
    let differBefore = 0;
    for (let i = 0; i < trigger; i++) if (on.image[i] !== off.image[i]) differBefore++;
    for (let i = trigger; i < on.image.length; i++) {
      if (on.image[i] !== off.image[i]) assert.unreachable(`${dtype}: pixel ${i} after the trigger differs from the -nointerpolate image`);
    }
    assert.ok(differBefore > 1000, `${dtype}: pixels before the trigger should be interpolated (only ${differBefore} differ)`);
  }
});

test.after(() => {
  for (const e of engines.values()) e.dispose();
});

test.run();
