// One worker of the threaded engine (src/threads/engine.ts). Plain JavaScript on purpose: the
// same file runs as a Node `worker_threads` Worker and as a browser module Web Worker, with no
// TypeScript loader and no bundler step. The message protocol is described (and typed for the
// host) in src/threads/protocol.ts, which also sends the memory layout with every job.
//
// The worker instantiates the compiled module it is sent on the shared memory it is sent, then
// runs jobs. A job claims chunks of rows with Atomics.add on a counter in shared memory until
// none are left, so the split adapts to uneven rows and to busy cores. The host allocates
// and grows the memory; the worker only calls the kernels with the pointers it is given.
// Interpolation switch-off (docs/c-behaviour/minimal-loop.md 3.5): see runJob and src/threads/engine.ts.

const isNode = typeof globalThis.WorkerGlobalScope === 'undefined' && typeof process !== 'undefined' && !!process.versions?.node;

// The shared-memory layout (control slots, chunk states, switch-off record) comes with each job: job.layout,
// declared once in src/threads/protocol.ts.

let index = -1;
let memory = null;
let instance = null;
let post = () => {};
let exitWorker = () => {};

function decodeString(ptr) {
  if (!ptr || !memory) return '';
  const u32 = new Uint32Array(memory.buffer);
  const len = u32[(ptr - 4) >>> 2] >>> 1;
  const u16 = new Uint16Array(memory.buffer, ptr, len);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(u16[i]);
  return s;
}

function abort(msg, file, line, col) {
  throw new Error(`WebAssembly kernel aborted: ${decodeString(msg)} at ${decodeString(file)}:${line}:${col}`);
}

function oneLine(e) {
  const s = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  return s.replace(/\s*\n\s*/g, ' ');
}

function spin() {
  // a worker that never answers (for the timeout guard); terminate() stops it
  for (;;) {
    /* spin */
  }
}

/** Test-only faults, triggered right after this worker claims its first chunk (or at its end if it claimed none). */
function injectFault(mode) {
  switch (mode) {
    case 'throw':
      throw new Error(`injected fault in worker ${index}`);
    case 'abort':
      abort(0, 0, 1, 1);
      break;
    case 'uncaught':
      setTimeout(() => {
        throw new Error(`injected uncaught fault in worker ${index}`);
      }, 0);
      return 'stop';
    case 'exit':
      exitWorker(3);
      return 'stop';
    case 'hang':
    case 'terminate':
      spin();
      break;
    default:
      throw new Error(`unknown fault mode ${mode}`);
  }
  return undefined;
}

/**
 * kind 'simulate': claim chunks 0..nChunks-1 in increasing order. A chunk starts with
 * interpolation on unless a lower chunk has already reported a switch-off, in which case every
 * evaluation of this chunk comes after the switch-off point and it runs with interpolation off
 * (this worker's private copy of the parameters, P_INTERPOLATE = 0), exactly as C runs after
 * the switch. kind 'redo': recompute the chunks listed at listPtr with the shared parameters
 * (the host has set P_SWITCH_* by then).
 */
function runJob(job) {
  const ex = instance.exports;
  const i32 = new Int32Array(memory.buffer); // after the host's last grow
  const f64 = new Float64Array(memory.buffer);
  const { ctlNext: CTL_NEXT, ctlFirstHit: CTL_FIRST_HIT, doneInterpolating, doneSwitched, doneNearest, switchRecord, outBytes } = job.layout;
  const ctl = job.ctlPtr >>> 2;
  const fault = job.fault && job.fault.worker === index && job.fault.kind === job.kind ? job.fault.mode : undefined;
  const run = job.dtype === 'f64' ? ex.simulateF64 : ex.simulateF32;
  const scratch = job.scratchBase + index * job.scratchStride;
  const rowsOf = (c) => [c * job.chunkRows, Math.min(job.height, (c + 1) * job.chunkRows)];
  let claimed = 0;
  let nearestParams = 0;
  for (;;) {
    const i = Atomics.add(i32, ctl + CTL_NEXT, 1);
    if (i >= (job.kind === 'redo' ? job.nList : job.nChunks)) break;
    if (claimed++ === 0 && fault && injectFault(fault) === 'stop') return false;
    const c = job.kind === 'redo' ? i32[(job.listPtr >>> 2) + i] : i;
    const [r0, r1] = rowsOf(c);
    let params = job.paramsPtr;
    const nearest = job.kind === 'simulate' && job.interpolate && !job.ignoreKnownSwitch && c > Atomics.load(i32, ctl + CTL_FIRST_HIT);
    if (nearest) {
      if (!nearestParams) {
        nearestParams = job.privateParamsBase + index * job.paramSlots * 8;
        f64.copyWithin(nearestParams >>> 3, job.paramsPtr >>> 3, (job.paramsPtr >>> 3) + job.paramSlots);
        f64[(nearestParams >>> 3) + job.interpolateSlot] = 0;
      }
      params = nearestParams;
    }
    // the kernels add to the image: every computation of a chunk starts from zeroed rows
    new Float32Array(memory.buffer, job.imagePtr + r0 * job.width * 4, (r1 - r0) * job.width).fill(0);
    const switched = run(params, job.imagePtr, r0, r1, scratch);
    if (job.kind === 'simulate') {
      if (switched && !nearest) {
        f64.copyWithin((job.outBase + c * outBytes) >>> 3, (scratch + switchRecord) >>> 3, ((scratch + switchRecord) >>> 3) + 5);
        Atomics.store(i32, (job.statePtr >>> 2) + c, doneSwitched);
        for (;;) {
          const cur = Atomics.load(i32, ctl + CTL_FIRST_HIT);
          if (c >= cur || Atomics.compareExchange(i32, ctl + CTL_FIRST_HIT, cur, c) === cur) break;
        }
      } else if (switched) {
        throw new Error(`the pixel loop switched interpolation off in rows ${r0}..${r1 - 1} with interpolation off (kernel bug)`);
      } else {
        Atomics.store(i32, (job.statePtr >>> 2) + c, nearest ? doneNearest : doneInterpolating);
      }
    } else if (switched) {
      throw new Error(`the pixel loop switched interpolation off in rows ${r0}..${r1 - 1}, after the switch-off point (kernel bug)`);
    }
    if (job.progress) post({ type: 'progress', id: job.id, rows: r1 - r0 });
  }
  // a faulty worker that found no chunk left still fails (tests must not depend on scheduling)
  if (claimed === 0 && fault && injectFault(fault) === 'stop') return false;
  post({ type: 'done', id: job.id, chunks: claimed });
  return true;
}

async function onMessage(msg) {
  try {
    if (msg.type === 'init') {
      index = msg.index;
      memory = msg.memory;
      instance = await WebAssembly.instantiate(msg.module, { env: { memory, abort } });
      const ex = instance.exports;
      post({
        type: 'ready',
        index,
        paramSlots: ex.paramSlotCount(),
        scratchBytes: typeof ex.scratchBytes === 'function' ? ex.scratchBytes() : 0,
      });
    } else if (msg.type === 'job') {
      if (!instance) throw new Error('job before init');
      runJob(msg);
    } else if (msg.type === 'close') {
      exitWorker(0);
    }
  } catch (e) {
    post({ type: 'error', id: msg.id, message: oneLine(e) });
  }
}

if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  post = (m) => parentPort.postMessage(m);
  exitWorker = (code) => process.exit(code);
  parentPort.on('message', onMessage);
} else {
  post = (m) => self.postMessage(m);
  exitWorker = () => self.close();
  self.addEventListener('message', (e) => onMessage(e.data));
}
post({ type: 'hello' });
