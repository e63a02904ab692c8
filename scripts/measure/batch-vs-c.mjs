#!/usr/bin/env node
// 100 images of 256^2 as one `simulate --batch` process against 100 processes of the C program (issue 17 item 4:
// target <= 20 % of the C time), whole processes, wall time. Each C run gets a fresh empty folder (nanoBragg
// would reuse a stale Fdump.bin). Image i is at -phi i * 0.1 degrees. Needs npm run build:cli.
//
//   node scripts/measure/batch-vs-c.mjs [--c /work/cref/nanoBragg-fast] [--images 100] [--size 256] [--backend wasm] [--dtype f32]
//
// Prints what it measured; commits nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'out', 'bin', 'nanobragg.mjs');
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const cBin = opt('--c', '/work/cref/nanoBragg-fast');
const n = Number(opt('--images', 100));
const size = opt('--size', '256');
const backend = opt('--backend', 'wasm');
const dtype = opt('--dtype', 'f32');
for (const f of [bin, cBin]) if (!existsSync(f)) {
  console.error(`error: ${f} is missing${f === bin ? ': run npm run build:cli' : ''}`);
  process.exit(1);
}
const args = ['-default_F', '100', '-cell', '100', '100', '100', '90', '90', '90', '-N', '5', '-lambda', '1', '-distance', '100',
  '-pixel', '0.1', '-detpixels', size, '-oversample', '1', '-misset', '10', '20', '30'];
const work = mkdtempSync(join(tmpdir(), 'nanobragg-batch-vs-c-'));

let t0 = performance.now();
for (let i = 0; i < n; i++) {
  const d = mkdtempSync(join(work, 'c-'));
  const r = spawnSync(cBin, [...args, '-phi', String(i * 0.1), '-floatfile', 'img.bin', '-nonoise', '-nopgm'], { cwd: d, stdio: 'ignore' });
  if (r.status !== 0) {
    console.error(`error: the C program failed on image ${i} (exit ${r.status})`);
    process.exit(1);
  }
}
const cSeconds = (performance.now() - t0) / 1000;

const lines = [];
for (let i = 0; i < n; i++) lines.push([...args, '-phi', String(i * 0.1), '-floatfile', join(work, `ours_${i}.bin`)].join(' '));
writeFileSync(join(work, 'batch.txt'), lines.join('\n') + '\n');
t0 = performance.now();
const r = spawnSync(process.execPath, [bin, 'simulate', '--batch', join(work, 'batch.txt'), '--backend', backend, '--dtype', dtype, '-noprogress'], { encoding: 'utf8' });
const ourSeconds = (performance.now() - t0) / 1000;
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
console.log(`${n} images of ${size}^2: C (${cBin}) ${n} processes ${cSeconds.toFixed(2)} s; ` +
  `simulate --batch (--backend ${backend}, --dtype ${dtype}) one process ${ourSeconds.toFixed(2)} s = ${(100 * ourSeconds / cSeconds).toFixed(1)} % of C (target <= 20 %)`);
rmSync(work, { recursive: true, force: true });
