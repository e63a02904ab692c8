// nanobragg-wasm as a library: the same module in Node (ESM), Deno (which runs this TypeScript as is) and
// browsers (through the bundle that src/serve.ts builds; no Node built-in is imported on the browser path).
//
//   import { createSimulator } from 'nanobragg-wasm';            // or './src/index.ts', or the bundle
//   const sim = await createSimulator({ backend: 'auto', dtype: 'f32' });
//   const r = await sim.simulate({ cell: [100, 100, 100, 90, 90, 90], N: 5, defaultF: 100, detpixels: 256 });
//   console.log(r.backend, r.backendReason, r.stats.maxI, r.timings);
//   await sim.dispose();
//
// A simulation is described either by nanoBragg's own command line (['-hkl', 'x.hkl', '-cell', ...]) or by a
// SimulationConfig object; the object is turned into that command line (configToArgv) so that one parser,
// src/simulator/args.ts, gives both their meaning. Structure factors can be given as text or bytes
// (browsers have no files): config.hkl, or options.hklText beside an argv.
//
// Backends: 'auto' tries webgpu -> wasm-threads -> wasm (SIMD) -> wasm-scalar and records why
// each one before the chosen one was passed over (Simulator.backendReason). A backend asked for by name
// either runs or throws with the reason; it is never silently replaced.

import { prepareSimulation } from './simulator/prepare.ts';
import { closeEngine, type Dtype, type EngineBackend, type PreparedSimulation, type SimEngine, type SimStats, type SimulateOptions } from './engine/contract.ts';
import { startBackend, type BackendAttempt, type SimulatorOptions } from './backends/start.ts';
import { loadKernels, type WasmKernels } from './wasm/loader.ts';
import { parseHkl, type HklGrid } from './hkl.ts';
import {
  interpolateF as interpolateKernel,
  type InterpolationResult, type InterpolationState, type TricubicVariant,
} from './kernels/tricubic.ts';
import { captureFractions as captureKernel, resolveLayers, type CaptureVariant } from './kernels/absorption.ts';
import { encodeImageAs, type ImageFormat } from './simulator/outputs.ts';
import type { Simulation } from './simulator/setup.ts';
import { pixelGeometry, type PixelGeometry } from './physics/pixel-readout.ts';
import { checkOutputFormats, encodeResultFiles, type OutputFormat, type ResultFiles } from './simulator/result-files.ts';

export type { Dtype, SimStats, HklGrid, InterpolationResult, InterpolationState, TricubicVariant, CaptureVariant };
export { resolveLayers };
export { compareImages, type ImageComparison } from './simulator/compare.ts';
export { ArgError } from './simulator/args.ts';
export { byteOffsetEncode, byteOffsetDecode } from './io/cbf.ts';
export { HklError } from './hkl.ts';
/** An input file (-mat, -mask, -img, -sourcefile, -stol) that cannot be read or is malformed. */
export { InputFileError } from './io/input-file.ts';
/** What one pixel sees (d, fractional h k l) and the radial profile, from a result's geometry (the web page's readout). */
export { pixelReadout, radialProfile, type PixelGeometry, type PixelReadout, type RadialProfile } from './physics/pixel-readout.ts';
export { OUTPUT_FORMATS, type OutputFormat, type ResultFiles } from './simulator/result-files.ts';

/** Where the pixel loop runs ('wasm' is the SIMD build; 'auto' picks the fastest one this runtime has) and the
 * order 'auto' tries them in: both from the one backend list, src/backends/names.ts. */
export { BACKEND_ORDER, BACKEND_LIST, type Backend } from './backends/names.ts';
export { startBackend, detectBackends, closeEngine, type BackendAttempt, type SimulatorOptions } from './backends/start.ts';

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

export interface SimulateCallOptions {
  /** HKL text or bytes used instead of reading the -hkl file (the only way in a browser). Overrides config.hkl. */
  hklText?: string | Uint8Array;
  /** Text of the -mat/-matrix file (MOSFLM A matrix) used instead of reading it (the only way in a browser). */
  matText?: string;
  /** Called as rows finish, with the fraction done (0..1]. */
  onProgress?: (fraction: number) => void;
  /**
   * Write the image into this Float32Array (width * height elements) instead of a fresh one; the result's image
   * is this array. Saves a large allocation per call in loops over many images.
   */
  into?: Float32Array;
  /**
   * Let the image be a view of the engine's own memory (no copy), valid until this simulator's next call or
   * dispose(); copy it to keep it. Ignored with `into`.
   */
  borrow?: boolean;
  /**
   * Files to encode from the image, returned in result.files: 'float' (-floatfile), 'smv' (-intfile), 'png'
   * (--pngfile), 'noise' (-noisefile, seeded by config.seed / -seed).
   */
  outputs?: readonly OutputFormat[];
}

export interface SimulationResult {
  /** Float32 photons per pixel, row-major: pixel (slow s, fast f) is image[s * width + f]. */
  image: Float32Array;
  width: number;
  height: number;
  /** nanoBragg's image statistics (max_I, mean, rms, rmsd over the ROI). */
  stats: SimStats;
  /** Warnings in nanoBragg's words (HKL reader, setup, interpolation switch-off) and the parser's own. */
  warnings: string[];
  backend: EngineBackend;
  backendReason: string;
  /** WebAssembly binary ('simd', 'scalar', 'simd-threads') or GPU adapter that ran the loop. */
  binary: string;
  dtype: Dtype;
  /** 'tricubic', 'nearest', or where the tricubic lookup switched to nearest. */
  interpolation: string;
  /** Raster index of the pixel where interpolation switched off, or -1. */
  switchPixel: number;
  /** Evaluations the loop performed (pixels x layers x sub-pixels x phi steps). */
  evaluations: number;
  /** The command line that was run (for a config: the one it became). */
  argv: string[];
  /** The detector and crystal geometry behind the image, for pixelReadout() and radialProfile(). */
  geometry: PixelGeometry;
  /** The files asked for with options.outputs (empty without). */
  files: ResultFiles;
  /**
   * Seconds: prepare (parse + HKL + setup), loop (the engine's pixel loop), total (this call); plus the engine's
   * own splits (wasm-threads: redo_s; webgpu: gpu_upload_s, gpu_prepass_s, gpu_kernel_s, gpu_stats_s, gpu_readback_s).
   */
  timings: { prepare_s: number; loop_s: number; total_s: number } & Record<string, number>;
}

export interface Simulator {
  readonly backend: EngineBackend;
  /** Why this backend: 'requested', or 'auto: ...' naming each faster backend passed over and why. */
  readonly backendReason: string;
  readonly attempts: readonly BackendAttempt[];
  readonly binary: string;
  readonly dtype: Dtype;
  /** Runs one simulation. Calls are queued: one runs at a time. */
  simulate(input: SimulationInput, options?: SimulateCallOptions): Promise<SimulationResult>;
  /** Releases the engine (workers, GPU device, WebAssembly memory). Later simulate() calls reject. */
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Config -> argv

/** JS numbers as nanoBragg tokens: String() is the shortest text that Number() reads back exactly. */
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

/** Levenshtein distance, case-insensitive. */
function editDistance(x: string, y: string): number {
  const a = x.toLowerCase(), b = y.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

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
  // a string 'false' is truthy: booleans and pairs are checked, not coerced (issue 19 item 11)
  for (const k of ['interpolate', 'oversampleThick', 'pointPixel'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') throw new TypeError(`config.${k} must be true or false, got ${JSON.stringify(c[k])}`);
  }
  if (c.polarization !== undefined && c.polarization !== false && typeof c.polarization !== 'number') {
    throw new TypeError(`config.polarization must be a number (Kahn factor) or false, got ${JSON.stringify(c.polarization)}`);
  }
  const pair = (key: string, v: unknown, what: string) => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 2)) throw new TypeError(`config.${key} must be ${what}, got ${JSON.stringify(v)}`);
  };
  if (Array.isArray(c.detpixels)) pair('detpixels', c.detpixels, 'a number or [fast, slow]');
  pair('beamMm', c.beamMm, '[Xbeam, Ybeam] in mm');
  if (c.hkl !== undefined && typeof c.hkl !== 'string' && !(c.hkl instanceof Uint8Array)) {
    throw new TypeError(`config.hkl must be the HKL text (a string) or its bytes (a Uint8Array), got ${Object.prototype.toString.call(c.hkl).slice(8, -1)}`);
  }
  if (c.roi !== undefined && (c.roi === null || typeof c.roi !== 'object')) throw new TypeError('config.roi must be { xmin, xmax, ymin, ymax }');
  if (c.hkl !== undefined || c.hklPath !== undefined) a.push('-hkl', c.hklPath ?? 'config.hkl');
  const hasMat = c.mat !== undefined || c.matPath !== undefined;
  if (!(hasMat && c.cell === undefined)) {
    if (!Array.isArray(c.cell) || c.cell.length !== 6) throw new TypeError('config.cell must be [a, b, c, alpha, beta, gamma] (Å, degrees)' + (hasMat ? ' or left out with a matrix' : ''));
    a.push('-cell', ...c.cell.map((v, i) => num(`cell[${i}]`, v)));
  }
  put('-N', 'N', c.N);
  put('-Na', 'Na', c.Na);
  put('-Nb', 'Nb', c.Nb);
  put('-Nc', 'Nc', c.Nc);
  put('-default_F', 'defaultF', c.defaultF);
  if (c.shape !== undefined) {
    if (!(c.shape in SHAPE_FLAG)) throw new TypeError(`config.shape must be one of ${Object.keys(SHAPE_FLAG).join(', ')}, got ${String(c.shape)}`);
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
  put('-distance', 'distanceMm', c.distanceMm);
  put('-pixel', 'pixelMm', c.pixelMm);
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
  put('-detector_thicksteps', 'thicksteps', c.thicksteps);
  put('-oversample', 'oversample', c.oversample);
  if (c.oversampleThick) a.push('-oversample_thick');
  put('-phi', 'phiDeg', c.phiDeg);
  put('-osc', 'oscDeg', c.oscDeg);
  put('-phistep', 'phistepDeg', c.phistepDeg);
  put('-phisteps', 'phisteps', c.phisteps);
  if (c.mat !== undefined && typeof c.mat !== 'string') throw new TypeError('config.mat must be the text of a MOSFLM matrix file (a string)');
  if (c.mat !== undefined || c.matPath !== undefined) a.push('-mat', c.matPath ?? 'config.mat');
  if (c.missetDeg === 'random') a.push('-misset', 'random');
  else if (c.missetDeg !== undefined) {
    if (!Array.isArray(c.missetDeg) || c.missetDeg.length !== 3) throw new TypeError(`config.missetDeg must be [x, y, z] in degrees or 'random', got ${JSON.stringify(c.missetDeg)}`);
    a.push('-misset', ...c.missetDeg.map((v, i) => num(`missetDeg[${i}]`, v)));
  }
  put('-misset_seed', 'missetSeed', c.missetSeed);
  put('-mosaic', 'mosaicDeg', c.mosaicDeg);
  put('-mosaic_domains', 'mosaicDomains', c.mosaicDomains);
  put('-mosaic_seed', 'mosaicSeed', c.mosaicSeed);
  put('-hdivrange', 'hdivrangeMrad', c.hdivrangeMrad);
  put('-vdivrange', 'vdivrangeMrad', c.vdivrangeMrad);
  put('-hdivsteps', 'hdivsteps', c.hdivsteps);
  put('-vdivsteps', 'vdivsteps', c.vdivsteps);
  put('-dispersion', 'dispersionPct', c.dispersionPct);
  put('-dispsteps', 'dispsteps', c.dispsteps);
  put('-fluence', 'fluence', c.fluence);
  put('-flux', 'flux', c.flux);
  put('-exposure', 'exposureS', c.exposureS);
  put('-beamsize', 'beamsizeMm', c.beamsizeMm);
  put('-water', 'waterUm', c.waterUm);
  if (c.detectorRotDeg !== undefined) {
    if (!Array.isArray(c.detectorRotDeg) || c.detectorRotDeg.length !== 3) throw new TypeError(`config.detectorRotDeg must be [x, y, z] in degrees, got ${JSON.stringify(c.detectorRotDeg)}`);
    (['x', 'y', 'z'] as const).forEach((ax, i) => put(`-detector_rot${ax}`, `detectorRotDeg[${i}]`, c.detectorRotDeg![i]));
  }
  put('-twotheta', 'twothetaDeg', c.twothetaDeg);
  put('-seed', 'seed', c.seed);
  put('-adc', 'adc', c.adc);
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

/** Node or Deno: runtimes with a file system behind node:fs (browsers and workers have none). */
function hasFileSystem(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return !!g.Deno || !!g.process?.versions?.node;
}

/**
 * A simulator on one backend, started and ready. backend 'auto' (default) takes the first of webgpu,
 * wasm-threads, wasm, wasm-scalar that this runtime has and that starts; a named backend that cannot run
 * here throws an Error with the reason.
 */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { engine, reason, attempts } = await startBackend(options);
  return new LibrarySimulator(engine, reason, attempts);
}

class LibrarySimulator implements Simulator {
  private engine: SimEngine;
  private disposed: Promise<void> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  readonly backend: EngineBackend;
  readonly binary: string;
  readonly dtype: Dtype;

  constructor(engine: SimEngine, readonly backendReason: string, readonly attempts: readonly BackendAttempt[]) {
    this.engine = engine;
    this.backend = engine.backend;
    this.binary = engine.binary;
    this.dtype = engine.dtype;
  }

  simulate(input: SimulationInput, options: SimulateCallOptions = {}): Promise<SimulationResult> {
    if (this.disposed) return Promise.reject(new Error('this simulator has been disposed'));
    const r = this.queue.then(() => this.run(input, options));
    this.queue = r.catch(() => {});
    return r;
  }

  private async run(input: SimulationInput, options: SimulateCallOptions): Promise<SimulationResult> {
    const engine = this.engine;
    if (options.outputs !== undefined) checkOutputFormats(options.outputs);
    const t0 = performance.now();
    const prepared = await prepareInput(input, options.hklText, options.matText ?? (Array.isArray(input) ? undefined : (input as SimulationConfig).mat));
    const t1 = performance.now();
    const simOptions: SimulateOptions = {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.into !== undefined ? { into: options.into } : {}),
      ...(options.borrow ? { borrow: true } : {}),
    };
    const r = await engine.simulate(prepared, simOptions);
    const files = options.outputs?.length ? await encodeResultFiles(prepared.sim, r.image, r.stats, this.dtype, options.outputs) : {};
    const t2 = performance.now();
    const result: SimulationResult = {
      image: r.image, width: r.width, height: r.height, stats: r.stats,
      warnings: [...prepared.sim.args.warnings, ...r.warnings],
      backend: this.backend, backendReason: this.backendReason, binary: this.binary, dtype: this.dtype,
      interpolation: r.interpolation, switchPixel: r.switchPixel, evaluations: r.evaluations,
      argv: prepared.argv,
      geometry: pixelGeometry(prepared.sim),
      files,
      timings: { ...r.timings, prepare_s: (t1 - t0) / 1000, loop_s: r.timings.loop_s, total_s: (t2 - t0) / 1000 },
    };
    simulationOf.set(result, prepared.sim);
    return result;
  }

  /** Lets the calls already made finish, then closes the engine. */
  dispose(): Promise<void> {
    this.disposed ??= this.queue.then(() => closeEngine(this.engine));
    return this.disposed;
  }
}

// ---------------------------------------------------------------------------------------------------
// Files

/** The simulation (geometry, flags) behind each result, for encodeImage's headers. */
const simulationOf = new WeakMap<SimulationResult, Simulation>();

export type { ImageFormat };

/**
 * A result as the file the command line would write for it: 'float' (-floatfile: raw float32), 'smv' (-intfile:
 * SMV unsigned-short image with nanoBragg's header, scale and ADC offset) or 'cbf' (-cbffile: byte-offset miniCBF
 * with a PILATUS_1.2 header, the same integers as 'smv'). `name` is the CBF's data block name (the file stem).
 * Bytes only: writing them is the caller's (fs.writeFileSync, Deno.writeFile, a browser download).
 */
export function encodeImage(result: SimulationResult, format: ImageFormat, name?: string): Uint8Array {
  const sim = simulationOf.get(result);
  if (!sim) throw new TypeError('encodeImage takes a result returned by simulate() (its geometry is kept with it)');
  if (!['float', 'smv', 'cbf'].includes(format)) throw new TypeError(`unknown image format '${String(format)}' (float, smv, cbf)`);
  return encodeImageAs(sim, result, format, name);
}

/** Parses the input (argv or config) and loads its structure factors. */
export async function prepareInput(input: SimulationInput, hklText?: string | Uint8Array, matText?: string): Promise<PreparedSimulation> {
  let argv: string[];
  let text = hklText;
  if (Array.isArray(input)) {
    if (input.some((t) => typeof t !== 'string')) throw new TypeError('an argv input must be an array of strings');
    argv = [...input];
  } else {
    const config = input as SimulationConfig;
    argv = configToArgv(config);
    text ??= config.hkl;
  }
  if (text === undefined && argv.includes('-hkl') && !hasFileSystem()) {
    throw new Error('this runtime has no file system: pass the HKL data as config.hkl or as the hklText option');
  }
  if (matText === undefined && (argv.includes('-mat') || argv.includes('-matrix')) && !hasFileSystem()) {
    throw new Error('this runtime has no file system: pass the -mat file\'s text as the matText option');
  }
  for (const f of ['-mask', '-img']) {
    if (argv.includes(f) && !hasFileSystem()) throw new Error(`this runtime has no file system: '${f}' needs one (the library does not take the SMV file's bytes yet)`);
  }
  return prepareSimulation(argv, { ...(text === undefined ? {} : { hklText: text }), ...(matText === undefined ? {} : { matText }) });
}

// ---------------------------------------------------------------------------------------------------
// Structure factors and the kernels on their own

export interface LoadHklOptions {
  /** F for grid cells no reflection sets (nanoBragg -default_F). Default 0. */
  defaultF?: number;
  /** Name used in error messages. */
  source?: string;
}

/** A parsed HKL grid and the reader's non-fatal findings (duplicates, ignored columns). */
export type LoadedHkl = HklGrid & { warnings: string[] };

/** Parses HKL text or bytes (h k l F per line) into nanoBragg's dense grid. Throws HklError naming the line. */
export function loadHkl(input: string | Uint8Array, options: LoadHklOptions = {}): LoadedHkl {
  const { grid, warnings } = parseHkl(input, { defaultF: options.defaultF, source: options.source });
  return Object.assign(grid, { warnings });
}

let sharedKernels: Promise<WasmKernels> | null = null;

/** The kernel instance behind interpolateF and captureFractions (SIMD binary where the runtime has it). */
function kernels(): Promise<WasmKernels> {
  if (!sharedKernels) {
    sharedKernels = loadKernels();
    sharedKernels.catch(() => (sharedKernels = null));
  }
  return sharedKernels;
}

const f64 = (name: string, v: ArrayLike<number>): Float64Array => {
  if (v instanceof Float64Array) return v;
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new TypeError(`${name} must be an array of numbers`);
  return Float64Array.from(v);
};

export interface InterpolateFOptions {
  /** 'f64' (default, C's polin3 bit for bit), 'f64x2' (same bits), 'f32'/'f32x4' (within 1e-6 of the stencil's largest |F|). */
  variant?: TricubicVariant;
  /** nanoBragg's run-wide interpolation switch; pass the same object to later calls to continue a run. Updated in place. */
  state?: InterpolationState;
}

/**
 * F at fractional Miller indices (h[i], k[i], l[i]) in nanoBragg's serial order: tricubic interpolation
 * until the first evaluation outside the grid's interpolation window, nearest neighbour from there on
 * (the C program's switch-off, with its warning lines the first time).
 */
export async function interpolateF(grid: HklGrid, h: ArrayLike<number>, k: ArrayLike<number>, l: ArrayLike<number>,
                                   options: InterpolateFOptions = {}): Promise<InterpolationResult> {
  const hh = f64('h', h), kk = f64('k', k), ll = f64('l', l);
  // NaN compares false with every bound, so the kernel would neither interpolate nor switch off: refuse it
  for (const [name, v] of [['h', hh], ['k', kk], ['l', ll]] as const) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new TypeError(`${name}[${i}] is ${v[i]}: Miller indices must be finite numbers`);
  }
  return interpolateKernel(await kernels(), grid, hh, kk, ll, options);
}

/**
 * Capture fraction of each of nLayers sensor layers (step delta in m, attenuation mu in 1/m) for each
 * parallax factor rho[p]: result[p * nLayers + t] = exp(-tΔμ/ρ) - exp(-(t+1)Δμ/ρ). Float64Array for the
 * 'f64'/'f64x2' variants (default 'f64', nanoBragg's expression), Float32Array for 'f32'/'f32x4'.
 * resolveLayers() turns nanoBragg's thickness options into nLayers, delta and mu.
 */
export async function captureFractions(rho: ArrayLike<number>, nLayers: number, delta: number, mu: number,
                                       variant: CaptureVariant = 'f64'): Promise<Float64Array | Float32Array> {
  return captureKernel(await kernels(), f64('rho', rho), nLayers, delta, mu, variant);
}
