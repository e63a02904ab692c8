// Crystal orientation, mosaicity and size against the C program (cases of ../shared/golden-breadth/crystal,
// kept in tests/fixtures/crystal as argv + inputs + sha256 of C's float image; no C image needed).
// f64 (wasm-scalar, wasm, wasm-threads): the float image's sha256 equals C's. f32 (wasm, wasm-threads): within the
// tolerances of tests/golden.test.ts, against our f64 image (bit-identical to C's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type SimEngine, type EngineBackend, type Dtype } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { createSimulator } from '../src/index.ts';
import { assertF32Within } from './helpers/golden.ts';

const dir = fileURLToPath(new URL('./fixtures/crystal/', import.meta.url));

interface Case { name: string; argv: string[]; sha: string; stdout: string; hklText?: string; matText?: string }
function loadCases(): Case[] {
  return readdirSync(dir).sort().map((name) => {
    const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8'));
    const argv: string[] = c.argv.slice(1);
    const file = (flag: string[]) => {
      const i = argv.findIndex((t) => flag.includes(t));
      if (i < 0) return undefined;
      const p = [join(dir, name, argv[i + 1]), join(dir, 'xtal_size_axes_clip_autointerp', argv[i + 1])].find(existsSync);
      return readFileSync(p!, 'utf8');
    };
    return {
      name, stdout: c.stdout, sha: c.sha256['case.bin'],
      argv: argv.filter((_, i, a) => a[i] !== '-floatfile' && a[i - 1] !== '-floatfile'),
      hklText: file(['-hkl']), matText: file(['-mat', '-matrix']),
    };
  });
}
const cases = loadCases();

const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const key = backend + dtype;
  if (!engines.has(key)) engines.set(key, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(key)!;
}
async function run(c: Case, backend: EngineBackend, dtype: Dtype) {
  const prepared = await prepareSimulation(c.argv, { hklText: c.hklText, matText: c.matText });
  return { prepared, result: await (await engine(backend, dtype)).simulate(prepared) };
}
const sha = (img: Float32Array) => createHash('sha256').update(new Uint8Array(img.buffer, img.byteOffset, img.byteLength)).digest('hex');

test('the crystal cases are present (8 from golden-breadth, 6 extra)', () => assert.is(cases.length, 14));

for (const c of cases) {
  for (const backend of ['wasm-scalar', 'wasm', 'wasm-threads'] as const) {
    test(`${c.name}: f64 on ${backend} is bit-identical to C`, async () => {
      const { result } = await run(c, backend, 'f64');
      assert.is(sha(result.image), c.sha);
    });
  }
  for (const backend of ['wasm', 'wasm-threads'] as const) {
    test(`${c.name}: f32 on ${backend} within the f32 tolerance`, async () => {
      const ref = (await run(c, 'wasm-scalar', 'f64')).result.image;
      const { result } = await run(c, backend, 'f32');
      const m = compareImages(result.image, ref);
      // the flat f32 bounds whatever the evaluations per pixel (x_xtalsize_autooversample auto-selects 75x75
      // sub-pixels: n = 5625; an f32 running sum was 1.1e-5 off there, the f64 sum of f32 terms is within 5e-6)
      const sim = (await prepareSimulation(c.argv, { hklText: c.hklText, matText: c.matText })).sim;
      assertF32Within(m, sim);
    });
  }
  test(`${c.name}: C's crystal lines and warnings`, async () => {
    const { prepared, result } = await run(c, 'wasm', 'f64');
    const lines = [...prepared.sim.messages, ...prepared.sim.warnings, ...result.warnings];
    const stdout = c.stdout.split('\n');
    const want = stdout.filter((l) => /^(crystal is|random orientation|reading |Unit Cell|Recp Cell|volume = |[XYZ]: |real-space|reciprocal-space|     a|WARNING: (clipping|finite mosaicity|no mosaic|zero mosaic|oddball)|(sin|cos)[(_])|^  created a total of \d+ mosaic|mosaic domains over/.test(l));
    // the cell printout, in C's order and as one block
    const i = stdout.indexOf(stdout.find((l) => l.startsWith('Unit Cell'))!);
    const j = lines.indexOf(stdout[i]);
    assert.ok(j >= 0);
    assert.equal(lines.slice(j, j + 13), stdout.slice(i, i + 13));
    for (const w of want) assert.ok(lines.includes(w), `missing "${w}" in ${JSON.stringify(lines)}`);
  });
}

test('the library: -mat text through the matText option, bit-identical to C', async () => {
  const c = cases.find((x) => x.name === 'xtal_mat_nocell_phi_stale')!;
  const s = await createSimulator({ backend: 'wasm-scalar', dtype: 'f64' });
  const r = await s.simulate(c.argv, { matText: c.matText });
  assert.is(sha(r.image), c.sha);
  await s.dispose();
});

test.after(() => { for (const e of engines.values()) e.dispose(); });
test.run();
