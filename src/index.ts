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
import { closeEngine, firstBadPixel, type Dtype, type EngineBackend, type PreparedSimulation, type SimEngine, type SimStats, type SimulateOptions } from './engine/contract.ts';
import { startBackend, type BackendAttempt, type SimulatorOptions } from './backends/start.ts';
import type { HklGrid } from './hkl.ts';
import type { InterpolationResult, InterpolationState, TricubicVariant } from './kernels/tricubic.ts';
import { resolveLayers, type CaptureVariant } from './kernels/absorption.ts';
import { configToArgv, describe, type SimulationConfig, type SimulationInput } from './library/config.ts';
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
/** A simulation as an object (every field one nanoBragg flag) or as nanoBragg's argv; configToArgv between them. */
export { configToArgv, type SimulationConfig, type SimulationInput } from './library/config.ts';
/** The kernels on arrays: the HKL reader, tricubic interpolation, capture fractions. */
export { loadHkl, interpolateF, captureFractions, type LoadHklOptions, type LoadedHkl, type InterpolateFOptions } from './library/kernels.ts';
export { startBackend, detectBackends, closeEngine, type BackendAttempt, type SimulatorOptions } from './backends/start.ts';


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

/** The call options' types: a string 'false' is truthy, so `borrow` is checked, not coerced (issue 19). */
function checkCallOptions(options: SimulateCallOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`simulate options must be an object, got ${String(options)}`);
  if (options.borrow !== undefined && typeof options.borrow !== 'boolean') throw new TypeError(`options.borrow must be true or false, got ${describe(options.borrow)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError(`options.onProgress must be a function, got ${describe(options.onProgress)}`);
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
    checkCallOptions(options);
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
    // as the command line does (src/simulator/run.ts refuseBadImage): an overflowing image is an error, not a result
    const bad = firstBadPixel(r.image);
    if (bad >= 0) {
      throw new RangeError(`the image has pixels that are not finite, non-negative numbers (pixel slow ${Math.floor(bad / r.width)}, fast ${bad % r.width} = ${r.image[bad]}): ` +
        'the config values overflow floating point (check distanceMm, beamMm, cell, N, defaultF, the HKL data, fluence, waterUm)');
    }
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

