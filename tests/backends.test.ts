// The one backend list (src/backends/names.ts) is what every face uses: the CLI's --backend values and their
// refusals, the library's probing order, the engine factory and the bench backends.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKEND_CHOICES, BACKEND_LIST, BACKEND_ORDER, backendsWith } from '../src/backends/names.ts';
import { parseSimArgs, usage } from '../src/simulator/args.ts';
import { ENGINE_BACKENDS } from '../src/simulator/engine.ts';
import { BACKEND_ORDER as LIBRARY_ORDER, detectBackends, startBackend } from '../src/index.ts';
import { BACKEND_NAMES, PROCESS_BACKENDS } from '../src/bench/backends.ts';

const CELL = ['-cell', '100', '100', '100', '90', '90', '90'];

test('every face names the same backends, in the list order', () => {
  assert.equal([...LIBRARY_ORDER], [...BACKEND_ORDER]);
  assert.equal([...ENGINE_BACKENDS].sort(), [...BACKEND_ORDER].sort());
  assert.equal(BACKEND_NAMES.filter((b) => !(PROCESS_BACKENDS as readonly string[]).includes(b)).sort(), [...BACKEND_ORDER].sort());
  for (const b of BACKEND_CHOICES) assert.is(parseSimArgs([...CELL, '--backend', b]).backend, b);
  assert.match(usage(), new RegExp(BACKEND_CHOICES.join('\\|')));
});

test('dtype and --threads refusals come from the descriptors', () => {
  for (const b of BACKEND_LIST) {
    for (const dtype of ['f32', 'f64'] as const) {
      const argv = [...CELL, '--backend', b.name, '--dtype', dtype];
      if (b.dtypes.includes(dtype)) parseSimArgs(argv);
      else assert.throws(() => parseSimArgs(argv), new RegExp(`use --backend ${backendsWith(dtype)[0]}`));
    }
    const t = [...CELL, '--backend', b.name, '--threads', '2'];
    if (b.threads) parseSimArgs(t);
    else assert.throws(() => parseSimArgs(t), /applies to --backend wasm-threads/);
  }
});

test('the library probes every backend of the list', async () => {
  const seen = (await detectBackends()).map((p) => p.backend);
  assert.equal(seen, [...BACKEND_ORDER]);
});

test('auto passes over the backends the caller names, saying why, and chooses the next', async () => {
  const why = 'the caller says no';
  const started = await startBackend({ backend: 'auto', passOver: { webgpu: why, 'wasm-threads': why } });
  try {
    assert.equal(started.attempts.slice(0, 2), [{ backend: 'webgpu', ok: false, reason: why, passedOver: true }, { backend: 'wasm-threads', ok: false, reason: why, passedOver: true }]);
    assert.is(started.engine.backend, 'wasm');
    assert.ok(started.reason.includes(`wasm-threads passed over (${why})`), started.reason);
  } finally {
    await started.engine.dispose?.();
  }
});

test('the command line passes over wasm-threads where its workers cost more than they save, unless --threads is given', async () => {
  const { threadsNotWorthIt, startRunEngine } = await import('../src/simulator/run.ts');
  const { prepareSimulation } = await import('../src/simulator/engine.ts');
  const small = (await prepareSimulation([...CELL, '-default_F', '1', '-detpixels', '8'])).sim; // 64 evaluations
  const big = (await prepareSimulation([...CELL, '-default_F', '1', '-detpixels', '1024', '-oversample', '4'])).sim; // 1.7e7
  assert.match(String(threadsNotWorthIt([small], 16)), /^6\.40e\+1 evaluations on 16 cores: workers would save less/);
  assert.is(threadsNotWorthIt([big], 16), undefined);
  assert.is(threadsNotWorthIt([big], 2), undefined);
  assert.ok(threadsNotWorthIt([big], 1), 'one core: workers never save time');
  // the sum over a batch's images counts: many small images are worth the workers
  assert.is(threadsNotWorthIt(Array(300_000).fill(small), 16), undefined);
  const quiet = () => {};
  const auto = await startRunEngine(parseSimArgs(CELL), [small], quiet);
  try {
    assert.is.not(auto.engine.backend, 'wasm-threads');
    if (auto.engine.backend !== 'webgpu') assert.match(auto.reason, /wasm-threads passed over \(6\.40e\+1 evaluations/);
  } finally {
    await auto.engine.dispose?.();
  }
  const asked = await startRunEngine(parseSimArgs([...CELL, '--threads', '2']), [small], quiet);
  try {
    if (asked.engine.backend !== 'webgpu') assert.is(asked.engine.backend, 'wasm-threads');
  } finally {
    await asked.engine.dispose?.();
  }
});

test.run();
