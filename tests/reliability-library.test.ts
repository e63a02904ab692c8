// Issue 19 item 11: the library checks the types of booleans, pairs and buffers instead of coercing them
// ('false' is truthy, [16] is not a detector size), refuses flags that would write files it never writes,
// and NaN Miller indices. Each case first reproduced a silently different image or a raw TypeError.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configToArgv, createSimulator, interpolateF } from '../src/index.ts';
import { parseHkl } from '../src/hkl.ts';

const cfg = { cell: [100, 100, 100, 90, 90, 90] as const, defaultF: 100, detpixels: 16 };

const refuses = (c: unknown, re: RegExp) => assert.throws(() => configToArgv(c as never), re);

test('booleans must be booleans', () => {
  refuses({ ...cfg, interpolate: 'false' }, /config\.interpolate must be true or false, got "false"/);
  refuses({ ...cfg, pointPixel: 'false' }, /config\.pointPixel must be true or false/);
  refuses({ ...cfg, oversampleThick: 1 }, /config\.oversampleThick must be true or false/);
  refuses({ ...cfg, polarization: 'none' }, /config\.polarization must be a number \(Kahn factor\) or false/);
  assert.ok(configToArgv({ ...cfg, interpolate: false }).includes('-nointerpolate'));
});

test('pairs must be pairs; hkl must be text or bytes', () => {
  refuses({ ...cfg, detpixels: [16] }, /config\.detpixels must be a number or \[fast, slow\], got \[16\]/);
  refuses({ ...cfg, beamMm: [1] }, /config\.beamMm must be \[Xbeam, Ybeam\] in mm, got \[1\]/);
  refuses({ ...cfg, hkl: new ArrayBuffer(8) }, /config\.hkl must be the HKL text \(a string\) or its bytes \(a Uint8Array\), got ArrayBuffer/);
  refuses({ ...cfg, roi: 5 }, /config\.roi must be/);
});

test('extraArgs that would write a file are refused (the library writes none)', () => {
  refuses({ ...cfg, extraArgs: ['-floatfile', 'x.bin'] }, /'-floatfile' writes a file, which the library does not do/);
});

test('options: null and threads on a backend without threads are one-line TypeErrors', async () => {
  for (const [o, re] of [[null, /simulator options must be an object/], [{ backend: 'wasm', threads: 4 }, /threads applies to backend 'wasm-threads'/]] as const) {
    let err: unknown;
    await createSimulator(o as never).catch((e) => (err = e));
    assert.instance(err, TypeError);
    assert.match((err as Error).message, re);
  }
});

test('interpolateF refuses NaN indices instead of returning 0', async () => {
  const grid = parseHkl('0 0 0 1\n').grid;
  let err: unknown;
  await interpolateF(grid, [0, NaN], [0, 0], [0, 0]).catch((e) => (err = e));
  assert.match(String(err), /h\[1\] is NaN: Miller indices must be finite numbers/);
});

test.run();
