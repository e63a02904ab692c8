// Pure choices for the WebGPU backend, made from what the adapter says about itself: workgroup
// size, dispatch shape (1-D, 2-D, or several tiles), storage-buffer size checks and the pipeline cache key.
// No GPU objects here, so every rule is unit-tested on CPU CI with fake adapters (tests/webgpu-select.test.ts).

/** The subset of GPUSupportedLimits the backend reads. */
export interface GpuLimits {
  maxComputeWorkgroupsPerDimension: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  minUniformBufferOffsetAlignment: number;
}

/** What an adapter tells about itself (GPUAdapterInfo plus flags), as plain data. */
export interface AdapterFacts {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  features?: readonly string[];
  limits: GpuLimits;
}

/** WebGPU's guaranteed minimum limits (the spec's defaults): what any device can be asked for. */
export const DEFAULT_LIMITS: GpuLimits = {
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  minUniformBufferOffsetAlignment: 256,
};

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof GpuLimits)[];

/** Copies the limits the backend reads out of a GPUSupportedLimits-like object (missing ones: spec defaults). */
export function readLimits(src: Partial<Record<keyof GpuLimits, number>> | Record<string, unknown>): GpuLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of LIMIT_NAMES) {
    const v = (src as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[k] = v;
  }
  return out;
}

/**
 * Lowers `limits` by `override` (tests force a small maxComputeWorkgroupsPerDimension or storage size this way;
 * a value above the adapter's own limit is refused, since the device could not honour it).
 */
export function applyLimitOverride(limits: GpuLimits, override: Partial<GpuLimits> = {}): GpuLimits {
  const out = { ...limits };
  for (const k of LIMIT_NAMES) {
    const v = override[k];
    if (v === undefined) continue;
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`limit ${k} must be a positive integer, got ${v}`);
    if (v > limits[k]) throw new Error(`limit ${k} = ${v} is above what the adapter supports (${limits[k]})`);
    out[k] = v;
  }
  return out;
}

/** A CPU implementation of WebGPU (SwiftShader, llvmpipe/lavapipe, WARP) or an adapter flagged as fallback. */
export function isSoftwareAdapter(facts: AdapterFacts): boolean {
  const vendor = `${facts.vendor ?? ''} ${facts.description ?? ''} ${facts.architecture ?? ''}`.toLowerCase();
  return !!facts.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|warp/.test(vendor);
}

/**
 * Where C's image statistics are computed: on the GPU (a reduction kernel; no host pass over the image), except
 * on a software adapter, whose "GPU" is this CPU emulating workgroups: there the host loop is about 10x faster
 * (1024^2 on SwiftShader, 2 cores: kernel 96-112 ms, host loop 3-24 ms; scripts/measure/gpu-host-costs.ts 1024 gpu).
 */
export function chooseStatsPlace(facts: AdapterFacts): 'gpu' | 'host' {
  return isSoftwareAdapter(facts) ? 'host' : 'gpu';
}

/**
 * Threads per workgroup for the one-pixel-per-thread kernels. Each thread runs a long, divergent loop (layers x
 * subpixels x phi, 64 gathers per tricubic evaluation), so small groups that fill the machine evenly win over
 * large ones: 64 by default (two NVIDIA warps, one AMD wave64, many SIMD groups elsewhere), 128 on NVIDIA
 * (four warps per group helps its scheduler hide the gathers), 32 on fallback/CPU adapters such as SwiftShader
 * (its threads are CPU lanes; small groups spread better over few cores). Always a power of two within the
 * device limits.
 */
export function chooseWorkgroupSize(facts: AdapterFacts): number {
  const vendor = `${facts.vendor ?? ''} ${facts.description ?? ''}`.toLowerCase();
  let want = 64;
  if (isSoftwareAdapter(facts)) want = 32;
  else if (/nvidia/.test(vendor)) want = 128;
  const cap = Math.min(facts.limits.maxComputeInvocationsPerWorkgroup, facts.limits.maxComputeWorkgroupSizeX);
  let size = 1;
  while (size * 2 <= Math.min(want, cap)) size *= 2;
  return size;
}

/** One dispatch: items [base, end) on a grid of groups[0] x groups[1] workgroups (flattened row-major). */
export interface DispatchTile {
  base: number;
  end: number;
  groups: [number, number, number];
}

export interface DispatchPlan {
  workgroupSize: number;
  tiles: DispatchTile[];
  /** '1d': one dispatch with one row of groups; '2d': one dispatch folded into rows; 'tiled': several. */
  shape: '1d' | '2d' | 'tiled';
}

/**
 * Covers `items` one-per-thread with workgroups of `workgroupSize`. One dimension when the group count fits
 * maxComputeWorkgroupsPerDimension; otherwise the groups are folded into a 2-D grid (x as even as possible so
 * few trailing threads idle; the kernel flattens group (x, y) to y * num_workgroups.x + x); beyond
 * maxPerDimension^2 groups, or beyond `maxItemsPerTile`, several dispatches, each with its own base offset.
 */
export function planDispatch(items: number, workgroupSize: number, maxPerDimension: number,
                             maxItemsPerTile = Number.POSITIVE_INFINITY): DispatchPlan {
  if (!(Number.isInteger(items) && items >= 0)) throw new Error(`item count must be a non-negative integer, got ${items}`);
  if (!(Number.isInteger(workgroupSize) && workgroupSize > 0)) throw new Error(`bad workgroup size ${workgroupSize}`);
  if (!(Number.isInteger(maxPerDimension) && maxPerDimension > 0)) throw new Error(`bad maxComputeWorkgroupsPerDimension ${maxPerDimension}`);
  const maxGroupsPerTile = Math.max(1, Math.min(maxPerDimension * maxPerDimension,
    Math.floor(maxItemsPerTile / workgroupSize)));
  const tiles: DispatchTile[] = [];
  for (let base = 0; base < items; base += maxGroupsPerTile * workgroupSize) {
    const end = Math.min(items, base + maxGroupsPerTile * workgroupSize);
    const groups = Math.ceil((end - base) / workgroupSize);
    const y = Math.ceil(groups / maxPerDimension);
    const x = Math.ceil(groups / y);
    tiles.push({ base, end, groups: [x, y, 1] });
  }
  const shape = tiles.length > 1 ? 'tiled' : tiles.length === 1 && tiles[0].groups[1] > 1 ? '2d' : '1d';
  return { workgroupSize, tiles, shape };
}

/** `plan` moved to items [origin, origin + its items): the same groups, bases and ends shifted. */
export function shiftPlan(plan: DispatchPlan, origin: number): DispatchPlan {
  return { ...plan, tiles: plan.tiles.map((t) => ({ ...t, base: t.base + origin, end: t.end + origin })) };
}

/**
 * Rows per band when an image of width x height f32 pixels goes through the GPU in row bands, each band's image
 * buffer within the storage-binding limits (all rows in one band when the image fits). Throws a
 * GpuBufferTooLargeError when a single row does not fit.
 */
export function imageBandRows(width: number, height: number, limits: GpuLimits): number {
  const limit = bindableBytes(limits);
  checkStorageSize(`one row of the image (${width} pixels, f32)`, width * 4, limits);
  return Math.max(1, Math.min(height, Math.floor(limit / (width * 4))));
}

/** The most bytes one storage buffer can hold and be bound on a device with `limits`. */
function bindableBytes(limits: GpuLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

export class GpuBufferTooLargeError extends Error {
  override name = 'GpuBufferTooLargeError';
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 24 ? 2 : 0)} MiB`;

/**
 * Throws a GpuBufferTooLargeError naming the buffer, its size and the limit when `bytes` cannot be bound as
 * one storage buffer on this device. `what` says what the buffer holds (e.g. "the image (4096x4096 pixels)").
 */
export function checkStorageSize(what: string, bytes: number, limits: GpuLimits): void {
  const limit = bindableBytes(limits);
  if (bytes > limit) {
    const which = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
    throw new GpuBufferTooLargeError(
      `WebGPU buffer too large: ${what} needs ${mb(bytes)} (${bytes} bytes) but this device binds at most ` +
      `${mb(limit)} per storage buffer (${which} = ${limit}); use a smaller detector or -roi, or --backend wasm`);
  }
}

/** Compile-time variant of the pixel-loop shader: everything that changes the WGSL text. */
export interface SimulateVariant {
  /** 0 square, 1 round, 2 gauss, 3 tophat (docs/c-behaviour/minimal-loop.md 5.9) */
  shape: number;
  /** tricubic code present (interpolation on at the start of the run) */
  interpolate: boolean;
  /** a structure-factor grid exists (else F = default_F everywhere) */
  hkls: boolean;
  /** more than one thickness layer */
  layers: boolean;
  oversampleThick: boolean;
  oversamplePolar: boolean;
  oversampleOmega: boolean;
  workgroupSize: number;
}

/** Cache key of a pipeline: kernel name + variant fields in a fixed order. */
export function pipelineKey(kernel: string, v: Partial<SimulateVariant> & { workgroupSize: number }): string {
  const flag = (b: boolean | undefined) => (b ? '1' : '0');
  return [kernel, `wg${v.workgroupSize}`, `shape${v.shape ?? 0}`, `interp${flag(v.interpolate)}`, `hkl${flag(v.hkls)}`,
    `layers${flag(v.layers)}`, `ost${flag(v.oversampleThick)}`, `osp${flag(v.oversamplePolar)}`, `oso${flag(v.oversampleOmega)}`].join('|');
}

/**
 * Items (pixels) per dispatch tile: bounded so that one dispatch stays short on slow adapters (progress can be
 * reported between tiles, and OS GPU watchdogs never see a multi-second dispatch). The budget is in evaluations:
 * about 2^26 per dispatch on a real GPU (a few ms), 2^20 on a fallback adapter (about a second on SwiftShader).
 */
export function itemsPerTile(facts: AdapterFacts, evaluationsPerItem: number): number {
  const budget = facts.isFallbackAdapter ? 2 ** 20 : 2 ** 26;
  return Math.max(1, Math.floor(budget / Math.max(1, evaluationsPerItem)));
}

/** Rounds `n` up to a multiple of `align`. */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
