// The backends a benchmark can time, in one list (no import side effects): the engine backends here, the C
// program from c-reference.ts. Each turns a measurement request into a BenchCase (setup done here, outside any
// timed region) or says why it cannot run it; a reason becomes a "skipped" entry in every output, never a silent
// omission. What a backend is (the interface) lives in backend.ts, below this list and below every backend.

import { wasmSimdSupported, type WasmFlavour } from '../wasm/loader.ts';
import { COLD_INCLUDES, type BenchBackend } from './backend.ts';
import { engineBackends, imageCase, loadEngine, type EngineModule } from './image-case.ts';
import { kernelCase, kernelUnavailable, variantFor } from './kernel-case.ts';
import { imageWorkload } from './workloads.ts';
import { wasmThreadsSupport, type GpuInfo } from './env.ts';
import { imageCaseKey } from './run-context.ts';
import { C_BACKEND, cReferenceBackend } from './c-reference.ts';
import { BIN_BACKEND, TSX_BACKEND, binProcessBackend, tsxCliBackend } from './bin-process.ts';
import { webgpuRefusal } from '../webgpu/refusals.ts';
import type { Simulation } from '../simulator/setup.ts';
import { BACKEND_ORDER } from '../backends/names.ts';

let enginePromise: ReturnType<typeof loadEngine> | undefined;
function engineModule() {
  return (enginePromise ??= loadEngine());
}

async function engineUnavailable(backend: string): Promise<string | null> {
  const m = await engineModule();
  if ('missing' in m) return m.missing;
  if ('broken' in m) return null; // not an absence: prepare() fails and the measurement is reported as failed
  return engineBackends(m.engine).includes(backend) ? null : `the simulator engine has no '${backend}' backend yet (src/simulator/engine.ts)`;
}

async function engineOrThrow(): Promise<EngineModule> {
  const m = await engineModule();
  if ('engine' in m) return m.engine;
  throw new Error('missing' in m ? m.missing : m.broken);
}


/** A single-threaded WebAssembly backend: whole images through the engine, kernels on the exports. */
function wasmBackend(name: 'wasm' | 'wasm-scalar', binary: WasmFlavour): BenchBackend {
  return {
    name,
    binaries: [binary],
    async unavailable(req) {
      if (binary === 'simd' && !wasmSimdSupported()) return 'this runtime has no WebAssembly SIMD';
      if (req.workload === 'image') return engineUnavailable(name);
      return kernelUnavailable(binary, req.kernel!, variantFor(binary, req.dtype));
    },
    async prepare(req, ctx) {
      if (req.workload === 'kernel') {
        const variant = variantFor(binary, req.dtype);
        const layers = req.layers ?? 5;
        return {
          case: kernelCase({ binary, kernel: req.kernel!, variant, size: req.size, layers, coldIncludes: COLD_INCLUDES.kernel }),
          binary: () => binary,
          threads: 1,
          variant,
          ...(req.kernel === 'capture_fraction' ? { layers } : {}),
        };
      }
      const engine = await engineOrThrow();
      const w = imageWorkload(req);
      const prepared = await engine.prepareSimulation(w.argv, w.hklText !== undefined ? { hklText: w.hklText } : {});
      let used: string = binary;
      return {
        case: imageCase(engine, prepared, {
          backend: name, dtype: req.dtype, threads: 1, evaluations: w.evaluations, pixels: req.size * req.size,
          coldIncludes: COLD_INCLUDES.image, onCreated: (e) => (used = e.binary),
          publish: (image) => ctx?.images.publish(imageCaseKey(req), name, req.dtype, image),
        }),
        binary: () => used,
        threads: 1,
        ...(req.thicksteps !== undefined ? { layers: w.layers } : {}),
      };
    },
  };
}

/** Threads through the engine once it has them; the kernel workload has no threaded entry point. */
function wasmThreadsBackend(): BenchBackend {
  return {
    name: 'wasm-threads',
    binaries: ['simd'],
    async unavailable(req) {
      const t = wasmThreadsSupport();
      if (!t.ok) return `no WebAssembly threads here: ${t.detail}`;
      if (req.workload === 'kernel') return 'no threaded batch kernel: the kernel workload runs on wasm and wasm-scalar';
      return engineUnavailable('wasm-threads');
    },
    async prepare(req, ctx) {
      const engine = await engineOrThrow();
      const w = imageWorkload(req);
      const prepared = await engine.prepareSimulation(w.argv, w.hklText !== undefined ? { hklText: w.hklText } : {});
      let used = 'simd-threads';
      return {
        case: imageCase(engine, prepared, {
          backend: 'wasm-threads', dtype: req.dtype, threads: req.threads, evaluations: w.evaluations, pixels: req.size * req.size,
          coldIncludes: COLD_INCLUDES.image.replace('createEngine', 'createEngine (worker start-up included)'),
          onCreated: (e) => (used = e.binary),
          publish: (image) => ctx?.images.publish(imageCaseKey(req), 'wasm-threads', req.dtype, image),
        }),
        binary: () => used,
        threads: req.threads,
        ...(req.thicksteps !== undefined ? { layers: w.layers } : {}),
      };
    },
  };
}

/**
 * WebGPU: whole images through the engine, batched kernels through interpolateGpu / captureFractionsGpu
 * (src/bench/gpu-kernel-case.ts). A run resolves after readback; its timings carry the GPU split (upload,
 * pre-pass, kernel, statistics, readback), which the report records per phase. Memory: resident GPU bytes.
 */
function webgpuBackend(gpu: () => GpuInfo): BenchBackend {
  return {
    name: 'webgpu',
    async unavailable(req) {
      const g = gpu();
      if (!g.available) return `no WebGPU adapter: ${g.reason ?? 'unknown reason'}`;
      if (req.workload === 'kernel') return req.dtype === 'f32' ? null : 'the WebGPU kernels compute in f32 only';
      const missing = await engineUnavailable('webgpu');
      if (missing) return missing;
      if (req.dtype !== 'f32') return 'the webgpu backend computes in f32 (with df64 where needed): its images are measured with --dtype f32';
      if (req.case === undefined) return null;
      // a loop workload with a feature the GPU does not compute yet is refused by name (src/webgpu/refusals.ts)
      const w = imageWorkload(req);
      const prepared = (await engineOrThrow().then((e) => e.prepareSimulation(w.argv, w.hklText !== undefined ? { hklText: w.hklText } : {}))) as { sim: Simulation };
      const refusal = webgpuRefusal(prepared.sim);
      return refusal ? `${req.case}: ${refusal}` : null;
    },
    async prepare(req, ctx) {
      if (req.workload === 'kernel') {
        const { gpuKernelCase } = await import('./gpu-kernel-case.ts');
        const layers = req.layers ?? 5;
        let adapter = 'webgpu';
        return {
          case: gpuKernelCase({ kernel: req.kernel!, size: req.size, layers, onAdapter: (a) => (adapter = a) }),
          binary: () => adapter,
          threads: 1,
          variant: 'wgsl f32',
          ...(req.kernel === 'capture_fraction' ? { layers } : {}),
        };
      }
      const engine = await engineOrThrow();
      const w = imageWorkload(req);
      const prepared = await engine.prepareSimulation(w.argv, w.hklText !== undefined ? { hklText: w.hklText } : {});
      let used = 'webgpu';
      return {
        case: imageCase(engine, prepared, {
          backend: 'webgpu', dtype: req.dtype, threads: 1, evaluations: w.evaluations, pixels: req.size * req.size,
          coldIncludes: 'createEngine (adapter, device and pipeline creation) + first simulate() with upload and readback',
          onCreated: (e) => (used = e.binary),
          publish: (image) => ctx?.images.publish(imageCaseKey(req), 'webgpu', req.dtype, image),
        }),
        binary: () => used,
        threads: 1,
        ...(req.thicksteps !== undefined ? { layers: w.layers } : {}),
      };
    },
  };
}

/**
 * Every backend, in the order they run within a request (the whole-process ones last, so the in-process engine
 * images they are compared with already exist). `gpu` is read lazily (the probe runs once, in env.ts).
 */
export function allBackends(gpu: () => GpuInfo): BenchBackend[] {
  return [wasmBackend('wasm-scalar', 'scalar'), wasmBackend('wasm', 'simd'), wasmThreadsBackend(), webgpuBackend(gpu), binProcessBackend(), tsxCliBackend(), cReferenceBackend()];
}

/** The whole-process baselines: our bin, the design's `tsx src/cli.ts` and the C program (timed spawn to exit). */
export const PROCESS_BACKENDS = [BIN_BACKEND, TSX_BACKEND, C_BACKEND] as const;

/** The engine backends (src/backends/names.ts), slowest first, and the whole-process baselines. */
export const BACKEND_NAMES = [...[...BACKEND_ORDER].reverse(), ...PROCESS_BACKENDS] as const;
