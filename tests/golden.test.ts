// Image-level parity with the serial C program: every case in ../shared/golden (none skipped) on every backend
// and dtype the backend list declares, each judged by its backend's declared precision (src/backends/names.ts:
// f64 bit-identical to C, WASM f32 the flat bound, webgpu the pure-f32 bound of docs/precision.md), with C's
// warnings and C's interpolation switch-off pixel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import { createEngine, prepareSimulation, type SimEngine, type Dtype, type PreparedSimulation } from '../src/simulator/engine.ts';
import { goldenDir, loadGoldenCases, type GoldenCase } from './helpers/golden.ts';
import { describeBackends } from './helpers/backends.ts';

const cases = loadGoldenCases();
const worst = new Map<string, number>();

test('the golden suite is present and complete', () => {
  assert.ok(existsSync(goldenDir), `golden references missing at ${goldenDir}`);
  assert.ok(cases.length >= 13, `expected at least 13 golden cases, found ${cases.length}`);
});

const caseArgv = (c: GoldenCase, map: (a: string) => string = (a) => a) =>
  c.argv.slice(1).filter((a, i, arr) => a !== '-floatfile' && arr[i - 1] !== '-floatfile').map(map);
const prepare = (c: GoldenCase, map?: (a: string) => string): Promise<PreparedSimulation> =>
  prepareSimulation(caseArgv(c, map), { hklText: c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined });

await describeBackends('golden', (run) => {
  for (const c of cases) {
    test(`${c.name}: ${run.label} matches the C image (${run.precision.kind})`, async () => {
      const prepared = await prepare(c);
      const r = await (await run.engine()).simulate(prepared);
      assert.is(r.width, c.width);
      assert.is(r.height, c.height);
      const v = run.judge(prepared.sim, r.image, c.image);
      if (process.env.GOLDEN_VERBOSE) console.log(`${c.name}: ${v.info}`);
      worst.set(run.label, Math.max(worst.get(run.label) ?? 0, v.worst));
      assert.ok(v.pass, `${c.name}: ${v.info}`);
      // C's interpolation warning lines, verbatim (modulo the trailing space C leaves)
      const ours = r.warnings.map((x) => x.trimEnd());
      for (const w of c.warnings.map((x) => x.trimEnd())) assert.ok(ours.includes(w), `${c.name}: missing warning "${w}" in ${JSON.stringify(r.warnings)}`);
      assert.is(r.switchPixel, c.oorTrigger ?? -1, `${c.name}: switch-off pixel`);
    });
  }
});

// Checks on the C arithmetic itself (one engine: the f64 path is the same bits on every WASM backend)
const engines = new Map<Dtype, SimEngine>();
const wasm = async (dtype: Dtype) => {
  if (!engines.has(dtype)) engines.set(dtype, await createEngine({ backend: 'wasm', dtype }));
  return engines.get(dtype)!;
};

test('statistics printed like C on the f64 path (max_I, mean, rms, rmsd)', async () => {
  for (const c of cases) {
    const r = await (await wasm('f64')).simulate(await prepare(c));
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
    const on = await (await wasm(dtype)).simulate(await prepare(c!));
    const off = await (await wasm(dtype)).simulate(await prepare(c!, (a) => (a === '-interpolate' ? '-nointerpolate' : a)));
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
  console.log(`golden: worst fraction of the declared bound per run: ${[...worst].map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
});

test.run();
