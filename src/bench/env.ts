// The environment a benchmark ran in (env.json) and the machine tag that names report folders.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { wasmSimdSupported } from '../wasm/loader.ts';
import { packageRoot } from '../util/package-root.ts';
import type { EnvSummary } from './schema.ts';


export interface GpuInfo {
  available: boolean;
  /** Adapter description (vendor, architecture, device, description, fallback flag) when available. */
  adapter?: Record<string, unknown>;
  features?: string[];
  limits?: Record<string, number>;
  /** Why there is no adapter. */
  reason?: string;
}

export interface EnvReport {
  created: string;
  machine_tag: string;
  git: { sha: string | null; dirty: boolean | null; error?: string };
  node: string;
  v8: string;
  /** Node/V8 flags of this process (e.g. --no-liftoff changes WebAssembly tiering and so the timings). */
  node_flags: string[];
  os: { platform: string; release: string; version: string; arch: string };
  cpu: { model: string; cores: number; available_parallelism: number };
  memory_bytes: number;
  wasm: {
    simd: boolean;
    threads: boolean;
    threads_detail: string;
    binary_chosen: 'simd' | 'scalar';
    binaries: Record<string, { bytes: number; sha256: string } | null>;
  };
  gpu: GpuInfo;
  packages: Record<string, string | null>;
}

/** UTC timestamp used in folder names: YYYYMMDDTHHMMSSZ. */
export function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Lower-case [a-z0-9-] slug of a CPU model, without trademark noise, at most `max` characters. */
export function slug(text: string, max = 32): string {
  const s = text
    .toLowerCase()
    .replace(/\((r|tm|c)\)/g, ' ')
    .replace(/\b(cpu|processor|with|radeon graphics|\d+-core)\b/g, ' ')
    .replace(/@.*$/, ' ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (s.slice(0, max).replace(/-+$/, '') || 'unknown-cpu');
}

/** `<platform>-<arch>-<cpu model slug>-<cores>c`, safe in file names and host names. */
export function machineTag(platform: string, arch: string, cpuModel: string, cores: number): string {
  return `${platform}-${arch}-${slug(cpuModel)}-${cores}c`.replace(/[^a-z0-9-]/gi, '-').toLowerCase();
}

export function localMachineTag(): string {
  const cpus = os.cpus();
  return machineTag(process.platform, process.arch, cpus[0]?.model ?? 'unknown', cpus.length || 1);
}

function git(args: string[]): { out: string; ok: boolean; err: string } {
  const r = spawnSync('git', args, { cwd: packageRoot(), encoding: 'utf8', timeout: 10_000 });
  return { out: (r.stdout ?? '').trim(), ok: r.status === 0, err: (r.stderr ?? r.error?.message ?? '').trim() };
}

export function gitState(): EnvReport['git'] {
  const sha = git(['rev-parse', 'HEAD']);
  if (!sha.ok) return { sha: null, dirty: null, error: sha.err || 'git rev-parse failed' };
  const st = git(['status', '--porcelain', '--untracked-files=no']);
  return { sha: sha.out, dirty: st.ok ? st.out.length > 0 : null };
}

/** Shared WebAssembly memory is what threads need (plus workers); report which part is missing. */
export function wasmThreadsSupport(): { ok: boolean; detail: string } {
  if (typeof SharedArrayBuffer !== 'function') return { ok: false, detail: 'SharedArrayBuffer is not available' };
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return { ok: false, detail: `shared WebAssembly.Memory rejected: ${(e as Error).message}` };
  }
  return { ok: true, detail: 'shared WebAssembly.Memory and worker_threads available' };
}

function binaryInfo(name: string): { bytes: number; sha256: string } | null {
  const p = join(packageRoot(), 'build', `${name}.wasm`);
  if (!existsSync(p)) return null;
  const b = readFileSync(p);
  return { bytes: statSync(p).size, sha256: createHash('sha256').update(b).digest('hex') };
}

export function packageVersions(): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
    const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).sort();
    for (const n of names) {
      try {
        out[n] = JSON.parse(readFileSync(join(packageRoot(), 'node_modules', n, 'package.json'), 'utf8')).version ?? null;
      } catch {
        out[n] = null;
      }
    }
  } catch {
    // no package.json: nothing to list
  }
  return out;
}

// Runs in a child process: Dawn can abort the whole process, and a probe must never take the
// benchmark down with it. It prints one JSON line.
const GPU_PROBE = `
const out = (o) => { process.stdout.write(JSON.stringify(o) + '\\n'); process.exit(0); };
let mod;
try { mod = await import('webgpu'); } catch (e) { out({ available: false, reason: 'npm webgpu (Dawn) cannot be loaded: ' + e.message.split('\\n')[0] }); }
try {
  Object.assign(globalThis, mod.globals);
  globalThis.__gpu = mod.create([]);
  const adapter = await globalThis.__gpu.requestAdapter();
  if (!adapter) out({ available: false, reason: 'Dawn found no WebGPU adapter (no GPU driver / Vulkan ICD)' });
  const i = adapter.info ?? {};
  const limits = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup']) limits[k] = adapter.limits[k];
  out({ available: true, adapter: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter ?? null }, features: [...adapter.features].sort(), limits });
} catch (e) { out({ available: false, reason: 'WebGPU adapter request failed: ' + e.message }); }
`;

export function probeGpu(timeoutMs = 20_000): GpuInfo {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', GPU_PROBE], { cwd: packageRoot(), encoding: 'utf8', timeout: timeoutMs });
  if (r.error) return { available: false, reason: `GPU probe did not run: ${r.error.message}` };
  if (r.signal) return { available: false, reason: `GPU probe was killed by ${r.signal}${r.signal === 'SIGTERM' ? ` (timeout ${timeoutMs} ms)` : ''}` };
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as GpuInfo;
  } catch {
    return { available: false, reason: `GPU probe exited ${r.status} without an answer: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}` };
  }
}

export function describeGpu(g: GpuInfo): string {
  if (!g.available) return `none: ${g.reason ?? 'unknown reason'}`;
  const a = g.adapter ?? {};
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((x) => typeof x === 'string' && x);
  return `${parts.join(' / ') || 'adapter'}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}

export function collectEnv(opts: { gpu?: GpuInfo } = {}): EnvReport {
  const cpus = os.cpus();
  const threads = wasmThreadsSupport();
  const simd = wasmSimdSupported();
  return {
    created: new Date().toISOString(),
    machine_tag: localMachineTag(),
    git: gitState(),
    node: process.versions.node,
    v8: process.versions.v8,
    node_flags: [...process.execArgv],
    os: { platform: process.platform, release: os.release(), version: os.version(), arch: process.arch },
    cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length || 1, available_parallelism: os.availableParallelism() },
    memory_bytes: os.totalmem(),
    wasm: { simd, threads: threads.ok, threads_detail: threads.detail, binary_chosen: simd ? 'simd' : 'scalar', binaries: { scalar: binaryInfo('scalar'), simd: binaryInfo('simd') } },
    gpu: opts.gpu ?? probeGpu(),
    packages: packageVersions(),
  };
}

/** The part of env.json every report carries, so a lone JSON file still says where it came from. */
export function summarizeEnv(e: EnvReport): EnvSummary {
  return {
    machine_tag: e.machine_tag,
    cpu_model: e.cpu.model,
    cores: e.cpu.cores,
    memory_bytes: e.memory_bytes,
    os: `${e.os.platform} ${e.os.release} ${e.os.arch}`,
    node: e.node,
    v8: e.v8,
    git_sha: e.git.sha,
    git_dirty: e.git.dirty,
    wasm_simd: e.wasm.simd,
    wasm_threads: e.wasm.threads,
    gpu: describeGpu(e.gpu),
  };
}
