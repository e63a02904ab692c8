// How long uvu's assert.equal takes to fail on two Float32Array(65536) that differ in every third element
// (why tests/helpers/arrays.ts exists), against assertSameBits. Stops after LIMIT_S seconds (default 20).
//
//   npx tsx scripts/measure/uvu-equal.mjs
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';

const limit = Number(process.env.LIMIT_S ?? 20);
const body = `
  import * as assert from 'uvu/assert';
  import { parentPort } from 'node:worker_threads';
  const a = new Float32Array(65536).map((_, i) => i * 0.5), b = a.slice();
  for (let i = 0; i < b.length; i += 3) b[i] += 1;
  const t0 = performance.now();
  try { assert.equal(a, b); } catch {}
  parentPort.postMessage(performance.now() - t0);`;
const w = new Worker(body, { eval: true, type: 'module' });
const result = await Promise.race([
  new Promise((resolve) => w.once('message', (ms) => resolve(`failed after ${ms.toFixed(0)} ms`))),
  new Promise((resolve) => setTimeout(() => resolve(`still diffing after ${limit} s`), limit * 1000)),
]);
await w.terminate();
console.log(`uvu assert.equal: ${result}`);
const { assertSameBits } = await import('../../tests/helpers/arrays.ts');
const a = new Float32Array(65536).map((_, i) => i * 0.5), b = a.slice();
for (let i = 0; i < b.length; i += 3) b[i] += 1;
const t0 = performance.now();
try { assertSameBits(a, b, 'image'); } catch (e) { console.log(`assertSameBits: failed after ${(performance.now() - t0).toFixed(1)} ms: ${e.message.split('\n')[0]}`); }
void assert;
