// The compiled `nanobragg` bin (scripts/build-cli.mjs -> out/bin/nanobragg.mjs, built by `npm ci` and `npm test`):
// the same image and exit codes as `tsx src/cli.ts`, and a CPU simulate whose static import graph holds no
// WebGPU, bench, server or worker code (those load lazily, only when asked for). `bundle` and `serve` find the
// package's files from the bin's own place (out/bin), as they do under tsx, whatever the current folder. The
// compiled drop-in bin (out/bin/nanoBragg-dropin.mjs, same build) run in an empty folder: C's stdout, C's files
// and C's exit codes.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runMain, scratch } from './helpers/cli.ts';
import { bundleAndRun, serveAndFetch, TSX_CLI, type Launcher } from './helpers/serve-bundle.ts';
import { PRINTOUT_FIXTURE, folderFor, outputs, type RealCommand, type RunResult } from './helpers/real-commands-run.ts';

const BIN = join(REPO_ROOT, 'out', 'bin', 'nanobragg.mjs');
const DROPIN = join(REPO_ROOT, 'out', 'bin', 'nanoBragg-dropin.mjs');
const tmp = scratch('bin');
test.after(() => tmp.cleanup());

const TINY = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '2', '-detpixels', '24', '-noprogress'];

function bin(argv: string[]) {
  return spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', cwd: REPO_ROOT, env: { ...process.env, VK_ICD_FILENAMES: undefined } });
}

test('the bins are built (npm ci and npm test run scripts/build-cli.mjs)', () => {
  for (const f of [BIN, DROPIN]) {
    assert.ok(existsSync(f), `${f} is missing: run npm run build:cli`);
    assert.ok(readFileSync(f, 'utf8').startsWith('#!/usr/bin/env node\n'));
  }
});

for (const backend of ['wasm', 'wasm-scalar', 'wasm-threads']) {
  test(`bin and tsx src/cli.ts write the same image (--backend ${backend}, f32 and f64)`, async () => {
    const d = tmp.dir();
    for (const dtype of ['f32', 'f64']) {
      const a = join(d, `bin-${dtype}.bin`), b = join(d, `tsx-${dtype}.bin`);
      const r = bin(['simulate', ...TINY, '--backend', backend, '--dtype', dtype, '-floatfile', a]);
      assert.is(r.status, 0, r.stderr);
      const m = await runMain(['simulate', ...TINY, '--backend', backend, '--dtype', dtype, '-floatfile', b]);
      assert.is(m.code, 0, m.stderr);
      assert.ok(readFileSync(a).equals(readFileSync(b)), `${backend} ${dtype}: the images differ`);
    }
  });
}

test('the bin exits with the documented code and one line on a bad flag', () => {
  const r = bin(['simulate', ...TINY, '-detpxels', '16']);
  assert.is(r.status, 2);
  assert.is(r.stderr, "error: unknown option '-detpxels' (did you mean '-detpixels'?)\n");
});

test('a CPU simulate loads no WebGPU, bench, server or worker code statically', () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(REPO_ROOT, 'out', 'bin', file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)) {
      const spec = m[1] ?? m[2];
      assert.not.ok(spec === 'webgpu' || spec === 'esbuild' || spec === 'node:worker_threads' || spec === 'node:http',
        `${file} statically imports ${spec}`);
      if (spec.startsWith('./')) visit(spec.slice(2));
    }
  };
  visit('nanobragg.mjs');
  const names = [...seen].join(' ');
  assert.not.match(names, /context-|device-|serve-|gpu-kernel|runner-/, `static graph: ${names}`);
});

const CHILD_ENV = { ...process.env, VK_ICD_FILENAMES: undefined };
const LAUNCHERS: [string, Launcher][] = [['tsx src/cli.ts', TSX_CLI], ['node out/bin/nanobragg.mjs', [process.execPath, BIN]]];

for (const [name, launcher] of LAUNCHERS) {
  test(`${name} bundle, run from another folder, writes the package's bundle and it simulates in Node`, async () => {
    const d = tmp.dir();
    const argv = TINY.filter((t) => t !== '-noprogress');
    const image = bundleAndRun(launcher, d, join(d, 'dist'), argv, CHILD_ENV);
    const m = await runMain(['simulate', ...TINY, '--backend', 'wasm', '--dtype', 'f64', '-floatfile', join(d, 'want.bin')]);
    assert.is(m.code, 0, m.stderr);
    assert.ok(image.equals(readFileSync(join(d, 'want.bin'))), 'the bundle\'s image differs from simulate\'s');
  });

  test(`${name} serve, run from another folder, serves web/ and build/*.wasm and stops on SIGINT`, async () => {
    await serveAndFetch(launcher, tmp.dir(), CHILD_ENV);
  });
}
// C's run of a command with C's default outputs (all four files), a seed and the progress meter on
// (tests/fixtures/c-printout.json, made with the C reference): the whole stdout, every file and the exit code.
const cCase = (JSON.parse(readFileSync(PRINTOUT_FIXTURE, 'utf8')).commands as (RealCommand & { c: RunResult })[])
  .find((c) => c.name === 'progress-meter-defaults-noise')!;

test('the drop-in bin in an empty folder: C\'s stdout, files and exit code', () => {
  assert.ok(cCase, 'progress-meter-defaults-noise is missing from tests/fixtures/c-printout.json');
  const { dir, inputs } = folderFor(cCase);
  try {
    const r = spawnSync(process.execPath, [DROPIN, ...cCase.argv, ...cCase.extra], { encoding: 'utf8', cwd: dir, env: { ...process.env, VK_ICD_FILENAMES: undefined } });
    assert.is(r.status, cCase.c.rc, r.stderr);
    const ours = r.stdout.split('\n'), theirs = cCase.c.stdout.split('\n');
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) assert.is(ours[i], theirs[i], `stdout line ${i + 1}`);
    assert.equal(outputs(dir, inputs).files, cCase.c.files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the drop-in bin exits 9 as C does on an output it cannot write, with one line on stderr', () => {
  const d = tmp.dir();
  const r = spawnSync(process.execPath, [DROPIN, ...TINY, '-nonoise', '-nopgm', '-floatfile', join(d, 'no-such-dir', 'x.bin')],
    { encoding: 'utf8', cwd: d, env: { ...process.env, VK_ICD_FILENAMES: undefined } });
  assert.is(r.status, 9, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^error: cannot write -floatfile .*x\.bin: directory .* does not exist\n$/);
});

test.run();
