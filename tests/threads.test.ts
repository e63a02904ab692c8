// The threaded engine (src/threads): images bitwise identical for 1, 2 and 3 workers and to the
// single-threaded engine (switch-off point and warnings included), both dtypes; failures of a
// worker reject simulate() with one line and never hang; nothing keeps the process alive.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type Dtype, type PreparedSimulation, type SimResult } from '../src/simulator/engine.ts';
import { createThreadedEngine, threadsAvailable, defaultThreadCount, type ThreadedEngine, type FaultInjection } from '../src/threads/engine.ts';
import { memoryImportOf } from '../src/threads/memory.ts';
import { loadGoldenCases, type GoldenCase } from './helpers/golden.ts';
import { assertSameBits } from './helpers/arrays.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOLDEN = ['tricubic_oor_midimage_256', 'combined_256_ovthick', 'tricubic_on_256', 'abs_256'];
const DTYPES: Dtype[] = ['f64', 'f32'];
const COUNTS = [1, 2, 3];

/** Rejects if `p` has not settled within `ms` (so a hang fails the test instead of the suite). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  const guard = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(t));
}


function sameResult(got: SimResult, want: SimResult, label: string): void {
  assertSameBits(got.image, want.image, `${label}: image`);
  assert.equal(got.warnings, want.warnings, `${label}: warnings`);
  assert.is(got.interpolation, want.interpolation, `${label}: interpolation`);
  assert.is(got.switchPixel, want.switchPixel, `${label}: switch pixel`);
  assert.is(got.evaluations, want.evaluations, `${label}: evaluations`);
  assert.equal(got.stats, want.stats, `${label}: stats`);
}

const cases = loadGoldenCases().filter((c) => GOLDEN.includes(c.name));
const preparedCache = new Map<string, PreparedSimulation>();
async function prepared(c: GoldenCase): Promise<PreparedSimulation> {
  if (!preparedCache.has(c.name)) {
    const argv = c.argv.slice(1).filter((_, i, a) => a[i] !== '-floatfile' && a[i - 1] !== '-floatfile');
    const hkl = c.hklPath ? readFileSync(c.hklPath, 'utf8') : undefined;
    preparedCache.set(c.name, await prepareSimulation(argv, { hklText: hkl }));
  }
  return preparedCache.get(c.name)!;
}

const engines = new Map<string, ThreadedEngine>();
async function threaded(dtype: Dtype, threads: number): Promise<ThreadedEngine> {
  const key = `${dtype}/${threads}`;
  if (!engines.has(key)) engines.set(key, await createThreadedEngine({ dtype, threads, timeoutMs: 120_000 }));
  return engines.get(key)!;
}

const SMALL = '-cell 100 100 100 90 90 90 -default_F 100 -lambda 6.2 -N 5 -distance 100 -detpixels 64 -pixel 0.1'.split(' ');

test('threads are available here (Node 20: SharedArrayBuffer, shared memory, worker_threads)', async () => {
  assert.equal(threadsAvailable(), { ok: true });
  assert.ok((await defaultThreadCount()) >= 1);
  const bytes = readFileSync(new URL('../build/simd-threads.wasm', import.meta.url));
  const mem = memoryImportOf(bytes);
  assert.ok(mem && mem.shared && mem.maximum === 32768 && mem.initial >= 1, JSON.stringify(mem));
});

test('the golden cases this suite needs are present', () => {
  assert.equal(cases.map((c) => c.name).sort(), [...GOLDEN].sort());
});

for (const dtype of DTYPES) {
  for (const name of GOLDEN) {
    test(`${name} ${dtype}: 1, 2 and 3 threads bitwise equal to each other and to the single-threaded engine`, async () => {
      const c = cases.find((x) => x.name === name);
      assert.ok(c, `golden case ${name} missing`);
      const p = await prepared(c!);
      const ref = await (await createEngine({ backend: 'wasm', dtype })).simulate(p);
      if (name === 'tricubic_oor_midimage_256') {
        assert.is(ref.switchPixel, c!.oorTrigger, 'single-threaded switch-off pixel');
        assert.is(ref.warnings.filter((w) => w.startsWith('WARNING: out of range')).length, 1);
      }
      for (const n of COUNTS) {
        const e = await threaded(dtype, n);
        assert.is(e.backend, 'wasm-threads');
        assert.is(e.binary, 'simd-threads');
        const r = await within(e.simulate(p), 60_000, `${name} ${dtype} ${n} threads`);
        sameResult(r, ref, `${name} ${dtype} ${n} threads`);
        if (c!.oorTrigger !== undefined) assert.is(r.switchPixel, c!.oorTrigger, 'C switch-off pixel');
      }
    });
  }
}

for (const dtype of DTYPES) {
  test(`switch-off with the redo pass forced (ignoreKnownSwitch) ${dtype}: 1, 2, 3 threads bitwise equal to the single-threaded engine`, async () => {
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
    const p = await prepared(c);
    const ref = await (await createEngine({ backend: 'wasm', dtype })).simulate(p);
    for (const n of COUNTS) {
      const r = await within((await threaded(dtype, n)).simulate(p, { ignoreKnownSwitch: true }), 60_000, `forced redo ${n}`);
      sameResult(r, ref, `forced redo ${dtype} ${n} threads`);
      assert.ok(r.redoRows! > 0 && r.redoRows! < c.height - 171, `redo rows ${r.redoRows}`);
    }
  });
}

test('no switch-off: nothing is computed twice', async () => {
  const p = await prepared(cases.find((x) => x.name === 'tricubic_on_256')!);
  const r = await (await threaded('f32', 3)).simulate(p, { ignoreKnownSwitch: true });
  assert.is(r.interpolation, 'tricubic');
  assert.is(r.redoRows, 0);
});

test('repeated runs on one engine and progress: identical images, fractions rise to exactly 1', async () => {
  const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
  const p = await prepared(c);
  const e = await threaded('f32', 2);
  const a = await e.simulate(p);
  const fractions: number[] = [];
  const b = await e.simulate(p, { onProgress: (f) => fractions.push(f) });
  sameResult(b, a, 'second run');
  assert.ok(fractions.length > 1, `${fractions.length} progress calls`);
  assert.is(fractions[fractions.length - 1], 1);
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] > fractions[i - 1]);
  assert.ok(e.memoryBytes() > 0);
});

test('concurrent simulate() calls on one engine are serialised and both correct', async () => {
  const p1 = await prepareSimulation(SMALL);
  const p2 = await prepared(cases.find((x) => x.name === 'abs_256')!);
  const e = await threaded('f64', 3);
  const [r1, r2] = await Promise.all([e.simulate(p2), e.simulate(p1)]);
  sameResult(r1, await (await createEngine({ backend: 'wasm', dtype: 'f64' })).simulate(p2), 'abs_256');
  sameResult(r2, await (await createEngine({ backend: 'wasm', dtype: 'f64' })).simulate(p1), 'small');
});

test('more threads than rows: every thread count gives the same 3-row image', async () => {
  const p = await prepareSimulation('-cell 100 100 100 90 90 90 -default_F 100 -lambda 6.2 -N 5 -distance 100 -detpixels_f 8 -detpixels_s 3 -pixel 0.1'.split(' '));
  assert.is(p.sim.detector.spixels, 3);
  const ref = await (await createEngine({ backend: 'wasm', dtype: 'f32' })).simulate(p);
  const e = await createThreadedEngine({ dtype: 'f32', threads: 5 });
  try {
    sameResult(await within(e.simulate(p), 30_000, '5 threads'), ref, '5 threads, 3 rows');
  } finally {
    await e.close();
  }
});

test('no SharedArrayBuffer: threadsAvailable says why and the factory throws that reason', async () => {
  const g = globalThis as { SharedArrayBuffer?: unknown };
  const saved = g.SharedArrayBuffer;
  try {
    delete g.SharedArrayBuffer;
    const t = threadsAvailable();
    assert.is(t.ok, false);
    assert.match(t.reason ?? '', /SharedArrayBuffer/);
    try {
      await createThreadedEngine({ dtype: 'f32', threads: 2 });
      assert.unreachable('factory should throw');
    } catch (e) {
      assert.instance(e, Error);
      assert.match((e as Error).message, /threads are unavailable: SharedArrayBuffer/);
    }
  } finally {
    g.SharedArrayBuffer = saved;
  }
  assert.is(threadsAvailable().ok, true);
});

const FAULTS: [FaultInjection, RegExp][] = [
  [{ worker: 1, kind: 'simulate', mode: 'throw' }, /^wasm-threads: worker 1 failed: injected fault in worker 1$/],
  [{ worker: 2, kind: 'simulate', mode: 'abort' }, /^wasm-threads: worker 2 failed: WebAssembly kernel aborted/],
  [{ worker: 0, kind: 'simulate', mode: 'uncaught' }, /^wasm-threads: worker 0 failed: injected uncaught fault in worker 0$/],
  [{ worker: 1, kind: 'simulate', mode: 'exit' }, /^wasm-threads: worker 1 exited \(code 3\)$/],
  [{ worker: 1, kind: 'simulate', mode: 'terminate' }, /^wasm-threads: worker 1 exited \(code 1\)$/],
  [{ worker: 2, kind: 'redo', mode: 'throw' }, /^wasm-threads: worker 2 failed: injected fault in worker 2$/],
  [{ worker: 0, kind: 'redo', mode: 'exit' }, /^wasm-threads: worker 0 exited \(code 3\)$/],
];

for (const [fault, want] of FAULTS) {
  test(`a worker that fails (${fault.mode} in the ${fault.kind}) rejects simulate() with one line; the engine recovers`, async () => {
    const c = cases.find((x) => x.name === 'tricubic_oor_midimage_256')!;
    const p = await prepared(c);
    const e = await createThreadedEngine({ dtype: 'f32', threads: 3 });
    try {
      // (ignoreKnownSwitch: the switch-off always needs the redo pass, so a 'redo' fault fires)
      const err = await within(e.simulate(p, { faultInjection: fault, ignoreKnownSwitch: true }).then(() => null, (x: unknown) => x), 30_000, `fault ${fault.mode}`);
      assert.instance(err, Error, 'simulate() must reject');
      const msg = (err as Error).message;
      assert.not.match(msg, /\n/);
      assert.match(msg, want);
      assert.is(e.memoryBytes(), 0, 'the failed pool is gone');
      // next call: fresh workers, same image as the single-threaded engine
      const r = await within(e.simulate(p), 30_000, 'after the fault');
      sameResult(r, await (await createEngine({ backend: 'wasm', dtype: 'f32' })).simulate(p), 'after the fault');
    } finally {
      await within(e.close(), 10_000, 'close');
    }
  });
}

test('a worker that hangs: the per-call timeout rejects and terminates the workers', async () => {
  const p = await prepareSimulation(SMALL);
  const e = await createThreadedEngine({ dtype: 'f64', threads: 2, timeoutMs: 500 });
  try {
    const t0 = Date.now();
    const err = await within(e.simulate(p, { faultInjection: { worker: 1, kind: 'simulate', mode: 'hang' } }).then(() => null, (x: unknown) => x), 20_000, 'hang');
    assert.instance(err, Error);
    assert.match((err as Error).message, /^wasm-threads: the simulation timed out after 0\.5 s$/);
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    await within(e.close(), 10_000, 'close after hang');
  }
});

test('dispose() during a run rejects it; the engine can be used again afterwards', async () => {
  const c = cases.find((x) => x.name === 'combined_256_ovthick')!;
  const p = await prepared(c);
  const e = await createThreadedEngine({ dtype: 'f64', threads: 2 });
  // worker 0 never finishes (hang fault, no timeout): the run is certainly in flight at dispose()
  const run = e.simulate(p, { faultInjection: { worker: 0, kind: 'simulate', mode: 'hang' } }).then(() => null, (x: unknown) => x);
  await new Promise((r) => setTimeout(r, 20));
  e.dispose();
  const err = await within(run, 20_000, 'disposed run');
  assert.instance(err, Error);
  assert.match((err as Error).message, /^wasm-threads: the engine was disposed$/);
  const r = await within(e.simulate(await prepareSimulation(SMALL)), 30_000, 'after dispose');
  assert.is(r.width, 64);
  await e.close();
});

const CHILD = (body: string) => `
import { createThreadedEngine } from ${JSON.stringify(new URL('../src/threads/engine.ts', import.meta.url).href)};
import { prepareSimulation } from ${JSON.stringify(new URL('../src/simulator/engine.ts', import.meta.url).href)};
const p = await prepareSimulation(${JSON.stringify(SMALL)});
const e = await createThreadedEngine({ dtype: 'f32', threads: 2 });
${body}
console.log('END');
`;

for (const [label, body] of [
  ['without dispose()', 'await e.simulate(p);'],
  ['after dispose()', 'await e.simulate(p); e.dispose();'],
  ['after a failed worker (no dispose)', "await e.simulate(p, { faultInjection: { worker: 1, kind: 'simulate', mode: 'uncaught' } }).catch((x) => console.log(x.message));"],
] as const) {
  test(`the process exits by itself ${label}`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD(body)], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.is(r.error, undefined, `child: ${r.error?.message}`);
    assert.is(r.status, 0, `exit status ${r.status}, signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /END/);
  });
}

test.after(async () => {
  await Promise.all([...engines.values()].map((e) => e.close()));
});

test.run();
