// The engines behind the backend list (src/backends/names.ts): for each backend, how to probe it here (with
// the reason when it cannot run) and how to create its engine. A Record over EngineBackend, so a backend added
// to the list without an entry here does not type-check. Engines are imported lazily: a CPU run loads no
// WebGPU or worker code, and no engine imports this file (no cycles).

import type { Dtype, EngineBackend } from './names.ts';
import { WASM_BINARY } from './names.ts';
import { closeEngine, type SimEngine } from '../engine/contract.ts';

export interface Probe {
  ok: boolean;
  /** Why it can run ('WebAssembly SIMD available', 'adapter ...') or why not, in one line. */
  reason: string;
}

export interface EngineEntry {
  /** Whether this runtime can run the backend for `dtype`. `auto` is true when `auto` is choosing (it passes over
   * a software GPU adapter that a named request would get). */
  probe(dtype: Dtype, auto: boolean): Promise<Probe>;
  /** A fresh engine (its own memory, workers or device). */
  create(opts: { dtype: Dtype; threads?: number }): Promise<SimEngine>;
}

/** The first line of an error's message (reasons are one line). */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

export const ENGINES: Readonly<Record<EngineBackend, EngineEntry>> = {
  webgpu: {
    async probe(dtype, auto) {
      let refusal: string;
      try {
        // loaded only where it can be used; a build or runtime that cannot load it falls through with the reason
        refusal = (await import('../webgpu/engine.ts')).WEBGPU_F64_REFUSAL;
      } catch (e) {
        return { ok: false, reason: `no WebGPU engine in this build (${firstLine(e)})` };
      }
      if (dtype === 'f64') return { ok: false, reason: refusal };
      const { requestGpu, describeAdapter } = await import('../webgpu/device.ts');
      const gpu = await requestGpu();
      if ('error' in gpu) return { ok: false, reason: gpu.error };
      gpu.device.destroy();
      // a software adapter (SwiftShader) is 25-60x slower than WebAssembly: auto passes it over, a named request gets it
      if (auto && gpu.info.isFallbackAdapter) return { ok: false, reason: `only a fallback adapter (${describeAdapter(gpu.info)}), slower than WebAssembly` };
      return { ok: true, reason: `adapter ${describeAdapter(gpu.info)}` };
    },
    async create({ dtype }) {
      const { createWebGpuEngine } = await import('../webgpu/engine.ts');
      return createWebGpuEngine({ dtype });
    },
  },
  'wasm-threads': {
    async probe() {
      const { threadsAvailable } = await import('../threads/engine.ts');
      const t = threadsAvailable();
      return t.ok ? { ok: true, reason: 'SharedArrayBuffer and shared WebAssembly memory available' } : { ok: false, reason: t.reason ?? 'unavailable' };
    },
    async create({ dtype, threads }) {
      const { createThreadedEngine } = await import('../threads/engine.ts');
      return createThreadedEngine({ dtype, threads });
    },
  },
  wasm: {
    async probe() {
      const { wasmSimdSupported } = await import('../wasm/loader.ts');
      return wasmSimdSupported() ? { ok: true, reason: 'WebAssembly SIMD available' } : { ok: false, reason: 'this runtime has no WebAssembly SIMD' };
    },
    async create({ dtype }) {
      const [{ loadKernels }, { WasmEngine }] = await Promise.all([import('../wasm/loader.ts'), import('../wasm/engine.ts')]);
      return new WasmEngine('wasm', dtype, await loadKernels('simd'));
    },
  },
  'wasm-scalar': {
    async probe() {
      return { ok: true, reason: 'plain WebAssembly, runs everywhere' };
    },
    async create({ dtype }) {
      const [{ loadKernels }, { WasmEngine }] = await Promise.all([import('../wasm/loader.ts'), import('../wasm/engine.ts')]);
      return new WasmEngine('wasm-scalar', dtype, await loadKernels('scalar'));
    },
  },
};

/** A fresh engine for `backend`, checked to be the engine of that backend (its binary included). */
export async function createEngine(opts: { backend: EngineBackend; dtype: Dtype; threads?: number }): Promise<SimEngine> {
  const entry = ENGINES[opts.backend];
  if (!entry) throw new Error(`unknown backend '${opts.backend as string}'`);
  const engine = await entry.create({ dtype: opts.dtype, threads: opts.threads });
  const want = WASM_BINARY[opts.backend];
  const wrongBinary = want ? engine.binary !== want : Object.values(WASM_BINARY).includes(engine.binary);
  if (engine.backend !== opts.backend || wrongBinary) {
    await closeEngine(engine);
    throw new Error(`the ${opts.backend} entry created a ${engine.backend} engine running the ${engine.binary} binary`);
  }
  return engine;
}
