// The multi-threaded WebAssembly engine (backend 'wasm-threads', binary build/simd-threads.wasm).
//
//   const t = threadsAvailable();            // { ok: false, reason } without SharedArrayBuffer
//   const engine = await createThreadedEngine({ dtype: 'f32', threads: 4 });
//   const result = await engine.simulate(prepared);
//   engine.dispose();
//
// N workers (Node worker_threads or Web Workers, src/threads/worker.js) instantiate the module
// compiled once here, on one shared memory that only this thread allocates and grows. Each run
// lays out its inputs as the single-threaded engine does (layout.ts), then computes chunks of
// rows in parallel, claimed in increasing order with Atomics.add (dynamic load balancing).
//
// Interpolation switch-off (docs/c-behaviour/minimal-loop.md 3.5: C turns tricubic off for good at the first
// out-of-range evaluation in serial order), without a pre-pass:
//  - pass 1: a chunk starts with interpolation on, unless a lower chunk has already reported a
//    switch-off (then every evaluation of the chunk lies after the switch-off point, and it runs
//    with interpolation off, as C does after the switch). The kernel switches off live inside a
//    chunk at its first out-of-range evaluation and reports where.
//  - the lowest reporting chunk c* holds C's switch-off point: every lower chunk ran with
//    interpolation on and met no out-of-range evaluation, and c* ran exactly as C would.
//  - pass 2 (only when a switch-off happened): chunks after c* that had started with
//    interpolation on (those in flight when c* reported; all of them under the
//    ignoreKnownSwitch test option) are recomputed with P_SWITCH_* set.
// Each pixel's final value thus comes from the same kernel code on the same inputs as in the
// single-threaded engine, so the image is bitwise the same for every N, and so are the
// switch-off point, the warnings and the statistics. Without a switch-off there is no extra
// work at all; with one, at most about one chunk per worker is computed twice.

import { checkInto, imageOut, type Dtype, type PreparedSimulation, type SimEngine, type SimResult, type SimulateOptions } from '../engine/contract.ts';
import { wasmSimdSupported } from '../wasm/loader.ts';
import { explainWasmMemoryFailure, threadsAddressSpaceRefusal } from '../backends/address-space.ts';
import { applySwitchOff, buildResult, layoutSimulation, noSwitchOff, paramsBlock, type SwitchOff } from '../simulator/layout.ts';
import { compileThreadsModule, THREADS_BINARY } from './memory.ts';
import { WorkerPool } from './pool.ts';
import { P } from '../simulator/params.ts';
import { ChunkState, CTL_FIRST_HIT, CTL_NEXT, CTL_SLOTS, JOB_LAYOUT, OUT_BYTES, type FaultInjection } from './protocol.ts';

export type { FaultInjection } from './protocol.ts';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined';

/** Chunks per thread: small enough that the last chunk leaves the other threads idle briefly. */
const CHUNKS_PER_THREAD = 32;
const START_TIMEOUT_MS = 60_000;

/** Whether this runtime can run the threaded engine, and if not why (one line). */
export function threadsAvailable(): { ok: boolean; reason?: string } {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (!isNode && g.crossOriginIsolated === false) {
    return {
      ok: false,
      reason: 'the page is not cross-origin isolated, so SharedArrayBuffer is unavailable (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)',
    };
  }
  if (typeof SharedArrayBuffer !== 'function') return { ok: false, reason: 'SharedArrayBuffer is not available in this runtime' };
  if (typeof Atomics !== 'object') return { ok: false, reason: 'Atomics is not available in this runtime' };
  const limited = threadsAddressSpaceRefusal();
  if (limited) return { ok: false, reason: limited };
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    const msg = (e as Error).message;
    const why = explainWasmMemoryFailure(msg);
    return { ok: false, reason: why !== msg ? `cannot make a shared WebAssembly memory: ${why}` : `shared WebAssembly memory is not supported: ${msg}` };
  }
  if (!isNode && typeof g.Worker !== 'function') return { ok: false, reason: 'Web Workers are not available in this runtime' };
  if (!wasmSimdSupported()) return { ok: false, reason: 'this runtime has no WebAssembly SIMD, which the threads build needs' };
  return { ok: true };
}

/** The default for --threads: every core (os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers). */
export async function defaultThreadCount(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}

export interface ThreadedEngineOptions {
  dtype: Dtype;
  /** Worker count; default defaultThreadCount(). */
  threads?: number;
  /** Default per-call limit (ms) for simulate(); none by default. */
  timeoutMs?: number;
  /** Test only: make one worker fail (see FaultInjection). */
  faultInjection?: FaultInjection;
}

export interface ThreadedSimulateOptions extends SimulateOptions {
  /** Limit (ms) for this call; on expiry the workers are terminated and the call rejects. */
  timeoutMs?: number;
  /** Test only: overrides the engine's faultInjection for this call (null: none). */
  faultInjection?: FaultInjection | null;
  /** Test only: start every chunk with interpolation on, so that a switch-off always needs the redo pass. */
  ignoreKnownSwitch?: boolean;
}

/** SimResult plus what the threads did: timings.loop_s (whole loop), timings.redo_s (pass 2), redoRows. */
export interface ThreadedSimResult extends SimResult {
  /** Rows computed a second time after the interpolation switch-off (0 without one). */
  redoRows?: number;
}

export class ThreadedEngine implements SimEngine {
  readonly backend = 'wasm-threads' as const;
  readonly binary = THREADS_BINARY;
  private pool: WorkerPool | null = null;
  private starting: Promise<WorkerPool> | null = null;
  private retired: Promise<void>[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dtype: Dtype,
    readonly threads: number,
    private readonly opts: ThreadedEngineOptions,
  ) {}

  memoryBytes(): number {
    return this.pool && !this.pool.failed ? this.pool.arena.byteLength : 0;
  }

  /** Terminates the workers (a running simulate() rejects). The engine may be used again: the next call starts new workers. */
  dispose(): void {
    void this.close();
  }

  /** dispose() that resolves once every worker has stopped. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    const starting = this.starting;
    this.starting = null;
    if (pool) this.retired.push(pool.close());
    if (starting) {
      this.retired.push(starting.then((p) => p.close(), () => {}));
    }
    const retired = this.retired;
    this.retired = [];
    await Promise.all(retired);
  }

  /** The running pool, starting one (fresh workers, fresh memory) when there is none or it failed. */
  async ensurePool(): Promise<WorkerPool> {
    if (this.pool && !this.pool.failed) return this.pool;
    if (this.pool) {
      this.retired.push(this.pool.close());
      this.pool = null;
    }
    if (!this.starting) {
      const starting = compileThreadsModule().then((tm) => WorkerPool.start(this.threads, tm, START_TIMEOUT_MS));
      this.starting = starting;
      try {
        const pool = await starting;
        if (this.starting === starting) {
          this.pool = pool;
          this.starting = null;
        } else {
          // disposed while starting
          throw new Error('wasm-threads: the engine was disposed');
        }
      } catch (e) {
        if (this.starting === starting) this.starting = null;
        throw e;
      }
      return this.pool!;
    }
    return this.starting;
  }

  simulate(prepared: PreparedSimulation, options: ThreadedSimulateOptions = {}): Promise<ThreadedSimResult> {
    const r = this.queue.then(() => this.run(prepared, options));
    this.queue = r.catch(() => {});
    return r;
  }

  private async run(prepared: PreparedSimulation, options: ThreadedSimulateOptions): Promise<ThreadedSimResult> {
    const sim = prepared.sim;
    checkInto(options.into, sim.detector.fpixels, sim.detector.spixels);
    const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs;
    const deadline = timeoutMs !== undefined ? performance.now() + timeoutMs : Infinity;
    const left = () => {
      const ms = deadline - performance.now();
      if (ms <= 0) throw new Error(`wasm-threads: the simulation timed out after ${((timeoutMs ?? 0) / 1000).toFixed(1)} s`);
      return ms;
    };
    const pool = await this.ensurePool();
    if (pool.paramSlots !== P.COUNT) throw new Error('WebAssembly kernels and host disagree on the parameter layout: rebuild with npm run asbuild');
    const arena = pool.arena;
    const stride = Math.ceil(pool.scratchBytes / 64) * 64; // one cache line or more per worker
    // the workers zero each chunk's rows right before computing them (in parallel)
    const lay = layoutSimulation(arena, sim, stride * this.threads, false);
    const { width, height, npix } = lay;
    const chunkRows = Math.max(1, Math.floor(height / (this.threads * CHUNKS_PER_THREAD)));
    const nChunks = Math.ceil(height / chunkRows);
    const ctlPtr = arena.alloc(CTL_SLOTS * 4);
    const statePtr = arena.alloc(nChunks * 4);
    const listPtr = arena.alloc(nChunks * 4);
    const outBase = arena.alloc(nChunks * OUT_BYTES);
    const privateParamsBase = arena.alloc(this.threads * P.COUNT * 8);
    // views after the last alloc
    const ctl = arena.i32(ctlPtr, CTL_SLOTS);
    const states = arena.i32(statePtr, nChunks);
    states.fill(ChunkState.PENDING);
    Atomics.store(ctl, CTL_NEXT, 0);
    Atomics.store(ctl, CTL_FIRST_HIT, nChunks);
    const fault = (options.faultInjection === undefined ? this.opts.faultInjection : options.faultInjection) ?? undefined;
    const job = {
      layout: JOB_LAYOUT, dtype: this.dtype, paramsPtr: lay.paramsPtr, imagePtr: lay.imagePtr,
      scratchBase: lay.scratchPtr, scratchStride: stride,
      privateParamsBase, paramSlots: P.COUNT, interpolateSlot: P.INTERPOLATE,
      interpolate: sim.interpolate, ignoreKnownSwitch: options.ignoreKnownSwitch === true,
      ctlPtr, statePtr, outBase, listPtr, nList: 0,
      width, height, chunkRows, nChunks, progress: !!options.onProgress,
    };

    // progress: rows in final state over the image, reported only when it rises, 1 at the end
    const onProgress = options.onProgress;
    let rowsDone = 0, reported = 0, progressError: unknown = null;
    const report = (f: number) => {
      if (!onProgress || progressError !== null || !(f > reported)) return;
      reported = f;
      try {
        onProgress(f);
      } catch (e) {
        progressError = e;
      }
    };
    const onRows = (rows: number) => {
      rowsDone += rows;
      report(Math.min(rowsDone, height - 1) / height);
    };

    // pass 1: every chunk, interpolation on until a chunk switches it off
    const t0 = performance.now();
    await pool.run({ ...job, kind: 'simulate' }, { timeoutMs: left(), fault, onRows });
    const t1 = performance.now();
    let sw: SwitchOff = noSwitchOff(sim);
    const first = states.indexOf(ChunkState.SWITCHED);
    if (states.includes(ChunkState.PENDING)) throw new Error('wasm-threads: a chunk of rows was not computed (internal error)');
    let redoRows = 0;
    if (first >= 0) {
      // the lowest switching chunk holds C's switch-off point: every chunk before it ran with
      // interpolation on and met no out-of-range evaluation. Later chunks that started with
      // interpolation on are recomputed with it off from that point.
      sw = applySwitchOff(paramsBlock(arena, lay), arena.f64(outBase + first * OUT_BYTES, 5), width);
      const redo: number[] = [];
      for (let c = first + 1; c < nChunks; c++) if (states[c] !== ChunkState.NEAREST) redo.push(c);
      if (redo.length > 0) {
        for (const c of redo) redoRows += Math.min(height, (c + 1) * chunkRows) - c * chunkRows;
        arena.i32(listPtr, redo.length).set(redo);
        Atomics.store(ctl, CTL_NEXT, 0);
        rowsDone = height - redoRows;
        await pool.run({ ...job, kind: 'redo', nList: redo.length }, { timeoutMs: left(), fault, onRows });
      }
    }
    const t2 = performance.now();
    if (progressError !== null) throw progressError;
    report(1);
    const image = imageOut(arena.f32(lay.imagePtr, npix), options.into, options.borrow);
    const result: ThreadedSimResult = buildResult(prepared, image, sw, { loop_s: (t2 - t0) / 1000, redo_s: (t2 - t1) / 1000 });
    result.redoRows = redoRows;
    return result;
  }
}

/**
 * A threaded engine with `threads` workers (default: every core), started and ready.
 * Throws an Error with the reason where threads are unavailable (see threadsAvailable()).
 */
export async function createThreadedEngine(opts: ThreadedEngineOptions): Promise<ThreadedEngine> {
  const t = threadsAvailable();
  if (!t.ok) throw new Error(`WebAssembly threads are unavailable: ${t.reason}`);
  const threads = opts.threads ?? (await defaultThreadCount());
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`invalid thread count ${threads}: at least 1`);
  const engine = new ThreadedEngine(opts.dtype, threads, opts);
  await engine.ensurePool();
  return engine;
}
