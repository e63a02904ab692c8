// How much memory a bench run will need at its peak, said before it starts (issue 19 item 10: `bench tricubic
// --sizes 8192` reached 7 GB with no warning). A linear model per benchmark, fitted to peak resident sizes
// measured here with /usr/bin/time -v at 512^2-2048^2 (docs/reliability.md "Bench memory"): the kernels keep
// f64 inputs and outputs per pixel (and per layer), the image benchmarks an image per backend and dtype.

import type { MeasurementRequest } from './backend.ts';
import type { BenchmarkName } from './schema.ts';

const MiB = 1024 ** 2;

/** Resident size of the process before the first measurement (Node, the modules, the compiled binaries). */
export const BASE_BYTES = 160 * MiB;

/** Peak bytes per pixel of the largest measurement, by benchmark (kernels: plus PER_LAYER per layer). */
const PER_PIXEL: Record<BenchmarkName, number> = { tricubic: 140, kernels: 60, absorption: 28, loop: 28, startup: 28 };
const PER_LAYER = 42;

/** The estimated peak resident bytes of running `plan`. */
export function estimatePeakBytes(plan: readonly MeasurementRequest[]): number {
  let peak = 0;
  for (const r of plan) {
    const perPixel = PER_PIXEL[r.benchmark] + (r.benchmark === 'kernels' ? PER_LAYER * (r.layers ?? 5) : 0);
    peak = Math.max(peak, perPixel * r.size * r.size);
  }
  return BASE_BYTES + peak;
}

/** "7.4 GiB" / "310 MiB". */
export function formatBytes(n: number): string {
  return n >= 1024 * MiB ? `${(n / (1024 * MiB)).toFixed(1)} GiB` : `${Math.round(n / MiB)} MiB`;
}
