// What the webgpu backend does not compute yet, as one function of the resolved simulation: the engine refuses
// such a run by name, and `auto` passes over webgpu for it (with this reason) instead of failing. Pure: no GPU.
//
// Several sources (-divergence/-dispersion), -dmin and -curved_det run in the WGSL kernel (src/webgpu/simulate.ts)
// within the pure-f32 tolerance (tests/beam-golden.test.ts, tests/detector-webgpu.test.ts, tests/webgpu.test.ts).
//
// -water is computed by the kernel too (U.Ibg, no F_latt == 0 skip) but stays refused: on images the water
// background dominates (tests/fixtures/beam water_*: 24x24, a nearly flat image) the per-pixel f32 solid angle and
// polarization (relative errors of a few 1e-7) fail the pure-f32 tolerance's 1 - r <= 10 S^2 + 1e-10 by 9-12x
// (max|diff|/max and the sum stay below 0.03 of theirs); the golden-breadth water cases pass (<= 0.09).

import type { Simulation } from '../simulator/setup.ts';

const USE = 'use --backend wasm, wasm-scalar or wasm-threads';

/** Why webgpu cannot run `sim` (one line naming the feature and the backends that can), or undefined. */
export function webgpuRefusal(sim: Simulation): string | undefined {
  if (sim.loop.water) return `option '-water' is not implemented on the webgpu backend (its f32 background fails the declared tolerance; ${USE})`;
  return undefined;
}
