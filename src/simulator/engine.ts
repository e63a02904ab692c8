// The engine module: start an engine for a backend and prepare simulations for it.
//
//   const engine = await createEngine({ backend: 'wasm', dtype: 'f32' });
//   const prepared = await prepareSimulation(['-hkl', 'x.hkl', '-cell', ...]);
//   const result = await engine.simulate(prepared);
//
// Where things live: the contract every engine fulfils in src/engine/contract.ts, the engines in
// src/wasm/engine.ts, src/threads/engine.ts and src/webgpu/engine.ts, their probes and factories in
// src/backends/registry.ts, argv -> PreparedSimulation in src/simulator/prepare.ts. This file only gathers
// them for callers (the CLI, the bench, tests); no engine imports it.

import { BACKEND_ORDER, type EngineBackend } from '../backends/names.ts';

export { createEngine } from '../backends/registry.ts';
export { prepareSimulation, type HklCache } from './prepare.ts';
export { evaluationCount, MAX_PIXELS } from './layout.ts';
export {
  checkInto, closeEngine, imageOut,
  type Dtype, type EngineBackend, type PreparedSimulation, type SimEngine, type SimResult, type SimStats, type SimulateOptions,
} from '../engine/contract.ts';

/** Every backend createEngine knows (the benchmarks skip, with the reason, those that cannot start here). */
export const ENGINE_BACKENDS: readonly EngineBackend[] = [...BACKEND_ORDER].reverse(); // slowest first, as reports list them
