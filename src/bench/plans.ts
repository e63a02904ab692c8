// What each benchmark command measures, as a list of requests (run on every selected backend in turn, so the
// backends being compared see the same machine state).

import type { MeasurementRequest } from './backend.ts';
import type { Dtype } from './schema.ts';
import type { LoopCase } from './workloads.ts';

export interface PlanOptions {
  sizes: number[];
  dtypes: Dtype[];
  threads: number;
  thicksteps: number[];
  layers: number;
  /** loop / startup: the whole-image workloads (src/bench/workloads.ts). */
  cases?: readonly LoopCase[];
}

export function tricubicPlan(o: PlanOptions): MeasurementRequest[] {
  const out: MeasurementRequest[] = [];
  for (const size of o.sizes) {
    for (const dtype of o.dtypes) {
      out.push({ benchmark: 'tricubic', workload: 'kernel', kernel: 'tricubic', size, dtype, threads: o.threads });
      out.push({ benchmark: 'tricubic', workload: 'image', size, dtype, threads: o.threads });
      // the same image with absorption layers (issue 3's "tricubic + 5 layers" case), when asked for
      for (const thicksteps of o.thicksteps) out.push({ benchmark: 'tricubic', workload: 'image', size, dtype, threads: o.threads, thicksteps });
    }
  }
  return out;
}

export function absorptionPlan(o: PlanOptions): MeasurementRequest[] {
  const out: MeasurementRequest[] = [];
  for (const size of o.sizes) {
    for (const dtype of o.dtypes) {
      for (const thicksteps of o.thicksteps) {
        for (const oversampleThick of [false, true]) {
          out.push({ benchmark: 'absorption', workload: 'image', size, dtype, threads: o.threads, thicksteps, oversampleThick });
        }
      }
    }
  }
  return out;
}

export function kernelsPlan(o: PlanOptions): MeasurementRequest[] {
  const out: MeasurementRequest[] = [];
  for (const size of o.sizes) {
    for (const dtype of o.dtypes) {
      out.push({ benchmark: 'kernels', workload: 'kernel', kernel: 'tricubic', size, dtype, threads: 1 });
      out.push({ benchmark: 'kernels', workload: 'kernel', kernel: 'capture_fraction', size, dtype, threads: 1, layers: o.layers });
    }
  }
  return out;
}

/**
 * The loop workloads (and the start-up case): one whole image per case, size and dtype, on every selected backend
 * in the same run (the C program and the bin as whole processes, the engines in process).
 */
export function loopPlan(o: PlanOptions, benchmark: 'loop' | 'startup' = 'loop'): MeasurementRequest[] {
  const out: MeasurementRequest[] = [];
  for (const c of o.cases ?? []) {
    for (const size of o.sizes) {
      for (const dtype of o.dtypes) out.push({ benchmark, workload: 'image', case: c, size, dtype, threads: o.threads });
    }
  }
  return out;
}
