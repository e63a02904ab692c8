// -mask with tricubic interpolation (docs/c-behaviour/detector.md "-mask"): C skips a zero-flagged pixel before its
// first evaluation, so a masked pixel never holds the interpolation switch-off and the switch moves to the next
// unmasked out-of-range evaluation. Three C references (tests/fixtures/detector-mask-tricubic): no masked pixel,
// the switch pixel masked, the switch row masked. f64 bit-identical with C's warning on wasm-scalar, wasm and
// wasm-threads (also with the redo pass forced); f32 within tolerance; webgpu within its tolerance with the same
// switch pixel (also with a candidate list that overflows).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation, type SimEngine, type Dtype, type EngineBackend } from '../src/simulator/engine.ts';
import { createThreadedEngine } from '../src/threads/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { requestGpu } from '../src/webgpu/device.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';
import { scratch } from './helpers/cli.ts';

const FIX = fileURLToPath(new URL('./fixtures/detector-mask-tricubic/', import.meta.url));
const tmp = scratch('mask-tricubic');
const D = tmp.dir();
const N = 24;

// the inputs C ran with (fixtures README): an HKL grid -4..4 (mod as Python's: 0..99) and 24x24 SMV masks
const hkl: string[] = [];
for (let h = -4; h <= 4; h++) for (let k = -4; k <= 4; k++) for (let l = -4; l <= 4; l++) hkl.push(`${h} ${k} ${l} ${50 + (((h * 7 + k * 13 + l * 29) % 100) + 100) % 100}\n`);
writeFileSync(join(D, 'grid.hkl'), hkl.join(''));
function smv(name: string, zero: Set<number>) {
  const hdr = `{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\nSIZE1=${N};\nSIZE2=${N};\n}\f`.padEnd(512, ' ');
  const buf = new Uint8Array(512 + N * N * 2);
  buf.set(new TextEncoder().encode(hdr));
  const v = new DataView(buf.buffer, 512);
  for (let i = 0; i < N * N; i++) v.setUint16(2 * i, zero.has(i) ? 0 : 1, true);
  writeFileSync(join(D, name + '.img'), buf);
}
const row17 = Array.from({ length: N + 3 }, (_, i) => 17 * N + i);
const MASKS: Record<string, [Set<number>, number]> = {
  none: [new Set(), 17 * N + 0],
  mask_switch: [new Set([100, 101, 250, 408, 409, 410, 411, 412]), 17 * N + 5],
  mask_row: [new Set([...row17, 5]), 18 * N + 3],
};
for (const [n, [z]] of Object.entries(MASKS)) smv(n, z);

const argvOf = (name: string) => ['-hkl', join(D, 'grid.hkl'), '-cell', '40', '50', '60', '90', '90', '90', '-N', '2', '-lambda', '1.2',
  '-distance', '60', '-pixel', '0.18', '-detpixels', String(N), '-oversample', '2', '-Xbeam', '0.2', '-Ybeam', '2.16', '-mask', join(D, name + '.img')];

const cases = JSON.parse(readFileSync(FIX + 'cases.json', 'utf8')) as { name: string; sha256: string; cWarning: string }[];
const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const k = backend + dtype;
  if (!engines.has(k)) engines.set(k, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(k)!;
}
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

for (const c of cases) {
  const ref = new Float32Array(new Uint8Array(readFileSync(FIX + c.name + '.bin')).buffer);
  const switchPixel = MASKS[c.name][1];
  for (const [backend, dtype] of [['wasm-scalar', 'f64'], ['wasm', 'f64'], ['wasm-threads', 'f64'], ['wasm', 'f32'], ['wasm-threads', 'f32']] as const) {
    test(`${c.name}: ${backend} ${dtype} switches where C does`, async () => {
      const r = await (await engine(backend, dtype)).simulate(await prepareSimulation(argvOf(c.name)));
      assert.is(r.switchPixel, switchPixel);
      assert.ok(r.warnings.some((w) => w.trim() === c.cWarning.trim()), `C's warning: ${r.warnings.join(' | ')}`);
      if (dtype === 'f64') assert.is(sha(r.image), c.sha256, `not bit-identical: max|diff|/max=${compareImages(r.image, ref).maxRelDiff}`);
      else {
        const m = compareImages(r.image, ref);
        assert.ok(m.maxRelDiff <= 5e-6 && Math.abs(m.sumRatio - 1) <= 1e-6, `max|diff|/max=${m.maxRelDiff} sum-1=${m.sumRatio - 1}`);
      }
    });
  }
  test(`${c.name}: wasm-threads f64 with the redo pass forced is bit-identical`, async () => {
    const e = await createThreadedEngine({ dtype: 'f64', threads: 2 });
    try {
      const r = await e.simulate(await prepareSimulation(argvOf(c.name)), { ignoreKnownSwitch: true });
      assert.is(r.switchPixel, switchPixel);
      assert.is(sha(r.image), c.sha256);
    } finally {
      e.dispose();
    }
  });
}

const gpu = await requestGpu();
if ('error' in gpu) console.log(`detector-mask-tricubic webgpu: SKIPPED (${gpu.error})`);
else {
  const { createWebGpuEngine } = await import('../src/webgpu/engine.ts');
  for (const c of cases) {
    for (const capacity of [undefined, 1]) {
      test(`${c.name}: webgpu switches where C does${capacity ? ' (candidate list overflowing)' : ''}, image within the pure-f32 tolerance`, async () => {
        const e = await createWebGpuEngine(capacity ? { candidateCapacity: capacity } : {});
        try {
          const p = await prepareSimulation(argvOf(c.name));
          const r = await e.simulate(p);
          assert.is(r.switchPixel, MASKS[c.name][1]);
          const ref = new Float32Array(new Uint8Array(readFileSync(FIX + c.name + '.bin')).buffer);
          const q = toleranceRatios(compareImages(r.image, ref), pureF32Tolerance(p.sim));
          assert.ok(q.worst <= 1, `worst tolerance ratio ${q.worst}`);
        } finally {
          e.dispose();
        }
      });
    }
  }
}

test.after(() => {
  for (const e of engines.values()) e.dispose();
  tmp.cleanup();
});
test.run();
