#!/usr/bin/env node
// Images per second per core of `dataset run` (issue 20 item 5): 256^2 and 1024^2 images, with and without the
// noise image, one shard on the single-threaded SIMD backend (--backend wasm: one core), through the built bin
// (npm run build:cli). The rate is images / the sum of the manifest's per-image seconds (set-up, loop, noise,
// encoding, atomic writes; the engine's start-up once per shard is left out and printed apart).
//
//   node scripts/measure/dataset-speed.mjs [--images-256 N] [--images-1024 N] [--dtype f32|f64] [--backend B] [--keep]
//
// Workload (override with --args '...'): constant F, -N 5, lambda 1 A, 100 mm, 0.1 mm pixels, -oversample 1,
// 3 mosaic domains of 0.2 degrees, random orientation per image, a phi step of 0.1 degrees.
// Prints what it measured; commits nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'out', 'bin', 'nanobragg.mjs');
if (!existsSync(bin)) {
  console.error(`error: ${bin} is missing: run npm run build:cli`);
  process.exit(1);
}
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const counts = { 256: Number(opt('--images-256', 40)), 1024: Number(opt('--images-1024', 8)) };
const dtype = opt('--dtype', 'f32');
const backend = opt('--backend', 'wasm');
const args = (opt('--args', '-default_F 100 -cell 100 100 100 90 90 90 -N 5 -lambda 1 -distance 100 -pixel 0.1 -oversample 1 -mosaic 0.2 -mosaic_domains 3 -osc 0.1')).split(/\s+/);
const cores = backend === 'wasm-threads' ? cpus().length : 1;

console.log(`dataset run speed: backend ${backend} (${cores} core${cores > 1 ? 's' : ''}), dtype ${dtype}, node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}`);
console.log('size   noise  images  s/image   images/s/core  (engine start-up, once per shard)');
for (const size of [256, 1024]) {
  for (const noise of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'nanobragg-speed-'));
    const desc = {
      images: counts[size], seed: 1, dtype, backend,
      args: [...args, '-detpixels', String(size)],
      vary: { phi: { start: 0, step: 0.1 }, orientation: 'random' },
      output: { dir: 'frames', name: 'img_{number:05}', files: noise ? ['float', 'noise'] : ['float'] },
    };
    writeFileSync(join(dir, 'd.json'), JSON.stringify(desc));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'dataset', 'run', join(dir, 'd.json'), '--quiet'], { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      console.error(r.stdout + r.stderr);
      process.exit(1);
    }
    const m = JSON.parse(readFileSync(join(dir, 'frames', 'manifest-shard-0000-of-0001.json'), 'utf8'));
    const per = m.records.reduce((s, x) => s + x.seconds, 0);
    const n = m.records.length;
    const startup = wall - per;
    console.log(`${String(size).padEnd(6)} ${(noise ? 'yes' : 'no').padEnd(6)} ${String(n).padEnd(7)} ${(per / n).toFixed(4).padEnd(9)} ${(n / per / cores).toFixed(2).padEnd(14)} (${startup.toFixed(2)} s process and engine)`);
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
