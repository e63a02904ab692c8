// One physics spec, every backend: describeBackends registers the spec's tests once per (backend, dtype) that
// the backend list declares (src/backends/names.ts), each with that backend's declared precision
// (src/backends/precision.ts). A combination this machine cannot run is printed with its reason and counted
// in the summary line; it is never silently left out.
//
//   await describeBackends('golden', (run) => {
//     test(`${run.label}: case x`, async () => { const r = await (await run.engine()).simulate(p); ... run.judge(...) });
//   });

import { test } from 'uvu';
import { BACKEND_LIST, type Dtype, type EngineBackend } from '../../src/backends/names.ts';
import { ENGINES } from '../../src/backends/registry.ts';
import { createEngine, closeEngine, type SimEngine } from '../../src/simulator/engine.ts';
import { judgeImage, declaredPrecision, type Verdict } from '../../src/backends/precision.ts';
import type { Simulation } from '../../src/simulator/setup.ts';
import type { DeclaredPrecision } from '../../src/backends/names.ts';

export interface BackendRun {
  backend: EngineBackend;
  dtype: Dtype;
  /** 'wasm f64', 'webgpu f32', ... */
  label: string;
  precision: DeclaredPrecision;
  /** The engine of this run, started on first use and closed after the suite. */
  engine(): Promise<SimEngine>;
  /** The verdict on `image` against C's `reference` by this backend's declared precision. */
  judge(sim: Simulation, image: Float32Array, reference: Float32Array): Verdict;
}

export interface DescribeOptions {
  /** Only these backends (default: all). */
  backends?: readonly EngineBackend[];
  /** Only these dtypes (default: every dtype each backend declares). */
  dtypes?: readonly Dtype[];
  /** Workers for wasm-threads (default 2: tests must show the split, on the 2-core CI too). */
  threads?: number;
}

/** Registers `spec` for every declared (backend, dtype) that can run here; prints the others with the reason. */
export async function describeBackends(suite: string, spec: (run: BackendRun) => void, options: DescribeOptions = {}): Promise<void> {
  const engines: SimEngine[] = [];
  const ran: string[] = [];
  const notRun: string[] = [];
  for (const b of BACKEND_LIST) {
    if (options.backends && !options.backends.includes(b.name)) continue;
    for (const dtype of b.dtypes) {
      if (options.dtypes && !options.dtypes.includes(dtype)) continue;
      const label = `${b.name} ${dtype}`;
      const probe = await ENGINES[b.name].probe(dtype, false);
      if (!probe.ok) {
        notRun.push(`${label} (${probe.reason})`);
        continue;
      }
      let started: Promise<SimEngine> | undefined;
      const run: BackendRun = {
        backend: b.name, dtype, label, precision: declaredPrecision(b.name, dtype),
        engine: () => (started ??= createEngine({ backend: b.name, dtype, ...(b.threads ? { threads: options.threads ?? 2 } : {}) }).then((e) => {
          engines.push(e);
          return e;
        })),
        judge: (sim, image, reference) => judgeImage(b.name, dtype, sim, image, reference),
      };
      spec(run);
      ran.push(label);
    }
  }
  console.log(`${suite}: on ${ran.join(', ')}${notRun.length ? `; NOT RUN here: ${notRun.join('; ')}` : ''}`);
  test.after(async () => {
    for (const e of engines) await closeEngine(e);
  });
}
