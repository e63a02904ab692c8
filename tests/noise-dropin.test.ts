// The drop-in `nanoBragg` command (src/nanobragg-cli.ts): C's default output files, byte-identical to the C
// reference's (sha256 in tests/fixtures/noise-dropin.json, made with the C binary, which the test does not
// need), -nopgm/-nonoise, exit 9 on a missing input file.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nanoBraggMain, withCDefaults } from '../src/nanobragg-cli.ts';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/noise-dropin.json', import.meta.url), 'utf8'));

async function inTemp(argv: string[]): Promise<{ dir: string; rc: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-dropin-'));
  const cwd = process.cwd();
  const log = console.log, err = process.stderr.write.bind(process.stderr);
  try {
    process.chdir(dir);
    console.log = () => {};
    process.stderr.write = (() => true) as typeof process.stderr.write;
    return { dir, rc: await nanoBraggMain(argv) };
  } finally {
    console.log = log;
    process.stderr.write = err;
    process.chdir(cwd);
  }
}

test("C's default files, byte-identical to C (--dtype f64 by default)", async () => {
  const { dir, rc } = await inTemp([...FIX.argv, '-noprogress']);
  assert.is(rc, 0);
  assert.equal(readdirSync(dir).sort(), Object.keys(FIX.files).sort());
  for (const [f, h] of Object.entries(FIX.files)) assert.is(createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'), h, f);
  rmSync(dir, { recursive: true });
});

test('-nopgm -nonoise: only the float and int files, as C', async () => {
  const { dir, rc } = await inTemp([...FIX.argv, '-nopgm', '-nonoise', '-noprogress']);
  assert.is(rc, 0);
  assert.equal(readdirSync(dir).sort(), FIX.nopgm_nonoise_files);
  rmSync(dir, { recursive: true });
});

test('defaults: order rules, user names kept, --dtype f64 unless given', () => {
  assert.equal(withCDefaults(['-nonoise', '-noisefile', 'x.img', '-nopgm']), ['-floatfile', 'floatimage.bin', '-intfile', 'intimage.img', '--dtype', 'f64', '-nonoise', '-noisefile', 'x.img', '-nopgm']);
  // the user's words keep their places: C's -misset_seed quirk reads the three words after it
  assert.equal(withCDefaults(['-misset', 'random', '-misset_seed', '7']).slice(-4), ['-misset', 'random', '-misset_seed', '7']);
  assert.ok(!withCDefaults(['--dtype', 'f32']).includes('f64'));
  assert.ok(withCDefaults(['-floatfile', 'a.bin']).filter((t) => t === '-floatfile').length === 1);
});

test('a missing input file exits 9, as C', async () => {
  const { dir, rc } = await inTemp(['-hkl', '/nonexistent/x.hkl', '-distance', '100']);
  assert.is(rc, 9);
  rmSync(dir, { recursive: true });
});

test.run();
