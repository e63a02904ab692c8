// General detector geometry, built on the host in f64 exactly as the C program builds it: conventions
// (MOSFLM, DENZO, ADXV, XDS, DIALS, CUSTOM), beam-centre mapping, pivots, detector rotations and two-theta,
// and the single incident-beam source (docs/c-behaviour/detector.md; nanoBragg.c M:1152-1268, M:1694-1772,
// M:2385-2430, rotate M:3295-3346, rotate_axis M:3350-3364). Pure: no I/O.

export type Vec3 = [number, number, number];
import type { DetectorArgs, Convention, Pivot, VectorName } from '../simulator/args.ts';
import { cross, dot, magnitude } from './vec3.ts';
export { defaultDetectorArgs, type DetectorArgs } from '../simulator/args.ts';

export class DetectorError extends Error {}

/** What the geometry needs from the rest of the command line. */
export interface DetectorInput {
  pixel: number;
  detsizeF: number;
  detsizeS: number;
  distance: number; // m, default 0.1
  closeDistance?: number; // m
  Xbeam?: number; // m
  Ybeam?: number; // m
  det: DetectorArgs;
}

export interface DetectorGeometry {
  convention: Convention;
  pivot: Pivot;
  distance: number;
  closeDistance: number;
  Xbeam: number;
  Ybeam: number;
  Xclose: number;
  Yclose: number;
  Fbeam: number;
  Sbeam: number;
  Fclose: number;
  Sclose: number;
  ORGX: number;
  ORGY: number;
  dialsOrigin: Vec3;
  pix0: Vec3;
  fdet: Vec3;
  sdet: Vec3;
  odet: Vec3;
  beam: Vec3;
  polarAxis: Vec3;
  spindle: Vec3;
  twothetaAxis: Vec3;
  /** -incident direction of the default single source (C's source_X.. negated). */
  incident: Vec3;
  twotheta: number;
  /** stdout lines C prints for the set-up, in order (before the banner: warnings). */
  warnings: string[];
  messages: string[];
}


/** C's unitize: the unit vector and the magnitude (a zero vector stays zero). */
function unitize(v: Vec3): [Vec3, number] {
  const m = magnitude(v);
  return [m !== 0 ? [v[0] / m, v[1] / m, v[2] / m] : [0, 0, 0], m];
}

/** C's rotate: extrinsic rotations about lab x, then y, then z, each skipped at exactly 0. */
export function rotateXYZ(v: Vec3, rx: number, ry: number, rz: number): Vec3 {
  let [x, y, z] = v;
  if (rx !== 0) {
    const c = Math.cos(rx), n = -Math.sin(rx), t = Math.sin(rx);
    [x, y, z] = [x, y * c + z * n, y * t + z * c];
  }
  if (ry !== 0) {
    const c = Math.cos(ry), t = Math.sin(ry), n = -Math.sin(ry);
    [x, y, z] = [x * c + y * 0 + z * t, y, x * n + y * 0 + z * c];
  }
  if (rz !== 0) {
    const c = Math.cos(rz), n = -Math.sin(rz), t = Math.sin(rz);
    [x, y, z] = [x * c + y * n, x * t + y * c, z];
  }
  return [x, y, z];
}

/** C's rotate_axis (Rodrigues about the axis as given, not normalised). */
export function rotateAbout(v: Vec3, a: Vec3, phi: number): Vec3 {
  const S = Math.sin(phi), C = Math.cos(phi);
  const D = (a[0] * v[0] + a[1] * v[1] + a[2] * v[2]) * (1.0 - C);
  return [
    a[0] * D + v[0] * C + (-a[2] * v[1] + a[1] * v[2]) * S,
    a[1] * D + v[1] * C + (+a[2] * v[0] - a[0] * v[2]) * S,
    a[2] * D + v[2] * C + (-a[1] * v[0] + a[0] * v[1]) * S,
  ];
}

/** Convention vectors (M:1168-1244): beam, fdet, sdet, odet, twotheta axis, polar, spindle. */
const CONVENTION_VECTORS: Record<Exclude<Convention, 'custom'>, Record<VectorName, Vec3>> = {
  mosflm: { beam: [1, 0, 0], fdet: [0, 0, 1], sdet: [0, -1, 0], odet: [1, 0, 0], twothetaAxis: [0, 0, -1], polar: [0, 0, 1], spindle: [0, 0, 1] },
  denzo: { beam: [1, 0, 0], fdet: [0, 0, 1], sdet: [0, -1, 0], odet: [1, 0, 0], twothetaAxis: [0, 0, -1], polar: [0, 0, 1], spindle: [0, 0, 1] },
  adxv: { beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, -1, 0], odet: [0, 0, 1], twothetaAxis: [-1, 0, 0], polar: [1, 0, 0], spindle: [1, 0, 0] },
  xds: { beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, 1, 0], odet: [0, 0, 1], twothetaAxis: [1, 0, 0], polar: [1, 0, 0], spindle: [1, 0, 0] },
  dials: { beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, 1, 0], odet: [0, 0, 1], twothetaAxis: [0, 1, 0], polar: [0, 1, 0], spindle: [0, 1, 0] },
};
/** CUSTOM's untouched vectors: C's declaration defaults (MOSFLM's, but the two-theta axis is (0,1,0)). */
const DECLARATION_VECTORS: Record<VectorName, Vec3> = { ...CONVENTION_VECTORS.mosflm, twothetaAxis: [0, 1, 0] };

/** The whole detector set-up (docs/c-behaviour/detector.md sections 2-5). */
export function buildGeometry(inp: DetectorInput): DetectorGeometry {
  const { pixel, detsizeF, detsizeS, det } = inp;
  const conv = det.convention;
  const warnings: string[] = [];
  const messages: string[] = [];
  // near-point defaults (M:1152-1160)
  let Fclose = det.ORGX !== undefined ? (det.ORGX - 0.5) * pixel : NaN;
  let Sclose = det.ORGY !== undefined ? (det.ORGY - 0.5) * pixel : NaN;
  if (Number.isNaN(Fclose)) Fclose = (detsizeF - 0 * pixel) / 2.0;
  if (Number.isNaN(Sclose)) Sclose = (detsizeS + 0 * pixel) / 2.0;
  const Xclose = det.Xclose_m ?? Fclose;
  const Yclose = det.Yclose_m ?? Sclose;
  let Xbeam = inp.Xbeam ?? NaN;
  let Ybeam = inp.Ybeam ?? NaN;
  let Fbeam: number, Sbeam: number;
  let pivot: Pivot = det.pivot;
  const vecs: Record<VectorName, Vec3> = conv === 'custom' ? { ...DECLARATION_VECTORS, ...det.vectors } : CONVENTION_VECTORS[conv];
  switch (conv) {
    case 'adxv':
      if (Number.isNaN(Xbeam)) Xbeam = (detsizeF + pixel) / 2.0;
      if (Number.isNaN(Ybeam)) Ybeam = (detsizeS - pixel) / 2.0;
      Fbeam = Xbeam;
      Sbeam = detsizeS - Ybeam;
      pivot = 'beam';
      break;
    case 'mosflm':
    case 'denzo': {
      if (Number.isNaN(Xbeam)) Xbeam = (detsizeS + pixel) / 2.0;
      if (Number.isNaN(Ybeam)) Ybeam = (detsizeF + pixel) / 2.0;
      const half = conv === 'mosflm' ? 0.5 : 0.0;
      Fbeam = Ybeam + half * pixel;
      Sbeam = Xbeam + half * pixel;
      pivot = 'beam';
      break;
    }
    case 'xds':
    case 'dials':
      if (Number.isNaN(Xbeam)) Xbeam = Xclose;
      if (Number.isNaN(Ybeam)) Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      pivot = 'sample';
      break;
    case 'custom':
      if (Number.isNaN(Xbeam)) Xbeam = Xclose;
      if (Number.isNaN(Ybeam)) Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      Fclose = Xbeam;
      Sclose = Ybeam;
      break;
  }

  // vector normalisation (M:1255-1268)
  const [beam, lb] = unitize(vecs.beam);
  let [fdet, lf] = unitize(vecs.fdet);
  let [sdet, ls] = unitize(vecs.sdet);
  let [odet, lo] = unitize(vecs.odet);
  const flagOf: Record<VectorName, string> = {
    fdet: '-fdet_vector', sdet: '-sdet_vector', odet: '-odet_vector', beam: '-beam_vector', polar: '-polar_vector',
    spindle: '-spindle_axis', twothetaAxis: '-twotheta_axis',
  };
  // zero vectors: C silently computes NaN or zero images; we refuse by name
  for (const [name, len] of [['beam', lb], ['fdet', lf], ['sdet', ls]] as const) {
    if (len === 0) throw new DetectorError(`option '${flagOf[name]}' is a zero-length vector: the detector geometry is undefined`);
  }
  if (lo !== 1.0) {
    warnings.push('WARNING: auto-generating odet_vector');
    [odet] = unitize(cross(fdet, sdet));
    if (magnitude(odet) === 0) {
      throw new DetectorError(`options '-fdet_vector' and '-sdet_vector' are parallel: no detector normal (odet) can be generated`);
    }
  }
  if (magnitude(cross(fdet, sdet)) === 0) {
    throw new DetectorError(`options '-fdet_vector' and '-sdet_vector' are parallel: the detector plane is undefined`);
  }
  const [polarAxis, lp] = unitize(vecs.polar);
  const [spindle, lsp] = unitize(vecs.spindle);
  if (lp === 0) throw new DetectorError(`option '-polar_vector' is a zero-length vector`);
  if (lsp === 0) throw new DetectorError(`option '-spindle_axis' is a zero-length vector`);
  const [vert] = unitize(cross(beam, polarAxis));
  const axis = vecs.twothetaAxis;
  if (det.twotheta !== 0 && magnitude(axis) === 0) throw new DetectorError(`option '-twotheta_axis' is a zero-length vector`);

  messages.push(`${conv} convention selected.`);
  const { rotx, roty, rotz, twotheta } = det;
  const oR = rotateXYZ(odet, rotx, roty, rotz);
  let ratio = dot(beam, oR);
  if (ratio === 0.0) ratio = 2.2250738585072014e-308;
  let closeDistance = inp.closeDistance ?? NaN;
  let distance = inp.distance;
  if (Number.isNaN(closeDistance)) closeDistance = Math.abs(ratio * distance);
  distance = closeDistance / ratio;

  let pix0: Vec3 = [0, 0, 0];
  if (pivot === 'sample') {
    messages.push('pivoting detector around sample');
    pix0 = [
      -Fclose * fdet[0] - Sclose * sdet[0] + closeDistance * odet[0],
      -Fclose * fdet[1] - Sclose * sdet[1] + closeDistance * odet[1],
      -Fclose * fdet[2] - Sclose * sdet[2] + closeDistance * odet[2],
    ];
    pix0 = rotateXYZ(pix0, rotx, roty, rotz);
    pix0 = rotateAbout(pix0, axis, twotheta);
  }
  fdet = rotateXYZ(fdet, rotx, roty, rotz);
  sdet = rotateXYZ(sdet, rotx, roty, rotz);
  odet = rotateXYZ(odet, rotx, roty, rotz);
  fdet = rotateAbout(fdet, axis, twotheta);
  sdet = rotateAbout(sdet, axis, twotheta);
  odet = rotateAbout(odet, axis, twotheta);
  if (pivot === 'beam') {
    messages.push('pivoting detector around direct beam spot');
    pix0 = [
      -Fbeam * fdet[0] - Sbeam * sdet[0] + distance * beam[0],
      -Fbeam * fdet[1] - Sbeam * sdet[1] + distance * beam[1],
      -Fbeam * fdet[2] - Sbeam * sdet[2] + distance * beam[2],
    ];
  }
  Fclose = -dot(pix0, fdet);
  Sclose = -dot(pix0, sdet);
  closeDistance = dot(pix0, odet);
  const nv: Vec3 = [
    (closeDistance / ratio) * beam[0] - pix0[0],
    (closeDistance / ratio) * beam[1] - pix0[1],
    (closeDistance / ratio) * beam[2] - pix0[2],
  ];
  Fbeam = dot(fdet, nv);
  Sbeam = dot(sdet, nv);
  distance = closeDistance / ratio;
  const ORGX = Fclose / pixel + 0.5;
  const ORGY = Sclose / pixel + 0.5;
  const dialsOrigin: Vec3 = [1000.0 * dot(pix0, [+0, +0, +1]), 1000.0 * dot(pix0, [+0, +1, +0]), 1000.0 * dot(pix0, [-1, +0, +0])];

  // the default single source (M:2390-2425): w = -source_distance*b, two zero-angle rotations, unit; incident = -w
  const sourceDistance = 10.0;
  let w: Vec3 = [-sourceDistance * beam[0], -sourceDistance * beam[1], -sourceDistance * beam[2]];
  const hdiv = 0 * 0 - 0 / 2.0, vdiv = 0 * 0 - 0 / 2.0;
  w = rotateAbout(w, polarAxis, vdiv);
  w = rotateAbout(w, vert, hdiv);
  [w] = unitize(w);
  const incident: Vec3 = [-w[0], -w[1], -w[2]];

  return {
    convention: conv, pivot, distance, closeDistance, Xbeam, Ybeam, Xclose, Yclose, Fbeam, Sbeam, Fclose, Sclose,
    ORGX, ORGY, dialsOrigin, pix0, fdet, sdet, odet, beam, polarAxis, spindle, twothetaAxis: axis, incident, twotheta,
    warnings, messages,
  };
}

// ---------------------------------------------------------------------------------------------------
// -mask FILE: an SMV frame whose zero pixels are skipped; its header sets detector defaults (M:418-458,
// GetFrame M:4108-4215, ValueOf M:4220-4247; docs/c-behaviour/detector.md "-mask").

export interface SmvFrame {
  name: string;
  header: string;
  width: number;
  height: number;
  data: Uint16Array;
}

/** C's ValueOf: atof of the text after the '=' that follows the LAST occurrence of key; NaN if absent, 0 if no '='. */
export function smvValueOf(header: string, key: string): number {
  const at = header.lastIndexOf(key);
  if (at < 0) return NaN;
  const eq = header.indexOf('=', at + key.length);
  if (eq < 0) return 0.0;
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(header.slice(eq + 1));
  return m ? Number(m[0]) : 0;
}

/** Reads an SMV frame (little-endian uint16 after HEADER_BYTES); one-line DetectorError if it is not one. */
export function readSmvFrame(bytes: Uint8Array, name: string, role: '-mask' | '-img' = '-mask'): SmvFrame {
  const latin = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
  let header = latin(bytes.subarray(0, Math.min(512, bytes.length)));
  if (!header.startsWith('{\nHEADER_BYT')) throw new DetectorError(`${role} ${name}: does not look like an SMV (ADSC) frame: it must begin with '{' and HEADER_BYTES`);
  const hb = smvValueOf(header, 'HEADER_BYTES');
  const headerBytes = Number.isFinite(hb) && hb > 0 ? Math.trunc(hb) : 512;
  if (headerBytes !== 512) header = latin(bytes.subarray(0, Math.min(headerBytes, bytes.length)));
  const nul = header.indexOf('\0');
  if (nul >= 0) header = header.slice(0, nul);
  let width = Math.trunc(smvValueOf(header, 'SIZE1'));
  let height = Math.trunc(smvValueOf(header, 'SIZE2'));
  if (!(width > 0)) width = height = Math.trunc(smvValueOf(header, 'DETECTOR_DIMENSIONS'));
  if (!(width > 0 && height > 0)) throw new DetectorError(`${role} ${name}: the header gives no image size (SIZE1, SIZE2)`);
  const need = headerBytes + width * height * 2;
  if (bytes.length < need) {
    throw new DetectorError(`${role} ${name}: ${width} x ${height} pixels after a ${headerBytes}-byte header need ${need} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, width * height * 2);
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = view.getUint16(2 * i, true);
  return { name, header, width, height, data };
}

/**
 * The -mask header's values as C applies them (before the command line, so every option given on the command
 * line wins): `argv` is the command line, to tell which options were given. Returns a new SimArgs.
 */
export function applyMaskHeader<A extends {
  pixel_m: number; detpixels_f?: number; detpixels_s?: number; distance_m?: number; closeDistance_m?: number;
  lambda_m?: number; Xbeam_m?: number; Ybeam_m?: number; phi_rad: number; osc_rad: number; det?: DetectorArgs;
}>(args: A, argv: readonly string[], frame: SmvFrame, RTD: number, role: '-mask' | '-img' = '-mask'): A {
  const given = (...flags: string[]) => flags.some((f) => argv.includes(f));
  const a: A = { ...args, det: { ...(args.det ?? defaultDetectorArgsLocal()) } };
  const v = (key: string) => smvValueOf(frame.header, key);
  const pixelFlags = ['-detpixels', '-detpixels_f', '-detpixels_x', '-detpixels_s', '-detpixels_y'];
  if (given(...pixelFlags) && (a.detpixels_f !== frame.width || a.detpixels_s !== frame.height)) {
    throw new DetectorError(
      `${role} ${frame.name}: the ${role === '-mask' ? 'mask' : 'image'} is ${frame.width} x ${frame.height} pixels but -detpixels asks for ${a.detpixels_f ?? '?'} x ${a.detpixels_s ?? '?'}: leave -detpixels out or make them equal`,
    );
  }
  a.detpixels_f = frame.width;
  a.detpixels_s = frame.height;
  // C's value at the time the header is read: the default, or what an earlier -mask header set
  let pixel = role === '-img' && argv.includes('-mask') && !given('-pixel') ? a.pixel_m : 0.1e-3;
  const px = v('PIXEL_SIZE');
  if (!Number.isNaN(px)) pixel = px / 1000.0;
  if (!given('-pixel')) a.pixel_m = pixel;
  const detsizeS = pixel * frame.height;
  const set = (key: string, flags: string[], put: (x: number) => void) => {
    const x = v(key);
    if (!Number.isNaN(x) && !given(...flags)) put(x);
  };
  set('DISTANCE', ['-distance'], (x) => (a.distance_m = x / 1000.0));
  set('CLOSE_DISTANCE', ['-close_distance'], (x) => (a.closeDistance_m = x / 1000.0));
  set('WAVELENGTH', ['-lambda', '-wave', '-energy'], (x) => (a.lambda_m = x / 1e10));
  set('BEAM_CENTER_X', ['-Xbeam'], (x) => (a.Xbeam_m = x / 1000.0));
  // -mask flips BEAM_CENTER_Y (measured from the far slow edge), -img does not (M:440 vs M:482)
  set('BEAM_CENTER_Y', ['-Ybeam'], (x) => (a.Ybeam_m = role === '-mask' ? detsizeS - x / 1000.0 : x / 1000.0));
  set('ORGX', ['-ORGX'], (x) => (a.det!.ORGX = x));
  set('ORGY', ['-ORGY'], (x) => (a.det!.ORGY = x));
  set('PHI', ['-phi'], (x) => (a.phi_rad = x / RTD));
  set('OSC_RANGE', ['-osc'], (x) => (a.osc_rad = x / RTD));
  // TWOTHETA: C reads it into a scratch variable, never into the detector two-theta (ignored, as C)
  return a;
}

function defaultDetectorArgsLocal(): DetectorArgs {
  return { convention: 'mosflm', pivot: 'beam', vectors: {}, rotx: 0, roty: 0, rotz: 0, twotheta: 0 };
}
