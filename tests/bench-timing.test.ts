// The timing harness with fake backends: what is timed, what is checked after the timing, and how a
// backend that throws, leaks or computes a wrong output is reported (as a failure, never as a time).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { measure, memoryGrowth, type BenchCase, type BenchInstance } from '../src/bench/timing.ts';

/** A clock that only moves when the fake backend says so: timings are exact. */
function fakeClock() {
  let t = 100;
  return { now: () => t, advance: (s: number) => (t += s) };
}

interface FakeOpts {
  createCost?: number;
  runCosts?: number[];
  output?: (i: number) => number[];
  memory?: (i: number) => number;
  throwOnRun?: number;
  throwOnCreate?: boolean;
  split?: boolean;
  problems?: (cold: number[], warm: number[][]) => string[];
}

function fakeCase(clock: ReturnType<typeof fakeClock>, o: FakeOpts = {}) {
  const log: string[] = [];
  let runs = 0;
  const c: BenchCase<number[], number[]> = {
    evaluations: 1000,
    pixels: 100,
    coldIncludes: 'fake instantiate + first run',
    async create(): Promise<BenchInstance<number[]>> {
      log.push('create');
      if (o.throwOnCreate) throw new Error('no device');
      clock.advance(o.createCost ?? 0.5);
      return {
        run() {
          const i = runs++;
          log.push(`run${i}`);
          if (o.throwOnRun === i) throw new Error(`kernel trap in run ${i}`);
          clock.advance(o.runCosts?.[i] ?? 0.01);
          return o.output ? o.output(i) : [1, 2, 3];
        },
        ...(o.split ? { lastSplit: () => ({ upload: 0.001 * runs, kernel: 0.002, readback: 0.003 }) } : {}),
        memory: () => ({ wasm_bytes: o.memory ? o.memory(runs) : 65536 }),
        dispose() {
          log.push('dispose');
        },
      };
    },
    snapshot(out) {
      log.push('snapshot');
      return [...out];
    },
    check(cold, warm) {
      log.push('check');
      return { problems: o.problems ? o.problems(cold, warm) : [], interpolation: 'tricubic', warnings: [{ text: 'W', count: 1 }] };
    },
  };
  return { c, log };
}

test('cold = create + first run; warm = the following runs, each timed alone', async () => {
  const clock = fakeClock();
  const { c, log } = fakeCase(clock, { createCost: 0.5, runCosts: [0.2, 0.01, 0.03, 0.02] });
  const m = await measure(c, { repeats: 3, clock: clock.now });
  assert.ok(m.ok);
  if (!m.ok) return;
  const t = m.timed;
  assert.ok(Math.abs(t.cold_s - 0.7) < 1e-12);
  assert.ok(Math.abs(t.cold_split.create_s - 0.5) < 1e-12);
  assert.ok(Math.abs(t.cold_split.first_run_s - 0.2) < 1e-12);
  assert.equal(t.warm_s.map((x) => +x.toFixed(12)), [0.01, 0.03, 0.02]);
  assert.ok(Math.abs(t.stats.median - 0.02) < 1e-12);
  assert.ok(Math.abs(t.throughput.evals_per_s - 1000 / 0.02) < 1e-6);
  assert.ok(Math.abs(t.throughput.pixels_per_s - 100 / 0.02) < 1e-6);
  assert.is(t.cold_includes, 'fake instantiate + first run');
  // the check runs once, after every run; dispose last
  assert.equal(log, ['create', 'run0', 'snapshot', 'run1', 'snapshot', 'run2', 'snapshot', 'run3', 'snapshot', 'check', 'dispose']);
  assert.equal(t.check.warnings, [{ text: 'W', count: 1 }]);
});

test('the work between runs (betweenRuns, snapshot) is not timed', async () => {
  const clock = fakeClock();
  const { c } = fakeCase(clock, { runCosts: [0.1, 0.01, 0.01] });
  const slowSnapshot = c.snapshot;
  c.snapshot = (x) => (clock.advance(5), slowSnapshot(x));
  const m = await measure(c, { repeats: 2, clock: clock.now, betweenRuns: () => void clock.advance(7) });
  assert.ok(m.ok && m.timed.warm_s.every((s) => Math.abs(s - 0.01) < 1e-9), JSON.stringify(m));
});

test('GPU-style split timings are kept per phase with their own statistics', async () => {
  const clock = fakeClock();
  const { c } = fakeCase(clock, { split: true });
  const m = await measure(c, { repeats: 3, clock: clock.now });
  assert.ok(m.ok);
  if (!m.ok) return;
  assert.equal(Object.keys(m.timed.split!).sort(), ['kernel', 'readback', 'upload']);
  assert.equal(m.timed.split!.upload.samples.map((x) => +x.toFixed(9)), [0.002, 0.003, 0.004]);
  assert.is(m.timed.split!.upload.stats.median, 0.003);
});

test('memory growth across warm runs is a leak: the measurement fails', async () => {
  const clock = fakeClock();
  // grows on the cold run (allowed: first touch), then again on the third warm run
  const { c, log } = fakeCase(clock, { memory: (runs) => (runs < 4 ? 131072 : 196608) });
  const m = await measure(c, { repeats: 4, clock: clock.now });
  assert.not.ok(m.ok);
  if (m.ok) return;
  assert.is(m.stage, 'memory');
  assert.match(m.error, /leak/);
  assert.match(m.error, /after warm run 3/);
  assert.match(m.error, /131072 -> 196608/);
  assert.ok(log.includes('dispose'), 'a failed measurement still disposes its instance');
});

test('a wrong output fails the measurement and reports no time', async () => {
  const clock = fakeClock();
  const { c } = fakeCase(clock, { problems: () => ['pixel 7 is NaN'] });
  const m = await measure(c, { repeats: 2, clock: clock.now });
  assert.equal(m, { ok: false, stage: 'check', error: 'wrong output: pixel 7 is NaN' });
});

test('a backend that throws in run or create is a failure with its stage, and is disposed', async () => {
  const clock = fakeClock();
  const a = fakeCase(clock, { throwOnRun: 2 });
  const m = await measure(a.c, { repeats: 3, clock: clock.now });
  assert.equal(m, { ok: false, stage: 'run', error: 'kernel trap in run 2' });
  assert.is(a.log[a.log.length - 1], 'dispose');

  const b = fakeCase(clock, { throwOnCreate: true });
  const n = await measure(b.c, { repeats: 3, clock: clock.now });
  assert.equal(n, { ok: false, stage: 'create', error: 'no device' });
});

test('a dispose that throws fails an otherwise good measurement', async () => {
  const clock = fakeClock();
  const { c } = fakeCase(clock);
  const create = c.create.bind(c);
  c.create = async () => ({ ...(await create()), dispose: () => { throw new Error('double free'); } });
  const m = await measure(c, { repeats: 1, clock: clock.now });
  assert.equal(m, { ok: false, stage: 'dispose', error: 'dispose failed: double free' });
});

test('repeats must be at least 1', async () => {
  const clock = fakeClock();
  const { c } = fakeCase(clock);
  let threw = false;
  try {
    await measure(c, { repeats: 0, clock: clock.now });
  } catch {
    threw = true;
  }
  assert.ok(threw);
});

test('memoryGrowth names what grew', () => {
  assert.is(memoryGrowth({ wasm_bytes: 10 }, { wasm_bytes: 10 }), '');
  assert.is(memoryGrowth({ wasm_bytes: 10, gpu_bytes: 5 }, { wasm_bytes: 9, gpu_bytes: 8 }), 'gpu_bytes 5 -> 8 (+3)');
});

test.run();
