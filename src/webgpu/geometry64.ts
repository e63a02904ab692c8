// The pixel loop's per-evaluation geometry in f64 on the host: the TypeScript twin of subpixelGeometry (with
// curvedPosition), useSource, cutByDmin, polarizationFactor's re-unitizing of d, phiVectors, millerIndices
// (assembly/geometry.ts), latticeNonSquare (assembly/lattice.ts) and the range test (assembly/switchoff.ts), in
// the same operation order (so the same doubles as the WASM f64 kernels; docs/c-behaviour/minimal-loop.md 3.5,
// 3.6, 5.5, 5.6, 5.10).
//
// The WebGPU backend computes h, k, l in f32. Where that cannot decide a question exactly it asks this module:
//  - the interpolation switch-off: evaluations whose f32 range margin is within the guard are re-checked here,
//    pixel by pixel, in serial order (docs/precision.md "Always");
//  - the largest |h|, |k|, |l| on the detector, which sets the pure-f32 tolerance scale S (docs/precision.md).
// A few pixels at a time: this is plain JavaScript, about 10-20 M evaluations per second.

import type { Simulation } from '../simulator/setup.ts';

/** What the loop needs per evaluation, unpacked once from a Simulation. */
export interface Geometry64 {
  fpixels: number;
  spixels: number;
  oversample: number;
  subpixel: number;
  pix0: number[];
  fdet: number[];
  sdet: number[];
  odet: number[];
  nLayers: number;
  thickstep: number;
  phisteps: number;
  phiTable: Float64Array;
  /** Stale-vector slots after the table (one per mosaic domain) when phi0 == 0, else 0. */
  staleSlots: number;
  firstPixel: number;
  /** Sim.firstSub: the first pixel's first evaluation that runs the phi loop. */
  firstSub: number;
  shape: number;
  fudge: number;
  N: [number, number, number];
  astar: number[]; // a*, b*, c* (1/Angstrom), 9 values
  grid: { hMin: number; kMin: number; lMin: number; hRange: number; kRange: number; lRange: number } | null;
  roi: { xmin: number; xmax: number; ymin: number; ymax: number };
  /** The source list (C's order): 4 f64 per source (incident x, y, z; lambda), and its length. */
  sources: Float64Array;
  nSources: number;
  /** -dmin (m), 0 = no resolution cut; -water given (no F_latt == 0 skip). */
  dmin: number;
  water: boolean;
  /** C's polarization_factor re-unitizes d in place: later sources of a subpixel see it (h moves by an ulp). */
  nopolar: boolean;
  osPolar: boolean;
  kahn: number;
  polarAxis: number[];
  /** -curved_det: the final distance and the beam vector (docs/c-behaviour/detector.md). */
  curved: boolean;
  distance: number;
  beam: number[];
}

export function geometry64(sim: Simulation): Geometry64 {
  const d = sim.detector, c = sim.crystal, g = sim.grid;
  return {
    fpixels: d.fpixels, spixels: d.spixels, oversample: sim.oversample, subpixel: d.pixel / sim.oversample,
    pix0: [...d.pix0], fdet: [...d.fdet], sdet: [...d.sdet], odet: [...d.odet],
    nLayers: sim.layers.nLayers, thickstep: sim.layers.thickstep,
    phisteps: sim.phi.entries, phiTable: sim.phi.table, staleSlots: sim.phi.staleSlots, firstPixel: sim.firstPixel, firstSub: sim.firstSub,
    shape: sim.shape, fudge: sim.loop.fudge, N: [c.Na, c.Nb, c.Nc], astar: [...c.aStar, ...c.bStar, ...c.cStar],
    grid: g ? { hMin: g.hMin, kMin: g.kMin, lMin: g.lMin, hRange: g.hRange, kRange: g.kRange, lRange: g.lRange } : null,
    roi: sim.roi,
    sources: sim.sources.table, nSources: sim.sources.count, dmin: sim.loop.dmin, water: sim.loop.water,
    nopolar: sim.loop.nopolar, osPolar: sim.loop.oversamplePolar, kahn: sim.loop.kahn, polarAxis: [...d.polarAxis],
    curved: sim.loop.curved, distance: d.distance, beam: [...d.beam],
  };
}

/** Evaluations per pixel in loop order (layer, sub-slow, sub-fast, source, phi): the raw local index's range. */
export function evaluationsPerPixel(g: Geometry64): number {
  return g.nLayers * g.oversample * g.oversample * g.nSources * g.phisteps;
}

/** assembly/geometry.ts curvedPosition: distance*beam about the slow axis by py/distance, then about the fast axis by pz/distance. */
export function curvedPosition64(g: Geometry64, py: number, pz: number): [number, number, number] {
  const [fx, fy, fz] = g.fdet, [sx, sy, sz] = g.sdet, dist = g.distance;
  const vx = dist * g.beam[0], vy = dist * g.beam[1], vz = dist * g.beam[2];
  let S = Math.sin(py / dist), C = Math.cos(py / dist);
  let D = (sx * vx + sy * vy + sz * vz) * (1.0 - C);
  const nx = sx * D + vx * C + (-sz * vy + sy * vz) * S;
  const ny = sy * D + vy * C + (+sz * vx - sx * vz) * S;
  const nz = sz * D + vz * C + (-sy * vx + sx * vy) * S;
  S = Math.sin(pz / dist); C = Math.cos(pz / dist);
  D = (fx * nx + fy * ny + fz * nz) * (1.0 - C);
  return [fx * D + nx * C + (-fz * ny + fy * nz) * S, fy * D + ny * C + (+fz * nx - fx * nz) * S, fz * D + nz * C + (-fy * nx + fx * ny) * S];
}

/**
 * C's polarization_factor as assembly/geometry.ts polarizationFactor computes it, on incident i and diffracted d;
 * returns the factor and d re-unitized (C writes unit(d) back, which later sources of the subpixel use).
 */
function polarization64(g: Geometry64, ix: number, iy: number, iz: number, d: number[]): number {
  let m = Math.sqrt(ix * ix + iy * iy + iz * iz);
  const iux = ix / m, iuy = iy / m, iuz = iz / m;
  m = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  const dux = d[0] / m, duy = d[1] / m, duz = d[2] / m;
  d[0] = dux; d[1] = duy; d[2] = duz;
  const cos2theta = iux * dux + iuy * duy + iuz * duz;
  const cos2thetaSqr = cos2theta * cos2theta;
  const sin2thetaSqr = 1 - cos2thetaSqr;
  let psi = 0;
  if (g.kahn !== 0.0) {
    const [pax, pay, paz] = g.polarAxis;
    let bx = pay * iuz - paz * iuy, by = paz * iux - pax * iuz, bz = pax * iuy - pay * iux;
    m = Math.sqrt(bx * bx + by * by + bz * bz);
    if (m !== 0.0) { bx /= m; by /= m; bz /= m; }
    let ex = iuy * bz - iuz * by, ey = iuz * bx - iux * bz, ez = iux * by - iuy * bx;
    m = Math.sqrt(ex * ex + ey * ey + ez * ez);
    if (m !== 0.0) { ex /= m; ey /= m; ez /= m; }
    psi = -Math.atan2(dux * bx + duy * by + duz * bz, dux * ex + duy * ey + duz * ez);
  }
  return 0.5 * (1.0 + cos2thetaSqr - g.kahn * Math.cos(2 * psi) * sin2thetaSqr);
}

export function inRoi(g: Geometry64, fpixel: number, spixel: number): boolean {
  return !(fpixel < g.roi.xmin || fpixel > g.roi.xmax || spixel < g.roi.ymin || spixel > g.roi.ymax);
}

/**
 * Calls `visit(raw, h, k, l)` for every evaluation of pixel `pixel` (raster index) in serial order, raw being
 * the local index (((t * os + subS) * os + subF) * sources + source) * phisteps + step. Stops early when visit
 * returns true. Evaluations skipped by the C loop (F_latt == 0 for the non-square shapes without -water) are passed
 * with skipped = true; those of a source cut by -dmin too, with h, k, l = NaN (C never computes them).
 */
export function forEachEvaluation(g: Geometry64, pixel: number,
                                  visit: (raw: number, h: number, k: number, l: number, skipped: boolean) => boolean | void): void {
  const fpixel = pixel % g.fpixels, spixel = Math.floor(pixel / g.fpixels);
  const os = g.oversample, sub = g.subpixel;
  const [pix0x, pix0y, pix0z] = g.pix0, [fx, fy, fz] = g.fdet, [sx, sy, sz] = g.sdet, [ox, oy, oz] = g.odet;
  const T = g.phiTable, src = g.sources;
  const d = [0, 0, 0];
  let polar = g.nopolar ? 1.0 : 0.0;
  let raw = 0;
  for (let t = 0; t < g.nLayers; t++) {
    const Odet = t * g.thickstep;
    for (let subS = 0; subS < os; subS++) {
      for (let subF = 0; subF < os; subF++) {
        // subpixelGeometry (assembly/geometry.ts), operation for operation
        const Fdet = sub * (fpixel * os + subF) + sub / 2.0;
        const Sdet = sub * (spixel * os + subS) + sub / 2.0;
        let px = Fdet * fx + Sdet * sx + Odet * ox + pix0x;
        let py = Fdet * fy + Sdet * sy + Odet * oy + pix0y;
        let pz = Fdet * fz + Sdet * sz + Odet * oz + pix0z;
        if (g.curved) [px, py, pz] = curvedPosition64(g, py, pz);
        const R = Math.sqrt(px * px + py * py + pz * pz);
        if (R !== 0) { d[0] = px / R; d[1] = py / R; d[2] = pz / R; } else { d[0] = 0; d[1] = 0; d[2] = 0; }
        for (let k = 0; k < g.nSources; k++) {
          // useSource, cutByDmin, then the polarization call that re-unitizes d (assembly/geometry.ts)
          const ix = src[4 * k], iy = src[4 * k + 1], iz = src[4 * k + 2], lambda = src[4 * k + 3];
          const qX = (d[0] - ix) / lambda, qY = (d[1] - iy) / lambda, qZ = (d[2] - iz) / lambda;
          let cut = false;
          if (g.dmin > 0) {
            const stol = 0.5 * Math.sqrt(qX * qX + qY * qY + qZ * qZ);
            cut = stol > 0.0 && g.dmin > 0.5 / stol;
          }
          if (cut) {
            for (let step = 0; step < g.phisteps; step++, raw++) if (visit(raw, NaN, NaN, NaN, true)) return;
            continue;
          }
          if (polar === 0.0 || g.osPolar) polar = polarization64(g, ix, iy, iz, d);
          const first = pixel === g.firstPixel && ((t * os + subS) * os + subF) * g.nSources + k === g.firstSub;
          for (let step = 0; step < g.phisteps; step++, raw++) {
            const v = (step < g.staleSlots && first ? g.phisteps + step : step) * 9;
            const h = T[v] * qX + T[v + 1] * qY + T[v + 2] * qZ;
            const kk = T[v + 3] * qX + T[v + 4] * qY + T[v + 5] * qZ;
            const l = T[v + 6] * qX + T[v + 7] * qY + T[v + 8] * qZ;
            const skipped = g.shape !== 0 && !g.water && latticeNonSquare64(g, h, kk, l) === 0;
            if (visit(raw, h, kk, l, skipped)) return;
          }
        }
      }
    }
  }
}

function sinc3(x: number): number {
  if (x === 0) return 1;
  return 3.0 * (Math.sin(x) / x - Math.cos(x)) / (x * x);
}

/** latticeNonSquare of assembly/lattice.ts (round, gauss, tophat; docs/c-behaviour/minimal-loop.md 5.9). */
export function latticeNonSquare64(g: Geometry64, h: number, k: number, l: number): number {
  const [Na, Nb, Nc] = g.N;
  const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(k - 0.5), l0 = Math.ceil(l - 0.5);
  const NaNbNc = Na * Nb * Nc;
  if (g.shape === 1) {
    const hrad = (h - h0) * (h - h0) * Na * Na + (k - k0) * (k - k0) * Nb * Nb + (l - l0) * (l - l0) * Nc * Nc;
    return NaNbNc * 0.723601254558268 * sinc3(Math.PI * Math.sqrt(hrad * g.fudge));
  }
  const a = g.astar;
  const dxs = (h - h0) * a[0] + (k - k0) * a[3] + (l - l0) * a[6];
  const dys = (h - h0) * a[1] + (k - k0) * a[4] + (l - l0) * a[7];
  const dzs = (h - h0) * a[2] + (k - k0) * a[5] + (l - l0) * a[8];
  const rad = (dxs * dxs + dys * dys + dzs * dzs) * Na * Na * Nb * Nb * Nc * Nc;
  if (g.shape === 2) return NaNbNc * Math.exp(-(rad / 0.63 * g.fudge));
  return rad * g.fudge < 0.3969 ? NaNbNc : 0.0;
}

/** C's tricubic range test (docs/c-behaviour/minimal-loop.md 3.5 step 2), the same double expressions: true when out of range. */
export function outOfRange64(grid: NonNullable<Geometry64['grid']>, h: number, k: number, l: number): boolean {
  return !(h - grid.hMin + 3 <= grid.hRange && h - 2 >= grid.hMin &&
           k - grid.kMin + 3 <= grid.kRange && k - 2 >= grid.kMin &&
           l - grid.lMin + 3 <= grid.lRange && l - 2 >= grid.lMin);
}

export interface OutOfRangeEvaluation {
  pixel: number;
  /** Local raw index within the pixel (see forEachEvaluation). */
  raw: number;
  /** Its index among the pixel's evaluations that are not skipped (the WASM kernels' count). */
  counted: number;
  h: number;
  k: number;
  l: number;
}

/** The first evaluation of `pixel` (serial order, skipped ones not counted) that is out of range, or null. */
export function firstOutOfRangeInPixel(g: Geometry64, pixel: number): OutOfRangeEvaluation | null {
  if (!g.grid) return null;
  const fpixel = pixel % g.fpixels, spixel = Math.floor(pixel / g.fpixels);
  if (!inRoi(g, fpixel, spixel)) return null;
  const grid = g.grid;
  let found: OutOfRangeEvaluation | null = null;
  let counted = 0;
  forEachEvaluation(g, pixel, (raw, h, k, l, skipped) => {
    if (skipped) return false;
    if (!outOfRange64(grid, h, k, l)) {
      counted++;
      return false;
    }
    found = { pixel, raw, counted, h, k, l };
    return true;
  });
  return found;
}

/** The first out-of-range evaluation over pixels [from, to) in raster order (ROI respected), or null. */
export function firstOutOfRangeScan(g: Geometry64, from: number, to: number): OutOfRangeEvaluation | null {
  for (let p = from; p < to; p++) {
    const r = firstOutOfRangeInPixel(g, p);
    if (r) return r;
  }
  return null;
}

/**
 * max |h|, |k|, |l| over every evaluation of the detector (inside the ROI), in f64: the h_max of the pure-f32
 * tolerance S = pi * N_max * h_max * 2^-24 (docs/precision.md). `step` > 1 samples every step-th row and column
 * (plus the last ones) for big detectors; the extremes of a smooth field are then found to within a step.
 */
export function millerExtent(g: Geometry64, step = 1): { hMax: number; kMax: number; lMax: number; max: number } {
  let hMax = 0, kMax = 0, lMax = 0;
  const rows: number[] = [], cols: number[] = [];
  for (let s = 0; s < g.spixels; s += step) rows.push(s);
  if (rows[rows.length - 1] !== g.spixels - 1) rows.push(g.spixels - 1);
  for (let f = 0; f < g.fpixels; f += step) cols.push(f);
  if (cols[cols.length - 1] !== g.fpixels - 1) cols.push(g.fpixels - 1);
  for (const s of rows) {
    for (const f of cols) {
      if (!inRoi(g, f, s)) continue;
      forEachEvaluation(g, s * g.fpixels + f, (_raw, h, k, l) => {
        if (Math.abs(h) > hMax) hMax = Math.abs(h);
        if (Math.abs(k) > kMax) kMax = Math.abs(k);
        if (Math.abs(l) > lMax) lMax = Math.abs(l);
      });
    }
  }
  return { hMax, kMax, lMax, max: Math.max(hMax, kMax, lMax) };
}
