// The loaded parameters: the f64 parameter block (P_* slots, assembly/layout.ts) read once per call into
// module globals that every kernel module reads (src/simulator/params.ts writes the block). The source loop and
// the switch-off overwrite a few of them per call (ix/iy/iz/lambda, invLambda, switchPixel/switchEval).

import {
  P_FPIXELS, P_SPIXELS, P_OVERSAMPLE, P_PIXEL, P_SUBPIXEL, P_PIX0, P_FDET, P_SDET, P_ODET, P_CLOSE_DISTANCE,
  P_INCIDENT, P_LAMBDA, P_NA, P_NB, P_NC, P_SHAPE, P_FUDGE, P_ASTAR, P_PHISTEPS, P_PHI_TABLE, P_PHI0_IS_ZERO,
  P_FIRST_PIXEL, P_FIRST_SUB, P_HKLS, P_HMIN, P_KMIN, P_LMIN, P_HRANGE, P_KRANGE, P_LRANGE, P_DEFAULT_F, P_GRID_F64,
  P_GRID_F32, P_INTERPOLATE, P_SWITCH_PIXEL, P_SWITCH_EVAL, P_NLAYERS, P_THICKSTEP, P_MU, P_THICK, P_OS_THICK,
  P_OS_POLAR, P_OS_OMEGA, P_POINT_PIXEL, P_NOPOLAR, P_KAHN, P_POLAR_AXIS, P_R_E_SQR, P_FLUENCE, P_STEPS, P_ROI,
  P_DMIN, P_WATER, P_I_BG, P_SOURCES, P_NSOURCES, P_CURVED, P_DISTANCE, P_BEAM, P_MASK, P_COUNT,
} from './layout';

// ---- parameter block layout: assembly/layout.ts, generated from src/simulator/param-layout.ts ----

/** Number of f64 slots in the parameter block (the host checks it against its own layout). */
export function paramSlotCount(): i32 {
  return P_COUNT;
}

// ---- parameters, loaded once per call into module globals ----
export let fpixels: i32 = 0, spixels: i32 = 0, oversample: i32 = 1;
export let pixelSize: f64 = 0, subpixelSize: f64 = 0;
export let pix0x: f64 = 0, pix0y: f64 = 0, pix0z: f64 = 0;
export let fx: f64 = 0, fy: f64 = 0, fz: f64 = 0;
export let sx: f64 = 0, sy: f64 = 0, sz: f64 = 0;
export let ox: f64 = 0, oy: f64 = 0, oz: f64 = 0;
export let closeDistance: f64 = 0;
export let ix: f64 = 0, iy: f64 = 0, iz: f64 = 0;
export let lambda: f64 = 1, invLambda: f64 = 1;
export let Na: f64 = 1, Nb: f64 = 1, Nc: f64 = 1;
export let shape: i32 = 0;
export let fudge: f64 = 1;
export let phisteps: i32 = 1;
export let phiTable: usize = 0;
export let phiStale: i32 = 0; // stale-vector slots after the table (one per mosaic domain), 0 if phi0 != 0
export let firstPixel: i32 = 0, firstSub: i32 = 0;
export let hkls: bool = false;
export let hMin: i32 = 0, kMin: i32 = 0, lMin: i32 = 0;
export let hRange: i32 = 0, kRange: i32 = 0, lRange: i32 = 0;
export let defaultF: f64 = 0;
export let gridF64: usize = 0, gridF32: usize = 0;
export let interpolate: bool = false;
export let switchPixel: i32 = 0x7fffffff, switchEval: i32 = 0x7fffffff;
export let nLayers: i32 = 1;
export let thickstep: f64 = 0, mu: f64 = 0, thick: f64 = 0;
export let osThick: bool = false, osPolar: bool = false, osOmega: bool = false;
export let pointPixel: bool = false, nopolar: bool = false;
export let kahn: f64 = 0;
export let pax: f64 = 0, pay: f64 = 0, paz: f64 = 0;
export let rESqr: f64 = 0, fluence: f64 = 0, steps: f64 = 1;
export let roiXmin: i32 = 0, roiXmax: i32 = 0, roiYmin: i32 = 0, roiYmax: i32 = 0;
export let curved: bool = false;
export let distance: f64 = 0, bx: f64 = 0, by: f64 = 0, bz: f64 = 0;

// -dmin, -water (with its background I_bg) and the source table (P_SOURCES: x, y, z, lambda per source);
// ix0..lambda0 keep the one source of P_INCIDENT / P_LAMBDA for a caller that gives no table
export let dmin: f64 = 0;
export let water: bool = false, Ibg: f64 = 0;
export let sourceTable: usize = 0, nSources: i32 = 1;
export let ix0: f64 = 0, iy0: f64 = 0, iz0: f64 = 0, lambda0: f64 = 1;

// -mask: one byte per pixel (0 skips it), 0 when there is no mask
export let mask: usize = 0;

// a*, b*, c* (1/Angstrom) for the non-square shapes
export let asx: f64 = 0, asy: f64 = 0, asz: f64 = 0, bsx: f64 = 0, bsy: f64 = 0, bsz: f64 = 0, csx: f64 = 0, csy: f64 = 0, csz: f64 = 0;

@inline function slot(params: usize, i: i32): f64 {
  return load<f64>(params + (<usize>i << 3));
}

export function loadParams(params: usize): void {
  fpixels = <i32>slot(params, P_FPIXELS);
  spixels = <i32>slot(params, P_SPIXELS);
  oversample = <i32>slot(params, P_OVERSAMPLE);
  pixelSize = slot(params, P_PIXEL);
  subpixelSize = slot(params, P_SUBPIXEL);
  pix0x = slot(params, P_PIX0); pix0y = slot(params, P_PIX0 + 1); pix0z = slot(params, P_PIX0 + 2);
  fx = slot(params, P_FDET); fy = slot(params, P_FDET + 1); fz = slot(params, P_FDET + 2);
  sx = slot(params, P_SDET); sy = slot(params, P_SDET + 1); sz = slot(params, P_SDET + 2);
  ox = slot(params, P_ODET); oy = slot(params, P_ODET + 1); oz = slot(params, P_ODET + 2);
  closeDistance = slot(params, P_CLOSE_DISTANCE);
  ix = slot(params, P_INCIDENT); iy = slot(params, P_INCIDENT + 1); iz = slot(params, P_INCIDENT + 2);
  lambda = slot(params, P_LAMBDA);
  invLambda = 1.0 / lambda;
  Na = slot(params, P_NA); Nb = slot(params, P_NB); Nc = slot(params, P_NC);
  shape = <i32>slot(params, P_SHAPE);
  fudge = slot(params, P_FUDGE);
  phisteps = <i32>slot(params, P_PHISTEPS);
  phiTable = <usize>slot(params, P_PHI_TABLE);
  phiStale = <i32>slot(params, P_PHI0_IS_ZERO);
  firstPixel = <i32>slot(params, P_FIRST_PIXEL);
  firstSub = <i32>slot(params, P_FIRST_SUB);
  hkls = slot(params, P_HKLS) != 0;
  hMin = <i32>slot(params, P_HMIN); kMin = <i32>slot(params, P_KMIN); lMin = <i32>slot(params, P_LMIN);
  hRange = <i32>slot(params, P_HRANGE); kRange = <i32>slot(params, P_KRANGE); lRange = <i32>slot(params, P_LRANGE);
  defaultF = slot(params, P_DEFAULT_F);
  gridF64 = <usize>slot(params, P_GRID_F64);
  gridF32 = <usize>slot(params, P_GRID_F32);
  interpolate = slot(params, P_INTERPOLATE) != 0;
  switchPixel = <i32>slot(params, P_SWITCH_PIXEL);
  switchEval = <i32>slot(params, P_SWITCH_EVAL);
  nLayers = <i32>slot(params, P_NLAYERS);
  thickstep = slot(params, P_THICKSTEP);
  mu = slot(params, P_MU);
  thick = slot(params, P_THICK);
  osThick = slot(params, P_OS_THICK) != 0;
  osPolar = slot(params, P_OS_POLAR) != 0;
  osOmega = slot(params, P_OS_OMEGA) != 0;
  pointPixel = slot(params, P_POINT_PIXEL) != 0;
  nopolar = slot(params, P_NOPOLAR) != 0;
  kahn = slot(params, P_KAHN);
  pax = slot(params, P_POLAR_AXIS); pay = slot(params, P_POLAR_AXIS + 1); paz = slot(params, P_POLAR_AXIS + 2);
  rESqr = slot(params, P_R_E_SQR);
  fluence = slot(params, P_FLUENCE);
  steps = slot(params, P_STEPS);
  dmin = slot(params, P_DMIN);
  water = slot(params, P_WATER) != 0;
  Ibg = slot(params, P_I_BG);
  sourceTable = <usize>slot(params, P_SOURCES);
  nSources = <i32>slot(params, P_NSOURCES);
  if (sourceTable == 0 || nSources < 1) { sourceTable = 0; nSources = 1; }
  ix0 = ix; iy0 = iy; iz0 = iz; lambda0 = lambda;
  roiXmin = <i32>slot(params, P_ROI); roiXmax = <i32>slot(params, P_ROI + 1);
  roiYmin = <i32>slot(params, P_ROI + 2); roiYmax = <i32>slot(params, P_ROI + 3);
  curved = slot(params, P_CURVED) != 0;
  distance = slot(params, P_DISTANCE);
  bx = slot(params, P_BEAM); by = slot(params, P_BEAM + 1); bz = slot(params, P_BEAM + 2);
  mask = <usize>slot(params, P_MASK);
}

export function loadAstar(params: usize): void {
  asx = slot(params, P_ASTAR); asy = slot(params, P_ASTAR + 1); asz = slot(params, P_ASTAR + 2);
  bsx = slot(params, P_ASTAR + 3); bsy = slot(params, P_ASTAR + 4); bsz = slot(params, P_ASTAR + 5);
  csx = slot(params, P_ASTAR + 6); csy = slot(params, P_ASTAR + 7); csz = slot(params, P_ASTAR + 8);
}
