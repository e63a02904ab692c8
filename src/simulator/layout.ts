// The host side of one whole-image run, shared by every WebAssembly engine (single-threaded
// WasmEngine and the threaded engine): where the inputs go in linear memory, what the
// interpolation switch-off point turns into (parameter slots, C warning lines, the
// "interpolation" summary) and how the result is put together.
//
// Written against the small Arena interface below, which both the loader's WasmKernels (an
// exported, growable memory) and SharedArena (an imported shared memory) satisfy.
//
// Memory rule: a grow detaches every view of a non-shared memory, so layoutSimulation does all
// of its allocations first and only then takes views; callers that allocate more afterwards
// must take fresh views (paramsBlock) after their last alloc.

import { fillParams, P } from './params.ts';
import { R_E_SQR, type Simulation } from './setup.ts';
import type { PreparedSimulation, SimResult } from '../engine/contract.ts';
import type { BumpArena } from '../wasm/arena.ts';
import { outOfRangeWarning } from '../kernels/tricubic.ts';
import { imageStats } from '../io/stats.ts';
import { EXIT, UserError } from '../errors.ts';

/** Number of evaluations the pixel loop performs (pixels in the ROI x layers x subpixels x sources x phi steps x mosaic domains). */
export function evaluationCount(sim: Simulation): number {
  const w = Math.max(0, Math.min(sim.roi.xmax, sim.detector.fpixels - 1) - Math.max(0, sim.roi.xmin) + 1);
  const h = Math.max(0, Math.min(sim.roi.ymax, sim.detector.spixels - 1) - Math.max(0, sim.roi.ymin) + 1);
  return w * h * sim.layers.nLayers * sim.oversample * sim.oversample * sim.sources.count * sim.phi.entries;
}

/** Largest image (in pixels) the 32-bit WebAssembly memory can hold beside its working set. */
export const MAX_PIXELS = 512 * 1024 * 1024 / 4;

/** A host-owned bump allocator over WebAssembly linear memory. */
/** Host-owned WebAssembly memory (the single-threaded kernels' or the threads' shared one). */
export type Arena = BumpArena;

/** Where one run's inputs and output live. */
export interface SimulationLayout {
  width: number;
  height: number;
  npix: number;
  paramsPtr: number;
  /** `scratchBytes` for the kernels' per-caller scratch blocks (0 if none were asked for). */
  scratchPtr: number;
  /** npix f32 (zeroed unless the caller asked otherwise). */
  imagePtr: number;
}

/** Throws the engine's error when the detector cannot fit in 32-bit WebAssembly memory. */
export function checkImageSize(sim: Simulation): void {
  const { fpixels: width, spixels: height } = sim.detector;
  if (width * height > MAX_PIXELS) {
    throw new UserError(`detector of ${width}x${height} pixels is too large: at most ${MAX_PIXELS} pixels fit in WebAssembly memory`, EXIT.RESOURCE);
  }
}

/**
 * Resets the arena and lays out one run exactly as the single-threaded engine does: the
 * structure-factor grid as f64 and as f32, the phi table, the parameter block (fillParams, no
 * switch-off point yet), `scratchBytes` of kernel scratch (one scratchBytes() block per
 * concurrent caller) and the f32 image, zeroed unless `zeroImage` is false (the kernels store every pixel
 * of the ROI, so a caller may skip this when the ROI covers the image, or zero each band before computing it).
 */
export function layoutSimulation(arena: Arena, sim: Simulation, scratchBytes = 0, zeroImage = true): SimulationLayout {
  checkImageSize(sim);
  const { fpixels: width, spixels: height } = sim.detector;
  const npix = width * height;
  arena.reset();
  const g = sim.grid;
  const gridF64 = g ? arena.put(g.data) : 0;
  const gridF32 = g ? arena.put(Float32Array.from(g.data)) : 0;
  const phiTable = arena.put(sim.phi.table);
  const sources = arena.put(sim.sources.table);
  // -mask: the kernels skip the zero-flagged pixels, as C does (they take no part in the switch-off order)
  const mask = sim.mask ? arena.put(Uint8Array.from(sim.mask, (v) => (v !== 0 ? 1 : 0))) : 0;
  const paramsPtr = arena.alloc(P.COUNT * 8);
  const scratchPtr = scratchBytes > 0 ? arena.alloc(scratchBytes, 64) : 0; // (cache-line aligned)
  const imagePtr = arena.alloc(npix * 4);
  // views only after the last alloc
  if (zeroImage) arena.u8(imagePtr, npix * 4).fill(0);
  fillParams(arena.f64(paramsPtr, P.COUNT), sim, { phiTable, gridF64, gridF32, sources, mask }, R_E_SQR);
  return { width, height, npix, paramsPtr, scratchPtr, imagePtr };
}

/** The parameter block (take it after the last alloc of the call). */
export function paramsBlock(arena: Arena, layout: SimulationLayout): Float64Array {
  return arena.f64(layout.paramsPtr, P.COUNT);
}

/** What the run reports about interpolation. */
export interface SwitchOff {
  /** Raster index of the pixel holding the first out-of-range evaluation, or -1. */
  switchPixel: number;
  /** 'tricubic', 'nearest' or 'tricubic, switched to nearest at pixel (slow S, fast F)'. */
  interpolation: string;
  /** The C warning lines (empty when interpolation never switched off). */
  warnings: string[];
}

/** No switch-off: interpolation as the set-up chose it. */
export function noSwitchOff(sim: Simulation): SwitchOff {
  return { switchPixel: -1, interpolation: sim.interpolate ? 'tricubic' : 'nearest', warnings: [] };
}

/**
 * Applies a switch-off point `at` = (pixel, evaluation, h, k, l), as the kernels report it,
 * to the parameter block (P.SWITCH_PIXEL, P.SWITCH_EVAL) and returns the C warning lines
 * and the summary.
 */
export function applySwitchOff(block: Float64Array, at: ArrayLike<number>, width: number): SwitchOff {
  const switchPixel = at[0];
  block[P.SWITCH_PIXEL] = at[0];
  block[P.SWITCH_EVAL] = at[1];
  const slow = Math.floor(switchPixel / width), fast = switchPixel % width;
  return {
    switchPixel,
    interpolation: `tricubic, switched to nearest at pixel (slow ${slow}, fast ${fast})`,
    warnings: outOfRangeWarning(at[2], at[3], at[4]),
  };
}

/** -mask: zero the skipped pixels (C never computes them) and their statistics as C's (docs/c-behaviour/detector.md). */
export function applyMask(image: Float32Array, sim: PreparedSimulation['sim']): SimResult['stats'] {
  const m = sim.mask!;
  for (let i = 0; i < image.length; i++) if (m[i] === 0) image[i] = 0;
  return imageStats(image, sim.detector.fpixels, sim.detector.spixels, sim.roi, m);
}

/** The SimResult of a finished run; `image` must be a copy the caller owns. */
export function buildResult(
  prepared: PreparedSimulation,
  image: Float32Array,
  sw: SwitchOff,
  timings: SimResult['timings'] & Record<string, number>,
  stats?: SimResult['stats'],
): SimResult {
  const sim = prepared.sim;
  const { fpixels: width, spixels: height } = sim.detector;
  if (sim.mask) stats = applyMask(image, sim);
  return {
    image, width, height,
    warnings: [...prepared.hklWarnings, ...sim.warnings, ...sw.warnings],
    interpolation: sw.interpolation,
    switchPixel: sw.switchPixel,
    evaluations: evaluationCount(sim),
    stats: stats ?? imageStats(image, width, height, sim.roi),
    timings,
  };
}
