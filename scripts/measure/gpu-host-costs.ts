// Host-side costs around a WebGPU image, measured on whatever adapter there is (SwiftShader here):
//  - per-run phases of the engine (upload, pre-pass, kernel, statistics, readback) and the JS statistics loop
//    over the same image, for a whole tricubic image of SIZE^2 (nearest neighbour, to keep the kernel short);
//  - a 64 MiB readback: copy + map, getMappedRange, copy into a warm array;
//  - a 64 MiB image in host memory: fresh array (slice, new + set) against a copy into an array already used.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/measure/gpu-host-costs.ts [SIZE] [gpu|host]
import { prepareSimulation } from '../../src/simulator/engine.ts';
import { createWebGpuEngine } from '../../src/webgpu/engine.ts';
import { requestGpu } from '../../src/webgpu/device.ts';
import { imageStats } from '../../src/io/stats.ts';
import { smoothHklText, tricubicImageArgv } from '../../src/bench/workloads.ts';

const size = Number(process.argv[2] ?? 2048);
const statsPlace = process.argv[3] as 'gpu' | 'host' | undefined;
const ms = (x: number) => x.toFixed(2);

const prepared = await prepareSimulation([...tricubicImageArgv(size), '-nointerpolate'], { hklText: smoothHklText() });
const engine = await createWebGpuEngine(statsPlace ? { stats: statsPlace } : {});
for (let i = 0; i < 3; i++) {
  const r = await engine.simulate(prepared);
  const t0 = performance.now();
  imageStats(r.image, r.width, r.height, prepared.sim.roi);
  const hostStats = performance.now() - t0;
  const g = r.gpuTimings;
  console.log(`${size}^2 run ${i}: upload ${ms(g.upload_s * 1e3)} ms, pre-pass ${ms(g.prepass_s * 1e3)}, kernel ${ms(g.kernel_s * 1e3)}, ` +
    `statistics ${ms(g.stats_s * 1e3)} (${r.gpu.stats}), readback ${ms(g.readback_s * 1e3)}, wall ${ms(g.wall_s * 1e3)}; JS statistics loop ${ms(hostStats)} ms`);
}
engine.dispose();

const h = await requestGpu();
if ('error' in h) throw new Error(h.error);
const d = h.device;
const big = 64 * 2 ** 20;
const src = d.createBuffer({ size: big, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE });
const dst = d.createBuffer({ size: big, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const warm = new Float32Array(big / 4);
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const enc = d.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, dst, 0, big);
  d.queue.submit([enc.finish()]);
  await dst.mapAsync(GPUMapMode.READ);
  const t1 = performance.now();
  const ab = dst.getMappedRange();
  const t2 = performance.now();
  warm.set(new Float32Array(ab));
  const t3 = performance.now();
  dst.unmap();
  console.log(`64 MiB readback: copy + map ${ms(t1 - t0)} ms, getMappedRange ${ms(t2 - t1)} ms, copy into a warm array ${ms(t3 - t2)} ms`);
}
d.destroy();

const n = big / 4;
const img = new Float32Array(n).fill(1.5);
const time = (label: string, f: () => void) => {
  const xs: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    f();
    xs.push(ms(performance.now() - t0));
  }
  console.log(`64 MiB image, ${label}: ${xs.join(' ')} ms`);
};
time('ArrayBuffer slice (fresh)', () => void img.buffer.slice(0));
time('new Float32Array + set (fresh)', () => new Float32Array(n).set(img));
time('set into an array already used', () => warm.set(img));
