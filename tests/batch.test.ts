// simulate --batch FILE and --series N (issue 17 item 4): every image bit-identical (f64 and f32) to a separate
// single-image run of the same command line, the HKL file read once, numbered series outputs, and a bad line
// refused with its line number before any image is made.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectFailure, expectSuccess, runMain, scratch } from './helpers/cli.ts';
import { numbered, splitLine } from '../src/simulator/batch.ts';
import { lastFlagValues, replaceFlags } from '../src/simulator/args.ts';

const tmp = scratch('batch');
test.after(() => tmp.cleanup());

const CELL = ['-cell', '70', '80', '90', '90', '90', '90'];
const SMALL = ['-detpixels', '32', '-pixel', '0.4', '-distance', '100', '-lambda', '1', '-noprogress'];

/** A small HKL file: F varies with h, k, l so that the orientation and phi show in the image. */
function hklFile(dir: string): string {
  const lines: string[] = [];
  for (let h = -6; h <= 6; h++) for (let k = -6; k <= 6; k++) for (let l = -6; l <= 6; l++) lines.push(`${h} ${k} ${l} ${(10 + ((h * 7 + k * 3 + l * 5) & 15)).toFixed(1)}`);
  const p = join(dir, 'p.hkl');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

test('splitLine: blanks, quotes, escapes and # comments', () => {
  assert.equal(splitLine('  -N 2\t-floatfile "a b.bin"  # comment -N 3'), ['-N', '2', '-floatfile', 'a b.bin']);
  assert.equal(splitLine("-floatfile 'it'\\''s.bin' x\\ y"), ['-floatfile', "it's.bin", 'x y']);
  assert.equal(splitLine('# only a comment'), []);
  assert.equal(splitLine('-floatfile a#b.bin'), ['-floatfile', 'a#b.bin']);
  assert.throws(() => splitLine('-floatfile "open'), /unterminated quote/);
});

test('replaceFlags drops every spelling of a flag with its values; lastFlagValues finds the last', () => {
  const argv = ['-phi', '1', '-N', '2', '-floatimage', 'a.bin', '-misset', 'random', '-phi', '-3', '--pngfile=x.png'];
  assert.equal(replaceFlags(argv, ['-phi', '-floatfile', '--pngfile'], ['-phi', '5']), ['-N', '2', '-misset', 'random', '-phi', '5']);
  assert.equal(replaceFlags(argv, ['-misset']), ['-phi', '1', '-N', '2', '-floatimage', 'a.bin', '-phi', '-3', '--pngfile=x.png']);
  assert.equal(lastFlagValues(argv, '-phi'), ['-3']);
  // a trailing -misset_seed stays last (3 tokens after it would be read as -misset angles, as in nanoBragg)
  assert.equal(replaceFlags(['-N', '2', '-misset', 'random', '-misset_seed', '5'], ['-phi'], ['-phi', '1', '-floatfile', 'x.bin']),
    ['-N', '2', '-misset', 'random', '-phi', '1', '-floatfile', 'x.bin', '-misset_seed', '5']);
  assert.equal(lastFlagValues(argv, '-floatfile'), ['a.bin']);
  assert.equal(lastFlagValues(argv, '--pngfile'), ['x.png']);
  assert.is(lastFlagValues(argv, '-osc'), undefined);
});

test('numbered: the number before the extension, at least 4 digits', () => {
  assert.is(numbered('out/x.bin', 3, 10), 'out/x_0003.bin');
  assert.is(numbered('out/x', 12, 10), 'out/x_0012');
  assert.is(numbered('a.b/x', 1, 12345), 'a.b/x_00001');
  assert.is(numbered('.hidden', 1, 2), '.hidden_0001');
});

for (const dtype of ['f64', 'f32']) {
  test(`--batch: each image bit-identical to its separate run (${dtype}), the HKL file read once`, async () => {
    const d = tmp.dir();
    const hkl = hklFile(d);
    const lines = [
      ['-hkl', hkl, ...CELL, '-N', '3', '-misset', '10', '20', '30', ...SMALL, '-floatfile', join(d, 'b1.bin'), '-intfile', join(d, 'b1.img')],
      ['-hkl', hkl, ...CELL, '-N', '2', '-misset', '-5', '7', '1', '-phi', '3', '-osc', '0.5', ...SMALL, '-floatfile', join(d, 'b2.bin'),
        '-noisefile', join(d, 'b2.noise.img'), '-seed', '99'],
      ['-hkl', hkl, ...CELL, '-N', '4', '-mosaic', '0.3', '-mosaic_domains', '4', '-misset', 'random', '-misset_seed', '5', ...SMALL, '-floatfile', join(d, 'b3.bin')],
    ];
    const quoted = (t: string) => (/\s/.test(t) ? `"${t}"` : t);
    writeFileSync(join(d, 'batch.txt'), ['# a comment line', '', ...lines.map((l) => l.map(quoted).join(' ') + '  # trailing comment')].join('\n') + '\n');
    const r = await runMain(['simulate', '--batch', join(d, 'batch.txt'), '--backend', 'wasm', '--dtype', dtype]);
    expectSuccess(r);
    assert.match(r.stdout, /3 images, 1 HKL file read/);
    for (let i = 0; i < lines.length; i++) {
      const single = lines[i].map((t) => t.replace(/(b\d)(\.[a-z.]+)$/, '$1-single$2'));
      expectSuccess(await runMain(['simulate', ...single, '--backend', 'wasm', '--dtype', dtype]));
      for (const flag of ['-floatfile', '-intfile', '-noisefile']) {
        const at = lines[i].indexOf(flag);
        if (at < 0) continue;
        const a = readFileSync(lines[i][at + 1]), b = readFileSync(single[at + 1]);
        assert.ok(a.length > 0 && a.equals(b), `line ${i + 1} ${flag}: batch and separate run differ`);
      }
    }
    // the three images are not all the same (the test would not see a batch that reused one image)
    assert.not.ok(readFileSync(join(d, 'b1.bin')).equals(readFileSync(join(d, 'b3.bin'))));
  });

  test(`--series N: image i is -phi phi0 + i*osc with outputs name_000(i+1), bit-identical to separate runs (${dtype})`, async () => {
    const d = tmp.dir();
    const hkl = hklFile(d);
    const argv = ['-hkl', hkl, ...CELL, '-N', '3', '-misset', '10', '20', '30', '-phi', '2', '-osc', '1.5', ...SMALL,
      '-floatfile', join(d, 's.bin'), '-noisefile', join(d, 's.img'), '-seed', '7', '--backend', 'wasm', '--dtype', dtype];
    const r = await runMain(['simulate', ...argv, '--series', '3']);
    expectSuccess(r);
    assert.equal(readdirSync(d).filter((n) => n.startsWith('s_')).sort(), ['s_0001.bin', 's_0001.img', 's_0002.bin', 's_0002.img', 's_0003.bin', 's_0003.img']);
    const images: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const f = join(d, `one${i}.bin`), n = join(d, `one${i}.img`);
      // the later flags win: the separate run is the series' argv with -phi and the outputs given again
      expectSuccess(await runMain(['simulate', ...argv, '-phi', String(2 + i * 1.5), '-floatfile', f, '-noisefile', n]));
      const num = String(i + 1).padStart(4, '0');
      images.push(readFileSync(join(d, `s_${num}.bin`)));
      assert.ok(images[i].equals(readFileSync(f)), `image ${i + 1}: float image differs from the separate run`);
      assert.ok(readFileSync(join(d, `s_${num}.img`)).equals(readFileSync(n)), `image ${i + 1}: noise image differs`);
    }
    assert.not.ok(images[0].equals(images[1]), 'the phi step changes the image');
  });
}

test('a bad batch line is refused with its line number before any image is made', async () => {
  const d = tmp.dir();
  const good = [...CELL, '-default_F', '10', ...SMALL, '-floatfile', join(d, 'first.bin')].join(' ');
  writeFileSync(join(d, 'b.txt'), `# header\n${good}\n\n${CELL.join(' ')} -default_F 10 -detpixels 32 -oversample x -floatfile ${join(d, 'second.bin')}\n`);
  expectFailure(await runMain(['simulate', '--batch', join(d, 'b.txt')]), 2, 'b.txt line 4', "'-oversample'");
  assert.not.ok(existsSync(join(d, 'first.bin')), 'the valid first line made no image');
  // a missing HKL file on a line is found before any image too (exit 3, the input)
  writeFileSync(join(d, 'c.txt'), `${good}\n-hkl ${join(d, 'nope.hkl')} ${CELL.join(' ')} ${SMALL.join(' ')} -floatfile ${join(d, 'x.bin')}\n`);
  expectFailure(await runMain(['simulate', '--batch', join(d, 'c.txt')]), 3, 'c.txt line 2');
  assert.not.ok(existsSync(join(d, 'first.bin')));
  // two lines writing the same file
  writeFileSync(join(d, 'e.txt'), `${good}\n${good}\n`);
  expectFailure(await runMain(['simulate', '--batch', join(d, 'e.txt')]), 2, 'e.txt line 2', 'also written by', 'line 1');
  writeFileSync(join(d, 'f.txt'), '# nothing\n\n');
  expectFailure(await runMain(['simulate', '--batch', join(d, 'f.txt')]), 2, 'no command line');
  expectFailure(await runMain(['simulate', '--batch', join(d, 'missing.txt')]), 3, '--batch ', 'batch file not found');
  writeFileSync(join(d, 'g.txt'), `${good} --dtype f64\n${good.replace('first', 'other')} --dtype f32\n`);
  expectFailure(await runMain(['simulate', '--batch', join(d, 'g.txt')]), 2, 'g.txt line 2', '--dtype');
  expectFailure(await runMain(['simulate', ...CELL, '-default_F', '1', ...SMALL, '-floatfile', join(d, 's.bin'), '--series', '3']), 2, '-osc');
  expectFailure(await runMain(['simulate', ...CELL, '-default_F', '1', ...SMALL, '-osc', '1', '--series', '3']), 2, 'no output');
  expectFailure(await runMain(['simulate', ...CELL, '--series', '0']), 2, '--series');
});

test.run();
