// The declared precision of every backend on real crystals, not only on the small test cases: 100 to 1000 unit
// cells per axis, cells up to 400 Å, Miller indices in the hundreds, and the huge auto-oversampling that a crystal
// size in mm (-xtalsize) selects. Each image is judged by its backend's declared promise (src/backends/precision.ts)
// against the f64 image, which is C's bit for bit (checked here against the C binary when it is present:
// NANOBRAGG_C_BINARY or /work/cref/nanoBragg-ref).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, prepareSimulation, type PreparedSimulation } from '../src/simulator/engine.ts';
import { millerExtent, geometry64 } from '../src/webgpu/geometry64.ts';
import { describeBackends } from './helpers/backends.ts';

const CASES: Record<string, string[]> = {
  // 400 Å cell, 100 cells per axis, wide angles: h up to about 170
  'cell 400 A, N 100, Miller indices in the hundreds': ['-cell', '400', '400', '400', '90', '90', '90', '-N', '100', '-default_F', '100',
    '-lambda', '1', '-distance', '60', '-pixel', '1.5', '-detpixels', '24', '-oversample', '1', '-misset', '10', '20', '30'],
  // the same orientation family's worst case on the GPU (sum error 1.35 S, max 7.4 S on SwiftShader)
  'cell 400 A, N 100, another orientation': ['-cell', '400', '400', '400', '90', '90', '90', '-N', '100', '-default_F', '100',
    '-lambda', '1', '-distance', '60', '-pixel', '1.5', '-detpixels', '24', '-oversample', '1', '-misset', '-33', '2', '71'],
  // 1000 cells per axis of a triclinic cell
  'triclinic, N 1000': ['-cell', '61', '72', '83', '85', '95', '100', '-N', '1000', '-default_F', '50', '-lambda', '1.3',
    '-distance', '120', '-pixel', '0.172', '-detpixels', '20', '-oversample', '1', '-misset', '-40', '15', '72'],
  // a 5 µm crystal of a 95 Å cell: N from the size (about 500-1200 cells per axis) and 246^2 auto sub-pixels
  'crystal size 0.0049 mm: auto N and 246^2 sub-pixels': ['-cell', '95.0', '41.3', '49.8', '82.8', '78.8', '77.4', '-default_F', '18.7',
    '-energy', '13842.5', '-distance', '141.0', '-pixel', '0.211', '-detpixels', '10', '-xtalsize', '0.0049', '-water', '49.1'],
};

const prepared = new Map<string, PreparedSimulation>();
const reference = new Map<string, Float32Array>();
for (const [name, argv] of Object.entries(CASES)) {
  const p = await prepareSimulation(argv);
  prepared.set(name, p);
  const e = await createEngine({ backend: 'wasm', dtype: 'f64' });
  reference.set(name, (await e.simulate(p)).image.slice());
  e.dispose();
}

test('the cases are real crystals: N up to 1000 and more, Miller indices in the hundreds, n evaluations per pixel', () => {
  const big = prepared.get('cell 400 A, N 100, Miller indices in the hundreds')!.sim;
  assert.ok(millerExtent(geometry64(big)).max >= 100, `h_max ${millerExtent(geometry64(big)).max}`);
  assert.is(prepared.get('triclinic, N 1000')!.sim.crystal.Na, 1000);
  const size = prepared.get('crystal size 0.0049 mm: auto N and 246^2 sub-pixels')!.sim;
  assert.ok(Math.max(size.crystal.Na, size.crystal.Nb, size.crystal.Nc) >= 500, JSON.stringify([size.crystal.Na, size.crystal.Nb, size.crystal.Nc]));
  assert.ok(size.oversample >= 200, `oversample ${size.oversample}`);
});

const C_BIN = process.env.NANOBRAGG_C_BINARY ?? '/work/cref/nanoBragg-ref';
test(`the f64 reference is C's image bit for bit (${existsSync(C_BIN) ? C_BIN : 'no C binary here: checked where one is'})`, () => {
  if (!existsSync(C_BIN)) return console.log(`  precision-real-crystals: no C binary at ${C_BIN}; the f64 path's C parity is tested on the goldens`);
  for (const [name, argv] of Object.entries(CASES)) {
    const d = mkdtempSync(join(tmpdir(), 'nb-real-'));
    try {
      const r = spawnSync(C_BIN, [...argv, '-floatfile', 'c.bin', '-nonoise', '-nopgm'], { cwd: d, timeout: 120_000 });
      assert.is(r.status, 0, name);
      const b = readFileSync(join(d, 'c.bin'));
      assert.ok(Buffer.from(reference.get(name)!.buffer).equals(b), `${name}: f64 image differs from C's`);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }
});

await describeBackends('precision-real-crystals', (run) => {
  for (const name of Object.keys(CASES)) {
    // the GPU case with 246^2 sub-pixels is 3.6 M evaluations per 10x10 image: fine on a GPU, minutes on SwiftShader
    if (run.backend === 'webgpu' && name.startsWith('crystal size') && process.env.NANOBRAGG_REAL_GPU !== '1') continue;
    test(`${run.label}: ${name} within the declared precision`, async () => {
      const p = prepared.get(name)!;
      const r = await (await run.engine()).simulate(p);
      const v = run.judge(p.sim, r.image, reference.get(name)!);
      console.log(`  ${name}: ${v.info}`);
      assert.ok(v.pass, v.info);
    });
  }
});

test.run();
