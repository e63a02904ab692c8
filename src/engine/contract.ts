// The engine contract: what every backend's engine takes (a PreparedSimulation), gives (a SimResult) and
// offers (simulate, memoryBytes, dispose/close). Imported by every engine and by the code that starts them;
// it imports no engine, so no engine can form an import cycle through it.

import type { Simulation } from '../simulator/setup.ts';
import type { ImageStats } from '../io/stats.ts';
import type { Dtype, EngineBackend } from '../backends/names.ts';
export type { Dtype, EngineBackend };

export interface PreparedSimulation {
  argv: string[];
  sim: Simulation;
  /** Non-fatal notes from reading the HKL file (e.g. duplicates). */
  hklWarnings: string[];
}

/** C's image statistics (max_I and where, mean, rms, rmsd over the ROI): see src/io/stats.ts. */
export type SimStats = ImageStats;

export interface SimResult {
  image: Float32Array;
  width: number;
  height: number;
  /** Warnings in the C program's words, each once, in the order C prints them. */
  warnings: string[];
  /** 'tricubic', 'nearest', or 'tricubic, switched to nearest at pixel (slow S, fast F)'. */
  interpolation: string;
  /** Raster index of the pixel holding the interpolation switch-off, or -1. */
  switchPixel: number;
  evaluations: number;
  stats: SimStats;
  /** Seconds: loop_s for every engine, plus the engine's own phases (webgpu: gpu_upload_s, gpu_prepass_s, gpu_kernel_s, gpu_stats_s, gpu_readback_s). */
  timings: { loop_s: number; [phase: string]: number };
}

export interface SimulateOptions {
  /** Called after each band of rows with the fraction done (0..1]. */
  onProgress?: (fraction: number) => void;
  /**
   * Write the image into this array (width * height elements) instead of a fresh one; the result's image is this
   * array. For loops over many images: a fresh 64 MiB image (4096^2) costs about 30 ms of allocation and first-touch
   * page faults here, a copy into an array already touched about 5 ms.
   */
  into?: Float32Array;
  /**
   * Let the image be a view of the engine's own memory instead of a copy (WebAssembly: its linear memory;
   * WebGPU: the mapped readback buffer, when the image went through in one band), valid until the engine's next
   * call or dispose() - copy it to keep it. Saves the copy of the whole image: about 5 ms per 64 MiB here.
   * Ignored when `into` is given.
   */
  borrow?: boolean;
}

/** The first pixel that is not a finite, non-negative number, or -1 (the CLI and the library refuse such images). */
export function firstBadPixel(image: Float32Array): number {
  for (let i = 0; i < image.length; i++) if (!(image[i] >= 0 && image[i] < Infinity)) return i;
  return -1;
}

/** Throws when `into` cannot hold the image (checked before any work). */
export function checkInto(into: Float32Array | undefined, width: number, height: number): void {
  if (into === undefined) return;
  if (!(into instanceof Float32Array)) throw new TypeError(`'into' must be a Float32Array, got ${Object.prototype.toString.call(into)}`);
  if (into.length !== width * height) {
    throw new RangeError(`'into' has ${into.length} elements but the image has ${width}x${height} = ${width * height} pixels`);
  }
}

/**
 * The image to return: a copy of `view` in a fresh array, or in `into` (already checked by checkInto), or with
 * `borrow` (and no `into`) `view` itself.
 */
export function imageOut(view: Float32Array, into?: Float32Array, borrow = false): Float32Array {
  if (!into) return borrow ? view : view.slice();
  into.set(view);
  return into;
}

export interface SimEngine {
  readonly backend: EngineBackend;
  /** The WebAssembly binary or GPU adapter that runs the loop. */
  readonly binary: string;
  readonly dtype: Dtype;
  simulate(prepared: PreparedSimulation, options?: SimulateOptions): Promise<SimResult>;
  /** Bytes of WebAssembly memory currently committed. */
  memoryBytes(): number;
  /** Frees the engine's memory at once (no waiting). */
  dispose(): void;
  /** Engines with workers or a GPU device also offer an orderly shutdown; closeEngine prefers it. */
  close?(): Promise<void>;
}

/** Releases an engine: close() where the engine has one (workers, GPU device), else dispose(). */
export async function closeEngine(engine: SimEngine): Promise<void> {
  if (typeof engine.close === 'function') await engine.close();
  else engine.dispose();
}

/** Resolves once pending I/O, timers and signal handlers have had their turn (long loops call it every ~100 ms). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
