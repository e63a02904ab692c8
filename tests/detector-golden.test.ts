// Detector geometry (conventions, pivots, rotations, two-theta, custom vectors) against the C program: the cases of
// ../shared/golden-breadth/detector, kept in tests/fixtures/detector as argv + sha256 of C's float image and SMV file.
// f64 (wasm-scalar, wasm, wasm-threads): the float image's sha256 equals C's, and the SMV file (header + pixels) too.
// f32 (wasm, wasm-threads): within the tolerances of tests/golden.test.ts, against our f64 image.
// Cases that need options not implemented here are listed in SKIPPED (and must still be refused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type SimEngine, type EngineBackend, type Dtype } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { encodeOutputs } from '../src/simulator/outputs.ts';
import { assertF32Within } from './helpers/golden.ts';

const dir = fileURLToPath(new URL('./fixtures/detector/', import.meta.url));
/** Extra C references made with the C binary for -img (its header only), kept as argv + input + sha256. */
const imgDir = fileURLToPath(new URL('./fixtures/detector-img/', import.meta.url));
/** Cases needing options this port refuses: name -> the option. */
export const SKIPPED: Record<string, string> = {};

interface Case { name: string; dir: string; argv: string[]; sha: string; intSha: string; stdout: string }
function loadCases(dir: string): Case[] {
  return readdirSync(dir).sort().map((name) => {
    const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8'));
    const drop = new Set(['-floatfile', '-nopgm', '-noprogress', '-seed']);
    const argv: string[] = c.argv.slice(1).filter((t: string, i: number, a: string[]) => !drop.has(t) && a[i - 1] !== '-floatfile' && a[i - 1] !== '-seed');
    return { name, dir: join(dir, name), argv, sha: c.sha256['case.bin'], intSha: c.sha256['case.img'], stdout: c.stdout };
  });
}
const all = loadCases(dir);
const cases = [...all.filter((c) => !(c.name in SKIPPED)), ...loadCases(imgDir)];

const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const key = backend + dtype;
  if (!engines.has(key)) engines.set(key, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(key)!;
}
async function run(c: Case, backend: EngineBackend, dtype: Dtype) {
  const prepared = await inDir(c.dir, () => prepareSimulation(c.argv, {}));
  return { prepared, result: await (await engine(backend, dtype)).simulate(prepared) };
}
/** Inputs (the -mask file) are named relative to the case's directory, as C ran them. */
async function inDir<T>(where: string, f: () => Promise<T>): Promise<T> {
  const old = process.cwd();
  process.chdir(where);
  try { return await f(); } finally { process.chdir(old); }
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shaF = (img: Float32Array) => sha(new Uint8Array(img.buffer, img.byteOffset, img.byteLength));

test('the detector cases are present (8 from golden-breadth, none skipped)', () => {
  assert.is(all.length, 8);
  assert.is(cases.length, 8 + 2);
});

for (const [name, flag] of Object.entries(SKIPPED)) {
  test(`${name}: skipped, '${flag}' is refused with one line`, async () => {
    const c = all.find((x) => x.name === name)!;
    try {
      await prepareSimulation(c.argv, {});
      assert.unreachable('should refuse');
    } catch (e) {
      assert.match((e as Error).message, flag);
      assert.not.match((e as Error).message, '\n');
    }
  });
}

for (const c of cases) {
  for (const backend of ['wasm-scalar', 'wasm', 'wasm-threads'] as const) {
    test(`${c.name}: f64 on ${backend} is bit-identical to C (float image and SMV file)`, async () => {
      const { prepared, result } = await run(c, backend, 'f64');
      assert.is(shaF(result.image), c.sha);
      const out = await encodeOutputs(prepared.sim, result);
      assert.is(sha(out.files.find((f) => f.flag === '-intfile')!.bytes), c.intSha);
    });
  }
  for (const backend of ['wasm', 'wasm-threads'] as const) {
    test(`${c.name}: f32 on ${backend} within the f32 tolerance`, async () => {
      const ref = (await run(c, 'wasm-scalar', 'f64')).result.image;
      const { prepared, result } = await run(c, backend, 'f32');
      const m = compareImages(result.image, ref);
      const sim = prepared.sim;
      assertF32Within(m, sim);
    });
  }
  test(`${c.name}: C's convention and pivot lines`, async () => {
    const { prepared } = await run(c, 'wasm', 'f64');
    const stdout = c.stdout.split('\n');
    const want = stdout.filter((l) => / convention selected\.$|^pivoting detector/.test(l));
    assert.equal(prepared.sim.detector.messages, want);
  });
}

test.after(() => { for (const e of engines.values()) e.dispose(); });
test.run();
