// Batched-kernel workloads: tricubic interpolation (assembly/tricubic.ts) and capture fractions
// (assembly/absorption.ts) timed on their WebAssembly exports directly, so only the kernel call is in the timed
// region: the grid, the inputs and the output are placed in linear memory when the instance is created.
//
// Check after timing: every variant is compared with the f64 scalar kernel (C's arithmetic) within the
// variant's tolerance, and that reference itself with an independent host evaluation.

import { loadKernels, type WasmFlavour, type WasmKernels } from '../wasm/loader.ts';
import { uploadGrid, type HklGrid } from '../kernels/tricubic.ts';
import type { BenchCase, BenchInstance } from './timing.ts';
import type { KernelName } from './schema.ts';
import { maxRelativeToPeak, repeatProblems } from './checks.ts';
import { absorptionLayerParams, millerIndices, parallaxFactors, smoothHklGrid } from './workloads.ts';

export type KernelVariant = 'f64' | 'f64x2' | 'f32' | 'f32x4';

const EXPORTS: Record<KernelName, Record<KernelVariant, string>> = {
  tricubic: { f64: 'tricubicBatchF64', f64x2: 'tricubicBatchF64x2', f32: 'tricubicBatchF32', f32x4: 'tricubicBatchF32x4' },
  capture_fraction: { f64: 'captureFractionsF64', f64x2: 'captureFractionsF64x2', f32: 'captureFractionsF32', f32x4: 'captureFractionsF32x4' },
};

/** max |x - f64 reference| / max |reference| allowed per variant (docs/precision.md: WASM f32 path 5e-6). */
export const VARIANT_TOLERANCE: Record<KernelVariant, number> = { f64: 1e-12, f64x2: 1e-12, f32: 5e-6, f32x4: 5e-6 };

/** The variant a backend runs for a dtype: the scalar binary runs scalar code, the SIMD binary vector code. */
export function variantFor(binary: WasmFlavour, dtype: 'f32' | 'f64'): KernelVariant {
  return binary === 'simd' ? (dtype === 'f32' ? 'f32x4' : 'f64x2') : dtype;
}

export function exportName(kernel: KernelName, variant: KernelVariant): string {
  return EXPORTS[kernel][variant];
}

/**
 * Why `binary` cannot run `kernel`/`variant`: the export is not there (not written yet). Null when it can, and
 * also when the binary cannot be loaded at all: a missing or broken build is a failure, not an absence.
 */
export async function kernelUnavailable(binary: WasmFlavour, kernel: KernelName, variant: KernelVariant): Promise<string | null> {
  let k: WasmKernels;
  try {
    k = await loadKernels(binary);
  } catch {
    return null;
  }
  const name = exportName(kernel, variant);
  return typeof k.exports[name] === 'function' ? null : `build/${binary}.wasm has no export ${name} (run npm run asbuild)`;
}

export interface KernelCaseOptions {
  binary: WasmFlavour;
  kernel: KernelName;
  variant: KernelVariant;
  size: number;
  /** Capture fractions: layers per pixel. */
  layers: number;
  coldIncludes: string;
}

type Values = Float64Array | Float32Array;

export function kernelEvaluations(kernel: KernelName, size: number, layers: number): number {
  return kernel === 'tricubic' ? size * size : size * size * layers;
}

export function benchGrid(): HklGrid {
  const g = smoothHklGrid();
  const [hMin, kMin, lMin] = g.min;
  const [hRange, kRange, lRange] = g.dims;
  return { hMin, kMin, lMin, hMax: hMin + hRange - 1, kMax: kMin + kRange - 1, lMax: lMin + lRange - 1, hRange, kRange, lRange, data: g.data, defaultF: 0 };
}

/** Host-side inputs of one kernel workload, generated before any timing. */
export interface KernelInputs {
  grid?: HklGrid;
  h?: Float64Array;
  k?: Float64Array;
  l?: Float64Array;
  rho?: Float64Array;
}

export function makeInputs(kernel: KernelName, size: number): KernelInputs {
  if (kernel === 'tricubic') return { grid: benchGrid(), ...millerIndices(size) };
  return { rho: parallaxFactors(size) };
}

/** Uploads the inputs into `k` and returns the kernel call alone and a view of its output. */
function instantiate(k: WasmKernels, o: KernelCaseOptions, inp: KernelInputs): { call: () => void; output: () => Values } {
  const fn = k.exports[exportName(o.kernel, o.variant)] as (...a: number[]) => number;
  if (typeof fn !== 'function') throw new Error(`build/${o.binary}.wasm has no export ${exportName(o.kernel, o.variant)}`);
  const isF32 = o.variant === 'f32' || o.variant === 'f32x4';
  const n = o.size * o.size;
  if (o.kernel === 'tricubic') {
    const grid = inp.grid!;
    const up = uploadGrid(k, grid);
    const hp = k.put(inp.h!), kp = k.put(inp.k!), lp = k.put(inp.l!);
    const out = k.alloc(n * (isF32 ? 4 : 8));
    const gp = isF32 ? up.f32Ptr : up.f64Ptr;
    return {
      call: () => {
        const first = fn(gp, grid.hMin, grid.kMin, grid.lMin, grid.hRange, grid.kRange, grid.lRange, grid.defaultF, hp, kp, lp, n, out, 1);
        if (first !== -1) throw new Error(`tricubic switched interpolation off at evaluation ${first}: the benchmark indices must stay in range`);
      },
      output: () => (isF32 ? k.f32(out, n) : k.f64(out, n)),
    };
  }
  const { delta, mu } = absorptionLayerParams(o.layers);
  const rp = k.put(inp.rho!);
  const m = n * o.layers;
  const out = k.alloc(m * (isF32 ? 4 : 8));
  return {
    call: () => void fn(rp, n, o.layers, delta, mu, out),
    output: () => (isF32 ? k.f32(out, m) : k.f64(out, m)),
  };
}

// ---- references ----------------------------------------------------------------------------------------

const referenceCache = new Map<string, Promise<Float64Array>>();

/** The f64 scalar kernel's output (C's arithmetic) for this workload, computed once per process. */
export function scalarReference(kernel: KernelName, size: number, layers: number): Promise<Float64Array> {
  const key = `${kernel}/${size}/${layers}`;
  let p = referenceCache.get(key);
  if (!p) {
    p = (async () => {
      const k = await loadKernels('scalar');
      const inst = instantiate(k, { binary: 'scalar', kernel, variant: 'f64', size, layers, coldIncludes: '' }, makeInputs(kernel, size));
      inst.call();
      return Float64Array.from(inst.output());
    })();
    referenceCache.set(key, p);
  }
  return p;
}

/** Lagrange weights of the 4-point stencil at nodes -1, 0, 1, 2 for fraction t. */
function weights(t: number): [number, number, number, number] {
  return [(-t * (t - 1) * (t - 2)) / 6, ((t + 1) * (t - 1) * (t - 2)) / 2, (-(t + 1) * t * (t - 2)) / 2, ((t + 1) * t * (t - 1)) / 6];
}

/** Independent host evaluation of the same quantity (tensor-product cubic / difference of exponentials). */
export function hostReference(kernel: KernelName, size: number, layers: number): Float64Array {
  if (kernel === 'capture_fraction') {
    const { delta, mu } = absorptionLayerParams(layers);
    const rho = parallaxFactors(size);
    const out = new Float64Array(rho.length * layers);
    for (let p = 0; p < rho.length; p++) {
      for (let t = 0; t < layers; t++) out[p * layers + t] = Math.exp((-t * delta * mu) / rho[p]) - Math.exp((-(t + 1) * delta * mu) / rho[p]);
    }
    return out;
  }
  const g = benchGrid();
  const { h, k, l } = millerIndices(size);
  const out = new Float64Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const h0 = Math.floor(h[i]), k0 = Math.floor(k[i]), l0 = Math.floor(l[i]);
    const wh = weights(h[i] - h0), wk = weights(k[i] - k0), wl = weights(l[i] - l0);
    let s = 0;
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const row = ((h0 - 1 + a - g.hMin) * g.kRange + (k0 - 1 + b - g.kMin)) * g.lRange + (l0 - 1 - g.lMin);
        let r = 0;
        for (let c = 0; c < 4; c++) r += wl[c] * g.data[row + c];
        s += wh[a] * wk[b] * r;
      }
    }
    out[i] = s;
  }
  return out;
}

/** Tolerance of the f64 reference against the host evaluation (different but exact-in-theory arithmetic). */
const HOST_TOLERANCE = 1e-12;

export function kernelCase(o: KernelCaseOptions): BenchCase<Values, Values> {
  const inputs = makeInputs(o.kernel, o.size);
  return {
    evaluations: kernelEvaluations(o.kernel, o.size, o.layers),
    pixels: o.size * o.size,
    coldIncludes: o.coldIncludes,
    async create(): Promise<BenchInstance<Values>> {
      const k = await loadKernels(o.binary);
      const inst = instantiate(k, o, inputs);
      return {
        run: () => {
          inst.call();
          return inst.output();
        },
        memory: () => ({ wasm_bytes: k.memory.buffer.byteLength }),
        dispose: () => k.reset(),
      };
    },
    snapshot: (v) => v.slice(),
    async check(cold, warm) {
      const problems = repeatProblems(cold, warm, `${o.kernel} output`);
      const ref = await scalarReference(o.kernel, o.size, o.layers);
      const host = maxRelativeToPeak(ref, hostReference(o.kernel, o.size, o.layers));
      if (!(host.error <= HOST_TOLERANCE)) {
        problems.push(`the f64 scalar reference disagrees with the host evaluation: max|diff|/max = ${host.error} at ${host.index} (> ${HOST_TOLERANCE})`);
      }
      const err = maxRelativeToPeak(cold, ref);
      const tol = VARIANT_TOLERANCE[o.variant];
      if (!(err.error <= tol)) {
        problems.push(`${o.variant} differs from the f64 scalar reference: max|diff|/max = ${err.error} at index ${err.index} (tolerance ${tol})`);
      }
      return {
        problems,
        interpolation: o.kernel === 'tricubic' ? 'tricubic' : 'n/a',
        warnings: [],
        facts: { max_rel_error_vs_f64: err.error },
      };
    },
  };
}
