// One-shot check of the WebGPU backend on a machine with a real GPU: the adapter, every golden case within the
// pure-f32 tolerance (docs/precision.md), and whole-image timings of the bench workloads (src/bench/workloads.ts)
// against the WASM engine on every core (wasm-threads; the same bits as one thread), with the GPU's upload /
// kernel / statistics / readback split, and the GPU's image statistics against the host loop over the same image.
// Workloads: tricubic, tricubic + 5 layers and absorption at --sizes; the breadth workloads (mosaic 10 and 100
// domains, 27 sources: issue 17 item 6) at --breadth-sizes; the Pilatus-like case (0.172 mm pixels, 3-layer
// silicon sensor) at --pilatus-sizes. A workload the GPU refuses by name (src/webgpu/refusals.ts: several
// sources today) is recorded with the refusal, not as a failure.
//
//   npx tsx scripts/gpu-check.ts [--sizes 1024 4096] [--breadth-sizes 1024] [--pilatus-sizes 4096]
//     [--kernel-sizes 1024 2048] [--repeats 3] [--no-parity] [--no-bench]
//
// The batched kernels (tricubic, capture fractions) are timed through the shared bench module (measure()) on
// the GPU and on WASM SIMD f32x4 at --kernel-sizes.
//
// Goldens from NANOBRAGG_GOLDEN (default ../shared/golden). Prints readable lines, then one JSON line starting
// with "GPU-CHECK-JSON " holding everything. Exit code 1 if any parity check fails.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createEngine, prepareSimulation, type PreparedSimulation, type SimEngine } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { imageStats } from '../src/io/stats.ts';
import { compareStats } from '../src/webgpu/stats.ts';
import { absorptionImageArgv, imageWorkload, smoothHklText, tricubicImageArgv, type LoopCase } from '../src/bench/workloads.ts';
import { loadGoldenCases } from '../tests/helpers/golden.ts';
import { createWebGpuEngine, type WebGpuEngine, type WebGpuSimResult } from '../src/webgpu/engine.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';
import { measure, type Measured } from '../src/bench/timing.ts';
import { gpuKernelCase } from '../src/bench/gpu-kernel-case.ts';
import { kernelCase } from '../src/bench/kernel-case.ts';

interface Options {
  sizes: number[]; breadthSizes: number[]; pilatusSizes: number[]; kernelSizes: number[]; repeats: number; parity: boolean; bench: boolean;
}

const SIZE_LISTS = { '--sizes': 'sizes', '--breadth-sizes': 'breadthSizes', '--pilatus-sizes': 'pilatusSizes', '--kernel-sizes': 'kernelSizes' } as const;

function parseOptions(argv: string[]): Options {
  const o: Options = { sizes: [1024, 4096], breadthSizes: [1024], pilatusSizes: [4096], kernelSizes: [1024, 2048], repeats: 3, parity: true, bench: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a in SIZE_LISTS) {
      const list: number[] = (o[SIZE_LISTS[a as keyof typeof SIZE_LISTS]] = []);
      while (argv[i + 1] && /^\d+$/.test(argv[i + 1])) list.push(Number(argv[++i]));
    } else if (a === '--repeats') o.repeats = Number(argv[++i]);
    else if (a === '--no-parity') o.parity = false;
    else if (a === '--no-bench') o.bench = false;
    else throw new Error(`unknown option ${a} (${Object.keys(SIZE_LISTS).map((k) => `${k} N...`).join(', ')}, --repeats N, --no-parity, --no-bench)`);
  }
  return o;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];


const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;

async function parity(gpu: WebGpuEngine) {
  const rows = [];
  for (const c of loadGoldenCases()) {
    const argv = c.argv.slice(1).filter((_, i, a) => !(a[i - 1] === '-floatfile') && a[i] !== '-floatfile');
    const prepared = await prepareSimulation(argv, { hklText: c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined });
    const r = await gpu.simulate(prepared);
    const q = toleranceRatios(compareImages(r.image, c.image), pureF32Tolerance(prepared.sim));
    const switchOk = r.switchPixel === (c.oorTrigger ?? -1);
    const sd = compareStats(r.stats, imageStats(r.image, r.width, r.height, prepared.sim.roi));
    const ok = q.worst <= 1 && switchOk && sd.ok;
    rows.push({ case: c.name, worst: q.worst, maxRel: q.maxRel, sumRatio: q.sumRatio, oneMinusR: q.oneMinusR, switchOk, stats: r.gpu.stats, statsDiff: sd, ok, wall_s: r.gpuTimings.wall_s });
    console.log(`parity ${c.name.padEnd(26)} worst ${q.worst.toFixed(3)} of tolerance, switch-off ${switchOk ? 'exact' : 'WRONG'}, ` +
      `statistics (${r.gpu.stats}) ${sd.ok ? 'ok' : 'OFF'} (sums ${sd.sums.toExponential(1)}, rmsd ${sd.rmsd.toExponential(1)}) ${ok ? 'ok' : 'FAIL'}`);
  }
  return rows;
}

interface Workload { size: number; name: string; argv: string[]; hkl?: string }

function loopCase(size: number, c: LoopCase): Workload {
  const w = imageWorkload({ benchmark: 'loop', size, case: c });
  return { size, name: c, argv: w.argv, ...(w.hklText !== undefined ? { hkl: w.hklText } : {}) };
}

function workloads(opts: Options): Workload[] {
  const hkl = smoothHklText();
  const layers = ['-detector_abs', '500', '-detector_thick', '100', '-detector_thicksteps', '5'];
  return [
    ...opts.sizes.flatMap((size) => [
      { size, name: 'tricubic', argv: tricubicImageArgv(size), hkl },
      { size, name: 'tricubic + 5 layers', argv: [...tricubicImageArgv(size), ...layers], hkl },
      { size, name: 'absorption 5 layers', argv: absorptionImageArgv(size, 5, false) },
    ]),
    ...opts.breadthSizes.flatMap((size) => (['mosaic10', 'mosaic100', 'sources27'] as const).map((c) => loopCase(size, c))),
    ...opts.pilatusSizes.map((size) => loopCase(size, 'pilatus')),
  ];
}

async function bench(opts: Options) {
  const rows: Record<string, unknown>[] = [];
  const refusals: { size: number; workload: string; refusal: string; wasm_threads_f32_s: number }[] = [];
  // the references on every core: wasm-threads is bit-identical to wasm (tests/threads.test.ts), and a 4096^2
  // 5-layer or a 100-domain image on one core would take most of the check's time budget
  const threads = availableParallelism();
  const wasm: SimEngine = await createEngine({ backend: 'wasm-threads', dtype: 'f32', threads });
  const wasm64: SimEngine = await createEngine({ backend: 'wasm-threads', dtype: 'f64', threads });
  for (const w of workloads(opts)) {
    const size = w.size;
    const prepared: PreparedSimulation = await prepareSimulation(w.argv, w.hkl ? { hklText: w.hkl } : {});
    const tCold = performance.now();
    const gpu = await createWebGpuEngine();
    let cold: WebGpuSimResult;
    try {
      cold = await gpu.simulate(prepared);
    } catch (e) {
      gpu.dispose();
      const msg = (e as Error).message;
      if (!/not implemented on the webgpu backend/.test(msg)) throw e;
      const t0 = performance.now();
      await wasm.simulate(prepared);
      const row = { size, workload: w.name, refusal: msg, wasm_threads_f32_s: (performance.now() - t0) / 1000 };
      refusals.push(row);
      console.log(`bench ${size}^2 ${w.name.padEnd(20)} refused by webgpu (by name): ${msg}; wasm-threads f32 (${threads} threads) ${ms(row.wasm_threads_f32_s)}`);
      continue;
    }
    const cold_s = (performance.now() - tCold) / 1000;
    const warm: WebGpuSimResult[] = [];
    for (let i = 0; i < opts.repeats; i++) warm.push(await gpu.simulate(prepared));
    // the same warm runs writing into one caller array (no fresh 4 * pixels bytes per image)
    const into = new Float32Array(cold.width * cold.height);
    const warmInto: WebGpuSimResult[] = [];
    for (let i = 0; i < opts.repeats; i++) warmInto.push(await gpu.simulate(prepared, { into }));
    // and borrowing the mapped readback range (no copy of the image at all)
    const warmBorrow: { wall_s: number; readback_s: number; same: boolean }[] = [];
    for (let i = 0; i < opts.repeats; i++) {
      const r = await gpu.simulate(prepared, { borrow: true });
      warmBorrow.push({ wall_s: r.gpuTimings.wall_s, readback_s: r.gpuTimings.readback_s, same: r.image.every((v, j) => v === cold.image[j]) });
    }
    const gpuBytes = gpu.memoryBytes();
    gpu.dispose();
    // reference: the C arithmetic (WASM f64) up to 1024^2, the WASM f32 path (itself within 5e-6 of C) above
    const refEngine = size <= 1024 ? wasm64 : wasm;
    const t0 = performance.now();
    const ref = await refEngine.simulate(prepared);
    const ref_s = (performance.now() - t0) / 1000;
    const tw = performance.now();
    if (refEngine !== wasm) await wasm.simulate(prepared);
    const wasm_s = refEngine === wasm ? ref_s : (performance.now() - tw) / 1000;
    const tol = pureF32Tolerance(prepared.sim, Math.max(1, Math.floor(size / 256)));
    const slack = refEngine === wasm ? 5e-6 : 0;
    const m = compareImages(cold.image, ref.image);
    const q = toleranceRatios({ ...m, maxRelDiff: Math.max(0, m.maxRelDiff - slack) }, tol);
    const pick = (k: keyof WebGpuSimResult['gpuTimings']) => median(warm.map((r) => r.gpuTimings[k] as number));
    const sd = compareStats(cold.stats, imageStats(cold.image, cold.width, cold.height, prepared.sim.roi));
    const row = {
      size, workload: w.name, evaluations: cold.evaluations, cold_s,
      warm_wall_s: pick('wall_s'), warm_wall_samples_s: warm.map((r) => r.gpuTimings.wall_s),
      warm_wall_into_s: median(warmInto.map((r) => r.gpuTimings.wall_s)),
      readback_into_s: median(warmInto.map((r) => r.gpuTimings.readback_s)),
      warm_wall_borrow_s: median(warmBorrow.map((r) => r.wall_s)),
      readback_borrow_s: median(warmBorrow.map((r) => r.readback_s)),
      kernel_s: pick('kernel_s'), kernel_clock: cold.gpuTimings.kernel_clock,
      upload_s: pick('upload_s'), prepass_s: pick('prepass_s'), stats_s: pick('stats_s'), readback_s: pick('readback_s'),
      stats: cold.gpu.stats, statsDiff: sd, statsOk: sd.ok, gpu_bytes: gpuBytes,
      wasm_threads_f32_s: wasm_s, wasm_threads: threads, reference: refEngine === wasm ? 'wasm-threads f32' : 'wasm-threads f64', worst: q.worst,
      repeatable: [...warm, warmInto[warmInto.length - 1]].every((r) => r.image.every((v, i) => v === cold.image[i])) && warmBorrow.every((r) => r.same),
      dispatch: cold.gpu.dispatch,
    };
    rows.push(row);
    console.log(`bench ${size}^2 ${w.name.padEnd(20)} warm ${ms(row.warm_wall_s)} (kernel ${ms(row.kernel_s)} ${row.kernel_clock}, ` +
      `upload ${ms(row.upload_s)}, pre-pass ${ms(row.prepass_s)}, statistics ${ms(row.stats_s)} on the ${row.stats}${row.statsOk ? '' : ' OFF'}, ` +
      `readback ${ms(row.readback_s)}); into a reused array: warm ${ms(row.warm_wall_into_s)} (readback ${ms(row.readback_into_s)}); ` +
      `borrowed: warm ${ms(row.warm_wall_borrow_s)} (readback ${ms(row.readback_borrow_s)}); cold ${ms(cold_s)}; ` +
      `wasm-threads f32 (${threads} threads) ${ms(wasm_s)}; ${(row.evaluations / row.kernel_s / 1e6).toFixed(1)} M evals/s in the kernel; ` +
      `parity vs ${row.reference} ${q.worst.toFixed(3)} of tolerance; repeatable ${row.repeatable}`);
  }
  wasm.dispose();
  wasm64.dispose();
  return { rows, refusals };
}

async function kernels(opts: Options) {
  const rows = [];
  for (const size of opts.kernelSizes) {
    for (const kernel of ['tricubic', 'capture_fraction'] as const) {
      const gpu = await measure(gpuKernelCase({ kernel, size, layers: 5 }), { repeats: opts.repeats });
      const wasm = await measure(kernelCase({ binary: 'simd', kernel, variant: 'f32x4', size, layers: 5, coldIncludes: '' }), { repeats: opts.repeats });
      const brief = (m: Measured) => (m.ok
        ? {
          ok: m.timed.check.problems.length === 0, problems: m.timed.check.problems, warm_median_s: m.timed.stats.median,
          cold_s: m.timed.cold_s, evals_per_s: m.timed.throughput.evals_per_s, error_vs_f64: m.timed.check.facts?.max_rel_error_vs_f64,
          split_median_s: Object.fromEntries(Object.entries(m.timed.split ?? {}).map(([k, v]) => [k, v.stats.median])),
        }
        : { ok: false, problems: [`${m.stage}: ${m.error}`] });
      const row = { size, kernel, evaluations: size * size * (kernel === 'tricubic' ? 1 : 5), webgpu: brief(gpu), wasm_f32x4: brief(wasm) };
      rows.push(row);
      const g = row.webgpu, w = row.wasm_f32x4;
      console.log(`kernel ${size}^2 ${kernel.padEnd(16)} webgpu ${g.ok ? `${ms(g.warm_median_s!)} per call (kernel ${ms(g.split_median_s!.gpu_kernel_s ?? NaN)}, ` +
        `${(row.evaluations / (g.split_median_s!.gpu_kernel_s ?? NaN) / 1e6).toFixed(0)} M/s in the kernel), error ${Number(g.error_vs_f64).toExponential(1)}` : `FAILED ${g.problems.join('; ')}`}; ` +
        `wasm f32x4 ${w.ok ? `${ms(w.warm_median_s!)} (${((w.evals_per_s ?? 0) / 1e6).toFixed(0)} M/s)` : `FAILED ${w.problems.join('; ')}`}`);
    }
  }
  return rows;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const gpu = await createWebGpuEngine();
  const info = gpu.adapterInfo;
  console.log(`adapter: ${gpu.binary}; features ${info.features.join(' ')}; limits ${JSON.stringify(info.limits)}`);
  const out: Record<string, unknown> = { adapter: info, binary: gpu.binary };
  let failed = false;
  if (opts.parity) {
    const rows = await parity(gpu);
    out.parity = rows;
    failed ||= rows.some((r) => !r.ok);
  }
  gpu.dispose();
  if (opts.bench) {
    const { rows, refusals } = await bench(opts);
    out.bench = rows;
    out.refused = refusals;
    failed ||= rows.some((r) => !((r.worst as number) <= 1) || !r.repeatable || !r.statsOk);
    const k = await kernels(opts);
    out.kernels = k;
    failed ||= k.some((r) => !r.webgpu.ok || !r.wasm_f32x4.ok);
  }
  console.log('GPU-CHECK-JSON ' + JSON.stringify(out));
  process.exitCode = failed ? 1 : 0;
}

await main();
