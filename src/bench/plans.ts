// What each benchmark command measures, as a list of requests (run on every selected backend in turn, so the
// backends being compared see the same machine state).

import type { MeasurementRequest } from './backend.ts';
import type { Dtype } from './schema.ts';

export interface PlanOptions {
  sizes: number[];
  dtypes: Dtype[];
  threads: number;
  thicksteps: number[];
  layers: number;
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
