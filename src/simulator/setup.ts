// From parsed nanoBragg flags to everything the pixel loop needs, computed the way the C
// program computes it (docs/c-behaviour/minimal-loop.md sections 1, 3.1, 4.2, 5.1-5.4, 5.8, 5.10), in the same
// operation order where the result feeds the image. Pure: no I/O, no WebAssembly.

import type { PhysicsArgs, SimArgs } from './args.ts';
import type { HklGrid } from '../hkl.ts';
import { formatG } from '../util/cformat.ts';
import { resolveLayers } from '../kernels/absorption.ts';
import { setupCrystal, readMatrixNumbers, rotateUmat, CrystalError, type Mat9 } from '../physics/crystal.ts';
import { timeSeed, type Ran1Table } from '../physics/rng.ts';
import { magnitude, rotateAxis } from '../physics/vec3.ts';
import { buildGeometry, defaultDetectorArgs, DetectorError, applyMaskHeader, type DetectorGeometry, type SmvFrame } from '../physics/detector.ts';

export type Vec3 = [number, number, number];

/** Physical constants of the C program (docs/c-behaviour/minimal-loop.md 1.2). */
export const R_E_SQR = 7.94079248018965e-30;
export { DEFAULT_FLUENCE } from '../physics/beam.ts';
import { resolveFluence, fluenceRefusal, polarAxisOf, waterBackground } from '../physics/beam.ts';
import { buildSources, resolveSpread, sourceFileRows, sourceFileRefusal } from '../physics/sources.ts';
import { readTextColumns } from '../io/columns.ts';
import { InputFileError } from '../io/input-file.ts';
/** C's RTD = 180.0*M_1_PI. */
export const RTD = 180.0 * (1 / Math.PI);

export class SetupError extends Error {}


/** Most phi steps: the phi table holds 9 f64 per step (72 MB at the limit). */
export const MAX_PHISTEPS = 1_000_000;
/** Most evaluations per pixel (phi steps x oversample^2 x layers): the kernels count them in an i32. */
export const MAX_EVALS_PER_PIXEL = 2 ** 31 - 1;

/** The detector the loop sees: its size in pixels plus the geometry of src/physics/detector.ts (m; dialsOrigin mm). */
export interface Detector extends DetectorGeometry {
  fpixels: number;
  spixels: number;
  pixel: number; // m
  detsizeF: number;
  detsizeS: number;
}

export interface Crystal {
  Na: number; // clamped >= 1
  Nb: number;
  Nc: number;
  a0: Vec3; // m
  b0: Vec3;
  c0: Vec3;
  aStar: Vec3; // 1/Angstrom (regenerated from the real cell)
  bStar: Vec3;
  cStar: Vec3;
  volume: number; // Angstrom^3
  cellLengths: Vec3;
  /** Mosaic spread (radians, 0 = none) and the domain matrices (domain 0 = identity). */
  mosaicSpread?: number;
  umats?: Mat9[];
  /** The ran1 table as the misset and mosaic draws leave it (the noise image continues it, docs/c-behaviour/rng.md). */
  rng?: Ran1Table;
}

/**
 * `A`: the parsed command line the simulation was set up from (a run's whole SimArgs, whose output and host options
 * the later stages read); the set-up itself reads only its PhysicsArgs (setupSimulation is typed so).
 */
export interface Simulation<A extends PhysicsArgs = SimArgs> {
  args: A;
  detector: Detector;
  crystal: Crystal;
  lambda: number;
  incident: Vec3;
  oversample: number;
  layers: { nLayers: number; thickstep: number; thick: number; mu: number };
  /**
   * table: crystal vectors for `entries` = phisteps x domains evaluations (phi outer, domain inner), 9 f64 each,
   * then `staleSlots` more (one per domain, used by the very first evaluation when phi0 == 0; 0 when phi0 != 0).
   */
  phi: {
    phi0: number; phistep: number; phisteps: number; osc: number; table: Float64Array; phi0IsZero: boolean;
    domains: number; entries: number; staleSlots: number;
  };
  interpolate: boolean;
  steps: number;
  fluence: number;
  /** The source list (C's order): table = 4 f64 per source (incident x, y, z, lambda). */
  sources: { count: number; table: Float64Array; lines: string[]; /** read from -sourcefile */ fromFile: boolean };
  /** C's water background I_bg (0 without -water). */
  Ibg: number;
  roi: { xmin: number; xmax: number; ymin: number; ymax: number };
  firstPixel: number;
  /**
   * Of that pixel, the sub-evaluation ((t*os + subS)*os + subF)*sources + source that runs C's phi loop first (0
   * unless -dmin cuts the first ones; src/simulator/first-evaluation.ts): it is the one that sees the unrotated
   * crystal vectors when phi starts at 0.
   */
  firstSub: number;
  /** -mask: zero = pixel skipped (0 in the float image, out of the statistics but in rmsd, as C). */
  mask?: Uint16Array;
  grid: HklGrid | null;
  defaultF: number;
  shape: number;
  /** The loop's per-pixel switches, resolved once: engines read these, never the flags. */
  loop: LoopSwitches;
  /** C-style informational lines, in the order C prints them. */
  messages: string[];
  /** Warnings the C program prints for this setup (verbatim C text). */
  warnings: string[];
  /** The pieces of C's set-up printout that src/simulator/c-report.ts orders as C prints them. */
  cParts: CReportParts;
}

/** C's set-up lines by where C prints them (docs/c-behaviour/stdout.md); the rest c-report.ts derives. */
export interface CReportParts {
  /** Before the banner: the beam clipping warnings (C M:1130-1139), then the detector's (odet, M:1261). */
  preBanner: string[];
  /** After the banner: the attenuation warning (M:1632). */
  layerWarnings: string[];
  /** Convention and pivot lines (M:1697-1735). */
  detectorLines: string[];
  /** The crystal's lines and warnings (src/physics/crystal.ts), as it gave them. */
  crystalLines: string[];
  crystalWarnings: string[];
  /** auto-selected oversampling / the WARNING about the sample size (M:2076-2087). */
  oversampleLines: string[];
  /** The source printout, always (M:2344-2430), and the resolved spreads (M:1427-1686). */
  sourceLines: string[];
  spreads: { h: { steps: number; range: number; step: number }; v: { steps: number; range: number; step: number }; disp: { steps: number; range: number; step: number } };
  divsteps: number;
  /** C's polar_vector as the set-up leaves it (for POLARIZATION_PLANE_NORMAL). */
  polarVector: Vec3;
}

/** What the pixel loop does per evaluation, beyond the geometry, from the flags (docs/c-behaviour/*.md). */
export interface LoopSwitches {
  /** -fudge: multiplies the lattice factor's argument. */
  fudge: number;
  /** -point_pixel: the solid angle of a point at the pixel centre instead of the pixel area. */
  pointPixel: boolean;
  /** -curved_det: every sub-pixel at the same distance from the sample. */
  curved: boolean;
  /** -oversample_thick/-oversample_polar/-oversample_omega: the factor per sub-pixel instead of per pixel. */
  oversampleThick: boolean;
  oversamplePolar: boolean;
  oversampleOmega: boolean;
  /** -nopolar: polarization factor 1. */
  nopolar: boolean;
  /** Kahn polarization factor (-polar). */
  kahn: number;
  /** -dmin in m (0: no resolution cut). */
  dmin: number;
  /** -water given (non-zero): C then skips no evaluation with F_latt == 0. */
  water: boolean;
}

function unitize(v: Vec3): Vec3 {
  const m = magnitude(v);
  return m !== 0 ? [v[0] / m, v[1] / m, v[2] / m] : [0, 0, 0];
}
function rescale(v: Vec3, newMagnitude: number): Vec3 {
  let old = magnitude(v);
  if (old <= 0) old = 1;
  return [(newMagnitude / old) * v[0], (newMagnitude / old) * v[1], (newMagnitude / old) * v[2]];
}

/** The detector of the command line (src/physics/detector.ts; docs/c-behaviour/detector.md). */
export function buildDetector(args: PhysicsArgs): Detector {
  const pixel = args.pixel_m;
  let detsizeF = args.detsize_f_m ?? 102.4e-3;
  let detsizeS = args.detsize_s_m ?? 102.4e-3;
  if (args.detpixels_f) detsizeF = pixel * args.detpixels_f;
  if (args.detpixels_s) detsizeS = pixel * args.detpixels_s;
  const fpixels = Math.ceil(detsizeF / pixel - 0.5);
  const spixels = Math.ceil(detsizeS / pixel - 0.5);
  let g;
  try {
    g = buildGeometry({
      pixel, detsizeF, detsizeS, distance: args.distance_m ?? 0.1, closeDistance: args.closeDistance_m,
      Xbeam: args.Xbeam_m, Ybeam: args.Ybeam_m, det: args.det ?? defaultDetectorArgs(),
    });
  } catch (e) {
    if (e instanceof DetectorError) throw new SetupError(e.message);
    throw e;
  }
  return { fpixels, spixels, pixel, detsizeF, detsizeS, ...g };
}

/**
 * Crystal from `-cell a b c alpha beta gamma` alone (docs/c-behaviour/minimal-loop.md 5.3; C M:1789-1956,
 * 2046-2066): src/physics/crystal.ts with no matrix, misset, mosaic or sizes (one crystal code, not two).
 */
export function buildCrystal(cell: readonly number[], N: Vec3): Crystal {
  try {
    const c = setupCrystal({ cell, lambda: 1e-10, missetSeed: 0, mosaicSpread: -1, mosaicDomains: -1, mosaicSeed: -12345678, N, sample: [0, 0, 0] });
    return { Na: c.Na, Nb: c.Nb, Nc: c.Nc, a0: c.a0, b0: c.b0, c0: c.c0, aStar: c.aStar, bStar: c.bStar, cStar: c.cStar, volume: c.volume, cellLengths: c.cellLengths };
  } catch (e) {
    if (e instanceof CrystalError) throw new SetupError(e.message);
    throw e;
  }
}

/** Phi steps with C's auto rules (docs/c-behaviour/minimal-loop.md 5.10; C M:1377-1425). */
export function resolvePhi(phi0: number, osc: number, phistep: number, phisteps: number) {
  if (phisteps < 0) {
    if (osc < 0) {
      if (phistep <= 0) { phisteps = 1; osc = 0; phistep = 0; }
      else { osc = phistep; phisteps = 2; }
    } else if (phistep <= 0) { phisteps = 2; phistep = osc / 2.0; }
    else phisteps = Math.ceil(osc / phistep);
  } else {
    if (phisteps === 0) phisteps = 1;
    if (osc < 0) {
      if (phistep <= 0) { osc = 1.0 / RTD; phistep = osc / phisteps; }
      else { osc = phistep; phisteps = 2; }
    } else if (phistep <= 0) phistep = osc / phisteps;
  }
  return { phi0, osc, phistep, phisteps };
}

/**
 * Crystal vectors per phi step, 9 f64 each (a, b, c), plus the unrotated a0, b0, c0 last.
 * C rotates only when phi != 0 and otherwise reuses whatever the previous evaluation left
 * (C-PARITY-001): a phi == 0 step takes the previous step's vectors, step 0 the last step's;
 * the very first evaluation of the run takes a0 (the kernel handles that case).
 */
export function phiTable(crystal: Crystal, spindle: Vec3, phi0: number, phistep: number, phisteps: number) {
  const table = new Float64Array((phisteps + 1) * 9);
  const put = (i: number, a: Vec3, b: Vec3, c: Vec3) => table.set([...a, ...b, ...c], i * 9);
  put(phisteps, crystal.a0, crystal.b0, crystal.c0);
  const phis = Array.from({ length: phisteps }, (_, i) => phi0 + phistep * i);
  const rotated = (i: number): [Vec3, Vec3, Vec3] | null =>
    phis[i] !== 0 ? [rotateAxis(crystal.a0, spindle, phis[i]), rotateAxis(crystal.b0, spindle, phis[i]), rotateAxis(crystal.c0, spindle, phis[i])] : null;
  // the vectors "left over" before step 0 = the last rotation of the sequence (or a0 if none)
  let last: [Vec3, Vec3, Vec3] = [crystal.a0, crystal.b0, crystal.c0];
  for (let i = phisteps - 1; i >= 0; i--) {
    const r = rotated(i);
    if (r) { last = r; break; }
  }
  for (let i = 0; i < phisteps; i++) {
    const r = rotated(i);
    if (r) last = r;
    put(i, ...last);
  }
  return { table, phi0IsZero: phis[0] === 0 };
}

/**
 * Everything the pixel loop needs, from parsed flags and the (optional) HKL grid. Only the physics options are read
 * (`A extends PhysicsArgs`: the compiler refuses a read of an output or host option); `args` is kept whole in the
 * result (with the -mask/-img header values applied) for the stages after the image.
 */
export function setupSimulation<A extends PhysicsArgs>(
  args: A, grid: HklGrid | null,
  inputs: { matText?: string; mask?: SmvFrame; img?: SmvFrame; argv?: readonly string[]; source?: Uint8Array; stol?: Uint8Array } = {},
): Simulation<A> {
  if (args.maskPath !== undefined || args.imgPath !== undefined) {
    // C reads the -mask header first, then the -img header (M:418-502); the command line overrides both
    try {
      if (args.maskPath !== undefined) {
        if (!inputs.mask) throw new SetupError(`-mask ${args.maskPath}: the mask file was not read (pass it as inputs.mask)`);
        args = applyMaskHeader(args, inputs.argv ?? [], inputs.mask, RTD, '-mask');
      }
      if (args.imgPath !== undefined) {
        if (!inputs.img) throw new SetupError(`-img ${args.imgPath}: the image file was not read (pass it as inputs.img)`);
        if (inputs.mask && (inputs.mask.width !== inputs.img.width || inputs.mask.height !== inputs.img.height)) {
          throw new SetupError(`-mask ${args.maskPath} is ${inputs.mask.width} x ${inputs.mask.height} pixels but -img ${args.imgPath} is ${inputs.img.width} x ${inputs.img.height}: they must be equal`);
        }
        args = applyMaskHeader(args, inputs.argv ?? [], inputs.img, RTD, '-img');
      }
    } catch (e) {
      if (e instanceof DetectorError) throw new SetupError(e.message);
      throw e;
    }
  }
  const messages: string[] = [];
  const warnings: string[] = [];
  if (!args.cell && !args.matPath) throw new SetupError('no unit cell: -cell a b c alpha beta gamma (or -mat FILE) is required');
  if (!grid && args.defaultF === 0) {
    throw new SetupError('nothing to simulate: give an HKL file with -hkl or a non-zero -default_F');
  }
  const lambda = args.lambda_m ?? 1.0e-10;

  const layers = resolveLayers({ thickness_m: args.detectorThick_m, thicksteps: args.thicksteps, mu: args.detectorMu });
  warnings.push(...layers.warnings);

  const detector = buildDetector(args);
  warnings.push(...detector.warnings);

  // interpolation mode: raw N values before the clamp (trap T-4)
  let interpolate = args.interpolate;
  if (interpolate > 1) {
    if (args.Na <= 2 || args.Nb <= 2 || args.Nc <= 2) {
      messages.push('auto-selected tricubic interpolation of structure factors');
      interpolate = 1;
    } else {
      messages.push('auto-selected no interpolation');
      interpolate = 0;
    }
  }

  const crystalLines: string[] = [], crystalWarnings: string[] = [], clipWarnings: string[] = [];
  const crystal = crystalFromArgs(args, lambda, inputs.matText, crystalLines, crystalWarnings, clipWarnings);
  messages.push(...crystalLines);
  warnings.push(...clipWarnings, ...crystalWarnings);
  const oversampleLines: string[] = [];
  const xtal = [
    magnitude(crystal.a0) * crystal.Na,
    magnitude(crystal.b0) * crystal.Nb,
    magnitude(crystal.c0) * crystal.Nc,
  ];
  let xtalMax = xtal[0];
  if (xtalMax < xtal[1]) xtalMax = xtal[1];
  if (xtalMax < xtal[2]) xtalMax = xtal[2];
  const reciprocalPixel = lambda * detector.distance / detector.pixel;
  let recommended = Math.ceil(3.0 * xtalMax / reciprocalPixel);
  if (recommended <= 0) recommended = 1;
  let oversample = args.oversample;
  if (oversample <= 0) {
    oversample = recommended;
    oversampleLines.push(`auto-selected ${oversample}-fold oversampling`);
    messages.push(oversampleLines[0]);
  }
  if (oversample < recommended) {
    const first = `WARNING: maximum dimension of sample is ${formatG(xtalMax * 1e10)} A`;
    const rest = [
      `         but reciprocal pixel size is ${formatG(reciprocalPixel * 1e10)} A`,
      '         intensity may vary significantly across a pixel!',
      `         recommend -oversample ${recommended} to work around this`,
    ];
    oversampleLines.push(first, ...rest);
    warnings.push(first);
    messages.push(...rest);
  }

  const hkls = grid ? grid.hRange * grid.kRange * grid.lRange : 0;
  if (hkls === 0) interpolate = 0;

  const phiSteps = resolvePhi(args.phi_rad, args.osc_rad, args.phistep_rad, args.phisteps);
  if (!(phiSteps.phisteps <= MAX_PHISTEPS)) {
    throw new SetupError(`${formatG(phiSteps.phisteps)} phi steps (from -osc, -phistep, -phisteps) are too many: at most ${MAX_PHISTEPS}`);
  }
  const domains = crystal.umats?.length ?? 1;
  if (!(phiSteps.phisteps * domains <= MAX_PHISTEPS)) {
    throw new SetupError(`${formatG(phiSteps.phisteps)} phi steps x ${domains} mosaic domains are too many crystal orientations: at most ${MAX_PHISTEPS} (9 f64 each)`);
  }
  const perPixel = phiSteps.phisteps * domains * oversample * oversample * layers.nLayers;
  if (!(perPixel <= MAX_EVALS_PER_PIXEL)) {
    const auto = args.oversample <= 0
      ? '; the oversampling was auto-selected from the crystal size (-cell, -N) and the reciprocal pixel size (-lambda, -distance, -pixel): give -oversample'
      : '';
    throw new SetupError(
      `${formatG(perPixel)} evaluations per pixel (${phiSteps.phisteps} phi steps x ${domains} mosaic domains x ${formatG(oversample)}^2 oversample x ${layers.nLayers} layers) ` +
        `exceed the limit of ${MAX_EVALS_PER_PIXEL}${auto}`,
    );
  }
  const phi = { ...phiSteps, ...mosaicTable(crystal, phiTable(crystal, detector.spindle, phiSteps.phi0, phiSteps.phistep, phiSteps.phisteps), phiSteps.phisteps) };

  const roi = args.roi
    ? { ...args.roi }
    : { xmin: 0, xmax: detector.fpixels - 1, ymin: 0, ymax: detector.spixels - 1 };
  const fx0 = Math.max(0, roi.xmin), fy0 = Math.max(0, roi.ymin);
  let firstPixel = fy0 * detector.fpixels + fx0;
  const mask = inputs.mask?.data;
  if (mask) {
    // C's first evaluated pixel is the first unmasked one inside the ROI (the kernel's stale-vector rule keys on it)
    messages.push(`  skipping zero-flagged pixels in ${args.maskPath}`);
    outer: for (let s = fy0; s <= Math.min(roi.ymax, detector.spixels - 1); s++) {
      for (let f = fx0; f <= Math.min(roi.xmax, detector.fpixels - 1); f++) {
        if (mask[s * detector.fpixels + f] !== 0) { firstPixel = s * detector.fpixels + f; break outer; }
      }
    }
  }

  if (args.stolPath !== undefined) checkStolFile(args, inputs.stol, messages);
  // C rotates the divergence about unitize(polar_vector), taken once (the Kahn axis is re-unitized later)
  if (args.sourcePath === undefined) checkSourceCount(args);
  const sources = buildSources(args, lambda, detector.beam, detector.polarAxis, fileSources(args, inputs.source, detector.beam, lambda));
  const polarVector: Vec3 = [...detector.polarAxis];
  // the kernels' Kahn axis: C re-unitizes polar_vector in place in every Kahn call; the kernels do not, so they
  // get the vector those calls converge to (the same bits for a unit vector such as a convention's default)
  detector.polarAxis = polarAxisOf(detector.polarAxis);
  // one line per source, up to MAX_SOURCES of them: a spread into push() overflows the call stack near 1e5
  for (const line of sources.lines) messages.push(line);
  if (sources.count > 1 && !(sources.count * perPixel <= MAX_EVALS_PER_PIXEL)) {
    throw new SetupError(`${formatG(sources.count * perPixel)} evaluations per pixel (${sources.count} sources x ${formatG(perPixel)}) exceed the limit of ${MAX_EVALS_PER_PIXEL}`);
  }
  const steps = sources.count * domains * phi.phisteps * oversample * oversample;
  const intensity = resolveFluence(args);
  const badFluence = fluenceRefusal(intensity.fluence);
  if (badFluence) throw new SetupError(badFluence);
  const shape = { square: 0, round: 1, gauss: 2, tophat: 3 }[args.shape];
  messages.push(
    `  distance=${formatG(detector.distance)} detsize=${formatG(detector.detsizeF)}x${formatG(detector.detsizeS)}  pixel=${formatG(detector.pixel)} meters (${detector.fpixels}x${detector.spixels} pixels)`,
    `  sensor is ${formatG(layers.thickness)} m thick in ${layers.nLayers} layers with mu= ${formatG(layers.mu)}`,
    `  ${domains} mosaic domains over mosaic spread of ${formatG((crystal.mosaicSpread ?? 0) * RTD)} degrees`,
    `  ${phi.phisteps} phi steps from ${formatG(phi.phi0 * RTD)} to ${formatG((phi.phi0 + phi.osc) * RTD)} degrees`,
    `  ${oversample}x${oversample} pixel oversample steps`,
  );
  return {
    args, detector, crystal, lambda,
    incident: detector.incident,
    oversample,
    layers: { nLayers: layers.nLayers, thickstep: layers.delta, thick: layers.thickness, mu: layers.mu },
    phi,
    interpolate: interpolate === 1,
    steps,
    fluence: intensity.fluence,
    sources: { ...sources, fromFile: args.sourcePath !== undefined },
    Ibg: waterBackground(R_E_SQR, intensity.fluence, args.water_m),
    roi,
    firstPixel,
    firstSub: 0,
    ...(mask ? { mask } : {}),
    grid,
    defaultF: args.defaultF,
    shape,
    loop: {
      fudge: args.fudge, pointPixel: args.pointPixel, curved: args.curved === true,
      oversampleThick: args.oversampleThick, oversamplePolar: args.oversamplePolar, oversampleOmega: args.oversampleOmega,
      nopolar: args.nopolar, kahn: args.polarization, dmin: args.dmin_m, water: args.water_m !== 0,
    },
    messages,
    warnings,
    cParts: {
      preBanner: [...clipWarnings, ...detector.warnings],
      layerWarnings: layers.warnings,
      detectorLines: detector.messages,
      crystalLines, crystalWarnings, oversampleLines,
      sourceLines: sources.printout, spreads: sources.spreads, divsteps: sources.divsteps,
      polarVector,
    },
  };
}

/** Most sources of a -sourcefile (32 bytes each in the kernels' table). */
export const MAX_SOURCES = 1_000_000;

/**
 * Refuses divergence and dispersion step counts whose product is over MAX_SOURCES before any source is made:
 * -hdivsteps 1e9 would otherwise loop and allocate for minutes (a fuzz find, tests/fuzz-library.test.ts).
 */
function checkSourceCount(args: PhysicsArgs): void {
  const d = args.div;
  const steps = resolveSpread(d.hsteps, d.hrange, d.hstep).steps * resolveSpread(d.vsteps, d.vrange, d.vstep).steps * resolveSpread(d.dispsteps, d.dispersion, -1).steps;
  if (!(steps <= MAX_SOURCES)) {
    throw new SetupError(`${formatG(steps)} sources (from -hdivsteps, -vdivsteps, -dispsteps or their ranges and steps) are too many: at most ${MAX_SOURCES}`);
  }
}

/** The -sourcefile rows with C's defaults (docs/c-behaviour/beam.md "Source file"), or undefined without one. */
function fileSources(args: PhysicsArgs, bytes: Uint8Array | undefined, beam: readonly number[], lambda0: number) {
  if (args.sourcePath === undefined) return undefined;
  if (!bytes) throw new SetupError(`-sourcefile ${args.sourcePath}: the source file was not read (pass its bytes as inputs.source)`);
  const cols = readTextColumns(bytes, 5);
  // C: perror("reading source definition file") and exit(9) (nanoBragg.c:2318-2322)
  if (cols.rows === 0) throw InputFileError.fromLine(`-sourcefile ${args.sourcePath}: no sources in the file (only blank lines or empty); nanoBragg stops here too`);
  if (cols.rows > MAX_SOURCES) throw InputFileError.fromLine(`-sourcefile ${args.sourcePath}: ${cols.rows} sources are too many: at most ${MAX_SOURCES}`);
  const rows = sourceFileRows(cols, beam, lambda0);
  const bad = sourceFileRefusal(rows, args.sourcePath);
  if (bad) throw InputFileError.fromLine(bad);
  return rows;
}

/**
 * -stol/-4stol/-Q FILE: C reads two columns and exits 9 when the file is missing or has no data row
 * (nanoBragg.c:2256-2265), then never uses the values (docs/c-behaviour/beam.md "No-op options").
 */
function checkStolFile(args: PhysicsArgs, bytes: Uint8Array | undefined, messages: string[]): void {
  const flag = args.stolFlag ?? '-stol';
  if (!bytes) throw new SetupError(`${flag} ${args.stolPath}: the file was not read (pass its bytes as inputs.stol)`);
  messages.push(`reading ${args.stolPath}`);
  if (readTextColumns(bytes, 2).rows === 0) throw InputFileError.fromLine(`${flag} ${args.stolPath}: no data in the file (only blank lines or empty); nanoBragg stops here too`);
}

/**
 * The crystal of the command line: -cell and/or -mat, -misset, mosaic domains, sizes with the beam clip
 * (src/physics/crystal.ts; docs/c-behaviour/crystal.md). With -cell alone, the same numbers as buildCrystal.
 */
function crystalFromArgs(
  args: PhysicsArgs, lambda: number, matText: string | undefined, messages: string[], warnings: string[], clipWarnings: string[],
): Crystal {
  let matrix: number[] | undefined;
  if (args.matPath !== undefined) {
    if (matText === undefined) throw new SetupError(`-mat ${args.matPath}: the matrix file was not read (pass its text as matText)`);
    matrix = readMatrixNumbers(matText);
    if (matrix.length < 9) {
      throw InputFileError.fromLine(`-mat ${args.matPath}: expected 9 numbers (the A matrix), found ${matrix.length} before a non-number or the end of the file`);
    }
  }
  // beam clipping (C M:1130-1139): y and z only; the labels are C's ("high" is y)
  const sample: Vec3 = [...args.sample_m];
  const beam = args.beamsize_m;
  if (beam >= 0) {
    if (beam < sample[1]) {
      clipWarnings.push(`WARNING: clipping sample (${formatG(sample[1])} m high) with beam (${formatG(beam)} m)`);
      sample[1] = beam;
    }
    if (beam < sample[2]) {
      clipWarnings.push(`WARNING: clipping sample (${formatG(sample[2])} m wide) with beam (${formatG(beam)} m)`);
      sample[2] = beam;
    }
  }
  try {
    const c = setupCrystal({
      cell: args.cell, matrix, matrixName: args.matPath, lambda,
      misset: args.misset, missetSeed: args.missetSeed ?? timeSeed(),
      mosaicSpread: args.mosaicSpread_rad, mosaicDomains: args.mosaicDomains, mosaicSeed: args.mosaicSeed,
      N: [args.Na, args.Nb, args.Nc], sample,
    });
    if (!c.a0.every(Number.isFinite) || !c.b0.every(Number.isFinite) || !c.c0.every(Number.isFinite)) {
      throw InputFileError.fromLine(`-mat ${args.matPath ?? ''}: the matrix gives no unit cell (zero volume)`);
    }
    messages.push(...c.messages);
    warnings.push(...c.warnings);
    return c;
  } catch (e) {
    if (e instanceof CrystalError) throw new SetupError(e.message);
    throw e;
  }
}

/**
 * The phi table expanded by the mosaic domains, in C's loop order (phi outer, domain inner): entry
 * tic*D + d holds U_d applied to step tic's vectors (C's rotate_umat) when the spread is > 0, else the step's
 * vectors; then D stale slots U_d (a0, b0, c0) for the very first evaluation (C-PARITY-001).
 */
function mosaicTable(crystal: Crystal, p: { table: Float64Array; phi0IsZero: boolean }, phisteps: number) {
  const umats = crystal.umats ?? [[1, 0, 0, 0, 1, 0, 0, 0, 1]];
  const D = umats.length;
  const rotate = (crystal.mosaicSpread ?? 0) > 0;
  const entries = phisteps * D;
  const staleSlots = p.phi0IsZero ? D : 0;
  if (D === 1 && !rotate) return { table: p.table, phi0IsZero: p.phi0IsZero, domains: 1, entries, staleSlots };
  const table = new Float64Array((entries + D) * 9);
  const put = (slot: number, src: number, u: readonly number[]) => {
    for (let v = 0; v < 3; v++) {
      const o = src * 9 + v * 3;
      const x: Vec3 = [p.table[o], p.table[o + 1], p.table[o + 2]];
      table.set(rotate ? rotateUmat(x, u) : x, slot * 9 + v * 3);
    }
  };
  for (let tic = 0; tic < phisteps; tic++) for (let d = 0; d < D; d++) put(tic * D + d, tic, umats[d]);
  for (let d = 0; d < D; d++) put(entries + d, phisteps, umats[d]);
  return { table, phi0IsZero: p.phi0IsZero, domains: D, entries, staleSlots };
}
