// Whole-image workloads timed through the simulator engine (src/simulator/engine.ts).
//
// The engine is loaded lazily and typed here by the few members the benchmark uses, so the benchmark keeps
// working (and says why an image measurement is skipped) while the engine is missing or incomplete.

import type { BenchCase, BenchInstance } from './timing.ts';
import { countWarnings, imageProblems, repeatProblems } from './checks.ts';

export interface SimResultLike {
  image: Float32Array;
  width: number;
  height: number;
  warnings: string[];
  interpolation: string;
  evaluations: number;
  /** Phases of the run in seconds as the engine measured them (CPU: prepass/loop; GPU: upload/kernel/readback). */
  timings?: Record<string, number>;
}

export interface SimEngineLike {
  readonly binary: string;
  /** May return a promise (a GPU or threaded engine resolves it when the image is on the host). */
  simulate(prepared: unknown): SimResultLike | Promise<SimResultLike>;
  memoryBytes(): number;
  dispose(): void;
}

export interface EngineModule {
  createEngine(opts: { backend: string; dtype: 'f32' | 'f64'; threads?: number }): Promise<SimEngineLike>;
  prepareSimulation(argv: string[], opts?: { hklText?: string }): Promise<unknown>;
  /** Backends the engine implements, when it says so; otherwise wasm and wasm-scalar are assumed. */
  ENGINE_BACKENDS?: readonly string[];
}

const ENGINE_URL = new URL('../simulator/engine.ts', import.meta.url).href;

let provided: EngineModule | undefined;

/**
 * Gives loadEngine the engine module instead of importing it by URL: a bundle (src/bench/bundled.ts) has no
 * src/simulator/engine.ts beside it to import.
 */
export function provideEngine(engine: EngineModule | undefined): void {
  provided = engine;
}

/** The engine module, or why it cannot be used ({ missing } when the file is not there at all). */
export async function loadEngine(): Promise<{ engine: EngineModule } | { missing: string } | { broken: string }> {
  if (provided) return { engine: provided };
  try {
    const m = (await import(ENGINE_URL)) as Partial<EngineModule>;
    if (typeof m.createEngine !== 'function' || typeof m.prepareSimulation !== 'function') {
      return { broken: 'src/simulator/engine.ts does not export createEngine and prepareSimulation' };
    }
    return { engine: m as EngineModule };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // only the engine file itself being absent counts as absence; an import error inside it is a failure
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('simulator/engine')) {
      return { missing: 'the simulator engine (src/simulator/engine.ts) is not there yet' };
    }
    return { broken: `src/simulator/engine.ts cannot be loaded: ${err.message}` };
  }
}

export function engineBackends(engine: EngineModule): readonly string[] {
  return engine.ENGINE_BACKENDS ?? ['wasm', 'wasm-scalar'];
}

interface ImageSnap {
  image: Float32Array;
  warnings: string[];
  interpolation: string;
  evaluations: number;
  pixels: number;
}

export interface ImageCaseOptions {
  backend: string;
  dtype: 'f32' | 'f64';
  threads: number;
  /** Evaluations and pixels one run performs (known from the argv, checked against the engine's count). */
  evaluations: number;
  pixels: number;
  coldIncludes: string;
  /** Called with the engine right after creation (the registry records the binary it chose). */
  onCreated?: (engine: SimEngineLike) => void;
  /** Called with the cold-run image once it passed every check (other backends of the run compare against it). */
  publish?: (image: Float32Array) => void;
}

/** One whole-image simulation per invocation on a fresh engine; `prepared` comes from prepareSimulation. */
export function imageCase(engine: EngineModule, prepared: unknown, o: ImageCaseOptions): BenchCase<SimResultLike, ImageSnap> {
  return {
    evaluations: o.evaluations,
    pixels: o.pixels,
    coldIncludes: o.coldIncludes,
    async create(): Promise<BenchInstance<SimResultLike>> {
      const e = await engine.createEngine({ backend: o.backend, dtype: o.dtype, threads: o.threads });
      o.onCreated?.(e);
      let last: SimResultLike | undefined;
      return {
        run: async () => (last = await e.simulate(prepared)),
        lastSplit: () => last?.timings,
        memory: () => (o.backend === 'webgpu' ? { gpu_bytes: e.memoryBytes() } : { wasm_bytes: e.memoryBytes() }),
        dispose: () => e.dispose(),
      };
    },
    snapshot: (r) => ({
      image: r.image.slice(),
      warnings: [...r.warnings],
      interpolation: r.interpolation,
      evaluations: r.evaluations,
      pixels: r.width * r.height,
    }),
    check(cold, warm) {
      const problems = imageProblems(cold.image);
      if (cold.pixels !== o.pixels) problems.push(`image has ${cold.pixels} pixels, ${o.pixels} expected`);
      if (cold.evaluations !== o.evaluations) problems.push(`engine counted ${cold.evaluations} evaluations, ${o.evaluations} expected`);
      problems.push(...repeatProblems(cold.image, warm.map((w) => w.image), 'image'));
      warm.forEach((w, i) => {
        if (w.interpolation !== cold.interpolation) problems.push(`interpolation of warm run ${i + 1} is "${w.interpolation}", cold was "${cold.interpolation}"`);
        if (w.warnings.join('\n') !== cold.warnings.join('\n')) problems.push(`warnings of warm run ${i + 1} differ from the cold run`);
      });
      if (!problems.length) o.publish?.(cold.image);
      return { problems, interpolation: cold.interpolation, warnings: countWarnings(cold.warnings) };
    },
  };
}
