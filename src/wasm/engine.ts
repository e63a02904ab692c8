// The single-threaded WebAssembly engine (backends wasm and wasm-scalar): the kernels of build/simd.wasm or
// build/scalar.wasm run the rows of the image in serial order, in bands, yielding to the event loop between
// bands so that signals, timers and pages keep their turn.
//
// Precision: dtype 'f64' is the C program's double-precision arithmetic (image bit-identical to C's float
// image); 'f32' keeps geometry and Miller indices in f64 and the lattice factor, structure factor and
// accumulation in f32 (docs/precision.md).

import type { WasmKernels } from './loader.ts';
import { P } from '../simulator/params.ts';
import { SCRATCH } from '../simulator/param-layout.ts';
import { statsFromSums } from '../io/stats.ts';
import { layoutSimulation, paramsBlock, noSwitchOff, applySwitchOff, buildResult } from '../simulator/layout.ts';
import {
  checkInto, imageOut, yieldToEventLoop,
  type Dtype, type EngineBackend, type PreparedSimulation, type SimEngine, type SimResult, type SimulateOptions,
} from '../engine/contract.ts';

export class WasmEngine implements SimEngine {
  constructor(
    readonly backend: EngineBackend,
    readonly dtype: Dtype,
    private kernels: WasmKernels,
  ) {}

  get binary() {
    return this.kernels.flavour;
  }

  memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  dispose(): void {
    this.kernels.reset();
  }

  async simulate(prepared: PreparedSimulation, options: SimulateOptions = {}): Promise<SimResult> {
    const sim = prepared.sim;
    checkInto(options.into, sim.detector.fpixels, sim.detector.spixels);
    const k = this.kernels;
    const ex = k.exports;
    if (ex.paramSlotCount() !== P.COUNT) throw new Error('WebAssembly kernels and host disagree on the parameter layout: rebuild with npm run asbuild');
    // the kernel stores every pixel of the ROI: zero the image only where the ROI leaves pixels out
    const r = sim.roi, d = sim.detector;
    const roiCovers = r.xmin <= 0 && r.ymin <= 0 && r.xmax >= d.fpixels - 1 && r.ymax >= d.spixels - 1;
    const lay = layoutSimulation(k, sim, ex.scratchBytes(), !roiCovers);
    let block = paramsBlock(k, lay);
    // Rows in serial order: the kernel switches interpolation off itself at the first
    // out-of-range evaluation (as C does) and reports it; later bands get it through the block.
    let sw = noSwitchOff(sim);
    const t0 = performance.now();
    const run = this.dtype === 'f64' ? ex.simulateF64 : ex.simulateF32;
    const band = Math.max(1, Math.ceil(lay.height / 50));
    let lastYield = t0;
    for (let row = 0; row < lay.height; row += band) {
      const end = Math.min(lay.height, row + band);
      if (run(lay.paramsPtr, lay.imagePtr, row, end, lay.scratchPtr)) sw = applySwitchOff(block, k.f64(lay.scratchPtr + SCRATCH.PIXEL, 5), lay.width);
      options.onProgress?.(end / lay.height);
      // let signal handlers (Ctrl-C), timers and the page run at least every 100 ms
      if (end < lay.height && performance.now() - lastYield > 100) {
        await yieldToEventLoop();
        lastYield = performance.now();
        block = paramsBlock(k, lay); // a fresh view, should the memory have grown meanwhile
      }
    }
    const loop_s = (performance.now() - t0) / 1000;
    const statsPtr = k.alloc(6 * 8);
    const x0 = Math.max(0, r.xmin), x1 = Math.min(d.fpixels - 1, r.xmax), y0 = Math.max(0, r.ymin), y1 = Math.min(d.spixels - 1, r.ymax);
    ex.imageStatistics(lay.imagePtr, lay.width, x0, x1, y0, y1, statsPtr);
    const [maxI, maxIndex, sum, sumsqr, n, dev] = k.f64(statsPtr, 6);
    const stats = statsFromSums(maxI, maxIndex, sum, sumsqr, n, dev);
    return buildResult(prepared, imageOut(k.f32(lay.imagePtr, lay.npix), options.into, options.borrow), sw, { loop_s }, stats);
  }
}

