// What the webgpu backend does not compute yet, as one function of the resolved simulation: the engine refuses
// such a run by name, and `auto` passes over webgpu for it (with this reason) instead of failing. Pure: no GPU.

import type { Simulation } from '../simulator/setup.ts';

const USE = 'use --backend wasm, wasm-scalar or wasm-threads';

/** Why webgpu cannot run `sim` (one line naming the feature and the backends that can), or undefined. */
export function webgpuRefusal(sim: Simulation): string | undefined {
  if (sim.args.sourcePath !== undefined) return `option '-sourcefile' is not implemented on the webgpu backend (${USE})`;
  if (sim.sources.count > 1) return `${sim.sources.count} sources (-divergence/-dispersion) are not implemented on the webgpu backend (${USE})`;
  if (sim.args.water_m !== 0) return `option '-water' is not implemented on the webgpu backend (${USE})`;
  if (sim.args.dmin_m > 0) return `option '-dmin' is not implemented on the webgpu backend (${USE})`;
  if (sim.args.curved) return `option '-curved_det' is not implemented on the webgpu backend (flat detectors only; ${USE})`;
  return undefined;
}
