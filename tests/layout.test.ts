// The host/kernel memory layouts are declared once (src/simulator/param-layout.ts): the kernels' copy is
// generated, the threads worker receives its layout with each job, and nothing else spells a slot number.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { PARAM_FIELDS, P, SCRATCH, assemblyLayoutSource } from '../src/simulator/param-layout.ts';
import { loadKernels } from '../src/wasm/loader.ts';
import { JOB_LAYOUT } from '../src/threads/protocol.ts';

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

test('assembly/layout.ts is the generated text of param-layout.ts (run npm run asbuild after changing the layout)', () => {
  assert.is(read('assembly/layout.ts'), assemblyLayoutSource());
});

test('the slots are contiguous, distinct and named once', () => {
  const names = PARAM_FIELDS.map((f) => f[0]);
  assert.is(new Set(names).size, names.length);
  let at = 0;
  for (const [name, slots] of PARAM_FIELDS) {
    assert.ok(slots >= 1, name);
    assert.is(P[name], at, name);
    at += slots;
  }
  assert.is(P.COUNT, at);
});

test('no kernel or worker source declares a slot or record offset of its own', () => {
  // every kernel module (assembly/*.ts but the generated layout.ts itself) and the worker
  const kernels = readdirSync(new URL('../assembly/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'layout.ts');
  assert.ok(kernels.includes('params.ts') && kernels.includes('loop-f32x4.ts'), 'the kernel modules were not found');
  for (const file of [...kernels.map((f) => `assembly/${f}`), 'src/threads/worker.js']) {
    const text = read(file);
    assert.not.match(text, /\b(P|SW)_[A-Z0-9_]+\s*:\s*(i32|usize)\s*=/, `${file} declares a layout constant`);
    assert.not.match(text, /const\s+(CTL_NEXT|CTL_FIRST_HIT|SW_RECORD|OUT_BYTES|DONE_[A-Z]+)\s*=\s*\d/, `${file} declares a protocol constant`);
  }
  // the host writes slots by name only
  assert.not.match(read('src/simulator/params.ts'), /block\[\d+\]/);
});

test('the built kernels agree with the layout (slot count and scratch size)', async () => {
  for (const flavour of ['scalar', 'simd'] as const) {
    const k = await loadKernels(flavour);
    assert.is(k.exports.paramSlotCount(), P.COUNT, flavour);
    assert.is(k.exports.scratchBytes(), SCRATCH.BYTES, flavour);
  }
});

test('the worker layout is taken from the one declaration', () => {
  assert.is(JOB_LAYOUT.switchRecord, SCRATCH.PIXEL);
  assert.ok(SCRATCH.L + 8 <= SCRATCH.BYTES && JOB_LAYOUT.outBytes === SCRATCH.L + 8 - SCRATCH.PIXEL);
});

test.run();
