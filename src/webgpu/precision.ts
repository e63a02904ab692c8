// The WebGPU backend's declared precision (the tolerance comes from the backend, not from each
// test): docs/precision.md's pure-f32 tolerance, per simulation.
//
//   S = pi * N_max * h_max * 2^-24, h_max the largest |h|, |k|, |l| evaluated on the detector (f64, host),
//   max|diff| / max(C) <= 8 S + 2e-6,   |sum ratio - 1| <= 8 S + 2e-6,   1 - r <= 20 S^2 + 1e-10.
// The sum and correlation bounds were S and 10 S^2, calibrated on the small golden cases; on sparse images of real
// crystals (a few sharp spots carry the sum) the sum's error is the spots' own: over 40 random real crystals
// (scripts/measure/gpu-real-crystals.ts: cells 150-400 Å, N 50-500, h up to 260) the worst were max|diff|/max
// 7.35 S, |sum ratio - 1| 6.93 S, 1 - r 10.1 S^2 (docs/precision.md).
// S is the f32 rounding of h (about h 2^-24) carried through the lattice factor's N pi h.

import type { Simulation } from '../simulator/setup.ts';
import type { ImageComparison } from '../simulator/compare.ts';
import { geometry64, millerExtent } from './geometry64.ts';

export interface PureF32Tolerance {
  S: number;
  hMax: number;
  nMax: number;
  maxRel: number;
  sumRatio: number;
  oneMinusR: number;
}

/** The tolerance for `sim` (h_max from every evaluation; `step` > 1 samples rows/columns on big detectors). */
export function pureF32Tolerance(sim: Simulation, step = 1): PureF32Tolerance {
  const hMax = millerExtent(geometry64(sim), step).max;
  const nMax = Math.max(sim.crystal.Na, sim.crystal.Nb, sim.crystal.Nc);
  const S = Math.PI * nMax * hMax * 2 ** -24;
  return { S, hMax, nMax, maxRel: 8 * S + 2e-6, sumRatio: 8 * S + 2e-6, oneMinusR: 20 * S * S + 1e-10 };
}

/** Each measure as a fraction of its tolerance, and the worst of the three (pass: worst <= 1). */
export function toleranceRatios(m: ImageComparison, tol: PureF32Tolerance) {
  const maxRel = m.maxRelDiff / tol.maxRel;
  const sumRatio = Math.abs(m.sumRatio - 1) / tol.sumRatio;
  const oneMinusR = (1 - m.pearson) / tol.oneMinusR;
  const worst = [maxRel, sumRatio, oneMinusR].some(Number.isNaN) ? Infinity : Math.max(maxRel, sumRatio, oneMinusR);
  return { maxRel, sumRatio, oneMinusR, worst };
}
