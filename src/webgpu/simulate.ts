// The nanoBragg pixel loop on WebGPU (docs/c-behaviour/minimal-loop.md 5.11): the WGSL twin of assembly/simulate.ts, pure f32 with
// the fixes of docs/precision.md, plus the switch-off pre-pass kernel and the uniform block both read.
//
// Same semantics as simulateF64/simulateF32: one thread per pixel; loop order layer, sub-slow, sub-fast, source, phi
// (the source list uploaded after the phi table, sourceRecords; the -dmin cut per subpixel and source;
// -curved_det positions on the sphere, curved_position; C's water background, refused for now in refusals.ts);
// the omega of the first subpixel of layer 0, the polarization of the first evaluation and the capture fraction
// of the first subpixel of each layer ("last value" rules, docs/c-behaviour/minimal-loop.md 4.4, 5.5, 5.7), or the running products of
// -oversample_thick/_polar/_omega; the F_latt == 0 skip for the non-square shapes (3.6); tricubic before the
// switch-off evaluation and nearest neighbour from it on (3.5), the switch found by the pre-pass.
//
// Precision (docs/precision.md, pure-f32 path; no f64 in WGSL):
//  1. sincg range-reduced: n = round(h), f = h - n (exact), sin(N pi f) / sin(pi f) * (-1)^((N-1) n), with our
//     own sinpi polynomial (relative accuracy; never WGSL's sin, fix 5).
//  2. d - i without cancellation, beam along +x: ( -(Py^2+Pz^2) / (R (R + Px)), Py / R, Pz / R ); a/lambda,
//     b/lambda, c/lambda from the host; subpixels placed as integer offsets from an anchor subpixel near the beam,
//     whose position the host computes in f64, so Py and Pz carry relative (not absolute) f32 errors.
//  3. capture fraction as -exp(-t x) expm1(-x) (src/webgpu/absorption.ts).
//  4. polarization cos(2 psi) = (E^2 - B^2) / (E^2 + B^2), sin^2(2 theta) = (Py^2 + Pz^2) / R^2 (no atan2, no
//     1 - cos^2 cancellation).
// Measured against the C images: see tests/webgpu.test.ts (worst ratio to the tolerance per golden case).
// No float pairs are needed in this kernel: with fixes 1-4 the f32 error stays well inside the tolerance on
// every golden case; only the batched tricubic kernel (src/webgpu/tricubic.ts) reads float-pair inputs.

import type { Simulation, Vec3 } from '../simulator/setup.ts';
import { R_E_SQR } from '../simulator/setup.ts';
import { ABSORPTION_WGSL } from './absorption.ts';
import { MATHX_WGSL } from './mathx.ts';
import type { SimulateVariant } from './select.ts';
import { switchWgsl, NO_UNIT } from './switchoff.ts';
import { tophatLookupWgsl, tophatW, TOPHAT_DELTA_REL, TOPHAT_SCAN_FACTOR } from './tophat.ts';
import { TRICUBIC_RANGE_WGSL, TRICUBIC_WGSL } from './tricubic.ts';
import { TILE, uniformLayout } from './uniforms.ts';

export const SIM = uniformLayout('Sim', [
  ['anchor', 'vec4f'], // P of the anchor subpixel (anchorF, anchorS) at depth 0 (m)
  ['fStep', 'vec4f'], // subpixel * fdet
  ['sStep', 'vec4f'], // subpixel * sdet
  ['oStep', 'vec4f'], // thickstep * odet
  ['odet', 'vec4f'],
  ['astar', 'vec4f'], ['bstar', 'vec4f'], ['cstar', 'vec4f'], // 1/Angstrom, for the non-square shapes
  ['fpixels', 'u32'], ['spixels', 'u32'], ['oversample', 'u32'], ['nLayers', 'u32'],
  ['anchorF', 'i32'], ['anchorS', 'i32'], ['phisteps', 'u32'], ['phi0IsZero', 'u32'],
  ['firstPixel', 'u32'], ['switchPixel', 'u32'], ['switchEval', 'u32'], ['nopolar', 'u32'],
  ['hMin', 'i32'], ['kMin', 'i32'], ['lMin', 'i32'], ['pointPixel', 'u32'],
  ['hRange', 'i32'], ['kRange', 'i32'], ['lRange', 'i32'], ['imageOrigin', 'u32'], // raster index of image[0] (row bands)
  ['roiXmin', 'i32'], ['roiXmax', 'i32'], ['roiYmin', 'i32'], ['roiYmax', 'i32'],
  ['Na', 'f32'], ['Nb', 'f32'], ['Nc', 'f32'], ['fudge', 'f32'],
  ['defaultF', 'f32'], ['pixelSize', 'f32'], ['closeDistance', 'f32'], ['kahn', 'f32'],
  ['deltaMu', 'f32'], ['thick', 'f32'], ['scale', 'f32'], ['guardAbs', 'f32'],
  ['guardRel', 'f32'], ['nOverride', 'u32'], ['overrideWords', 'u32'], ['tophatW', 'f32'], // tophat decisions (tophat.ts)
  ['srcBase', 'u32'], ['nSources', 'u32'], ['water', 'u32'], ['curved', 'u32'], // sources: records after the phi table (sourceRecords)
  ['Ibg', 'f32'], ['dminOn', 'u32'], ['distance', 'f32'], ['firstSub', 'u32'],
  ['curvY', 'vec4f'], ['curvZ', 'vec4f'], // -curved_det: lab y, z of the flat position = x + di y + dj z + t w (anchor offsets)
  ['beamV', 'vec4f'], ['fUnit', 'vec4f'], ['sUnit', 'vec4f'], // -curved_det: distance * beam, fdet, sdet (kernel frame)
] as const);

/** vec4 records per source after the phi table: (x - i, lambda0 / lambda), (i, dmin threshold), E, B. */
export const SOURCE_VEC4S = 4;

/** Pre-pass guard: an f32 range margin within guardAbs + guardRel * max(|h|,|k|,|l|) of 0 is re-checked in f64. */
export const GUARD_ABS = 1e-4;
export const GUARD_REL = 2 ** -16;

const cross = (x: Vec3, y: Vec3): Vec3 => [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
function unit(v: Vec3): Vec3 {
  const m = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return m !== 0 ? [v[0] / m, v[1] / m, v[2] / m] : [0, 0, 0];
}

/**
 * The lab -> kernel frame rotation: the kernel takes the beam along +x, so for another incident direction every
 * vector it reads (detector, polarization, crystal) is turned rigidly so that the incident beam becomes +x
 * (dot products, lengths and angles are unchanged). Identity (no arithmetic at all) when the beam is +x.
 */
export function beamFrame(sim: Simulation): (v: ArrayLike<number>) => Vec3 {
  const i = sim.incident;
  if (i[0] === 1 && i[1] === 0 && i[2] === 0) return (v) => [v[0], v[1], v[2]];
  const e1 = unit([i[0], i[1], i[2]]);
  const ax = [Math.abs(e1[0]), Math.abs(e1[1]), Math.abs(e1[2])];
  const h: Vec3 = ax[0] <= ax[1] && ax[0] <= ax[2] ? [1, 0, 0] : ax[1] <= ax[2] ? [0, 1, 0] : [0, 0, 1];
  const hd = h[0] * e1[0] + h[1] * e1[1] + h[2] * e1[2];
  const e2 = unit([h[0] - hd * e1[0], h[1] - hd * e1[1], h[2] - hd * e1[2]]);
  const e3 = cross(e1, e2);
  const dotv = (e: Vec3, v: ArrayLike<number>) => e[0] * v[0] + e[1] * v[1] + e[2] * v[2];
  return (v) => [dotv(e1, v), dotv(e2, v), dotv(e3, v)];
}

/**
 * The subpixel indices (f, s) nearest to where the beam meets the detector plane: fix 2 places every subpixel
 * as an integer offset from it. Falls back to the detector centre if the beam runs parallel to the detector.
 */
export function anchorSubpixel(sim: Simulation): { f: number; s: number } {
  const d0 = sim.detector, rot = beamFrame(sim);
  const d = { ...d0, pix0: rot(d0.pix0), fdet: rot(d0.fdet), sdet: rot(d0.sdet) };
  const sub = d.pixel / sim.oversample;
  // (in the kernel frame) P(F, S) = pix0 + F fdet + S sdet has y = z = 0 (on the beam axis +x): solve the 2x2 system for F, S
  const [fy, fz] = [d.fdet[1], d.fdet[2]], [sy, sz] = [d.sdet[1], d.sdet[2]];
  const det = fy * sz - fz * sy;
  let F = d.fpixels * d.pixel / 2, S = d.spixels * d.pixel / 2;
  if (Math.abs(det) > 1e-9) {
    const ry = -d.pix0[1], rz = -d.pix0[2];
    F = (ry * sz - rz * sy) / det;
    S = (fy * rz - fz * ry) / det;
  }
  const clampIdx = (x: number) => Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(x / sub - 0.5)));
  return { f: clampIdx(F), s: clampIdx(S) };
}

/**
 * The uniform block for `sim` with the switch-off point (raster pixel, local raw evaluation index), the raster
 * index of the image buffer's first pixel (`imageOrigin`, non-zero when the image goes through in row bands) and
 * the size of the tophat decision table (src/webgpu/tophat.ts).
 */
export function simUniforms(sim: Simulation, switchPixel = NO_UNIT, switchEval = NO_UNIT, imageOrigin = 0,
                            overrides: { count: number; words: number } = { count: 0, words: 0 }): ArrayBuffer {
  const d = sim.detector, c = sim.crystal, g = sim.grid, L = sim.layers;
  const rot = beamFrame(sim);
  const sub = d.pixel / sim.oversample;
  const a = anchorSubpixel(sim);
  // the anchor's position exactly as C computes any subpixel's (docs/c-behaviour/minimal-loop.md 5.5), in f64
  const Fdet = sub * a.f + sub / 2.0, Sdet = sub * a.s + sub / 2.0;
  const anchorLab = [0, 1, 2].map((i) => Fdet * d.fdet[i] + Sdet * d.sdet[i] + 0 * d.odet[i] + d.pix0[i]);
  const anchor: Vec3 = rot(anchorLab);
  // -curved_det (docs/c-behaviour/detector.md): the sphere angles come from the flat position's lab y and z, as
  // affine offsets from the anchor (relative f32 errors, like the flat position itself)
  const labRow = (i: number) => [anchorLab[i], sub * d.fdet[i], sub * d.sdet[i], L.thickstep * d.odet[i]];
  const scale = R_E_SQR * sim.fluence / sim.steps;
  const big = (x: number) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, x));
  return SIM.pack({
    anchor, fStep: rot(d.fdet).map((x) => sub * x), sStep: rot(d.sdet).map((x) => sub * x), oStep: rot(d.odet).map((x) => L.thickstep * x),
    odet: rot(d.odet), astar: rot(c.aStar), bstar: rot(c.bStar), cstar: rot(c.cStar),
    fpixels: d.fpixels, spixels: d.spixels, oversample: sim.oversample, nLayers: L.nLayers,
    anchorF: a.f, anchorS: a.s, phisteps: sim.phi.entries, phi0IsZero: sim.phi.staleSlots,
    firstPixel: sim.firstPixel, switchPixel, switchEval, nopolar: sim.loop.nopolar ? 1 : 0,
    hMin: g?.hMin ?? 0, kMin: g?.kMin ?? 0, lMin: g?.lMin ?? 0, pointPixel: sim.loop.pointPixel ? 1 : 0,
    hRange: g?.hRange ?? 1, kRange: g?.kRange ?? 1, lRange: g?.lRange ?? 1, imageOrigin,
    roiXmin: big(sim.roi.xmin), roiXmax: big(sim.roi.xmax), roiYmin: big(sim.roi.ymin), roiYmax: big(sim.roi.ymax),
    Na: c.Na, Nb: c.Nb, Nc: c.Nc, fudge: sim.loop.fudge,
    defaultF: sim.defaultF, pixelSize: d.pixel, closeDistance: d.closeDistance, kahn: sim.loop.kahn,
    deltaMu: L.thickstep * L.mu, thick: L.thick, scale, guardAbs: GUARD_ABS,
    guardRel: GUARD_REL, nOverride: overrides.count, overrideWords: overrides.words, tophatW: tophatW(sim),
    srcBase: (sim.phi.table.length / 9) * 3, nSources: sim.sources.count, water: sim.loop.water ? 1 : 0,
    curved: sim.loop.curved ? 1 : 0, Ibg: sim.Ibg, dminOn: sim.loop.dmin > 0 ? 1 : 0, distance: d.distance, firstSub: sim.firstSub,
    curvY: labRow(1), curvZ: labRow(2), beamV: rot(d.beam).map((x) => d.distance * x), fUnit: rot(d.fdet), sUnit: rot(d.sdet),
  });
}

/**
 * Crystal vectors divided by lambda0 (the run's lambda), per phi step (+ a0, b0, c0 last), as vec4 triples (f32),
 * then the source records (sourceRecords).
 */
export function phiTableF32(sim: Simulation): Float32Array {
  const t = sim.phi.table;
  const rows = t.length / 9;
  const records = sourceRecords(sim);
  const out = new Float32Array(rows * 12 + records.length);
  const rot = beamFrame(sim);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < 3; v++) {
      const x = rot(t.subarray(r * 9 + v * 3, r * 9 + v * 3 + 3));
      for (let i = 0; i < 3; i++) out[r * 12 + v * 4 + i] = x[i] / sim.lambda;
    }
  }
  out.set(records, rows * 12);
  return out;
}

/**
 * The source list (src/physics/sources.ts, C's order; built once on the host in f64) as SOURCE_VEC4S vec4 per source,
 * in the kernel frame (beamFrame: the run's incident beam along +x):
 *   (x - i_k, lambda0 / lambda_k): d - i_k = (d - x) + (x - i_k) keeps fix 2's cancellation-free d - x, and
 *     h = (a / lambda0) . (d - i_k) lambda0 / lambda_k; both exact (0 and 1) for the run's own source;
 *   (i_k, (lambda_k / dmin)^2): C's -dmin cut |(d - i_k) / lambda_k| > 1 / dmin as |d - i_k|^2 > (lambda_k / dmin)^2;
 *   E_k = unit(i_k x B_k), B_k = unit(axis x i_k): the Kahn polarization per source (0 without -polarization).
 */
export function sourceRecords(sim: Simulation): Float32Array {
  const n = sim.sources.count, T = sim.sources.table, i0 = sim.incident, axis = sim.detector.polarAxis;
  const rot = beamFrame(sim);
  const out = new Float32Array(n * SOURCE_VEC4S * 4);
  for (let k = 0; k < n; k++) {
    const i: Vec3 = [T[4 * k], T[4 * k + 1], T[4 * k + 2]], lambda = T[4 * k + 3];
    const delta = rot([i0[0] - i[0], i0[1] - i[1], i0[2] - i[2]]);
    const dmin = sim.loop.dmin;
    const thr = dmin > 0 ? (lambda / dmin) * (lambda / dmin) : 0;
    let E: Vec3 = [0, 0, 0], B: Vec3 = [0, 0, 0];
    if (sim.loop.kahn !== 0) {
      B = unit(cross(axis, i));
      E = rot(unit(cross(i, B)));
      B = rot(B);
    }
    out.set([...delta, sim.lambda / lambda, ...rot(i), thr, ...E, 0, ...B, 0], k * SOURCE_VEC4S * 4);
  }
  return out;
}

/** The shader variant `sim` needs (workgroup size from the engine). */
export function simulateVariant(sim: Simulation, workgroupSize: number): SimulateVariant {
  return {
    shape: sim.shape,
    interpolate: sim.interpolate && !!sim.grid,
    hkls: !!sim.grid,
    layers: sim.layers.nLayers > 1,
    oversampleThick: sim.loop.oversampleThick,
    oversamplePolar: sim.loop.oversamplePolar,
    oversampleOmega: sim.loop.oversampleOmega,
    workgroupSize,
  };
}

function header(v: SimulateVariant): string {
  return /* wgsl */ `
const WG: u32 = ${v.workgroupSize}u;
const SHAPE: u32 = ${v.shape}u;
const INTERPOLATE: bool = ${v.interpolate};
const HKLS: bool = ${v.hkls};
const LAYERS: bool = ${v.layers};
const OS_THICK: bool = ${v.oversampleThick};
const OS_POLAR: bool = ${v.oversamplePolar};
const OS_OMEGA: bool = ${v.oversampleOmega};
${TILE.wgsl}
${SIM.wgsl}
@group(0) @binding(0) var<uniform> U: Sim;
@group(0) @binding(1) var<uniform> tile: Tile;
@group(0) @binding(2) var<storage, read> phi: array<vec4<f32>>;
${MATHX_WGSL}
`;
}

/** Geometry, Miller indices and lattice factor: shared by the pre-pass and the pixel loop. */
const EVALUATION_WGSL = /* wgsl */ `
// ---- one evaluation's geometry (docs/c-behaviour/minimal-loop.md 5.5, 5.6; docs/precision.md fix 2) ----
struct Ray {
  P: vec3<f32>,   // subpixel position (m)
  R: f32,         // |P|
  dmi: vec3<f32>, // d - i, i = +x
}

// C's rotate_axis (Rodrigues) by angle a about the unit axis, with our sinpi (WGSL's sin is too coarse, fix 5)
// and 1 - cos a = 2 sin^2(a / 2) without cancellation.
fn rotate_axis(v: vec3<f32>, axis: vec3<f32>, a: f32) -> vec3<f32> {
  let S = sinpi_wide(a * 0.318309886183791);
  let h = sinpi_wide(a * 0.159154943091895);
  let omc = 2.0 * h * h;
  return axis * (dot(axis, v) * omc) + v * (1.0 - omc) + cross(axis, v) * S;
}

// -curved_det (docs/c-behaviour/detector.md): distance * beam turned about the slow axis by the flat position's lab
// y / distance, then about the fast axis by its lab z / distance; |P| = distance for every subpixel and layer.
fn curved_position(di: f32, dj: f32, t: f32) -> vec3<f32> {
  let py = U.curvY.x + di * U.curvY.y + dj * U.curvY.z + t * U.curvY.w;
  let pz = U.curvZ.x + di * U.curvZ.y + dj * U.curvZ.z + t * U.curvZ.w;
  let n = rotate_axis(U.beamV.xyz, U.sUnit.xyz, py / U.distance);
  return rotate_axis(n, U.fUnit.xyz, pz / U.distance);
}

// Subpixel (fi, si) = (fpixel * os + subF, spixel * os + subS) at layer t.
fn ray(fi: i32, si: i32, t: u32) -> Ray {
  var P = U.anchor.xyz + f32(fi - U.anchorF) * U.fStep.xyz + f32(si - U.anchorS) * U.sStep.xyz + f32(t) * U.oStep.xyz;
  if (U.curved != 0u) { P = curved_position(f32(fi - U.anchorF), f32(si - U.anchorS), f32(t)); }
  let yz2 = P.y * P.y + P.z * P.z;
  let R = sqrt(P.x * P.x + yz2);
  // d_x - 1 = (Px - R) / R = -(Py^2 + Pz^2) / (R (R + Px)) without cancellation (for Px > 0; else direct)
  let dx1 = select(P.x / R - 1.0, -yz2 / (R * (R + P.x)), P.x > 0.0);
  return Ray(P, R, vec3<f32>(dx1, P.y / R, P.z / R));
}

// Source k (sourceRecords): d - i_k from the ray's d - x, scaled by lambda0 / lambda_k (the phi table holds a / lambda0).
struct Source {
  dmi: vec3<f32>, // d - i_k
  q: vec3<f32>,   // (d - i_k) lambda0 / lambda_k
  inc: vec3<f32>,
  cut: bool,      // C's -dmin cut (f32 decision)
  cutSure: bool,  // f32 decides it for sure (the pre-pass treats an unsure source's evaluations as undecidable)
}

fn source(r: Ray, k: u32) -> Source {
  let a = phi[U.srcBase + ${SOURCE_VEC4S}u * k];
  let b = phi[U.srcBase + ${SOURCE_VEC4S}u * k + 1u];
  let dmi = r.dmi + a.xyz;
  let m = dot(dmi, dmi);
  let cut = U.dminOn != 0u && m > b.w;
  let sure = U.dminOn == 0u || abs(m - b.w) > 1.5e-5 * b.w;
  return Source(dmi, dmi * a.w, b.xyz, cut, sure);
}

// the run's first run of the phi loop, which C gives the unrotated vectors when phi starts at 0
// (U.firstPixel, U.firstSub: src/simulator/first-evaluation.ts)
fn first_evaluation(pixel: u32, t: u32, subS: i32, subF: i32, k: u32) -> bool {
  return pixel == U.firstPixel && ((t * U.oversample + u32(subS)) * U.oversample + u32(subF)) * U.nSources + k == U.firstSub;
}

fn first_evaluation_slot(step: u32, first: bool) -> u32 {
  // docs/c-behaviour/minimal-loop.md 5.10 (C-PARITY-001): at phi == 0 the very first evaluation of the run uses a0, b0, c0
  // with mosaic domains: entries = phi steps x domains, the first phi step's domains use the slots after the table
  return select(step, U.phisteps + step, step < U.phi0IsZero && first);
}

// h, k, l = (a/lambda, b/lambda, c/lambda) . (d - i)
fn miller(slot: u32, dmi: vec3<f32>) -> vec3<f32> {
  let a = phi[3u * slot].xyz;
  let b = phi[3u * slot + 1u].xyz;
  let c = phi[3u * slot + 2u].xyz;
  return vec3<f32>(a.x * dmi.x + a.y * dmi.y + a.z * dmi.z,
                   b.x * dmi.x + b.y * dmi.y + b.z * dmi.z,
                   c.x * dmi.x + c.y * dmi.y + c.z * dmi.z);
}

// sin(N pi h) / sin(pi h), range-reduced (docs/precision.md fix 1): n = round(h), f = h - n exact,
// = (-1)^((N-1) n) sin(N pi f) / sin(pi f), and N at f = 0.
fn sincg_reduced(h: f32, N: f32) -> f32 {
  let n = round(h);
  let f = h - n;
  if (f == 0.0) { return N; }
  let r = sinpi_wide(N * f) / sinpi_reduced(f);
  let odd = ((i32(N) - 1) & i32(n) & 1) != 0;
  return select(r, -r, odd);
}

// sinc3(pi y) = 3 (sin x / x - cos x) / x^2 at x = pi y; a series below x = 0.6 (the difference cancels there).
fn sinc3_pi(y: f32) -> f32 {
  let x = 3.14159265358979 * y;
  let x2 = x * x;
  if (x < 0.6) {
    return 1.0 + x2 * (-1.0 / 10.0 + x2 * (1.0 / 280.0 + x2 * (-1.0 / 15120.0 + x2 * (1.0 / 1330560.0))));
  }
  return 3.0 * (sinpi_wide(y) / x - cospi_wide(y)) / x2;
}

struct Lattice {
  F: f32,
  skip: bool,      // C skips the evaluation (F_latt == 0 in f64)
  skipSure: bool,  // f32 decides the skip test for sure (else the host decides: pre-pass, tophat table)
  edge: f32,       // tophat: (rad * fudge - 0.3969) / (f32's error bound on it); the scan lists |edge| <= 2
}

// Round, gauss and tophat shapes (docs/c-behaviour/minimal-loop.md 5.9). The skip test follows the f64 program: gauss underflows to
// 0 only beyond exp(-745.13), far below where exp_f32 does; tophat compares rad * fudge with 0.3969.
fn lattice_non_square(hkl: vec3<f32>) -> Lattice {
  let d = hkl - ceil(hkl - vec3<f32>(0.5));
  let NaNbNc = U.Na * U.Nb * U.Nc;
  if (SHAPE == 1u) {
    let hrad = d.x * d.x * U.Na * U.Na + d.y * d.y * U.Nb * U.Nb + d.z * d.z * U.Nc * U.Nc;
    return Lattice(NaNbNc * 0.723601254558268 * sinc3_pi(sqrt(hrad * U.fudge)), false, true, 1e30);
  }
  let s = d.x * U.astar.xyz + d.y * U.bstar.xyz + d.z * U.cstar.xyz;
  let rad = (s.x * s.x + s.y * s.y + s.z * s.z) * U.Na * U.Na * U.Nb * U.Nb * U.Nc * U.Nc;
  if (SHAPE == 2u) {
    let arg = rad / 0.63 * U.fudge;
    return Lattice(NaNbNc * exp_f32(-arg), !(arg <= 745.1332191), abs(arg - 745.1332191) > 0.75, 1e30);
  }
  // how far f32 can put v from the f64 value (src/webgpu/tophat.ts): |h - h64| <= delta for each index
  let v = rad * U.fudge;
  let wd = U.tophatW * ${TOPHAT_DELTA_REL} * max(1.0, max(max(abs(hkl.x), abs(hkl.y)), abs(hkl.z)));
  let band = 2.0 * sqrt(v) * wd + wd * wd;
  return Lattice(NaNbNc, !(v < 0.3969), abs(v - 0.3969) > band, (v - 0.3969) / band);
}

fn in_roi(fpixel: i32, spixel: i32) -> bool {
  return !(fpixel < U.roiXmin || fpixel > U.roiXmax || spixel < U.roiYmin || spixel > U.roiYmax);
}

fn grid_info() -> GridInfo {
  return GridInfo(U.hMin, U.kMin, U.lMin, U.hRange, U.kRange, U.lRange);
}
`;

/** WGSL of the pixel loop, entry point `simulate`. Bindings: Sim, Tile, phi, grid, image. */
export function simulateWgsl(v: SimulateVariant): string {
  return /* wgsl */ `
${header(v)}
@group(0) @binding(3) var<storage, read> grid: array<f32>;
@group(0) @binding(4) var<storage, read_write> image: array<f32>;
${tophatLookupWgsl(v.shape)}
${TRICUBIC_RANGE_WGSL}
${TRICUBIC_WGSL}
${ABSORPTION_WGSL}
${EVALUATION_WGSL}

// C's polarization_factor (docs/c-behaviour/minimal-loop.md 5.7) for the ray and source k:
// 0.5 (1 + cos^2 2theta - K cos(2 psi) sin^2 2theta), sin^2 2theta = |d x i|^2 = |(d - i) x i|^2 (no 1 - cos^2 cancellation)
fn polarization(r: Ray, s: Source, k: u32) -> f32 {
  let d = r.P / r.R;
  let cos2theta = dot(d, s.inc);
  let c = cross(s.dmi, s.inc);
  let sin2theta_sqr = dot(c, c);
  var cos2psi = 1.0;
  if (U.kahn != 0.0) {
    let E = dot(d, phi[U.srcBase + ${SOURCE_VEC4S}u * k + 2u].xyz);
    let B = dot(d, phi[U.srcBase + ${SOURCE_VEC4S}u * k + 3u].xyz);
    let den = E * E + B * B;
    cos2psi = select(1.0, (E * E - B * B) / den, den > 0.0); // psi = -atan2(B, E); atan2(0, 0) = 0
  }
  return 0.5 * (1.0 + cos2theta * cos2theta - U.kahn * cos2psi * sin2theta_sqr);
}

@compute @workgroup_size(WG)
fn simulate(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let pixel = tile.base + (wid.y * nwg.x + wid.x) * WG + lid;
  if (pixel >= tile.end) { return; }
  let fpixel = i32(pixel % U.fpixels);
  let spixel = i32(pixel / U.fpixels);
  if (!in_roi(fpixel, spixel)) { image[pixel - U.imageOrigin] = 0.0; return; }
  let g = grid_info();
  let os = i32(U.oversample);
  let nLayers = select(1u, U.nLayers, LAYERS);
  // C's water background starts every pixel's sum (0 without -water) and takes every -oversample_* running product:
  // it is carried as its own term (bg), so the f32 sum of the Bragg terms does not round at the background's ulp
  var bg = U.Ibg;
  var I = 0.0;
  var polar = select(0.0, 1.0, U.nopolar != 0u);
  var omega = 0.0;
  var capture = 0.0;
  for (var t = 0u; t < nLayers; t++) {
    capture = select(0.0, 1.0, U.thick == 0.0);
    for (var subS = 0; subS < os; subS++) {
      for (var subF = 0; subF < os; subF++) {
        let r = ray(fpixel * os + subF, spixel * os + subS, t);
        if (omega == 0.0 || OS_OMEGA) {
          if (U.pointPixel != 0u) {
            omega = 1.0 / (r.R * r.R);
          } else {
            let pr = U.pixelSize / r.R;
            omega = pr * pr * (U.closeDistance / r.R);
          }
        }
        if (capture == 0.0 || OS_THICK) {
          let rho = dot(r.P, U.odet.xyz) / r.R;
          capture = capture_fraction(t, U.deltaMu / rho);
        }
        for (var k = 0u; k < U.nSources; k++) {
        let src = source(r, k);
        if (src.cut) { continue; } // -dmin: the whole source, no polarization call, nothing counted
        if (polar == 0.0 || OS_POLAR) { polar = polarization(r, src, k); }
        let first = first_evaluation(pixel, t, subS, subF, k);
        let raw0 = (((t * U.oversample + u32(subS)) * U.oversample + u32(subF)) * U.nSources + k) * U.phisteps;
        for (var step = 0u; step < U.phisteps; step++) {
          let hkl = miller(first_evaluation_slot(step, first), src.q);
          var Flatt = 1.0;
          if (SHAPE == 0u) {
            if (U.Na > 1.0) { Flatt *= sincg_reduced(hkl.x, U.Na); }
            if (U.Nb > 1.0) { Flatt *= sincg_reduced(hkl.y, U.Nb); }
            if (U.Nc > 1.0) { Flatt *= sincg_reduced(hkl.z, U.Nc); }
          } else {
            let L = lattice_non_square(hkl);
            var skip = L.skip;
            if (SHAPE == 3u && !L.skipSure) { skip = tophat_skip(pixel, raw0 + step, skip); }
            if (skip && U.water == 0u) { continue; }
            Flatt = select(L.F, 0.0, skip); // with -water C keeps the evaluation (F_latt = 0, still counted)
          }
          var Fcell = U.defaultF;
          let raw = raw0 + step;
          if (INTERPOLATE && (pixel < U.switchPixel || (pixel == U.switchPixel && raw < U.switchEval))) {
            let fl = floor(hkl);
            let tt = hkl - fl;
            Fcell = tricubic_f32(g, i32(fl.x), i32(fl.y), i32(fl.z), tt.x, tt.y, tt.z);
          } else if (HKLS) {
            Fcell = nearest_f32(g, hkl.x, hkl.y, hkl.z, U.defaultF);
          }
          I += ((Fcell * Fcell) * Flatt) * Flatt;
          if (OS_THICK) { I *= capture; bg *= capture; }
          if (OS_POLAR) { I *= polar; bg *= polar; }
          if (OS_OMEGA) { I *= omega; bg *= omega; }
        }
        }
      }
    }
  }
  var S = U.scale * (bg + I);
  if (!OS_THICK) { S *= capture; }
  if (!OS_POLAR) { S *= polar; }
  if (!OS_OMEGA) { S *= omega; }
  image[pixel - U.imageOrigin] = S;
}
`;
}

/** What the per-pixel scans (switch-off pre-pass, tophat scan) share: Sim, Tile, phi, a result buffer at binding 3. */
function scanModule(v: SimulateVariant): string {
  return `${header(v)}\n${switchWgsl(3)}\n${TRICUBIC_RANGE_WGSL}\n${EVALUATION_WGSL}`;
}

/**
 * WGSL of the switch-off pre-pass, entry point `prepass` (src/webgpu/switchoff.ts). Bindings: Sim, Tile, phi,
 * switch result, and with `masked` the -mask as bits (1 = computed; binding 4): C skips a zero-flagged pixel before
 * its first evaluation (nanoBragg.c:2640-2647), so it cannot hold the switch-off. Only the variant's shape and
 * workgroup size matter.
 */
export function prepassWgsl(v: SimulateVariant, masked = false): string {
  const maskWgsl = masked
    ? `@group(0) @binding(4) var<storage, read> mask_bits: array<u32>;
fn pixel_counts(p: u32) -> bool { return (mask_bits[p >> 5u] & (1u << (p & 31u))) != 0u; }`
    : 'fn pixel_counts(p: u32) -> bool { return true; }';
  return /* wgsl */ `
${scanModule(v)}
${maskWgsl}

@compute @workgroup_size(WG)
fn prepass(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  sw_begin(lid);
  workgroupBarrier();
  let pixel = tile.base + (wid.y * nwg.x + wid.x) * WG + lid;
  let fpixel = i32(pixel % U.fpixels);
  let spixel = i32(pixel / U.fpixels);
  if (pixel < tile.end && in_roi(fpixel, spixel) && sw_needed(pixel) && pixel_counts(pixel)) {
    let g = grid_info();
    let os = i32(U.oversample);
    var flagged = false;
    var done = false;
    for (var t = 0u; t < U.nLayers && !done; t++) {
      for (var subS = 0; subS < os && !done; subS++) {
        for (var subF = 0; subF < os && !done; subF++) {
          let r = ray(fpixel * os + subF, spixel * os + subS, t);
          for (var k = 0u; k < U.nSources && !done; k++) {
          let src = source(r, k);
          if (src.cut && src.cutSure) { continue; }
          let first = first_evaluation(pixel, t, subS, subF, k);
          for (var step = 0u; step < U.phisteps && !done; step++) {
            let hkl = miller(first_evaluation_slot(step, first), src.q);
            var skipSure = src.cutSure;
            if (SHAPE != 0u && U.water == 0u) {
              let L = lattice_non_square(hkl);
              if (L.skip && L.skipSure && src.cutSure) { continue; }
              skipSure = skipSure && L.skipSure;
            }
            let m = range_margin(g, hkl.x, hkl.y, hkl.z);
            let guard = U.guardAbs + U.guardRel * max(max(abs(hkl.x), abs(hkl.y)), abs(hkl.z));
            if (!(m >= -guard) && skipSure) {
              sw_flag_out(pixel);
              done = true;
            } else if (!(m > guard) && !flagged) {
              sw_flag_candidate(pixel);
              flagged = true;
            }
          }
          }
        }
      }
    }
  }
  sw_end(lid);
}
`;
}

/**
 * WGSL of the tophat scan, entry point `tophat_scan` (src/webgpu/tophat.ts): lists, in the candidate list of a
 * switch-off result buffer (binding 3), every ROI pixel with an evaluation within TOPHAT_SCAN_FACTOR times f32's
 * error bound of the tophat edge. Bindings: Sim, Tile, phi, result.
 */
export function tophatScanWgsl(v: SimulateVariant): string {
  return /* wgsl */ `
${scanModule(v)}

@compute @workgroup_size(WG)
fn tophat_scan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let pixel = tile.base + (wid.y * nwg.x + wid.x) * WG + lid;
  let fpixel = i32(pixel % U.fpixels);
  let spixel = i32(pixel / U.fpixels);
  if (pixel >= tile.end || !in_roi(fpixel, spixel)) { return; }
  let os = i32(U.oversample);
  for (var t = 0u; t < U.nLayers; t++) {
    for (var subS = 0; subS < os; subS++) {
      for (var subF = 0; subF < os; subF++) {
        let r = ray(fpixel * os + subF, spixel * os + subS, t);
        for (var k = 0u; k < U.nSources; k++) {
          let src = source(r, k);
          if (src.cut && src.cutSure) { continue; }
          let first = first_evaluation(pixel, t, subS, subF, k);
          for (var step = 0u; step < U.phisteps; step++) {
            let L = lattice_non_square(miller(first_evaluation_slot(step, first), src.q));
            if (abs(L.edge) <= ${TOPHAT_SCAN_FACTOR}.0) {
              sw_flag_candidate(pixel);
              return;
            }
          }
        }
      }
    }
  }
}
`;
}
