// `dataset plan FILE`: the image count, the evaluations (pixels x sensor layers x sub-pixels x phi steps x
// sources, as the loop counts them) and an estimated time per backend on this machine, from a calibration:
// image 0 restricted (-roi) to a central patch of about 1e6 evaluations, run on each CPU backend until
// `seconds` have passed; the rate it gives (evaluations per second) times the dataset's evaluations is the
// estimate. It covers the pixel loop only (noise, encoding and writing come on top, a few ns per pixel).
// WebGPU is measured only when asked for (--gpu): a CPU plan probes no GPU.

import { availableParallelism } from 'node:os';
import { parseSimArgs, replaceFlags } from '../simulator/args.ts';
import { prepareSimulation, type HklCache, type PreparedSimulation } from '../simulator/engine.ts';
import { startBackend, closeEngine } from '../index.ts';
import { webgpuRefusal } from '../webgpu/refusals.ts';
import type { EngineBackend } from '../backends/names.ts';
import { expandImage, type DatasetDescription } from './description.ts';

/** Most images set up one by one to count evaluations; beyond it an even sample is scaled up. */
const COUNT_SAMPLE = 2000;

export interface PlanOptions {
  gpu?: boolean;
  /** Seconds of calibration per backend; 0: no calibration. */
  seconds?: number;
  threads?: number;
  log?: (line: string) => void;
}

/** Evaluations one image's loop performs (the engine's own count: evaluationCount in layout.ts agrees). */
function evaluationsOf(p: PreparedSimulation): number {
  const s = p.sim, r = s.roi;
  return (r.xmax - r.xmin + 1) * (r.ymax - r.ymin + 1) * s.layers.nLayers * s.steps;
}

function duration(s: number): string {
  return s < 120 ? `${s.toPrecision(3)} s` : s < 7200 ? `${(s / 60).toPrecision(3)} min` : s < 172800 ? `${(s / 3600).toPrecision(3)} h` : `${(s / 86400).toPrecision(3)} days`;
}

export async function planDataset(d: DatasetDescription, o: PlanOptions = {}): Promise<void> {
  const log = o.log ?? console.log;
  const hklCache: HklCache = new Map();
  const step = Math.max(1, Math.ceil(d.images / COUNT_SAMPLE));
  let total = 0, counted = 0, min = Infinity, max = 0, pixels = 0;
  let first: PreparedSimulation | undefined;
  for (let i = 0; i < d.images; i += step) {
    const p = await prepareSimulation(expandImage(d, i).argv, { hklCache });
    first ??= p;
    const e = evaluationsOf(p);
    total += e;
    counted++;
    min = Math.min(min, e);
    max = Math.max(max, e);
    pixels += p.sim.detector.fpixels * p.sim.detector.spixels;
  }
  const scale = d.images / counted;
  total *= scale;
  pixels *= scale;
  log(`dataset ${d.file}: ${d.images} images, dtype ${d.dtype}, id ${d.id.slice(0, 16)}`);
  log(`evaluations: ${total.toExponential(3)} in all${step > 1 ? ` (from ${counted} sampled images)` : ''}; per image ${min === max ? min.toExponential(3) : `${min.toExponential(3)} to ${max.toExponential(3)}`}`);
  log(`pixels: ${pixels.toExponential(3)} in all; output files: ${d.images * d.output.files.length} (${d.output.files.join(', ')}) in ${d.output.dir}`);
  const seconds = o.seconds ?? 0.3;
  if (!(seconds > 0) || !first) return;

  // calibration patch: a square of about 1e6 evaluations at the detector's centre (never more than the detector)
  const s = first.sim, det = s.detector;
  const perPixel = s.layers.nLayers * s.steps;
  const side = Math.max(1, Math.min(det.fpixels, det.spixels, Math.round(Math.sqrt(1e6 / perPixel))));
  const x0 = Math.floor((det.fpixels - side) / 2), y0 = Math.floor((det.spixels - side) / 2);
  const argv0 = expandImage(d, 0).argv;
  const patchArgv = replaceFlags(argv0, ['-roi'], ['-roi', String(x0), String(x0 + side - 1), String(y0), String(y0 + side - 1)]);
  const patch = await prepareSimulation(patchArgv, { hklCache });
  const patchEvals = evaluationsOf(patch);
  log(`calibration: image 0, a ${side}x${side} pixel patch (${patchEvals.toExponential(2)} evaluations), ${seconds} s per backend; the estimate covers the pixel loop only`);
  const cores = availableParallelism();
  const backends: EngineBackend[] = ['wasm-scalar', 'wasm', 'wasm-threads', ...(o.gpu ? ['webgpu' as const] : [])];
  for (const b of backends) {
    const label = b.padEnd(12);
    if (b === 'webgpu') {
      const refusal = webgpuRefusal(patch.sim);
      if (refusal) {
        log(`  ${label} refused: ${refusal}`);
        continue;
      }
    }
    let started;
    try {
      parseSimArgs(['--backend', b, '--dtype', d.dtype]); // the same checks as a run (e.g. f64 on webgpu)
      started = await startBackend({ backend: b, dtype: d.dtype, ...(b === 'wasm-threads' && o.threads ? { threads: o.threads } : {}) });
    } catch (e) {
      log(`  ${label} unavailable: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const { engine } = started;
    try {
      await engine.simulate(patch); // warm-up: compilation, first-touch memory
      let loop = 0, evals = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        const r = await engine.simulate(patch);
        loop += r.timings.loop_s;
        evals += patchEvals; // the unit of `total` (the engine counts the same, sources included)
      }
      const rate = evals / loop;
      const workers = b === 'wasm-threads' ? `${o.threads ?? cores} workers` : b === 'webgpu' ? engine.binary : '1 core';
      log(`  ${label} ${(1e9 / rate).toFixed(2)} ns/evaluation (${workers}): ${duration(total / rate)} for the dataset, ${duration(total / d.images / rate)} per image`);
    } catch (e) {
      log(`  ${label} failed: ${(e as Error).message.split('\n')[0]}`);
    } finally {
      await closeEngine(engine);
    }
  }
  if (!o.gpu) log('  webgpu       not measured (a CPU plan probes no GPU): give --gpu');
  log(`shards: with N shards on N such machines, divide by N (images are independent)`);
}
