// C's other spellings (C_SPELLINGS, C_IGNORED in src/simulator/args.ts): each maps to the same option as the
// canonical name; words C ignores are accepted with one warning and their value skipped; unknown words
// stay errors with a suggestion; spellings of options not implemented are refused by the canonical name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSimArgs, ArgError, C_SPELLINGS, C_IGNORED, NANOBRAGG_FLAGS, NOT_IMPLEMENTED_FLAGS } from '../src/simulator/args.ts';

const p = (s: string) => parseSimArgs(s.split(' '));
const strip = (a: ReturnType<typeof parseSimArgs>) => ({ ...a, warnings: [] });

test('every spelling maps to the same arguments as its canonical option', () => {
  const cases: [string, string][] = [
    ['-wavelength 1.5', '-lambda 1.5'],
    ['-wavelen 1.5', '-lambda 1.5'],
    ['-energy_eV 12000', '-energy 12000'],
    ['-adcoffset 10', '-adc 10'],
    ['-adc_offset 10', '-adc 10'],
    ['-detector_absorption 300 -detector_thick 100', '-detector_abs 300 -detector_thick 100'],
    ['-pixel_size 0.172', '-pixel 0.172'],
    ['-pixelsize 0.172', '-pixel 0.172'],
    ['-nopolarization', '-nopolar'],
    ['-oscillation 0.1', '-osc 0.1'],
    ['-hklfile x.hkl', '-hkl x.hkl'],
    ['-hkl_file x.hkl', '-hkl x.hkl'],
    ['-floatimage f.bin', '-floatfile f.bin'],
    ['-intimage i.img', '-intfile i.img'],
    ['-pgmimage p.pgm', '-pgmfile p.pgm'],
    ['-noiseimage n.img', '-noisefile n.img'],
    ['-seeds 7', '-seed 7'],
  ];
  for (const [alias, canon] of cases) assert.equal(strip(p(alias)), strip(p(canon)), alias);
});

test('the table names only options of our table or known C options (mapped ones resolve)', () => {
  for (const [alias, canon] of Object.entries(C_SPELLINGS)) {
    assert.ok(alias.startsWith('-') && canon.startsWith('-'), alias);
    if (NANOBRAGG_FLAGS.includes(canon)) assert.not.throws(() => parseSimArgs(alias.includes('xtal') ? [alias] : [alias, ...(['-nopolar', '-nopolarization'].includes(alias) ? [] : ['1'])]), alias);
  }
});

test('every C spelling names one of our options: implemented (then it parses as that) or refused by name', () => {
  for (const [w, canon] of Object.entries(C_SPELLINGS)) {
    if (NOT_IMPLEMENTED_FLAGS.includes(canon)) {
      assert.throws(() => parseSimArgs([w, '1']), (e: unknown) => e instanceof ArgError && (e.message === `option '${canon}' is not implemented yet` || e.message === `option '${w}' is not implemented yet`), w);
    } else {
      assert.ok(NANOBRAGG_FLAGS.includes(canon), `${w} -> ${canon}: neither implemented nor refused`);
    }
  }
});

test('words C ignores: accepted with one warning, their value skipped, nothing else changes', () => {
  const base = '-default_F 10 -distance 100';
  const a = p(`${base} -hdiv 0.28 -vdiv 0.28 -dispstep 3 -noise -polarization 0.5`);
  assert.equal(strip(a), strip(p(base)));
  assert.is(a.warnings.length, 5);
  for (const w of a.warnings) assert.match(w, /is ignored: nanoBragg ignores it too/);
  assert.equal(strip(p(`${base} -phi0 -5`)), strip(p(base)), 'negative value skipped');
  for (const w of Object.keys(C_IGNORED)) assert.not.ok(NANOBRAGG_FLAGS.includes(w), w);
});

test('unknown words stay errors with a suggestion', () => {
  assert.throws(() => p('-lambdaa 1'), /unknown option '-lambdaa' \(did you mean '-lambda'\?\)/);
  assert.throws(() => p('-noisefiles x'), /did you mean '-noisefile'\?/);
});

test('-nonoise / -noisefile order as in C (N-19)', () => {
  assert.is(p('-nonoise -noisefile n.img').nonoise, false);
  const a = p('-noisefile n.img -nonoise');
  assert.is(a.nonoise, true);
  assert.match(a.warnings.join('\n'), /not written because '-nonoise' comes after it/);
  assert.throws(() => p('-noisefile x.img -intfile x.img'), /x\.img/);
});

test.run();
