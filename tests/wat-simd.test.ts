// Guards the SIMD code paths of the release binaries (a build that loses them still passes every numeric test,
// only slower): build/simd.wat must keep its f32x4/f64x2 opcodes (in particular inside the vector tricubic
// kernels), and build/scalar.wat must not contain any v128 instruction (it has to run where WebAssembly SIMD is
// unavailable).
// Reads the text files written by `npm run asbuild`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

function readWat(flavour: 'scalar' | 'simd'): string {
  const path = `${root}build/${flavour}.wat`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run asbuild" before the tests`);
  const src = `${root}assembly/tricubic.ts`;
  if (existsSync(src) && statSync(src).mtimeMs > statSync(path).mtimeMs) {
    console.log(`note: build/${flavour}.wat is older than assembly/tricubic.ts: run "npm run asbuild"`);
  }
  return readFileSync(path, 'utf8');
}

/** The text of one function of the module (from its `(func $name` line to the next function). */
function funcBody(wat: string, name: string): string {
  const start = wat.search(new RegExp(`\\n \\(func \\$[^\\s]*/${name} `));
  assert.ok(start >= 0, `function ${name} not found in the .wat`);
  const end = wat.indexOf('\n (func ', start + 1);
  return wat.slice(start, end < 0 ? undefined : end);
}

const count = (text: string, op: string) => text.split(op).length - 1;

test('simd.wat keeps its f32x4 and f64x2 instructions', () => {
  const wat = readWat('simd');
  assert.ok(count(wat, 'f32x4.') > 0, 'no f32x4 instruction left in build/simd.wat');
  assert.ok(count(wat, 'f64x2.') > 0, 'no f64x2 instruction left in build/simd.wat');
});

test('simd.wat: the vector tricubic kernels are vectorised', () => {
  const wat = readWat('simd');
  const f32x4 = funcBody(wat, 'tricubicBatchF32x4');
  // 4 evaluations x 16 rows, each one v128.load and one f32x4.mul
  assert.ok(count(f32x4, 'v128.load') >= 64, `tricubicBatchF32x4: ${count(f32x4, 'v128.load')} v128.load`);
  assert.ok(count(f32x4, 'f32x4.mul') >= 64, `tricubicBatchF32x4: ${count(f32x4, 'f32x4.mul')} f32x4.mul`);
  const f64x2 = funcBody(wat, 'tricubicBatchF64x2');
  // 21 polints x 2 divisions (the other two denominators are exact reciprocals)
  assert.ok(count(f64x2, 'f64x2.div') >= 42, `tricubicBatchF64x2: ${count(f64x2, 'f64x2.div')} f64x2.div`);
  const singleF32 = funcBody(wat, 'tricubicF32');
  assert.ok(count(singleF32, 'v128.load') >= 16, `tricubicF32: ${count(singleF32, 'v128.load')} v128.load (one per row)`);
  // two h-planes per vector: 2 x (4 l-polints + 1 k-polint) x 2 divisions
  const singleF64 = funcBody(wat, 'tricubicF64');
  assert.ok(count(singleF64, 'f64x2.div') >= 20, `tricubicF64: ${count(singleF64, 'f64x2.div')} f64x2.div`);
});

test('scalar.wat has no v128 at all', () => {
  const wat = readWat('scalar');
  for (const token of ['v128', 'f32x4', 'f64x2', 'i32x4', 'i64x2', 'i16x8', 'i8x16']) {
    assert.is(count(wat, token), 0, `build/scalar.wat contains ${token}`);
  }
  assert.ok(wat.includes('tricubicBatchF32x4'), 'the SIMD-named kernels must exist in the scalar build too');
});

test.run();
