// The WebGPU engine's error on real crystals (docs/precision.md, GPU path): 40 random 24x24 images of cells
// 150-400 Å with N 50-500 and random orientations, each against the f64 engine (C's image bit for bit), in units
// of the case's S = pi N_max h_max 2^-24. Prints one line per case and the worst of each measure; commits nothing.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/measure/gpu-real-crystals.ts

import { createEngine, prepareSimulation } from '../../src/simulator/engine.ts';
import { compareImages } from '../../src/simulator/compare.ts';
import { pureF32Tolerance } from '../../src/webgpu/precision.ts';
const g = await createEngine({ backend: 'webgpu', dtype: 'f32' });
const f = await createEngine({ backend: 'wasm', dtype: 'f64' });
let seed = 12345; const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const worst = { max: 0, sum: 0, r: 0 };
const rows: string[] = [];
for (let n = 0; n < 40; n++) {
  const cell = [150, 250, 400][n % 3], N = [50, 100, 200, 500][Math.floor(rnd() * 4)];
  const mis = [0, 0, 0].map(() => (rnd() * 180 - 90).toFixed(1));
  const argv = ['-cell', `${cell}`, `${(cell * (0.8 + 0.4 * rnd())).toFixed(1)}`, `${cell}`, '90', '90', '90', '-N', `${N}`, '-default_F', '100', '-lambda', '1', '-distance', `${(50 + rnd() * 60).toFixed(1)}`, '-pixel', '1.5', '-detpixels', '24', '-oversample', '1', '-misset', ...mis];
  const p = await prepareSimulation(argv);
  const ref = (await f.simulate(p)).image.slice();
  const r = await g.simulate(p);
  const m = compareImages(r.image, ref);
  const t = pureF32Tolerance(p.sim);
  const q = { max: m.maxRelDiff / t.S, sum: Math.abs(m.sumRatio - 1) / t.S, r: (1 - m.pearson) / (t.S * t.S) };
  for (const k of ['max', 'sum', 'r'] as const) worst[k] = Math.max(worst[k], q[k]);
  rows.push(`${cell} N${N} mis ${mis.join(' ')} S=${t.S.toExponential(2)}: max ${q.max.toFixed(2)} S, sum ${q.sum.toFixed(2)} S, 1-r ${q.r.toFixed(2)} S^2`);
}
console.log(rows.join('\n'));
console.log('worst (in units of S, S, S^2):', JSON.stringify(worst));
g.dispose(); f.dispose();
