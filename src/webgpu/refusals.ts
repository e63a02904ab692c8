// What the webgpu backend does not compute yet, as one function of the resolved simulation: the engine refuses
// such a run by name, and `auto` passes over webgpu for it (with this reason) instead of failing. Pure: no GPU.
//
// Nothing is refused today: several sources (-divergence/-dispersion), -water, -dmin and -curved_det run in the
// WGSL kernel (src/webgpu/simulate.ts) within the pure-f32 tolerance (tests/beam-golden.test.ts,
// tests/detector-webgpu.test.ts). A feature the kernel cannot compute goes here, one line naming it and
// the backends that can ('use --backend wasm, wasm-scalar or wasm-threads').

import type { Simulation } from '../simulator/setup.ts';

/** Why webgpu cannot run `sim` (one line naming the feature and the backends that can), or undefined. */
export function webgpuRefusal(_sim: Simulation): string | undefined {
  return undefined;
}
