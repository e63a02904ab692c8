// Datasets (issue 20): a description expands into per-image command lines whose seeds depend on the dataset
// seed and the image index only; 1, 3 and 7 shards give the same files; 3 shards as parallel processes of the
// built bin verify against a single run; resuming skips images already made; verify reports a corrupt or
// missing image and merges the manifests; bad descriptions give one-line errors; the bin loads no dataset
// code for a plain simulate.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, expectFailure, runMain, scratch } from './helpers/cli.ts';
import { imageSeed } from '../src/dataset/seeds.ts';
import { expandImage, imageName, parseDescription } from '../src/dataset/description.ts';
import { resolveShard, shardImages } from '../src/dataset/shard.ts';

const BIN = join(REPO_ROOT, 'out', 'bin', 'nanobragg.mjs');
const tmp = scratch('dataset');
test.after(() => tmp.cleanup());

/** 12 tiny images: phi steps, random orientations, mosaic domains, noise, energies (f64: C's noise stream). */
function description(extra: Record<string, unknown> = {}) {
  return {
    images: 12,
    seed: 2024,
    dtype: 'f64',
    backend: 'wasm',
    args: ['-hkl', 'p.hkl', '-cell', '70', '80', '90', '90', '90', '90', '-N', '3', '-distance', '100', '-detpixels', '32', '-pixel', '0.4',
      '-mosaic', '0.5', '-mosaic_domains', '3', '-osc', '0.5', '-oversample', '1'],
    vary: { phi: { start: 0, step: 0.5 }, orientation: 'random', energy_eV: { start: 12000, step: 10 } },
    output: { dir: 'frames', name: 'img_{number:03}', files: ['float', 'noise'] },
    ...extra,
  };
}

/** A dataset folder: the description and its HKL file. */
function datasetDir(desc: object = description()): { dir: string; file: string } {
  const dir = tmp.dir();
  const lines: string[] = [];
  for (let h = -8; h <= 8; h++) for (let k = -8; k <= 8; k++) for (let l = -8; l <= 8; l++) lines.push(`${h} ${k} ${l} ${(5 + ((h * 7 + k * 3 + l * 5) & 31)).toFixed(1)}`);
  writeFileSync(join(dir, 'p.hkl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'd.json'), JSON.stringify(desc, null, 1));
  return { dir, file: join(dir, 'd.json') };
}

/** The image files of a dataset folder (manifests left out), name -> bytes. */
function images(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const n of readdirSync(join(dir, 'frames')).sort()) if (!n.startsWith('manifest')) out.set(n, readFileSync(join(dir, 'frames', n)));
  return out;
}

function sameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.equal([...a.keys()], [...b.keys()], `${what}: file names`);
  for (const [n, bytes] of a) assert.ok(bytes.equals(b.get(n)!), `${what}: ${n} differs`);
}

function bin(argv: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: REPO_ROOT, env: { ...process.env, VK_ICD_FILENAMES: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('seeds depend on the dataset seed, the stream and the image index only', () => {
  const s = imageSeed('noise', 2024, 5);
  assert.is(imageSeed('noise', 2024, 5), s);
  assert.ok(Number.isInteger(s) && s >= 1 && s <= 2147483646);
  assert.is.not(imageSeed('noise', 2024, 6), s);
  assert.is.not(imageSeed('mosaic', 2024, 5), s);
  assert.is.not(imageSeed('noise', 2025, 5), s);
  const d = parseDescription(JSON.stringify(description()), 'd.json');
  const im = expandImage(d, 5);
  assert.equal(im.seeds, { noise: s, mosaic: imageSeed('mosaic', 2024, 5), misset: imageSeed('misset', 2024, 5) });
  const tail = im.argv.slice(-4);
  assert.equal(tail, ['-misset', 'random', '-misset_seed', String(imageSeed('misset', 2024, 5))], '-misset_seed comes last');
  assert.ok(im.argv.includes('-phi') && im.argv[im.argv.indexOf('-phi') + 1] === '2.5');
  assert.is(im.argv[im.argv.indexOf('-energy') + 1], '12050');
  assert.is(imageName('img_{number:03}_{index}', 5), 'img_006_5');
});

test('shards: round robin; I from --shard, SLURM_ARRAY_TASK_ID - MIN, or JOB_COMPLETION_INDEX', () => {
  assert.equal(shardImages(12, { index: 1, count: 3 }), [1, 4, 7, 10]);
  assert.equal(shardImages(3, { index: 5, count: 7 }), []);
  const all = [0, 1, 2, 3, 4, 5, 6].flatMap((i) => shardImages(12, { index: i, count: 7 })).sort((a, b) => a - b);
  assert.equal(all, [...Array(12).keys()]);
  assert.equal(resolveShard('2/7', {}), { index: 2, count: 7, source: 'command line' });
  assert.equal(resolveShard(undefined, {}), { index: 0, count: 1, source: 'default' });
  // Slurm arrays numbered from 1 (--array=1-3) are 0-based shards through SLURM_ARRAY_TASK_MIN
  assert.equal(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 2, count: 3, source: 'SLURM_ARRAY_TASK_ID' });
  assert.equal(resolveShard('4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4, source: 'JOB_COMPLETION_INDEX' });
  assert.throws(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '3' }), /--shard N/);
  assert.throws(() => resolveShard('3/3', {}), /not in 0\.\.2/);
  assert.throws(() => resolveShard('4', {}), /no shard index/);
  assert.throws(() => resolveShard('x/2', {}), /integer/);
  assert.throws(() => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '3' }), /step 1/);
});

test('1, 3 and 7 shards give the same files, each image as a single simulate of its recorded argv', async () => {
  const runs: Map<string, Buffer>[] = [];
  let oneDir = '';
  for (const n of [1, 3, 7]) {
    const { dir, file } = datasetDir();
    // shards in reverse order: the order plays no part either
    for (let i = n - 1; i >= 0; i--) {
      const r = await runMain(['dataset', 'run', file, '--shard', `${i}/${n}`]);
      assert.is(r.code, 0, r.stderr);
    }
    const v = await runMain(['dataset', 'verify', file]);
    assert.is(v.code, 0, v.stdout + v.stderr);
    runs.push(images(dir));
    if (n === 1) oneDir = dir;
  }
  assert.is(runs[0].size, 24);
  sameFiles(runs[0], runs[1], '3 shards vs 1');
  sameFiles(runs[0], runs[2], '7 shards vs 1');
  const distinct = new Set([...runs[0].values()].map((b) => b.toString('base64')));
  assert.is(distinct.size, 24, 'every image differs (seeds, phi, orientation and energy vary)');
  // image 7 made by `simulate` from the merged manifest's argv, run in the description's folder
  const merged = JSON.parse(readFileSync(join(oneDir, 'frames', 'manifest.json'), 'utf8'));
  const rec = merged.records.find((r: { index: number }) => r.index === 7);
  const argv = rec.argv.map((t: string) => t.replace(/^frames\/img_008/, join(oneDir, 'single')).replace(/^p\.hkl$/, join(oneDir, 'p.hkl')));
  // our flags go in front: nanoBragg reads 3 tokens after a -misset_seed as -misset angles (the recorded argv ends with it)
  const s = await runMain(['simulate', '--backend', 'wasm', '-noprogress', ...argv]);
  assert.is(s.code, 0, s.stderr);
  assert.ok(readFileSync(join(oneDir, 'single.bin')).equals(runs[0].get('img_008.bin')!), 'float image = single simulate');
  assert.ok(readFileSync(join(oneDir, 'single_noise.img')).equals(runs[0].get('img_008_noise.img')!), 'noise image = single simulate');
});

test('12 images as 3 parallel bin processes (Slurm, Kubernetes and --shard indices) match a single run; verify merges', async () => {
  const desc = description({ dtype: 'f32', vary: { phi: { start: 1, step: 0.25 }, orientation: 'random', seeds: ['noise', 'mosaic'] } });
  const single = datasetDir(desc);
  const one = await bin(['dataset', 'run', single.file, '--quiet']);
  assert.is(one.code, 0, one.stderr);
  const sharded = datasetDir(desc);
  const rs = await Promise.all([
    bin(['dataset', 'run', sharded.file], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
    bin(['dataset', 'run', sharded.file, '--shard', '3'], { JOB_COMPLETION_INDEX: '1' }),
    bin(['dataset', 'run', sharded.file, '--shard', '2/3', '--backend', 'wasm-threads', '--threads', '2']),
  ]);
  for (const r of rs) assert.is(r.code, 0, r.stderr);
  assert.match(rs[0].stdout, /shard 0\/3 \(SLURM_ARRAY_TASK_ID\): 4 images/);
  assert.match(rs[1].stdout, /shard 1\/3 \(JOB_COMPLETION_INDEX\): 4 images/);
  const v = await bin(['dataset', 'verify', sharded.file]);
  assert.is(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /12 images, 12 good/);
  const merged = JSON.parse(readFileSync(join(sharded.dir, 'frames', 'manifest.json'), 'utf8'));
  assert.equal(merged.records.map((r: { index: number }) => r.index), [...Array(12).keys()]);
  assert.ok(merged.records.every((r: { files: { sha256: string }[]; backend: string; seconds: number }) =>
    r.files.length === 2 && /^[0-9a-f]{64}$/.test(r.files[0].sha256) && r.backend && r.seconds >= 0));
  sameFiles(images(single.dir), images(sharded.dir), '3 parallel shards vs a single run');
});

test('resume skips images already made; a deleted image is remade; verify reports corrupt and missing images', async () => {
  const { dir, file } = datasetDir(description({ images: 5 }));
  assert.is((await runMain(['dataset', 'run', file, '--shard', '0/1'])).code, 0);
  const before = images(dir);
  const again = await runMain(['dataset', 'run', file]);
  assert.match(again.stdout, /5 images, 5 already made, 0 to make/);
  unlinkSync(join(dir, 'frames', 'img_003.bin'));
  const third = await runMain(['dataset', 'run', file]);
  assert.match(third.stdout, /4 already made, 1 to make/);
  assert.match(third.stdout, /image 2: made/);
  sameFiles(before, images(dir), 'after remaking image 2');
  // one flipped byte: verify names the image; a missing file too
  const p = join(dir, 'frames', 'img_005.bin');
  const bytes = readFileSync(p);
  bytes[100] ^= 1;
  writeFileSync(p, bytes);
  unlinkSync(join(dir, 'frames', 'img_001_noise.img'));
  const v = await runMain(['dataset', 'verify', file]);
  expectFailure(v, 3, '1 missing', '1 corrupt');
  assert.match(v.stdout, /corrupt: 1 image: image 4 \(img_005\.bin: SHA-256 differs/);
  assert.match(v.stdout, /missing: 1 image: image 0 \(img_001_noise\.img\)/);
  assert.match(v.stdout, /5 images, 3 good/);
  // the rerun remakes exactly those two, and the dataset verifies again
  const fix = await runMain(['dataset', 'run', file]);
  assert.match(fix.stdout, /3 already made, 2 to make/);
  assert.is((await runMain(['dataset', 'verify', file])).code, 0);
  sameFiles(before, images(dir), 'after the repair');
  assert.not.ok(readdirSync(join(dir, 'frames')).some((n) => n.endsWith('.tmp')), 'no temporary file left');
});

test('plan: image count, evaluations and a calibrated time per CPU backend', async () => {
  const { file } = datasetDir(description({ images: 4 }));
  const r = await runMain(['dataset', 'plan', file, '--calibrate-seconds', '0.05']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /: 4 images, dtype f64/);
  // 32 x 32 pixels x 3 domains x 2 phi steps (-osc 0.5 with the default phistep 0.25... as the loop counts): the
  // plan's count is the engine's (the simulate summary line) times 4
  const s = await runMain(['simulate', '--backend', 'wasm', '-noprogress', ...expandImage(parseDescription(readFileSync(file, 'utf8'), file), 0).argv.filter((t, i, a) => !['-floatfile', '-noisefile'].includes(t) && !['-floatfile', '-noisefile'].includes(a[i - 1])).map((t) => (t === 'p.hkl' ? join(file, '..', 'p.hkl') : t))]);
  const per = Number(/(\d+) evaluations in/.exec(s.stdout)![1]);
  assert.match(r.stdout, new RegExp(`evaluations: ${(4 * per).toExponential(3).replace('+', '\\+')} in all`));
  for (const b of ['wasm-scalar', 'wasm ', 'wasm-threads']) assert.match(r.stdout, new RegExp(`  ${b}\\s*[0-9.]+ ns/evaluation`));
  assert.match(r.stdout, /webgpu|shards/);
});

const BAD: [string, unknown, RegExp | string][] = [
  ['not JSON', '{ "images": 3,', 'not valid JSON'],
  ['no images', { ...description(), images: 0 }, 'images must be an integer'],
  ['unknown key', { ...description(), imagez: 3 }, "unknown key 'imagez'"],
  ['an output in args', { ...description(), args: ['-cell', '1', '1', '1', '90', '90', '90', '-floatfile', 'x.bin'] }, "args holds '-floatfile'"],
  ['a seed set twice', { ...description(), args: [...description().args, '-seed', '3'] }, "args holds '-seed' and vary.seeds"],
  ['short orientation list', { ...description(), vary: { orientation: [[1, 2, 3]] } }, 'vary.orientation must be'],
  ['energy list length', { ...description(), vary: { energy_eV: [1, 2] } }, 'vary.energy_eV lists 2 values for 12 images'],
  ['negative energy', { ...description(), vary: { energy_eV: { start: 100, step: -10 } } }, 'must be > 0'],
  ['name without a number', { ...description(), output: { dir: 'f', name: 'img', files: ['float'] } }, 'has no {index} or {number}'],
  ['unknown file kind', { ...description(), output: { dir: 'f', name: 'i{index}', files: ['tiff'] } }, 'output.files must list'],
  ['a bad flag', { ...description(), args: ['-cell', '1', '1', '1', '90', '90', '90', '-detpxels', '3'] }, "image 0: unknown option '-detpxels'"],
  ['bad dtype', { ...description(), dtype: 'f16' }, 'dtype must be'],
];

test('bad descriptions and options give one-line errors', async () => {
  for (const [what, desc, msg] of BAD) {
    const { file } = datasetDir();
    writeFileSync(file, typeof desc === 'string' ? desc : JSON.stringify(desc));
    expectFailure(await runMain(['dataset', 'run', file]), 2, 'd.json', msg);
    void what;
  }
  const { file } = datasetDir();
  expectFailure(await runMain(['dataset', 'run', file, '--shard', '3/3']), 2, 'not in 0..2');
  expectFailure(await runMain(['dataset', 'run', file, '--shards', '3']), 2, "unknown option '--shards'");
  expectFailure(await runMain(['dataset', 'run', join(file, '..', 'none.json')]), 3, 'dataset description not found');
  expectFailure(await runMain(['dataset', 'frobnicate', file]), 2, 'use plan, run or verify');
  // a missing HKL file stops the shard before any image, naming the image
  const missing = datasetDir(description({ args: ['-hkl', 'gone.hkl', ...description().args.slice(2)] }));
  expectFailure(await runMain(['dataset', 'run', missing.file]), 3, 'image 0', 'gone.hkl');
  assert.not.ok(existsSync(join(missing.dir, 'frames', 'img_001.bin')));
});

test('the bin loads no dataset or batch code for a plain simulate (lazy chunks)', () => {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = readFileSync(join(REPO_ROOT, 'out', 'bin', f), 'utf8');
    assert.not.match(text, /nanobragg-dataset-manifest\/1|function splitLine/, `${f} (statically loaded) holds dataset or batch code`);
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('./')) visit(spec.slice(2));
    }
  };
  visit('nanobragg.mjs');
  const all = readdirSync(join(REPO_ROOT, 'out', 'bin')).map((n) => readFileSync(join(REPO_ROOT, 'out', 'bin', n), 'utf8')).join('\n');
  assert.match(all, /nanobragg-dataset-manifest\/1/, 'the dataset code is in some chunk (rebuild with npm run build:cli)');
});

test.run();
