// Geometry of one evaluation (docs/c-behaviour/minimal-loop.md 5.5-5.10): the sub-pixel position (flat or
// -curved_det), the diffracted direction, each source's incident vector and q, the -dmin cut, the crystal
// vectors of a phi step and h, k, l, the polarization and capture-fraction factors; results in module globals.

import {
  oversample, subpixelSize, pix0x, pix0y, pix0z, fx, fy, fz, sx, sy, sz, ox, oy, oz, ix, iy, iz, lambda, invLambda,
  phisteps, phiTable, phiStale, firstPixel, firstSub, thickstep, mu, kahn, pax, pay, paz, curved, distance, bx, by,
  bz, dmin, sourceTable, nSources, ix0, iy0, iz0, lambda0,
} from './params';

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
export let dX: f64 = 0, dY: f64 = 0, dZ: f64 = 0; // diffracted unit vector
export let airpath: f64 = 0;
export let qX: f64 = 0, qY: f64 = 0, qZ: f64 = 0; // scattering vector (1/m)
export let mh: f64 = 0, mk: f64 = 0, ml: f64 = 0; // fractional Miller indices
let spx: f64 = 0, spy: f64 = 0, spz: f64 = 0; // the sub-pixel's position (m), set by subpixelPosition

/**
 * Whether (pixel, layer, sub-pixel, source) is the run's first run of the phi loop, the one C gives the unrotated
 * crystal vectors when phi starts at 0 (the host's P_FIRST_PIXEL / P_FIRST_SUB: src/simulator/first-evaluation.ts).
 */
@inline export function firstEvaluation(pixel: i32, t: i32, subS: i32, subF: i32, src: i32): bool {
  return pixel == firstPixel && ((t * oversample + subS) * oversample + subF) * nSources + src == firstSub;
}

/** Source k's incident vector and wavelength into ix/iy/iz/lambda. */
@inline export function useSourceVector(k: i32): void {
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
@inline export function useSource(k: i32, f32path: bool): void {
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
@inline export function cutByDmin(): bool {
  if (dmin <= 0.0) return false;
  const x = (dX - ix) / lambda, y = (dY - iy) / lambda, z = (dZ - iz) / lambda;
  const stol = 0.5 * Math.sqrt(x * x + y * y + z * z);
  return stol > 0.0 && dmin > 0.5 / stol;
}

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
@inline export function subpixelGeometry(fpixel: i32, spixel: i32, subF: i32, subS: i32, Odet: f64): void {
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
@inline export function subpixelGeometryF32(fpixel: i32, spixel: i32, subF: i32, subS: i32, Odet: f64): void {
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
@inline export function phiVectors(step: i32, firstEvaluation: bool): usize {
  if (step < phiStale && firstEvaluation) return phiTable + <usize>(phisteps + step) * 72;
  return phiTable + <usize>step * 72;
}

@inline export function millerIndices(v: usize): void {
  mh = load<f64>(v) * qX + load<f64>(v, 8) * qY + load<f64>(v, 16) * qZ;
  mk = load<f64>(v, 24) * qX + load<f64>(v, 32) * qY + load<f64>(v, 40) * qZ;
  ml = load<f64>(v, 48) * qX + load<f64>(v, 56) * qY + load<f64>(v, 64) * qZ;
}

/** C's polarization_factor (physics 5.7), on the unit diffracted vector (dX, dY, dZ). */
export function polarizationFactor(): f64 {
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

/**
 * Polarization on the f32 path: with K = 0 (the default) C's factor is 0.5 (1 + cos^2 2theta); the
 * diffracted vector is already unit to an ulp, so C's re-normalisation is skipped (a 1e-16 effect).
 */
export function polarF32Path(x: f64, y: f64, z: f64): f64 {
  if (kahn == 0.0) {
    const c = ix * x + iy * y + iz * z;
    return 0.5 * (1.0 + c * c);
  }
  dX = x; dY = y; dZ = z;
  return polarizationFactor();
}

/** C's capture fraction of layer t (physics 4.3), exactly in C's operation order. */
@inline export function captureFraction(t: i32, parallax: f64): f64 {
  return Math.exp(<f64>(-t) * thickstep * mu / parallax) - Math.exp(<f64>(-(t + 1)) * thickstep * mu / parallax);
}
