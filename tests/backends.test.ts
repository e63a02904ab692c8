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

test("auto passes over a backend that cannot compute this simulation, saying why (-water on webgpu)", async () => {
  const { webgpuRefusal } = await import('../src/webgpu/refusals.ts');
  const { prepareSimulation } = await import('../src/simulator/engine.ts');
  const p = await prepareSimulation([...CELL, '-default_F', '1', '-detpixels', '8', '-water', '10']);
  const why = webgpuRefusal(p.sim);
  assert.match(String(why), /'-water' is not implemented on the webgpu backend/);
  const started = await startBackend({ backend: 'auto', passOver: { webgpu: why! } });
  assert.equal(started.attempts[0], { backend: 'webgpu', ok: false, reason: why });
  assert.is.not(started.engine.backend, 'webgpu');
  await started.engine.dispose?.();
});

test.run();
