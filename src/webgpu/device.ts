// One way to get a WebGPU adapter and device, in browsers, Deno and Node.
//
// Browsers and Deno have `navigator.gpu`. Node has none: there the npm package `webgpu` (Dawn) provides it, and
// is imported dynamically behind a runtime check so that bundles for the web never pull it in. Two Dawn traps
// the object returned by create() must stay referenced for the whole life of the GPU work, or the
// process crashes at random when it is garbage-collected (it is kept in a module-level variable, forever); and
// without a GPU, Dawn finds an adapter only through a Vulkan ICD such as SwiftShader's
// (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).

import { readLimits, type AdapterFacts, type GpuLimits, LIMIT_NAMES } from './select.ts';

export interface GpuAdapterSummary extends AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: GpuLimits;
  /** Where navigator.gpu came from: 'navigator.gpu' or 'npm webgpu (Dawn)'. */
  provider: string;
}

export interface GpuHandle {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: GpuAdapterSummary;
}

export interface RequestGpuOptions {
  powerPreference?: GPUPowerPreference;
}

/** Dawn instances created in this process: referenced here for the life of the process (see header). */
const dawnInstances: unknown[] = [];

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node && !(globalThis as { Deno?: unknown }).Deno;

/** navigator.gpu where the runtime has it; in Node, Dawn's GPU object from npm `webgpu`. */
async function gpuEntry(): Promise<{ gpu: GPU; provider: string } | { error: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, provider: 'navigator.gpu' };
  if (!isNode()) return { error: 'this runtime has no navigator.gpu (WebGPU disabled or unsupported)' };
  const noDriver = await vulkanDriverMissing();
  if (noDriver) return { error: noDriver };
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const specifier = 'webgpu'; // a variable, so that web bundlers leave this Node-only import alone
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    return { error: `npm webgpu (Dawn) cannot be loaded: ${String((e as Error).message).split('\n')[0]}` };
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Dawn rounds timestamp queries to multiples of 65536 ns by default (a browser's defence against timing
  // attacks; scripts/measure/timestamps.ts: every duration a multiple of 65536 ns). A Node process has no such adversary, and the
  // GPU kernel times of the reports need the nanoseconds.
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  dawnInstances.push(gpu);
  return { gpu, provider: 'npm webgpu (Dawn)' };
}

/**
 * On Linux, Dawn reaches the GPU through a Vulkan driver (ICD). Without one it finds no adapter after
 * printing loader noise on stderr; checking the ICD manifests first gives a clean reason instead.
 */
async function vulkanDriverMissing(): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  const env = process.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return null;
  const { readdirSync } = await import('node:fs');
  const has = (dir: string, re: RegExp) => {
    try {
      return readdirSync(dir).some((f) => re.test(f));
    } catch {
      return false;
    }
  };
  if (!has('/dev/dri', /^renderD\d+$/) && !has('/dev', /^nvidia\d+$/)) {
    return 'no GPU device (/dev/dri/renderD*, /dev/nvidia*) on this machine' +
      ' (to use a software adapter: apt-get install chromium libvulkan1, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)';
  }
  const dataDirs = [env.XDG_DATA_HOME, ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':')].filter(Boolean);
  const dirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => `${d}/vulkan/icd.d`)];
  for (const d of dirs) if (has(d, /\.json$/)) return null;
  return 'no Vulkan driver (ICD) installed, so Dawn has no GPU adapter' +
    ' (without a GPU: apt-get install chromium libvulkan1, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)';
}

function noAdapterReason(provider: string): string {
  if (provider.startsWith('npm webgpu')) {
    const icd = typeof process !== 'undefined' ? process.env.VK_ICD_FILENAMES : undefined;
    return 'Dawn found no WebGPU adapter (no GPU driver or Vulkan ICD' +
      (icd ? `; VK_ICD_FILENAMES=${icd}` : '; without a GPU set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json after apt-get install chromium libvulkan1') + ')';
  }
  return 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter)';
}

/** Plain-data summary of an adapter (info, features, the limits the backend reads). */
export function summarizeAdapter(adapter: GPUAdapter, provider: string): GpuAdapterSummary {
  const i = (adapter.info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    vendor: str(i.vendor),
    architecture: str(i.architecture),
    device: str(i.device),
    description: str(i.description),
    isFallbackAdapter: !!(i.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].map(String).sort(),
    limits: readLimits(adapter.limits as unknown as Record<string, unknown>),
    provider,
  };
}

/** One line naming the adapter, for reports and `SimEngine.binary`. */
export function describeAdapter(info: GpuAdapterSummary): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((x, i, a) => x && a.indexOf(x) === i);
  return `${parts.join(' / ') || 'unnamed adapter'}${info.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}

/**
 * An adapter and a device, or why there is none. The device gets the adapter's own values of the limits the
 * backend reads (the defaults are lower: 128 MiB storage bindings) and timestamp-query when the adapter has it.
 */
export async function requestGpu(opts: RequestGpuOptions = {}): Promise<GpuHandle | { error: string }> {
  const entry = await gpuEntry();
  if ('error' in entry) return entry;
  let adapter: GPUAdapter | null;
  // Vulkan's Wayland check prints "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice on
  // stderr when the variable is unset (containers, CI, ssh); any absolute path silences it (no Wayland socket
  // there, so no display is touched), and only the adapter enumeration reads it
  const quiet = entry.provider !== 'navigator.gpu' && process.platform === 'linux' && !process.env.XDG_RUNTIME_DIR;
  if (quiet) process.env.XDG_RUNTIME_DIR = '/nonexistent-xdg-runtime-dir';
  try {
    adapter = await entry.gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  } catch (e) {
    return { error: `WebGPU adapter request failed: ${(e as Error).message}` };
  } finally {
    if (quiet) delete process.env.XDG_RUNTIME_DIR;
  }
  if (!adapter) return { error: noAdapterReason(entry.provider) };
  const info = summarizeAdapter(adapter, entry.provider);
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) {
    if (k === 'minUniformBufferOffsetAlignment') continue; // a "better" limit is a smaller one: keep the default
    requiredLimits[k] = info.limits[k];
  }
  const requiredFeatures: GPUFeatureName[] = info.features.includes('timestamp-query') ? ['timestamp-query'] : [];
  try {
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'nanobragg' });
    return { adapter, device, info };
  } catch (e) {
    return { error: `WebGPU device request failed on ${describeAdapter(info)}: ${(e as Error).message}` };
  }
}
