// SHA-256 of every image the test configurations produce, per backend and dtype: the proof that a refactor
// changed no bit. Run before and after a change and diff the two JSON files:
//   npx tsx scripts/measure/image-digests.ts > before.json   (VK_ICD_FILENAMES=... for webgpu on SwiftShader)
// Cases: every golden case (../shared/golden) and the feature configurations of tests/simulator-features.test.ts.
// Uses only the library face (src/index.ts), which refactors keep stable.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSimulator } from '../../src/index.ts';
import { loadGoldenCases } from '../../tests/helpers/golden.ts';

const hklLines: string[] = [];
for (let h = -6; h <= 6; h++) for (let k = -6; k <= 6; k++) for (let l = -6; l <= 6; l++) hklLines.push(`${h} ${k} ${l} ${50 + 2 * h - k + 3 * l + ((h * h + k * k + 2 * l * l) % 7)}`);
const featureHkl = hklLines.join('\n');
const base = '-hkl grid.hkl -cell 100 110 120 88 92 95 -lambda 1.2 -pixel 0.2 -distance 250 -detpixels_f 70 -detpixels_s 53 -default_F 3';
const features: Record<string, string> = {
  switchoff: `${base.replace('-distance 250', '-distance 200')} -N 3 -interpolate -oversample 2 -Xbeam 0.5 -Ybeam 7`,
  round: `${base} -N 4 -round_xtal -nointerpolate -oversample 1`,
  gauss: `${base} -N 4 -gauss_xtal -fudge 2 -nointerpolate -oversample 1`,
  tophat: `${base} -N 4 -tophat_spots -nointerpolate -oversample 2`,
  phi: `${base} -N 3 -phi 2 -osc 3 -phisteps 3 -nointerpolate -oversample 1`,
  phi0: `${base} -N 3 -osc 2 -phisteps 2 -nointerpolate -oversample 1`,
  kahn: `${base} -N 3 -polar 0.7 -point_pixel -nointerpolate -oversample 1`,
  ospolar: `${base} -N 3 -nopolar -oversample 2 -oversample_polar -oversample_omega -interpolate`,
  absroi: `${base} -N 3 -detector_abs 300 -detector_thick 200 -detector_thicksteps 3 -oversample_thick -roi 5 60 3 40 -nointerpolate -oversample 1`,
};

const cases: { name: string; argv: string[]; hkl?: string }[] = [];
for (const c of loadGoldenCases()) {
  const argv = c.argv.slice(1).filter((a, i, arr) => a !== '-floatfile' && arr[i - 1] !== '-floatfile');
  cases.push({ name: c.name, argv, hkl: c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined });
}
for (const [name, argv] of Object.entries(features)) cases.push({ name: `feature-${name}`, argv: argv.split(' '), hkl: featureHkl });

const runs: [string, string, number?][] = [
  ['wasm-scalar', 'f64'], ['wasm-scalar', 'f32'], ['wasm', 'f64'], ['wasm', 'f32'],
  ['wasm-threads', 'f64', 2], ['wasm-threads', 'f32', 3], ['webgpu', 'f32'],
];
const out: Record<string, Record<string, string>> = {};
for (const [backend, dtype, threads] of runs) {
  const key = `${backend}/${dtype}`;
  let sim;
  try {
    sim = await createSimulator({ backend: backend as never, dtype: dtype as never, ...(threads ? { threads } : {}) });
  } catch (e) {
    out[key] = { unavailable: String((e as Error).message).split('\n')[0] };
    continue;
  }
  out[key] = {};
  for (const c of cases) {
    const r = await sim.simulate(c.argv, c.hkl !== undefined ? { hklText: c.hkl } : {});
    const h = createHash('sha256').update(new Uint8Array(r.image.buffer, r.image.byteOffset, r.image.byteLength)).digest('hex');
    out[key][c.name] = `${h.slice(0, 16)} switch=${r.switchPixel} max=${r.stats.maxI}`;
  }
  await sim.dispose();
}
console.log(JSON.stringify(out, null, 1));
