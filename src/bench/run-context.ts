// What the measurements of one bench run share: the checked images each backend produced, so one backend can
// be compared with another measured in the same run (the C program's image against the wasm f64 engine's).
// Created by runRequests, one per run; nothing here outlives the run.

import type { BenchmarkName, Dtype } from './schema.ts';

/** Identity of a whole-image workload apart from backend and precision (what two images are compared on). */
// (the request's fields by shape, not the MeasurementRequest type: backend.ts depends on this file, not back)
export function imageCaseKey(req: { benchmark: BenchmarkName; size: number; thicksteps?: number; oversampleThick?: boolean; case?: string }): string {
  return [req.benchmark, req.case ?? '', req.size, req.thicksteps ?? '', !!req.oversampleThick].join('|');
}

export interface PublishedImage {
  backend: string;
  dtype: Dtype;
  image: Float32Array;
}

/** Checked cold-run images of the run, by image case. */
export class ImageStore {
  private readonly byCase = new Map<string, PublishedImage[]>();

  /** Records an image that passed its measurement's checks (a failed measurement publishes nothing). */
  publish(caseKey: string, backend: string, dtype: Dtype, image: Float32Array): void {
    const list = this.byCase.get(caseKey) ?? [];
    this.byCase.set(caseKey, [...list.filter((p) => !(p.backend === backend && p.dtype === dtype)), { backend, dtype, image }]);
  }

  /** The first of `backends` (in that order of preference) that published an image of the case in `dtype`. */
  find(caseKey: string, dtype: Dtype, backends: readonly string[]): PublishedImage | undefined {
    const list = this.byCase.get(caseKey) ?? [];
    for (const b of backends) {
      const hit = list.find((p) => p.backend === b && p.dtype === dtype);
      if (hit) return hit;
    }
    return undefined;
  }
}

export interface RunContext {
  images: ImageStore;
}

export function newRunContext(): RunContext {
  return { images: new ImageStore() };
}
