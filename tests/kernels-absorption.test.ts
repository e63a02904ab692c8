// Detector absorption on the host: resolveLayers on every branch of docs/c-behaviour/minimal-loop.md 4.2 (with C's warning
// text), and the capture-fraction wrapper (src/kernels/absorption.ts) on build/scalar.wasm and
// build/simd.wasm: docs/c-behaviour/minimal-loop.md 7.3 numbers, the closed-form sum, variant agreement, and equal results
// on both binaries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKernels, wasmSimdSupported, type WasmFlavour, type WasmKernels } from '../src/wasm/loader.ts';
import { resolveLayers, captureFractions, CAPTURE_VARIANTS } from '../src/kernels/absorption.ts';
import { assertSameBits } from './helpers/arrays.ts';

const MU_320 = 1.0 / (320 * 1e-6); // -detector_abs 320, as C computes it (3125.0000000000005)
const T_450 = 450 * 1e-6; // -detector_thick 450

// ---- resolveLayers (docs/c-behaviour/minimal-loop.md 4.2) -------------------------------------------------------------------

test('resolveLayers: C defaults (thick 0, steps/mu unset) mean no absorption', () => {
  const r = resolveLayers({});
  assert.equal(r, { nLayers: 1, delta: 0, thickness: 0, mu: -1, warnings: [] });
  assert.equal(resolveLayers({ thickness_m: 0, thicksteps: -1, mu: -1 }), r);
  assert.equal(resolveLayers(), r);
});

test('resolveLayers: steps not given, T < 0 -> n = 1, T = 0, delta = 0', () => {
  assert.equal(resolveLayers({ thickness_m: -1e-6 }), { nLayers: 1, delta: 0, thickness: 0, mu: -1, warnings: [] });
  assert.equal(resolveLayers({ thickness_m: -1e-6, thicksteps: 0, mu: 3125 }), { nLayers: 1, delta: 0, thickness: 0, mu: 3125, warnings: [] });
});

test('resolveLayers: steps not given, T = 450 um -> 2 layers of T/2, mu = 1/T with C\'s warning', () => {
  const r = resolveLayers({ thickness_m: T_450 });
  assert.is(r.nLayers, 2);
  assert.is(r.delta, T_450 / 2);
  assert.is(r.thickness, T_450);
  assert.is(r.mu, 1.0 / T_450);
  assert.ok(Math.abs(r.mu - 2222.2222222222) < 1e-6);
  assert.equal(r.warnings, ['WARNING: setting detector attenuation depth to 2222.22 m']);
  // thicksteps 0 is "not given" too (C tests n <= 0)
  assert.equal(resolveLayers({ thickness_m: T_450, thicksteps: 0 }), r);
});

test('resolveLayers: -detector_abs 320 -detector_thick 450 -detector_thicksteps 5 (docs/c-behaviour/minimal-loop.md 7.3)', () => {
  const r = resolveLayers({ thickness_m: T_450, thicksteps: 5, mu: MU_320 });
  assert.is(r.nLayers, 5);
  assert.is(r.delta, T_450 / 4); // C's T/(n-1), not T/n
  assert.ok(Math.abs(r.delta - 112.5e-6) < 1e-18);
  assert.ok(Math.abs(r.delta * r.mu - 0.3515625) < 1e-15);
  assert.is(r.mu, MU_320);
  assert.equal(r.warnings, []);
});

test('resolveLayers: -thicksteps 1 silently becomes 2 layers with delta = T', () => {
  const r = resolveLayers({ thickness_m: T_450, thicksteps: 1, mu: MU_320 });
  assert.is(r.nLayers, 2);
  assert.is(r.delta, T_450);
});

test('resolveLayers: steps given, T < 0 -> T = 0.5 um, delta = T/n, mu defaulted to 2e+06', () => {
  const r = resolveLayers({ thickness_m: -1e-6, thicksteps: 4 });
  assert.is(r.nLayers, 4);
  assert.is(r.thickness, 0.5e-6);
  assert.is(r.delta, 0.5e-6 / 4);
  assert.is(r.mu, 1.0 / 0.5e-6);
  assert.equal(r.warnings, ['WARNING: setting detector attenuation depth to 2e+06 m']);
});

test('resolveLayers: steps given, T = 0 -> delta = 0 -> sanity rule switches absorption off', () => {
  assert.equal(resolveLayers({ thickness_m: 0, thicksteps: 5 }), { nLayers: 1, delta: 0, thickness: 0, mu: -1, warnings: [] });
});

test('resolveLayers: mu = 0 with a thickness (-detector_abs 0 -detector_thick 450, T-8) keeps mu = 0, no warning', () => {
  const r = resolveLayers({ thickness_m: T_450, mu: 0 });
  assert.equal(r, { nLayers: 2, delta: T_450 / 2, thickness: T_450, mu: 0, warnings: [] });
});

test('resolveLayers: the warning prints %g of mu (6 significant digits, C exponent form)', () => {
  assert.equal(resolveLayers({ thickness_m: 100e-6 }).warnings, ['WARNING: setting detector attenuation depth to 10000 m']);
  assert.equal(resolveLayers({ thickness_m: 3e-6 }).warnings, ['WARNING: setting detector attenuation depth to 333333 m']);
  assert.equal(resolveLayers({ thickness_m: 1e-7, thicksteps: 3 }).warnings, ['WARNING: setting detector attenuation depth to 1e+07 m']);
  assert.equal(resolveLayers({ thickness_m: 0.3 }).warnings, ['WARNING: setting detector attenuation depth to 3.33333 m']);
});

test('resolveLayers: rejects inputs C could not have produced', () => {
  assert.throws(() => resolveLayers({ thicksteps: 2.5 }), /integer/);
  assert.throws(() => resolveLayers({ thickness_m: NaN }), /finite/);
  assert.throws(() => resolveLayers({ thickness_m: T_450, mu: NaN }), /NaN/);
});

// ---- captureFractions on both binaries ----------------------------------------------------------------

/** C's expression with V8's Math.exp (may differ from musl's by 1 ulp). */
function cReference(rho: Float64Array, n: number, delta: number, mu: number): Float64Array {
  const out = new Float64Array(rho.length * n);
  for (let p = 0; p < rho.length; p++) {
    for (let t = 0; t < n; t++) out[p * n + t] = Math.exp((-t * delta) * mu / rho[p]) - Math.exp((-(t + 1) * delta) * mu / rho[p]);
  }
  return out;
}

/** Parallax factors of a 64x64 detector with 0.4 mm pixels at 50 mm (all in (0.9, 1]), plus a tail of 3. */
function detectorRho(): Float64Array {
  const rho = new Float64Array(64 * 64 + 3);
  for (let s = 0; s < 64; s++) {
    for (let f = 0; f < 64; f++) {
      const y = (s - 31.5) * 0.4e-3, z = (f - 31.5) * 0.4e-3, x = 0.05 + 450e-6;
      rho[s * 64 + f] = x / Math.hypot(x, y, z);
    }
  }
  rho.set([1, 0.9, 0.5], 64 * 64);
  return rho;
}

const flavours: WasmFlavour[] = wasmSimdSupported() ? ['scalar', 'simd'] : ['scalar'];
const kernelsOf = new Map<WasmFlavour, WasmKernels>();
async function kernels(f: WasmFlavour): Promise<WasmKernels> {
  if (!kernelsOf.has(f)) kernelsOf.set(f, await loadKernels(f));
  return kernelsOf.get(f)!;
}

for (const flavour of flavours) {
  test(`captureFractions [${flavour}]: docs/c-behaviour/minimal-loop.md 7.3 fractions at rho = 1 and 0.9, every variant`, async () => {
    const k = await kernels(flavour);
    const { nLayers, delta, mu } = resolveLayers({ thickness_m: T_450, thicksteps: 5, mu: MU_320 });
    const want = [
      [0.2964121, 0.2085520, 0.1467346, 0.1032407, 0.0726389],
      [0.3233662, 0.2188005, 0.1480478, 0.1001742, 0.0677812],
    ];
    for (const variant of CAPTURE_VARIANTS) {
      const cf = captureFractions(k, new Float64Array([1, 0.9]), nLayers, delta, mu, variant);
      assert.is(cf.length, 10);
      assert.ok(variant.startsWith('f32') ? cf instanceof Float32Array : cf instanceof Float64Array);
      for (let p = 0; p < 2; p++) {
        for (let t = 0; t < 5; t++) assert.ok(Math.abs(cf[p * 5 + t] - want[p][t]) < 6e-8, `${variant} p=${p} t=${t}: ${cf[p * 5 + t]}`);
      }
      let sum1 = 0;
      for (let t = 0; t < 5; t++) sum1 += cf[t];
      assert.ok(Math.abs(sum1 - 0.8275784) < 1e-7, `${variant} sum ${sum1}`);
      assert.ok(Math.abs(sum1 - (1 - Math.exp(-1.7578125))) < (variant.startsWith('f32') ? 5e-7 : 1e-15));
    }
  });

  test(`captureFractions [${flavour}]: f32x4 == f32 bitwise for 1..10 layers and 0..19 pixels (every store pattern and tail)`, async () => {
    const k = await kernels(flavour);
    for (let n = 1; n <= 10; n++) {
      for (let nPix = 0; nPix <= 19; nPix++) {
        const rho = new Float64Array(nPix);
        for (let p = 0; p < nPix; p++) rho[p] = 0.05 + 0.95 * ((p * 7) % 19) / 18;
        const f32 = captureFractions(k, rho, n, T_450 / 4, MU_320, 'f32');
        const f32x4 = captureFractions(k, rho, n, T_450 / 4, MU_320, 'f32x4');
        assertSameBits(f32x4, f32, `${n} layers, ${nPix} pixels`);
      }
    }
  });

  test(`captureFractions [${flavour}]: variants agree (f32x4 == f32 bitwise, f64x2 ~ f64 ~ C, f32 ~ f64)`, async () => {
    const k = await kernels(flavour);
    const rho = detectorRho();
    const n = 5, delta = T_450 / 4;
    const used = k.used;
    const f64 = captureFractions(k, rho, n, delta, MU_320, 'f64');
    const f64x2 = captureFractions(k, rho, n, delta, MU_320, 'f64x2');
    const f32 = captureFractions(k, rho, n, delta, MU_320, 'f32');
    const f32x4 = captureFractions(k, rho, n, delta, MU_320, 'f32x4');
    assert.is(k.used, used, 'the arena is left as it was found');
    assertSameBits(f32x4, f32, 'f32x4 vs f32');
    const ref = cReference(rho, n, delta, MU_320);
    let worst64 = 0, worst32 = 0;
    for (let i = 0; i < ref.length; i++) {
      worst64 = Math.max(worst64, Math.abs(f64[i] - ref[i]) / ref[i], Math.abs(f64x2[i] - f64[i]) / f64[i]);
      worst32 = Math.max(worst32, Math.abs(f32[i] - f64[i]) / f64[i]);
    }
    assert.ok(worst64 < 2e-15, `f64 variants vs C expression: ${worst64}`);
    assert.ok(worst32 < 4e-7, `f32 vs f64: ${worst32}`);
  });

  test(`captureFractions [${flavour}]: mu = 0 gives zeros, delta = 0 gives exp(0)-exp(0) = 0 (T-10), n = 1 works`, async () => {
    const k = await kernels(flavour);
    const rho = new Float64Array([1, 0.95, 0.9, 0.85, 0.8]);
    for (const variant of CAPTURE_VARIANTS) {
      assert.ok(captureFractions(k, rho, 3, 225e-6, 0, variant).every((v) => Object.is(v, 0)), `${variant} mu = 0`);
      assert.ok(captureFractions(k, rho, 1, 0, 3125, variant).every((v) => v === 0), `${variant} delta = 0`);
      const one = captureFractions(k, rho, 1, 225e-6, 3125, variant);
      rho.forEach((r, p) => assert.ok(Math.abs(one[p] - (1 - Math.exp(-225e-6 * 3125 / r))) < 3e-7));
    }
    assert.is(captureFractions(k, new Float64Array(0), 5, 1e-4, 3125, 'f32x4').length, 0);
  });

  test(`captureFractions [${flavour}]: rejects bad arguments`, async () => {
    const k = await kernels(flavour);
    // @ts-expect-error: unknown variant
    assert.throws(() => captureFractions(k, new Float64Array(2), 2, 1e-4, 3125, 'f16'), /unknown capture-fraction variant/);
    assert.throws(() => captureFractions(k, new Float64Array(2), 0, 1e-4, 3125), /nLayers/);
    // @ts-expect-error: rho must be f64
    assert.throws(() => captureFractions(k, new Float32Array(2), 2, 1e-4, 3125), /Float64Array/);
  });
}

test('captureFractions: build/scalar.wasm and build/simd.wasm give bit-identical results for every variant', async () => {
  if (!wasmSimdSupported()) {
    console.log('skipped: this runtime has no WebAssembly SIMD');
    return;
  }
  const scalar = await kernels('scalar'), simd = await kernels('simd');
  const rho = detectorRho();
  for (const variant of CAPTURE_VARIANTS) {
    for (const n of [1, 2, 5, 7]) {
      const a = captureFractions(scalar, rho, n, T_450 / Math.max(1, n - 1), MU_320, variant);
      const b = captureFractions(simd, rho, n, T_450 / Math.max(1, n - 1), MU_320, variant);
      assertSameBits(b, a, `${variant}, ${n} layers`);
    }
  }
});

// ---- the SIMD paths stay vectorised (as tests/wat-simd.test.ts, for the absorption kernels) -------------

function funcBody(wat: string, name: string): string {
  const start = wat.search(new RegExp(`\\n \\(func \\$assembly/absorption/${name} `));
  assert.ok(start >= 0, `function ${name} not found in the .wat`);
  const end = wat.indexOf('\n (func ', start + 1);
  return wat.slice(start, end < 0 ? undefined : end);
}
const count = (text: string, op: string) => text.split(op).length - 1;

test('simd.wat: the capture-fraction SIMD kernels use vector exp/expm1; scalar.wat has no v128 in them', () => {
  const path = (f: string) => fileURLToPath(new URL(`../build/${f}.wat`, import.meta.url));
  if (!existsSync(path('simd')) || !existsSync(path('scalar'))) throw new Error('build/*.wat missing: run "npm run asbuild"');
  const simd = readFileSync(path('simd'), 'utf8');
  const f32x4 = funcBody(simd, 'captureFractionsF32x4');
  // expm1F32x4 once per 4 pixels + expF32x4 in the 4-layer block and the remainder loop (inlined)
  assert.ok(count(f32x4, 'i32x4.shl') >= 6, `captureFractionsF32x4: ${count(f32x4, 'i32x4.shl')} i32x4.shl`);
  assert.ok(count(f32x4, 'f32x4.mul') >= 30, `captureFractionsF32x4: ${count(f32x4, 'f32x4.mul')} f32x4.mul`);
  assert.ok(count(f32x4, 'f64x2.div') >= 2, 'captureFractionsF32x4: x = delta*mu/rho in f64x2');
  const f64x2 = funcBody(simd, 'captureFractionsF64x2');
  assert.ok(count(f64x2, 'f64x2.div') >= 2 && count(f64x2, 'i64x2.shl') >= 2, 'captureFractionsF64x2: vector exp');
  const scalar = readFileSync(path('scalar'), 'utf8');
  for (const name of ['captureFractionsF32', 'captureFractionsF64x2']) assert.is(count(funcBody(scalar, name), 'v128'), 0);
  assert.ok(/\(export "captureFractionsF32x4"/.test(scalar), 'the SIMD-named kernels exist in the scalar build too');
});

test.run();
