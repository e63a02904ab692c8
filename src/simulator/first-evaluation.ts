// Which evaluation of the run sees C's unrotated crystal vectors (docs/c-behaviour/beam.md "-dmin"). When phi
// starts at 0, C rotates the vectors only for phi != 0, so a phi == 0 step reuses the vectors the previous
// evaluation left, and the very first run of the phi loop uses the unrotated ones. A -dmin cut skips a source
// before its phi loop, so when it cuts the first sub-pixels, the first run of the loop - and with it the
// unrotated vectors - moves on, in serial order (pixels in the ROI and not masked, then layer, sub-pixel, source).
// The set-up's first pixel assumes no cut; this finds the real one with the host's f64 geometry
// (src/webgpu/geometry64.ts, the kernels' cut test operation for operation) and the kernels compare against it.

import type { Simulation } from './setup.ts';
import { forEachEvaluation, geometry64 } from '../webgpu/geometry64.ts';

/** A sub-evaluation index no evaluation has (fits the kernels' i32 and the WGSL u32). */
export const NO_SUB = 0x7fffffff;

/** Sets sim.firstPixel and sim.firstSub to the first evaluation that runs the phi loop (only -dmin can move it). */
export function resolveFirstEvaluation(sim: Simulation): void {
  if (!(sim.loop.dmin > 0) || sim.phi.staleSlots === 0 || sim.phi.phisteps <= 1 || sim.firstPixel < 0) return;
  const g = geometry64(sim);
  const w = sim.detector.fpixels, r = sim.roi, perSub = sim.phi.entries;
  const y0 = Math.max(0, r.ymin), y1 = Math.min(sim.detector.spixels - 1, r.ymax);
  const x0 = Math.max(0, r.xmin), x1 = Math.min(w - 1, r.xmax);
  for (let s = Math.floor(sim.firstPixel / w); s <= y1 && s >= y0; s++) {
    for (let f = x0; f <= x1; f++) {
      const pixel = s * w + f;
      if (pixel < sim.firstPixel || (sim.mask && sim.mask[pixel] === 0)) continue;
      let found = -1;
      // a cut source is visited with h = NaN (C never computes it); any other evaluation ran the phi loop
      forEachEvaluation(g, pixel, (raw, h) => {
        if (Number.isNaN(h)) return false;
        found = Math.floor(raw / perSub);
        return true;
      });
      if (found >= 0) {
        sim.firstPixel = pixel;
        sim.firstSub = found;
        return;
      }
    }
  }
  // every evaluation is cut: no phi loop ever runs, so no evaluation can see the unrotated vectors (an index no
  // sub-evaluation has)
  sim.firstSub = NO_SUB;
}
