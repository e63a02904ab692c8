// The library API (src/index.ts): argv and config inputs give the same image, HKL as text, a golden case
// through the library against the C image, the browser bundle run in Node, backend choice and its reasons,
// dispose, and the kernels on their own. Golden case: combined_256 (HKL, tricubic, absorption, oversample 2),
// which uses every field the web page sets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createSimulator, configToArgv, loadHkl, interpolateF, captureFractions, resolveLayers, BACKEND_ORDER,
  type SimulationConfig, type Simulator,
} from '../src/index.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { loadGoldenCases } from './helpers/golden.ts';
import { bundleLibrary, writeBundle } from '../src/serve.ts';
import { assertSameBits } from './helpers/arrays.ts';

const golden = loadGoldenCases().find((c) => c.name === 'combined_256');
if (!golden) throw new Error('golden case combined_256 missing (see tests/helpers/golden.ts)');
const hklText = readFileSync(golden.hklPath!, 'utf8');
/** The C command line minus the program name and the output flags. */
const argv = golden.argv.slice(1).filter((t, i, a) => t !== '-floatfile' && a[i - 1] !== '-floatfile');
const argvWithPath = argv.map((t, i) => (argv[i - 1] === '-hkl' ? golden.hklPath! : t));

const config: SimulationConfig = {
  cell: [100, 100, 100, 90, 90, 90], N: 2, lambdaA: 1, distanceMm: 150, pixelMm: 0.1, detpixels: 256,
  hkl: hklText, hklPath: 'smooth_grid_12.hkl', defaultF: 0, interpolate: true, oversample: 2,
  detectorThickUm: 100, detectorAbsUm: 500, thicksteps: 5,
};


function assertGolden(image: Float32Array, maxRel: number, label: string): void {
  const m = compareImages(image, golden!.image);
  const info = `${label}: max|diff|/max=${m.maxRelDiff.toExponential(2)} sum ratio-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`;
  assert.ok(m.maxRelDiff <= maxRel, info);
  assert.ok(Math.abs(m.sumRatio - 1) <= 1e-6, info);
  assert.ok(1 - m.pearson <= 1e-6, info);
}

/** uvu 0.5 has no assert.rejects. */
async function rejects(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

let f64: Simulator;
let f32: Simulator;

test.before(async () => {
  f64 = await createSimulator({ backend: 'wasm', dtype: 'f64' });
  f32 = await createSimulator({ backend: 'wasm', dtype: 'f32' });
});

test.after(async () => {
  await f64.dispose();
  await f32.dispose();
});

test('configToArgv: one nanoBragg flag per field, numbers exactly as Number() reads them back', () => {
  assert.equal(configToArgv(config), [
    '-hkl', 'smooth_grid_12.hkl', '-cell', '100', '100', '100', '90', '90', '90', '-N', '2', '-default_F', '0', '-interpolate',
    '-lambda', '1', '-distance', '150', '-pixel', '0.1', '-detpixels', '256',
    '-detector_thick', '100', '-detector_abs', '500', '-detector_thicksteps', '5', '-oversample', '2',
  ]);
  const tricky = configToArgv({ cell: [1e-7, 0.1 + 0.2, 1e21, 90, 90, 90], detpixels: [10, 20], detectorAbsUm: 'inf', interpolate: false, polarization: false });
  assert.equal(tricky.slice(1, 4), ['1e-7', '0.30000000000000004', '1e+21']);
  for (const t of tricky.slice(1, 4)) assert.is(String(Number(t)), t);
  assert.ok(tricky.join(' ').includes('-detpixels_f 10 -detpixels_s 20'));
  assert.ok(tricky.join(' ').includes('-detector_abs inf') && tricky.includes('-nointerpolate') && tricky.includes('-nopolar'));
});

test('configToArgv refuses unknown keys (with a suggestion) and non-finite numbers', () => {
  assert.throws(() => configToArgv({ ...config, lamda: 1 } as unknown as SimulationConfig), /unknown config key 'lamda' \(did you mean 'lambdaA'\?\)/);
  assert.throws(() => configToArgv({ ...config, distanceMm: NaN }), /config\.distanceMm must be a finite number/);
  assert.throws(() => configToArgv({ ...config, cell: [1, 2, 3] as unknown as SimulationConfig['cell'] }), /config\.cell must be/);
});

test('argv and config inputs give the same image, bit for bit (and the config reports its command line)', async () => {
  const a = await f32.simulate(argvWithPath);
  const c = await f32.simulate(config);
  assertSameBits(c.image, a.image, 'config vs argv');
  assert.equal(c.stats, a.stats);
  assert.equal(c.warnings, a.warnings);
  assert.is(c.interpolation, a.interpolation);
  assert.equal(c.argv, configToArgv(config));
  assert.is(c.width, 256);
  assert.is(c.height, 256);
});

test('hklText: HKL contents (text or bytes) instead of the -hkl file', async () => {
  const file = await f32.simulate(argvWithPath);
  const text = await f32.simulate(argv, { hklText });
  const bytes = await f32.simulate(argv, { hklText: new TextEncoder().encode(hklText) });
  assertSameBits(text.image, file.image, 'hklText string');
  assertSameBits(bytes.image, file.image, 'hklText bytes');
  // the option wins over config.hkl
  const zeros = await f32.simulate({ ...config, hkl: '0 0 0 0\n' }, { hklText });
  assertSameBits(zeros.image, file.image, 'hklText over config.hkl');
});

test('golden combined_256 through the library: f64 within 1e-6 of the C image, f32 within 5e-6', async () => {
  const r = await f64.simulate(config);
  assert.is(r.backend, 'wasm');
  assert.is(r.dtype, 'f64');
  assert.is(r.binary, 'simd');
  assertGolden(r.image, 1e-6, 'f64');
  for (const w of golden.warnings) assert.ok(r.warnings.map((x) => x.trimEnd()).includes(w.trimEnd()), `missing warning ${w}`);
  assert.ok(r.timings.loop_s > 0 && r.timings.total_s >= r.timings.loop_s && r.timings.prepare_s >= 0, JSON.stringify(r.timings));
  assertGolden((await f32.simulate(config)).image, 5e-6, 'f32');
});

test('the browser bundle (dist/nanobragg.js with its .wasm beside it) runs unchanged in Node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nanobragg-dist-'));
  try {
    const b = await bundleLibrary();
    assert.equal(b.dynamicNodeImports.filter((m) => !m.startsWith('node:')), []);
    const files = await writeBundle(dir, b);
    for (const f of ['nanobragg.js', 'simd.wasm', 'scalar.wasm', 'worker.js']) assert.ok(files.includes(f), `bundle lacks ${f}: ${files}`);
    const js = readFileSync(join(dir, 'nanobragg.js'), 'utf8');
    assert.not.match(js, /^import .* from ["']node:/m, 'a static import of a Node built-in');
    assert.not.match(js, /build\//, 'a URL still pointing into build/');
    const lib: typeof import('../src/index.ts') = await import(pathToFileURL(join(dir, 'nanobragg.js')).href);
    const sim = await lib.createSimulator({ backend: 'wasm', dtype: 'f64' });
    const r = await sim.simulate(config);
    await sim.dispose();
    assertSameBits(r.image, (await f64.simulate(config)).image, 'bundle vs source');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backend auto: says which backend it chose and why each faster one was passed over', async () => {
  const sim = await createSimulator({ dtype: 'f64' });
  try {
    assert.ok(BACKEND_ORDER.includes(sim.backend));
    assert.match(sim.backendReason, /^auto: /);
    assert.ok(sim.backendReason.includes(`chose ${sim.backend}`), sim.backendReason);
    const before = BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(sim.backend));
    assert.equal(sim.attempts.map((a) => a.backend), [...before, sim.backend]);
    for (const a of sim.attempts.slice(0, -1)) {
      assert.is(a.ok, false);
      assert.ok(sim.backendReason.includes(`${a.backend} unavailable (${a.reason})`), sim.backendReason);
    }
    const r = await sim.simulate(config);
    assert.is(r.backend, sim.backend);
    assert.is(r.backendReason, sim.backendReason);
    assertGolden(r.image, sim.backend === 'webgpu' ? 1e-3 : 1e-6, `auto (${sim.backend})`);
  } finally {
    await sim.dispose();
  }
});

test('a backend asked for by name runs as that backend or throws naming it, never a substitute', async () => {
  const scalar = await createSimulator({ backend: 'wasm-scalar', dtype: 'f64' });
  assert.is(scalar.backend, 'wasm-scalar');
  assert.is(scalar.binary, 'scalar');
  assert.match(scalar.backendReason, /^requested/);
  assertGolden((await scalar.simulate(config)).image, 1e-6, 'wasm-scalar f64');
  await scalar.dispose();
  for (const backend of ['wasm-threads', 'webgpu'] as const) {
    try {
      const sim = await createSimulator({ backend, dtype: 'f32', ...(backend === 'wasm-threads' ? { threads: 2 } : {}) });
      assert.is(sim.backend, backend);
      await sim.dispose();
    } catch (e) {
      assert.match((e as Error).message, new RegExp(`^backend ${backend} (is unavailable here|failed to start): `));
    }
  }
  await rejects(() => createSimulator({ backend: 'cuda' as never }), /unknown backend 'cuda'/);
  await rejects(() => createSimulator({ dtype: 'f16' as never }), /unknown dtype 'f16'/);
});

test('into: the image lands in the caller\'s array (same bits, same array back); a wrong size rejects first', async () => {
  const ref = (await f32.simulate(config)).image;
  for (const backend of ['wasm', 'wasm-scalar', 'wasm-threads'] as const) {
    const sim = await createSimulator({ backend, dtype: 'f32', ...(backend === 'wasm-threads' ? { threads: 2 } : {}) });
    try {
      const into = new Float32Array(256 * 256).fill(-1);
      const r = await sim.simulate(config, { into });
      assert.ok(r.image === into, `${backend}: result.image is the array passed in`);
      assertSameBits(into, ref, `${backend} into`);
      await rejects(() => sim.simulate(config, { into: new Float32Array(256 * 255) }),
        /'into' has 65280 elements but the image has 256x256 = 65536 pixels/);
      await rejects(() => sim.simulate(config, { into: new Float64Array(65536) as unknown as Float32Array }), /'into' must be a Float32Array/);
    } finally {
      await sim.dispose();
    }
  }
});

test('borrow: the image as a view of the engine\'s memory (same bits); into wins over borrow', async () => {
  const ref = (await f32.simulate(config)).image;
  for (const backend of ['wasm', 'wasm-threads'] as const) {
    const sim = await createSimulator({ backend, dtype: 'f32', ...(backend === 'wasm-threads' ? { threads: 2 } : {}) });
    try {
      const r = await sim.simulate(config, { borrow: true });
      assertSameBits(r.image, ref, `${backend} borrowed`);
      assert.ok(r.image.buffer.byteLength > r.image.byteLength, `${backend}: a view into the engine's memory`);
      const into = new Float32Array(256 * 256);
      assert.ok((await sim.simulate(config, { borrow: true, into })).image === into);
      assertSameBits(into, ref, `${backend} into`);
    } finally {
      await sim.dispose();
    }
  }
});

test('dispose: waits for the running simulation, then later calls reject; idempotent', async () => {
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f32' });
  const running = sim.simulate(config);
  const disposed = sim.dispose();
  const r = await running;
  assert.is(r.width, 256);
  await disposed;
  await rejects(() => sim.simulate(config), /disposed/);
  await sim.dispose();
});

test('input errors reject with one line naming the problem', async () => {
  await rejects(() => f32.simulate(['-cell', '100', '100', '100', '90', '90', '90', '-lamda', '1']), /unknown option '-lamda' \(did you mean '-lambda'\?\)/);
  await rejects(() => f32.simulate({ ...config, hkl: '1 2 x 4\n' }), /smooth_grid_12\.hkl:1: /);
  await rejects(() => f32.simulate(['-cell', 100] as unknown as string[]), /array of strings/);
});

test('loadHkl + interpolateF: grid values at the nodes, nearest after the switch-off, with C warning lines', async () => {
  const grid = loadHkl(hklText);
  assert.is(grid.hMin, -12);
  assert.equal(grid.warnings, []);
  const at = (h: number, k: number, l: number) => grid.data[((h - grid.hMin) * grid.kRange + (k - grid.kMin)) * grid.lRange + (l - grid.lMin)];
  const h = [0, 1, -3, 2.5], k = [0, 2, 4, -1.25], l = [0, 3, -5, 0.5];
  const r = await interpolateF(grid, h, k, l);
  assert.instance(r.values, Float64Array);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.values[i] - at(h[i], k[i], l[i])) <= 1e-12 * Math.abs(at(h[i], k[i], l[i])), `node ${i}`);
  assert.is(r.firstOutOfRange, -1);
  const r32 = await interpolateF(grid, h, k, l, { variant: 'f32x4' });
  assert.instance(r32.values, Float32Array);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(r32.values[i] - r.values[i]) <= 1e-6 * Math.abs(r.values[i]) + 1e-6, `f32x4 ${i}`);
  // 11.5 is outside the tricubic window (hMax - 2 = 10): nearest from there on, for this call and the next
  const state = { interpolate: true, warned: false };
  const out = await interpolateF(grid, [1.5, 11.5, 1.5], [0, 0, 0], [0, 0, 0], { state });
  assert.is(out.firstOutOfRange, 1);
  assert.is(out.values[2], at(1, 0, 0), 'nearest of 1.5 is 1: C rounds with ceil(x - 0.5)');
  assert.match(out.warnings[0], /^WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: 11\.5,0,0,11,0,0 $/);
  const again = await interpolateF(grid, [1.5], [0], [0], { state });
  assert.equal(again.warnings, []);
  assert.is(again.values[0], at(1, 0, 0));
});

test('captureFractions: the layers of a thick sensor add up to 1 - exp(-n Δ μ / ρ)', async () => {
  const layers = resolveLayers({ thickness_m: 100e-6, thicksteps: 5, mu: 1 / 500e-6 });
  assert.is(layers.nLayers, 5);
  const rho = [1, 0.9, 0.5];
  const fr = await captureFractions(rho, layers.nLayers, layers.delta, layers.mu);
  assert.instance(fr, Float64Array);
  for (let p = 0; p < rho.length; p++) {
    let sum = 0;
    for (let t = 0; t < layers.nLayers; t++) sum += fr[p * layers.nLayers + t];
    const want = -Math.expm1(-layers.nLayers * layers.delta * layers.mu / rho[p]);
    assert.ok(Math.abs(sum - want) <= 1e-14, `rho ${rho[p]}: ${sum} vs ${want}`);
  }
  const fr32 = await captureFractions(rho, layers.nLayers, layers.delta, layers.mu, 'f32');
  assert.instance(fr32, Float32Array);
  for (let i = 0; i < fr.length; i++) assert.ok(Math.abs(fr32[i] - fr[i]) <= 1e-6 * fr[i], `f32 ${i}`);
});

test.run();
