// The parts of the pixel loop the golden cases do not reach (lattice shapes, phi steps, ROI,
// Kahn polarization, point pixels, the -oversample_* variants), checked for consistency:
// - the SIMD f32 path (4 pixels per vector) is bit-identical to the scalar f32 path, pixel by pixel;
// - f32 agrees with f64 within the f32 tolerance (docs/precision.md);
// - an ROI run equals the full image inside the ROI and leaves the rest zero.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, prepareSimulation, type SimEngine } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { loadGoldenCases } from './helpers/golden.ts';
import { readFileSync } from 'node:fs';

const hklLines: string[] = [];
for (let h = -6; h <= 6; h++) for (let k = -6; k <= 6; k++) for (let l = -6; l <= 6; l++) hklLines.push(`${h} ${k} ${l} ${50 + 2 * h - k + 3 * l + ((h * h + k * k + 2 * l * l) % 7)}`);
const hklText = hklLines.join('\n');
const base = '-hkl grid.hkl -cell 100 110 120 88 92 95 -lambda 1.2 -pixel 0.2 -distance 250 -detpixels_f 70 -detpixels_s 53 -default_F 3';

const configs: Record<string, string> = {
  'square N=3, tricubic with switch-off': `${base.replace('-distance 250', '-distance 200')} -N 3 -interpolate -oversample 2 -Xbeam 0.5 -Ybeam 7`,
  'round crystal': `${base} -N 4 -round_xtal -nointerpolate -oversample 1`,
  'gauss crystal, fudge': `${base} -N 4 -gauss_xtal -fudge 2 -nointerpolate -oversample 1`,
  'tophat spots': `${base} -N 4 -tophat_spots -nointerpolate -oversample 2`,
  'phi steps': `${base} -N 3 -phi 2 -osc 3 -phisteps 3 -nointerpolate -oversample 1`,
  'phi from 0 (stale-vector quirk)': `${base} -N 3 -osc 2 -phisteps 2 -nointerpolate -oversample 1`,
  'Kahn polarization, point pixel': `${base} -N 3 -polar 0.7 -point_pixel -nointerpolate -oversample 1`,
  'nopolar, oversample_polar and _omega': `${base} -N 3 -nopolar -oversample 2 -oversample_polar -oversample_omega -interpolate`,
  'absorption, oversample_thick, ROI': `${base} -N 3 -detector_abs 300 -detector_thick 200 -detector_thicksteps 3 -oversample_thick -roi 5 60 3 40 -nointerpolate -oversample 1`,
  // sources: the SIMD group loops over them inside the subpixel (q and polarization per source)
  '12 sources (divergence x dispersion), tricubic with switch-off': `${base.replace('-distance 250', '-distance 200')} -N 3 -interpolate -oversample 2 -Xbeam 0.5 -Ybeam 7 -hdivrange 0.4 -vdivrange 0.4 -hdivsteps 2 -vdivsteps 2 -square_div -dispersion 2 -dispsteps 3`,
  '9 sources, Kahn polarization (direction re-normalised per source)': `${base} -N 3 -polar 0.7 -hdivrange 0.5 -vdivrange 0.5 -hdivsteps 3 -vdivsteps 3 -square_div -nointerpolate -oversample 2`,
  '6 sources, oversample_polar, absorption, mosaic': `${base} -N 3 -dispersion 1 -dispsteps 3 -hdivrange 0.3 -hdivsteps 2 -oversample_polar -oversample_thick -detector_abs 300 -detector_thick 200 -detector_thicksteps 2 -mosaic 0.3 -mosaic_dom 3 -nointerpolate -oversample 2`,
};

const engines: Record<string, SimEngine> = {};
async function run(argv: string, backend: 'wasm' | 'wasm-scalar', dtype: 'f32' | 'f64') {
  const key = backend + dtype;
  engines[key] ??= await createEngine({ backend, dtype });
  return engines[key].simulate(await prepareSimulation(argv.split(' '), { hklText }));
}

for (const [name, argv] of Object.entries(configs)) {
  test(`${name}: SIMD f32 bit-identical to scalar f32, and f32 within tolerance of f64`, async () => {
    const simd = await run(argv, 'wasm', 'f32');
    const scalar = await run(argv, 'wasm-scalar', 'f32');
    const f64 = await run(argv, 'wasm', 'f64');
    const f64s = await run(argv, 'wasm-scalar', 'f64');
    assert.ok(simd.stats.maxI > 0, 'image is not all zero');
    const same = compareImages(simd.image, scalar.image);
    assert.is(same.differing, 0, `${same.differing} pixels differ between the SIMD and scalar f32 paths`);
    assert.is(compareImages(f64.image, f64s.image).differing, 0, 'f64 differs between the binaries');
    const m = compareImages(simd.image, f64.image);
    assert.ok(m.maxRelDiff <= 5e-6 && Math.abs(m.sumRatio - 1) <= 1e-6 && 1 - m.pearson <= 1e-10, `f32 vs f64: ${JSON.stringify(m)}`);
    assert.is(simd.switchPixel, f64.switchPixel, 'switch-off pixel');
    assert.equal(simd.warnings, f64.warnings);
  });
}

test('the switch-off config really switches mid-image', async () => {
  const r = await run(configs['square N=3, tricubic with switch-off'], 'wasm', 'f32');
  assert.ok(r.switchPixel > 0 && r.switchPixel < r.width * r.height - 1, `switch pixel ${r.switchPixel}`);
});

test('ROI: outside pixels stay zero, inside pixels equal the full image', async () => {
  const argv = configs['absorption, oversample_thick, ROI'];
  const full = await run(argv.replace(' -roi 5 60 3 40', ''), 'wasm', 'f64');
  const roi = await run(argv, 'wasm', 'f64');
  for (let s = 0; s < roi.height; s++) {
    for (let f = 0; f < roi.width; f++) {
      const i = s * roi.width + f;
      const inside = f >= 5 && f <= 60 && s >= 3 && s <= 40;
      if (inside) { if (roi.image[i] !== full.image[i]) assert.unreachable(`pixel (${s},${f}) differs inside the ROI`); }
      else if (roi.image[i] !== 0) assert.unreachable(`pixel (${s},${f}) outside the ROI is ${roi.image[i]}`);
    }
  }
  assert.is(roi.stats.count, 56 * 38);
});

test('SIMD f32 is bit-identical to scalar f32 on every golden case', async () => {
  for (const c of loadGoldenCases()) {
    const argv = c.argv.slice(1).filter((a, i, arr) => a !== '-floatfile' && arr[i - 1] !== '-floatfile');
    const hkl = c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined;
    const p = await prepareSimulation(argv, { hklText: hkl });
    engines.wasmf32 ??= await createEngine({ backend: 'wasm', dtype: 'f32' });
    engines['wasm-scalarf32'] ??= await createEngine({ backend: 'wasm-scalar', dtype: 'f32' });
    const a = await engines.wasmf32.simulate(p), b = await engines['wasm-scalarf32'].simulate(p);
    assert.is(compareImages(a.image, b.image).differing, 0, c.name);
  }
});

test('repeated runs on one engine neither leak memory nor change the image', async () => {
  const e = await createEngine({ backend: 'wasm', dtype: 'f32' });
  const p = await prepareSimulation(configs['tophat spots'].split(' '), { hklText });
  const first = await e.simulate(p);
  const bytes = e.memoryBytes();
  for (let i = 0; i < 3; i++) {
    const again = await e.simulate(p);
    assert.is(compareImages(again.image, first.image).differing, 0);
  }
  assert.is(e.memoryBytes(), bytes);
});

test.run();
