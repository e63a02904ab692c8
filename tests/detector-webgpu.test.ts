// The detector cases (tests/fixtures/detector: conventions, rotations, two-theta, custom vectors, beams along z,
// -curved_det) on WebGPU, within the pure-f32 tolerance of docs/precision.md (as tests/crystal-webgpu.test.ts), against
// the f64 wasm image (bit-identical to C, tests/detector-golden.test.ts) and, where ../shared/golden-breadth/detector
// is present, against C's float image itself. Skipped, saying so, without an adapter outside CI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { requestGpu } from '../src/webgpu/device.ts';
import { createWebGpuEngine } from '../src/webgpu/engine.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
let probe = await requestGpu();
if ('error' in probe && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  probe = await requestGpu();
}
const GOLDEN = process.env.NANOBRAGG_GOLDEN_BREADTH ? process.env.NANOBRAGG_GOLDEN_BREADTH + '/detector' : fileURLToPath(new URL('../../shared/golden-breadth/detector', import.meta.url));
const dirs = ['./fixtures/detector/', './fixtures/detector-img/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));

if ('error' in probe) {
  const reason = probe.error;
  console.log(`detector webgpu tests: SKIPPED: ${reason}`);
  test(`detector webgpu: skipped - no adapter (${reason})`, () => assert.ok(process.env.CI !== 'true', 'CI must provide a WebGPU adapter'));
} else {
  const handle = probe;
  let gpu: Awaited<ReturnType<typeof createWebGpuEngine>>;
  test.before(async () => { gpu = await createWebGpuEngine({ gpu: handle }); });
  test.after(() => gpu.dispose());
  for (const [dir, name] of dirs.flatMap((d) => readdirSync(d).sort().map((n) => [d, n]))) {
    test(`${name}: webgpu within the pure-f32 tolerance`, async () => {
      const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8'));
      const drop = new Set(['-floatfile', '-intfile', '-nopgm', '-noprogress', '-seed']);
      const argv: string[] = c.argv.slice(1).filter((t: string, i: number, a: string[]) => !drop.has(t) && !drop.has(a[i - 1]));
      const old = process.cwd();
      process.chdir(join(dir, name)); // the -mask file is named relative to the case
      const prepared = await prepareSimulation(argv, {}).finally(() => process.chdir(old));
      const ref = await createEngine({ backend: 'wasm', dtype: 'f64' });
      const want = (await ref.simulate(prepared)).image;
      ref.dispose();
      const r = await gpu.simulate(prepared);
      const m = compareImages(r.image, want);
      const tol = pureF32Tolerance(prepared.sim);
      const q = toleranceRatios(m, tol);
      assert.ok(q.worst <= 1, `${name}: max|diff|/max=${m.maxRelDiff.toExponential(2)} sum-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)} worst ratio ${q.worst.toFixed(3)}`);
      // and against C's own float image where the golden-breadth case is here (the fixture is its command line)
      const golden = join(GOLDEN, name);
      if (existsSync(join(golden, 'case.json'))) {
        const gc = JSON.parse(readFileSync(join(golden, 'case.json'), 'utf8'));
        const buf = readFileSync(join(golden, gc.outputs.float));
        const mc = compareImages(r.image, new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
        const qc = toleranceRatios(mc, tol);
        assert.ok(qc.worst <= 1, `${name} against C: max|diff|/max=${mc.maxRelDiff.toExponential(2)} worst ratio ${qc.worst.toFixed(3)}`);
      }
    });
  }
}
test.run();
