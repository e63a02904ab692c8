// A backend's declared precision (src/backends/names.ts) made concrete for one simulation, and the verdict on
// an image against the C program's: the one place the parity tests and the bench checks take a tolerance from.

import type { Dtype, EngineBackend, DeclaredPrecision } from './names.ts';
import { backendDescriptor } from './names.ts';
import type { Simulation } from '../simulator/setup.ts';
import { compareImages, type ImageComparison } from '../simulator/compare.ts';
import { pureF32Tolerance, toleranceRatios } from '../webgpu/precision.ts';

export interface Verdict {
  pass: boolean;
  /** The worst of the measures as a fraction of its bound (0 for identical bits; Infinity for a bit-exact promise broken). */
  worst: number;
  comparison: ImageComparison;
  /** One line: the promise and the measures. */
  info: string;
}

/** The declared precision of `backend` for `dtype`; throws when the backend does not compute that dtype. */
export function declaredPrecision(backend: EngineBackend, dtype: Dtype): DeclaredPrecision {
  const p = backendDescriptor(backend).precision[dtype];
  if (!p) throw new Error(`backend ${backend} does not compute ${dtype}`);
  return p;
}

/** Judges `image` against the C program's `reference` image of `sim` by the promise of `backend` for `dtype`. */
export function judgeImage(backend: EngineBackend, dtype: Dtype, sim: Simulation, image: Float32Array, reference: Float32Array): Verdict {
  const p = declaredPrecision(backend, dtype);
  const m = compareImages(image, reference);
  const measures = `max|diff|/max=${m.maxRelDiff.toExponential(2)} sum ratio-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`;
  switch (p.kind) {
    case 'c-bits': {
      const pass = m.differing === 0 && image.length === reference.length;
      return { pass, worst: pass ? 0 : Infinity, comparison: m, info: `${backend} ${dtype} (bit-identical to C): ${m.differing} pixels differ; ${measures}` };
    }
    case 'flat': {
      const q = [m.maxRelDiff / p.maxRel, Math.abs(m.sumRatio - 1) / p.sumRatio, (1 - m.pearson) / p.oneMinusR];
      const worst = q.some(Number.isNaN) ? Infinity : Math.max(...q);
      return { pass: worst <= 1, worst, comparison: m, info: `${backend} ${dtype} (flat bound): ${measures}; worst ${worst.toFixed(3)} of the bound` };
    }
    case 'pure-f32': {
      const tol = pureF32Tolerance(sim);
      const q = toleranceRatios(m, tol);
      return {
        pass: q.worst <= 1, worst: q.worst, comparison: m,
        info: `${backend} ${dtype} (pure-f32, S=${tol.S.toExponential(2)}, h_max ${tol.hMax.toFixed(2)}, N ${tol.nMax}): ${measures}; worst ${q.worst.toFixed(3)} of the bound`,
      };
    }
  }
}
