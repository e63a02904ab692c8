// What a benchmark backend is: the request it is given, what it returns, and the interface every backend of the
// list (backends.ts) implements. Its own module so the list, the backends (c-reference.ts, the process backends)
// and the run context all depend on it and none on each other (tests/import-cycles.test.ts).

import type { WasmFlavour } from '../wasm/loader.ts';
import type { BenchCase } from './timing.ts';
import type { BenchmarkName, Dtype, KernelName, Workload } from './schema.ts';
import type { RunContext } from './run-context.ts';
import type { LoopCase } from './workloads.ts';

export interface MeasurementRequest {
  benchmark: BenchmarkName;
  workload: Workload;
  kernel?: KernelName;
  size: number;
  dtype: Dtype;
  /** Threads asked for on the command line. */
  threads: number;
  thicksteps?: number;
  oversampleThick?: boolean;
  /** Capture-fraction kernel: layers per pixel. */
  layers?: number;
  /** The loop and start-up benchmarks: which whole-image workload (src/bench/workloads.ts LOOP_CASE_SPECS). */
  case?: LoopCase;
}

/** A request made runnable: the case plus what the result records about how it ran. */
export interface PreparedMeasurement {
  case: BenchCase<unknown, unknown>;
  /** Binary the instance used; may be updated once the instance exists (engine picks it). */
  binary: () => string;
  threads: number;
  variant?: string;
  layers?: number;
}

export interface BenchBackend {
  readonly name: string;
  /** null when the backend can run the request, else the reason it cannot (the request is skipped). */
  unavailable(req: MeasurementRequest): Promise<string | null>;
  /**
   * Builds the case; all setup (argv parsing, HKL parsing, input generation) happens here, untimed. `ctx` is
   * shared by the measurements of one run (images published for cross-backend comparison).
   */
  prepare(req: MeasurementRequest, ctx?: RunContext): Promise<PreparedMeasurement>;
  /** Binaries whose compilation should be timed separately (WASM backends). */
  readonly binaries?: readonly WasmFlavour[];
  /**
   * The one precision this backend computes in, whatever the request says (the C program: f64). The runner
   * measures such a backend once per case, preferring the request of that dtype, and records it with this dtype.
   */
  readonly fixedDtype?: Dtype;
}

/** What the cold time of an in-process measurement contains, by workload. */
export const COLD_INCLUDES = {
  kernel: 'loadKernels (WebAssembly.instantiate of the already compiled module) + grid/input upload + first kernel call',
  image: 'createEngine (WebAssembly.instantiate of the already compiled module) + first simulate(); argv and HKL parsing are outside',
} as const;
