// The noise stream continues ran1's table after the -misset random and mosaic draws (C shares one static
// table): with a positive seed variable (`-seed -5`) the noise image depends on them. The sha256 sums are the
// C program's (gcc -O2 -ffp-contract=off, run in an empty folder with the argv below), on --dtype f64.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain, scratch } from './helpers/cli.ts';

const tmp = scratch('noise-crystal');
test.after(() => tmp.cleanup());

const ARGV = '-cell 100 100 100 90 90 90 -default_F 100 -N 3 -detpixels 32 -distance 100 -mosaic 0.5 -mosaic_dom 3 -seed -5 -misset random -misset_seed 7'.split(' ');
const C_NOISE = 'bfb9f92f61a119e42900654e98f929cf61ba38962cf5d4d37358b758dead5f87';
const C_FLOAT = 'dbf7a6a0f65cf2d7fa517a54bd36679079fe0686168a8a3a9e9b271693b2db84';
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

for (const backend of ['wasm-scalar', 'wasm', 'wasm-threads']) {
  test(`-seed -5 after -misset random and 3 mosaic domains: C's noise image on ${backend} f64`, async () => {
    const d = tmp.dir();
    const r = await runMain(['simulate', ...ARGV, '--backend', backend, '--dtype', 'f64', '-noprogress', '-noisefile', join(d, 'n.img'), '-floatfile', join(d, 'f.bin')]);
    assert.is(r.code, 0, r.stderr);
    assert.is(sha(join(d, 'f.bin')), C_FLOAT);
    assert.is(sha(join(d, 'n.img')), C_NOISE);
  });
}

test.run();
