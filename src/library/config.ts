// The library's friendly description of a simulation (SimulationConfig) and the nanoBragg command line it stands
// for (configToArgv): one parser, src/simulator/args.ts, then gives both forms their meaning. Every value is
// type-checked here, so a wrong type is a one-line TypeError naming the key, never a different image.

import { editDistance } from '../simulator/options/suggest.ts';

/**
 * A friendly description of a simulation; every field maps to one nanoBragg flag (named in brackets), in
 * nanoBragg's units unless the name says otherwise. Unset fields take nanoBragg's defaults.
 */
export interface SimulationConfig {
  /** Unit cell a, b, c (Å) and α, β, γ (degrees) [-cell]. Required unless `mat`/`matPath` gives the crystal. */
  cell?: readonly [number, number, number, number, number, number];
  /** Unit cells along a, b and c [-N]; Na/Nb/Nc override one axis each [-Na -Nb -Nc]. Default 1. */
  N?: number;
  Na?: number;
  Nb?: number;
  Nc?: number;
  /** Wavelength in Å [-lambda]. Default 1. */
  lambdaA?: number;
  /** Sample to detector in mm [-distance]. Default 100. */
  distanceMm?: number;
  /** Pixel size in mm [-pixel]. Default 0.1. */
  pixelMm?: number;
  /** Pixels per side, or [fast, slow] [-detpixels, -detpixels_f/-detpixels_s]. Default 1024 (from -detsize). */
  detpixels?: number | readonly [number, number];
  /** Direct beam position in mm along slow (Xbeam) and fast (Ybeam), MOSFLM convention [-Xbeam -Ybeam]. Default: centre. */
  beamMm?: readonly [number, number];
  /** Structure factors: the text of an HKL file (h k l F per line), or its bytes. */
  hkl?: string | Uint8Array;
  /** Name used for `hkl` in messages; or, in Node and Deno without `hkl`, the HKL file to read [-hkl]. */
  hklPath?: string;
  /** F of every reflection not in the HKL data [-default_F]. Default 0. */
  defaultF?: number;
  /** Tricubic interpolation of F on (true) or off (false) [-interpolate/-nointerpolate]. Default: on if any N <= 2. */
  interpolate?: boolean;
  /** Sub-pixels per pixel side [-oversample]. Default: automatic. */
  oversample?: number;
  /** Sensor thickness in µm [-detector_thick]. Default 0 (no absorption). */
  detectorThickUm?: number;
  /** Sensor attenuation depth in µm, or 'inf' for none [-detector_abs]. Default: the thickness. */
  detectorAbsUm?: number | 'inf';
  /** Sensor layers [-detector_thicksteps]. Default: automatic. */
  thicksteps?: number;
  /** Apply the capture fraction per sub-pixel [-oversample_thick]. */
  oversampleThick?: boolean;
  /** Kahn polarization factor [-polar]; or false for no polarization correction [-nopolar]. */
  polarization?: number | false;
  /** No pixel solid-angle correction [-point_pixel]. */
  pointPixel?: boolean;
  /** Crystal shape [-square_xtal -round_xtal -gauss_xtal -tophat_spots]. Default 'square'. */
  shape?: 'square' | 'round' | 'gauss' | 'tophat';
  /** Spindle start, oscillation and step in degrees, and the step count [-phi -osc -phistep -phisteps]. */
  phiDeg?: number;
  oscDeg?: number;
  phistepDeg?: number;
  phisteps?: number;
  /** MOSFLM A matrix: the text of a -mat file; matPath names it (or, in Node and Deno without `mat`, is the file) [-mat]. */
  mat?: string;
  matPath?: string;
  /** Crystal misset rotations about x, y, z in degrees, or 'random' [-misset]; the seed of 'random' [-misset_seed]. */
  missetDeg?: readonly [number, number, number] | 'random';
  missetSeed?: number;
  /** Mosaic spread in degrees, domains and their seed [-mosaic -mosaic_domains -mosaic_seed]. */
  mosaicDeg?: number;
  mosaicDomains?: number;
  mosaicSeed?: number;
  /** Beam divergence: full horizontal / vertical range in mrad and points across each [-hdivrange -vdivrange -hdivsteps -vdivsteps]. */
  hdivrangeMrad?: number;
  vdivrangeMrad?: number;
  hdivsteps?: number;
  vdivsteps?: number;
  /** Spectral width in percent and wavelengths across it [-dispersion -dispsteps]. */
  dispersionPct?: number;
  dispsteps?: number;
  /** Incident photons per m² [-fluence]; or flux (photons/s), exposure (s) and beam size (mm) [-flux -exposure -beamsize]. */
  fluence?: number;
  flux?: number;
  exposureS?: number;
  beamsizeMm?: number;
  /** Water background thickness in µm [-water]. */
  waterUm?: number;
  /** Detector convention [-mosflm -xds -adxv -denzo -dials]. Default 'mosflm'. */
  convention?: 'mosflm' | 'xds' | 'adxv' | 'denzo' | 'dials';
  /** Detector rotations about lab x, y, z in degrees [-detector_rotx -detector_roty -detector_rotz]; two-theta [-twotheta]. */
  detectorRotDeg?: readonly [number, number, number];
  twothetaDeg?: number;
  /** Seed of the noise image (SimulateCallOptions.outputs 'noise') [-seed]; ADC offset of SMV and noise images [-adc]. */
  seed?: number;
  adc?: number;
  /** Render only pixels xmin..xmax (fast) and ymin..ymax (slow), inclusive [-roi]. */
  roi?: { xmin: number; xmax: number; ymin: number; ymax: number };
  /** Further nanoBragg flags, appended as they are (e.g. ['-fudge', '2']). */
  extraArgs?: readonly string[];
}

/** nanoBragg's command line (without the program name), or a SimulationConfig. */
export type SimulationInput = readonly string[] | SimulationConfig;

// Config -> argv

/** JS numbers as nanoBragg tokens: String() is the shortest text that Number() reads back exactly. */
/** A value as a message shows it: JSON where it has one (strings quoted), else a name (BigInt, Symbol, function). */
export function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v).slice(8, -1);
  }
}

function num(key: string, v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`config.${key} must be a finite number, got ${String(v)}`);
  return String(v);
}

const CONFIG_KEYS: readonly (keyof SimulationConfig)[] = [
  'cell', 'N', 'Na', 'Nb', 'Nc', 'lambdaA', 'distanceMm', 'pixelMm', 'detpixels', 'beamMm', 'hkl', 'hklPath', 'defaultF',
  'interpolate', 'oversample', 'detectorThickUm', 'detectorAbsUm', 'thicksteps', 'oversampleThick', 'polarization',
  'pointPixel', 'shape', 'phiDeg', 'oscDeg', 'phistepDeg', 'phisteps', 'roi',
  'mat', 'matPath', 'missetDeg', 'missetSeed', 'mosaicDeg', 'mosaicDomains', 'mosaicSeed', 'hdivrangeMrad', 'vdivrangeMrad',
  'hdivsteps', 'vdivsteps', 'dispersionPct', 'dispsteps', 'fluence', 'flux', 'exposureS', 'beamsizeMm', 'waterUm', 'convention',
  'detectorRotDeg', 'twothetaDeg', 'seed', 'adc', 'extraArgs',
];

const CONVENTIONS = ['mosflm', 'xds', 'adxv', 'denzo', 'dials'] as const;

/** The config key a misspelt one most likely meant (a unit suffix forgotten counts as close). */
function nearestKey(k: string): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of CONFIG_KEYS) {
    const d = c.toLowerCase().startsWith(k.toLowerCase()) ? 1 : editDistance(k, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(k.length / 3)) ? best : undefined;
}

const SHAPE_FLAG = { square: '-square_xtal', round: '-round_xtal', gauss: '-gauss_xtal', tophat: '-tophat_spots' } as const;

/**
 * The nanoBragg command line a config stands for. Values go through String(), which Number() reads back
 * exactly, so a config and the equivalent argv give the same image bit for bit. The thickness comes
 * before the attenuation depth, so `detectorAbsUm: 'inf'` means "no absorption" whatever the order of the
 * keys (nanoBragg applies `-detector_abs inf` at its place on the command line, T-8).
 */
export function configToArgv(config: SimulationConfig): string[] {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new TypeError('a simulation config must be an object');
  for (const k of Object.keys(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
      const near = nearestKey(k);
      throw new TypeError(`unknown config key '${k}'` + (near ? ` (did you mean '${near}'?)` : ` (known: ${CONFIG_KEYS.join(', ')})`));
    }
  }
  const c = config;
  const a: string[] = [];
  const put = (flag: string, key: string, v: unknown) => {
    if (v !== undefined) a.push(flag, num(key, v));
  };
  /** Number-valued keys, each one flag, in this order (C applies options in command-line order). */
  const putAll = (pairs: readonly (readonly [flag: string, key: keyof SimulationConfig])[]) => {
    for (const [flag, key] of pairs) put(flag, key, c[key]);
  };
  // a string 'false' is truthy: booleans and pairs are checked, not coerced (issue 19 item 11)
  for (const k of ['interpolate', 'oversampleThick', 'pointPixel'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') throw new TypeError(`config.${k} must be true or false, got ${describe(c[k])}`);
  }
  if (c.polarization !== undefined && c.polarization !== false && typeof c.polarization !== 'number') {
    throw new TypeError(`config.polarization must be a number (Kahn factor) or false, got ${describe(c.polarization)}`);
  }
  const pair = (key: string, v: unknown, what: string) => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 2)) throw new TypeError(`config.${key} must be ${what}, got ${describe(v)}`);
  };
  if (Array.isArray(c.detpixels)) pair('detpixels', c.detpixels, 'a number or [fast, slow]');
  pair('beamMm', c.beamMm, '[Xbeam, Ybeam] in mm');
  if (c.hkl !== undefined && typeof c.hkl !== 'string' && !(c.hkl instanceof Uint8Array)) {
    throw new TypeError(`config.hkl must be the HKL text (a string) or its bytes (a Uint8Array), got ${Object.prototype.toString.call(c.hkl).slice(8, -1)}`);
  }
  if (c.roi !== undefined && (c.roi === null || typeof c.roi !== 'object')) throw new TypeError('config.roi must be { xmin, xmax, ymin, ymax }');
  for (const k of ['hklPath', 'matPath'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw new TypeError(`config.${k} must be a file name (a string), got ${describe(c[k])}`);
  }
  if (c.hkl !== undefined || c.hklPath !== undefined) a.push('-hkl', c.hklPath ?? 'config.hkl');
  const hasMat = c.mat !== undefined || c.matPath !== undefined;
  if (!(hasMat && c.cell === undefined)) {
    if (!Array.isArray(c.cell) || c.cell.length !== 6) throw new TypeError('config.cell must be [a, b, c, alpha, beta, gamma] (Å, degrees)' + (hasMat ? ' or left out with a matrix' : ''));
    a.push('-cell', ...c.cell.map((v, i) => num(`cell[${i}]`, v)));
  }
  putAll([['-N', 'N'], ['-Na', 'Na'], ['-Nb', 'Nb'], ['-Nc', 'Nc'], ['-default_F', 'defaultF']]);
  if (c.shape !== undefined) {
    if (typeof c.shape !== 'string' || !Object.prototype.hasOwnProperty.call(SHAPE_FLAG, c.shape)) throw new TypeError(`config.shape must be one of ${Object.keys(SHAPE_FLAG).join(', ')}, got ${String(c.shape)}`);
    a.push(SHAPE_FLAG[c.shape]);
  }
  if (c.interpolate !== undefined) a.push(c.interpolate ? '-interpolate' : '-nointerpolate');
  put('-lambda', 'lambdaA', c.lambdaA);
  if (c.polarization === false) a.push('-nopolar');
  else put('-polar', 'polarization', c.polarization);
  // the convention first: it sets the axes and pivot the distance, beam and rotations then apply to
  if (c.convention !== undefined) {
    if (!(CONVENTIONS as readonly string[]).includes(c.convention)) throw new TypeError(`config.convention must be one of ${CONVENTIONS.join(', ')}, got ${String(c.convention)}`);
    a.push(`-${c.convention}`);
  }
  putAll([['-distance', 'distanceMm'], ['-pixel', 'pixelMm']]);
  if (Array.isArray(c.detpixels)) {
    put('-detpixels_f', 'detpixels[0]', c.detpixels[0]);
    put('-detpixels_s', 'detpixels[1]', c.detpixels[1]);
  } else put('-detpixels', 'detpixels', c.detpixels);
  if (c.beamMm !== undefined) {
    put('-Xbeam', 'beamMm[0]', c.beamMm[0]);
    put('-Ybeam', 'beamMm[1]', c.beamMm[1]);
  }
  if (c.pointPixel) a.push('-point_pixel');
  put('-detector_thick', 'detectorThickUm', c.detectorThickUm);
  if (c.detectorAbsUm === 'inf') a.push('-detector_abs', 'inf');
  else put('-detector_abs', 'detectorAbsUm', c.detectorAbsUm);
  putAll([['-detector_thicksteps', 'thicksteps'], ['-oversample', 'oversample']]);
  if (c.oversampleThick) a.push('-oversample_thick');
  putAll([['-phi', 'phiDeg'], ['-osc', 'oscDeg'], ['-phistep', 'phistepDeg'], ['-phisteps', 'phisteps']]);
  if (c.mat !== undefined && typeof c.mat !== 'string') throw new TypeError('config.mat must be the text of a MOSFLM matrix file (a string)');
  if (c.mat !== undefined || c.matPath !== undefined) a.push('-mat', c.matPath ?? 'config.mat');
  if (c.missetDeg === 'random') a.push('-misset', 'random');
  else if (c.missetDeg !== undefined) {
    if (!Array.isArray(c.missetDeg) || c.missetDeg.length !== 3) throw new TypeError(`config.missetDeg must be [x, y, z] in degrees or 'random', got ${describe(c.missetDeg)}`);
    a.push('-misset', ...c.missetDeg.map((v, i) => num(`missetDeg[${i}]`, v)));
  }
  putAll([
    ['-misset_seed', 'missetSeed'], ['-mosaic', 'mosaicDeg'], ['-mosaic_domains', 'mosaicDomains'], ['-mosaic_seed', 'mosaicSeed'],
    ['-hdivrange', 'hdivrangeMrad'], ['-vdivrange', 'vdivrangeMrad'], ['-hdivsteps', 'hdivsteps'], ['-vdivsteps', 'vdivsteps'],
    ['-dispersion', 'dispersionPct'], ['-dispsteps', 'dispsteps'], ['-fluence', 'fluence'], ['-flux', 'flux'],
    ['-exposure', 'exposureS'], ['-beamsize', 'beamsizeMm'], ['-water', 'waterUm'],
  ]);
  if (c.detectorRotDeg !== undefined) {
    if (!Array.isArray(c.detectorRotDeg) || c.detectorRotDeg.length !== 3) throw new TypeError(`config.detectorRotDeg must be [x, y, z] in degrees, got ${describe(c.detectorRotDeg)}`);
    (['x', 'y', 'z'] as const).forEach((ax, i) => put(`-detector_rot${ax}`, `detectorRotDeg[${i}]`, c.detectorRotDeg![i]));
  }
  putAll([['-twotheta', 'twothetaDeg'], ['-seed', 'seed'], ['-adc', 'adc']]);
  if (c.roi !== undefined) a.push('-roi', num('roi.xmin', c.roi.xmin), num('roi.xmax', c.roi.xmax), num('roi.ymin', c.roi.ymin), num('roi.ymax', c.roi.ymax));
  if (c.extraArgs !== undefined) {
    if (!Array.isArray(c.extraArgs) || c.extraArgs.some((t) => typeof t !== 'string')) throw new TypeError('config.extraArgs must be an array of strings');
    const output = c.extraArgs.find((t) => ['-floatfile', '-floatimage', '-intfile', '-intimage', '-pgmfile', '-pgmimage', '--pngfile', '-noisefile', '-noiseimage', '-cbffile'].includes(t));
    if (output) throw new TypeError(`config.extraArgs: '${output}' writes a file, which the library does not do: encode result.image yourself (or use the command line)`);
    a.push(...c.extraArgs);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------------
// Backends

