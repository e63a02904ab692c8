// What one detector pixel sees: its scattering vector, resolution d and fractional Miller indices, from the same
// geometry the pixel loop uses (docs/c-behaviour/pixel-readout.md). Pure and small, so the web page (through the
// library bundle) and Node tests compute the same numbers; plus the radial profile of an image built on it.

import type { Simulation } from '../simulator/setup.ts';
import { rotateAxis } from './vec3.ts';
import { dot, magnitude } from './vec3.ts';

type V3 = [number, number, number];

/**
 * Plain numbers (JSON- and postMessage-safe): the detector frame (m), the central beam and wavelength, and the
 * crystal's real-space axes a, b, c (m) as the loop sees them at the first phi step, first mosaic domain
 * (misset and -mat orientation included; the mosaic domains and later phi steps spread around it).
 */
export interface PixelGeometry {
  fpixels: number;
  spixels: number;
  /** Pixel size (m). */
  pixel: number;
  pix0: V3;
  fdet: V3;
  sdet: V3;
  /** Unit vector along the incident beam (C's incident, q = (d - incident) / lambda). */
  incident: V3;
  /** Central wavelength (m). */
  lambda: number;
  a: V3;
  b: V3;
  c: V3;
  /** Spindle angle of a, b, c (degrees): the start of the oscillation. */
  phiDeg: number;
}

export interface PixelReadout {
  fast: number;
  slow: number;
  /** Scattering angle 2θ (degrees). */
  twothetaDeg: number;
  /** |q| = 2 sin θ / λ (1/Å); 0 in the direct beam. */
  qA: number;
  /** Resolution d = 1 / |q| (Å); Infinity in the direct beam. */
  dA: number;
  /** Fractional Miller indices a·q, b·q, c·q at the pixel centre. */
  h: number;
  k: number;
  l: number;
}

/** The readout geometry of a set-up simulation (nanoBragg's detector and crystal vectors, docs/c-behaviour/pixel-readout.md). */
export function pixelGeometry(sim: Simulation): PixelGeometry {
  const d = sim.detector;
  const phi0 = sim.phi.phi0;
  const cr = sim.crystal;
  // C rotates only when phi != 0 (the kernel's phi table, setup.ts phiTable); domain 0 is the unrotated one
  const rot = (v: V3): V3 => (phi0 !== 0 ? rotateAxis(v, d.spindle, phi0) : [v[0], v[1], v[2]]);
  return {
    fpixels: d.fpixels, spixels: d.spixels, pixel: d.pixel,
    pix0: [...d.pix0], fdet: [...d.fdet], sdet: [...d.sdet], incident: [...d.beam],
    lambda: sim.lambda,
    a: rot(cr.a0), b: rot(cr.b0), c: rot(cr.c0),
    phiDeg: (phi0 * 180) / Math.PI,
  };
}

/** The readout at the centre of pixel (fast, slow): position pix0 + (f+½)·p·fdet + (s+½)·p·sdet, as the loop's sub-pixel 0 of a 1x oversample. */
export function pixelReadout(g: PixelGeometry, fast: number, slow: number): PixelReadout {
  const F = g.pixel * (fast + 0.5), S = g.pixel * (slow + 0.5);
  const pos: V3 = [0, 1, 2].map((i) => F * g.fdet[i] + S * g.sdet[i] + g.pix0[i]) as V3;
  const r = magnitude(pos);
  const q: V3 = [0, 1, 2].map((i) => (pos[i] / r - g.incident[i]) / g.lambda) as V3; // 1/m
  const qm = magnitude(q);
  const cos2t = dot(pos, g.incident) / r;
  return {
    fast, slow,
    twothetaDeg: (Math.acos(Math.max(-1, Math.min(1, cos2t))) * 180) / Math.PI,
    qA: qm * 1e-10,
    dA: qm > 0 ? 1e10 / qm : Infinity,
    h: dot(g.a, q), k: dot(g.b, q), l: dot(g.c, q),
  };
}

export interface RadialProfile {
  /** Bin centres in |q| (1/Å). */
  qA: Float64Array;
  /** Resolution of each bin centre (Å). */
  dA: Float64Array;
  /** Mean pixel value per bin (NaN where a bin holds no pixel). */
  mean: Float64Array;
  count: Uint32Array;
}

/** Mean intensity in `bins` equal-width shells of |q| from 0 to the largest |q| on the detector. */
export function radialProfile(image: ArrayLike<number>, g: PixelGeometry, bins = 100): RadialProfile {
  const n = g.fpixels * g.spixels;
  if (image.length !== n) throw new Error(`image of ${image.length} pixels does not match ${g.fpixels} x ${g.spixels}`);
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be an integer >= 1, got ${bins}`);
  const qs = new Float64Array(n);
  let qMax = 0;
  for (let s = 0, i = 0; s < g.spixels; s++) {
    for (let f = 0; f < g.fpixels; f++, i++) {
      qs[i] = pixelReadout(g, f, s).qA;
      if (qs[i] > qMax) qMax = qs[i];
    }
  }
  const sum = new Float64Array(bins), count = new Uint32Array(bins);
  const w = qMax > 0 ? qMax / bins : 1;
  for (let i = 0; i < n; i++) {
    const b = Math.min(bins - 1, Math.floor(qs[i] / w));
    sum[b] += image[i];
    count[b]++;
  }
  const qA = new Float64Array(bins), dA = new Float64Array(bins), mean = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    qA[b] = (b + 0.5) * w;
    dA[b] = 1 / qA[b];
    mean[b] = count[b] ? sum[b] / count[b] : NaN;
  }
  return { qA, dA, mean, count };
}
