// The WebGPU simulator engine: whole images through the WGSL pixel loop (src/webgpu/simulate.ts), behind the
// same SimEngine contract as the WebAssembly engines (src/engine/contract.ts).
//
//   const engine = await createWebGpuEngine();            // throws if there is no adapter
//   const result = await engine.simulate(await prepareSimulation(argv));
//   result.gpuTimings  // { upload_s, prepass_s, kernel_s, kernel_clock, stats_s, readback_s, wall_s }
//
// Precision: f32 on the GPU with docs/precision.md's fixes (pure-f32 tolerance, tests/webgpu.test.ts); the
// interpolation switch-off is exact (GPU pre-pass + f64 re-check of the undecidable evaluations on the host).
// One run: upload (uniforms, phi table; the HKL grid only when it is not already on the device), pre-pass (only
// with interpolation on), then per band of rows - one band unless the image exceeds the device's storage-binding
// limit - the pixel loop in tiles (src/webgpu/select.ts), C's image statistics on the GPU (src/webgpu/stats.ts)
// and one readback of the band and its statistics records into the host image. Pipelines are cached per
// shader variant, and the image, grid, statistics and staging buffers are kept (grown when a larger run needs
// them) for the engine's life: a warm run allocates no large buffer. Runs on one engine are serialized.

import { webgpuRefusal } from './refusals.ts';
import { checkInto, type Dtype, type PreparedSimulation, type SimEngine, type SimResult, type SimulateOptions } from '../engine/contract.ts';
import { EXIT, UserError } from '../errors.ts';
import { outOfRangeWarning } from '../kernels/tricubic.ts';
import { GpuContext, type Kernel } from './context.ts';
import { describeAdapter, requestGpu, type GpuAdapterSummary, type GpuHandle } from './device.ts';
import { evaluationsPerPixel, firstOutOfRangeInPixel, geometry64, type Geometry64, type OutOfRangeEvaluation } from './geometry64.ts';
import { chooseStatsPlace, chooseWorkgroupSize, imageBandRows, itemsPerTile, shiftPlan, pipelineKey, type DispatchPlan, type GpuLimits } from './select.ts';
import { phiTableF32, prepassWgsl, simulateVariant, simulateWgsl, simUniforms, tophatScanWgsl } from './simulate.ts';
import { tophatOverrides } from './tophat.ts';
import { createSwitchBuffer, readSwitchBuffer, resolveSwitch, DEFAULT_CANDIDATE_CAPACITY, NO_UNIT } from './switchoff.ts';
import { imageStats } from '../io/stats.ts';
import type { Simulation } from '../simulator/setup.ts';
import { applyMask, evaluationCount } from '../simulator/layout.ts';
import { combineStatsRecords, statsArithmeticExact, statsGroups, statsUniforms, statsWgsl, STATS_RECORD_WORDS } from './stats.ts';

export const WEBGPU_F64_REFUSAL = 'the webgpu backend computes in f32 (with df64 where needed); use --backend wasm for --dtype f64';

/** Per-run time split of a GPU simulation (seconds). */
export interface GpuTimings {
  /** Buffer creation and uploads (uniforms, phi table, HKL grid), until the queue is idle. */
  upload_s: number;
  /** Switch-off pre-pass: GPU kernel, its readback and the f64 re-check on the host (0 without interpolation). */
  prepass_s: number;
  /**
   * The pixel-loop kernel: GPU time from timestamp queries when the device has them, else host wall time. In Node
   * the timestamps have nanosecond resolution (src/webgpu/device.ts turns Dawn's quantization off); browsers
   * round them (Chromium to multiples of about 65-100 us).
   */
  kernel_s: number;
  kernel_clock: 'timestamp-query' | 'wall';
  /** C's image statistics: the GPU kernel (same clock as kernel_s), or the host loop after readback. */
  stats_s: number;
  /** Image and statistics records copied to a mappable buffer, mapped and copied out, records combined. */
  readback_s: number;
  /** The whole simulate() call. */
  wall_s: number;
}

export interface WebGpuRunInfo {
  /**
   * Dispatch of the pixel loop: workgroup size, the shape of the first band's dispatch ('1d' | '2d' | 'tiled')
   * and its first tile's groups, tiles over all bands, and the row bands (1 unless the image exceeds the
   * storage-binding limit) with their height.
   */
  dispatch: { workgroupSize: number; shape: DispatchPlan['shape']; tiles: number; groups: [number, number, number]; bands: number; bandRows: number };
  /** Switch-off pre-pass: undecidable units (pixels) found, how many the host checked in f64, overflow. */
  prepass: { ran: boolean; candidates: number; checked: number; overflow: boolean };
  /** Tophat shape: pixels whose skip decisions the host made in f64 (src/webgpu/tophat.ts). */
  tophat?: { pixels: number };
  pipelineKey: string;
  /** Where C's image statistics were computed (chooseStatsPlace, then the device's float-pair check). */
  stats: 'gpu' | 'host';
  /** Why they were computed on the host although the GPU was asked for or chosen (absent otherwise). */
  statsNote?: string;
}

export type WebGpuSimResult = SimResult & { gpuTimings: GpuTimings; gpu: WebGpuRunInfo };

export interface WebGpuEngineOptions {
  dtype?: Dtype;
  /** Lower device limits (tests: force the 2-D dispatch path or the too-large-buffer error). */
  limits?: Partial<GpuLimits>;
  /** Threads per workgroup (default: chooseWorkgroupSize from the adapter). */
  workgroupSize?: number;
  /** Pre-pass candidate list size (default 4096 pixels). */
  candidateCapacity?: number;
  /** Pixels per dispatch tile (default: itemsPerTile from the adapter and the evaluations per pixel). */
  pixelsPerTile?: number;
  /** An adapter and device to use instead of requesting new ones (the engine then owns and destroys it). */
  gpu?: GpuHandle;
  /**
   * Where to compute C's image statistics (default chooseStatsPlace: the GPU, the host on software adapters).
   * The GPU is used only after its float-pair arithmetic passed statsArithmeticExact; else the host, with a note.
   */
  stats?: 'gpu' | 'host';
}

export interface WebGpuEngine extends SimEngine {
  readonly adapterInfo: GpuAdapterSummary;
  /** The context (device, limits, pipeline cache): for tests and diagnostics. */
  readonly context: GpuContext;
  simulate(prepared: PreparedSimulation, options?: SimulateOptions): Promise<WebGpuSimResult>;
}

class WebGpuSimEngine implements WebGpuEngine {
  readonly backend = 'webgpu' as const;
  readonly dtype: Dtype = 'f32';
  readonly workgroupSize: number;
  readonly statsPlace: 'gpu' | 'host';
  /** The device's float-pair check (src/webgpu/stats.ts), run once before the first GPU statistics. */
  private statsExact: Promise<boolean> | undefined;

  constructor(readonly context: GpuContext, private readonly opts: WebGpuEngineOptions) {
    this.workgroupSize = opts.workgroupSize ?? chooseWorkgroupSize({ ...context.info, limits: context.limits });
    this.statsPlace = opts.stats ?? chooseStatsPlace(context.info);
  }

  get binary(): string {
    return describeAdapter(this.context.info);
  }

  get adapterInfo(): GpuAdapterSummary {
    return this.context.info;
  }

  /** Bytes of GPU memory kept between runs (image, grid, statistics and staging buffers). */
  memoryBytes(): number {
    return this.context.residentBytes;
  }

  dispose(): void {
    this.context.destroy();
  }

  /** The grid object whose values the resident grid buffer holds (uploaded again only when it changes). */
  private gridOnDevice: unknown = null;
  private running: Promise<unknown> = Promise.resolve();

  /** Runs one at a time: the resident buffers are shared by all runs of the engine. */
  simulate(prepared: PreparedSimulation, options: SimulateOptions = {}): Promise<WebGpuSimResult> {
    const run = this.running.then(() => this.run(prepared, options));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async run(prepared: PreparedSimulation, options: SimulateOptions): Promise<WebGpuSimResult> {
    const ctx = this.context;
    ctx.assertAlive();
    const sim = prepared.sim;
    const { fpixels: width, spixels: height } = sim.detector;
    const npix = width * height;
    checkInto(options.into, width, height);
    if (npix >= NO_UNIT) throw new UserError(`detector of ${width}x${height} pixels is too large for the webgpu backend (at most 2^32 - 2 pixels)`, EXIT.RESOURCE);
    const refusal = webgpuRefusal(sim);
    if (refusal) throw new UserError(refusal, EXIT.USAGE);
    const wg = this.workgroupSize;
    const g64 = geometry64(sim);
    const perPixel = evaluationsPerPixel(g64);
    const run: Run = {
      sim, g64, width, height, npix, wg, buffers: [],
      // dispatch plans over `pixels` pixels, in tiles small enough for the per-pixel work
      pixelPlan: (pixels) => ctx.plan(pixels, wg, this.opts.pixelsPerTile ?? itemsPerTile(ctx.info, perPixel)),
    };
    const tWall = performance.now();
    try {
      const kernels = await this.kernels(run);
      const tUpload = performance.now();
      const inputs = await this.upload(run, kernels);
      await ctx.waitIdle();
      const upload_s = (performance.now() - tUpload) / 1000;

      const warnings = [...prepared.hklWarnings, ...sim.warnings];
      const tPre = performance.now();
      const switched = kernels.prepass ? await this.switchOff(run, kernels.prepass, inputs) : { at: null, prepass: { ran: false, candidates: 0, checked: 0, overflow: false } };
      const tophat = kernels.tophatScan ? await this.tophatDecisions(run, kernels.tophatScan, inputs) : undefined;
      const prepass_s = (performance.now() - tPre) / 1000;
      let interpolation = sim.interpolate ? 'tricubic' : 'nearest';
      const switchAt = switched.at;
      const switchPixel = switchAt ? switchAt.pixel : -1;
      if (switchAt) {
        warnings.push(...outOfRangeWarning(switchAt.h, switchAt.k, switchAt.l));
        interpolation = `tricubic, switched to nearest at pixel (slow ${Math.floor(switchPixel / width)}, fast ${switchPixel % width})`;
      }

      const loop = await this.pixelLoop(run, kernels.main, inputs, switchAt, tophat, options);
      const { image } = loop;
      let stats_s = loop.stats_s;
      let stats;
      if (loop.records) stats = combineStatsRecords(loop.records);
      else {
        const t = performance.now();
        stats = imageStats(image, width, height, sim.roi);
        stats_s = (performance.now() - t) / 1000;
      }
      if (sim.mask) stats = applyMask(image, sim);
      const plan = loop.firstPlan;
      const wall_s = (performance.now() - tWall) / 1000;
      const clock = loop.kernelGpu !== null ? 'timestamp-query' : 'wall';
      const kernel_s = loop.kernelGpu ?? loop.kernelWall;
      return {
        image, width, height, warnings, interpolation, switchPixel,
        evaluations: evaluationCount(sim),
        stats,
        timings: {
          loop_s: prepass_s + loop.kernelWall,
          gpu_upload_s: upload_s, gpu_prepass_s: prepass_s, gpu_kernel_s: kernel_s, gpu_stats_s: stats_s, gpu_readback_s: loop.readback_s,
        },
        gpuTimings: { upload_s, prepass_s, kernel_s, kernel_clock: clock, stats_s, readback_s: loop.readback_s, wall_s },
        gpu: {
          dispatch: { workgroupSize: wg, shape: plan.shape, tiles: loop.tiles, groups: plan.tiles[0]?.groups ?? [0, 0, 0], bands: inputs.nBands, bandRows: inputs.bandRows },
          prepass: switched.prepass,
          ...(tophat ? { tophat: { pixels: tophat.overrides.count } } : {}),
          pipelineKey: kernels.mainKey,
          stats: inputs.statsOnGpu ? 'gpu' : 'host',
          ...(inputs.statsNote ? { statsNote: inputs.statsNote } : {}),
        },
      };
    } catch (e) {
      // a resident buffer may be invalid after an error (out of memory, say): start the next run afresh
      ctx.dropResident();
      this.gridOnDevice = null;
      this.statsExact = undefined; // the float-pair check runs again (it may be what failed)
      throw e;
    } finally {
      for (const b of run.buffers) b.destroy();
    }
  }

  /** The pipelines of this run's shader variant (cached by the context): the pixel loop, the tophat scan, the pre-pass. */
  private async kernels(run: Run): Promise<RunKernels> {
    const { sim, wg } = run;
    const ctx = this.context;
    const variant = simulateVariant(sim, wg);
    const mainKey = pipelineKey('simulate', variant);
    const tophat = variant.shape === 3;
    const main = await ctx.kernel(mainKey, () => simulateWgsl(variant), 'simulate',
      ['uniform', 'tile', 'read', 'read', 'storage', ...(tophat ? ['read' as const] : [])]);
    const tophatScan = tophat
      ? await ctx.kernel(pipelineKey('tophat_scan', { shape: 3, workgroupSize: wg }), () => tophatScanWgsl(variant), 'tophat_scan',
        ['uniform', 'tile', 'read', 'storage'])
      : null;
    const masked = !!sim.mask;
    const prepass = variant.interpolate
      ? await ctx.kernel(pipelineKey('prepass', { shape: variant.shape, workgroupSize: wg }) + (masked ? '|mask' : ''), () => prepassWgsl(variant, masked), 'prepass',
        ['uniform', 'tile', 'read', 'storage', ...(masked ? ['read' as const] : [])])
      : null;
    return { mainKey, main, tophatScan, prepass };
  }

  /**
   * The inputs on the device: the resident image (or band) and statistics buffers, the phi table, the HKL grid
   * (uploaded only when it changed), and the pre-pass's parameters, candidate list and mask bits. Decides where the
   * statistics are made (the float-pair check) and the bands an image beyond the storage-binding limit takes.
   */
  private async upload(run: Run, kernels: RunKernels): Promise<DeviceInputs> {
    const { sim, width, height, wg } = run;
    const ctx = this.context;
    let statsOnGpu = this.statsPlace === 'gpu';
    let statsNote: string | undefined;
    if (statsOnGpu && !(await (this.statsExact ??= statsArithmeticExact(ctx)))) {
      statsOnGpu = false;
      statsNote = 'this device\'s shader compiler does not keep IEEE f32 additions (float-pair check failed): statistics on the host';
    }
    const storageUsage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    // an image beyond the storage-binding limit goes through in bands of whole rows
    const bandRows = imageBandRows(width, height, ctx.limits);
    const nBands = Math.ceil(height / bandRows);
    const bandPixels = bandRows * width;
    const groups = statsGroups(bandPixels, wg);
    const capacity = this.opts.candidateCapacity ?? DEFAULT_CANDIDATE_CAPACITY;
    return ctx.scoped('uploading the simulation inputs', () => {
      const made = (b: GPUBuffer) => (run.buffers.push(b), b);
      const image = ctx.residentBuffer('image', nBands === 1 ? `the image (${width}x${height} pixels, f32)` : `a band of the image (${width}x${bandRows} pixels, f32)`,
        bandPixels * 4, storageUsage);
      const records = statsOnGpu ? ctx.residentBuffer('statistics records', `the image statistics (${groups} records)`, groups * STATS_RECORD_WORDS * 4, storageUsage) : undefined;
      const phi = made(ctx.storageWith('phi table', 'the crystal vectors per phi step', phiTableF32(sim)));
      const g = sim.grid;
      let grid: GPUBuffer;
      if (!g) grid = made(ctx.storage('no HKL grid', 'a placeholder grid', 4));
      else {
        grid = ctx.residentBuffer('HKL grid', `the HKL grid (${g.hRange}x${g.kRange}x${g.lRange} values, f32)`, g.data.length * 4, storageUsage);
        if (this.gridOnDevice !== g) {
          this.gridOnDevice = null;
          ctx.writeBuffer(grid, Float32Array.from(g.data));
          this.gridOnDevice = g;
        }
      }
      const preParams = kernels.prepass || kernels.tophatScan ? made(ctx.uniform('prepass params', simUniforms(sim))) : undefined;
      const switchList = kernels.prepass ? made(createSwitchBuffer(ctx, capacity)) : undefined;
      const mask = kernels.prepass && sim.mask ? made(ctx.storageWith('mask', 'the -mask as bits', maskBits(sim.mask))) : undefined;
      return { image, records, phi, grid, preParams, switchList, mask, capacity, statsOnGpu, statsNote, bandRows, nBands, bandPixels };
    });
  }

  /** The interpolation switch-off: the GPU pre-pass lists candidates, the host decides the first one exactly in f64. */
  private async switchOff(run: Run, prepass: Kernel, inputs: DeviceInputs): Promise<{ at: OutOfRangeEvaluation | null; prepass: WebGpuRunInfo['prepass'] }> {
    const ctx = this.context;
    const { sim, g64, npix } = run;
    const { preParams, phi, switchList, mask, capacity } = inputs;
    await ctx.dispatch('the switch-off pre-pass', prepass, [preParams!, phi, switchList!, ...(mask ? [mask] : [])], run.pixelPlan(npix));
    const report = await readSwitchBuffer(ctx, switchList!, capacity);
    // an overflowing candidate list: every pixel up to the first definite one is checked in f64 (masked ones
    // take no part, as in C)
    const m = sim.mask;
    const r = resolveSwitch(report, npix, (p) => (m && m[p] === 0 ? null : firstOutOfRangeInPixel(g64, p)));
    return { at: r.result, prepass: { ran: true, candidates: report.candidateCount, checked: r.checked, overflow: report.overflow } };
  }

  /** Tophat: C's f64 skip decision for the evaluations f32 cannot decide (src/webgpu/tophat.ts), on the device. */
  private async tophatDecisions(run: Run, scan: Kernel, inputs: DeviceInputs): Promise<TophatDecisions> {
    const ctx = this.context;
    const plan = run.pixelPlan(run.npix);
    let listed: number[] = [];
    for (let room = inputs.capacity; ; ) {
      const scanBuf = await ctx.scoped('uploading the tophat scan', () => createSwitchBuffer(ctx, room));
      run.buffers.push(scanBuf);
      await ctx.dispatch('the tophat scan', scan, [inputs.preParams!, inputs.phi, scanBuf], plan);
      const report = await readSwitchBuffer(ctx, scanBuf, room);
      if (!report.overflow) {
        listed = report.candidates;
        break;
      }
      room = report.candidateCount; // every pixel found, with room for all of them this time
    }
    const table = tophatOverrides(run.g64, listed);
    const buffer = await ctx.scoped('uploading the tophat decisions',
      () => (table.count ? ctx.storageWith('tophat decisions', `the tophat decisions (${table.count} pixels)`, table.data) : ctx.storage('no tophat decisions', 'a placeholder', 4)));
    run.buffers.push(buffer);
    return { buffer, overrides: { count: table.count, words: table.words } };
  }

  /**
   * Per band of rows (one band unless the image exceeds the storage-binding limit): the pixel loop, C's image
   * statistics records on the GPU (when they are made there), and one readback of the band and its records.
   * With `borrow` (one band, no `into`) the image is the mapped readback range itself, valid until the next call.
   */
  private async pixelLoop(run: Run, main: Kernel, inputs: DeviceInputs, switchAt: OutOfRangeEvaluation | null,
    tophat: TophatDecisions | undefined, options: SimulateOptions): Promise<PixelLoopResult> {
    const ctx = this.context;
    const { sim, width, npix, wg } = run;
    const { nBands, bandPixels } = inputs;
    const borrowing = !!options.borrow && !options.into && nBands === 1;
    let image = options.into ?? (borrowing ? undefined : new Float32Array(npix));
    const statsKernel = inputs.statsOnGpu
      ? await ctx.kernel(pipelineKey('stats', { workgroupSize: wg }), () => statsWgsl(wg), 'stats', ['uniform', 'tile', 'read', 'storage'])
      : null;
    const records: Uint32Array[] = [];
    let kernelGpu: number | null = 0, kernelWall = 0, stats_s = 0, readback_s = 0;
    let firstPlan: DispatchPlan | undefined;
    let tiles = 0;
    const overrides = tophat?.overrides ?? { count: 0, words: 0 };
    for (let band = 0; band < nBands; band++) {
      const origin = band * bandPixels;
      const count = Math.min(bandPixels, npix - origin);
      const params = simUniforms(sim, switchAt ? switchAt.pixel : NO_UNIT, switchAt ? switchAt.raw : NO_UNIT, origin, overrides);
      const uBuf = await ctx.scoped('uploading the pixel-loop parameters', () => ctx.uniform('simulate params', params));
      run.buffers.push(uBuf);
      const plan = shiftPlan(run.pixelPlan(count), origin);
      firstPlan ??= plan;
      tiles += plan.tiles.length;
      const timing = await ctx.dispatch(nBands === 1 ? 'the pixel loop' : `the pixel loop (rows ${origin / width}-${(origin + count) / width - 1})`,
        main, [uBuf, inputs.phi, inputs.grid, inputs.image, ...(tophat ? [tophat.buffer] : [])], plan,
        options.onProgress ? (done, total) => options.onProgress!((band + done / total) / nBands) : undefined);
      kernelGpu = kernelGpu !== null && timing.gpu_s !== null ? kernelGpu + timing.gpu_s : null;
      kernelWall += timing.wall_s;
      const bandGroups = statsGroups(count, wg);
      if (statsKernel) {
        const statsParams = await ctx.scoped('uploading the statistics parameters',
          () => ctx.uniform('stats params', statsUniforms(width, run.height, sim.roi, origin, count)));
        run.buffers.push(statsParams);
        const t = await ctx.dispatch('the image statistics', statsKernel, [statsParams, inputs.image, inputs.records!], ctx.plan(bandGroups * wg, wg));
        stats_s += t.gpu_s ?? t.wall_s;
      }
      const tRead = performance.now();
      const [imageBytes, recordBytes] = await ctx.readMany([
        { src: inputs.image, bytes: count * 4, what: 'the image', ...(image ? { into: image.subarray(origin, origin + count) } : {}) },
        ...(statsKernel ? [{ src: inputs.records!, bytes: bandGroups * STATS_RECORD_WORDS * 4, what: 'the image statistics' }] : []),
      ], { borrow: borrowing });
      image ??= new Float32Array(imageBytes, 0, count);
      if (statsKernel) records.push(new Uint32Array(recordBytes));
      readback_s += (performance.now() - tRead) / 1000;
    }
    if (!image) throw new Error('internal: no image after the readback');
    return { image, records: statsKernel ? concatRecords(records) : undefined, kernelGpu, kernelWall, stats_s, readback_s, firstPlan: firstPlan!, tiles };
  }
}

/** One run's fixed facts, and the per-run buffers it made (destroyed when it ends). */
interface Run {
  sim: Simulation;
  g64: Geometry64;
  width: number;
  height: number;
  npix: number;
  wg: number;
  /** A dispatch plan over `pixels` pixels, in tiles small enough for the per-pixel work. */
  pixelPlan: (pixels: number) => DispatchPlan;
  buffers: GPUBuffer[];
}

interface RunKernels {
  mainKey: string;
  main: Kernel;
  tophatScan: Kernel | null;
  prepass: Kernel | null;
}

/** The buffers on the device for one run (resident ones shared with later runs) and the plan of its bands. */
interface DeviceInputs {
  image: GPUBuffer;
  records: GPUBuffer | undefined;
  phi: GPUBuffer;
  grid: GPUBuffer;
  /** The pre-pass and tophat scan's parameters (either kernel runs). */
  preParams: GPUBuffer | undefined;
  /** The pre-pass's candidate list. */
  switchList: GPUBuffer | undefined;
  mask: GPUBuffer | undefined;
  /** Room in a candidate list. */
  capacity: number;
  statsOnGpu: boolean;
  statsNote: string | undefined;
  bandRows: number;
  nBands: number;
  bandPixels: number;
}

interface TophatDecisions {
  buffer: GPUBuffer;
  overrides: { count: number; words: number };
}

interface PixelLoopResult {
  image: Float32Array;
  /** The bands' statistics records in band order (undefined: statistics on the host). */
  records: Uint32Array | undefined;
  /** Summed GPU timestamps of the pixel loop, null where the device has no timestamp queries. */
  kernelGpu: number | null;
  kernelWall: number;
  stats_s: number;
  readback_s: number;
  firstPlan: DispatchPlan;
  tiles: number;
}

function concatRecords(records: readonly Uint32Array[]): Uint32Array {
  const all = new Uint32Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of records) {
    all.set(r, at);
    at += r.length;
  }
  return all;
}

/**
 * A WebGPU engine on a fresh device (or on `opts.gpu`). Throws when there is no adapter (the message says why)
 * and when f64 is asked for.
 */
export async function createWebGpuEngine(opts: WebGpuEngineOptions = {}): Promise<WebGpuEngine> {
  if (opts.dtype === 'f64') throw new Error(WEBGPU_F64_REFUSAL);
  if (opts.dtype !== undefined && opts.dtype !== 'f32') throw new Error(`unknown dtype '${String(opts.dtype)}' (the webgpu backend computes in f32)`);
  const handle = opts.gpu ?? (await requestGpu());
  if ('error' in handle) throw new Error(`no WebGPU: ${handle.error}`);
  return new WebGpuSimEngine(new GpuContext(handle, { limits: opts.limits }), opts);
}

/** The -mask as bits for the pre-pass (bit p of word p >> 5 set = pixel p is computed). */
function maskBits(mask: Uint16Array): Uint32Array {
  const bits = new Uint32Array(Math.max(1, Math.ceil(mask.length / 32)));
  for (let p = 0; p < mask.length; p++) if (mask[p] !== 0) bits[p >> 5] |= 1 << (p & 31);
  return bits;
}
