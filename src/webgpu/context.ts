// Device hygiene for the WebGPU kernels: one GpuContext per device holds the effective limits,
// a pipeline cache keyed by what changes the shader, error scopes around every piece of GPU work (validation,
// out-of-memory and internal errors become exceptions with a message saying what was being done), device-loss
// tracking, checked buffer creation, tiled dispatches (1-D, folded 2-D or several tiles; src/webgpu/select.ts)
// with optional timestamp queries, and readback.

import type { GpuAdapterSummary, GpuHandle } from './device.ts';
import { alignUp, applyLimitOverride, checkStorageSize, planDispatch, type DispatchPlan, type GpuLimits } from './select.ts';
import { TILE } from './uniforms.ts';

export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
}
export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

export interface ContextOptions {
  /** Lower some limits below the device's (tests: force 2-D dispatch or a too-large buffer). */
  limits?: Partial<GpuLimits>;
}

/** A compute kernel's bind-group layout, in binding order. 'tile' is the dynamic per-dispatch uniform. */
export type BindingKind = 'uniform' | 'tile' | 'read' | 'storage';

export interface Kernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  bindings: readonly BindingKind[];
}

export interface DispatchTiming {
  /** GPU time of the dispatches from timestamp queries (s), or null when the device has no timestamp-query. */
  gpu_s: number | null;
  /** Host time from the first submit until the queue finished (s). */
  wall_s: number;
}

/** Phases of one batched GPU kernel call (seconds). */
export interface BatchTimings {
  /** Buffer creation and uploads (grid and inputs), until the queue is idle. */
  upload_s: number;
  /** Switch-off pre-pass: kernel, readback and the host's f64 re-check (0 without one). */
  prepass_s: number;
  /** The kernel: GPU time from timestamp queries when the device has them, else host wall time. */
  kernel_s: number;
  /** Output copied to a mappable buffer, mapped and copied out. */
  readback_s: number;
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly info: GpuAdapterSummary;
  readonly limits: GpuLimits;
  readonly timestamps: boolean;
  private readonly kernels = new Map<string, Kernel>();
  private readonly resident = new Map<string, { buffer: GPUBuffer; size: number; usage: number }>();
  private stagingBusy = false;
  /** The staging buffer a borrowing readMany left mapped (released by the next read). */
  private borrowed: GPUBuffer | null = null;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private destroyed = false;
  /** How many pipelines were compiled (the cache test reads it). */
  pipelinesBuilt = 0;

  constructor(handle: GpuHandle, opts: ContextOptions = {}) {
    this.device = handle.device;
    this.info = handle.info;
    this.limits = applyLimitOverride(
      { ...handle.info.limits, ...pickLimits(handle.device.limits as unknown as Record<string, number>) }, opts.limits);
    this.timestamps = handle.device.features.has('timestamp-query');
    handle.device.lost.then((info) => {
      this.lostInfo = info;
    });
  }

  /** Throws if the device is gone (lost, or destroyed by dispose()). */
  assertAlive(): void {
    if (this.lostInfo && !this.destroyed) {
      throw new GpuDeviceLostError(`the WebGPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message || 'no message'}; create a new engine`);
    }
    if (this.destroyed) throw new GpuDeviceLostError('this WebGPU engine was disposed');
  }

  /**
   * Runs `work` inside validation, out-of-memory and internal error scopes and throws the first error any of
   * them caught, prefixed with `what`. Errors raised later by the device (loss) surface through assertAlive.
   */
  async scoped<T>(what: string, work: () => T | Promise<T>): Promise<T> {
    this.assertAlive();
    const d = this.device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    let result: T | undefined;
    let thrown: unknown;
    try {
      result = await work();
    } catch (e) {
      thrown = e;
    }
    const validation = await d.popErrorScope();
    const oom = await d.popErrorScope();
    const internal = await d.popErrorScope();
    if (this.lostInfo && !this.destroyed) this.assertAlive();
    if (oom) throw new GpuOutOfMemoryError(`out of GPU memory while ${what}: ${oom.message}`);
    if (validation) throw new GpuValidationError(`WebGPU validation error while ${what}: ${validation.message}`);
    if (internal) throw new Error(`WebGPU internal error while ${what}: ${internal.message}`);
    if (thrown !== undefined) throw thrown;
    return result as T;
  }

  /**
   * The compute pipeline for `key`, built once from `wgsl()` (entry point `entry`) with an explicit layout of
   * `bindings` (so the per-dispatch tile record can use a dynamic offset).
   */
  async kernel(key: string, wgsl: () => string, entry: string, bindings: readonly BindingKind[]): Promise<Kernel> {
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const kernel = await this.scoped(`building the WebGPU pipeline ${key}`, async () => {
      const d = this.device;
      const code = wgsl();
      const module = d.createShaderModule({ code, label: key });
      const info = await module.getCompilationInfo?.();
      const errors = info?.messages?.filter((m) => m.type === 'error') ?? [];
      if (errors.length) {
        throw new GpuValidationError(`WGSL of ${key} does not compile:\n` + errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n'));
      }
      const layout = d.createBindGroupLayout({
        label: key,
        entries: bindings.map((b, i) => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: b === 'tile' ? { type: 'uniform', hasDynamicOffset: true, minBindingSize: TILE.size }
            : b === 'uniform' ? { type: 'uniform' }
            : b === 'read' ? { type: 'read-only-storage' } : { type: 'storage' },
        })),
      });
      const pipeline = await d.createComputePipelineAsync({
        label: key,
        layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: entry },
      });
      return { pipeline, layout, bindings };
    });
    this.kernels.set(key, kernel);
    this.pipelinesBuilt++;
    return kernel;
  }

  /** Number of cached pipelines. */
  get cachedPipelines(): number {
    return this.kernels.size;
  }

  /** A storage buffer of `bytes` (at least 4), checked against the binding limits first. */
  storage(label: string, what: string, bytes: number, extraUsage = 0): GPUBuffer {
    checkStorageSize(what, bytes, this.limits);
    return this.device.createBuffer({
      label,
      size: alignUp(Math.max(4, bytes), 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
    });
  }

  /** A storage buffer holding `data` (written through the queue). */
  storageWith(label: string, what: string, data: ArrayBufferView | ArrayBuffer): GPUBuffer {
    const bytes = data.byteLength;
    const buf = this.storage(label, what, bytes);
    if (bytes > 0) this.writeBuffer(buf, data);
    return buf;
  }

  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    const buf = this.device.createBuffer({ label, size: alignUp(data.byteLength, 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, data);
    return buf;
  }

  writeBuffer(buf: GPUBuffer, data: ArrayBufferView | ArrayBuffer): void {
    const view = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
    // writeBuffer wants a multiple of 4 bytes
    if (view.byteLength % 4 === 0) this.device.queue.writeBuffer(buf, 0, view.buffer, view.byteOffset, view.byteLength);
    else {
      const padded = new Uint8Array(alignUp(view.byteLength, 4));
      padded.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      this.device.queue.writeBuffer(buf, 0, padded);
    }
  }

  /** The dispatch plan for `items` threads with this context's limits. */
  plan(items: number, workgroupSize: number, maxItemsPerTile?: number): DispatchPlan {
    return planDispatch(items, workgroupSize, this.limits.maxComputeWorkgroupsPerDimension, maxItemsPerTile);
  }

  /**
   * Dispatches `kernel` over `plan`'s tiles, binding `buffers` to the non-tile bindings in order. One compute
   * pass and one submit per tile (so `onTile` can report progress as tiles finish); timestamp queries around
   * each pass when the device has them. Resolves when the queue has finished.
   */
  async dispatch(what: string, kernel: Kernel, buffers: GPUBuffer[], plan: DispatchPlan,
                 onTile?: (done: number, total: number) => void): Promise<DispatchTiming> {
    const d = this.device;
    const nTiles = plan.tiles.length;
    if (nTiles === 0) return { gpu_s: this.timestamps ? 0 : null, wall_s: 0 };
    const stride = alignUp(TILE.size, this.limits.minUniformBufferOffsetAlignment);
    let tileBuf: GPUBuffer | undefined, query: GPUQuerySet | undefined, resolve: GPUBuffer | undefined, readTs: GPUBuffer | undefined;
    try {
      const t0 = performance.now();
      await this.scoped(what, async () => {
        tileBuf = d.createBuffer({ label: `${what}: tiles`, size: stride * nTiles, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        const tileBytes = new Uint8Array(stride * nTiles);
        plan.tiles.forEach((t, i) => tileBytes.set(new Uint8Array(TILE.pack({ base: t.base, end: t.end, pad0: 0, pad1: 0 })), i * stride));
        d.queue.writeBuffer(tileBuf, 0, tileBytes);
        const entries: GPUBindGroupEntry[] = [];
        let b = 0;
        kernel.bindings.forEach((kind, i) => {
          entries.push(kind === 'tile'
            ? { binding: i, resource: { buffer: tileBuf!, offset: 0, size: TILE.size } }
            : { binding: i, resource: { buffer: buffers[b++] } });
        });
        if (b !== buffers.length) throw new Error(`${what}: ${buffers.length} buffers for ${b} bindings`);
        const group = d.createBindGroup({ label: what, layout: kernel.layout, entries });
        if (this.timestamps) {
          query = d.createQuerySet({ type: 'timestamp', count: 2 * nTiles });
          resolve = d.createBuffer({ size: 16 * nTiles, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
          readTs = d.createBuffer({ size: 16 * nTiles, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        }
        plan.tiles.forEach((tile, i) => {
          const enc = d.createCommandEncoder({ label: `${what} tile ${i}` });
          const pass = enc.beginComputePass(query
            ? { timestampWrites: { querySet: query, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } }
            : {});
          pass.setPipeline(kernel.pipeline);
          pass.setBindGroup(0, group, [i * stride]);
          pass.dispatchWorkgroups(tile.groups[0], tile.groups[1], tile.groups[2]);
          pass.end();
          if (i === nTiles - 1 && query) {
            enc.resolveQuerySet(query, 0, 2 * nTiles, resolve!, 0);
            enc.copyBufferToBuffer(resolve!, 0, readTs!, 0, 16 * nTiles);
          }
          d.queue.submit([enc.finish()]);
          if (onTile) d.queue.onSubmittedWorkDone().then(() => onTile(i + 1, nTiles));
        });
      });
      await this.waitIdle();
      const wall_s = (performance.now() - t0) / 1000;
      let gpu_s: number | null = null;
      if (readTs) {
        await this.mapRead(readTs, what);
        const ts = new BigUint64Array(readTs.getMappedRange().slice(0));
        readTs.unmap();
        let ns = 0n;
        for (let i = 0; i < nTiles; i++) if (ts[2 * i + 1] > ts[2 * i]) ns += ts[2 * i + 1] - ts[2 * i];
        gpu_s = Number(ns) / 1e9;
      }
      return { gpu_s, wall_s };
    } finally {
      tileBuf?.destroy();
      query?.destroy();
      resolve?.destroy();
      readTs?.destroy();
    }
  }

  /** Waits for the queue; a device lost meanwhile becomes a GpuDeviceLostError. */
  async waitIdle(): Promise<void> {
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.device.lost.then(() => undefined)]);
    if (this.lostInfo) this.assertAlive();
  }

  private async mapRead(buf: GPUBuffer, what: string, bytes?: number): Promise<void> {
    try {
      await buf.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      this.assertAlive();
      throw new Error(`reading back the results of ${what} failed: ${(e as Error).message}`);
    }
  }

  /** Copies `bytes` from `src` into a fresh ArrayBuffer (through a mappable staging buffer). */
  async read(src: GPUBuffer, bytes: number, what: string): Promise<ArrayBuffer> {
    return (await this.readMany([{ src, bytes, what }]))[0];
  }

  /**
   * Copies several buffers' first bytes into fresh ArrayBuffers (or, for a part with `into`, into that array,
   * whose byte length must be `bytes`; its ArrayBuffer is returned) with one submit and one map: the parts sit
   * side by side in the context's resident staging buffer (or in a temporary one while another read holds it).
   * With `borrow` the first part is not copied: its entry is the mapped range itself (the part at offset 0),
   * which stays mapped - and valid - until the context's next read, releaseBorrowed() or destroy().
   */
  async readMany(parts: readonly { src: GPUBuffer; bytes: number; what: string; into?: ArrayBufferView }[],
                 opts: { borrow?: boolean } = {}): Promise<ArrayBuffer[]> {
    this.releaseBorrowed();
    const d = this.device;
    const offsets: number[] = [];
    let total = 0;
    for (const p of parts) {
      offsets.push(total);
      total += alignUp(Math.max(4, p.bytes), 256);
    }
    const what = parts.map((p) => p.what).join(' and ');
    const usage = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
    const shared = !this.stagingBusy;
    const borrow = !!opts.borrow && shared && !parts[0]?.into;
    let staging: GPUBuffer | undefined;
    if (shared) this.stagingBusy = true;
    try {
      await this.scoped(`reading back ${what}`, () => {
        staging = shared ? this.residentBuffer('readback staging', 'the readback staging buffer', total, usage)
          : d.createBuffer({ label: `${what}: readback`, size: total, usage });
        const enc = d.createCommandEncoder();
        parts.forEach((p, i) => enc.copyBufferToBuffer(p.src, 0, staging!, offsets[i], alignUp(Math.max(4, p.bytes), 4)));
        d.queue.submit([enc.finish()]);
      });
      await this.mapRead(staging!, what, total);
      const mapped = staging!.getMappedRange(0, total);
      const out = parts.map((p, i) => {
        if (i === 0 && borrow) return mapped;
        if (!p.into) return mapped.slice(offsets[i], offsets[i] + p.bytes);
        if (p.into.byteLength !== p.bytes) throw new RangeError(`reading back ${p.what}: ${p.into.byteLength} bytes to fill, ${p.bytes} read`);
        new Uint8Array(p.into.buffer, p.into.byteOffset, p.bytes).set(new Uint8Array(mapped, offsets[i], p.bytes));
        return p.into.buffer as ArrayBuffer;
      });
      if (borrow) this.borrowed = staging!;
      else staging!.unmap();
      return out;
    } catch (e) {
      // a staging buffer left mapped or invalid must not be reused
      if (shared) this.dropResident('readback staging');
      throw e;
    } finally {
      if (shared) this.stagingBusy = false;
      else staging?.destroy();
    }
  }

  /**
   * A buffer kept for the context's life under `name`, reused while it is large enough and has the same usage
   * (else replaced). Storage buffers are checked against the binding limits with the bytes asked for, so the
   * error names what does not fit. Call inside scoped(): creation can fail with out-of-memory.
   */
  residentBuffer(name: string, what: string, bytes: number, usage: number): GPUBuffer {
    if (usage & GPUBufferUsage.STORAGE) checkStorageSize(what, bytes, this.limits);
    const size = alignUp(Math.max(4, bytes), 4);
    const hit = this.resident.get(name);
    if (hit && hit.size >= size && hit.usage === usage) return hit.buffer;
    this.dropResident(name);
    const buffer = this.device.createBuffer({ label: name, size, usage });
    this.resident.set(name, { buffer, size, usage });
    return buffer;
  }

  /** Unmaps the staging buffer a borrowing readMany left mapped: the range it returned is detached (length 0). */
  releaseBorrowed(): void {
    const b = this.borrowed;
    this.borrowed = null;
    b?.unmap(); // a no-op on a buffer already unmapped or destroyed
  }

  /** Destroys one resident buffer (or all of them without a name). */
  dropResident(name?: string): void {
    if (name === undefined || name === 'readback staging') this.releaseBorrowed();
    for (const [k, v] of this.resident) {
      if (name === undefined || k === name) {
        v.buffer.destroy();
        this.resident.delete(k);
      }
    }
  }

  /** Bytes held by resident buffers (the engine's memoryBytes()). */
  get residentBytes(): number {
    let n = 0;
    for (const v of this.resident.values()) n += v.size;
    return n;
  }

  /** Destroys the device (every buffer with it); the context is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.kernels.clear();
    this.dropResident();
    this.device.destroy();
  }
}

function pickLimits(src: Record<string, number>): Partial<GpuLimits> {
  const out: Partial<GpuLimits> = {};
  for (const k of ['maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
    'maxStorageBufferBindingSize', 'maxBufferSize', 'minUniformBufferOffsetAlignment'] as const) {
    if (typeof src[k] === 'number') out[k] = src[k];
  }
  return out;
}
