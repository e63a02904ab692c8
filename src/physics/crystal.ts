// Crystal orientation (-cell, -mat, -misset), mosaic domains and crystal size, the way nanoBragg computes them
// (docs/c-behaviour/crystal.md). Pure: no I/O. Every vector operation keeps C's operation order, because the
// f64 image must be bit-identical.

import { Ran1Table, type SeedVar } from './rng.ts';
import { formatG, formatF } from '../util/cformat.ts';

export type Vec3 = [number, number, number];
/** A 3x3 matrix, row-major (C's umat[0..8]). */
export type Mat9 = [number, number, number, number, number, number, number, number, number];

export const RTD = 180.0 * (1 / Math.PI);

export const dot = (x: Vec3, y: Vec3) => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
export const cross = (x: Vec3, y: Vec3): Vec3 => [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
export const magnitude = (v: Vec3) => Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
export const scale = (v: Vec3, s: number): Vec3 => [s * v[0], s * v[1], s * v[2]];
export function rescale(v: Vec3, newMagnitude: number): Vec3 {
  let old = magnitude(v);
  if (old <= 0) old = 1;
  return [(newMagnitude / old) * v[0], (newMagnitude / old) * v[1], (newMagnitude / old) * v[2]];
}

// ---------------------------------------------------------------------------------------------------
// glibc powf(x, (float)(1/3)) for normal x in (0, 1] (docs/c-behaviour/crystal.md: glibc's powf is not correctly rounded)

function hexFloat(s: string): number {
  const m = /^(-?)0x([01])(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(s);
  if (!m) throw new Error(`bad hex float ${s}`);
  const frac = m[3] ?? '';
  const mant = parseInt(m[2] + frac || '0', 16); // at most 53 bits: exact
  const v = mant * 2 ** (Number(m[4]) - 4 * frac.length);
  return m[1] ? -v : v;
}
const hexes = (s: string) => s.trim().split(/\s+/).map(hexFloat);
const INVC = hexes(`0x1.661ec79f8f3bep+0 0x1.571ed4aaf883dp+0 0x1.49539f0f010bp+0 0x1.3c995b0b80385p+0
  0x1.30d190c8864a5p+0 0x1.25e227b0b8eap+0 0x1.1bb4a4a1a343fp+0 0x1.12358f08ae5bap+0
  0x1.0953f419900a7p+0 0x1p+0 0x1.e608cfd9a47acp-1 0x1.ca4b31f026aap-1
  0x1.b2036576afce6p-1 0x1.9c2d163a1aa2dp-1 0x1.886e6037841edp-1 0x1.767dcf5534862p-1`);
const LOGC = hexes(`-0x1.efec65b963019p-2 -0x1.b0b6832d4fca4p-2 -0x1.7418b0a1fb77bp-2 -0x1.39de91a6dcf7bp-2
  -0x1.01d9bf3f2b631p-2 -0x1.97c1d1b3b7afp-3 -0x1.2f9e393af3c9fp-3 -0x1.960cbbf788d5cp-4
  -0x1.a6f9db6475fcep-5 0x0p+0 0x1.338ca9f24f53dp-4 0x1.476a9543891bap-3
  0x1.e840b4ac4e4d2p-3 0x1.40645f0c6651cp-2 0x1.88e9c2c1b9ff8p-2 0x1.ce0a44eb17bccp-2`);
const [A0, A1, A2, A3, A4] = hexes('0x1.27616c9496e0bp-2 -0x1.71969a075c67ap-2 0x1.ec70a6ca7baddp-2 -0x1.7154748bef6c8p-1 0x1.71547652ab82bp0');
const [C0, C1, C2] = hexes('0x1.c6af84b912394p-5 0x1.ebfce50fac4f3p-3 0x1.62e42ff0c52d6p-1');
const EXP2TAB = hexes(`0x1p+0 0x1.059b0d3158574p+0 0x1.0b5586cf9890fp+0 0x1.11301d0125b51p+0 0x1.172b83c7d517bp+0
  0x1.1d4873168b9aap+0 0x1.2387a6e756238p+0 0x1.29e9df51fdee1p+0 0x1.306fe0a31b715p+0
  0x1.371a7373aa9cbp+0 0x1.3dea64c123422p+0 0x1.44e086061892dp+0 0x1.4bfdad5362a27p+0
  0x1.5342b569d4f82p+0 0x1.5ab07dd485429p+0 0x1.6247eb03a5585p+0 0x1.6a09e667f3bcdp+0
  0x1.71f75e8ec5f74p+0 0x1.7a11473eb0187p+0 0x1.82589994cce13p+0 0x1.8ace5422aa0dbp+0
  0x1.93737b0cdc5e5p+0 0x1.9c49182a3f09p+0 0x1.a5503b23e255dp+0 0x1.ae89f995ad3adp+0
  0x1.b7f76f2fb5e47p+0 0x1.c199bdd85529cp+0 0x1.cb720dcef9069p+0 0x1.d5818dcfba487p+0
  0x1.dfc97337b9b5fp+0 0x1.ea4afa2a490dap+0 0x1.f50765b6e454p+0`);
const THIRD_F32 = Math.fround(1.0 / 3.0);
const SHIFT = 211106232532992.0; // 1.5 * 2^47: rounds to a multiple of 1/32
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** glibc powf(x, fround(1/3)) for a normal float x in (0, 1] (the only inputs mosaic_rotation_umat makes, bar 0). */
export function powfThird(x: number): number {
  f32buf[0] = x;
  const ix = u32buf[0];
  if (ix === 0) return 0; // powf(0, y > 0) = 0 (r3 = +-1 exactly)
  const tmp = (ix - 0x3f330000) >>> 0;
  const i = (tmp >>> 19) & 15;
  const top = (tmp & 0xff800000) | 0;
  const k = top >> 23;
  u32buf[0] = (ix - top) >>> 0;
  const z = f32buf[0];
  const r = z * INVC[i] - 1;
  const y0 = LOGC[i] + k;
  const r2 = r * r, r4 = r2 * r2;
  let q = A4 * r + y0;
  q = (A2 * r + A3) * r2 + q;
  const L = (A0 * r + A1) * r4 + q;
  const w = THIRD_F32 * L;
  const kd = (w + SHIFT) - SHIFT;
  const kk = Math.round(kd * 32) | 0;
  const d = w - kd;
  const S = EXP2TAB[kk & 31] * 2 ** ((kk - (kk & 31)) / 32);
  return Math.fround(((C0 * d + C1) * (d * d) + (C2 * d + 1)) * S);
}

// ---------------------------------------------------------------------------------------------------
// Rotations

/** C's mosaic_rotation_umat(spread, umat, &seed): a random rotation of at most `spread` radians (docs/c-behaviour/crystal.md). */
export function mosaicRotationUmat(spread: number, rng: Ran1Table, seed: SeedVar): Mat9 {
  const m = Math.fround(spread);
  const r1 = 2.0 * rng.next(seed) - 1.0;
  const r2 = 2.0 * rng.next(seed) - 1.0;
  const r3 = 2.0 * rng.next(seed) - 1.0;
  const xyrad = Math.sqrt(1.0 - r2 * r2);
  const rot = Math.fround(m * powfThird(Math.fround(1.0 - r3 * r3)));
  const v1 = xyrad * Math.sin(Math.PI * r1);
  const v2 = xyrad * Math.cos(Math.PI * r1);
  const v3 = r2;
  const c = Math.cos(rot), t = 1.0 - c, s = Math.sin(rot);
  const t3 = v1 * v1, t6 = t * v1, t7 = t6 * v2, t9 = s * v3, t11 = t6 * v3, t12 = s * v2;
  const t15 = v2 * v2, t19 = t * v2 * v3, t20 = s * v1, t24 = v3 * v3;
  return [c + t * t3, t7 - t9, t11 + t12, t7 + t9, c + t * t15, t19 - t20, t11 - t12, t19 + t20, c + t * t24];
}

/** C's umat2misset: rotation angles (x, y, z) of a rotation matrix; rows normalised twice, as C does. */
export function umat2misset(u: Mat9): Vec3 {
  let [xx, xy, xz, yx, yy, yz, zx, zy, zz] = u;
  for (let pass = 0; pass < 2; pass++) {
    // (C also replaces zero rows by cross products of the others; a rotation never has one)
    const mx = Math.sqrt(xx * xx + xy * xy + xz * xz);
    const my = Math.sqrt(yx * yx + yy * yy + yz * yz);
    const mz = Math.sqrt(zx * zx + zy * zy + zz * zz);
    if (mx > 0) { xx /= mx; xy /= mx; xz /= mx; }
    if (my > 0) { yx /= my; yy /= my; yz /= my; }
    if (mz > 0) { zx /= mz; zy /= mz; zz /= mz; }
  }
  if (zx * zx < 1.0) {
    return [Math.atan2(zy, zz), Math.atan2(-zx, Math.sqrt(zy * zy + zz * zz)), Math.atan2(yx, xx)];
  }
  return [Math.atan2(1, 1) * 4, Math.atan2(1, 1) * 2, Math.atan2(xy, -yy)];
}

/** C's rotate(v, rx, ry, rz): about fixed x, then y, then z; an angle of exactly 0 is skipped. */
export function rotateXYZ(v: Vec3, rx: number, ry: number, rz: number): Vec3 {
  let [x, y, z] = v;
  if (rx !== 0) {
    const c = Math.cos(rx), s = Math.sin(rx);
    [y, z] = [y * c + z * -s, y * s + z * c];
  }
  if (ry !== 0) {
    const c = Math.cos(ry), s = Math.sin(ry);
    [x, z] = [x * c + y * 0 + z * s, x * -s + y * 0 + z * c];
  }
  if (rz !== 0) {
    const c = Math.cos(rz), s = Math.sin(rz);
    [x, y] = [x * c + y * -s, x * s + y * c];
  }
  return [x, y, z];
}

/** C's rotate_umat: U v with each row summed left to right. */
export function rotateUmat(v: Vec3, u: Mat9 | readonly number[]): Vec3 {
  return [
    u[0] * v[0] + u[1] * v[1] + u[2] * v[2],
    u[3] * v[0] + u[4] * v[1] + u[5] * v[2],
    u[6] * v[0] + u[7] * v[1] + u[8] * v[2],
  ];
}

// ---------------------------------------------------------------------------------------------------
// -mat

/**
 * The first 9 numbers of a MOSFLM A matrix file, tokenised as C's fscanf("%lg") does (touching Fortran fields
 * such as `0.01-0.02` are two numbers). Returns the numbers read; fewer than 9 when a non-number or the end
 * comes first.
 */
export function readMatrixNumbers(text: string): number[] {
  const out: number[] = [];
  const re = /\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
  let pos = 0;
  while (out.length < 9) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    out.push(Number(m[1]));
    pos = re.lastIndex;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The whole crystal set-up

export interface CrystalInput {
  cell?: readonly number[];
  /** The 9 numbers of the -mat file (group 1 = x components of a*, b*, c*, ...). */
  matrix?: readonly number[];
  matrixName?: string;
  /** Wavelength in m (the -mat scale is 1e-10/lambda). */
  lambda: number;
  /** Fixed misset angles in radians, or 'random'. */
  misset?: Vec3 | 'random';
  missetSeed: number;
  mosaicSpread: number; // radians, < 0: not given
  mosaicDomains: number; // < 1: not given
  mosaicSeed: number;
  N: Vec3; // raw -N values
  /** Sample sizes in m along a, b, c (0 or less: use N); already clipped by the beam. */
  sample: Vec3;
}

export interface CrystalSetup {
  Na: number;
  Nb: number;
  Nc: number;
  a0: Vec3; // m
  b0: Vec3;
  c0: Vec3;
  aStar: Vec3; // 1/Angstrom, regenerated from the real cell
  bStar: Vec3;
  cStar: Vec3;
  volume: number;
  cellLengths: Vec3; // Angstrom
  /** Effective spread (radians; 0 = no mosaic) and the domain matrices (domain 0 = identity). */
  mosaicSpread: number;
  umats: Mat9[];
  /** The shared ran1 table and the noise-free streams' seeds, left as C leaves them (the noise image continues it). */
  rng: Ran1Table;
  messages: string[];
  warnings: string[];
}

export class CrystalError extends Error {}

/** C's crystal set-up, M:1635-1667 (domain rules), 1789-1956 (orientation), 2046-2070 (N), 2433-2454 (mosaic). */
export function setupCrystal(inp: CrystalInput): CrystalSetup {
  const messages: string[] = [];
  const warnings: string[] = [];
  let aS: Vec3 = [0, 0, 0], bS: Vec3 = [0, 0, 0], cS: Vec3 = [0, 0, 0];
  let a0l = 0, b0l = 0, c0l = 0, VcellUser = 0;
  if (inp.cell) {
    const cell = inp.cell;
    [a0l, b0l, c0l] = cell;
    let alpha = cell[3] / RTD, beta = cell[4] / RTD, gamma = cell[5] / RTD;
    if (b0l <= 0) b0l = a0l;
    if (c0l <= 0) c0l = a0l;
    if (alpha <= 0) alpha = Math.PI / 2;
    if (beta <= 0) beta = Math.PI / 2;
    if (gamma <= 0) gamma = Math.PI / 2;
    const aavg = (alpha + beta + gamma) / 2;
    let skew = Math.sin(aavg) * Math.sin(aavg - alpha) * Math.sin(aavg - beta) * Math.sin(aavg - gamma);
    if (skew < 0) skew = -skew;
    const V = 2.0 * a0l * b0l * c0l * Math.sqrt(skew);
    if (V <= 0) throw new CrystalError(`impossible unit cell volume for -cell ${cell.join(' ')}`);
    VcellUser = V;
    const Vstar = 1.0 / V;
    const asl = b0l * c0l * Math.sin(alpha) * Vstar;
    const bsl = c0l * a0l * Math.sin(beta) * Vstar;
    const csl = a0l * b0l * Math.sin(gamma) * Vstar;
    let sinGammaStar = c0l * Vstar / asl / bsl;
    let cosAlphaStar = (Math.cos(beta) * Math.cos(gamma) - Math.cos(alpha)) / (Math.sin(beta) * Math.sin(gamma));
    let cosBetaStar = (Math.cos(gamma) * Math.cos(alpha) - Math.cos(beta)) / (Math.sin(gamma) * Math.sin(alpha));
    let cosGammaStar = (Math.cos(alpha) * Math.cos(beta) - Math.cos(gamma)) / (Math.sin(alpha) * Math.sin(beta));
    if (sinGammaStar > 1) sinGammaStar = 1;
    if (sinGammaStar < -1) sinGammaStar = -1;
    if (cosAlphaStar * cosAlphaStar > 1) cosAlphaStar = 1;
    if (cosBetaStar * cosBetaStar > 1) cosBetaStar = 1;
    if (cosGammaStar * cosGammaStar > 1) cosGammaStar = 1;
    aS = [asl, 0, 0];
    bS = [bsl * cosGammaStar, bsl * sinGammaStar, 0];
    cS = [
      csl * cosBetaStar,
      csl * (cosAlphaStar - cosBetaStar * cosGammaStar) / sinGammaStar,
      csl * V / (a0l * b0l * c0l * sinGammaStar),
    ];
  }
  if (inp.matrix) {
    const m = inp.matrix;
    aS = [m[0], m[3], m[6]];
    bS = [m[1], m[4], m[7]];
    cS = [m[2], m[5], m[8]];
    if (inp.matrixName !== undefined) messages.push(`reading ${inp.matrixName}`);
    const s = 1e-10 / inp.lambda;
    aS = scale(aS, s);
    bS = scale(bS, s);
    cS = scale(cS, s);
  }

  const rng = new Ran1Table();
  let misset = inp.misset;
  if (misset === 'random') {
    const u = mosaicRotationUmat(90.0, rng, { idum: inp.missetSeed });
    misset = umat2misset(u);
    const f = (x: number) => (x * RTD).toFixed(6);
    messages.push(`random orientation misset angles: ${f(misset[0])} ${f(misset[1])} ${f(misset[2])} deg`);
  }
  if (misset) {
    aS = rotateXYZ(aS, ...misset);
    bS = rotateXYZ(bS, ...misset);
    cS = rotateXYZ(cS, ...misset);
  }

  let aXb = cross(aS, bS), bXc = cross(bS, cS), cXa = cross(cS, aS);
  let Vstar = dot(aS, bXc);
  if (inp.cell) {
    bXc = rescale(bXc, a0l / VcellUser);
    cXa = rescale(cXa, b0l / VcellUser);
    aXb = rescale(aXb, c0l / VcellUser);
    Vstar = 1.0 / VcellUser;
  }
  const Vcell = 1.0 / Vstar;
  const a = scale(bXc, Vcell), b = scale(cXa, Vcell), c = scale(aXb, Vcell);
  aS = scale(cross(b, c), Vstar);
  bS = scale(cross(c, a), Vstar);
  cS = scale(cross(a, b), Vstar);

  messages.push(...cellPrintout(a, b, c, aS, bS, cS, Vcell, Vstar, warnings));

  const a0 = scale(a, 1e-10), b0 = scale(b, 1e-10), c0 = scale(c, 1e-10);
  const lengths: Vec3 = [magnitude(a0), magnitude(b0), magnitude(c0)];
  const N: Vec3 = [...inp.N];
  for (let i = 0; i < 3; i++) {
    if (inp.sample[i] > 0) N[i] = Math.ceil(inp.sample[i] / lengths[i]);
    if (N[i] <= 1) N[i] = 1;
  }
  messages.push(`crystal is ${formatG(lengths[0] * N[0] * 1e6)} x ${formatG(lengths[1] * N[1] * 1e6)} x ${formatG(lengths[2] * N[2] * 1e6)} microns`);

  // mosaic domains (M:1635-1667), then their matrices (M:2433-2454): 3 draws per domain, always
  let spread = inp.mosaicSpread, domains = inp.mosaicDomains;
  if (domains <= 0) {
    if (spread < 0) { domains = 1; spread = 0; }
    else if (spread === 0) domains = 1;
    else {
      warnings.push('WARNING: finite mosaicity with only one domain! upping to 10 mosaic domains');
      domains = 10;
    }
  } else if (spread < 0) {
    warnings.push('WARNING: no mosaic spread specified.  setting mosaic_domains = 1');
    spread = 0;
    domains = 1;
  } else if (spread === 0) {
    warnings.push('WARNING: zero mosaic spread specified.  setting mosaic_domains = 1');
    domains = 1;
  }
  const mseed = { idum: inp.mosaicSeed };
  const umats: Mat9[] = [];
  for (let d = 0; d < domains; d++) {
    const u = mosaicRotationUmat(spread, rng, mseed);
    umats.push(d === 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : u);
  }
  messages.push(`  created a total of ${domains} mosaic domains`);

  return {
    Na: N[0], Nb: N[1], Nc: N[2], a0, b0, c0, aStar: aS, bStar: bS, cStar: cS,
    volume: Vcell,
    cellLengths: [magnitude(a), magnitude(b), magnitude(c)],
    mosaicSpread: spread, umats, rng, messages, warnings,
  };
}


/** C's cell printout (M:1959-2044): cell and reciprocal cell with angles, volume, then both sets of vectors. */
function cellPrintout(a: Vec3, b: Vec3, c: Vec3, aS: Vec3, bS: Vec3, cS: Vec3, V: number, Vstar: number, warnings: string[]): string[] {
  const clampSin = (x: number) => (x > 1 ? 1 : x < -1 ? -1 : x);
  const clampCos = (x: number) => (x * x > 1 ? 1 : x);
  const angles = (p: Vec3, q: Vec3, r: Vec3, ps: Vec3, qs: Vec3, rs: Vec3, vol: number, title: string, names: string[]) => {
    const [lp, lq, lr, lps, lqs, lrs] = [p, q, r, ps, qs, rs].map(magnitude);
    const sc = [lps * vol / lq / lr, dot(q, r) / lq / lr, lqs * vol / lp / lr, dot(p, r) / lp / lr, lrs * vol / lp / lq, dot(p, q) / lp / lq];
    // C's "oddball" warning (M:1965-1972, 2008-2016), printed before the cell lines
    if (sc.some((x) => x > 1.0000001 || x < -1.0000001)) warnings.push(title, ...names.map((n, i) => `${n} = ${formatG(sc[i], 25)}`));
    return [
      Math.atan2(clampSin(sc[0]), clampCos(sc[1])),
      Math.atan2(clampSin(sc[2]), clampCos(sc[3])),
      Math.atan2(clampSin(sc[4]), clampCos(sc[5])),
    ];
  };
  const real = angles(a, b, c, aS, bS, cS, V, 'WARNING: oddball cell angles:',
    ['sin_alpha', 'cos_alpha', 'sin_beta ', 'cos_beta ', 'sin_gamma', 'cos_gamma']);
  const recip = angles(aS, bS, cS, a, b, c, Vstar, 'WARNING: oddball reciprocal cell angles:',
    ['sin(alpha_star)', 'cos(alpha_star)', 'sin(beta_star) ', 'cos(beta_star) ', 'sin(gamma_star)', 'cos(gamma_star)']);
  const g = (xs: number[]) => xs.map((x) => formatG(x)).join(' ');
  const f = (x: number) => formatF(x, 8).padStart(11);
  const rows = (p: Vec3, q: Vec3, r: Vec3) => ['X', 'Y', 'Z'].map((n, i) => `${n}: ${f(p[i])} ${f(q[i])} ${f(r[i])}`);
  const head = (x: string, y: string, z: string) => `     ${x.padEnd(10)}  ${y.padEnd(10)}  ${z.padEnd(10)}`;
  return [
    `Unit Cell: ${g([magnitude(a), magnitude(b), magnitude(c), ...real.map((x) => x * RTD)])}`,
    `Recp Cell: ${g([magnitude(aS), magnitude(bS), magnitude(cS), ...recip.map((x) => x * RTD)])}`,
    `volume = ${formatG(V)} A^3`,
    'real-space cell vectors (Angstrom):',
    head('a', 'b', 'c'),
    ...rows(a, b, c),
    'reciprocal-space cell vectors (Angstrom^-1):',
    head('a_star', 'b_star', 'c_star'),
    ...rows(aS, bS, cS),
  ];
}
