// The WebGPU backend on a real adapter (SwiftShader on CI: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
//
//  - (every golden case within the declared pure-f32 tolerance, switch-off pixel and C's warnings: tests/golden.test.ts,
//    which runs the goldens on every backend);
//  - the mid-image switch-off: nearest neighbour exactly from the trigger pixel on; switch-offs inside a pixel,
//    with phi steps, layers, shapes and a ROI, against the WASM f64 engine;
//  - device hygiene: pipeline cache reuse, the 2-D and tiled dispatch paths (bit-identical images), the
//    too-large-buffer error, validation errors, device loss;
//  - the batched tricubic and capture-fraction kernels against the WASM f64 kernels.
// Without an adapter: on CI (CI=true) this file FAILS; elsewhere it registers one test that passes and says why
// the GPU tests were skipped (uvu has no skip count).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, prepareSimulation, type PreparedSimulation, type SimEngine } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { imageStats, type ImageStats } from '../src/io/stats.ts';
import { interpolateF } from '../src/kernels/tricubic.ts';
import { captureFractions } from '../src/kernels/absorption.ts';
import { loadKernels } from '../src/wasm/loader.ts';
import { requestGpu, type GpuHandle } from '../src/webgpu/device.ts';
import { createWebGpuEngine, type WebGpuEngine, type WebGpuSimResult } from '../src/webgpu/engine.ts';
import { GpuContext, GpuDeviceLostError, GpuValidationError } from '../src/webgpu/context.ts';
import { GpuBufferTooLargeError } from '../src/webgpu/select.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';
import { interpolateGpu } from '../src/webgpu/tricubic.ts';
import { captureFractionsGpu } from '../src/webgpu/absorption.ts';
import { compareStats } from '../src/webgpu/stats.ts';
import { gpuKernelCase, GPU_KERNEL_TOLERANCE } from '../src/bench/gpu-kernel-case.ts';
import { measure } from '../src/bench/timing.ts';
import { goldenDir, loadGoldenCases, type GoldenCase } from './helpers/golden.ts';
import { runMain, TINY } from './helpers/cli.ts';
import { assertSameBits } from './helpers/arrays.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const inCI = process.env.CI === 'true';

// One adapter probe at load time. No VK_ICD_FILENAMES but SwiftShader installed: use it (and say so).
let probe = await requestGpu();
if ('error' in probe && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  console.log(`webgpu tests: no adapter with the default Vulkan drivers; retrying with VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  probe = await requestGpu();
}

if ('error' in probe) {
  const reason = probe.error;
  if (inCI) {
    console.log(`webgpu tests: FAILING - CI must provide a WebGPU adapter (SwiftShader: apt-get install chromium libvulkan1, VK_ICD_FILENAMES=${SWIFTSHADER_ICD}): ${reason}`);
    test('webgpu: an adapter is available on CI', () => {
      assert.unreachable(`no WebGPU adapter on CI: ${reason}`);
    });
  } else {
    console.log(`webgpu tests: SKIPPED (not on CI): ${reason}`);
    test(`webgpu: skipped - no adapter outside CI (${reason}); this test only records the skip`, () => {
      assert.ok(!inCI);
    });
  }
} else {
  gpuTests(probe);
}
test.run();

function gpuTests(handle: GpuHandle) {
  console.log(`webgpu tests on: ${handle.info.vendor} / ${handle.info.description}${handle.info.isFallbackAdapter ? ' (fallback adapter)' : ''}`);
  const cases = loadGoldenCases();
  const engines: SimEngine[] = [];
  let engine: WebGpuEngine;
  let wasmF64: SimEngine | undefined;

  test.before(async () => {
    engine = await createWebGpuEngine({ gpu: handle });
    engines.push(engine);
  });
  test.after(() => {
    for (const e of engines) e.dispose();
  });

  const fresh = async (opts: Parameters<typeof createWebGpuEngine>[0] = {}) => {
    const e = await createWebGpuEngine(opts);
    engines.push(e);
    return e;
  };
  const wasm = async () => {
    if (!wasmF64) engines.push((wasmF64 = await createEngine({ backend: 'wasm', dtype: 'f64' })));
    return wasmF64;
  };

  let statsEngine: WebGpuEngine | undefined;
  const gpuStatsEngine = async () => (statsEngine ??= await fresh({ stats: 'gpu' }));

  function caseArgv(c: GoldenCase) {
    return c.argv.slice(1).filter((_, i, a) => !(a[i - 1] === '-floatfile') && a[i] !== '-floatfile');
  }
  async function prepare(c: GoldenCase, extra: string[] = []): Promise<PreparedSimulation> {
    const hkl = c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined;
    return prepareSimulation([...caseArgv(c), ...extra], { hklText: hkl });
  }
  function assertWithin(what: string, r: WebGpuSimResult, ref: Float32Array, prepared: PreparedSimulation) {
    const m = compareImages(r.image, ref);
    const tol = pureF32Tolerance(prepared.sim);
    const q = toleranceRatios(m, tol);
    const info = `${what}: S=${tol.S.toExponential(2)} (h_max ${tol.hMax.toFixed(2)}, N ${tol.nMax}) ` +
      `max|diff|/max=${m.maxRelDiff.toExponential(2)} (${q.maxRel.toFixed(3)}) sum ratio-1=${(m.sumRatio - 1).toExponential(2)} ` +
      `(${q.sumRatio.toFixed(3)}) 1-r=${(1 - m.pearson).toExponential(2)} (${q.oneMinusR.toFixed(3)})`;
    assert.ok(q.worst <= 1, info);
    return { q, info };
  }

  test('the golden suite is present', () => {
    assert.ok(cases.length >= 13, `expected at least 13 golden cases in ${goldenDir}, found ${cases.length}`);
  });

  // every golden case against the C image on webgpu (and every other backend): tests/golden.test.ts

  test('tricubic_oor_midimage_256: switched off at (171, 43) exactly; nearest neighbour from it on, tricubic before', async () => {
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256');
    assert.ok(c, 'golden case tricubic_oor_midimage_256 missing');
    const on = await engine.simulate(await prepare(c!));
    assert.is(on.switchPixel, 43819);
    assert.is(on.interpolation, 'tricubic, switched to nearest at pixel (slow 171, fast 43)');
    assert.ok(on.gpu.prepass.ran && !on.gpu.prepass.overflow);
    const off = await engine.simulate(await prepare(c!, ['-nointerpolate']));
    assert.is(off.switchPixel, -1);
    let after = 0, before = 0, max = 0;
    for (let i = 0; i < on.image.length; i++) {
      max = Math.max(max, Math.abs(off.image[i]));
      const d = Math.abs(on.image[i] - off.image[i]);
      if (i >= 43819) after = Math.max(after, d);
      else before = Math.max(before, d);
    }
    // same kernel arithmetic on both sides of the switch: equal up to code-generation differences
    assert.ok(after <= 1e-6 * max, `from the trigger on: max diff ${after} vs max ${max}`);
    assert.ok(before > 1e-3 * max, 'before the trigger the image is interpolated');
  });

  test('a full pre-pass candidate list falls back to checking every pixel up to the first definite one in f64', async () => {
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
    const e = await fresh({ candidateCapacity: 1 });
    const r = await e.simulate(await prepare(c));
    assert.ok(r.gpu.prepass.overflow, JSON.stringify(r.gpu.prepass));
    assert.is(r.switchPixel, 43819);
    assert.is(r.gpu.prepass.checked, 43820);
    assertWithin(c.name, r, c.image, await prepare(c));
  });

  // switch-off inside a pixel, phi steps, layers and oversampling, non-square shapes, ROI, Kahn polarization,
  // a non-square detector: against the WASM f64 engine (the C arithmetic)
  const smoothHkl = () => readFileSync(join(goldenDir, 'smooth_grid_12.hkl'), 'utf8');
  const MIDIMAGE = '-hkl smooth_grid_12.hkl -cell 100 100 100 90 90 90 -lambda 1 -pixel 0.1 -distance 150 -detpixels 256 -N 2 -default_F 10 -interpolate -oversample 1 -Xbeam 2.0 -Ybeam 12.8'.split(' ');
  const VARIANTS: Record<string, string[]> = {
    'oversample 3, 3 layers (switch inside the pixel)': ['-oversample', '3', '-detector_thick', '100', '-detector_thicksteps', '3', '-detector_abs', '500'],
    'oversample 2, 3 layers, -oversample_thick/_polar/_omega': ['-oversample', '2', '-detector_thick', '100', '-detector_thicksteps', '3', '-detector_abs', '500', '-oversample_thick', '-oversample_polar', '-oversample_omega'],
    '3 phi steps': ['-phisteps', '3', '-osc', '0.6'],
    'phi0 = 0, 3 phi steps, oversample 2': ['-phi', '0', '-phisteps', '3', '-osc', '0.6', '-oversample', '2'],
    'tophat spots, N 5': ['-tophat_spots', '-N', '5'],
    'round crystal, N 3': ['-round_xtal', '-N', '3'],
    'gauss crystal, N 3, oversample 2': ['-gauss_xtal', '-N', '3', '-oversample', '2'],
    'roi': ['-roi', '10', '200', '150', '220'],
    'Kahn 0.8, point pixel': ['-polar', '0.8', '-point_pixel'],
    'triclinic cell, N 7, 200x120 detector': ['-cell', '70', '80', '90', '75', '85', '95', '-N', '7', '-nointerpolate', '-detpixels_f', '200', '-detpixels_s', '120'],
    // the source list (switch-off counts sources), the resolution cut,
    // the curved detector
    '3x3 divergence x 2 wavelengths, Kahn 0.9, -oversample_polar': ['-hdivrange', '0.3', '-vdivrange', '0.3', '-hdivsteps', '3', '-vdivsteps', '3',
      '-dispersion', '1', '-dispsteps', '2', '-polar', '0.9', '-oversample_polar', '-oversample', '2'],
    'round divergence, round crystal N 3': ['-divergence', '0.4', '-divsteps', '3', '-round_div', '-round_xtal', '-N', '3'],
    'tophat spots N 5, 2 wavelengths, -oversample_omega': ['-tophat_spots', '-N', '5', '-dispersion', '0.5', '-dispsteps', '2', '-oversample_omega'],
    '-dmin 3.2, 2 wavelengths, oversample 2': ['-dmin', '3.2', '-dispersion', '2', '-dispsteps', '2', '-oversample', '2'],
    '-curved_det, 2 layers': ['-curved_det', '-detector_thick', '100', '-detector_thicksteps', '2', '-detector_abs', '500'],
  };
  for (const [name, extra] of Object.entries(VARIANTS)) {
    test(`${name}: webgpu matches the WASM f64 engine, same switch-off pixel`, async () => {
      const prepared = await prepareSimulation([...MIDIMAGE, ...extra], { hklText: smoothHkl() });
      const ref = await (await wasm()).simulate(prepared);
      const r = await engine.simulate(prepared);
      assertWithin(name, r, ref.image, prepared);
      assert.is(r.switchPixel, ref.switchPixel, `${name}: switch-off pixel`);
      assert.equal(r.warnings, ref.warnings, `${name}: warnings`);
      assert.is(r.evaluations, ref.evaluations);
    });
  }

  test('tophat edges: the evaluations f32 cannot place are decided on the host in f64 (as C), also after a full list', async () => {
    // 256^2, -oversample 4 -N 5: with f32 decisions alone (the lookup disabled) this case fails the tolerance
    const argv = ['-cell', '100', '100', '100', '90', '90', '90', '-lambda', '1', '-pixel', '0.1', '-distance', '150', '-detpixels', '256',
      '-N', '5', '-default_F', '0', '-nointerpolate', '-tophat_spots', '-oversample', '4'];
    const prepared = await prepareSimulation(argv, { hklText: smoothHkl() });
    const ref = await (await wasm()).simulate(prepared);
    const r = await engine.simulate(prepared);
    assert.ok((r.gpu.tophat?.pixels ?? 0) > 0, `pixels decided on the host: ${JSON.stringify(r.gpu.tophat)}`);
    assertWithin('tophat, oversample 4', r, ref.image, prepared);
    const small = await (await fresh({ candidateCapacity: 1 })).simulate(prepared);
    assert.is(small.gpu.tophat?.pixels, r.gpu.tophat?.pixels);
    assertSameBits(small.image, r.image, 'image after a full tophat list');
  });

  test('result shape: backend, binary, dtype, adapter info, timings, progress', async () => {
    const c = cases.find((x) => x.name === 'tricubic_on_256')!;
    assert.is(engine.backend, 'webgpu');
    assert.is(engine.dtype, 'f32');
    assert.ok(engine.binary.length > 0 && engine.binary === (await fresh()).binary);
    assert.is(engine.adapterInfo.vendor, handle.info.vendor);
    const fractions: number[] = [];
    const r = await engine.simulate(await prepare(c), { onProgress: (f) => fractions.push(f) });
    assert.ok(fractions.length >= 1 && fractions[fractions.length - 1] === 1, `progress ${fractions}`);
    assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]));
    const t = r.gpuTimings;
    for (const k of ['upload_s', 'prepass_s', 'kernel_s', 'readback_s', 'wall_s'] as const) assert.ok(t[k] >= 0 && Number.isFinite(t[k]), k);
    assert.ok(t.wall_s >= t.readback_s && t.wall_s >= t.upload_s);
    assert.is(t.kernel_clock, engine.context.timestamps ? 'timestamp-query' : 'wall');
    assert.ok(r.stats.maxI > 0 && r.stats.count === 256 * 256);
  });

  // C's image statistics on the GPU (src/webgpu/stats.ts) against the host loop over the same image
  function assertStatsMatch(what: string, gpu: ImageStats, host: ImageStats) {
    const d = compareStats(gpu, host);
    const info = `${what}: ${JSON.stringify(d)}; gpu ${JSON.stringify(gpu)} host ${JSON.stringify(host)}`;
    assert.ok(d.exact, `max_I, its index and the count ${info}`);
    assert.ok(d.sums <= 1e-12, `sum, mean, rms ${info}`);
    // d and d^2 in f32: about 2^-23 relative at worst (stats.ts)
    assert.ok(d.rmsd <= 3e-7, `rmsd ${info}`);
  }
  const STATS_ROWS: [string, string, string[]][] = [
    ['tricubic_on_256', 'whole image', []],
    ['combined_256', 'whole image, oversample 2, layers', []],
    ['abs_512', 'whole image 512^2', []],
    ['tricubic_on_256', 'ROI inside', ['-roi', '10', '200', '150', '220']],
    ['tricubic_on_256', 'ROI past the edges', ['-roi', '0', '300', '250', '400']],
    ['tricubic_on_256', 'one-pixel ROI', ['-roi', '7', '7', '9', '9']],
    ['tricubic_off_256', 'an all-zero image (no positive pixel: max_I 0 at index -1)', ['-default_F', '0']],
  ];
  for (const [name, what, extra] of STATS_ROWS) {
    test(`image statistics on the GPU (${name}, ${what}): max_I and where exact, sums to 1e-12, rmsd to 3e-7`, async () => {
      const c = cases.find((x) => x.name === name)!;
      const zero = what.startsWith('an all-zero');
      const prepared = zero ? await prepareSimulation([...caseArgv(c), ...extra], { hklText: '0 0 0 0\n' }) : await prepare(c, extra);
      for (const wg of [undefined, 48]) {
        const e = wg === undefined ? await gpuStatsEngine() : await fresh({ stats: 'gpu', workgroupSize: wg });
        const r = await e.simulate(prepared);
        assert.is(r.gpu.stats, 'gpu', r.gpu.statsNote ?? 'statistics on the host');
        const host = imageStats(r.image, r.width, r.height, prepared.sim.roi);
        if (zero) assert.is(host.maxIndex, -1);
        assertStatsMatch(`${name} ${what} (workgroup ${r.gpu.dispatch.workgroupSize})`, r.stats, host);
      }
    });
  }
  test('statistics place: the host on a software adapter by default, as asked otherwise', async () => {
    const r = await engine.simulate(await prepare(cases.find((x) => x.name === 'tricubic_on_256')!));
    assert.is(r.gpu.stats, handle.info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(`${handle.info.vendor} ${handle.info.description}`) ? 'host' : 'gpu');
    assertStatsMatch('default place', r.stats, imageStats(r.image, r.width, r.height));
  });

  test('resident buffers: warm runs allocate nothing; smaller images, other grids and concurrent runs stay exact', async () => {
    const e = await gpuStatsEngine();
    const on512 = await prepare(cases.find((x) => x.name === 'tricubic_on_512')!);
    const on256 = await prepare(cases.find((x) => x.name === 'tricubic_on_256')!);
    const grid5 = await prepare(cases.find((x) => x.name === 'tricubic_oor_grid5_256')!);
    const abs = await prepare(cases.find((x) => x.name === 'abs_256')!);
    const first = await e.simulate(on512);
    const held = e.memoryBytes();
    assert.ok(held >= 512 * 512 * 4, `resident bytes ${held}`);
    const again = await e.simulate(on512);
    assert.is(e.memoryBytes(), held, 'a warm run of the same size allocates no new buffer');
    assertSameBits(again.image, first.image, 'image');
    // a smaller image in the larger buffer, another grid, no grid at all, then the first grid again:
    // each image equal to a fresh engine's
    const ref = await fresh({ stats: 'gpu' });
    for (const p of [on256, grid5, abs, on256, on512]) {
      const r = await e.simulate(p);
      const want = await ref.simulate(p);
      assertSameBits(r.image, want.image, 'image');
      assert.equal(r.stats, want.stats);
      assert.is(r.switchPixel, want.switchPixel);
    }
    // runs started together on one engine are serialized, not interleaved on the shared buffers
    const [a, b, c] = await Promise.all([e.simulate(on256), e.simulate(grid5), e.simulate(on512)]);
    assertSameBits(a.image, (await ref.simulate(on256)).image, 'image');
    assertSameBits(b.image, (await ref.simulate(grid5)).image, 'image');
    assertSameBits(c.image, first.image, 'image');
  });

  test('into: the image read back straight into the caller\'s array; a wrong size throws before any GPU work', async () => {
    const prepared = await prepare(cases.find((x) => x.name === 'combined_256')!);
    const ref = await engine.simulate(prepared);
    const into = new Float32Array(256 * 256).fill(-1);
    const r = await engine.simulate(prepared, { into });
    assert.ok(r.image === into);
    assertSameBits(into, ref.image, 'image');
    assert.equal(r.stats, ref.stats);
    try {
      await engine.simulate(prepared, { into: new Float32Array(10) });
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, RangeError);
      assert.match((e as Error).message, /'into' has 10 elements but the image has 256x256 = 65536 pixels/);
    }
  });

  test('kernel timestamps at nanosecond resolution in Node (Dawn quantizes to 65536 ns unless told not to)', async () => {
    if (!engine.context.timestamps) {
      assert.is((await engine.simulate(await prepare(cases.find((x) => x.name === 'tricubic_off_256')!))).gpuTimings.kernel_clock, 'wall');
      return;
    }
    const prepared = await prepare(cases.find((x) => x.name === 'tricubic_off_256')!);
    const ns: number[] = [];
    for (let i = 0; i < 4; i++) ns.push(Math.round((await engine.simulate(prepared)).gpuTimings.kernel_s * 1e9));
    assert.ok(ns.every((t) => t > 0), `kernel times ${ns}`);
    assert.ok(ns.some((t) => t % 65536 !== 0), `every kernel time a multiple of 65536 ns: ${ns}`);
  });

  test('simulate --backend webgpu prints C\'s statistics lines and the GPU split', async () => {
    const r = await runMain(['simulate', ...TINY, '-nopgm', '-nonoise', '--backend', 'webgpu']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend: webgpu /m);
    assert.match(r.stdout, /^max_I = \S+ {2}at \S+ \S+$/m);
    assert.match(r.stdout, /^gpu: upload [\d.]+ ms, pre-pass [\d.]+ ms, kernel [\d.]+ ms \((timestamp-query|wall)\), statistics [\d.]+ ms, readback [\d.]+ ms; [\d.]+ ms in all$/m);
  });

  test('borrow: the image is the mapped readback range until the next call (then detached); banded images are copies', async () => {
    const prepared = await prepare(cases.find((x) => x.name === 'combined_256')!);
    const ref = await engine.simulate(prepared);
    const e = await fresh({ stats: 'gpu' });
    const a = await e.simulate(prepared, { borrow: true });
    assertSameBits(a.image, ref.image, 'borrowed image');
    assertStatsMatch('borrowed image, statistics on the GPU', a.stats, ref.stats);
    const b = await e.simulate(prepared, { borrow: true }); // the staging buffer is unmapped, reused, mapped again
    assert.is(a.image.length, 0, 'the previous borrowed image is detached by the next call');
    assertSameBits(b.image, ref.image, 'second borrowed image');
    const c = await e.simulate(prepared); // a plain copy after a borrow
    assert.is(b.image.length, 0);
    assertSameBits(c.image, ref.image, 'copy after a borrow');
    const banded = await fresh({ limits: { maxStorageBufferBindingSize: 65536 } });
    const d = await banded.simulate(prepared, { borrow: true });
    await banded.simulate(prepared, { borrow: true });
    assert.is(d.gpu.dispatch.bands, 4);
    assertSameBits(d.image, ref.image, 'banded: a copy, still valid after the next call');
  });

  test('pipelines are built once per shader variant and reused', async () => {
    const e = await fresh();
    const on256 = await prepare(cases.find((x) => x.name === 'tricubic_on_256')!);
    const on512 = await prepare(cases.find((x) => x.name === 'tricubic_on_512')!);
    const off256 = await prepare(cases.find((x) => x.name === 'tricubic_off_256')!);
    const first = await e.simulate(on256);
    const built = e.context.pipelinesBuilt;
    assert.is(built, 2, 'pixel loop + pre-pass');
    const again = await e.simulate(on256);
    await e.simulate(on512); // other geometry and size, same variant
    assert.is(e.context.pipelinesBuilt, built, 'no new pipeline for the same variant');
    assertSameBits(again.image, first.image, 'image');
    await e.simulate(off256);
    assert.is(e.context.pipelinesBuilt, built + 1, 'interpolation off is another variant (no pre-pass)');
    await e.simulate(off256);
    assert.is(e.context.pipelinesBuilt, built + 1);
    assert.is(e.context.cachedPipelines, built + 1);
  });

  test('2-D and tiled dispatch (small maxComputeWorkgroupsPerDimension): bit-identical images', async () => {
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
    const prepared = await prepare(c);
    const ref = await engine.simulate(prepared);
    assert.is(ref.gpu.dispatch.shape, '1d');
    const wg = ref.gpu.dispatch.workgroupSize;
    const groups = Math.ceil(256 * 256 / wg);
    const e2 = await fresh({ limits: { maxComputeWorkgroupsPerDimension: Math.ceil(groups / 4) } });
    const r2 = await e2.simulate(prepared);
    assert.is(r2.gpu.dispatch.shape, '2d');
    assert.is(r2.gpu.dispatch.groups[1], 4);
    assertSameBits(r2.image, ref.image, 'image');
    assert.is(r2.switchPixel, ref.switchPixel);
    const e3 = await fresh({ limits: { maxComputeWorkgroupsPerDimension: 7 } });
    const r3 = await e3.simulate(prepared);
    assert.is(r3.gpu.dispatch.shape, 'tiled');
    assert.is(r3.gpu.dispatch.tiles, Math.ceil(groups / 49));
    assertSameBits(r3.image, ref.image, 'image');
    assert.is(r3.switchPixel, ref.switchPixel);
    const e4 = await fresh({ pixelsPerTile: 1000 });
    const r4 = await e4.simulate(prepared);
    assert.is(r4.gpu.dispatch.shape, 'tiled');
    assertSameBits(r4.image, ref.image, 'image');
  });

  test('an image over maxStorageBufferBindingSize goes through in row bands: the same bits, switch-off and statistics', async () => {
    // 256 x 256 f32 = 256 KiB against a 64 KiB binding limit: 4 bands of 64 rows; the switch-off pixel
    // (row 171) lies in the third band
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
    const prepared = await prepare(c);
    const ref = await engine.simulate(prepared);
    assert.is(ref.gpu.dispatch.bands, 1);
    for (const stats of ['gpu', 'host'] as const) {
      const e = await fresh({ limits: { maxStorageBufferBindingSize: 65536 }, stats });
      const r = await e.simulate(prepared);
      assert.is(r.gpu.dispatch.bands, 4);
      assert.is(r.gpu.dispatch.bandRows, 64);
      assertSameBits(r.image, ref.image, 'image');
      assert.is(r.switchPixel, 43819);
      assert.equal(r.warnings, ref.warnings);
      assertStatsMatch(`banded, statistics on the ${stats}`, r.stats, imageStats(ref.image, 256, 256));
      // a band that is not a divisor of the height, into the caller's array, with progress to 1
      const e2 = await fresh({ limits: { maxStorageBufferBindingSize: 100 * 256 * 4 }, stats });
      const into = new Float32Array(256 * 256);
      const fractions: number[] = [];
      const r2 = await e2.simulate(prepared, { into, onProgress: (f) => fractions.push(f) });
      assert.is(r2.gpu.dispatch.bands, 3);
      assert.ok(r2.image === into);
      assertSameBits(into, ref.image, 'image');
      assert.is(fractions[fractions.length - 1], 1);
      assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), `progress ${fractions}`);
      assertStatsMatch(`3 bands, statistics on the ${stats}`, r2.stats, imageStats(ref.image, 256, 256));
    }
    // the maximum in a later band (a ROI in rows 150-220): its raster index, not the band's
    const roi = await prepare(c, ['-roi', '10', '200', '150', '220']);
    const whole = await engine.simulate(roi);
    const banded = await (await fresh({ limits: { maxStorageBufferBindingSize: 65536 }, stats: 'gpu' })).simulate(roi);
    assertSameBits(banded.image, whole.image, 'image with a ROI');
    const host = imageStats(whole.image, 256, 256, roi.sim.roi);
    assert.ok(host.maxIndex >= 150 * 256, `max at ${host.maxIndex}`);
    assertStatsMatch('banded, ROI in later bands', banded.stats, host);
  });

  test('a row or a grid over maxStorageBufferBindingSize gives a clear error (and the engine stays usable)', async () => {
    const c = cases.find((x) => x.name === 'tricubic_on_256')!;
    const expectTooLarge = async (e: WebGpuEngine, prepared: PreparedSimulation, ...parts: string[]) => {
      try {
        await e.simulate(prepared);
        assert.unreachable('should throw');
      } catch (err) {
        assert.instance(err, GpuBufferTooLargeError);
        const m = (err as Error).message;
        for (const part of parts) assert.ok(m.includes(part), `"${part}" in: ${m}`);
      }
    };
    const narrow = await fresh({ limits: { maxStorageBufferBindingSize: 512 } });
    await expectTooLarge(narrow, await prepare(c), 'one row of the image (256 pixels, f32)', '1024 bytes', 'maxStorageBufferBindingSize = 512');
    const small = await fresh({ limits: { maxStorageBufferBindingSize: 8192 } });
    await expectTooLarge(small, await prepare(c), 'the HKL grid (25x25x25 values, f32)', 'maxStorageBufferBindingSize = 8192');
    const after = await small.simulate(await prepareSimulation([...caseArgv(c).filter((a, i, all) => a !== '-hkl' && all[i - 1] !== '-hkl'),
      '-default_F', '100', '-detpixels', '64']));
    assert.is(after.width, 64);
  });

  test('validation errors become exceptions naming the pipeline and the WGSL problem', async () => {
    const ctx = engine.context;
    try {
      await ctx.kernel('broken', () => '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }', 'main', []);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, GpuValidationError);
      assert.match((err as Error).message, /building the WebGPU pipeline broken/);
      assert.match((err as Error).message, /undefined_thing/);
    }
  });

  test('device loss and dispose give clear errors', async () => {
    const e = await fresh();
    const c = cases.find((x) => x.name === 'tricubic_off_256')!;
    const prepared = await prepare(c);
    await e.simulate(prepared);
    e.context.device.destroy(); // as if the device were lost
    await e.context.device.lost;
    try {
      await e.simulate(prepared);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, GpuDeviceLostError);
      assert.match((err as Error).message, /device was lost \(destroyed\)/);
    }
    const d = await fresh();
    d.dispose();
    try {
      await d.simulate(prepared);
      assert.unreachable('should throw');
    } catch (err) {
      assert.match((err as Error).message, /disposed/);
    }
  });

  test('batched tricubic kernel: the WASM f64 values within 1e-6 of the peak, exact switch-off (float-pair inputs)', async () => {
    const c = cases.find((x) => x.name === 'tricubic_on_256')!;
    const grid = (await prepare(c)).sim.grid!;
    const n = 4000;
    const h = new Float64Array(n), k = new Float64Array(n), l = new Float64Array(n);
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < n; i++) {
      h[i] = grid.hMin + 2 + rnd() * (grid.hRange - 5);
      k[i] = grid.kMin + 2 + rnd() * (grid.kRange - 5);
      l[i] = grid.lMin + 2 + rnd() * (grid.lRange - 5);
    }
    h[1000] = grid.hMin + 2; // exactly on the window's edge: in range
    h[2000] = grid.hMin + 2 - 1e-12; // out by 1e-12: only the f64 re-check can tell
    h[3000] = grid.hMax + 5; // clearly out
    const gpuCtx = engine.context;
    const r = await interpolateGpu(gpuCtx, grid, h, k, l);
    const kernels = await loadKernels();
    const ref = interpolateF(kernels, grid, h, k, l, { variant: 'f64' });
    assert.is(r.firstOutOfRange, 2000);
    assert.is(ref.firstOutOfRange, 2000);
    assert.equal(r.warnings.map((w) => w.trimEnd()), ref.warnings.map((w) => w.trimEnd()));
    assert.ok(r.prepass.candidates >= 2, `the edge cases are deferred to the host (${r.prepass.candidates})`);
    let peak = 0, worst = 0;
    for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(ref.values[i]));
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(r.values[i] - ref.values[i]));
    assert.ok(worst <= 1e-6 * peak, `max diff ${worst} of peak ${peak}`);
    for (let i = 2000; i < n; i++) assert.is(r.values[i], Math.fround(ref.values[i]), `nearest neighbour at ${i}`);
    const off = await interpolateGpu(gpuCtx, grid, h, k, l, { interpolate: false });
    assert.is(off.firstOutOfRange, -1);
    for (let i = 0; i < n; i += 97) assert.is(off.values[i], Math.fround(interpolateF(kernels, grid, h.subarray(i, i + 1), k.subarray(i, i + 1), l.subarray(i, i + 1), { variant: 'f64', state: { interpolate: false, warned: true } }).values[0]));
  });

  test('batched capture fractions: the WASM f64 values to a few ulp plus the f32 rounding of x (expm1 form)', async () => {
    const kernels = await loadKernels();
    const rho = new Float64Array(2000);
    for (let i = 0; i < rho.length; i++) rho[i] = 0.05 + 0.95 * (i / (rho.length - 1));
    for (const [delta, mu, layers] of [[25e-6, 2000, 5], [1e-9, 2000, 3], [100e-6, 1 / 50e-6, 4]] as const) {
      const gpu = await captureFractionsGpu(engine.context, rho, layers, delta, mu);
      const ref = captureFractions(kernels, rho, layers, delta, mu, 'f64');
      let worst = 0;
      for (let p = 0; p < rho.length; p++) {
        const x = delta * mu / rho[p];
        for (let t = 0; t < layers; t++) {
          const i = p * layers + t;
          if (!(ref[i] > 1e-30)) continue;
          // 8 ulp for exp * expm1, plus the relative rounding of the exponent t x (and of x) carried by exp
          const allowed = 8 * 2 ** -24 + (t + 1) * x * 2 ** -22;
          worst = Math.max(worst, Math.abs(gpu[i] - ref[i]) / ref[i] / allowed);
        }
      }
      assert.ok(worst <= 1, `delta ${delta} mu ${mu}: worst error ${worst.toFixed(3)} of the allowed`);
    }
  });

  test('bench kernels on webgpu: timed through the shared module with the GPU split, checked against f64', async () => {
    for (const kernel of ['tricubic', 'capture_fraction'] as const) {
      let adapter = '';
      const m = await measure(gpuKernelCase({ kernel, size: 24, layers: 5, onAdapter: (a) => (adapter = a) }), { repeats: 2 });
      assert.ok(m.ok, `${kernel}: ${m.ok ? '' : `${m.stage}: ${m.error}`}`);
      if (!m.ok) continue;
      const t = m.timed;
      assert.is(t.check.problems.length, 0, t.check.problems.join('; '));
      assert.ok(adapter.length > 0);
      assert.is(t.evaluations, kernel === 'tricubic' ? 24 * 24 : 24 * 24 * 5);
      const err = t.check.facts!.max_rel_error_vs_f64 as number;
      assert.ok(err > 0 && err <= GPU_KERNEL_TOLERANCE[kernel], `${kernel}: error ${err}`);
      for (const k of ['gpu_upload_s', 'gpu_prepass_s', 'gpu_kernel_s', 'gpu_readback_s']) {
        assert.ok(t.split?.[k] && t.split[k].samples.length === 2, `${kernel}: split ${k}`);
      }
      assert.is(t.memory.after_warm.gpu_bytes, t.memory.before_warm.gpu_bytes, 'no GPU memory growth across warm runs');
    }
  });

  test('a context refuses limits above the adapter\'s', async () => {
    assert.throws(() => new GpuContext(handle, { limits: { maxComputeWorkgroupsPerDimension: 2 ** 31 } }), /above what the adapter supports/);
  });
}
