// Pixels where the WebGPU image leaves the WASM f64 engine (C's arithmetic) by more than a fraction of the
// image maximum, and the worst ratio to the pure-f32 tolerance (docs/precision.md). Two cases:
//   tophat  -N 5 -tophat_spots at SIZE^2 (OS = -oversample): the tophat edge decisions (src/webgpu/tophat.ts);
//   nearest -nointerpolate with a seeded random F grid (N = -N): f32 rounding of ceil(h - 0.5).
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/measure/gpu-vs-f64.ts tophat 1024 [OS]
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/measure/gpu-vs-f64.ts nearest 2048 [N]
import { createEngine, prepareSimulation } from '../../src/simulator/engine.ts';
import { createWebGpuEngine } from '../../src/webgpu/engine.ts';
import { compareImages } from '../../src/simulator/compare.ts';
import { pureF32Tolerance, toleranceRatios } from '../../src/webgpu/precision.ts';
import { smoothHklText } from '../../src/bench/workloads.ts';

const [which = 'tophat', sizeArg = '1024', extra] = process.argv.slice(2);
const size = Number(sizeArg);
const cell = ['-cell', '100', '100', '100', '90', '90', '90', '-lambda', '1', '-pixel', '0.1', '-detpixels', `${size}`, '-default_F', '0'];

function randomHkl(seed: number): string {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  for (let h = -12; h <= 12; h++) for (let k = -12; k <= 12; k++) for (let l = -12; l <= 12; l++) lines.push(`${h} ${k} ${l} ${(10 + 990 * rnd()).toFixed(3)}`);
  return lines.join('\n') + '\n';
}

const argv = which === 'tophat'
  ? [...cell, '-distance', `${(150 * size) / 256}`, '-N', '5', '-interpolate', '-tophat_spots', '-oversample', extra ?? '1']
  : [...cell, '-distance', `${(150 * size) / 256}`, '-N', extra ?? '5', '-nointerpolate'];
const prepared = await prepareSimulation(argv, { hklText: which === 'tophat' ? smoothHklText() : randomHkl(7) });
const wasm = await createEngine({ backend: 'wasm', dtype: 'f64' });
const ref = (await wasm.simulate(prepared)).image;
const gpu = await createWebGpuEngine();
const r = await gpu.simulate(prepared);
let max = 0;
for (const v of ref) max = Math.max(max, v);
const off = (frac: number) => ref.reduce((n, v, i) => n + (Math.abs(r.image[i] - v) > frac * max ? 1 : 0), 0);
const q = toleranceRatios(compareImages(r.image, ref), pureF32Tolerance(prepared.sim));
console.log(`${which} ${size}^2 ${argv.slice(15).join(' ')}: pixels off by > 1e-3 of the maximum ${off(1e-3)}, by > 1e-4 ${off(1e-4)}; ` +
  `worst ${q.worst.toFixed(3)} of the pure-f32 tolerance${r.gpu.tophat ? `; tophat pixels decided on the host: ${r.gpu.tophat.pixels}` : ''}`);
gpu.dispose();
wasm.dispose();
