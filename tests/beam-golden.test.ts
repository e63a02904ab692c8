// golden-breadth/beam cases whose flags are supported: f64 bit-identical (wasm-scalar, wasm, wasm-threads),
// f32 within the golden-suite f32 tolerance. Every case of the folder is run (none skipped).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type SimEngine, type Dtype, type EngineBackend } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { requestGpu } from '../src/webgpu/device.ts';
import { createWebGpuEngine } from '../src/webgpu/engine.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';
import { webgpuRefusal } from '../src/webgpu/refusals.ts';

const DIR = process.env.NANOBRAGG_GOLDEN_BREADTH ? process.env.NANOBRAGG_GOLDEN_BREADTH + '/beam' : fileURLToPath(new URL('../../shared/golden-breadth/beam', import.meta.url));
const SUPPORTED = ['beam_div_disp_kahn', 'beam_div_even_trim_ospolar', 'beam_auto_rules', 'beam_custom_polar_vector',
  'beam_water_dmin_disp', 'beam_water_tophat_osomega', 'beam_sourcefile_ospolar', 'beam_flux_clip_water'];

const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const k = backend + dtype;
  if (!engines.has(k)) engines.set(k, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(k)!;
}
const runs: [EngineBackend, Dtype][] = [['wasm-scalar', 'f64'], ['wasm', 'f64'], ['wasm-threads', 'f64'], ['wasm', 'f32'], ['wasm-threads', 'f32']];
for (const n of SUPPORTED) {
  const dir = DIR + '/' + n;
  if (!existsSync(dir + '/case.json')) { console.log(`beam-golden: ${n} SKIPPED (no golden-breadth data)`); continue; }
  const c = JSON.parse(readFileSync(dir + '/case.json', 'utf8'));
  // the case's input files (-sourcefile) are named relative to its folder
  const argv: string[] = c.argv.slice(1).filter((_: string, i: number, a: string[]) => a[i - 1] !== '-floatfile' && a[i] !== '-floatfile')
    .map((t: string) => ((c.inputs ?? []) as string[]).includes(t) ? dir + '/' + t : t);
  // C silently ignores -hdiv and -dispstep (not options: B-1); here they are accepted with a warning; the
  // image is compared without them
  for (const bad of ['-hdiv', '-dispstep']) {
    const i = argv.indexOf(bad);
    if (i >= 0) {
      const before = [...argv];
      test(`${n}: '${bad}' (ignored by nanoBragg too) is accepted with a warning saying so`, async () => {
        const p = await prepareSimulation(before);
        assert.ok(p.sim.args.warnings.some((w: string) => w.includes(bad)), `no warning names ${bad}`);
      });
      argv.splice(i, 2);
    }
  }
  const buf = readFileSync(dir + '/' + c.outputs.float);
  const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  for (const [backend, dtype] of runs) {
    test(`${n}: ${backend} ${dtype}`, async () => {
      const r = await (await engine(backend, dtype)).simulate(await prepareSimulation(argv));
      if (dtype === 'f64') {
        const h = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
        if (h(r.image) !== h(ref)) {
          const m = compareImages(r.image, ref);
          assert.unreachable(`${n} ${backend} f64 not bit-identical: max|diff|/max=${m.maxRelDiff}`);
        }
        return;
      }
      const m = compareImages(r.image, ref);
      assert.ok(m.maxRelDiff <= 5e-6 && Math.abs(m.sumRatio - 1) <= 1e-6, `${n} ${backend} f32: max|diff|/max=${m.maxRelDiff} sum-1=${m.sumRatio - 1}`);
    });
  }
}
// webgpu: every case of golden-breadth/beam against the C image within the declared pure-f32 tolerance
// (docs/precision.md; src/webgpu/precision.ts), or refused by name where src/webgpu/refusals.ts says so (-water). A case whose flags this port does not parse yet (on any backend)
// is named in the log and not counted.
let gpu = await requestGpu();
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if ('error' in gpu && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  gpu = await requestGpu();
}
if ('error' in gpu) {
  console.log(`beam-golden webgpu: SKIPPED (${gpu.error})`);
  test(`beam-golden webgpu: skipped - no adapter (${gpu.error})`, () => assert.ok(process.env.CI !== 'true', 'CI must provide a WebGPU adapter'));
} else {
  const handle = gpu;
  let webgpu: Awaited<ReturnType<typeof createWebGpuEngine>> | undefined;
  const all = existsSync(DIR) ? readdirSync(DIR).filter((n) => existsSync(`${DIR}/${n}/case.json`)).sort() : [];
  if (!all.length) console.log('beam-golden webgpu: SKIPPED (no golden-breadth data)');
  for (const n of all) {
    const dir = DIR + '/' + n;
    const c = JSON.parse(readFileSync(dir + '/case.json', 'utf8'));
    const drop = new Set(['-floatfile', '-hdiv', '-dispstep']); // -hdiv, -dispstep: no options in C either (above)
    const argv: string[] = c.argv.slice(1).filter((t: string, i: number, a: string[]) => !drop.has(t) && !drop.has(a[i - 1]))
      .map((t: string) => ((c.inputs ?? []) as string[]).includes(t) ? dir + '/' + t : t);
    let prepared;
    try {
      prepared = await prepareSimulation(argv);
    } catch (e) {
      if (!/not implemented yet/.test(String(e))) throw e;
      console.log(`beam-golden webgpu: ${n} not run (${String(e).split('\n')[0]})`);
      continue;
    }
    const sim = prepared;
    const refusal = webgpuRefusal(sim.sim);
    if (refusal) {
      // still refused on webgpu (src/webgpu/refusals.ts): by name, pointing at the backends that can
      test(`${n}: refused on webgpu by name (${refusal.split(' (')[0]})`, async () => {
        webgpu ??= await createWebGpuEngine({ gpu: handle });
        try {
          await webgpu.simulate(sim);
          assert.unreachable('not refused');
        } catch (e) {
          assert.match(String(e), /is not implemented on the webgpu backend \(.*use --backend wasm/);
        }
      });
      continue;
    }
    test(`${n}: webgpu within the pure-f32 tolerance of the C image (${sim.sim.sources.count} sources)`, async () => {
      webgpu ??= await createWebGpuEngine({ gpu: handle });
      const buf = readFileSync(dir + '/' + c.outputs.float);
      const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const r = await webgpu.simulate(sim);
      const m = compareImages(r.image, ref);
      const q = toleranceRatios(m, pureF32Tolerance(sim.sim));
      assert.ok(q.worst <= 1, `${n}: max|diff|/max=${m.maxRelDiff.toExponential(2)} sum-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)} worst ratio ${q.worst.toFixed(3)}`);
    });
  }
  test.after(() => webgpu?.dispose());
}
test.after(() => { for (const e of engines.values()) e.dispose(); });
test.run();
