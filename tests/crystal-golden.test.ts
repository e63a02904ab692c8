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

const dir = fileURLToPath(new URL('./fixtures/crystal/', import.meta.url));
const F32_TOL = { maxRel: 5e-6, sumRatio: 1e-6, oneMinusR: 1e-10 };

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

test('all 8 crystal cases are present', () => assert.is(cases.length, 8));

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
      const info = `max|diff|/max=${m.maxRelDiff.toExponential(2)} sum-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`;
      assert.ok(m.maxRelDiff <= F32_TOL.maxRel, info);
      assert.ok(Math.abs(m.sumRatio - 1) <= F32_TOL.sumRatio, info);
      assert.ok(1 - m.pearson <= F32_TOL.oneMinusR, info);
    });
  }
  test(`${c.name}: C's crystal lines and warnings`, async () => {
    const { prepared, result } = await run(c, 'wasm', 'f64');
    const lines = [...prepared.sim.messages, ...prepared.sim.warnings, ...result.warnings];
    const stdout = c.stdout.split('\n');
    const want = stdout.filter((l) => /^(crystal is|random orientation|reading |WARNING: (clipping|finite mosaicity|no mosaic|zero mosaic))|^  created a total of \d+ mosaic|mosaic domains over/.test(l));
    for (const w of want) assert.ok(lines.includes(w), `missing "${w}" in ${JSON.stringify(lines)}`);
  });
}

test.after(() => { for (const e of engines.values()) e.dispose(); });
test.run();
