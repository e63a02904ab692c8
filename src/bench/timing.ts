// The one timing harness every backend goes through (WASM scalar/SIMD/threads now, WebGPU later).
//
// A backend plugs in by implementing BenchCase/BenchInstance:
//  - create() builds a fresh instance: module compile/instantiate or pipeline creation, input upload and every
//    allocation the runs need. It is part of the cold measurement (and reported as its own split), never of warm.
//  - run() does one invocation and resolves only when its output is usable by the host, so a GPU backend
//    synchronises inside it (queue submit + readback map). `lastSplit()` may report the phases of that run
//    (GPU: upload / kernel / readback, kernel from timestamp queries where present); the wall time is always
//    measured here.
//  - memory() reads the bytes the instance holds (WASM linear memory, GPU buffers). It is read before and after
//    every warm run; any growth across warm runs is a leak and fails the measurement.
//  - snapshot() copies or digests an output right after its run, outside the timed region (outputs may be views
//    into memory the next run overwrites); check() looks at all snapshots after the timing is over. A measurement
//    whose output is wrong fails: it reports the problem, not a time.

import { summarize, type SampleStats } from './stats.ts';

export interface MemoryReading {
  /** Bytes of WebAssembly linear memory. */
  wasm_bytes?: number;
  /** Bytes of GPU buffers the instance holds. */
  gpu_bytes?: number;
}

export interface BenchInstance<Out> {
  run(): Out | Promise<Out>;
  /** Seconds per phase of the last run, when the backend can split it (e.g. upload, kernel, readback). */
  lastSplit?(): Record<string, number> | undefined;
  memory(): MemoryReading;
  dispose?(): void | Promise<void>;
}

/** What a successful check learnt about the output (recorded with the timings). */
export interface CheckReport {
  /** Problems found; empty when the output is right. */
  problems: string[];
  /** Interpolation mode the output was produced with, as the backend reported it. */
  interpolation?: string;
  /** Every distinct warning of one invocation with its number of occurrences. */
  warnings?: { text: string; count: number }[];
  /** Free-form facts worth recording (e.g. absorption layers actually simulated). */
  facts?: Record<string, number | string | boolean>;
}

export interface BenchCase<Out, Snap> {
  /** Work items of one invocation (evaluations) and the pixels they cover, for throughput. */
  evaluations: number;
  pixels: number;
  /** What the cold time contains, in words, for the report. */
  coldIncludes: string;
  create(): Promise<BenchInstance<Out>>;
  snapshot(out: Out): Snap;
  check(cold: Snap, warm: Snap[]): CheckReport | Promise<CheckReport>;
}

export interface PhaseTimes {
  samples: number[];
  stats: SampleStats;
}

export interface Timed {
  cold_s: number;
  cold_split: { create_s: number; first_run_s: number };
  cold_includes: string;
  warm_s: number[];
  stats: SampleStats;
  throughput: { evals_per_s: number; pixels_per_s: number };
  evaluations: number;
  pixels: number;
  split?: Record<string, PhaseTimes>;
  memory: { before_warm: MemoryReading; after_warm: MemoryReading; after_each_warm: MemoryReading[] };
  check: CheckReport;
}

export type Stage = 'create' | 'run' | 'memory' | 'check' | 'dispose';
export type Measured = { ok: true; timed: Timed } | { ok: false; error: string; stage: Stage };

export interface MeasureOptions {
  /** Warm invocations after the cold one (>= 1). */
  repeats: number;
  /** Seconds, monotonic. */
  clock?: () => number;
  /** Called between runs, outside the timed region (a GC, say). */
  betweenRuns?: () => void;
}

export const defaultClock = (): number => performance.now() / 1000;

const KEYS = ['wasm_bytes', 'gpu_bytes'] as const;

/** Describes growth from `before` to `after` ('' when none). */
export function memoryGrowth(before: MemoryReading, after: MemoryReading): string {
  const grown: string[] = [];
  for (const k of KEYS) {
    const a = before[k];
    const b = after[k];
    if (a !== undefined && b !== undefined && b > a) grown.push(`${k} ${a} -> ${b} (+${b - a})`);
  }
  return grown.join(', ');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Times one case: create + first run (cold), then `repeats` warm runs; throughput from the warm median.
 * Never throws for a backend's error: the failure comes back as data with the stage it happened in.
 */
export async function measure<Out, Snap>(c: BenchCase<Out, Snap>, opts: MeasureOptions): Promise<Measured> {
  const clock = opts.clock ?? defaultClock;
  if (!(opts.repeats >= 1)) throw new Error(`repeats must be >= 1 (got ${opts.repeats})`);
  let inst: BenchInstance<Out> | undefined;
  let stage: Stage = 'create';
  let outcome: Measured;
  try {
    const t0 = clock();
    inst = await c.create();
    const t1 = clock();
    stage = 'run';
    const coldOut = await inst.run();
    const t2 = clock();
    const coldSnap = c.snapshot(coldOut);

    const beforeWarm = inst.memory();
    const warm: number[] = [];
    const snaps: Snap[] = [];
    const afterEach: MemoryReading[] = [];
    const phases: Record<string, number[]> = {};
    for (let i = 0; i < opts.repeats; i++) {
      opts.betweenRuns?.();
      const s = clock();
      const out = await inst.run();
      const e = clock();
      warm.push(e - s);
      const split = inst.lastSplit?.();
      if (split) for (const [k, v] of Object.entries(split)) (phases[k] ??= []).push(v);
      snaps.push(c.snapshot(out));
      afterEach.push(inst.memory());
    }
    stage = 'memory';
    const leaks = afterEach.map((m, i) => [i, memoryGrowth(beforeWarm, m)] as const).filter(([, g]) => g);
    if (leaks.length) {
      const [i, g] = leaks[0];
      throw new Error(`memory grew during warm runs (leak): after warm run ${i + 1}: ${g}`);
    }
    stage = 'check';
    const check = await c.check(coldSnap, snaps);
    if (check.problems.length) throw new Error(`wrong output: ${check.problems.join('; ')}`);

    const stats = summarize(warm);
    const split: Record<string, PhaseTimes> = {};
    for (const [k, v] of Object.entries(phases)) if (v.length === warm.length) split[k] = { samples: v, stats: summarize(v) };
    outcome = {
      ok: true,
      timed: {
        cold_s: t2 - t0,
        cold_split: { create_s: t1 - t0, first_run_s: t2 - t1 },
        cold_includes: c.coldIncludes,
        warm_s: warm,
        stats,
        throughput: { evals_per_s: c.evaluations / stats.median, pixels_per_s: c.pixels / stats.median },
        evaluations: c.evaluations,
        pixels: c.pixels,
        ...(Object.keys(split).length ? { split } : {}),
        memory: { before_warm: beforeWarm, after_warm: afterEach[afterEach.length - 1], after_each_warm: afterEach },
        check,
      },
    };
  } catch (e) {
    outcome = { ok: false, error: message(e), stage };
  }
  try {
    await inst?.dispose?.();
  } catch (e) {
    // an earlier failure is the more useful message; otherwise a broken dispose fails the measurement
    if (outcome.ok) outcome = { ok: false, error: `dispose failed: ${message(e)}`, stage: 'dispose' };
  }
  return outcome;
}
