// -dmin with several phi steps starting at phi 0 (docs/c-behaviour/beam.md "-dmin"; src/simulator/first-evaluation.ts):
// C gives the unrotated crystal vectors to the first evaluation that runs the phi loop, which a -dmin cut of the
// first sub-pixels moves on. The fixture is C's image of such a case (the first pixel's first two sub-pixels and
// pixels 0-4 are cut); every backend is judged against it by its declared precision.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { prepareSimulation } from '../src/simulator/engine.ts';
import { describeBackends } from './helpers/backends.ts';

const fx = JSON.parse(readFileSync(new URL('./fixtures/dmin-first-evaluation.json', import.meta.url), 'utf8')) as { argv: string[]; float_base64: string };
const bytes = Buffer.from(fx.float_base64, 'base64');
const C_IMAGE = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
const prepared = await prepareSimulation(fx.argv);

test('the cut moves the first evaluation: pixel 5, sub-evaluation 2 (not pixel 0, sub-evaluation 0)', () => {
  assert.is(prepared.sim.firstPixel, 5);
  assert.is(prepared.sim.firstSub, 2);
});

test('without -dmin the first evaluation stays the first pixel\'s first', async () => {
  const i = fx.argv.indexOf('-dmin');
  const p = await prepareSimulation([...fx.argv.slice(0, i), ...fx.argv.slice(i + 2)]);
  assert.is(p.sim.firstPixel, 0);
  assert.is(p.sim.firstSub, 0);
});

await describeBackends('beam-dmin-phi', (run) => {
  test(`${run.label}: C's image within the declared precision`, async () => {
    const r = await (await run.engine()).simulate(prepared);
    const v = run.judge(prepared.sim, r.image, C_IMAGE);
    assert.ok(v.pass, v.info);
  });
});

test.run();
