// The page's engine (web/engine-worker.js): runs the library (the bundle at lib/) off the main thread, so a long run can be cancelled
// by terminating this worker (the library's engines have no abort) and the page stays responsive meanwhile.
//
// in:  { type: 'run', id, engine: { backend, dtype, threads? }, config, outputs }
// out: { type: 'ready' } once loaded; { type: 'progress', id, fraction }; { type: 'result', id, result, startup_s };
//      { type: 'error', id, message }

import * as lib from './lib/nanobragg.js';

let simulator = null;
let key = '';
let startup_s;

async function engine(opts) {
  const k = JSON.stringify(opts);
  if (simulator && key === k) return simulator;
  if (simulator) await simulator.dispose();
  simulator = null;
  const t0 = performance.now();
  simulator = await lib.createSimulator(opts);
  startup_s = (performance.now() - t0) / 1000;
  key = k;
  return simulator;
}

self.onmessage = async (event) => {
  const m = event.data;
  if (m.type !== 'run') return;
  try {
    const sim = await engine(m.engine);
    let last = 0;
    const r = await sim.simulate(m.config, {
      outputs: m.outputs,
      onProgress: (fraction) => {
        const now = performance.now();
        if (now - last > 30 || fraction >= 1) {
          last = now;
          self.postMessage({ type: 'progress', id: m.id, fraction });
        }
      },
    });
    const buffers = new Set([r.image.buffer]);
    for (const v of Object.values(r.files)) if (v && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
    self.postMessage({ type: 'result', id: m.id, result: r, startup_s }, [...buffers]);
  } catch (e) {
    self.postMessage({ type: 'error', id: m.id, message: String((e && e.message) || e).split('\n')[0] });
  }
};

self.postMessage({ type: 'ready' });
