// The tricubic kernels through the host wrapper (src/kernels/tricubic.ts) on both binaries:
// docs/c-behaviour/minimal-loop.md 7.2 values, nearest neighbour, the 7.3 switch-off sequence with C's warning text,
// scalar/SIMD bitwise agreement and the f32 tolerance on random batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKernels, wasmSimdSupported, type WasmFlavour, type WasmKernels } from '../src/wasm/loader.ts';
import {
  interpolateF, uploadGrid, outOfRangeWarning, type HklGrid, type InterpolationState, type TricubicVariant,
} from '../src/kernels/tricubic.ts';
import { assertSameBits } from './helpers/arrays.ts';

/** f32 variants vs the f64 reference: the bound stated in assembly/tricubic.ts (measured ~3e-7). */
const F32_MAX_REL = 1e-6;
const VARIANTS: TricubicVariant[] = ['f64', 'f64x2', 'f32', 'f32x4'];

function makeGrid(min: number, max: number, field: (h: number, k: number, l: number) => number, defaultF = 0): HklGrid {
  const r = max - min + 1;
  const data = new Float64Array(r * r * r);
  let i = 0;
  for (let h = min; h <= max; h++) for (let k = min; k <= max; k++) for (let l = min; l <= max; l++) data[i++] = field(h, k, l);
  return { hMin: min, hMax: max, kMin: min, kMax: max, lMin: min, lMax: max, hRange: r, kRange: r, lRange: r, data, defaultF };
}

const linear = (h: number, k: number, l: number) => 100 + 10 * h + 5 * k + 2 * l;
const grid15 = makeGrid(-15, 15, (h, k, l) => 200 + 3 * h - 2 * k + l + ((h * h + 2 * k * k + 3 * l * l) % 17));

/** golden/smooth_grid_12.hkl (`h k l F` per line), or null when the shared reference folder is absent. */
function readSmoothGrid(): HklGrid | null {
  const candidates = [
    process.env.NANOBRAGG_GOLDEN,
    fileURLToPath(new URL('../../shared/golden/', import.meta.url)),
    fileURLToPath(new URL('../shared/golden/', import.meta.url)),
  ].filter((d): d is string => !!d).map((d) => d.replace(/\/?$/, '/') + 'smooth_grid_12.hkl');
  const path = candidates.find((p) => existsSync(p));
  if (!path) return null;
  const rows = readFileSync(path, 'utf8').trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
  const min = [0, 1, 2].map((a) => Math.min(...rows.map((r) => r[a])));
  const max = [0, 1, 2].map((a) => Math.max(...rows.map((r) => r[a])));
  const range = [0, 1, 2].map((a) => max[a] - min[a] + 1);
  const data = new Float64Array(range[0] * range[1] * range[2]);
  for (const [h, k, l, F] of rows) data[((h - min[0]) * range[1] + (k - min[1])) * range[2] + (l - min[2])] = F;
  return {
    hMin: min[0], hMax: max[0], kMin: min[1], kMax: max[1], lMin: min[2], lMax: max[2],
    hRange: range[0], kRange: range[1], lRange: range[2], data, defaultF: 0,
  };
}
const smooth = readSmoothGrid();
if (!smooth) console.log('note: golden/smooth_grid_12.hkl not found (set NANOBRAGG_GOLDEN): smooth-grid checks skipped');

/** Deterministic uniform points in the tricubic window [min+2, max-2] of every axis. */
function randomPoints(grid: HklGrid, n: number, seed: number) {
  let s = seed >>> 0;
  const u32 = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const rnd = () => ((u32() >>> 5) * 2 ** 26 + (u32() >>> 6)) / 2 ** 53; // all 53 bits random
  const h = new Float64Array(n), k = new Float64Array(n), l = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    h[i] = grid.hMin + 2 + (grid.hRange - 5) * rnd();
    k[i] = grid.kMin + 2 + (grid.kRange - 5) * rnd();
    l[i] = grid.lMin + 2 + (grid.lRange - 5) * rnd();
  }
  return { h, k, l };
}

const f64s = (...a: number[]) => new Float64Array(a);
function run(kr: WasmKernels, grid: HklGrid, pts: [number, number, number][], variant: TricubicVariant, state?: InterpolationState) {
  return interpolateF(kr, grid, f64s(...pts.map((p) => p[0])), f64s(...pts.map((p) => p[1])), f64s(...pts.map((p) => p[2])),
    { variant, state });
}

const flavours: WasmFlavour[] = wasmSimdSupported() ? ['scalar', 'simd'] : ['scalar'];
if (flavours.length === 1) console.log('note: this runtime has no WebAssembly SIMD: simd.wasm checks skipped');
const kernels = new Map<WasmFlavour, WasmKernels>();
for (const f of flavours) kernels.set(f, await loadKernels(f));

for (const flavour of flavours) {
  const kr = kernels.get(flavour)!;

  test(`${flavour}: docs/c-behaviour/minimal-loop.md 7.2 polin3 values (f64 variants exact, f32 within ${F32_MAX_REL})`, () => {
    const pts: [number, number, number][] = [[0.3, -1.7, 2.45], [1.0, 2.0, 3.0], [-0.5, 0.5, 0.0], [4.999, -3.2, 0.01]];
    const want = [211.29693168332815, 204.0, 198.25, 229.5169321824317];
    const g4 = makeGrid(-4, 4, linear);
    for (const v of VARIANTS) {
      const r = run(kr, grid15, pts, v);
      const lin = run(kr, g4, [[0.5, 0.5, 0.5], [-0.25, 0.75, -0.5]], v);
      assert.is(r.firstOutOfRange, -1);
      assert.is(r.warnings.length, 0);
      assert.is(r.values instanceof Float32Array, v.startsWith('f32'));
      for (let i = 0; i < want.length; i++) {
        if (v.startsWith('f64')) assert.is(r.values[i], want[i], `${v} point ${i}`);
        else assert.ok(Math.abs(r.values[i] - want[i]) / want[i] <= F32_MAX_REL, `${v} point ${i}: ${r.values[i]}`);
      }
      if (v.startsWith('f64')) assert.equal([...lin.values], [108.5, 100.25]);
      else assert.ok(Math.abs(lin.values[0] - 108.5) <= 108.5 * F32_MAX_REL && Math.abs(lin.values[1] - 100.25) <= 100.25 * F32_MAX_REL);
    }
  });

  test(`${flavour}: nearest neighbour when interpolation is off`, () => {
    for (const v of VARIANTS) {
      const state = { interpolate: false, warned: false };
      const r = run(kr, grid15, [[0.3, -1.7, 2.45], [-0.5, 0.5, 0.0], [4.999, -3.2, 0.01], [15.5, 0, 0], [-15.6, 0, 0]], v, state);
      assert.is(r.firstOutOfRange, -1);
      assert.equal([...r.values], [209, 198, 230, 249, 0]);   // 15.5 -> 15 (halves round down); -15.6 -> default_F 0
      assert.equal(state, { interpolate: false, warned: false });
    }
  });

  test(`${flavour}: docs/c-behaviour/minimal-loop.md 7.3 switch-off sequence and C's warning, once per run`, () => {
    const g = makeGrid(-1, 1, (h, k, l) => 100 + h + k + l, 999);
    const warn = [
      'WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: 1.5,0,0,1,0,0 ',
      'WARNING: further warnings will not be printed! ',
    ];
    for (const v of VARIANTS) {
      // one batch
      const s1: InterpolationState = { interpolate: true, warned: false };
      const b = run(kr, g, [[1.5, 0, 0], [0, 0, 0], [5, 0, 0]], v, s1);
      assert.equal([...b.values], [101, 100, 999]);
      assert.is(b.firstOutOfRange, 0);
      assert.equal(b.warnings, warn);
      assert.equal(s1, { interpolate: false, warned: true });
      // the same evaluations one call at a time: the state carries the switch
      const s2: InterpolationState = { interpolate: true, warned: false };
      const r1 = run(kr, g, [[1.5, 0, 0]], v, s2);
      assert.equal([[...r1.values], r1.firstOutOfRange, r1.warnings], [[101], 0, warn]);
      const r2 = run(kr, g, [[0, 0, 0]], v, s2);
      assert.equal([[...r2.values], r2.firstOutOfRange, r2.warnings], [[100], -1, []]);
      const r3 = run(kr, g, [[5, 0, 0]], v, s2);
      assert.equal([[...r3.values], r3.firstOutOfRange, r3.warnings], [[999], -1, []]);
      // the switch fires again after the caller re-enabled interpolation: no second warning
      // (a -1..1 grid has an empty window: everything is out of range)
      s2.interpolate = true;
      const r4 = run(kr, g, [[0, 0, 0], [0.5, 0, 0]], v, s2);
      assert.equal([[...r4.values], r4.firstOutOfRange, r4.warnings], [[100, 100], 0, []]);
    }
  });

  test(`${flavour}: switch-off in the middle of a long batch`, () => {
    const g = makeGrid(-4, 4, linear, -7);
    const pts: [number, number, number][] = [];
    for (let i = 0; i < 37; i++) pts.push([0.5, 0.5, 0.5]);
    pts[23] = [0, 2.5, 0];      // k > kMax-2: out of range; NN F(0,2,0) = 110
    pts[30] = [4.6, 0, 0];      // NN outside the grid: default_F
    for (const v of VARIANTS) {
      const r = run(kr, g, pts, v);
      assert.is(r.firstOutOfRange, 23);
      for (let i = 0; i < 23; i++) assert.ok(Math.abs(r.values[i] - 108.5) <= (v.startsWith('f64') ? 0 : 108.5 * F32_MAX_REL));
      assert.is(r.values[23], 110);
      for (let i = 24; i < 37; i++) assert.is(r.values[i], i === 30 ? -7 : 100);
    }
  });

  test(`${flavour}: warning text follows C's %g and %d`, () => {
    assert.equal(outOfRangeWarning(0.30000000000000004, -1234567.8, 1e-5)[0],
      'WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: 0.3,-1.23457e+06,1e-05,0,-1234568,0 ');
    assert.equal(outOfRangeWarning(-0.5, 2.5, 13.0000001)[0],
      'WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: -0.5,2.5,13,-1,2,13 ');
    assert.equal(outOfRangeWarning(NaN, 1e10, -Infinity)[0],
      'WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: nan,1e+10,-inf,-2147483648,-2147483648,-2147483648 ');
    assert.equal(outOfRangeWarning(0, 0, 0)[1], 'WARNING: further warnings will not be printed! ');
  });

  test(`${flavour}: arena left as found; uploadGrid reuse gives the same values`, () => {
    const before = kr.used;
    const pts = randomPoints(grid15, 1001, 3);
    const a = interpolateF(kr, grid15, pts.h, pts.k, pts.l, { variant: 'f32x4' });
    assert.is(kr.used, before);
    const up = uploadGrid(kr, grid15);
    const mid = kr.used;
    const b = interpolateF(kr, grid15, pts.h, pts.k, pts.l, { variant: 'f32x4', upload: up });
    assert.is(kr.used, mid);
    assertSameBits(b.values, a.values, 'values');
    assert.throws(() => interpolateF(kr, grid15, pts.h, pts.k, pts.l, { upload: { ...up, grid: smooth ?? makeGrid(0, 0, () => 1) } }), /upload/);
    kr.reset();
    assert.throws(() => interpolateF(kr, grid15, pts.h, pts.k, pts.l, { upload: up }), /released/);
    assert.throws(() => interpolateF(kr, grid15, pts.h, pts.k, new Float64Array(3)), /lengths/);
    assert.throws(() => interpolateF(kr, { ...grid15, hRange: 30 }, pts.h, pts.k, pts.l), /invalid HKL grid/);
    assert.throws(() => interpolateF(kr, grid15, pts.h, pts.k, pts.l, { variant: 'f16' as TricubicVariant }), /unknown/);
  });

  for (const [name, grid] of [['grid15', grid15], ['smooth_grid_12', smooth]] as const) {
    test(`${flavour}: ${name} random batch: f64x2 = f64 and f32x4 = f32 bitwise, f32 within ${F32_MAX_REL} of f64`, () => {
      if (!grid) return;
      const n = 200_003;
      const { h, k, l } = randomPoints(grid, n, name.length);
      const r = Object.fromEntries(VARIANTS.map((v) => [v, interpolateF(kr, grid, h, k, l, { variant: v })]));
      for (const v of VARIANTS) assert.is(r[v].firstOutOfRange, -1, v);
      assertSameBits(r.f64x2.values, r.f64.values, 'f64x2 vs f64');
      assertSameBits(r.f32x4.values, r.f32.values, 'f32x4 vs f32');
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(r.f32.values[i] - r.f64.values[i]) / Math.abs(r.f64.values[i]));
      assert.ok(worst <= F32_MAX_REL, `max relative error ${worst}`);
      assert.ok(worst > 0, 'f32 path is not f32');
    });
  }
}

test('f32 error on a grid of random signed values: <= 1e-6 of the largest |F| in the stencil', () => {
  let t = 99;
  const rr = () => ((t = (Math.imul(t, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const g = makeGrid(-10, 10, () => 2 * rr() - 1);
  const n = 100_000;
  const { h, k, l } = randomPoints(g, n, 21);
  for (const kr of kernels.values()) {
    const a = interpolateF(kr, g, h, k, l, { variant: 'f64' }).values;
    const b = interpolateF(kr, g, h, k, l, { variant: 'f32x4' }).values;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const hf = Math.floor(h[i]) + 10, kf = Math.floor(k[i]) + 10, lf = Math.floor(l[i]) + 10;
      let m = 0;
      for (let x = -1; x <= 2; x++) for (let y = -1; y <= 2; y++) for (let z = -1; z <= 2; z++) {
        m = Math.max(m, Math.abs(g.data[((hf + x) * 21 + (kf + y)) * 21 + (lf + z)]));
      }
      worst = Math.max(worst, Math.abs(b[i] - a[i]) / m);
    }
    assert.ok(worst <= F32_MAX_REL, `${kr.flavour}: ${worst}`);
  }
});

test('scalar and SIMD binaries agree bitwise (both precisions)', () => {
  if (flavours.length < 2) return;
  const { h, k, l } = randomPoints(grid15, 20_001, 11);
  const [sc, si] = [kernels.get('scalar')!, kernels.get('simd')!];
  assert.equal(interpolateF(sc, grid15, h, k, l, { variant: 'f64' }).values, interpolateF(si, grid15, h, k, l, { variant: 'f64x2' }).values);
  assert.equal(interpolateF(sc, grid15, h, k, l, { variant: 'f32' }).values, interpolateF(si, grid15, h, k, l, { variant: 'f32x4' }).values);
});

test.run();
