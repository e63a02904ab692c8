// Batched-kernel workloads on WebGPU: the same inputs as the WebAssembly kernel cases (src/bench/kernel-case.ts)
// through interpolateGpu (src/webgpu/tricubic.ts) and captureFractionsGpu (src/webgpu/absorption.ts). A GPU call
// cannot leave its inputs in place the way a WASM export can, so each timed run is the whole call: upload,
// (for tricubic) the switch-off pre-pass, the kernel and the readback; the backend's split says how much of it
// the kernel was (timestamp queries where the adapter has them). Cold: adapter, device and pipeline creation +
// the first call.
//
// Check after timing: the output against the f64 scalar WASM kernel (C's arithmetic) within GPU_KERNEL_TOLERANCE,
// every warm output equal to the cold one, and no interpolation switch-off on the benchmark's indices.

import type { BenchCase, BenchInstance } from './timing.ts';
import type { KernelName } from './schema.ts';
import { maxRelativeToPeak, repeatProblems } from './checks.ts';
import { kernelEvaluations, makeInputs, scalarReference } from './kernel-case.ts';
import { absorptionLayerParams } from './workloads.ts';
import type { BatchTimings } from '../webgpu/context.ts';

/**
 * max |x - f64 reference| / max |reference| allowed on the GPU: tricubic 1e-6 (float-pair inputs, f32 weights;
 * tests/webgpu.test.ts), capture fractions 5e-6 (the WASM f32 bound; the expm1 form stays well inside it).
 */
export const GPU_KERNEL_TOLERANCE: Record<KernelName, number> = { tricubic: 1e-6, capture_fraction: 5e-6 };

export const GPU_KERNEL_COLD_INCLUDES = 'adapter + device request, pipeline creation, and the first call (upload, pre-pass, kernel, readback)';

export interface GpuKernelCaseOptions {
  kernel: KernelName;
  size: number;
  /** Capture fractions: layers per pixel. */
  layers: number;
  /** Called with the adapter's description once the device exists (the report's binary column). */
  onAdapter?: (description: string) => void;
}

export function gpuKernelCase(o: GpuKernelCaseOptions): BenchCase<Float32Array, Float32Array> {
  const tricubic = o.kernel === 'tricubic';
  const inp = makeInputs(o.kernel, o.size); // the WASM kernel cases' inputs
  const { delta, mu } = absorptionLayerParams(o.layers);
  let switchedAt = -1;
  return {
    evaluations: kernelEvaluations(o.kernel, o.size, o.layers),
    pixels: o.size * o.size,
    coldIncludes: GPU_KERNEL_COLD_INCLUDES,
    async create(): Promise<BenchInstance<Float32Array>> {
      const { requestGpu, describeAdapter } = await import('../webgpu/device.ts');
      const { GpuContext } = await import('../webgpu/context.ts');
      const { interpolateGpu } = await import('../webgpu/tricubic.ts');
      const { captureFractionsGpu } = await import('../webgpu/absorption.ts');
      const handle = await requestGpu();
      if ('error' in handle) throw new Error(`no WebGPU: ${handle.error}`);
      const ctx = new GpuContext(handle);
      o.onAdapter?.(describeAdapter(handle.info));
      let last: BatchTimings | undefined;
      return {
        run: async () => {
          if (tricubic) {
            const r = await interpolateGpu(ctx, inp.grid!, inp.h!, inp.k!, inp.l!);
            if (r.firstOutOfRange !== -1) switchedAt = r.firstOutOfRange;
            last = r.timings;
            return r.values;
          }
          return captureFractionsGpu(ctx, inp.rho!, o.layers, delta, mu, { onTimings: (t) => (last = t) });
        },
        lastSplit: () => (last ? { gpu_upload_s: last.upload_s, gpu_prepass_s: last.prepass_s, gpu_kernel_s: last.kernel_s, gpu_readback_s: last.readback_s } : undefined),
        memory: () => ({ gpu_bytes: ctx.residentBytes }),
        dispose: () => ctx.destroy(),
      };
    },
    snapshot: (v) => v.slice(),
    async check(cold, warm) {
      const problems = repeatProblems(cold, warm, `${o.kernel} output`);
      if (switchedAt !== -1) problems.push(`tricubic switched interpolation off at evaluation ${switchedAt}: the benchmark indices must stay in range`);
      const ref = await scalarReference(o.kernel, o.size, o.layers);
      const err = maxRelativeToPeak(cold, ref);
      const tol = GPU_KERNEL_TOLERANCE[o.kernel];
      if (!(err.error <= tol)) {
        problems.push(`webgpu ${o.kernel} differs from the f64 scalar reference: max|diff|/max = ${err.error} at index ${err.index} (tolerance ${tol})`);
      }
      return {
        problems,
        interpolation: tricubic ? 'tricubic' : 'n/a',
        warnings: [],
        facts: { max_rel_error_vs_f64: err.error },
      };
    },
  };
}
