// Writes a Simulation into the f64 parameter block that assembly/simulate.ts reads.
// The slot numbers mirror the P_* constants there; paramSlotCount() guards the layout.

import type { Simulation } from './setup.ts';

export const P = {
  FPIXELS: 0, SPIXELS: 1, OVERSAMPLE: 2, PIXEL: 3, SUBPIXEL: 4, PIX0: 5, FDET: 8, SDET: 11, ODET: 14,
  CLOSE_DISTANCE: 17, INCIDENT: 18, LAMBDA: 21, NA: 22, NB: 23, NC: 24, SHAPE: 25, FUDGE: 26, ASTAR: 27,
  PHISTEPS: 36, PHI_TABLE: 37, PHI0_IS_ZERO: 38, FIRST_PIXEL: 39, HKLS: 40, HMIN: 41, KMIN: 42, LMIN: 43,
  HRANGE: 44, KRANGE: 45, LRANGE: 46, DEFAULT_F: 47, GRID_F64: 48, GRID_F32: 49, INTERPOLATE: 50,
  SWITCH_PIXEL: 51, SWITCH_EVAL: 52, NLAYERS: 53, THICKSTEP: 54, MU: 55, THICK: 56, OS_THICK: 57,
  OS_POLAR: 58, OS_OMEGA: 59, POINT_PIXEL: 60, NOPOLAR: 61, KAHN: 62, POLAR_AXIS: 63, R_E_SQR: 66,
  FLUENCE: 67, STEPS: 68, ROI: 69, DMIN: 73, WATER: 74, I_BG: 75, SOURCES: 76, NSOURCES: 77, CURVED: 78, DISTANCE: 79, BEAM: 80, MASK: 83, COUNT: 84,
} as const;

/** No switch-off point: every evaluation interpolates (when interpolation is on). */
export const NO_SWITCH = 0x7fffffff;

export interface Pointers {
  phiTable: number;
  gridF64: number;
  gridF32: number;
  /** 4 f64 per source (incident x, y, z, lambda); 0 = none (the single source from INCIDENT/LAMBDA). */
  sources?: number;
  /** -mask: one u8 per pixel (0 = skipped); 0 = no mask. */
  mask?: number;
}

/** Fills `block` (length P.COUNT) from the simulation and the memory pointers. */
export function fillParams(block: Float64Array, sim: Simulation, ptr: Pointers, r_e_sqr: number): void {
  const d = sim.detector, c = sim.crystal, g = sim.grid;
  block.fill(0);
  block[P.FPIXELS] = d.fpixels;
  block[P.SPIXELS] = d.spixels;
  block[P.OVERSAMPLE] = sim.oversample;
  block[P.PIXEL] = d.pixel;
  block[P.SUBPIXEL] = d.pixel / sim.oversample;
  block.set(d.pix0, P.PIX0);
  block.set(d.fdet, P.FDET);
  block.set(d.sdet, P.SDET);
  block.set(d.odet, P.ODET);
  block[P.CLOSE_DISTANCE] = d.closeDistance;
  block.set(sim.incident, P.INCIDENT);
  block[P.LAMBDA] = sim.lambda;
  if (sim.args.sourcePath !== undefined && sim.sources.count === 1) {
    // one source from a -sourcefile: its direction and lambda, also for the paths that read only these slots
    block.set(sim.sources.table.subarray(0, 3), P.INCIDENT);
    block[P.LAMBDA] = sim.sources.table[3];
  }
  block[P.NA] = c.Na;
  block[P.NB] = c.Nb;
  block[P.NC] = c.Nc;
  block[P.SHAPE] = sim.shape;
  block[P.FUDGE] = sim.args.fudge;
  block.set([...c.aStar, ...c.bStar, ...c.cStar], P.ASTAR);
  block[P.PHISTEPS] = sim.phi.entries;
  block[P.PHI_TABLE] = ptr.phiTable;
  block[P.PHI0_IS_ZERO] = sim.phi.staleSlots;
  block[P.FIRST_PIXEL] = sim.firstPixel;
  block[P.HKLS] = g ? 1 : 0;
  if (g) {
    block[P.HMIN] = g.hMin;
    block[P.KMIN] = g.kMin;
    block[P.LMIN] = g.lMin;
    block[P.HRANGE] = g.hRange;
    block[P.KRANGE] = g.kRange;
    block[P.LRANGE] = g.lRange;
  }
  block[P.DEFAULT_F] = sim.defaultF;
  block[P.GRID_F64] = ptr.gridF64;
  block[P.GRID_F32] = ptr.gridF32;
  block[P.INTERPOLATE] = sim.interpolate ? 1 : 0;
  block[P.SWITCH_PIXEL] = NO_SWITCH;
  block[P.SWITCH_EVAL] = NO_SWITCH;
  block[P.NLAYERS] = sim.layers.nLayers;
  block[P.THICKSTEP] = sim.layers.thickstep;
  block[P.MU] = sim.layers.mu;
  block[P.THICK] = sim.layers.thick;
  block[P.OS_THICK] = sim.args.oversampleThick ? 1 : 0;
  block[P.OS_POLAR] = sim.args.oversamplePolar ? 1 : 0;
  block[P.OS_OMEGA] = sim.args.oversampleOmega ? 1 : 0;
  block[P.POINT_PIXEL] = sim.args.pointPixel ? 1 : 0;
  block[P.NOPOLAR] = sim.args.nopolar ? 1 : 0;
  block[P.KAHN] = sim.args.polarization;
  block.set(d.polarAxis, P.POLAR_AXIS);
  block[P.R_E_SQR] = r_e_sqr;
  block[P.FLUENCE] = sim.fluence;
  block[P.STEPS] = sim.steps;
  block[P.DMIN] = sim.args.dmin_m;
  block[P.WATER] = sim.args.water_m !== 0 ? 1 : 0;
  block[P.I_BG] = sim.Ibg;
  block[P.SOURCES] = ptr.sources ?? 0;
  block[P.NSOURCES] = sim.sources.count;
  block.set([sim.roi.xmin, sim.roi.xmax, sim.roi.ymin, sim.roi.ymax], P.ROI);
  block[P.CURVED] = sim.args.curved ? 1 : 0;
  block[P.DISTANCE] = d.distance;
  block.set(d.beam, P.BEAM);
  block[P.MASK] = ptr.mask ?? 0;
}
