// The WebGPU backend's pure parts, on CPU only (no adapter needed): workgroup size, dispatch shape and tiling,
// buffer-size checks, pipeline keys, uniform layout, the switch-off resolution, the f64 host twin of the
// evaluation geometry (against the WASM pre-pass findFirstOutOfRange), the generated WGSL (no built-in sin/cos/
// exp/atan2: docs/precision.md fix 5) and the f64 refusal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyLimitOverride, checkStorageSize, chooseStatsPlace, chooseWorkgroupSize, DEFAULT_LIMITS, GpuBufferTooLargeError, itemsPerTile,
  pipelineKey, planDispatch, readLimits, type AdapterFacts, type SimulateVariant,
} from '../src/webgpu/select.ts';
import { uniformLayout } from '../src/webgpu/uniforms.ts';
import { pairAddF32, pairCheckInputs, pairCheckPasses } from '../src/webgpu/stats.ts';
import { tophatOverrides } from '../src/webgpu/tophat.ts';
import { resolveSwitch } from '../src/webgpu/switchoff.ts';
import { evaluationsPerPixel, firstOutOfRangeScan, forEachEvaluation, geometry64, millerExtent } from '../src/webgpu/geometry64.ts';
import { prepassWgsl, simulateWgsl, simUniforms, SIM, anchorSubpixel } from '../src/webgpu/simulate.ts';
import { createWebGpuEngine, WEBGPU_F64_REFUSAL } from '../src/webgpu/engine.ts';
import { prepareSimulation } from '../src/simulator/engine.ts';
import { fillParams, P } from '../src/simulator/params.ts';
import { R_E_SQR } from '../src/simulator/setup.ts';
import { loadKernels } from '../src/wasm/loader.ts';
import { goldenDir } from './helpers/golden.ts';

const limits = (o: Partial<typeof DEFAULT_LIMITS> = {}) => ({ ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, ...o });
const adapter = (o: Partial<AdapterFacts> = {}): AdapterFacts => ({ vendor: '', description: '', isFallbackAdapter: false, limits: limits(), ...o });

test('workgroup size: by vendor, a power of two within the device limits', () => {
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'nvidia', description: 'NVIDIA H200' })), 128);
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'amd' })), 64);
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'apple' })), 64);
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'google', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true })), 32);
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15)' })), 32);
  assert.is(chooseWorkgroupSize(adapter({ vendor: 'nvidia', limits: limits({ maxComputeInvocationsPerWorkgroup: 96 }) })), 64);
  assert.is(chooseWorkgroupSize(adapter({ limits: limits({ maxComputeWorkgroupSizeX: 48 }) })), 32);
  assert.is(chooseWorkgroupSize(adapter({ limits: limits({ maxComputeInvocationsPerWorkgroup: 1, maxComputeWorkgroupSizeX: 1 }) })), 1);
});

test('chooseStatsPlace: image statistics on the GPU, on the host for software adapters', () => {
  assert.is(chooseStatsPlace(adapter({ vendor: 'nvidia', description: 'NVIDIA H200' })), 'gpu');
  assert.is(chooseStatsPlace(adapter({ vendor: 'amd' })), 'gpu');
  assert.is(chooseStatsPlace(adapter({ vendor: 'google', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true })), 'host');
  assert.is(chooseStatsPlace(adapter({ vendor: 'google', architecture: 'swiftshader' })), 'host');
  assert.is(chooseStatsPlace(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15)' })), 'host');
  assert.is(chooseStatsPlace(adapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver', isFallbackAdapter: true })), 'host');
});

test('float-pair check: pairAddF32 keeps the rounding error a reassociating compiler loses', () => {
  const inputs = pairCheckInputs();
  const n = inputs.length / 4;
  const ieee = new Float32Array(2 * n);
  const rewritten = new Float32Array(2 * n); // what a compiler that folds (a - (s - bb)) + (b - bb) to 0 gives
  for (let i = 0; i < n; i++) {
    const x: [number, number] = [inputs[4 * i], inputs[4 * i + 1]], y: [number, number] = [inputs[4 * i + 2], inputs[4 * i + 3]];
    [ieee[2 * i], ieee[2 * i + 1]] = pairAddF32(x, y);
    // the pair is the exact sum to about 2^-44 of it (f64 sums of these inputs are exact)
    const exact = x[0] + x[1] + y[0] + y[1];
    assert.ok(Math.abs(ieee[2 * i] + ieee[2 * i + 1] - exact) <= 2 ** -44 * Math.abs(exact), `case ${i}: ${ieee[2 * i]} + ${ieee[2 * i + 1]} vs ${exact}`);
    const h = Math.fround(Math.fround(x[0] + y[0]) + Math.fround(x[1] + y[1]));
    [rewritten[2 * i], rewritten[2 * i + 1]] = [h, 0];
  }
  assert.ok(pairCheckPasses(inputs, ieee));
  assert.not.ok(pairCheckPasses(inputs, rewritten));
  const oneUlp = ieee.slice();
  oneUlp[3] = Math.fround(oneUlp[3] * (1 + 2 ** -23));
  assert.not.ok(pairCheckPasses(inputs, oneUlp), 'one element one ulp off');
});

test('tophatOverrides: sorted unique pixels, one skip bit per raw evaluation as geometry64 decides it in f64', async () => {
  const prepared = await prepareSimulation(['-cell', '100', '100', '100', '90', '90', '90', '-lambda', '1', '-pixel', '0.1', '-distance', '150',
    '-detpixels', '256', '-N', '5', '-default_F', '0', '-nointerpolate', '-tophat_spots', '-oversample', '6', '-phisteps', '2', '-osc', '0.2'], { hklText: smoothHkl });
  const g = geometry64(prepared.sim);
  const per = evaluationsPerPixel(g);
  assert.is(per, 72); // 36 subpixels x 2 phi steps: three words per pixel
  const pixels = [0, 255, 9000, 33000, 65535];
  const t = tophatOverrides(g, [65535, 9000, 0, 33000, 255, 9000]);
  assert.is(t.count, 5);
  assert.is(t.words, 3);
  assert.equal(Array.from(t.data.subarray(0, 5)), pixels);
  let skippedSeen = 0;
  pixels.forEach((pixel, i) => {
    forEachEvaluation(g, pixel, (raw, _h, _k, _l, skipped) => {
      const bit = (t.data[5 + i * 3 + (raw >>> 5)] >>> (raw & 31)) & 1;
      assert.is(bit, skipped ? 1 : 0, `pixel ${pixel} evaluation ${raw}`);
      if (skipped) skippedSeen++;
    });
  });
  assert.ok(skippedSeen > 0 && skippedSeen < pixels.length * per, `${skippedSeen} skipped evaluations: both kinds present`);
});

/** Every item covered exactly once, every tile within the limits. */
function checkPlan(items: number, wg: number, maxDim: number, maxPerTile?: number) {
  const plan = planDispatch(items, wg, maxDim, maxPerTile);
  let next = 0;
  for (const t of plan.tiles) {
    assert.is(t.base, next, 'tiles are contiguous');
    assert.ok(t.end > t.base && t.end <= items);
    const [x, y, z] = t.groups;
    assert.ok(x >= 1 && y >= 1 && z === 1 && x <= maxDim && y <= maxDim, `groups ${t.groups} within ${maxDim}`);
    assert.ok(x * y * wg >= t.end - t.base, 'the grid covers the tile');
    assert.ok((x * y - x) * wg < t.end - t.base || y === 1, 'no whole idle row of groups');
    if (maxPerTile !== undefined) assert.ok(t.end - t.base <= Math.max(wg, maxPerTile));
    next = t.end;
  }
  assert.is(next, items, 'all items covered');
  return plan;
}

test('dispatch: 1-D when it fits, folded 2-D beyond maxComputeWorkgroupsPerDimension, tiles beyond that', () => {
  let p = checkPlan(65536, 64, 65535);
  assert.is(p.shape, '1d');
  assert.equal(p.tiles[0].groups, [1024, 1, 1]);
  // a 2048^2 detector at 64 threads per group is 65 536 groups, one more than the limit
  p = checkPlan(2048 * 2048, 64, 65535);
  assert.is(p.shape, '2d');
  assert.equal(p.tiles[0].groups, [32768, 2, 1]);
  p = checkPlan(4096 * 4096, 128, 65535);
  assert.is(p.shape, '2d');
  p = checkPlan(1000, 8, 7);
  assert.is(p.shape, 'tiled');
  assert.is(p.tiles.length, Math.ceil(125 / 49));
  p = checkPlan(1000, 8, 65535, 100);
  assert.is(p.shape, 'tiled');
  checkPlan(1, 32, 1);
  checkPlan(12345, 32, 3, 7);
  assert.is(planDispatch(0, 64, 65535).tiles.length, 0);
  assert.throws(() => planDispatch(-1, 64, 65535), /non-negative/);
  assert.throws(() => planDispatch(10, 0, 65535), /workgroup size/);
});

test('tile budget: shorter dispatches on fallback adapters', () => {
  assert.ok(itemsPerTile(adapter({ isFallbackAdapter: true }), 5) < itemsPerTile(adapter(), 5));
  assert.is(itemsPerTile(adapter(), 2 ** 30), 1);
});

test('storage buffers: a clear error naming the buffer, its size and the limit', () => {
  checkStorageSize('x', 2 ** 30, limits());
  try {
    checkStorageSize('the image (16384x16384 pixels, f32)', 2 ** 30 + 4, limits());
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, GpuBufferTooLargeError);
    const m = (e as Error).message;
    for (const part of ['the image (16384x16384 pixels, f32)', '1073741828 bytes', 'maxStorageBufferBindingSize', '--backend wasm']) {
      assert.ok(m.includes(part), `"${part}" in: ${m}`);
    }
  }
  assert.throws(() => checkStorageSize('y', 300, limits({ maxBufferSize: 256 })), /maxBufferSize = 256/);
});

test('limits: read from GPUSupportedLimits-like objects, lowered (never raised) by overrides', () => {
  const l = readLimits({ maxStorageBufferBindingSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 65535, other: 3 });
  assert.is(l.maxStorageBufferBindingSize, 2 ** 30);
  assert.is(l.maxBufferSize, DEFAULT_LIMITS.maxBufferSize);
  assert.is(applyLimitOverride(l, { maxComputeWorkgroupsPerDimension: 7 }).maxComputeWorkgroupsPerDimension, 7);
  assert.throws(() => applyLimitOverride(l, { maxComputeWorkgroupsPerDimension: 70000 }), /above what the adapter supports/);
  assert.throws(() => applyLimitOverride(l, { maxBufferSize: 0 }), /positive integer/);
});

const VARIANT: SimulateVariant = {
  shape: 0, interpolate: true, hkls: true, layers: false, oversampleThick: false, oversamplePolar: false,
  oversampleOmega: false, workgroupSize: 64,
};

test('pipeline keys: one per shader variant, equal for equal variants', () => {
  const k = pipelineKey('simulate', VARIANT);
  assert.is(pipelineKey('simulate', { ...VARIANT }), k);
  const changes: Partial<SimulateVariant>[] = [{ shape: 3 }, { interpolate: false }, { hkls: false }, { layers: true },
    { oversampleThick: true }, { oversamplePolar: true }, { oversampleOmega: true }, { workgroupSize: 128 }];
  const keys = new Set([k, ...changes.map((c) => pipelineKey('simulate', { ...VARIANT, ...c }))]);
  assert.is(keys.size, changes.length + 1);
  assert.is.not(pipelineKey('prepass', VARIANT), k);
});

test('uniform layout: WGSL alignment (vec4 on 16 bytes) and packing', () => {
  const L = uniformLayout('T', [['a', 'f32'], ['v', 'vec4f'], ['i', 'i32'], ['u', 'u32']] as const);
  assert.equal(L.offsets, { a: 0, v: 16, i: 32, u: 36 });
  assert.is(L.size, 48);
  assert.ok(L.wgsl.includes('v: vec4<f32>,'));
  const dv = new DataView(L.pack({ a: 1.5, v: [1, 2, 3], i: -7, u: 2 ** 32 - 1 }));
  assert.is(dv.getFloat32(0, true), 1.5);
  assert.is(dv.getFloat32(24, true), 3);
  assert.is(dv.getInt32(32, true), -7);
  assert.is(dv.getUint32(36, true), 2 ** 32 - 1);
  assert.throws(() => L.pack({ a: 1, v: [0], i: 0.5, u: 0 }), /not an i32/);
  assert.throws(() => L.pack({ a: 1, v: [0], i: 0, u: -1 }), /not a u32/);
  assert.is(SIM.size % 16, 0);
});

test('switch-off resolution: candidates before the first definite unit, in order; overflow checks everything', () => {
  const isOut = new Set([7, 12]);
  const check = (u: number) => (isOut.has(u) ? u : null);
  assert.equal(resolveSwitch({ first: 12, candidates: [9, 3, 7, 20], candidateCount: 4, overflow: false }, 100, check), { result: 7, checked: 2 });
  assert.equal(resolveSwitch({ first: 12, candidates: [9, 3], candidateCount: 2, overflow: false }, 100, check), { result: 12, checked: 3 });
  assert.equal(resolveSwitch({ first: null, candidates: [3, 3, 9], candidateCount: 3, overflow: false }, 100, check), { result: null, checked: 2 });
  assert.equal(resolveSwitch({ first: null, candidates: [], candidateCount: 5000, overflow: true }, 10, check).result, 7);
  assert.equal(resolveSwitch({ first: 12, candidates: [], candidateCount: 5000, overflow: true }, 100, check), { result: 7, checked: 8 });
});

// ---- the f64 host twin of the evaluation geometry against the WASM pre-pass

const smoothHkl = readFileSync(join(goldenDir, 'smooth_grid_12.hkl'), 'utf8');
const MIDIMAGE = '-hkl smooth_grid_12.hkl -cell 100 100 100 90 90 90 -lambda 1 -pixel 0.1 -distance 150 -detpixels 256 -N 2 -default_F 10 -interpolate -oversample 1 -Xbeam 2.0 -Ybeam 12.8'.split(' ');
/** Variants of the mid-image switch-off case: switch-off inside a pixel, phi steps, shapes, ROI. */
const SWITCH_VARIANTS: Record<string, string[]> = {
  'mid-image': [],
  'oversample 3, 3 layers': ['-oversample', '3', '-detector_thick', '100', '-detector_thicksteps', '3', '-detector_abs', '500'],
  '3 phi steps': ['-phisteps', '3', '-osc', '0.6'],
  'phi0 = 0, oversample 2': ['-phi', '0', '-phisteps', '3', '-osc', '0.6', '-oversample', '2'],
  'tophat N 5': ['-tophat_spots', '-N', '5'],
  'round N 3': ['-round_xtal', '-N', '3'],
  'gauss N 3, oversample 2': ['-gauss_xtal', '-N', '3', '-oversample', '2'],
  'roi': ['-roi', '10', '200', '150', '220'],
  'divergence x dispersion, Kahn, -oversample_polar': ['-hdivrange', '0.3', '-vdivrange', '0.3', '-hdivsteps', '3', '-vdivsteps', '3',
    '-dispersion', '1', '-dispsteps', '2', '-polar', '0.9', '-oversample_polar'],
  'round crystal, -water, 2 wavelengths': ['-round_xtal', '-N', '3', '-water', '50', '-dispersion', '0.5', '-dispsteps', '2'],
  '-dmin, 2 wavelengths': ['-dmin', '3.2', '-dispersion', '2', '-dispsteps', '2'],
  '-curved_det': ['-curved_det'],
};

test('geometry64 finds the same first out-of-range evaluation as the WASM pre-pass (f64, bit for bit)', async () => {
  const k = await loadKernels();
  let insidePixel = 0;
  for (const [name, extra] of Object.entries(SWITCH_VARIANTS)) {
    const { sim } = await prepareSimulation([...MIDIMAGE, ...extra], { hklText: smoothHkl });
    const g = geometry64(sim);
    const ours = firstOutOfRangeScan(g, 0, g.fpixels * g.spixels);
    k.reset();
    const gridF64 = k.put(sim.grid!.data), gridF32 = k.put(Float32Array.from(sim.grid!.data)), phiTable = k.put(sim.phi.table);
    const sources = k.put(sim.sources.table);
    const params = k.alloc(P.COUNT * 8), out = k.alloc(40);
    fillParams(k.f64(params, P.COUNT), sim, { phiTable, gridF64, gridF32, sources }, R_E_SQR);
    const found = k.exports.findFirstOutOfRange(params, 0, g.spixels, out);
    assert.ok(found && ours, `${name}: both find a switch-off`);
    const w = Array.from(k.f64(out, 5));
    assert.equal([ours!.pixel, ours!.counted, ours!.h, ours!.k, ours!.l], w, name);
    if (ours!.raw > 0) insidePixel++;
  }
  assert.ok(insidePixel >= 3, 'some variants switch off after the first evaluation of the pixel');
});

test('millerExtent: largest |h|,|k|,|l| of a cubic cell on a 64x64 detector, from the geometry by hand', async () => {
  const { sim } = await prepareSimulation('-cell 100 100 100 90 90 90 -lambda 1 -pixel 0.1 -distance 100 -detpixels 64 -N 5 -default_F 100 -oversample 1'.split(' '));
  const e = millerExtent(geometry64(sim));
  // beam at 3.3 mm on both axes, pixel centres at (i + 0.5) 0.1 mm: P = (0.1, Sbeam - Sdet, Fdet - Fbeam) with
  // |Py| <= 3.25 mm and |Pz| <= 3.25 mm; h = 100 (d_x - 1), k = 100 d_y, l = 100 d_z (a = 100 A, lambda = 1 A)
  const edge = 3.25e-3, mid = 0.05e-3;
  const kMax = 100 * edge / Math.sqrt(0.01 + edge * edge + mid * mid); // |Py| largest, Pz nearest 0
  const hMax = 100 * (1 - 0.1 / Math.sqrt(0.01 + 2 * edge * edge)); // the far corner
  assert.ok(Math.abs(e.kMax - kMax) < 1e-12, `${e.kMax} vs ${kMax}`);
  assert.ok(Math.abs(e.lMax - kMax) < 1e-12, `${e.lMax} vs ${kMax}`);
  assert.ok(Math.abs(e.hMax - hMax) < 1e-12, `${e.hMax} vs ${hMax}`);
  assert.is(e.max, Math.max(e.hMax, e.kMax, e.lMax));
  assert.ok(millerExtent(geometry64(sim), 8).max <= e.max + 1e-12);
});

test('anchor subpixel: next to the beam (docs/precision.md fix 2)', async () => {
  const { sim } = await prepareSimulation(MIDIMAGE.concat(['-oversample', '2']), { hklText: smoothHkl });
  const a = anchorSubpixel(sim);
  const sub = sim.detector.pixel / 2;
  // beam at Fbeam (fast) and Sbeam (slow): the anchor subpixel's centre is within half a subpixel of it
  assert.ok(Math.abs(sub * a.f + sub / 2 - sim.detector.Fbeam) <= sub / 2 + 1e-15, `f ${a.f}`);
  assert.ok(Math.abs(sub * a.s + sub / 2 - sim.detector.Sbeam) <= sub / 2 + 1e-15, `s ${a.s}`);
  assert.ok(simUniforms(sim).byteLength === SIM.size);
});

test('generated WGSL never calls the built-in sin, cos, exp or atan2 (docs/precision.md fix 5)', () => {
  const builtins = /(?<![\w.])(sin|cos|tan|exp|exp2|atan2|atan|pow|log)\s*\(/;
  for (const shape of [0, 1, 2, 3]) {
    for (const interpolate of [false, true]) {
      for (const flags of [false, true]) {
        const v = { ...VARIANT, shape, interpolate, layers: flags, oversampleThick: flags, oversamplePolar: flags, oversampleOmega: flags };
        for (const code of [simulateWgsl(v), prepassWgsl(v)]) {
          const m = code.replace(/\/\/.*$/gm, '').match(builtins);
          assert.not.ok(m, `built-in ${m?.[0]} in the WGSL of shape ${shape}`);
          assert.ok(code.includes('sinpi_reduced'));
        }
      }
    }
  }
});

test('webgpu refuses f64 with a message naming the backend that can', async () => {
  try {
    await createWebGpuEngine({ dtype: 'f64' });
    assert.unreachable('should throw');
  } catch (e) {
    assert.is((e as Error).message, WEBGPU_F64_REFUSAL);
    assert.is(WEBGPU_F64_REFUSAL, 'the webgpu backend computes in f32 (with df64 where needed); use --backend wasm for --dtype f64');
  }
});

test.run();
