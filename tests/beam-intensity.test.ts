// The incident intensity (-fluence/-flux/-exposure/-beamsize, resolved after parsing as C does) and C's no-op
// options. References: tests/fixtures/beam/*.bin, float images from the serial C program (24x24, regenerated
// by tests/fixtures/beam/README.md's recipe; the test never needs the C binary). f64 paths must be
// bit-identical; f32 paths within the golden-suite f32 tolerance; webgpu within the pure-f32 tolerance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type SimEngine, type Dtype, type EngineBackend } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { parseSimArgs } from '../src/simulator/args.ts';
import { resolveFluence, DEFAULT_FLUENCE } from '../src/physics/beam.ts';
import { requestGpu } from '../src/webgpu/device.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';

const DIR = fileURLToPath(new URL('./fixtures/beam/', import.meta.url));
interface Case { name: string; argv: string; sha256: string; cFluence: string }
const cases: Case[] = JSON.parse(readFileSync(DIR + 'cases.json', 'utf8'));
const image = (n: string) => {
  const b = readFileSync(DIR + n + '.bin');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const argvOf = (c: Case) => c.argv.split(/\s+/).filter(Boolean);

const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const k = backend + dtype;
  if (!engines.has(k)) engines.set(k, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(k)!;
}

test('fixtures present', () => {
  assert.ok(cases.length >= 8);
  for (const c of cases) assert.is(sha(image(c.name)), c.sha256, c.name);
});

test('fluence: C formula, defaults and option-order rules', () => {
  const base = { flux: 0, exposure: 1, beamsize_m: 1e-4 };
  assert.is(resolveFluence(base).fluence, DEFAULT_FLUENCE);
  assert.is(resolveFluence({ ...base, fluence: 1e28 }).fluence, 1e28);
  // two divisions, in this order
  assert.is(resolveFluence({ fluence: 5, flux: 1e12, exposure: 2, beamsize_m: 5e-5 }).fluence, ((1e12 * 2) / 5e-5) / 5e-5);
  assert.is(resolveFluence({ fluence: 5, flux: 1e12, exposure: 0, beamsize_m: 5e-5 }).fluence, 5);
  assert.is(resolveFluence({ fluence: 5, flux: 1e12, exposure: 1, beamsize_m: -1e-3 }).fluence, 5);
  assert.is(resolveFluence({ ...base, flux: 1e12, beamsize_m: 0 }).fluence, Infinity);
  // the flags parse in any order: a non-zero -flux wins over -fluence before or after it
  for (const c of cases) {
    const a = parseSimArgs(argvOf(c));
    const f = resolveFluence(a).fluence;
    assert.is(Number(f.toPrecision(6)), Number(c.cFluence === 'inf' ? Infinity : c.cFluence), `${c.name}: fluence ${f} vs C ${c.cFluence}`);
  }
});

test('no-op options: accepted with a one-line note; bad values refused', () => {
  const a = parseSimArgs(['-cell', '40', '50', '60', '90', '90', '90', '-default_F', '1', '-coherent', '-stolout', 'x', '-density', '1.3', '-MW', '2e4']);
  const notes = a.warnings.filter((w) => w.includes('do not change the image'));
  assert.is(notes.length, 1, JSON.stringify(a.warnings));
  for (const f of ['-coherent', '-stolout', '-density', '-MW']) assert.ok(notes[0].includes(`'${f}'`));
  assert.throws(() => parseSimArgs(['-density', 'abc']), /expects a number/);
  assert.throws(() => parseSimArgs(['-flux', 'x']), /expects a number/);
  assert.throws(() => parseSimArgs(['-beamsize']), /needs/);
});

const runs: [EngineBackend, Dtype][] = [
  ['wasm-scalar', 'f64'], ['wasm', 'f64'], ['wasm-threads', 'f64'],
  ['wasm-scalar', 'f32'], ['wasm', 'f32'], ['wasm-threads', 'f32'],
];
test('-dmin with several phi steps from phi 0 is set up (no longer refused); its C image is in tests/beam-dmin-phi.test.ts', async () => {
  const argv = argvOf(cases.find((x) => x.name === 'dmin_22')!);
  const p = await prepareSimulation([...argv, '-osc', '1', '-phisteps', '2']);
  assert.is(p.sim.phi.phisteps, 2);
  assert.ok(p.sim.firstPixel >= 0 && Number.isInteger(p.sim.firstSub));
});

test('an infinite fluence (-beamsize 0 with -flux) is refused at setup, not rendered', async () => {
  const c = cases.find((x) => x.name === 'beamsize0')!;
  assert.ok(image(c.name).every(Number.isNaN), 'C gives an all-NaN image');
  try {
    await prepareSimulation(argvOf(c));
    assert.unreachable('not refused');
  } catch (e) {
    assert.match(String(e), /infinite fluence/);
  }
});

const imaged = cases.filter((c) => c.name !== 'beamsize0');
for (const c of imaged) {
  for (const [backend, dtype] of runs) {
    test(`${c.name}: ${backend} ${dtype} against C`, async () => {
      const prepared = await prepareSimulation(argvOf(c));
      const r = await (await engine(backend, dtype)).simulate(prepared);
      const ref = image(c.name);
      if (dtype === 'f64') {
        assert.is(sha(r.image), c.sha256, `${c.name} ${backend} f64 is not bit-identical to C`);
        return;
      }
      if (!ref.every(Number.isFinite)) {
        // NaN/inf images (-beamsize 0): the same non-finite pattern
        assert.is(sha(r.image), c.sha256, `${c.name}: non-finite image differs`);
        return;
      }
      const m = compareImages(r.image, ref);
      assert.ok(m.maxRelDiff <= 5e-6 && Math.abs(m.sumRatio - 1) <= 1e-6, `${c.name} ${backend} f32: ${m.maxRelDiff} ${m.sumRatio}`);
    });
  }
}

const gpu = await requestGpu();
if ('error' in gpu) {
  console.log(`beam-intensity webgpu: SKIPPED (${gpu.error}; set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)`);
} else {
  test('-dmin is accepted with --backend webgpu (the WGSL kernel computes the cut)', () => {
    const c = imaged.find((x) => x.argv.includes('-dmin'))!;
    assert.not.throws(() => parseSimArgs([...argvOf(c), '--backend', 'webgpu']), `${c.name} --backend webgpu`);
  });
  test('-water is refused on webgpu by name', async () => {
    const c = imaged.find((x) => x.argv.includes('-water'))!;
    try {
      await (await engine('webgpu', 'f32')).simulate(await prepareSimulation(argvOf(c)));
      assert.unreachable('not refused');
    } catch (e) {
      assert.match(String(e), /'-water' is not implemented on the webgpu backend \(.*use --backend wasm/);
    }
    assert.throws(() => parseSimArgs([...argvOf(c), '--backend', 'webgpu']), /-water' is not implemented on --backend webgpu/);
  });
  for (const c of imaged.filter((x) => !x.argv.includes('-water'))) {
    test(`${c.name}: webgpu against C`, async () => {
      const prepared = await prepareSimulation(argvOf(c));
      const r = await (await engine('webgpu', 'f32')).simulate(prepared);
      const ref = image(c.name);
      if (!ref.every(Number.isFinite)) {
        assert.ok(r.image.every((v, i) => Object.is(Number.isNaN(v), Number.isNaN(ref[i]))), `${c.name}: NaN pattern`);
        return;
      }
      const q = toleranceRatios(compareImages(r.image, ref), pureF32Tolerance(prepared.sim));
      assert.ok(q.worst <= 1, `${c.name}: webgpu ${JSON.stringify(q)}`);
    });
  }
}

test.after(() => {
  for (const e of engines.values()) e.dispose();
});
test.run();
