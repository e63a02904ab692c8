// The nanoBragg pixel loop (docs/c-behaviour/minimal-loop.md section 5.11), for whole images.
//
// Two precisions, one loop order (slow, fast, layer, sub-slow, sub-fast, source, phi):
//  - simulateF64: the C program's arithmetic in double precision, operation for operation
//    (docs/c-behaviour/minimal-loop.md 3.3-3.5, 4.3-4.4, 5.5-5.9). Reproduces the serial C image within float32
//    rounding (libm sin/exp may differ by an ulp: trap T-21).
//  - simulateF32: geometry, h, k, l and their fractional parts in f64 (reciprocals of R and
//    lambda instead of C's divisions); the range-reduced lattice factor, the structure factor,
//    the capture fraction (expm1 form) and each evaluation's term F^2 F_latt^2 in f32, summed per pixel in
//    f64 (docs/precision.md "WASM f32 path"). Polarization and solid angle are per-pixel values and stay f64. With SIMD, four
//    neighbouring pixels go through the loop together, bit-identical to the scalar f32 code.
//
// Sources (divergence, dispersion, -sourcefile: the host's table, P_SOURCES) loop inside the subpixel as in C;
// mosaic domains are the inner index of the crystal-vector table (phi step x domain). The SIMD group of four
// pixels takes every source count (the subpixel's direction once, then q and polarization per source).
//
// Interpolation switch-off (docs/c-behaviour/minimal-loop.md 3.5, traps T-2/T-3): the C program switches tricubic
// interpolation off for good at the first out-of-range evaluation in serial order. Both loops
// do the same while they run rows in order, and report where (the "live" switch); a caller that
// runs bands of rows out of order (the threads) passes a known switch-off point in P_SWITCH_*
// and redoes any band that interpolated past it. findFirstOutOfRange is the same decision as a
// separate pre-pass (the reference the WebGPU host's f64 geometry is tested against).
//
// All inputs come through a parameter block of f64 slots (P_* below; src/simulator/params.ts
// writes it). The kernels never allocate.

import { tricubicF64, tricubicF32, tricubicBatchF32x4, nearestF64 } from './tricubic';
import { sinpiF32, sinpiF32x4, demote2x2, expF32x4, expm1F32x4 } from './mathx_simd';
import { captureFractionF32 } from './absorption';
import {
  P_FPIXELS, P_SPIXELS, P_OVERSAMPLE, P_PIXEL, P_SUBPIXEL, P_PIX0, P_FDET, P_SDET, P_ODET, P_CLOSE_DISTANCE, P_INCIDENT,
  P_LAMBDA, P_NA, P_NB, P_NC, P_SHAPE, P_FUDGE, P_ASTAR, P_PHISTEPS, P_PHI_TABLE, P_PHI0_IS_ZERO, P_FIRST_PIXEL, P_FIRST_SUB, P_HKLS,
  P_HMIN, P_KMIN, P_LMIN, P_HRANGE, P_KRANGE, P_LRANGE, P_DEFAULT_F, P_GRID_F64, P_GRID_F32, P_INTERPOLATE,
  P_SWITCH_PIXEL, P_SWITCH_EVAL, P_NLAYERS, P_THICKSTEP, P_MU, P_THICK, P_OS_THICK, P_OS_POLAR, P_OS_OMEGA,
  P_POINT_PIXEL, P_NOPOLAR, P_KAHN, P_POLAR_AXIS, P_R_E_SQR, P_FLUENCE, P_STEPS, P_ROI, P_DMIN, P_WATER, P_I_BG,
  P_SOURCES, P_NSOURCES, P_CURVED, P_DISTANCE, P_BEAM, P_MASK, P_COUNT,
  SW_FOUND, SW_PIXEL, SW_EVAL, SW_H, SW_K, SW_L, SCRATCH_BYTES,
} from './layout';

// ---- parameter block layout: assembly/layout.ts, generated from src/simulator/param-layout.ts ----

/** Number of f64 slots in the parameter block (the host checks it against its own layout). */
export function paramSlotCount(): i32 {
  return P_COUNT;
}

// ---- parameters, loaded once per call into module globals ----
let fpixels: i32 = 0, spixels: i32 = 0, oversample: i32 = 1;
let pixelSize: f64 = 0, subpixelSize: f64 = 0;
let pix0x: f64 = 0, pix0y: f64 = 0, pix0z: f64 = 0;
let fx: f64 = 0, fy: f64 = 0, fz: f64 = 0;
let sx: f64 = 0, sy: f64 = 0, sz: f64 = 0;
let ox: f64 = 0, oy: f64 = 0, oz: f64 = 0;
let closeDistance: f64 = 0;
let ix: f64 = 0, iy: f64 = 0, iz: f64 = 0;
let lambda: f64 = 1, invLambda: f64 = 1;
let Na: f64 = 1, Nb: f64 = 1, Nc: f64 = 1;
let shape: i32 = 0;
let fudge: f64 = 1;
let phisteps: i32 = 1;
let phiTable: usize = 0;
let phiStale: i32 = 0; // stale-vector slots after the table (one per mosaic domain), 0 if phi0 != 0
let firstPixel: i32 = 0, firstSub: i32 = 0;
let hkls: bool = false;
let hMin: i32 = 0, kMin: i32 = 0, lMin: i32 = 0;
let hRange: i32 = 0, kRange: i32 = 0, lRange: i32 = 0;
let defaultF: f64 = 0;
let gridF64: usize = 0, gridF32: usize = 0;
let interpolate: bool = false;
let switchPixel: i32 = 0x7fffffff, switchEval: i32 = 0x7fffffff;
let nLayers: i32 = 1;
let thickstep: f64 = 0, mu: f64 = 0, thick: f64 = 0;
let osThick: bool = false, osPolar: bool = false, osOmega: bool = false;
let pointPixel: bool = false, nopolar: bool = false;
let kahn: f64 = 0;
let pax: f64 = 0, pay: f64 = 0, paz: f64 = 0;
let rESqr: f64 = 0, fluence: f64 = 0, steps: f64 = 1;
let roiXmin: i32 = 0, roiXmax: i32 = 0, roiYmin: i32 = 0, roiYmax: i32 = 0;
let curved: bool = false;
let distance: f64 = 0, bx: f64 = 0, by: f64 = 0, bz: f64 = 0;

@inline function slot(params: usize, i: i32): f64 {
  return load<f64>(params + (<usize>i << 3));
}

function loadParams(params: usize): void {
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

let cpx: f64 = 0, cpy: f64 = 0, cpz: f64 = 0; // -curved_det: the position on the sphere
/**
 * -curved_det (docs/c-behaviour/detector.md): distance*beam turned about the slow axis by P_y/distance, then about
 * the fast axis by P_z/distance (C's rotate_axis twice, same operation order).
 */
function curvedPosition(py: f64, pz: f64): void {
  const vx = distance * bx, vy = distance * by, vz = distance * bz;
  let S = Math.sin(py / distance), C = Math.cos(py / distance);
  let D = (sx * vx + sy * vy + sz * vz) * (1.0 - C);
  const nx = sx * D + vx * C + (-sz * vy + sy * vz) * S;
  const ny = sy * D + vy * C + (+sz * vx - sx * vz) * S;
  const nz = sz * D + vz * C + (-sy * vx + sx * vy) * S;
  S = Math.sin(pz / distance); C = Math.cos(pz / distance);
  D = (fx * nx + fy * ny + fz * nz) * (1.0 - C);
  cpx = fx * D + nx * C + (-fz * ny + fy * nz) * S;
  cpy = fy * D + ny * C + (+fz * nx - fx * nz) * S;
  cpz = fz * D + nz * C + (-fy * nx + fx * ny) * S;
}

// ---- per-evaluation scratch (module globals: AssemblyScript has no multiple returns) ----
let dX: f64 = 0, dY: f64 = 0, dZ: f64 = 0; // diffracted unit vector
let airpath: f64 = 0;
let qX: f64 = 0, qY: f64 = 0, qZ: f64 = 0; // scattering vector (1/m)
let dmin: f64 = 0;
let water: bool = false, Ibg: f64 = 0;
let sourceTable: usize = 0, nSources: i32 = 1;
let ix0: f64 = 0, iy0: f64 = 0, iz0: f64 = 0, lambda0: f64 = 1;

/**
 * Whether (pixel, layer, sub-pixel, source) is the run's first run of the phi loop, the one C gives the unrotated
 * crystal vectors when phi starts at 0 (the host's P_FIRST_PIXEL / P_FIRST_SUB: src/simulator/first-evaluation.ts).
 */
@inline function firstEvaluation(pixel: i32, t: i32, subS: i32, subF: i32, src: i32): bool {
  return pixel == firstPixel && ((t * oversample + subS) * oversample + subF) * nSources + src == firstSub;
}

/** Source k's incident vector and wavelength into ix/iy/iz/lambda. */
@inline function useSourceVector(k: i32): void {
  if (sourceTable != 0) {
    const s = sourceTable + (<usize>k << 5);
    ix = load<f64>(s); iy = load<f64>(s, 8); iz = load<f64>(s, 16); lambda = load<f64>(s, 24);
  } else {
    // no table (a caller that fills only P_INCIDENT / P_LAMBDA): the one source from those slots
    ix = ix0; iy = iy0; iz = iz0; lambda = lambda0;
  }
}

/**
 * Source k's incident vector and wavelength into ix/iy/iz/lambda, and its scattering vector from the
 * current diffracted vector (C: per source inside the sub-pixel, q = (d - i) / lambda). f32 path: with
 * the reciprocal of lambda, as subpixelGeometryF32 does.
 */
@inline function useSource(k: i32, f32path: bool): void {
  useSourceVector(k);
  if (f32path) {
    invLambda = 1.0 / lambda;
    qX = (dX - ix) * invLambda;
    qY = (dY - iy) * invLambda;
    qZ = (dZ - iz) * invLambda;
  } else {
    qX = (dX - ix) / lambda;
    qY = (dY - iy) / lambda;
    qZ = (dZ - iz) / lambda;
  }
}

/**
 * C's -dmin cut (docs/c-behaviour/beam.md): stol = 0.5 |q| with q = (d - i) / lambda in f64, as C divides;
 * the source is skipped for this subpixel when dmin > 0.5 / stol (stol == 0 is never cut).
 */
@inline function cutByDmin(): bool {
  if (dmin <= 0.0) return false;
  const x = (dX - ix) / lambda, y = (dY - iy) / lambda, z = (dZ - iz) / lambda;
  const stol = 0.5 * Math.sqrt(x * x + y * y + z * z);
  return stol > 0.0 && dmin > 0.5 / stol;
}
let mh: f64 = 0, mk: f64 = 0, ml: f64 = 0; // fractional Miller indices

let spx: f64 = 0, spy: f64 = 0, spz: f64 = 0; // the sub-pixel's position (m), set by subpixelPosition

/** Sub-pixel position (flat, or on the curved detector) and its distance, airpath (C: pixel_pos, magnitude). */
@inline function subpixelPosition(fpixel: i32, spixel: i32, subF: i32, subS: i32, Odet: f64): void {
  const Fdet = subpixelSize * <f64>(fpixel * oversample + subF) + subpixelSize / 2.0;
  const Sdet = subpixelSize * <f64>(spixel * oversample + subS) + subpixelSize / 2.0;
  let px = Fdet * fx + Sdet * sx + Odet * ox + pix0x;
  let py = Fdet * fy + Sdet * sy + Odet * oy + pix0y;
  let pz = Fdet * fz + Sdet * sz + Odet * oz + pix0z;
  if (curved) {
    curvedPosition(py, pz);
    px = cpx; py = cpy; pz = cpz;
  }
  const R = Math.sqrt(px * px + py * py + pz * pz);
  airpath = R;
  spx = px; spy = py; spz = pz;
}

/** Sub-pixel position and diffracted direction (physics 5.5; C: pixel_pos, unitize). */
@inline function subpixelGeometry(fpixel: i32, spixel: i32, subF: i32, subS: i32, Odet: f64): void {
  subpixelPosition(fpixel, spixel, subF, subS, Odet);
  const px = spx, py = spy, pz = spz, R = airpath;
  if (R != 0.0) {
    dX = px / R; dY = py / R; dZ = pz / R;
  } else {
    dX = 0; dY = 0; dZ = 0;
  }
  qX = (dX - ix) / lambda;
  qY = (dY - iy) / lambda;
  qZ = (dZ - iz) / lambda;
}

/**
 * subpixelGeometry for the f32 path: the same positions, with one reciprocal of R and of lambda
 * instead of six divisions (the f32 path's h, k, l move by an ulp or so; the SIMD group does the same).
 */
@inline function subpixelGeometryF32(fpixel: i32, spixel: i32, subF: i32, subS: i32, Odet: f64): void {
  subpixelPosition(fpixel, spixel, subF, subS, Odet);
  const px = spx, py = spy, pz = spz, R = airpath;
  const invR = 1.0 / R;
  dX = px * invR; dY = py * invR; dZ = pz * invR;
  qX = (dX - ix) * invLambda;
  qY = (dY - iy) * invLambda;
  qZ = (dZ - iz) * invLambda;
}

/**
 * The crystal vectors for entry `step` (phi step x mosaic domain, domain inner; physics 5.10, the phi == 0
 * stale-vector quirk included: the first phi step's domains of the very first evaluation use the slots after
 * the table).
 */
@inline function phiVectors(step: i32, firstEvaluation: bool): usize {
  if (step < phiStale && firstEvaluation) return phiTable + <usize>(phisteps + step) * 72;
  return phiTable + <usize>step * 72;
}

@inline function millerIndices(v: usize): void {
  mh = load<f64>(v) * qX + load<f64>(v, 8) * qY + load<f64>(v, 16) * qZ;
  mk = load<f64>(v, 24) * qX + load<f64>(v, 32) * qY + load<f64>(v, 40) * qZ;
  ml = load<f64>(v, 48) * qX + load<f64>(v, 56) * qY + load<f64>(v, 64) * qZ;
}

/** C's sincg(x, N) = sin(x N) / sin(x), N at x == 0. */
@inline function sincg(x: f64, N: f64): f64 {
  if (x == 0.0) return N;
  return Math.sin(x * N) / Math.sin(x);
}

/** C's sinc3(x) = 3 (sin x / x - cos x) / x^2, 1 at x == 0. */
@inline function sinc3(x: f64): f64 {
  if (x == 0.0) return 1.0;
  return 3.0 * (Math.sin(x) / x - Math.cos(x)) / (x * x);
}

/** Lattice factor for the round, gauss and tophat shapes, in f64 (physics 5.9). */
function latticeNonSquare(h: f64, k: f64, l: f64): f64 {
  const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(k - 0.5), l0 = Math.ceil(l - 0.5);
  const NaNbNc = Na * Nb * Nc;
  if (shape == 1) {
    const hrad = (h - h0) * (h - h0) * Na * Na + (k - k0) * (k - k0) * Nb * Nb + (l - l0) * (l - l0) * Nc * Nc;
    return NaNbNc * 0.723601254558268 * sinc3(Math.PI * Math.sqrt(hrad * fudge));
  }
  const dxs = (h - h0) * asx + (k - k0) * bsx + (l - l0) * csx;
  const dys = (h - h0) * asy + (k - k0) * bsy + (l - l0) * csy;
  const dzs = (h - h0) * asz + (k - k0) * bsz + (l - l0) * csz;
  const rad = (dxs * dxs + dys * dys + dzs * dzs) * Na * Na * Nb * Nb * Nc * Nc;
  if (shape == 2) return NaNbNc * Math.exp(-(rad / 0.63 * fudge));
  return rad * fudge < 0.3969 ? NaNbNc : 0.0;
}

// a*, b*, c* (1/Angstrom) for the non-square shapes
let asx: f64 = 0, asy: f64 = 0, asz: f64 = 0, bsx: f64 = 0, bsy: f64 = 0, bsz: f64 = 0, csx: f64 = 0, csy: f64 = 0, csz: f64 = 0;
function loadAstar(params: usize): void {
  asx = slot(params, P_ASTAR); asy = slot(params, P_ASTAR + 1); asz = slot(params, P_ASTAR + 2);
  bsx = slot(params, P_ASTAR + 3); bsy = slot(params, P_ASTAR + 4); bsz = slot(params, P_ASTAR + 5);
  csx = slot(params, P_ASTAR + 6); csy = slot(params, P_ASTAR + 7); csz = slot(params, P_ASTAR + 8);
}

/** C's polarization_factor (physics 5.7), on the unit diffracted vector (dX, dY, dZ). */
function polarizationFactor(): f64 {
  // unitize(incident), unitize(diffracted) as C does (both are already unit: an ulp at most)
  let m = Math.sqrt(ix * ix + iy * iy + iz * iz);
  const iux = ix / m, iuy = iy / m, iuz = iz / m;
  m = Math.sqrt(dX * dX + dY * dY + dZ * dZ);
  const dux = dX / m, duy = dY / m, duz = dZ / m;
  dX = dux; dY = duy; dZ = duz; // C's polarization_factor unitizes the diffracted vector in place
  const cos2theta = iux * dux + iuy * duy + iuz * duz;
  const cos2thetaSqr = cos2theta * cos2theta;
  const sin2thetaSqr = 1 - cos2thetaSqr;
  let psi: f64 = 0;
  if (kahn != 0.0) {
    // B = unit(axis x incident), E = unit(incident x B)
    let bx = pay * iuz - paz * iuy, by = paz * iux - pax * iuz, bz = pax * iuy - pay * iux;
    m = Math.sqrt(bx * bx + by * by + bz * bz);
    if (m != 0.0) { bx /= m; by /= m; bz /= m; }
    let ex = iuy * bz - iuz * by, ey = iuz * bx - iux * bz, ez = iux * by - iuy * bx;
    m = Math.sqrt(ex * ex + ey * ey + ez * ez);
    if (m != 0.0) { ex /= m; ey /= m; ez /= m; }
    const Eout = dux * ex + duy * ey + duz * ez;
    const Bout = dux * bx + duy * by + duz * bz;
    psi = -Math.atan2(Bout, Eout);
  }
  return 0.5 * (1.0 + cos2thetaSqr - kahn * Math.cos(2 * psi) * sin2thetaSqr);
}

/** C's capture fraction of layer t (physics 4.3), exactly in C's operation order. */
@inline function captureFraction(t: i32, parallax: f64): f64 {
  return Math.exp(<f64>(-t) * thickstep * mu / parallax) - Math.exp(<f64>(-(t + 1)) * thickstep * mu / parallax);
}

@inline function inRoi(fpixel: i32, spixel: i32): bool {
  return !(fpixel < roiXmin || fpixel > roiXmax || spixel < roiYmin || spixel > roiYmax);
}

let mask: usize = 0;
/**
 * -mask: C skips a zero-flagged pixel before its first evaluation (nanoBragg.c:2640-2647), so it takes no
 * part in the serial order that places the interpolation switch-off. Its image value is 0.
 */
@inline function masked(pixel: i32): bool {
  return mask != 0 && load<u8>(mask + <usize>pixel) == 0;
}
/** Whether any of the four pixels from `pixel` is masked (a SIMD group then goes pixel by pixel). */
@inline function anyMasked4(pixel: i32): bool {
  return mask != 0 && load<u32>(mask + <usize>pixel) != 0x01010101;
}
/** A masked pixel: 0, as it stays in C's zeroed image. */
@inline function storeMasked(pixel: i32, image: usize): void {
  store<f32>(image + (<usize>pixel << 2), 0);
}

// ---- interpolation switch-off ----
// Two ways to know the switch-off point (docs/c-behaviour/minimal-loop.md 3.5): live, as C does it, when a call
// processes rows in serial order (single thread): the first out-of-range evaluation met while
// interpolating sets it; or given in advance through P_SWITCH_* (found by findFirstOutOfRange or by
// an earlier band), when bands of rows run out of order. A live switch is recorded in the
// scratch block (SW_* in assembly/layout.ts) and reported by the return value of simulateF64/simulateF32.
/** Bytes of per-call scratch the host must provide (one block per concurrent caller). */
export function scratchBytes(): i32 {
  return SCRATCH_BYTES;
}
let scratch: usize = 0;

/** True when evaluation number `e` of pixel `pixel` comes before the switch-off point. */
@inline function interpolating(pixel: i32, e: i32): bool {
  return interpolate && (pixel < switchPixel || (pixel == switchPixel && e < switchEval));
}

@inline function outOfRange(h: f64, k: f64, l: f64): bool {
  return h - <f64>hMin + 3 > <f64>hRange || h - 2 < <f64>hMin ||
         k - <f64>kMin + 3 > <f64>kRange || k - 2 < <f64>kMin ||
         l - <f64>lMin + 3 > <f64>lRange || l - 2 < <f64>lMin;
}

/** Turns interpolation off from evaluation `e` of `pixel` on, and records where (live switch). */
function switchOff(pixel: i32, e: i32, h: f64, k: f64, l: f64): void {
  switchPixel = pixel;
  switchEval = e;
  store<f64>(scratch + SW_FOUND, 1);
  store<f64>(scratch + SW_PIXEL, <f64>pixel);
  store<f64>(scratch + SW_EVAL, <f64>e);
  store<f64>(scratch + SW_H, h);
  store<f64>(scratch + SW_K, k);
  store<f64>(scratch + SW_L, l);
}

function begin(params: usize, scratchPtr: usize): void {
  loadParams(params);
  loadAstar(params);
  scratch = scratchPtr;
  store<f64>(scratch + SW_FOUND, 0);
}

/**
 * Pre-pass: the first evaluation, in the C program's serial order over rows [row0, row1),
 * that is out of range for tricubic interpolation (physics 3.5 step 2). Returns 1 and writes
 * (pixel index, evaluation index within the pixel, h, k, l) as f64 to `out` if there is one,
 * else returns 0. Evaluations skipped because F_latt == 0 are not counted (physics 3.6).
 */
export function findFirstOutOfRange(params: usize, row0: i32, row1: i32, out: usize): i32 {
  loadParams(params);
  loadAstar(params);
  for (let spixel = row0; spixel < row1; spixel++) {
    for (let fpixel = 0; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      const pixel = spixel * fpixels + fpixel;
      if (masked(pixel)) continue;
      let e = 0;
      let polar: f64 = nopolar ? 1.0 : 0.0;
      for (let t = 0; t < nLayers; t++) {
        const Odet = <f64>t * thickstep;
        for (let subS = 0; subS < oversample; subS++) {
          for (let subF = 0; subF < oversample; subF++) {
            subpixelGeometry(fpixel, spixel, subF, subS, Odet);
            for (let src = 0; src < nSources; src++) {
            useSource(src, false);
            if (cutByDmin()) continue;
            // the Kahn call re-normalises d in place, which later sources of this sub-pixel see
            if (polar == 0.0 || osPolar) polar = polarizationFactor();
            const first = firstEvaluation(pixel, t, subS, subF, src);
            for (let step = 0; step < phisteps; step++) {
              millerIndices(phiVectors(step, first));
              if (shape != 0 && !water && latticeNonSquare(mh, mk, ml) == 0.0) continue;
              if (outOfRange(mh, mk, ml)) {
                store<f64>(out, <f64>pixel);
                store<f64>(out, <f64>e, 8);
                store<f64>(out, mh, 16);
                store<f64>(out, mk, 24);
                store<f64>(out, ml, 32);
                return 1;
              }
              e++;
            }
            }
          }
        }
      }
    }
  }
  return 0;
}

/** The final pixel value (C: test = r_e^2 fluence I / steps, then the "last value" factors). */
@inline function finishPixel(pixel: i32, image: usize, I: f64, capture: f64, polar: f64, omega: f64): void {
  let S = rESqr * fluence * I / steps;
  if (!osThick) S *= capture;
  if (!osPolar) S *= polar;
  if (!osOmega) S *= omega;
  // C adds to a zeroed image (floatimage[i] += test): the same as storing f32(test)
  store<f32>(image + (<usize>pixel << 2), <f32>S);
}

/** One pixel of the C loop in double precision, with the live switch-off. */
function pixelF64(fpixel: i32, spixel: i32, image: usize): void {
  const pixel = spixel * fpixels + fpixel;
  let I: f64 = Ibg;
  let polar: f64 = nopolar ? 1.0 : 0.0;
  let omega: f64 = 0;
  let capture: f64 = 0;
  let e = 0;
  for (let t = 0; t < nLayers; t++) {
    const Odet = <f64>t * thickstep;
    capture = thick == 0.0 ? 1.0 : 0.0;
    for (let subS = 0; subS < oversample; subS++) {
      for (let subF = 0; subF < oversample; subF++) {
        subpixelGeometry(fpixel, spixel, subF, subS, Odet);
        if (omega == 0.0 || osOmega) {
          omega = pixelSize * pixelSize / airpath / airpath * closeDistance / airpath;
          if (pointPixel) omega = 1.0 / airpath / airpath;
        }
        if (capture == 0.0 || osThick) {
          const parallax = dX * ox + dY * oy + dZ * oz;
          capture = captureFraction(t, parallax);
        }
        for (let src = 0; src < nSources; src++) {
        useSource(src, false);
        if (cutByDmin()) continue;
        if (polar == 0.0 || osPolar) polar = polarizationFactor();
        const first = firstEvaluation(pixel, t, subS, subF, src);
        for (let step = 0; step < phisteps; step++) {
          millerIndices(phiVectors(step, first));
          const h = mh, k = mk, l = ml;
          let Flatt: f64 = 1.0;
          if (shape == 0) {
            if (Na > 1) Flatt *= sincg(Math.PI * h, Na);
            if (Nb > 1) Flatt *= sincg(Math.PI * k, Nb);
            if (Nc > 1) Flatt *= sincg(Math.PI * l, Nc);
          } else {
            Flatt = latticeNonSquare(h, k, l);
            if (Flatt == 0.0 && !water) continue;
          }
          let Fcell: f64;
          if (interpolating(pixel, e) && outOfRange(h, k, l)) switchOff(pixel, e, h, k, l);
          if (interpolating(pixel, e)) {
            Fcell = tricubicF64(gridF64, hMin, kMin, lMin, kRange, lRange, h, k, l);
          } else {
            Fcell = hkls ? nearestF64(gridF64, hMin, kMin, lMin, hRange, kRange, lRange, h, k, l, defaultF) : defaultF;
          }
          e++;
          I += Fcell * Fcell * Flatt * Flatt;
          if (osThick) I *= capture;
          if (osPolar) I *= polar;
          if (osOmega) I *= omega;
        }
        }
      }
    }
  }
  finishPixel(pixel, image, I, capture, polar, omega);
}

/**
 * The C pixel loop in double precision over rows [row0, row1) of the image (f32, index
 * slow*fpixels + fast). Pixels outside the ROI are left untouched (the host zeroes the image).
 * `scratch`: SCRATCH_BYTES of memory owned by this caller. Returns 1 if this call switched
 * interpolation off (the place is in scratch), else 0.
 */
export function simulateF64(params: usize, image: usize, row0: i32, row1: i32, scratchPtr: usize): i32 {
  begin(params, scratchPtr);
  for (let spixel = row0; spixel < row1; spixel++) {
    for (let fpixel = 0; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      if (masked(spixel * fpixels + fpixel)) storeMasked(spixel * fpixels + fpixel, image);
      else pixelF64(fpixel, spixel, image);
    }
  }
  return <i32>load<f64>(scratch + SW_FOUND);
}

// ---- f32 path ----
// The lattice factor sincg(pi h, N) = (-1)^((N-1) n) sin(pi N f) / sin(pi f), n = nearest(h),
// f = h - n (exact in f64), N f reduced exactly in f64 (docs/precision.md fix 1); the sines in f32.
// The SIMD twin below performs the same IEEE operations lane by lane, so a pixel comes out
// bit-identical whichever path computes it (and for any split of the image among threads).

@inline function sincgF32(h: f64, N: f64): f32 {
  const n = nearest<f64>(h);
  const f = h - n;
  // f == 0 in f32, not only in f64: an |f| below the f32 range (h ~ 1e-48 on a direct-beam pixel) gave 0/0
  const fF32 = <f32>f;
  if (fF32 == 0) return <f32>N;
  const x = N * f;
  const m = nearest<f64>(x);
  const r = sinpiF32(<f32>(x - m)) / sinpiF32(fF32);
  // sin(pi N h) / sin(pi h) = (-1)^(m + (N-1) n) sin(pi (x - m)) / sin(pi f): flip the sign bit when odd
  const odd = (<i32>m + <i32>(N - 1.0) * <i32>n) & 1;
  return reinterpret<f32>(reinterpret<i32>(r) ^ (odd << 31));
}

/**
 * Polarization on the f32 path: with K = 0 (the default) C's factor is 0.5 (1 + cos^2 2theta); the
 * diffracted vector is already unit to an ulp, so C's re-normalisation is skipped (a 1e-16 effect).
 */
function polarF32Path(x: f64, y: f64, z: f64): f64 {
  if (kahn == 0.0) {
    const c = ix * x + iy * y + iz * z;
    return 0.5 * (1.0 + c * c);
  }
  dX = x; dY = y; dZ = z;
  return polarizationFactor();
}

/** One pixel with the lattice factor and structure factor in f32 (summed in f64), live switch-off. */
function pixelF32(fpixel: i32, spixel: i32, image: usize): void {
  const pixel = spixel * fpixels + fpixel;
  // the sum over evaluations in f64: an f32 running sum loses about sqrt(n) 2^-24 over n evaluations (1.5e-5 at
  // the 246^2 sub-pixels that -xtalsize can auto-select), the terms themselves stay f32 (docs/precision.md)
  let I: f64 = Ibg;
  let polar: f64 = nopolar ? 1.0 : 0.0;
  let omega: f64 = 0;
  let capture: f64 = 0;
  let e = 0;
  for (let t = 0; t < nLayers; t++) {
    const Odet = <f64>t * thickstep;
    capture = thick == 0.0 ? 1.0 : 0.0;
    for (let subS = 0; subS < oversample; subS++) {
      for (let subF = 0; subF < oversample; subF++) {
        subpixelGeometryF32(fpixel, spixel, subF, subS, Odet);
        if (omega == 0.0 || osOmega) {
          omega = pixelSize * pixelSize / airpath / airpath * closeDistance / airpath;
          if (pointPixel) omega = 1.0 / airpath / airpath;
        }
        if (capture == 0.0 || osThick) {
          const parallax = dX * ox + dY * oy + dZ * oz;
          capture = <f64>captureFractionF32(t, thickstep, mu, parallax);
        }
        for (let src = 0; src < nSources; src++) {
        useSource(src, true);
        if (cutByDmin()) continue;
        if (polar == 0.0 || osPolar) polar = polarF32Path(dX, dY, dZ);
        const first = firstEvaluation(pixel, t, subS, subF, src);
        for (let step = 0; step < phisteps; step++) {
          millerIndices(phiVectors(step, first));
          const h = mh, k = mk, l = ml;
          let Flatt: f32 = 1.0;
          if (shape == 0) {
            if (Na > 1) Flatt *= sincgF32(h, Na);
            if (Nb > 1) Flatt *= sincgF32(k, Nb);
            if (Nc > 1) Flatt *= sincgF32(l, Nc);
          } else {
            const F64latt = latticeNonSquare(h, k, l);
            if (F64latt == 0.0 && !water) continue;
            Flatt = <f32>F64latt;
          }
          if (interpolating(pixel, e) && outOfRange(h, k, l)) switchOff(pixel, e, h, k, l);
          const Fcell = fcellF32(pixel, e, h, k, l);
          e++;
          I += <f64>(Fcell * Fcell * Flatt * Flatt);
          if (osThick) I *= capture;
          if (osPolar) I *= polar;
          if (osOmega) I *= omega;
        }
        }
      }
    }
  }
  finishPixel(pixel, image, I, capture, polar, omega);
}

/** F_cell in f32: tricubic before the switch-off point, nearest neighbour from it on. */
@inline function fcellF32(pixel: i32, e: i32, h: f64, k: f64, l: f64): f32 {
  if (interpolating(pixel, e)) {
    const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
    return tricubicF32(gridF32, hMin, kMin, lMin, kRange, lRange,
      <i32>hf, <i32>kf, <i32>lf, <f32>(h - hf), <f32>(k - kf), <f32>(l - lf));
  }
  return <f32>(hkls ? nearestF64(gridF64, hMin, kMin, lMin, hRange, kRange, lRange, h, k, l, defaultF) : defaultF);
}

/**
 * The same loop with the lattice factor and structure factor in f32, their products summed in f64
 * (docs/precision.md: geometry and h, k, l in f64). Tolerance against the C image:
 * max|diff|/max <= 5e-6, |sum ratio - 1| <= 1e-6, 1 - r <= 1e-10 (tested on every golden case).
 * With SIMD, four neighbouring pixels of a row go through the loop together (square lattice
 * shape); a group meeting an out-of-range evaluation while interpolating is redone pixel by pixel.
 */
export function simulateF32(params: usize, image: usize, row0: i32, row1: i32, scratchPtr: usize): i32 {
  begin(params, scratchPtr);
  for (let spixel = row0; spixel < row1; spixel++) {
    let fpixel = 0;
    if (ASC_FEATURE_SIMD) {
      if (shape == 0 && dmin <= 0.0 && !water && !curved && spixel >= roiYmin && spixel <= roiYmax) {
        const f0 = max(roiXmin, 0);
        for (; fpixel < f0; fpixel++) {} // pixels left of the ROI stay untouched
        for (; fpixel + 3 < fpixels && fpixel + 3 <= roiXmax; fpixel += 4) {
          if (anyMasked4(spixel * fpixels + fpixel) || !groupF32x4(fpixel, spixel, image)) {
            for (let j = 0; j < 4; j++) {
              if (masked(spixel * fpixels + fpixel + j)) storeMasked(spixel * fpixels + fpixel + j, image);
              else pixelF32(fpixel + j, spixel, image);
            }
          }
        }
      }
    }
    for (; fpixel < fpixels; fpixel++) {
      if (!inRoi(fpixel, spixel)) continue;
      if (masked(spixel * fpixels + fpixel)) storeMasked(spixel * fpixels + fpixel, image);
      else pixelF32(fpixel, spixel, image);
    }
  }
  return <i32>load<f64>(scratch + SW_FOUND);
}

/** sincgF32 on four lanes held as two f64x2 of h; bit-identical to sincgF32 per lane. */
@inline function sincgF32x4(hLo: v128, hHi: v128, N: f64): v128 {
  const nLo = f64x2.nearest(hLo), nHi = f64x2.nearest(hHi);
  const fLo = f64x2.sub(hLo, nLo), fHi = f64x2.sub(hHi, nHi);
  const NN = f64x2.splat(N);
  const xLo = f64x2.mul(NN, fLo), xHi = f64x2.mul(NN, fHi);
  const mLo = f64x2.nearest(xLo), mHi = f64x2.nearest(xHi);
  const fF32 = demote2x2(fLo, fHi);
  const r = f32x4.div(sinpiF32x4(demote2x2(f64x2.sub(xLo, mLo), f64x2.sub(xHi, mHi))), sinpiF32x4(fF32));
  const n = v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(nLo), i32x4.trunc_sat_f64x2_s_zero(nHi), 0, 1, 4, 5);
  const m = v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(mLo), i32x4.trunc_sat_f64x2_s_zero(mHi), 0, 1, 4, 5);
  const odd = i32x4.shl(v128.and(i32x4.add(m, i32x4.mul(i32x4.splat(<i32>(N - 1.0)), n)), i32x4.splat(1)), 31);
  const isZero = f32x4.eq(fF32, f32x4.splat(0));
  return v128.bitselect(f32x4.splat(<f32>N), v128.xor(r, odd), isZero);
}

// Per-lane state of a SIMD group lives in the caller's scratch block (per caller, so several
// threads on one shared memory never share it): four f64 lanes per quantity.
const G_OMEGA: usize = 64;
const G_CAP: usize = 96;
const G_POLAR: usize = 128;
const G_QX: usize = 160;
const G_QY: usize = 192;
const G_QZ: usize = 224;
const G_H: usize = 256;
const G_K: usize = 288;
const G_L: usize = 320;
const G_PAR: usize = 352;
const G_F: usize = 384;
const G_DX: usize = 400;
const G_DY: usize = 432;
const G_DZ: usize = 464;

/**
 * Geometry of two lanes (lane pair `off` = 0 or 16 bytes) of a SIMD group for one subpixel: the
 * diffracted direction, omega where C (re)computes it, and the parallax, into the scratch block.
 * The same IEEE operations as the scalar path (subpixelGeometryF32).
 */
function pairGeometry(off: usize, Fdet: v128, Sdet: f64, Odet: f64, firstSubpixel: bool): void {
  const st = scratch + off;
  const cx = Sdet * sx, cy = Sdet * sy, cz = Sdet * sz;
  const ex = Odet * ox, ey = Odet * oy, ez = Odet * oz;
  const px = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fx)), f64x2.splat(cx)), f64x2.splat(ex)), f64x2.splat(pix0x));
  const py = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fy)), f64x2.splat(cy)), f64x2.splat(ey)), f64x2.splat(pix0y));
  const pz = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(Fdet, f64x2.splat(fz)), f64x2.splat(cz)), f64x2.splat(ez)), f64x2.splat(pix0z));
  const R = f64x2.sqrt(f64x2.add(f64x2.add(f64x2.mul(px, px), f64x2.mul(py, py)), f64x2.mul(pz, pz)));
  // f32 path: one reciprocal instead of three divisions (h moves by an ulp; C's exact order is the f64 path's)
  const invR = f64x2.div(f64x2.splat(1.0), R);
  const dx = f64x2.mul(px, invR), dy = f64x2.mul(py, invR), dz = f64x2.mul(pz, invR);
  v128.store(st + G_DX, dx);
  v128.store(st + G_DY, dy);
  v128.store(st + G_DZ, dz);
  if (firstSubpixel || osOmega) {
    // C: omega_pixel == 0.0 only before the first subpixel of the pixel
    let omega: v128;
    if (pointPixel) omega = f64x2.div(f64x2.div(f64x2.splat(1.0), R), R);
    else omega = f64x2.div(f64x2.mul(f64x2.div(f64x2.div(f64x2.splat(pixelSize * pixelSize), R), R), f64x2.splat(closeDistance)), R);
    v128.store(st + G_OMEGA, omega);
  }
  // parallax, for the capture fraction the group computes for all four lanes at once
  v128.store(st + G_PAR, f64x2.add(f64x2.add(f64x2.mul(dx, f64x2.splat(ox)), f64x2.mul(dy, f64x2.splat(oy))), f64x2.mul(dz, f64x2.splat(oz))));
}

/**
 * The current source (ix, iy, iz, invLambda: useSource) seen by two lanes: the scattering vector from the
 * lanes' diffracted direction, then the polarization where C (re)computes it. As in pixelF32, the Kahn
 * factor re-normalises the direction in place (polarF32Path leaves it in dX, dY, dZ), which the
 * later sources of this subpixel see.
 */
function pairSource(off: usize): void {
  const st = scratch + off;
  const dx = v128.load(st + G_DX), dy = v128.load(st + G_DY), dz = v128.load(st + G_DZ);
  const invL = f64x2.splat(invLambda);
  v128.store(st + G_QX, f64x2.mul(f64x2.sub(dx, f64x2.splat(ix)), invL));
  v128.store(st + G_QY, f64x2.mul(f64x2.sub(dy, f64x2.splat(iy)), invL));
  v128.store(st + G_QZ, f64x2.mul(f64x2.sub(dz, f64x2.splat(iz)), invL));
  const p0 = load<f64>(st + G_POLAR), p1 = load<f64>(st + G_POLAR, 8);
  if (osPolar || p0 == 0.0 || p1 == 0.0) {
    if (kahn == 0.0) {
      const c = f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(ix), dx), f64x2.mul(f64x2.splat(iy), dy)), f64x2.mul(f64x2.splat(iz), dz));
      const pol = f64x2.mul(f64x2.splat(0.5), f64x2.add(f64x2.splat(1.0), f64x2.mul(c, c)));
      if (osPolar || p0 == 0.0) store<f64>(st + G_POLAR, f64x2.extract_lane(pol, 0));
      if (osPolar || p1 == 0.0) store<f64>(st + G_POLAR, f64x2.extract_lane(pol, 1), 8);
    } else {
      for (let j: usize = 0; j < 2; j++) {
        const o = j << 3;
        if (!osPolar && load<f64>(st + G_POLAR + o) != 0.0) continue;
        store<f64>(st + G_POLAR + o, polarF32Path(load<f64>(st + G_DX + o), load<f64>(st + G_DY + o), load<f64>(st + G_DZ + o)));
        store<f64>(st + G_DX + o, dX);
        store<f64>(st + G_DY + o, dY);
        store<f64>(st + G_DZ + o, dZ);
      }
    }
  }
}

/** h, k, l of two lanes (pair `off`) for crystal vectors v, into the scratch block. */
@inline function pairMiller(off: usize, v: usize): void {
  const st = scratch + off;
  const qx = v128.load(st + G_QX), qy = v128.load(st + G_QY), qz = v128.load(st + G_QZ);
  v128.store(st + G_H, dot2(v, qx, qy, qz));
  v128.store(st + G_K, dot2(v + 24, qx, qy, qz));
  v128.store(st + G_L, dot2(v + 48, qx, qy, qz));
}

/** F_cell of lane j (0..3) of the group at evaluation e. */
@inline function laneFcell(j: usize, pixel: i32, e: i32): f32 {
  const o = j << 3;
  return fcellF32(pixel, e, load<f64>(scratch + G_H + o), load<f64>(scratch + G_K + o), load<f64>(scratch + G_L + o));
}

/** Any lane of a pair out of range for tricubic interpolation (outOfRange on two lanes, same operations). */
@inline function pairOutOfRange(off: usize): v128 {
  const st = scratch + off;
  const h = v128.load(st + G_H), k = v128.load(st + G_K), l = v128.load(st + G_L);
  const three = f64x2.splat(3.0), two = f64x2.splat(2.0);
  const hm = f64x2.splat(<f64>hMin), km = f64x2.splat(<f64>kMin), lm = f64x2.splat(<f64>lMin);
  return v128.or(v128.or(
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(h, hm), three), f64x2.splat(<f64>hRange)), f64x2.lt(f64x2.sub(h, two), hm)),
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(k, km), three), f64x2.splat(<f64>kRange)), f64x2.lt(f64x2.sub(k, two), km))),
    v128.or(f64x2.gt(f64x2.add(f64x2.sub(l, lm), three), f64x2.splat(<f64>lRange)), f64x2.lt(f64x2.sub(l, two), lm)));
}

/** True when a lane still interpolating at evaluation e is out of range (the group must bail out). */
function groupMeetsOutOfRange(pixel0: i32, e: i32): bool {
  if (pixel0 + 3 < switchPixel) {
    // every lane is still interpolating
    return v128.any_true(v128.or(pairOutOfRange(0), pairOutOfRange(16)));
  }
  for (let j = 0; j < 4; j++) {
    const o = <usize>j << 3;
    if (interpolating(pixel0 + j, e) && outOfRange(load<f64>(scratch + G_H + o), load<f64>(scratch + G_K + o), load<f64>(scratch + G_L + o))) return true;
  }
  return false;
}

/**
 * The f32-path capture fraction (captureFractionF32: x = (delta mu)/rho in f64, then
 * -expm1(f32(-x)), times exp(f32(-t x)) for t > 0) of the four lanes, stored for the lanes where C
 * recomputes it: every subpixel with -oversample_thick, else while it is 0 (the first subpixel of each
 * layer). The vector exp/expm1 are bit-identical to the scalar ones captureFractionF32 uses.
 */
function groupCapture(t: i32): void {
  const capLo = v128.load(scratch + G_CAP), capHi = v128.load(scratch + G_CAP + 16);
  const zero = f64x2.splat(0.0);
  let maskLo = f64x2.eq(capLo, zero), maskHi = f64x2.eq(capHi, zero);
  if (osThick) {
    maskLo = i64x2.splat(-1);
    maskHi = maskLo;
  } else if (!v128.any_true(v128.or(maskLo, maskHi))) {
    return;
  }
  const dm = f64x2.splat(thickstep * mu);
  const xLo = f64x2.div(dm, v128.load(scratch + G_PAR)), xHi = f64x2.div(dm, v128.load(scratch + G_PAR + 16));
  let c = f32x4.neg(expm1F32x4(demote2x2(f64x2.neg(xLo), f64x2.neg(xHi))));
  if (t != 0) {
    const mt = f64x2.splat(<f64>(-t));
    c = f32x4.mul(expF32x4(demote2x2(f64x2.mul(mt, xLo), f64x2.mul(mt, xHi))), c);
  }
  v128.store(scratch + G_CAP, v128.bitselect(f64x2.promote_low_f32x4(c), capLo, maskLo));
  v128.store(scratch + G_CAP + 16, v128.bitselect(f64x2.promote_low_f32x4(v128.shuffle<f32>(c, c, 2, 3, 2, 3)), capHi, maskHi));
}

/**
 * Four pixels (fpixel .. fpixel+3 of row spixel, all inside the image and the ROI) through the
 * f32 loop together: geometry and h, k, l in f64x2 (two lanes each), the lattice factor and the
 * terms in f32x4, the sums in two f64x2, F_cell per lane. Bit-identical to pixelF32 on each lane. Returns false,
 * having written nothing, when an interpolating lane meets an out-of-range evaluation (the
 * caller then redoes the four pixels one by one, which switches interpolation off at the right
 * evaluation).
 */
function groupF32x4(fpixel: i32, spixel: i32, image: usize): bool {
  if (!ASC_FEATURE_SIMD) return false;
  const pixel0 = spixel * fpixels + fpixel;
  // the first evaluation of the run uses unrotated vectors: leave that group to the scalar path
  if (phiStale != 0 && pixel0 <= firstPixel && firstPixel < pixel0 + 4) return false;
  const polar0 = f64x2.splat(nopolar ? 1.0 : 0.0);
  v128.store(scratch + G_POLAR, polar0);
  v128.store(scratch + G_POLAR + 16, polar0);
  // per-lane sums in f64 (lanes 0, 1 and 2, 3), as pixelF32 sums
  let ILo = f64x2.splat(0), IHi = f64x2.splat(0);
  let e = 0;
  const os = <f64>oversample;
  const half = subpixelSize / 2.0;
  for (let t = 0; t < nLayers; t++) {
    const Odet = <f64>t * thickstep;
    const cap0 = f64x2.splat(thick == 0.0 ? 1.0 : 0.0);
    v128.store(scratch + G_CAP, cap0);
    v128.store(scratch + G_CAP + 16, cap0);
    for (let subS = 0; subS < oversample; subS++) {
      const Sdet = subpixelSize * <f64>(spixel * oversample + subS) + half;
      for (let subF = 0; subF < oversample; subF++) {
        const b = <f64>(fpixel * oversample + subF);
        const sub = f64x2.splat(subpixelSize), hv = f64x2.splat(half);
        const FLo = f64x2.add(f64x2.mul(sub, f64x2.replace_lane(f64x2.splat(b), 1, b + os)), hv);
        const FHi = f64x2.add(f64x2.mul(sub, f64x2.replace_lane(f64x2.splat(b + 2 * os), 1, b + 3 * os)), hv);
        const firstSubpixel = t == 0 && subS == 0 && subF == 0;
        pairGeometry(0, FLo, Sdet, Odet, firstSubpixel);
        pairGeometry(16, FHi, Sdet, Odet, firstSubpixel);
        groupCapture(t);
        for (let src = 0; src < nSources; src++) {
        useSourceVector(src);
        invLambda = 1.0 / lambda;
        pairSource(0);
        pairSource(16);
        for (let step = 0; step < phisteps; step++) {
          const v = phiTable + <usize>step * 72;
          pairMiller(0, v);
          pairMiller(16, v);
          let Flatt = f32x4.splat(1.0);
          if (Na > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_H), v128.load(scratch + G_H + 16), Na));
          if (Nb > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_K), v128.load(scratch + G_K + 16), Nb));
          if (Nc > 1) Flatt = f32x4.mul(Flatt, sincgF32x4(v128.load(scratch + G_L), v128.load(scratch + G_L + 16), Nc));
          if (interpolate && groupMeetsOutOfRange(pixel0, e)) return false;
          let F: v128;
          if (interpolate && pixel0 + 3 < switchPixel) {
            // all four lanes interpolate (and are in range): the 4-wide tricubic kernel, bit-identical to tricubicF32
            tricubicBatchF32x4(gridF32, hMin, kMin, lMin, hRange, kRange, lRange, defaultF,
              scratch + G_H, scratch + G_K, scratch + G_L, 4, scratch + G_F, true);
            F = v128.load(scratch + G_F);
          } else {
            F = f32x4.splat(laneFcell(0, pixel0, e));
            F = f32x4.replace_lane(F, 1, laneFcell(1, pixel0 + 1, e));
            F = f32x4.replace_lane(F, 2, laneFcell(2, pixel0 + 2, e));
            F = f32x4.replace_lane(F, 3, laneFcell(3, pixel0 + 3, e));
          }
          e++;
          const term = f32x4.mul(f32x4.mul(f32x4.mul(F, F), Flatt), Flatt);
          ILo = f64x2.add(ILo, f64x2.promote_low_f32x4(term));
          IHi = f64x2.add(IHi, f64x2.promote_low_f32x4(v128.shuffle<f32>(term, term, 2, 3, 2, 3)));
          if (osThick) { ILo = f64x2.mul(ILo, v128.load(scratch + G_CAP)); IHi = f64x2.mul(IHi, v128.load(scratch + G_CAP + 16)); }
          if (osPolar) { ILo = f64x2.mul(ILo, v128.load(scratch + G_POLAR)); IHi = f64x2.mul(IHi, v128.load(scratch + G_POLAR + 16)); }
          if (osOmega) { ILo = f64x2.mul(ILo, v128.load(scratch + G_OMEGA)); IHi = f64x2.mul(IHi, v128.load(scratch + G_OMEGA + 16)); }
        }
        }
      }
    }
  }
  for (let j = 0; j < 4; j++) {
    const o = <usize>j << 3;
    const Ij = j == 0 ? f64x2.extract_lane(ILo, 0) : j == 1 ? f64x2.extract_lane(ILo, 1) : j == 2 ? f64x2.extract_lane(IHi, 0) : f64x2.extract_lane(IHi, 1);
    finishPixel(pixel0 + j, image, Ij, load<f64>(scratch + G_CAP + o), load<f64>(scratch + G_POLAR + o), load<f64>(scratch + G_OMEGA + o));
  }
  return true;
}

/** a.q for two lanes: v points at the crystal vector (x, y, z f64), C's order x + y + z. */
@inline function dot2(v: usize, qx: v128, qy: v128, qz: v128): v128 {
  return f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(load<f64>(v)), qx), f64x2.mul(f64x2.splat(load<f64>(v, 8)), qy)), f64x2.mul(f64x2.splat(load<f64>(v, 16)), qz));
}
