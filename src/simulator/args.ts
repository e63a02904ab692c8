// nanoBragg's command line -> a typed SimArgs, with the C program's semantics (docs/c-behaviour/minimal-loop.md §1.1, §1.3,
// §3.1, §4.1, §5.1, §5.8, §5.10; traps T-4, T-8, T-14..T-18, T-23), and one clear line for anything else.
//
// Pure module (no Node built-ins): the browser front end uses it too.
//
// What is kept from C (main:nanoBragg.c M:470-990):
//  * options act in command-line order, so the last of -lambda/-wave/-energy wins, -N and -Na/-Nb/-Nc
//    overwrite each other, -interpolate/-nointerpolate: last wins, and `-detector_abs inf|0` zeroes the
//    thickness at that point: a later -detector_thick sets it again, with mu = 0 (T-8);
//  * unit conversions in C's exact arithmetic form: λ = Å / 1.0e10, E -> (12398.42/E) / 1.0e10,
//    mm / 1000.0, µm * 1e-6, mu = 1.0 / (µm * 1e-6), degrees / RTD with RTD = 180.0 * M_1_PI;
//  * sentinels: detectorMu -1 (unset), thicksteps -1 (auto), oversample -1 (auto), osc/phistep/phisteps -1
//    (auto, §5.10), interpolate 2 (auto). Na/Nb/Nc are stored raw (0 allowed): the interpolation
//    auto-selection looks at them before the clamp to >= 1 (T-4), which the physics code applies;
//  * -polar K also switches -nopolar off again (C sets nopolar = 0), -pgmfile after -nopgm switches the
//    PGM back on and -nopgm after -pgmfile switches it off (C's write_pgm), -progress after -noprogress.
//
// Where we are deliberately stricter than C (C never complains, it silently does something):
//  * exact option names, no strstr() substring matching (T-18); the explicit alternative names C tests for
//    are aliases (-wave, -detector_absorb, -thicksteps, -detpixels_x/_y, -floatimage, ...), and the
//    spellings scripts use that C matches by substring (-wavelength, -adcoffset, -pixel_size, ...) are
//    mapped in C_SPELLINGS; words C ignores (-hdiv, -vdiv, -dispstep, ...: C_IGNORED) are accepted with a
//    warning; anything else unknown is an error with a suggestion;
//  * unknown options and stray words are errors (C ignores them); known nanoBragg options that this port
//    does not implement are errors naming the option, never ignored;
//  * a value is required after every value option; a following token that starts with '-' and is not a
//    number is taken as a missing value (C would use it as the value AND as an option), so a file named
//    `-x.bin` must be written `./-x.bin`;
//  * numbers: the whole token must be a plain decimal number (C's atof reads a prefix: "12abc" -> 12);
//    integer options (C atoi: "2.7" -> 2) need an integer-valued number ("2", "2.0", "1e3");
//  * ranges are checked (see RANGE notes in the table); C's "<= 0 means auto" for -oversample is refused
//    (leave the option out for auto), while -thicksteps 0 and -phisteps 0 are accepted with C's meaning
//    (thicksteps <= 0: auto, §4.2; phisteps 0: one step with the user-steps rules, §5.10);
//  * -cell needs all six numbers (C silently stops at the first missing/negative one);
//  * outputs are written only when asked for (C writes floatimage.bin, intimage.img, image.pgm and a
//    noise image by default; the drop-in `nanoBragg` command, src/nanobragg-cli.ts, does that).

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

import { BACKEND_CHOICES, DTYPES, backendDescriptor, backendsWith, type Backend, type Dtype } from '../backends/names.ts';
export type { Backend, Dtype };
export type CrystalShape = 'square' | 'round' | 'gauss' | 'tophat';

export interface SimArgs {
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
  /** C options accepted that never change the image (-stolout, -coherent, -density, -MW), for the one-line note. */
  noops: string[];
  pointPixel: boolean;
  shape: CrystalShape;
  fudge: number;
  /** Radians (degrees / RTD). osc, phistep and phisteps: -1 = auto (§5.10). */
  phi_rad: number;
  osc_rad: number;
  phistep_rad: number;
  phisteps: number;
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
  /** -roi xmin xmax ymin ymax: fast then slow, inclusive pixel indices (T-23). */
  roi?: { xmin: number; xmax: number; ymin: number; ymax: number };
  nonoise: boolean;
  nopgm: boolean;
  noprogress: boolean;
  /** -printout / -printout_pixel: C's per-pixel trace on stdout (src/simulator/c-trace.ts). */
  printout?: boolean;
  /** -printout_pixel F S with F >= 0: trace only this pixel (fast, slow). */
  printoutPixel?: { f: number; s: number };
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
  /** -seed as given (C's seed variable is seedFromFlag(seed), physics/rng.ts); default: C's -time(). */
  seed?: number;
  /** -noisefile/-noiseimage: the Poisson noise SMV image; written unless a later -nonoise cancels it. */
  noisefile?: string;
  backend: Backend;
  dtype: Dtype;
  threads?: number;
  pngfile?: string;
  /** -cbffile: the SMV integer image's pixels as a byte-offset miniCBF (PILATUS_1.2 header), src/io/cbf.ts. */
  cbffile?: string;
  debug: boolean;
  /** --long-run: more than LONG_RUN_EVALUATIONS evaluations are allowed. */
  longRun?: boolean;
  /** --batch FILE: one nanoBragg command line per line of FILE, all in one process (src/simulator/batch.ts). */
  batch?: string;
  /** --series N: N images stepping -phi by -osc, outputs numbered name_0001.ext ... (src/simulator/batch.ts). */
  series?: number;
  /** -curved_det: every pixel at the same distance from the sample (docs/c-behaviour/detector.md). */
  curved?: boolean;
  /** -img FILE (SMV): only its header is used (detector defaults; C never uses its pixels). */
  imgPath?: string;
  /** -mask FILE (SMV; zero pixels are skipped; its header sets detector defaults). */
  maskPath?: string;
  /** Detector conventions, pivot, vectors, rotations (src/physics/detector.ts); unset: MOSFLM defaults. */
  det?: DetectorArgs;
  /** --help (or -h/-help) was given: print usage(), nothing else was checked. */
  help: boolean;
  /** C-faithful combinations that are almost certainly not what was meant (e.g. an all-zero image). */
  warnings: string[];
}

/** C's RTD = 180.0*M_1_PI; 1/Math.PI is bit-identical to M_1_PI. */
const RTD = 180.0 * (1 / Math.PI);

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

// ---------------------------------------------------------------------------------------------------
// Value parsing

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITE = /^[+-]?inf(?:inity)?$/i;

/** A token that can be an option's value even though it starts with '-' (a negative number). */
function valueLike(tok: string): boolean {
  return !tok.startsWith('-') || DECIMAL.test(tok) || INFINITE.test(tok);
}

/** The unit part of messages: "(mm)", or "" when there is none. */
function paren(unit: string): string {
  return unit ? ` (${unit})` : '';
}

function real(flag: string, tok: string, unit: string): number {
  if (INFINITE.test(tok)) throw new ArgError(`option '${flag}' expects a finite number${paren(unit)}, got '${tok}'`, flag);
  if (!DECIMAL.test(tok)) throw new ArgError(`option '${flag}' expects a number${paren(unit)}, got '${tok}'`, flag);
  const v = Number(tok);
  if (!Number.isFinite(v)) throw new ArgError(`option '${flag}' expects a finite number${paren(unit)}, got '${tok}'`, flag);
  return v;
}

function int(flag: string, tok: string, unit: string): number {
  const v = real(flag, tok, unit);
  if (!Number.isInteger(v)) {
    throw new ArgError(
      `option '${flag}' expects an integer${paren(unit)}, got '${tok}' (nanoBragg's atoi would silently use ${Math.trunc(v)})`,
      flag,
    );
  }
  if (Math.abs(v) > 2147483647) {
    throw new ArgError(`option '${flag}' value '${tok}' is out of range: must fit a 32-bit integer`, flag);
  }
  return v;
}

type Check = [test: (v: number) => boolean, range: string];
const GT0: Check = [(v) => v > 0, '> 0'];
const GE0: Check = [(v) => v >= 0, '>= 0'];
const GE1: Check = [(v) => v >= 1, '>= 1'];
const DETPIX: Check = [(v) => v >= 1 && v <= MAX_DETPIXELS, `1..${MAX_DETPIXELS}`];
const ANGLE: Check = [(v) => v > 0 && v < 180, 'in (0, 180)'];
const KAHN: Check = [(v) => v >= -1 && v <= 1, 'in [-1, 1]'];

function check(flag: string, tok: string, v: number, unit: string, [ok, range]: Check): number {
  if (!ok(v)) throw new ArgError(`option '${flag}' value '${tok}' is out of range: must be ${range}${paren(unit)}`, flag);
  return v;
}

/** A value that must stay positive and finite after its unit conversion (5e-324 mm is 0 m; 1e-320 eV is an infinite wavelength). */
function positive(flag: string, tok: string, v: number, unit: string): number {
  if (!(v > 0 && v < Infinity)) {
    throw new ArgError(`option '${flag}' value '${tok}' is out of range: too ${v > 0 ? 'large' : 'small'} to convert from ${unit} to SI units`, flag);
  }
  return v;
}

const realIn = (flag: string, tok: string, unit: string, c?: Check) =>
  c ? check(flag, tok, real(flag, tok, unit), unit, c) : real(flag, tok, unit);
const intIn = (flag: string, tok: string, unit: string, c?: Check) =>
  c ? check(flag, tok, int(flag, tok, unit), unit, c) : int(flag, tok, unit);
/** A length given in mm, in metres (C: mm / 1000.0). */
const metres = (flag: string, tok: string) => positive(flag, tok, realIn(flag, tok, 'mm', GT0) / 1000.0, 'mm');

// ---------------------------------------------------------------------------------------------------
// The option table

interface OptionSpec {
  /** First is the name shown in help; the rest are accepted aliases. */
  names: readonly string[];
  /** Value placeholders for help and the "needs" message, e.g. ['mm']; [] for a switch. */
  values: readonly string[];
  /** Short unit/meaning of the value(s) for messages. */
  unit: string;
  help: string;
  /** Default as shown in help ('' = none worth showing). */
  dflt: string;
  /** Fewest values (default: all of `values`); values beyond it are taken while they look like values. */
  minValues?: number;
  apply(a: SimArgs, v: readonly string[], flag: string): void;
}

const sw = (names: readonly string[], help: string, apply: (a: SimArgs) => void, dflt = 'off'): OptionSpec => ({
  names,
  values: [],
  unit: '',
  help,
  dflt,
  apply: (a) => apply(a),
});
const one = (
  names: readonly string[],
  value: string,
  unit: string,
  help: string,
  dflt: string,
  apply: (a: SimArgs, tok: string, flag: string) => void,
): OptionSpec => ({ names, values: [value], unit, help, dflt, apply: (a, v, f) => apply(a, v[0], f) });

function noop(a: SimArgs, flag: string): void {
  if (!a.noops.includes(flag)) a.noops.push(flag);
}

const NANOBRAGG_OPTIONS: readonly OptionSpec[] = [
  // crystal and structure factors
  one(['-hkl'], 'file', 'path', 'text file of h k l F (P1)', 'none', (a, t) => (a.hklPath = t)),
  one(['-default_F'], 'F', 'electrons', 'F of every reflection not in the HKL file', '0', (a, t, f) => (a.defaultF = realIn(f, t, ''))),
  {
    names: ['-cell'],
    values: ['a', 'b', 'c', 'alpha', 'beta', 'gamma'],
    unit: 'Å, then degrees',
    help: 'unit cell (Å, degrees); required unless -mat is given',
    dflt: 'none',
    apply(a, v, f) {
      const len = v.slice(0, 3).map((t) => realIn(f, t, 'Å', GT0));
      const ang = v.slice(3).map((t) => realIn(f, t, 'degrees', ANGLE));
      const [ca, cb, cg] = ang.map((d) => Math.cos(d / RTD));
      if (1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg <= 1e-9) {
        throw new ArgError(`option '${f}' angles ${v.slice(3).join(' ')} do not form a cell (zero or imaginary volume)`, f);
      }
      a.cell = [len[0], len[1], len[2], ang[0], ang[1], ang[2]];
    },
  },
  one(['-N'], 'n', 'unit cells', 'unit cells along a, b and c (sets -Na -Nb -Nc)', '1', (a, t, f) => {
    a.Na = a.Nb = a.Nc = intIn(f, t, 'unit cells', GE0);
  }),
  one(['-Na'], 'n', 'unit cells', 'unit cells along a', '1', (a, t, f) => (a.Na = intIn(f, t, 'unit cells', GE0))),
  one(['-Nb'], 'n', 'unit cells', 'unit cells along b', '1', (a, t, f) => (a.Nb = intIn(f, t, 'unit cells', GE0))),
  one(['-Nc'], 'n', 'unit cells', 'unit cells along c', '1', (a, t, f) => (a.Nc = intIn(f, t, 'unit cells', GE0))),
  sw(['-square_xtal'], 'parallelepiped crystal: sincg lattice factor', (a) => (a.shape = 'square'), 'on'),
  sw(['-round_xtal'], 'ellipsoidal crystal: sinc3 lattice factor', (a) => (a.shape = 'round')),
  sw(['-gauss_xtal'], 'Gaussian spots, no inter-Bragg maxima', (a) => (a.shape = 'gauss')),
  sw(['-tophat_spots', '-binary_spots'], 'lattice factor clipped at the FWHM', (a) => (a.shape = 'tophat')),
  one(['-fudge'], 'x', '', 'spot-width factor for round/gauss/tophat shapes', '1', (a, t, f) => (a.fudge = realIn(f, t, '', GT0))),
  sw(['-interpolate'], 'force tricubic interpolation of F between reflections', (a) => (a.interpolate = 1), 'auto: on if any N <= 2'),
  sw(['-nointerpolate'], 'nearest-reflection F only', (a) => (a.interpolate = 0), 'auto'),
  // crystal orientation, mosaicity and size (src/physics/crystal.ts, docs/c-behaviour/crystal.md)
  one(['-mat', '-matrix'], 'file', 'path', 'MOSFLM A matrix (a*, b*, c* as columns, times lambda); -cell then optional', 'none', (a, t) => (a.matPath = t)),
  {
    names: ['-misset'],
    values: ['x|random', 'y', 'z'],
    unit: 'degrees about x, y, z, or random',
    help: 'rotate a*, b*, c* about fixed x, then y, then z (0 skips an axis); random: C\'s random orientation',
    dflt: 'none',
    minValues: 1,
    apply(a, v, f) {
      if (v.length === 1 && v[0] === 'random') {
        a.misset = 'random';
        return;
      }
      if (v.length !== 3) throw new ArgError(`option '${f}' needs 3 values: x y z (degrees), or the word random`, f);
      const [x, y, z] = v.map((t) => realIn(f, t, 'degrees') / RTD);
      a.misset = [x, y, z];
    },
  },
  one(['-misset_seed'], 'n', '', 'seed of -misset random (C default: -time())', 'time', (a, t, f) => (a.missetSeed = seedFromFlag(intIn(f, t, '')))),
  one(['-mosaic', '-mosaicity', '-mosaic_spread'], 'deg', 'degrees', 'mosaic spread: largest domain rotation', 'none', (a, t, f) => {
    a.mosaicSpread_rad = realIn(f, t, 'degrees', GE0) / RTD;
  }),
  one(['-mosaic_domains', '-mosaic_dom'], 'n', 'domains', 'mosaic domains (10 if only -mosaic is given)', '1', (a, t, f) => {
    a.mosaicDomains = intIn(f, t, 'domains', [(v) => v >= 1 && v <= 1_000_000, '1..1000000']);
  }),
  one(['-mosaic_seed'], 'n', '', 'seed of the mosaic domain orientations', '-12345678', (a, t, f) => (a.mosaicSeed = seedFromFlag(intIn(f, t, '')))),
  one(['-xtalsize', '-xtal_size', '-samplesize', '-sample_size'], 'mm', 'mm', 'crystal size along a, b and c (overrides -N per axis)', 'from -N', (a, t, f) => {
    const m = realIn(f, t, 'mm', GE0) / 1000.0;
    a.sample_m = [m, m, m];
  }),
  one(['-sample_thick', '-sample_x', '-xtal_thick', '-xtal_x'], 'mm', 'mm', 'crystal size along a (overrides -Na)', 'from -Na', (a, t, f) => {
    a.sample_m[0] = realIn(f, t, 'mm', GE0) / 1000.0;
  }),
  one(['-sample_width', '-sample_y', '-xtal_width', '-xtal_y', '-width'], 'mm', 'mm', 'crystal size along b (overrides -Nb; clipped by -beamsize)', 'from -Nb', (a, t, f) => {
    a.sample_m[1] = realIn(f, t, 'mm', GE0) / 1000.0;
  }),
  one(['-sample_height', '-sample_z', '-xtal_height', '-xtal_z', '-sample_heigh', '-xtal_heigh', '-height', '-heigh'], 'mm', 'mm', 'crystal size along c (overrides -Nc; clipped by -beamsize)', 'from -Nc', (a, t, f) => {
    a.sample_m[2] = realIn(f, t, 'mm', GE0) / 1000.0;
  }),
  // beam
  one(['-lambda', '-wave'], 'Å', 'Å', 'wavelength', '1', (a, t, f) => (a.lambda_m = positive(f, t, realIn(f, t, 'Å', GT0) / 1.0e10, 'Å'))),
  one(['-energy'], 'eV', 'eV', 'photon energy instead of -lambda (last of the two wins)', '12398.42', (a, t, f) => {
    a.lambda_m = positive(f, t, 12398.42 / realIn(f, t, 'eV', GT0) / 1.0e10, 'eV');
  }),
  one(['-polar'], 'K', 'Kahn factor', 'Kahn polarization factor (also undoes -nopolar)', '0', (a, t, f) => {
    a.polarization = realIn(f, t, 'Kahn factor', KAHN);
    a.nopolar = false;
  }),
  sw(['-nopolar'], 'no polarization correction', (a) => (a.nopolar = true)),
  // incident intensity, resolved after parsing (a non-zero -flux replaces -fluence in any order): src/physics/beam.ts
  one(['-fluence'], 'photons/m^2', 'photons/m^2', 'incident fluence (replaced by -flux)', '1/r_e^2 = 1.259e29', (a, t, f) => (a.fluence = realIn(f, t, 'photons/m^2'))),
  one(['-flux'], 'photons/s', 'photons/s', 'incident flux; non-zero: fluence = flux*exposure/beamsize^2', '0 (use -fluence)', (a, t, f) => (a.flux = realIn(f, t, 'photons/s'))),
  one(['-exposure'], 's', 's', 'exposure time for -flux (<= 0: -flux ignored)', '1', (a, t, f) => (a.exposure = realIn(f, t, 's'))),
  one(['-beamsize'], 'mm', 'mm', 'beam size: fluence from -flux, and clips the crystal\'s b and c sizes (< 0: neither; 0: infinite fluence)', '0.1', (a, t, f) => (a.beamsize_m = realIn(f, t, 'mm') / 1000.0)),
  // sources (src/physics/sources.ts): C's automatic step/range rules; a negative value means unset
  one(['-divergence'], 'mrad', 'mrad', 'full divergence range, both axes', 'none', (a, t, f) => (a.div.hrange = a.div.vrange = realIn(f, t, 'mrad') / 1000.0)),
  one(['-hdivrange'], 'mrad', 'mrad', 'full horizontal divergence range', 'none', (a, t, f) => (a.div.hrange = realIn(f, t, 'mrad') / 1000.0)),
  one(['-vdivrange'], 'mrad', 'mrad', 'full vertical divergence range', 'none', (a, t, f) => (a.div.vrange = realIn(f, t, 'mrad') / 1000.0)),
  one(['-hdivstep'], 'mrad', 'mrad', 'horizontal divergence step', 'auto', (a, t, f) => (a.div.hstep = realIn(f, t, 'mrad') / 1000.0)),
  one(['-vdivstep'], 'mrad', 'mrad', 'vertical divergence step', 'auto', (a, t, f) => (a.div.vstep = realIn(f, t, 'mrad') / 1000.0)),
  one(['-hdivsteps'], 'n', 'steps', 'horizontal divergence points', 'auto', (a, t, f) => (a.div.hsteps = intIn(f, t, 'steps'))),
  one(['-vdivsteps'], 'n', 'steps', 'vertical divergence points', 'auto', (a, t, f) => (a.div.vsteps = intIn(f, t, 'steps'))),
  one(['-divsteps'], 'n', 'steps', 'divergence points on both axes', 'auto', (a, t, f) => (a.div.hsteps = a.div.vsteps = intIn(f, t, 'steps'))),
  sw(['-round_div'], 'trim the divergence grid to an ellipse', (a) => (a.div.roundDiv = true), 'on'),
  sw(['-square_div'], 'keep the whole divergence grid', (a) => (a.div.roundDiv = false)),
  one(['-dispersion'], '%', '%', 'full spectral width', '0', (a, t, f) => (a.div.dispersion = realIn(f, t, '%') / 100.0)),
  one(['-dispsteps'], 'n', 'steps', 'wavelengths across the dispersion', 'auto', (a, t, f) => (a.div.dispsteps = intIn(f, t, 'steps'))),
  one(['-sourcefile'], 'file', 'path', 'source list: X Y Z weight lambda per line (position of the source, lambda in m; weights unused, as in nanoBragg); replaces the divergence and dispersion', 'none', (a, t) => (a.sourcePath = t)),
  one(['-water'], 'µm', 'µm', 'water background of this thickness (also stops the F_latt == 0 skip; not on webgpu)', '0', (a, t, f) => (a.water_m = realIn(f, t, 'µm') / 1e6)),
  one(['-dmin'], 'Å', 'Å', 'skip every source whose d-spacing at a sub-pixel is finer than this', '0 (off)', (a, t, f) => (a.dmin_m = realIn(f, t, 'Å') * 1e-10)),
  // accepted like C, no effect on any output (docs/c-behaviour/beam.md, "No-op options")
  one(['-stolout'], 'file', 'path', 'accepted, no effect (nanoBragg never writes it)', 'none', (a, _t, f) => noop(a, f)),
  ...(['-stol', '-4stol', '-Q'] as const).map((n) => one([n], 'file', 'path', 'read (two columns) as nanoBragg reads it; never used: no effect on the image', 'none', (a, t, f) => {
    a.stolPath = t;
    a.stolFlag = f;
    noop(a, f);
  })),
  sw(['-coherent'], 'accepted, no effect (nanoBragg never uses it)', (a) => noop(a, '-coherent')),
  one(['-density', '-sample_density'], 'g/cm^3', 'g/cm^3', 'accepted, no effect on the image', '1.0', (a, t, f) => (realIn(f, t, 'g/cm^3'), noop(a, f))),
  one(['-MW', '-molecular_weight'], 'Da', 'Da', 'accepted, no effect on the image', '', (a, t, f) => (realIn(f, t, 'Da'), noop(a, f))),
  // detector
  one(['-distance'], 'mm', 'mm', 'sample to detector (beam pivot)', '100', (a, t, f) => (a.distance_m = metres(f, t))),
  one(['-close_distance'], 'mm', 'mm', 'sample to the nearest point of the detector plane', 'from -distance', (a, t, f) => {
    a.closeDistance_m = metres(f, t);
  }),
  one(['-pixel'], 'mm', 'mm', 'pixel size', '0.1', (a, t, f) => (a.pixel_m = metres(f, t))),
  one(['-detpixels'], 'n', 'pixels', 'detector pixels along fast and slow', '1024 (from -detsize)', (a, t, f) => {
    a.detpixels_f = a.detpixels_s = intIn(f, t, 'pixels', DETPIX);
  }),
  one(['-detpixels_f', '-detpixels_x'], 'n', 'pixels', 'detector pixels along fast', 'from -detsize', (a, t, f) => {
    a.detpixels_f = intIn(f, t, 'pixels', DETPIX);
  }),
  one(['-detpixels_s', '-detpixels_y'], 'n', 'pixels', 'detector pixels along slow', 'from -detsize', (a, t, f) => {
    a.detpixels_s = intIn(f, t, 'pixels', DETPIX);
  }),
  one(['-detsize'], 'mm', 'mm', 'detector size along fast and slow (ignored where pixels are given)', '102.4', (a, t, f) => {
    a.detsize_f_m = a.detsize_s_m = metres(f, t);
  }),
  one(['-detsize_f'], 'mm', 'mm', 'detector size along fast', '102.4', (a, t, f) => (a.detsize_f_m = metres(f, t))),
  one(['-detsize_s'], 'mm', 'mm', 'detector size along slow', '102.4', (a, t, f) => (a.detsize_s_m = metres(f, t))),
  one(['-Xbeam'], 'mm', 'mm', 'direct beam position along slow (MOSFLM)', 'centre: (detsize_s+pixel)/2', (a, t, f) => {
    a.Xbeam_m = realIn(f, t, 'mm') / 1000.0;
  }),
  one(['-Ybeam'], 'mm', 'mm', 'direct beam position along fast (MOSFLM)', 'centre: (detsize_f+pixel)/2', (a, t, f) => {
    a.Ybeam_m = realIn(f, t, 'mm') / 1000.0;
  }),
  // detector conventions and geometry (docs/c-behaviour/detector.md)
  ...(['mosflm', 'xds', 'adxv', 'denzo', 'dials'] as const).map((c) =>
    sw([`-${c}`], `${c.toUpperCase()} convention (axes, beam centre, forced pivot)`, (a) => setConvention(a, c), c === 'mosflm' ? 'on' : 'off'),
  ),
  ...([
    ['-fdet_vector', 'fdet', 'fast axis'], ['-sdet_vector', 'sdet', 'slow axis'], ['-odet_vector', 'odet', 'detector normal'],
    ['-beam_vector', 'beam', 'beam direction'], ['-polar_vector', 'polar', 'polarization (E-vector) direction'],
    ['-spindle_axis', 'spindle', 'phi rotation axis'], ['-twotheta_axis', 'twothetaAxis', 'two-theta rotation axis (not normalised)'],
  ] as const).map(([flag, key, what]): OptionSpec => ({
    names: [flag], values: ['x', 'y', 'z'], unit: 'lab vector', help: `${what}; selects the CUSTOM convention`, dflt: 'convention',
    apply(a, v, f) {
      const d = detArgs(a);
      d.vectors[key as VectorName] = [realIn(f, v[0], ''), realIn(f, v[1], ''), realIn(f, v[2], '')];
      d.convention = 'custom';
      if (key === 'twothetaAxis') {
        // C's substring test: '-twotheta_axis x y z' also passes the '-twotheta' test (2theta = x degrees, pivot sample)
        d.twotheta = realIn(f, v[0], 'degrees') / RTD;
        d.pivot = 'sample';
        a.warnings.push(`'-twotheta_axis' also sets -twotheta ${v[0]} (its first value, degrees) and the sample pivot, as in nanoBragg; give -twotheta after it`);
      }
    },
  })),
  {
    names: ['-pix0_vector', '-pix0_vector_mm'], values: ['x', 'y', 'z'], unit: 'lab vector', dflt: 'none',
    help: 'accepted as nanoBragg does: selects CUSTOM, the value is never used',
    apply(a, v, f) {
      for (const t of v) realIn(f, t, '');
      detArgs(a).convention = 'custom';
      a.warnings.push(`'${f}' only selects the CUSTOM convention: nanoBragg never uses its value (pix0 comes from the beam centre and pivot)`);
    },
  },
  one(['-pivot'], 'beam|sample', 'beam or sample', 'detector pivot (CUSTOM only: the conventions force theirs)', 'beam', (a, t, f) => {
    if (t !== 'beam' && t !== 'sample') throw new ArgError(`option '${f}' expects beam or sample, got '${t}'`, f);
    detArgs(a).pivot = t;
  }),
  one(['-Xclose'], 'mm', 'mm', 'near point along fast (CUSTOM; sets the sample pivot)', 'detsize_f/2', (a, t, f) => (detArgs(a).Xclose_m = realIn(f, t, 'mm') / 1000.0)),
  one(['-Yclose'], 'mm', 'mm', 'near point along slow (CUSTOM; sets the sample pivot)', 'detsize_s/2', (a, t, f) => (detArgs(a).Yclose_m = realIn(f, t, 'mm') / 1000.0)),
  one(['-ORGX'], 'px', 'pixels', 'XDS near point along fast, pixel centres at integers (sets the sample pivot)', 'centre', (a, t, f) => (detArgs(a).ORGX = realIn(f, t, 'pixels'))),
  one(['-ORGY'], 'px', 'pixels', 'XDS near point along slow (sets the sample pivot)', 'centre', (a, t, f) => (detArgs(a).ORGY = realIn(f, t, 'pixels'))),
  one(['-detector_rotx'], 'deg', 'degrees', 'detector rotation about lab x (applied first)', '0', (a, t, f) => (detArgs(a).rotx = realIn(f, t, 'degrees') / RTD)),
  one(['-detector_roty'], 'deg', 'degrees', 'detector rotation about lab y (second)', '0', (a, t, f) => (detArgs(a).roty = realIn(f, t, 'degrees') / RTD)),
  one(['-detector_rotz'], 'deg', 'degrees', 'detector rotation about lab z (third)', '0', (a, t, f) => (detArgs(a).rotz = realIn(f, t, 'degrees') / RTD)),
  one(['-twotheta'], 'deg', 'degrees', 'detector two-theta about the convention\'s axis (sets the sample pivot)', '0', (a, t, f) => (detArgs(a).twotheta = realIn(f, t, 'degrees') / RTD)),
  {
    names: ['-curved_det'], values: ['x'], minValues: 0, unit: 'ignored value', dflt: 'off',
    help: 'spherical detector: pixels at the beam-spot distance (C takes and ignores a following value)',
    apply: (a) => (a.curved = true),
  },
  one(['-img'], 'file', 'path', 'SMV image whose header sets size, pixel, distances, beam centre, phi (its pixels are not used)', 'none', (a, t) => (a.imgPath = t)),
  one(['-mask'], 'file', 'path', 'SMV mask: zero pixels are skipped; its header sets size, pixel, distances, beam centre', 'none', (a, t) => (a.maskPath = t)),
  sw(['-point_pixel'], 'no pixel solid-angle correction', (a) => (a.pointPixel = true)),
  {
    names: ['-detector_abs', '-detector_absorb'],
    values: ['µm|inf'],
    unit: 'µm attenuation depth, or inf',
    help: 'sensor attenuation depth; inf or 0 also sets the thickness to 0 at this point',
    dflt: 'unset: 1/thickness',
    apply(a, [t], f) {
      // C: strstr(value,"inf") || atof(value)==0 -> thick = 0, mu = 0; else mu = 1.0/(value*1e-6) (T-8).
      if (INFINITE.test(t)) {
        if (t.startsWith('-')) throw new ArgError(`option '${f}' value '${t}' is out of range: must be >= 0 or inf (µm)`, f);
        a.detectorThick_m = 0;
        a.detectorMu = 0;
        return;
      }
      const depth = realIn(f, t, 'µm attenuation depth, or inf', GE0);
      if (depth === 0) {
        a.detectorThick_m = 0;
        a.detectorMu = 0;
      } else {
        a.detectorMu = positive(f, t, 1.0 / (depth * 1e-6), 'µm');
      }
    },
  },
  one(['-detector_thick'], 'µm', 'µm', 'sensor thickness', '0', (a, t, f) => (a.detectorThick_m = realIn(f, t, 'µm', GE0) * 1e-6)),
  one(['-detector_thicksteps', '-thicksteps'], 'n', 'layers', 'sensor layers (<= 0: auto)', 'auto: 2 if thick', (a, t, f) => {
    a.thicksteps = intIn(f, t, 'layers', GE0);
  }),
  // sampling
  one(['-oversample'], 'n', 'sub-pixels per side', 'sub-pixels per pixel side', 'auto', (a, t, f) => {
    a.oversample = intIn(f, t, 'sub-pixels per side', GE1);
  }),
  sw(['-oversample_thick'], 'multiply the running sum by the capture fraction per sub-pixel', (a) => (a.oversampleThick = true)),
  sw(['-oversample_polar'], 'multiply the running sum by the polarization per sub-pixel', (a) => (a.oversamplePolar = true)),
  sw(['-oversample_omega'], 'multiply the running sum by the solid angle per sub-pixel', (a) => (a.oversampleOmega = true)),
  one(['-phi'], 'deg', 'degrees', 'starting spindle angle', '0', (a, t, f) => (a.phi_rad = realIn(f, t, 'degrees') / RTD)),
  one(['-osc'], 'deg', 'degrees', 'oscillation range', 'auto: 0', (a, t, f) => (a.osc_rad = realIn(f, t, 'degrees', GE0) / RTD)),
  one(['-phistep'], 'deg', 'degrees', 'spindle step', 'auto', (a, t, f) => (a.phistep_rad = realIn(f, t, 'degrees', GE0) / RTD)),
  one(['-phisteps'], 'n', 'steps', 'spindle steps (0 acts as 1)', 'auto: 1', (a, t, f) => (a.phisteps = intIn(f, t, 'steps', GE0))),
  {
    names: ['-roi'],
    values: ['xmin', 'xmax', 'ymin', 'ymax'],
    unit: 'pixel indices, fast then slow, inclusive',
    help: 'render only this block of pixels (fast then slow, inclusive, from 0)',
    dflt: 'whole detector',
    apply(a, v, f) {
      const unit = 'pixel index';
      const [xmin, xmax, ymin, ymax] = v.map((t) => intIn(f, t, unit, GE0));
      if (xmin > xmax) throw new ArgError(`option '${f}' fast range ${v[0]}..${v[1]} is empty: xmin must be <= xmax`, f);
      if (ymin > ymax) throw new ArgError(`option '${f}' slow range ${v[2]}..${v[3]} is empty: ymin must be <= ymax`, f);
      a.roi = { xmin, xmax, ymin, ymax };
    },
  },
  // outputs
  one(['-floatfile', '-floatimage'], 'file', 'path', 'raw float32 image', 'not written', (a, t) => (a.floatfile = t)),
  one(['-intfile', '-intimage'], 'file', 'path', 'SMV unsigned-short image', 'not written', (a, t) => (a.intfile = t)),
  one(['-pgmfile', '-pgmimage'], 'file', 'path', '8-bit PGM image (a later -nopgm cancels it)', 'not written', (a, t) => {
    a.pgmfile = t;
    a.nopgm = false;
  }),
  one(['-pgmscale'], 'x', 'counts per photon', 'PGM scale (<= 0: auto, 250/(5 rmsd)); like nanoBragg it also undoes -nopgm', '0 (auto)', (a, t, f) => {
    a.pgmScale = realIn(f, t, 'counts per photon');
    a.nopgm = false;
  }),
  sw(['-nopgm'], 'no PGM image (a later -pgmfile writes it again)', (a) => (a.nopgm = true)),
  one(['-scale'], 'x', '', 'int image scale factor (0: auto, 55000/max)', '0 (auto)', (a, t, f) => (a.scale = realIn(f, t, '', GE0))),
  one(['-adc'], 'counts', 'counts', 'offset added to int image pixels', '40', (a, t, f) => (a.adc = realIn(f, t, 'counts'))),
  one(['-noisefile', '-noiseimage'], 'file', 'path', 'Poisson noise SMV image (C-exact with --dtype f64; a later -nonoise cancels it)', 'not written', (a, t) => {
    a.noisefile = t;
    a.nonoise = false;
  }),
  sw(['-nonoise'], 'no noise image (a later -noisefile writes it again)', (a) => (a.nonoise = true)),
  one(['-seed'], 'n', '', 'noise seed (C stores -n; see docs/c-behaviour/noise.md)', '-time()', (a, t, f) => (a.seed = intIn(f, t, ''))),
  // C's per-pixel trace (M:3035-3055; docs/c-behaviour/stdout.md): -printout_pixel contains "-printout", so it turns it on too
  sw(['-printout'], "print C's per-pixel trace (every rendered pixel; replaces the progress meter)", (a) => (a.printout = true)),
  {
    names: ['-printout_pixel'],
    values: ['fpixel', 'spixel'],
    unit: 'pixel indices, fast then slow',
    help: "print C's per-pixel trace for this pixel only (a negative fast index: every pixel); the image is still rendered whole",
    dflt: 'every pixel',
    apply(a, v, f) {
      const [fp, sp] = v.map((t) => intIn(f, t, 'pixel index'));
      a.printout = true;
      a.printoutPixel = fp < 0 ? undefined : { f: fp, s: sp };
    },
  },
  sw(['-noprogress'], 'no progress meter', (a) => (a.noprogress = true)),
  sw(['-progress'], 'progress meter (undoes -noprogress)', (a) => (a.noprogress = false), 'on'),
];

const BACKENDS = BACKEND_CHOICES;

const OWN_OPTIONS: readonly OptionSpec[] = [
  one(['--backend'], BACKENDS.join('|'), BACKENDS.join(', '), 'compute backend', 'auto', (a, t, f) => {
    if (!(BACKENDS as readonly string[]).includes(t)) {
      throw new ArgError(`option '${f}' value '${t}' is not one of ${BACKENDS.join(', ')}`, f);
    }
    a.backend = t as Backend;
  }),
  one(['--dtype'], DTYPES.join('|'), DTYPES.join(', '), 'floating-point precision of the pixel loop', 'f32', (a, t, f) => {
    if (!(DTYPES as readonly string[]).includes(t)) throw new ArgError(`option '${f}' value '${t}' is not one of ${DTYPES.join(', ')}`, f);
    a.dtype = t as Dtype;
  }),
  one(['--threads'], 'n', 'threads', 'worker threads for --backend wasm-threads', 'all cores', (a, t, f) => {
    a.threads = intIn(f, t, 'threads', [(v) => v >= 1 && v <= 1024, '1..1024']);
  }),
  one(['--pngfile'], 'file', 'path', 'PNG preview (log scale)', 'not written', (a, t) => (a.pngfile = t)),
  // one dash like the image flags it sits beside, though nanoBragg has no CBF output (docs/c-behaviour/outputs-cbf.md)
  one(['-cbffile'], 'file', 'path', 'miniCBF image (byte-offset, PILATUS header): the -intfile integers', 'not written', (a, t) => (a.cbffile = t)),
  sw(['--debug'], 'print the resolved configuration and timings', (a) => (a.debug = true)),
  sw(['--long-run'], `allow more than ${LONG_RUN_EVALUATIONS.toExponential(0)} evaluations (hours of work)`, (a) => (a.longRun = true)),
  one(['--batch'], 'file', 'path', 'one nanoBragg command line per line (# comments), one engine for all; the other flags apply to every line', 'none', (a, t) => (a.batch = t)),
  one(['--series'], 'n', 'images', 'n images stepping -phi by -osc; outputs numbered name_0001.ext ...', '1', (a, t, f) => {
    a.series = intIn(f, t, 'images', [(v) => v >= 1 && v <= 10_000_000, '1..10000000']);
  }),
  sw(['--help', '-help', '-h'], 'this text', (a) => (a.help = true)),
];

/** nanoBragg options that exist in the C program but not (yet) here: refused, never ignored. */
export const NOT_IMPLEMENTED_FLAGS: readonly string[] = [
  // not in nanoBragg.c (which ignores them as unknown words): options of other nanoBragg versions
  '-trace_pixel', '-dump_pixel',
];

/** Every nanoBragg option implemented here, aliases included. */
export const NANOBRAGG_FLAGS: readonly string[] = NANOBRAGG_OPTIONS.flatMap((o) => o.names);
/** Our own options (two dashes, but -cbffile, named like the image flags; -h and -help are aliases of --help). */
export const OWN_FLAGS: readonly string[] = OWN_OPTIONS.flatMap((o) => o.names);

const BY_NAME = new Map<string, OptionSpec>();
for (const o of [...NANOBRAGG_OPTIONS, ...OWN_OPTIONS]) for (const n of o.names) BY_NAME.set(n, o);
const NOT_IMPLEMENTED = new Set(NOT_IMPLEMENTED_FLAGS);
const ALL_FLAGS: readonly string[] = [...NANOBRAGG_FLAGS, ...OWN_FLAGS, ...NOT_IMPLEMENTED_FLAGS];

// ---------------------------------------------------------------------------------------------------
// C's other spellings, in one place (docs/c-behaviour/noise.md "Spellings"). nanoBragg.c (M:507-1112)
// matches most options by substring, so words scripts use (-wavelength contains "-wave", -adcoffset
// contains "-adc") work in C. We keep exact names: C_SPELLINGS maps each such spelling to our canonical
// option; one whose option is not in NANOBRAGG_OPTIONS or NOT_IMPLEMENTED_FLAGS yet stays unknown until
// that row exists (then it works without touching this table).

/** Spelling C accepts -> the canonical option name of args.ts. */
export const C_SPELLINGS: Readonly<Record<string, string>> = {
  // beam
  '-wavelength': '-lambda',
  '-wavelen': '-lambda',
  '-energy_eV': '-energy',
  '-energy_ev': '-energy',
  // detector
  '-adcoffset': '-adc',
  '-adc_offset': '-adc',
  '-detector_absorption': '-detector_abs',
  '-pixel_size': '-pixel',
  '-pixelsize': '-pixel',
  '-nopolarization': '-nopolar',
  '-curved_detector': '-curved_det',
  // rotation
  '-oscillation': '-osc',
  // crystal (mosaic, matrix: other areas)
  '-mosaic_domains': '-mosaic_dom',
  '-mosaicity': '-mosaic',
  '-mosaic_spread': '-mosaic',
  '-matrix': '-mat',
  '-mosaic_spr': '-mosaic',
  '-mosaici': '-mosaic',
  '-sample_den': '-density',
  '-molec': '-MW',
  '-molecules': '-MW',
  '-matfile': '-mat',
  '-hklfile': '-hkl',
  '-hkl_file': '-hkl',
  // outputs, noise
  '-floatimage': '-floatfile',
  '-intimage': '-intfile',
  '-pgmimage': '-pgmfile',
  '-noiseimage': '-noisefile',
  '-seeds': '-seed',
  '-water_size': '-water',
};

/**
 * Words C's own documentation (header comment, help text) or natural spellings use that C ignores: C reads
 * no pattern from them, and their value words are skipped too. We accept them with a warning. The number is
 * how many value words follow.
 */
export const C_IGNORED: Readonly<Record<string, number>> = {
  '-hdiv': 1,
  '-vdiv': 1,
  '-dispstep': 1,
  '-detsize_x': 1,
  '-detsize_y': 1,
  '-source_distance': 1,
  '-source_dist': 1,
  '-polarization': 1,
  '-phi_step': 1,
  '-phi0': 1,
  '-phistep_deg': 1,
  '-detector_thickstep': 1,
  '-N_cells': 1,
  '-Nx': 1,
  // nanoBraggCUDA's Fdump cache name (scripts pass it to both programs); nanoBragg.c has no such option and the
  // drop-in never reads or writes an Fdump cache
  '-dump': 1,
  '-noise': 0,
  '-noiseless': 0,
  '-integral_form': 0,
};

/** The warning for an ignored word. */
export function ignoredWarning(flag: string): string {
  return `'${flag}' is ignored: nanoBragg ignores it too (no such option in nanoBragg.c)`;
}

// ---------------------------------------------------------------------------------------------------
// Suggestions for unknown options

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
function editDistance(x: string, y: string): number {
  const a = x.toLowerCase();
  const b = y.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The closest option name: a small edit distance first; else the longest option that the token contains
 * (what C's strstr() would have matched, e.g. -wavelength -> -wave); else an option containing the token.
 */
export function suggestFlag(tok: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of ALL_FLAGS) {
    const d = editDistance(tok, f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(tok.length / 3))) return best;
  const inside = ALL_FLAGS.filter((f) => f.length > 2 && tok.includes(f)).sort((p, q) => q.length - p.length);
  if (inside.length) return inside[0];
  const body = tok.replace(/^-+/, '');
  if (body.length >= 3) return ALL_FLAGS.find((f) => f.includes(body));
  return undefined;
}

function unknown(tok: string): ArgError {
  const s = suggestFlag(tok);
  return new ArgError(`unknown option '${tok}' ` + (s ? `(did you mean '${s}'?)` : `(see --help for the options)`), tok);
}

// ---------------------------------------------------------------------------------------------------
// Parsing

function needs(flag: string, spec: OptionSpec, got: number): ArgError {
  const n = spec.values.length;
  const what = n === 1 ? `a value (${spec.unit})` : `${n} values: ${spec.values.join(' ')} (${spec.unit})`;
  return new ArgError(`option '${flag}' needs ${what}` + (n > 1 && got > 0 ? `, got ${got}` : ''), flag);
}

/**
 * Parses nanoBragg's flags plus ours. `argv` excludes the program name and the subcommand.
 * Throws ArgError (one line) on anything it cannot take exactly as C would, or that C would silently
 * misread.
 */
/** Flags that set the same quantity: a later one overrides an earlier one of the group (-energy sets lambda). */
const COMPETING: Record<string, string> = { '-energy': '-lambda' };

export function parseSimArgs(argv: readonly string[]): SimArgs {
  const a = defaultSimArgs();
  if (argv.some((t) => t === '--help' || t === '-help' || t === '-h')) {
    a.help = true;
    return a;
  }
  let zeroingAbs = ''; // the last `-detector_abs inf|0`, for the T-8 warning
  const given = new Map<string, { text: string }>(); // the last use of each value flag, for the override warning

  for (let i = 0; i < argv.length; ) {
    let tok = argv[i];
    let inline: string | undefined;
    if (tok.startsWith('--') && tok.includes('=')) {
      inline = tok.slice(tok.indexOf('=') + 1);
      tok = tok.slice(0, tok.indexOf('='));
    }
    if (!tok.startsWith('-') || tok === '-' || DECIMAL.test(tok)) {
      throw new ArgError(`unexpected argument '${tok}': values go right after their option (see --help)`, tok);
    }
    if (!BY_NAME.has(tok) && !NOT_IMPLEMENTED.has(tok)) {
      // C's other spellings (spellings.ts): a known option under another name, or a word C ignores
      const canon = C_SPELLINGS[tok];
      if (canon !== undefined && (BY_NAME.has(canon) || NOT_IMPLEMENTED.has(canon))) tok = canon;
      else if (Object.hasOwn(C_IGNORED, tok) && inline === undefined) {
        a.warnings.push(ignoredWarning(tok));
        let k = 0;
        while (k < C_IGNORED[tok] && i + 1 + k < argv.length && valueLike(argv[i + 1 + k])) k++;
        i += 1 + k;
        continue;
      }
    }
    if (NOT_IMPLEMENTED.has(tok)) throw new ArgError(`option '${tok}' is not implemented yet`, tok);
    const spec = BY_NAME.get(tok);
    if (!spec) {
      const eq = tok.indexOf('=');
      if (eq > 0 && BY_NAME.has(tok.slice(0, eq))) {
        const name = tok.slice(0, eq);
        throw new ArgError(`option '${tok}': write the value as the next argument ('${name} ${tok.slice(eq + 1)}')`, name);
      }
      throw unknown(tok);
    }
    const n = spec.values.length;
    let vals: string[];
    if (inline !== undefined) {
      if (n !== 1) throw new ArgError(`option '${tok}' takes ${n === 0 ? 'no value' : `${n} values`}`, tok);
      if (inline === '') throw needs(tok, spec, 0);
      vals = [inline];
      i += 1;
    } else {
      vals = [];
      while (vals.length < n && i + 1 + vals.length < argv.length && valueLike(argv[i + 1 + vals.length])) {
        vals.push(argv[i + 1 + vals.length]);
      }
      if (vals.length < (spec.minValues ?? n)) {
        const next = argv[i + 1 + vals.length];
        if (next === '-' && spec.values[vals.length] === 'file') {
          throw new ArgError(`option '${tok}' got '-': for standard input or output write /dev/stdin or /dev/stdout`, tok);
        }
        throw needs(tok, spec, vals.length);
      }
      if (vals.some((v) => v === '')) throw new ArgError(`option '${tok}' got an empty value`, tok);
      i += 1 + vals.length;
    }
    const at = i - 1 - vals.length;
    spec.apply(a, vals, tok);
    const pivotSet = PIVOT_SIDE_EFFECT[spec.names[0]];
    if (pivotSet && (a.det || pivotSet !== 'beam')) detArgs(a).pivot = pivotSet; // 'beam' is the default: no need to record it
    if (n > 0) {
      // C keeps the last of repeated or competing flags; we do too, and say so (a script may not mean it)
      const key = COMPETING[spec.names[0]] ?? spec.names[0];
      const before = given.get(key);
      if (before !== undefined && before.text !== `${tok} ${vals.join(' ')}`) {
        a.warnings.push(`warning: '${before.text}' is overridden by the later '${tok} ${vals.join(' ')}' (the last one wins, as in nanoBragg)`);
      }
      given.set(key, { text: `${tok} ${vals.join(' ')}` });
    }
    if (spec.names[0] === '-misset_seed' && inline === undefined) missetSeedQuirk(a, argv, at);

    if (spec.names[0] === '-detector_abs' && a.detectorMu === 0) zeroingAbs = `${tok} ${vals[0]}`;
  }

  const { fpixels, spixels } = detectorPixelCounts(a);
  const sizeFlag = a.detpixels_f !== undefined || a.detpixels_s !== undefined ? '-detpixels' : '-detsize';
  if (!(fpixels >= 1 && spixels >= 1)) {
    throw new ArgError(`option '${sizeFlag}': the detector has ${fpixels} x ${spixels} pixels; it needs at least 1 x 1`, sizeFlag);
  }
  checkImageSize(fpixels, spixels, sizeFlag);
  if (a.roi && (a.roi.xmin >= fpixels || a.roi.ymin >= spixels)) {
    const r = a.roi;
    throw new ArgError(
      `option '-roi' ${r.xmin} ${r.xmax} ${r.ymin} ${r.ymax} lies outside the ${fpixels} x ${spixels} detector (indices from 0)`,
      '-roi',
    );
  }

  checkConflicts(a);
  if (a.sourcePath !== undefined) {
    // C resolves and prints the divergence and dispersion but builds no source from them (nanoBragg.c:2315-2344)
    const spread = argv.filter((t) => SPREAD_FLAGS.includes(t));
    if (spread.length) {
      a.warnings.push(`${[...new Set(spread)].map((n) => `'${n}'`).join(', ')} ${spread.length > 1 ? 'are' : 'is'} ignored with '-sourcefile', as in nanoBragg: the file is the whole source list`);
    }
  }
  if (a.noops.length) a.warnings.push(`${a.noops.map((n) => `'${n}'`).join(', ')}: accepted as nanoBragg accepts ${a.noops.length > 1 ? 'them' : 'it'}; ${a.noops.length > 1 ? 'they do' : 'it does'} not change the image`);

  // mu == 0 comes only from `-detector_abs inf|0`, which also zeroed the thickness: a later
  // -detector_thick gave it back, with no absorption at all (T-8).
  if (a.detectorMu === 0 && a.detectorThick_m > 0) {
    a.warnings.push(
      `'-detector_thick' after '${zeroingAbs}' leaves a thick sensor with mu = 0: the image is all zeros (as in nanoBragg; put -detector_abs last)`,
    );
  }
  if (a.oversampleThick && a.detectorThick_m === 0) {
    a.warnings.push(`'-oversample_thick' without a sensor thickness multiplies by a capture fraction of 0: the image is all zeros (as in nanoBragg)`);
  }
  if (a.pgmfile !== undefined && a.nopgm) {
    // -pgmfile clears nopgm, so a true nopgm here came after it.
    a.warnings.push(`'-pgmfile ${a.pgmfile}' is not written because '-nopgm' comes after it (as in nanoBragg)`);
  }
  if (a.noisefile !== undefined && a.nonoise) {
    a.warnings.push(`'-noisefile ${a.noisefile}' is not written because '-nonoise' comes after it (as in nanoBragg)`);
  }
  return a;
}

/** The canonical name of an option token (aliases and C's other spellings resolved), or undefined. */
function canonicalFlag(tok: string): string | undefined {
  const name = tok.startsWith('--') && tok.includes('=') ? tok.slice(0, tok.indexOf('=')) : tok;
  const spec = BY_NAME.get(name) ?? BY_NAME.get(C_SPELLINGS[name] ?? '');
  return spec?.names[0];
}

/**
 * `argv` without every occurrence (and its values, counted as the parser counts them) of the options named in
 * `drop` (canonical names: '-phi', '-floatfile', '--batch' ...), with `append` added at the end. Batches,
 * series and datasets derive each image's command line this way, so that the image is exactly what a
 * single run of the derived argv gives, without "overridden by the later" warnings for the replaced flags.
 * A trailing -misset_seed stays trailing (C's quirk would read the appended flags as -misset angles).
 */
export function replaceFlags(argv: readonly string[], drop: readonly string[], append: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; ) {
    const tok = argv[i];
    const canon = canonicalFlag(tok);
    let n = 1;
    if (canon !== undefined && !(tok.startsWith('--') && tok.includes('='))) {
      const spec = BY_NAME.get(canon)!;
      while (n <= spec.values.length && i + n < argv.length && valueLike(argv[i + n])) n++;
    }
    if (canon === undefined || !drop.includes(canon)) out.push(...argv.slice(i, i + n));
    i += n;
  }
  const result = [...out, ...append];
  // nanoBragg reads the 3 tokens after '-misset_seed' as -misset angles too when there are 3 (missetSeedQuirk,
  // docs/c-behaviour/crystal.md, "The -misset_seed substring quirk"):
  // flags appended after a -misset_seed that had fewer behind it would switch that on; it moves to the end instead
  const seedAt = (a: readonly string[]) => {
    for (let k = a.length - 1; k >= 0; k--) if (canonicalFlag(a[k]) === '-misset_seed') return k;
    return -1;
  };
  const before = seedAt(argv), after = seedAt(result);
  if (after >= 0 && before >= 0 && argv.length <= before + 3 && result.length > after + 3) {
    const pair = result.splice(after, valueLike(result[after + 1] ?? '-') ? 2 : 1);
    result.push(...pair);
  }
  return result;
}

/** The value tokens of the last occurrence of option `flag` (canonical name) in argv, or undefined. */
export function lastFlagValues(argv: readonly string[], flag: string): string[] | undefined {
  let found: string[] | undefined;
  for (let i = 0; i < argv.length; ) {
    const tok = argv[i];
    const canon = canonicalFlag(tok);
    let n = 1;
    if (canon !== undefined && tok.startsWith('--') && tok.includes('=')) {
      if (canon === flag) found = [tok.slice(tok.indexOf('=') + 1)];
    } else if (canon !== undefined) {
      const spec = BY_NAME.get(canon)!;
      while (n <= spec.values.length && i + n < argv.length && valueLike(argv[i + n])) n++;
      if (canon === flag) found = argv.slice(i + 1, i + n);
    }
    i += n;
  }
  return found;
}

/** The detector options, created on first use. */
function detArgs(a: SimArgs): DetectorArgs {
  return (a.det ??= defaultDetectorArgs());
}

/** C's conventions: each sets a pivot while parsing (the set-up then forces its own, docs/c-behaviour/detector.md). */
function setConvention(a: SimArgs, c: Exclude<Convention, 'custom'>): void {
  const d = detArgs(a);
  d.convention = c;
  d.pivot = c === 'xds' ? 'sample' : 'beam';
}

/** Options that set the pivot as a side effect in C (last one wins; it matters only for CUSTOM). */
const PIVOT_SIDE_EFFECT: Record<string, 'beam' | 'sample'> = {
  '-Xbeam': 'beam', '-Ybeam': 'beam', '-distance': 'beam', '-Xclose': 'sample', '-Yclose': 'sample', '-ORGX': 'sample',
  '-ORGY': 'sample', '-close_distance': 'sample', '-twotheta': 'sample',
};

/** C's `seed = -atoi(text)` (as seedFromFlag in src/physics/rng.ts; this module imports nothing). */
function seedFromFlag(v: number): number {
  const w = Math.trunc(v) | 0;
  return w === 0 ? 0 : -w;
}

/** C's atof: the longest numeric prefix, 0 if none. */
function atof(t: string): number {
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(t);
  return m ? Number(m[0]) : 0;
}

/** The options that make generated sources; a -sourcefile replaces them all. */
const SPREAD_FLAGS = ['-divergence', '-hdivrange', '-vdivrange', '-hdivstep', '-vdivstep', '-hdivsteps', '-vdivsteps', '-divsteps',
  '-round_div', '-square_div', '-dispersion', '-dispsteps'];

/**
 * C's substring quirk (docs/c-behaviour/crystal.md, trap X-1): '-misset_seed' also passes C's '-misset' test, so with 3 or more
 * arguments after it C sets the misset angles to atof() of the next three (the seed value first) and cancels
 * -misset random. Reproduced, with a warning, so a C command line gives C's image.
 */
function missetSeedQuirk(a: SimArgs, argv: readonly string[], at: number): void {
  if (argv.length <= at + 3) return;
  const t = argv.slice(at + 1, at + 4);
  a.misset = [atof(t[0]) / RTD, atof(t[1]) / RTD, atof(t[2]) / RTD];
  a.warnings.push(
    `'-misset_seed' is followed by 3 or more arguments: as in nanoBragg it also sets -misset ${t.map(atof).join(' ')} (degrees), ` +
      `cancelling any earlier -misset; put -misset_seed last`,
  );
}

/**
 * Combinations no order of the flags can make sense of: f64 on the f32-only WebGPU backend, --threads for a
 * backend without threads, two outputs (or an output and the HKL input) naming the same file. Paths are compared
 * as written here (this module has no file system); the CLI compares the resolved files too
 * (src/simulator/run.ts checkSameFiles: `./x`, `x` and a symlink to it are one file).
 */
function checkConflicts(a: SimArgs): void {
  if (a.water_m !== 0 && a.backend === 'webgpu') {
    throw new ArgError("option '-water' is not implemented on --backend webgpu (use --backend wasm, wasm-scalar or wasm-threads)", '-water');
  }
  if (a.backend !== 'auto') {
    // what each backend computes and whether it takes --threads: the one backend list (src/backends/names.ts)
    const b = backendDescriptor(a.backend);
    if (!b.dtypes.includes(a.dtype)) {
      const can = backendsWith(a.dtype);
      const list = can.length > 1 ? `${can.slice(0, -1).join(', ')} or ${can[can.length - 1]}` : can[0];
      throw new ArgError(
        `options '--backend ${b.name}' and '--dtype ${a.dtype}' conflict: ${b.dtypeRefusal ?? `${b.name} does not compute in ${a.dtype}`} (use --backend ${list} for ${a.dtype})`,
        '--dtype',
      );
    }
    if (a.threads !== undefined && !b.threads) {
      throw new ArgError(`option '--threads' applies to --backend wasm-threads (or auto), not to --backend ${a.backend}`, '--threads');
    }
  }
  const files: [flag: string, path: string | undefined][] = [
    ['-hkl', a.hklPath],
    ['-mask', a.maskPath],
    ['-img', a.imgPath],
    ['-sourcefile', a.sourcePath],
    [a.stolFlag ?? '-stol', a.stolPath],
    ['-floatfile', a.floatfile],
    ['-intfile', a.intfile],
    ['-pgmfile', a.nopgm ? undefined : a.pgmfile],
    ['-noisefile', a.nonoise ? undefined : a.noisefile],
    ['--pngfile', a.pngfile],
    ['-cbffile', a.cbffile],
  ];
  const seen = new Map<string, string>();
  for (const [flag, path] of files) {
    if (path === undefined || path === '/dev/null') continue; // discarding twice loses nothing
    const other = seen.get(path);
    const inputs = ['-hkl', '-mask', '-img', '-sourcefile', '-stol', '-4stol', '-Q'];
    if (other !== undefined && inputs.includes(flag)) continue; // two inputs may read one file
    if (other !== undefined) {
      const why = inputs.includes(other) ? 'the output would overwrite the input' : 'one output would overwrite the other';
      throw new ArgError(`options '${other}' and '${flag}' name the same file '${path}': ${why}`, flag);
    }
    seen.set(path, flag);
  }
}

/**
 * Detector pixel counts exactly as C derives them (M:1116-1124): a pixel count, when given, sets
 * detsize = pixel*count; then count = ceil(detsize/pixel - 0.5).
 */
export function detectorPixelCounts(a: Pick<SimArgs, 'pixel_m' | 'detpixels_f' | 'detpixels_s' | 'detsize_f_m' | 'detsize_s_m'>): {
  fpixels: number;
  spixels: number;
} {
  const p = a.pixel_m;
  const detsizeF = a.detpixels_f ? p * a.detpixels_f : (a.detsize_f_m ?? 102.4e-3);
  const detsizeS = a.detpixels_s ? p * a.detpixels_s : (a.detsize_s_m ?? 102.4e-3);
  return { fpixels: Math.ceil(detsizeF / p - 0.5), spixels: Math.ceil(detsizeS / p - 0.5) };
}

/** Refuses a detector whose float32 image would exceed MAX_IMAGE_BYTES (or a side above MAX_DETPIXELS). */
export function checkImageSize(fpixels: number, spixels: number, flag = '-detpixels'): void {
  if (fpixels > MAX_DETPIXELS || spixels > MAX_DETPIXELS) {
    throw new ArgError(`option '${flag}': a ${fpixels} x ${spixels} detector exceeds ${MAX_DETPIXELS} pixels per side`, flag);
  }
  const bytes = fpixels * spixels * 4;
  if (bytes > MAX_IMAGE_BYTES) {
    const gib = (bytes / 1024 ** 3).toFixed(1);
    throw new ArgError(`option '${flag}': a ${fpixels} x ${spixels} detector needs ${gib} GiB for the float image; the limit is 2 GiB`, flag);
  }
}

// ---------------------------------------------------------------------------------------------------
// Help

/** Help text: every option with its value, unit and default, then the refused C options. */
export function usage(): string {
  const row = (o: OptionSpec) => {
    const head = [o.names[0], ...o.values.map((v) => `<${v}>`)].join(' ');
    const alias = o.names.length > 1 ? ` (also ${o.names.slice(1).join(', ')})` : '';
    const dflt = o.dflt && o.values.length ? ` [default: ${o.dflt}]` : '';
    return `  ${head.padEnd(34)} ${o.help}${alias}${dflt}`;
  };
  const wrap = (words: readonly string[]) => {
    const lines: string[] = [];
    let line = ' ';
    for (const w of words) {
      if (line.length + w.length + 1 > 100) [lines[lines.length], line] = [line, ' '];
      line += ' ' + w;
    }
    return [...lines, line].join('\n');
  };
  return [
    'usage: nanobragg-wasm simulate <options>',
    '',
    'nanoBragg options (exact names, one dash; values follow as separate arguments; lengths in mm unless noted):',
    ...NANOBRAGG_OPTIONS.map(row),
    '',
    'Options of this port (two dashes):',
    ...OWN_OPTIONS.map(row),
    '',
    'Outputs are written only when asked for (nanoBragg writes several by default).',
    'nanoBragg options not implemented yet (refused):',
    wrap(NOT_IMPLEMENTED_FLAGS),
  ].join('\n');
}
