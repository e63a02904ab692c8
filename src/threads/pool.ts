// A fixed set of workers (src/threads/worker.js) on one shared memory, running one job at a
// time. Node uses `worker_threads` (imported dynamically, only there); browsers use module Web
// Workers. Both speak the protocol in protocol.ts.
//
// Failure model: the first failure of any kind (an error message from a worker, an error or
// messageerror event, a worker exiting, the timeout, dispose) fails the whole pool: every
// worker is terminated, the running job (or the start-up) is rejected with one line, and the
// pool is never used again (the engine starts a fresh pool, on a fresh memory, for the next
// call, so a worker that is still winding down cannot write into a later run).
//
// Handles: workers are unref'ed while the pool is idle, so an engine that is never disposed
// does not keep a Node process alive; they are ref'ed while a job or the start-up runs.

import type { FaultInjection, JobMessage, WorkerMessage } from './protocol.ts';
import type { ThreadsModule } from './memory.ts';
import { SharedArena } from './memory.ts';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined';

const WORKER_URL = new URL('./worker.js', import.meta.url);

interface WorkerHandle {
  post(msg: unknown): void;
  terminate(): Promise<void>;
  ref(): void;
  unref(): void;
}

interface WorkerEvents {
  message(m: WorkerMessage): void;
  failure(reason: string): void;
}

function oneLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.replace(/\s*\n\s*/g, ' ');
}

// The worker is plain JavaScript: it needs no loader (tsx) and no flags of the parent (some,
// such as --input-type or --eval, are not even valid for a worker), so execArgv is empty.
async function spawnNode(index: number, ev: WorkerEvents): Promise<WorkerHandle> {
  const { Worker } = await import('node:worker_threads');
  const w = new Worker(WORKER_URL, { execArgv: [], name: `nanobragg-wasm-threads-${index}` });
  w.on('message', (m: WorkerMessage) => ev.message(m));
  w.on('error', (e: unknown) => ev.failure(`worker ${index} failed: ${oneLine(e)}`));
  w.on('messageerror', (e: unknown) => ev.failure(`worker ${index} sent a message that cannot be read: ${oneLine(e)}`));
  w.on('exit', (code: number) => ev.failure(`worker ${index} exited (code ${code})`));
  return {
    post: (m) => w.postMessage(m),
    terminate: async () => {
      await w.terminate();
    },
    ref: () => w.ref(),
    unref: () => w.unref(),
  };
}

async function spawnBrowser(index: number, ev: WorkerEvents): Promise<WorkerHandle> {
  // (written inline so that bundlers such as Vite recognise the worker entry point)
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `nanobragg-wasm-threads-${index}` });
  w.addEventListener('message', (e) => ev.message(e.data as WorkerMessage));
  w.addEventListener('error', (e) => {
    e.preventDefault();
    ev.failure(`worker ${index} failed: ${e.message ? oneLine(e.message) : `script error (cannot load ${WORKER_URL.href}?)`}`);
  });
  w.addEventListener('messageerror', () => ev.failure(`worker ${index} sent a message that cannot be read`));
  return {
    post: (m) => w.postMessage(m),
    terminate: async () => w.terminate(),
    ref: () => {},
    unref: () => {},
  };
}

type Pending = {
  resolve: () => void;
  reject: (e: Error) => void;
};

export class WorkerPool {
  readonly arena: SharedArena;
  private workers: WorkerHandle[] = [];
  private failure: string | null = null;
  private terminated: Promise<void> | null = null;
  /** The start-up or the running job. */
  private pending: Pending | null = null;
  private waiting = new Set<number>();
  private stage: 'starting' | 'idle' | 'job' = 'starting';
  private jobId = 0;
  private onRows: ((rows: number) => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private hostFaults: ReturnType<typeof setTimeout>[] = [];
  private hello = new Set<number>();
  /** What the module reported: its parameter block size and per-caller scratch bytes. */
  paramSlots = 0;
  scratchBytes = 0;

  private constructor(
    readonly size: number,
    private readonly tm: ThreadsModule,
  ) {
    this.arena = SharedArena.create(tm.initialPages, tm.maximumPages);
  }

  /** Starts `size` workers and instantiates the module in each; rejects on the first failure. */
  static async start(size: number, tm: ThreadsModule, timeoutMs: number): Promise<WorkerPool> {
    const pool = new WorkerPool(size, tm);
    await pool.startWorkers(timeoutMs);
    return pool;
  }

  get failed(): string | null {
    return this.failure;
  }

  private startWorkers(timeoutMs: number): Promise<void> {
    const done = this.expect(new Set(Array.from({ length: this.size }, (_, i) => i)), timeoutMs, 'starting the workers');
    const spawn = isNode ? spawnNode : spawnBrowser;
    (async () => {
      for (let i = 0; i < this.size; i++) {
        const h = await spawn(i, {
          message: (m) => this.onMessage(i, m),
          failure: (reason) => this.fail(reason),
        });
        if (this.failure) {
          void h.terminate();
          return;
        }
        this.workers.push(h);
        if (this.hello.has(i)) this.init(i);
      }
    })().catch((e) => this.fail(`cannot start worker threads: ${oneLine(e)}`));
    return done;
  }

  private init(i: number): void {
    this.workers[i].post({ type: 'init', index: i, module: this.tm.module, memory: this.arena.memory });
  }

  /** Waits until every worker in `who` reported (ready or done); rejects on failure or timeout. */
  private expect(who: Set<number>, timeoutMs: number, what: string): Promise<void> {
    this.waiting = who;
    for (const w of this.workers) w.ref();
    const p = new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
      this.timer = setTimeout(() => this.fail(`${what} timed out after ${(timeoutMs / 1000).toFixed(1)} s`), timeoutMs);
    }
    return p;
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.hostFaults) clearTimeout(t);
    this.hostFaults = [];
    this.onRows = null;
    const p = this.pending;
    this.pending = null;
    this.stage = 'idle';
    for (const w of this.workers) w.unref();
    p?.resolve();
  }

  private onMessage(i: number, m: WorkerMessage): void {
    if (this.failure) return;
    switch (m.type) {
      case 'hello':
        // (in principle before spawn() has handed back its handle: then init goes out on push)
        if (this.workers[i]) this.init(i);
        else this.hello.add(i);
        return;
      case 'ready':
        if (this.stage !== 'starting') return;
        this.paramSlots = m.paramSlots;
        this.scratchBytes = m.scratchBytes;
        this.waiting.delete(i);
        if (this.waiting.size === 0) this.settle();
        return;
      case 'progress':
        if (this.stage === 'job' && m.id === this.jobId) this.onRows?.(m.rows);
        return;
      case 'done':
        if (this.stage !== 'job' || m.id !== this.jobId) return;
        this.waiting.delete(i);
        if (this.waiting.size === 0) this.settle();
        return;
      case 'error':
        this.fail(`worker ${i} failed: ${m.message}`);
        return;
    }
  }

  /** Runs one job on every worker; resolves when each has found no chunk left. */
  run(
    job: Omit<JobMessage, 'type' | 'id' | 'fault'>,
    opts: { onRows?: (rows: number) => void; timeoutMs?: number; fault?: FaultInjection } = {},
  ): Promise<void> {
    if (this.failure) return Promise.reject(new Error(`wasm-threads: ${this.failure}`));
    if (this.stage !== 'idle') return Promise.reject(new Error('wasm-threads: a job is already running on this pool'));
    this.stage = 'job';
    const id = ++this.jobId;
    this.onRows = opts.onRows ?? null;
    const done = this.expect(new Set(this.workers.keys()), opts.timeoutMs ?? Infinity, 'the simulation');
    const msg: JobMessage = { type: 'job', id, ...job, fault: opts.fault };
    for (const w of this.workers) w.post(msg);
    const f = opts.fault;
    if (f && f.mode === 'terminate' && f.kind === job.kind && this.workers[f.worker]) {
      // the worker spins once it holds a chunk: terminate it from outside while it is busy
      const w = this.workers[f.worker];
      this.hostFaults.push(setTimeout(() => void w.terminate(), 50));
    }
    return done;
  }

  /** Fails the pool: terminates every worker and rejects what is waiting. Idempotent. */
  fail(reason: string): void {
    if (this.failure) return;
    this.failure = reason;
    this.terminateAll();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.hostFaults) clearTimeout(t);
    this.hostFaults = [];
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error(`wasm-threads: ${reason}`));
  }

  private terminateAll(): Promise<void> {
    if (!this.terminated) {
      const ws = this.workers;
      this.terminated = Promise.all(ws.map((w) => w.terminate().catch(() => {}))).then(() => {});
    }
    return this.terminated;
  }

  /** Terminates every worker (a running job is rejected); resolves when they have stopped. */
  close(reason = 'the engine was disposed'): Promise<void> {
    this.fail(reason);
    return this.terminateAll();
  }
}
