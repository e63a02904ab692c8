// Writes a Simulation into the f64 parameter block that assembly/params.ts reads. The slots are declared once,
// in src/simulator/param-layout.ts (the kernels read the generated assembly/layout.ts).

import type { Simulation } from './setup.ts';
import { P } from './param-layout.ts';

export { P } from './param-layout.ts';

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
  if (sim.sources.fromFile && sim.sources.count === 1) {
    // one source from a -sourcefile: its direction and lambda, also for the paths that read only these slots
    block.set(sim.sources.table.subarray(0, 3), P.INCIDENT);
    block[P.LAMBDA] = sim.sources.table[3];
  }
  block[P.NA] = c.Na;
  block[P.NB] = c.Nb;
  block[P.NC] = c.Nc;
  block[P.SHAPE] = sim.shape;
  block[P.FUDGE] = sim.loop.fudge;
  block.set([...c.aStar, ...c.bStar, ...c.cStar], P.ASTAR);
  block[P.PHISTEPS] = sim.phi.entries;
  block[P.PHI_TABLE] = ptr.phiTable;
  block[P.PHI0_IS_ZERO] = sim.phi.staleSlots;
  block[P.FIRST_PIXEL] = sim.firstPixel;
  block[P.FIRST_SUB] = sim.firstSub;
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
  block[P.OS_THICK] = sim.loop.oversampleThick ? 1 : 0;
  block[P.OS_POLAR] = sim.loop.oversamplePolar ? 1 : 0;
  block[P.OS_OMEGA] = sim.loop.oversampleOmega ? 1 : 0;
  block[P.POINT_PIXEL] = sim.loop.pointPixel ? 1 : 0;
  block[P.NOPOLAR] = sim.loop.nopolar ? 1 : 0;
  block[P.KAHN] = sim.loop.kahn;
  block.set(d.polarAxis, P.POLAR_AXIS);
  block[P.R_E_SQR] = r_e_sqr;
  block[P.FLUENCE] = sim.fluence;
  block[P.STEPS] = sim.steps;
  block[P.DMIN] = sim.loop.dmin;
  block[P.WATER] = sim.loop.water ? 1 : 0;
  block[P.I_BG] = sim.Ibg;
  block[P.SOURCES] = ptr.sources ?? 0;
  block[P.NSOURCES] = sim.sources.count;
  block.set([sim.roi.xmin, sim.roi.xmax, sim.roi.ymin, sim.roi.ymax], P.ROI);
  block[P.CURVED] = sim.loop.curved ? 1 : 0;
  block[P.DISTANCE] = d.distance;
  block.set(d.beam, P.BEAM);
  block[P.MASK] = ptr.mask ?? 0;
}
