// The typed result of parsing a nanoBragg command line (SimArgs), its defaults (C's, main:nanoBragg.c M:300-470)
// and limits, and the one error type of the parser. Pure module: the browser front end uses it too.

import type { Backend, Dtype } from '../../backends/names.ts';

export type Convention = 'mosflm' | 'denzo' | 'adxv' | 'xds' | 'dials' | 'custom';
export type Pivot = 'beam' | 'sample';
export type VectorName = 'fdet' | 'sdet' | 'odet' | 'beam' | 'polar' | 'spindle' | 'twothetaAxis';

/** The detector options, in the state C leaves them at the end of parsing (used by src/physics/detector.ts). */
export interface DetectorArgs {
  /** The last convention option (a vector option selects 'custom'); default MOSFLM. */
  convention: Convention;
  /** The last pivot side effect (used only by CUSTOM: the other conventions force theirs). */
  pivot: Pivot;
  /** User vectors (any of them switched to CUSTOM); used only while the convention is CUSTOM. */
  vectors: Partial<Record<VectorName, [number, number, number]>>;
  Xclose_m?: number;
  Yclose_m?: number;
  ORGX?: number;
  ORGY?: number;
  /** Radians (degrees / RTD). */
  rotx: number;
  roty: number;
  rotz: number;
  twotheta: number;
}

export function defaultDetectorArgs(): DetectorArgs {
  return { convention: 'mosflm', pivot: 'beam', vectors: {}, rotx: 0, roty: 0, rotz: 0, twotheta: 0 };
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One line, naming the option and the problem. */
export class ArgError extends Error {
  constructor(
    message: string,
    readonly flag?: string,
  ) {
    // a token holding a line break or another control character is shown escaped: the message stays one line
    super(message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => CONTROL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    this.name = 'ArgError';
  }
}


export type { Backend, Dtype };
export type CrystalShape = 'square' | 'round' | 'gauss' | 'tophat';

/** Which part of the program an option is for: the image (physics), the files written (output), or the run (host). */
export type ArgGroup = 'physics' | 'output' | 'host';

/**
 * Everything the physics set-up reads (src/simulator/setup.ts and the src/physics/ code it calls): what the float image is, and
 * the input files that define it. No option here names a file written, an engine, or how the run is driven.
 */
export interface PhysicsArgs {
  hklPath?: string;
  /** F for every reflection not in the HKL file (C default_F, default 0). */
  defaultF: number;
  /** a b c in Å, α β γ in degrees, as given; the crystal code converts (÷RTD, ×1e-10). */
  cell?: [number, number, number, number, number, number];
  /** Raw -N/-Na/-Nb/-Nc values (>= 0); clamped to >= 1 later, after the interpolation auto-select (T-4). */
  Na: number;
  Nb: number;
  Nc: number;
  /** Wavelength in m (unset: 1.0e-10, applied by the physics code). */
  lambda_m?: number;
  distance_m?: number;
  closeDistance_m?: number;
  pixel_m: number;
  detpixels_f?: number;
  detpixels_s?: number;
  detsize_f_m?: number;
  detsize_s_m?: number;
  /** MOSFLM: Xbeam is along the slow axis, Ybeam along the fast axis (T-16). */
  Xbeam_m?: number;
  Ybeam_m?: number;
  /** -1 = auto (§5.8). */
  oversample: number;
  oversampleThick: boolean;
  oversamplePolar: boolean;
  oversampleOmega: boolean;
  /** 2 = auto (§3.1), 1 = -interpolate, 0 = -nointerpolate. */
  interpolate: 0 | 1 | 2;
  /** m; C default 0. */
  detectorThick_m: number;
  /** m⁻¹; -1 = unset (then 1/thickness, §4.2); 0 after `-detector_abs inf|0`. */
  detectorMu: number;
  /** -1 = auto; 0 also means auto (C: <= 0). */
  thicksteps: number;
  /** Kahn factor K (C `polarization`, default 0). */
  polarization: number;
  nopolar: boolean;
  /** Incident intensity (src/physics/beam.ts): -fluence photons/m^2 (unset: default), -flux photons/s, -exposure s, -beamsize m. */
  fluence?: number;
  flux: number;
  exposure: number;
  beamsize_m: number;
  /** Beam divergence and dispersion as C stores them (rad, fraction; -1 = unset; dispersion 0.0 by default). */
  div: { hsteps: number; vsteps: number; hrange: number; vrange: number; hstep: number; vstep: number; dispersion: number; dispsteps: number; roundDiv: boolean };
  /** -water (µm / 1e6, m): water background thickness; 0 = none. */
  water_m: number;
  /** -dmin (Å * 1e-10, m): skip evaluations finer than this d-spacing; 0 or less = off. */
  dmin_m: number;
  /** -sourcefile FILE: the source list (X Y Z weight lambda per line) instead of -divergence/-dispersion. */
  sourcePath?: string;
  /** -stol/-4stol/-Q FILE (the last wins, as in C): read and checked as nanoBragg reads it, never used. */
  stolPath?: string;
  stolFlag?: string;
  pointPixel: boolean;
  shape: CrystalShape;
  fudge: number;
  /** Radians (degrees / RTD). osc, phistep and phisteps: -1 = auto (§5.10). */
  phi_rad: number;
  osc_rad: number;
  phistep_rad: number;
  phisteps: number;
  /** -roi xmin xmax ymin ymax: fast then slow, inclusive pixel indices (T-23). */
  roi?: { xmin: number; xmax: number; ymin: number; ymax: number };
  /** -mat/-matrix: MOSFLM A matrix file (its text is read by prepareSimulation). */
  matPath?: string;
  /** -misset: fixed angles in radians (C: degrees / RTD), or 'random' (src/physics/crystal.ts). */
  misset?: [number, number, number] | 'random';
  /** -misset_seed as C stores it (-atoi); unset: -time(), as C. */
  missetSeed?: number;
  /** -mosaic/-mosaicity/-mosaic_spread in radians; -1 = not given. */
  mosaicSpread_rad: number;
  /** -mosaic_domains/-mosaic_dom; -1 = not given. */
  mosaicDomains: number;
  /** -mosaic_seed as C stores it (-atoi); C default -12345678. */
  mosaicSeed: number;
  /** Crystal size along a, b, c in m (-sample_thick/-sample_width/-sample_height and aliases); 0 = use N. */
  sample_m: [number, number, number];
  /** -curved_det: every pixel at the same distance from the sample (docs/c-behaviour/detector.md). */
  curved?: boolean;
  /** -img FILE (SMV): only its header is used (detector defaults; C never uses its pixels). */
  imgPath?: string;
  /** -mask FILE (SMV; zero pixels are skipped; its header sets detector defaults). */
  maskPath?: string;
  /** Detector conventions, pivot, vectors, rotations (src/physics/detector.ts); unset: MOSFLM defaults. */
  det?: DetectorArgs;
}

/** What is written from the image: the files, their scales, the noise image and C's per-pixel trace. */
export interface OutputArgs {
  floatfile?: string;
  intfile?: string;
  /** Written only when given and `nopgm` is false at the end of the command line (C's write_pgm). */
  pgmfile?: string;
  /** -scale: SMV int image scale, 0 = auto (55000/max). */
  scale: number;
  /** -pgmscale: PGM scale, <= 0 = auto (C: 250/(5 rmsd), or the int scale when rmsd is 0). */
  pgmScale?: number;
  /** -adc: offset added to int image pixels (default 40). */
  adc: number;
  nonoise: boolean;
  nopgm: boolean;
  /** -printout / -printout_pixel: C's per-pixel trace on stdout (src/simulator/c-trace.ts). */
  printout?: boolean;
  /** -printout_pixel F S with F >= 0: trace only this pixel (fast, slow). */
  printoutPixel?: { f: number; s: number };
  /** -seed as given (C's seed variable is seedFromFlag(seed), physics/rng.ts); default: C's -time(). Only the noise image uses it. */
  seed?: number;
  /** -noisefile/-noiseimage: the Poisson noise SMV image; written unless a later -nonoise cancels it. */
  noisefile?: string;
  pngfile?: string;
  /** -cbffile: the SMV integer image's pixels as a byte-offset miniCBF (PILATUS_1.2 header), src/io/cbf.ts. */
  cbffile?: string;
}

/**
 * How the run is driven: engine and precision, threads, progress, debugging, run length, batch and series, help;
 * and the notes of the parse (warnings, the no-op options) that the host prints.
 */
export interface HostArgs {
  noprogress: boolean;
  backend: Backend;
  dtype: Dtype;
  threads?: number;
  debug: boolean;
  /** --long-run: more than LONG_RUN_EVALUATIONS evaluations are allowed. */
  longRun?: boolean;
  /** --batch FILE: one nanoBragg command line per line of FILE, all in one process (src/simulator/batch.ts). */
  batch?: string;
  /** --series N: N images stepping -phi by -osc, outputs numbered name_0001.ext ... (src/simulator/batch.ts). */
  series?: number;
  /** --help (or -h/-help) was given: print usage(), nothing else was checked. */
  help: boolean;
  /** C options accepted that never change the image (-stolout, -coherent, -density, -MW), for the one-line note. */
  noops: string[];
  /** C-faithful combinations that are almost certainly not what was meant (e.g. an all-zero image). */
  warnings: string[];
}

/** The parsed command line: the three groups together (a physics function takes PhysicsArgs or a Pick of it). */
export type SimArgs = PhysicsArgs & OutputArgs & HostArgs;

/** What the setter of any option may write besides its group's keys: the notes of the parse, which the host prints. */
export type ParseNotes = Pick<HostArgs, 'warnings' | 'noops'>;
/** What the setter of an option of each group may read and write (src/simulator/options/table.ts). */
export interface GroupArgs {
  physics: PhysicsArgs & ParseNotes;
  output: OutputArgs & ParseNotes;
  host: HostArgs;
}

/** Every key of T, each once (an object literal of this type must name them all and nothing else). */
type KeySet<T> = { readonly [K in keyof T]-?: true };
const keyList = <T>(set: KeySet<T>) => Object.freeze(Object.keys(set)) as readonly (keyof T & string)[];

/** The keys of each group, for run-time checks (tests/args-groups.test.ts); the compiler keeps them complete. */
export const PHYSICS_ARG_KEYS = keyList<PhysicsArgs>({
  hklPath: true, defaultF: true, cell: true, Na: true, Nb: true, Nc: true, lambda_m: true, distance_m: true, closeDistance_m: true,
  pixel_m: true, detpixels_f: true, detpixels_s: true, detsize_f_m: true, detsize_s_m: true, Xbeam_m: true, Ybeam_m: true,
  oversample: true, oversampleThick: true, oversamplePolar: true, oversampleOmega: true, interpolate: true, detectorThick_m: true,
  detectorMu: true, thicksteps: true, polarization: true, nopolar: true, fluence: true, flux: true, exposure: true, beamsize_m: true,
  div: true, water_m: true, dmin_m: true, sourcePath: true, stolPath: true, stolFlag: true, pointPixel: true, shape: true, fudge: true,
  phi_rad: true, osc_rad: true, phistep_rad: true, phisteps: true, roi: true, matPath: true, misset: true, missetSeed: true,
  mosaicSpread_rad: true, mosaicDomains: true, mosaicSeed: true, sample_m: true, curved: true, imgPath: true, maskPath: true, det: true,
});
export const OUTPUT_ARG_KEYS = keyList<OutputArgs>({
  floatfile: true, intfile: true, pgmfile: true, scale: true, pgmScale: true, adc: true, nonoise: true, nopgm: true, printout: true,
  printoutPixel: true, seed: true, noisefile: true, pngfile: true, cbffile: true,
});
export const HOST_ARG_KEYS = keyList<HostArgs>({
  noprogress: true, backend: true, dtype: true, threads: true, debug: true, longRun: true, batch: true, series: true, help: true,
  noops: true, warnings: true,
});

// the three groups share no key (a key in two would make SimArgs' intersection hide the overlap)
type Overlap = (keyof PhysicsArgs & keyof OutputArgs) | (keyof PhysicsArgs & keyof HostArgs) | (keyof OutputArgs & keyof HostArgs);
const NO_OVERLAP: [Overlap] extends [never] ? true : Overlap = true;
void NO_OVERLAP;


/** Most evaluations (pixels x layers x steps) a run may take without --long-run: about an hour of one core. */
export const LONG_RUN_EVALUATIONS = 1e11;

/** Largest detector side we accept, in pixels. */
export const MAX_DETPIXELS = 65536;
/** Largest float32 image we accept, in bytes. */
export const MAX_IMAGE_BYTES = 2 * 1024 ** 3;

export function defaultSimArgs(): SimArgs {
  return {
    defaultF: 0,
    mosaicSpread_rad: -1,
    mosaicDomains: -1,
    mosaicSeed: -12345678,
    sample_m: [0, 0, 0],
    beamsize_m: 1e-4,
    Na: 1,
    Nb: 1,
    Nc: 1,
    pixel_m: 0.1e-3,
    oversample: -1,
    oversampleThick: false,
    oversamplePolar: false,
    oversampleOmega: false,
    interpolate: 2,
    detectorThick_m: 0,
    detectorMu: -1,
    thicksteps: -1,
    polarization: 0,
    nopolar: false,
    flux: 0,
    exposure: 1.0,
    noops: [],
    dmin_m: 0,
    water_m: 0,
    div: { hsteps: -1, vsteps: -1, hrange: -1, vrange: -1, hstep: -1, vstep: -1, dispersion: 0.0, dispsteps: -1, roundDiv: true },
    pointPixel: false,
    shape: 'square',
    fudge: 1,
    phi_rad: 0,
    osc_rad: -1,
    phistep_rad: -1,
    phisteps: -1,
    scale: 0,
    adc: 40,
    nonoise: false,
    nopgm: false,
    noprogress: false,
    backend: 'auto',
    dtype: 'f32',
    debug: false,
    help: false,
    warnings: [],
  };
}

