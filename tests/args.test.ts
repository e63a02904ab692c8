// nanoBragg command-line parsing: C semantics (docs/c-behaviour/minimal-loop.md §1.1, §1.3, §3.1, §4.1, §5.1, §5.8, §5.10,
// T-4, T-8, T-18, T-23) and one-line refusals for everything else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import {
  ArgError,
  NANOBRAGG_FLAGS,
  NOT_IMPLEMENTED_FLAGS,
  OWN_FLAGS,
  checkImageSize,
  defaultSimArgs,
  detectorPixelCounts,
  parseSimArgs,
  suggestFlag,
  usage,
  type SimArgs,
} from '../src/simulator/args.ts';

/** C: RTD = 180.0*M_1_PI, M_1_PI written out as glibc's literal. */
const RTD = 180.0 * 0.318309886183790671537767526745028724;

const parse = (cmd: string): SimArgs => parseSimArgs(cmd.split(/\s+/).filter(Boolean));

/** Asserts that parsing throws an ArgError whose one-line message matches `re`. */
function refuses(argv: string | string[], re: RegExp, flag?: string): ArgError {
  const list = typeof argv === 'string' ? argv.split(/\s+/).filter(Boolean) : argv;
  try {
    parseSimArgs(list);
  } catch (e) {
    assert.instance(e, ArgError, `${list.join(' ')}: not an ArgError`);
    const err = e as ArgError;
    assert.ok(re.test(err.message), `${list.join(' ')}: message '${err.message}' does not match ${re}`);
    assert.not.ok(err.message.includes('\n'), 'message must be one line');
    if (flag !== undefined) assert.is(err.flag, flag);
    return err;
  }
  assert.unreachable(`${list.join(' ')}: accepted, expected ${re}`);
  throw new Error('unreachable');
}

// ------------------------------------------------------------------------------------------------
// Golden cases

interface GoldenCase {
  name: string;
  argv: string[];
}
const golden: GoldenCase[] = JSON.parse(readFileSync(new URL('../../shared/golden/index.json', import.meta.url), 'utf8'));

test('golden index is there and every case has a C argv', () => {
  assert.ok(golden.length >= 13);
  for (const c of golden) assert.is(c.argv[0], 'nanoBragg', c.name);
});

test('every golden argv parses, with C unit conversions', () => {
  for (const c of golden) {
    const argv = c.argv.slice(1);
    const val = (flag: string) => argv[argv.indexOf(flag) + 1];
    const a = parseSimArgs(argv);
    const n = Number(val('-N'));
    assert.equal(a.cell, [100, 100, 100, 90, 90, 90], c.name);
    assert.is(a.lambda_m, 1 / 1.0e10, c.name);
    assert.is(a.pixel_m, 0.1 / 1000.0, c.name);
    assert.is(a.distance_m, Number(val('-distance')) / 1000.0, c.name);
    assert.is(a.detpixels_f, Number(val('-detpixels')), c.name);
    assert.is(a.detpixels_s, Number(val('-detpixels')), c.name);
    assert.equal([a.Na, a.Nb, a.Nc], [n, n, n], c.name);
    assert.is(a.defaultF, Number(val('-default_F')), c.name);
    assert.is(a.interpolate, argv.includes('-interpolate') ? 1 : 0, c.name);
    assert.is(a.oversample, Number(val('-oversample')), c.name);
    assert.is(a.oversampleThick, argv.includes('-oversample_thick'), c.name);
    assert.is(a.hklPath, argv.includes('-hkl') ? val('-hkl') : undefined, c.name);
    if (argv.includes('-detector_abs')) {
      assert.is(a.detectorMu, 1.0 / (500 * 1e-6), c.name);
      assert.is(a.detectorThick_m, 100 * 1e-6, c.name);
      assert.is(a.thicksteps, 5, c.name);
    } else {
      assert.is(a.detectorMu, -1, c.name);
      assert.is(a.detectorThick_m, 0, c.name);
      assert.is(a.thicksteps, -1, c.name);
    }
    assert.is(a.floatfile, 'case.bin', c.name);
    assert.is(a.nopgm, true, c.name);
    assert.is(a.noprogress, true, c.name);
    assert.is(a.seed, 1, c.name);
    assert.equal(a.warnings, [], c.name);
    assert.equal(detectorPixelCounts(a), { fpixels: a.detpixels_f, spixels: a.detpixels_s }, c.name);
  }
});

test('tricubic_on_256 exactly', () => {
  const c = golden.find((g) => g.name === 'tricubic_on_256')!;
  const a = parseSimArgs(c.argv.slice(1));
  assert.equal(a, {
    ...defaultSimArgs(),
    hklPath: 'smooth_grid_12.hkl',
    defaultF: 0,
    cell: [100, 100, 100, 90, 90, 90],
    Na: 2,
    Nb: 2,
    Nc: 2,
    lambda_m: 1 / 1.0e10,
    distance_m: 150 / 1000,
    pixel_m: 0.1 / 1000.0,
    detpixels_f: 256,
    detpixels_s: 256,
    interpolate: 1,
    oversample: 1,
    floatfile: 'case.bin',
    nopgm: true,
    noprogress: true,
    seed: 1,
  });
});

test('abs_256 absorption values', () => {
  const a = parseSimArgs(golden.find((g) => g.name === 'abs_256')!.argv.slice(1));
  assert.is(a.detectorMu, 1.0 / (500 * 1e-6));
  assert.is(a.detectorThick_m, 100 * 1e-6);
  assert.is(a.thicksteps, 5);
  assert.is(a.interpolate, 0);
  assert.equal([a.Na, a.Nb, a.Nc, a.defaultF], [5, 5, 5, 100]);
  assert.is(a.hklPath, undefined);
});

test('tricubic_oor_midimage_256 beam centre', () => {
  const a = parseSimArgs(golden.find((g) => g.name === 'tricubic_oor_midimage_256')!.argv.slice(1));
  assert.is(a.Xbeam_m, 2.0 / 1000.0);
  assert.is(a.Ybeam_m, 12.8 / 1000.0);
  assert.is(a.defaultF, 10);
});

// ------------------------------------------------------------------------------------------------
// Defaults and C semantics

test('defaults are the C defaults (physics 1.3) with our sentinels', () => {
  const a = parseSimArgs([]);
  assert.equal(a, defaultSimArgs());
  assert.is(a.defaultF, 0);
  assert.equal([a.Na, a.Nb, a.Nc], [1, 1, 1]);
  assert.is(a.pixel_m, 0.1e-3);
  assert.is(a.oversample, -1);
  assert.is(a.interpolate, 2);
  assert.equal([a.detectorThick_m, a.detectorMu, a.thicksteps], [0, -1, -1]);
  assert.is(a.polarization, 0);
  assert.is(a.nopolar, false);
  assert.is(a.shape, 'square');
  assert.is(a.fudge, 1);
  assert.equal([a.phi_rad, a.osc_rad, a.phistep_rad, a.phisteps], [0, -1, -1, -1]);
  assert.equal([a.scale, a.adc], [0, 40]);
  assert.equal([a.backend, a.dtype, a.debug, a.help], ['auto', 'f32', false, false]);
  for (const k of ['lambda_m', 'distance_m', 'cell', 'hklPath', 'floatfile', 'intfile', 'pgmfile', 'pngfile', 'roi', 'seed', 'threads'] as const) {
    assert.is(a[k], undefined, k);
  }
  assert.equal(detectorPixelCounts(a), { fpixels: 1024, spixels: 1024 });
});

test('unit conversions in C form (physics 1.1)', () => {
  // values chosen where the arithmetic form matters: 0.7/1e10 !== 0.7*1e-10, and
  // (12398.42/12000)/1e10 !== 12398.42/(12000*1e10)
  assert.is(parse('-lambda 0.7').lambda_m, 0.7 / 1.0e10);
  assert.is(parse('-lambda 0.7').lambda_m, 6.999999999999999e-11);
  assert.is(parse('-wave 0.979').lambda_m, 0.979 / 1.0e10);
  assert.is(parse('-energy 8000').lambda_m, 12398.42 / 8000 / 1e10);
  assert.is(parse('-energy 12000').lambda_m, 12398.42 / 12000 / 1e10);
  assert.is(parse('-energy 12398.42').lambda_m, 1e-10);
  assert.is(parse('-distance 123.4').distance_m, 123.4 / 1000.0);
  assert.is(parse('-close_distance 77.7').closeDistance_m, 77.7 / 1000.0);
  assert.is(parse('-pixel 0.172').pixel_m, 0.172 / 1000.0);
  const d = parse('-detsize 51.3');
  assert.equal([d.detsize_f_m, d.detsize_s_m], [51.3 / 1000.0, 51.3 / 1000.0]);
  assert.is(parse('-detsize_f 20.1').detsize_f_m, 20.1 / 1000.0);
  assert.is(parse('-detsize_s 30.7').detsize_s_m, 30.7 / 1000.0);
  const b = parse('-Xbeam 12.85 -Ybeam -3.3');
  assert.equal([b.Xbeam_m, b.Ybeam_m], [12.85 / 1000.0, -3.3 / 1000.0]);
  assert.is(parse('-detector_thick 450').detectorThick_m, 450 * 1e-6);
  assert.is(parse('-detector_abs 320').detectorMu, 1.0 / (320 * 1e-6));
  assert.is(parse('-detector_abs 320').detectorMu, 3125.0000000000005); // physics 1.1 note
  // degrees / RTD, not * (π/180): they differ for these values
  const p = parse('-phi -13 -osc 12 -phistep 1.5 -phisteps 3');
  assert.is(p.phi_rad, -13 / RTD);
  assert.is(p.osc_rad, 12 / RTD);
  assert.not.equal(p.osc_rad, 12 * (Math.PI / 180));
  assert.is(p.phistep_rad, 1.5 / RTD);
  assert.is(p.phisteps, 3);
  assert.equal(parse('-cell 70 80 90 75 85 95').cell, [70, 80, 90, 75, 85, 95]);
  assert.is(parse('-default_F 12.5').defaultF, 12.5);
  assert.equal([parse('-scale 2.5').scale, parse('-adc -5').adc], [2.5, -5]);
  assert.is(parse('-polar 0.95').polarization, 0.95);
  assert.is(parse('-fudge 0.5').fudge, 0.5);
});

test('last of -lambda / -wave / -energy wins', () => {
  assert.is(parse('-lambda 2 -energy 8000').lambda_m, 12398.42 / 8000 / 1e10);
  assert.is(parse('-energy 8000 -lambda 2').lambda_m, 2 / 1.0e10);
  assert.is(parse('-lambda 2 -wave 3').lambda_m, 3 / 1.0e10);
});

test('-N sets all three; -Na/-Nb/-Nc and -N overwrite each other in order; raw values kept (T-4)', () => {
  assert.equal(pickN(parse('-N 3')), [3, 3, 3]);
  assert.equal(pickN(parse('-N 3 -Nb 7')), [3, 7, 3]);
  assert.equal(pickN(parse('-Nb 7 -N 3')), [3, 3, 3]);
  assert.equal(pickN(parse('-Na 4 -Nb 5 -Nc 6')), [4, 5, 6]);
  assert.equal(pickN(parse('-N 0')), [0, 0, 0]); // not clamped: auto-interpolation sees 0
  assert.equal(pickN(parse('-N 2.0')), [2, 2, 2]);
  assert.equal(pickN(parse('-N 1e1')), [10, 10, 10]);
});
const pickN = (a: SimArgs) => [a.Na, a.Nb, a.Nc];

test('-detpixels sets both counts; _f/_s (and C aliases _x/_y) set one', () => {
  const a = parse('-detpixels 300');
  assert.equal([a.detpixels_f, a.detpixels_s], [300, 300]);
  const b = parse('-detpixels 300 -detpixels_f 200 -detpixels_y 100');
  assert.equal([b.detpixels_f, b.detpixels_s], [200, 100]);
  assert.equal(detectorPixelCounts(b), { fpixels: 200, spixels: 100 });
  assert.is(parse('-detpixels_x 64').detpixels_f, 64);
});

test('detector pixel counts follow C: ceil(detsize/pixel - 0.5) (physics 5.1)', () => {
  assert.equal(detectorPixelCounts(parse('-detsize 25.6')), { fpixels: 256, spixels: 256 });
  assert.equal(detectorPixelCounts(parse('-detsize 100 -pixel 0.172')), { fpixels: Math.ceil(0.1 / 0.000172 - 0.5), spixels: 581 });
  assert.equal(detectorPixelCounts(parse('-detsize_f 10 -detsize_s 20')), { fpixels: 100, spixels: 200 });
  // pixel counts win over detsize, in any order
  assert.equal(detectorPixelCounts(parse('-detpixels 64 -detsize 100')), { fpixels: 64, spixels: 64 });
  assert.equal(detectorPixelCounts(parse('-detpixels_f 64 -detsize 10')), { fpixels: 64, spixels: 100 });
});

test('-interpolate / -nointerpolate: last wins (physics 3.1)', () => {
  assert.is(parse('-interpolate').interpolate, 1);
  assert.is(parse('-nointerpolate').interpolate, 0);
  assert.is(parse('-interpolate -nointerpolate').interpolate, 0);
  assert.is(parse('-nointerpolate -interpolate').interpolate, 1);
});

test('T-8: -detector_abs inf|0 zeroes the thickness at that point', () => {
  let a = parse('-detector_abs inf -detector_thick 100');
  assert.equal([a.detectorThick_m, a.detectorMu], [100 * 1e-6, 0]);
  assert.is(a.warnings.length, 1);
  assert.match(a.warnings[0], /all zeros/);
  a = parse('-detector_thick 100 -detector_abs inf');
  assert.equal([a.detectorThick_m, a.detectorMu], [0, 0]);
  assert.equal(a.warnings, []);
  a = parse('-detector_abs 0 -detector_thick 450');
  assert.equal([a.detectorThick_m, a.detectorMu], [450 * 1e-6, 0]);
  assert.is(a.warnings.length, 1);
  a = parse('-detector_thick 450 -detector_abs 0');
  assert.equal([a.detectorThick_m, a.detectorMu], [0, 0]);
  // a finite depth leaves the thickness alone, in either order
  a = parse('-detector_abs 500 -detector_thick 450 -thicksteps 5');
  assert.equal([a.detectorThick_m, a.detectorMu, a.thicksteps], [450 * 1e-6, 1.0 / (500 * 1e-6), 5]);
  a = parse('-detector_thick 450 -detector_abs 500');
  assert.equal([a.detectorThick_m, a.detectorMu], [450 * 1e-6, 1.0 / (500 * 1e-6)]);
  // a finite depth after inf sets mu again
  a = parse('-detector_abs inf -detector_abs 500');
  assert.is(a.detectorMu, 1.0 / (500 * 1e-6));
  for (const spelling of ['inf', 'infinity', 'Inf', 'INF', '+inf']) {
    assert.equal([parse(`-detector_thick 100 -detector_abs ${spelling}`).detectorMu], [0], spelling);
  }
  assert.is(parse('-detector_absorb 250').detectorMu, 1.0 / (250 * 1e-6));
});

test('-thicksteps: C alias, 0 accepted (C: <= 0 means auto)', () => {
  assert.is(parse('-thicksteps 3').thicksteps, 3);
  assert.is(parse('-detector_thicksteps 0').thicksteps, 0);
});

test('-oversample_thick without thickness warns (T-10), with thickness does not', () => {
  assert.is(parse('-oversample_thick').warnings.length, 1);
  assert.equal(parse('-oversample_thick -detector_thick 100').warnings, []);
  const a = parse('-oversample_thick -oversample_polar -oversample_omega -detector_thick 100');
  assert.equal([a.oversampleThick, a.oversamplePolar, a.oversampleOmega], [true, true, true]);
});

test('-polar re-enables polarization after -nopolar (C sets nopolar = 0)', () => {
  assert.is(parse('-nopolar').nopolar, true);
  let a = parse('-nopolar -polar 0.5');
  assert.equal([a.nopolar, a.polarization], [false, 0.5]);
  a = parse('-polar 0.5 -nopolar');
  assert.equal([a.nopolar, a.polarization], [true, 0.5]);
});

test('-pgmfile / -nopgm: last wins (C write_pgm), with a warning when the file is dropped', () => {
  let a = parse('-pgmfile x.pgm');
  assert.equal([a.pgmfile, a.nopgm, a.warnings], ['x.pgm', false, []]);
  a = parse('-nopgm -pgmfile x.pgm');
  assert.equal([a.pgmfile, a.nopgm, a.warnings], ['x.pgm', false, []]);
  a = parse('-pgmfile x.pgm -nopgm');
  assert.equal([a.pgmfile, a.nopgm], ['x.pgm', true]);
  assert.is(a.warnings.length, 1);
  assert.match(a.warnings[0], /x\.pgm/);
  assert.is(parse('-pgmimage y.pgm').pgmfile, 'y.pgm');
});

test('outputs only when asked; C aliases; last path wins', () => {
  const a = parse('-floatfile a.bin -intfile b.img -floatfile c.bin');
  assert.equal([a.floatfile, a.intfile, a.pgmfile], ['c.bin', 'b.img', undefined]);
  assert.equal([parse('-floatimage f.bin').floatfile, parse('-intimage i.img').intfile], ['f.bin', 'i.img']);
  assert.is(parse('-hkl a.hkl -hkl b.hkl').hklPath, 'b.hkl');
  assert.is(parse('-floatfile ./-odd.bin').floatfile, './-odd.bin');
});

test('switches: shapes, pixels, noise, progress', () => {
  assert.is(parse('-round_xtal').shape, 'round');
  assert.is(parse('-gauss_xtal').shape, 'gauss');
  assert.is(parse('-tophat_spots').shape, 'tophat');
  assert.is(parse('-binary_spots').shape, 'tophat');
  assert.is(parse('-round_xtal -square_xtal').shape, 'square');
  assert.is(parse('-point_pixel').pointPixel, true);
  assert.is(parse('-nonoise').nonoise, true);
  assert.is(parse('-noprogress').noprogress, true);
  assert.is(parse('-noprogress -progress').noprogress, false);
  // -printout_pixel also turns -printout on (C: substring "-printout"); a negative fast index traces every pixel
  assert.equal([parse('-printout_pixel 3 4').printout, parse('-printout_pixel 3 4').printoutPixel], [true, { f: 3, s: 4 }]);
  assert.equal([parse('-printout_pixel -1 0').printout, parse('-printout_pixel -1 0').printoutPixel], [true, undefined]);
  assert.is(parse('-printout').printout, true);
  assert.is(parse('-seed -5').seed, -5);
});

test('-roi: four inclusive indices, fast then slow (T-23)', () => {
  assert.equal(parse('-detpixels 256 -roi 10 20 30 40').roi, { xmin: 10, xmax: 20, ymin: 30, ymax: 40 });
  assert.equal(parse('-roi 5 5 7 7').roi, { xmin: 5, xmax: 5, ymin: 7, ymax: 7 });
  // beyond the edge is clipped by the pixel loop, as in C
  assert.equal(parse('-detpixels 64 -roi 0 100 0 100').roi, { xmin: 0, xmax: 100, ymin: 0, ymax: 100 });
});

test('our options', () => {
  for (const b of ['auto', 'wasm', 'wasm-scalar', 'wasm-threads', 'webgpu']) assert.is(parse(`--backend ${b}`).backend, b);
  assert.is(parse('--backend=webgpu').backend, 'webgpu');
  assert.is(parse('--dtype f64').dtype, 'f64');
  assert.is(parse('--threads 4').threads, 4);
  assert.is(parse('--pngfile p.png').pngfile, 'p.png');
  assert.is(parse('--debug').debug, true);
});

test('--help (or -h, -help) short-circuits all other checking', () => {
  for (const h of ['--help', '-h', '-help']) {
    const a = parseSimArgs(['-mosaic', '1', '-foo', h]);
    assert.is(a.help, true, h);
  }
});

// ------------------------------------------------------------------------------------------------
// Refusals: one line each, naming the option and the problem

test('unknown options: suggestion by edit distance or C substring match, or a pointer to --help', () => {
  refuses('-distanse 100', /^unknown option '-distanse' \(did you mean '-distance'\?\)$/, '-distanse');
  refuses('-fudg 2', /^unknown option '-fudg' \(did you mean '-fudge'\?\)$/);
  refuses('--distance 100', /did you mean '-distance'\?/);
  refuses('-backend wasm', /did you mean '--backend'\?/);
  refuses('-n 5', /did you mean '-N'\?/);
  refuses('-oversampel 2', /did you mean '-oversample'\?/);
  refuses('-lambdaa 1', /did you mean '-lambda'\?/);
  refuses('-rotx 5', /did you mean '-detector_rotx'\?/);
  refuses('-zzzzzz', /^unknown option '-zzzzzz' \(see --help for the options\)$/);
  assert.is(suggestFlag('-nointerp'), '-nointerpolate');
});

test('C substring matching is not copied (T-18): only exact names', () => {
  refuses('-phis 3', /unknown option '-phis'/);
  refuses('-misset_seed_x 3', /unknown option/);
  refuses('-detpixelsX 10', /unknown option/);
});

test('not implemented: every known C option we lack is refused by name', () => {
  for (const f of NOT_IMPLEMENTED_FLAGS) {
    refuses([f, '1', '2', '3'], new RegExp(`^option '${f}' is not implemented yet$`), f);
  }
  for (const f of ['-trace_pixel', '-dump_pixel']) {
    assert.ok(NOT_IMPLEMENTED_FLAGS.includes(f), f);
  }
});

test('-sourcefile and -stol/-4stol/-Q take a file; the last of -stol/-4stol/-Q wins (one C variable)', () => {
  const a = parseSimArgs(['-sourcefile', 's.txt', '-stol', 'a.txt', '-Q', 'b.txt']);
  assert.is(a.sourcePath, 's.txt');
  assert.is(a.stolPath, 'b.txt');
  assert.is(a.stolFlag, '-Q');
  refuses('-sourcefile', /^option '-sourcefile' needs a value \(path\)$/, '-sourcefile');
  refuses('-4stol', /^option '-4stol' needs a value \(path\)$/, '-4stol');
  refuses('-sourcefile s.txt -floatfile s.txt', /^options '-sourcefile' and '-floatfile' name the same file 's.txt': the output would overwrite the input$/);
});

test('missing values', () => {
  refuses('-distance', /^option '-distance' needs a value \(mm\)$/, '-distance');
  refuses('-distance -pixel 0.1', /^option '-distance' needs a value \(mm\)$/);
  refuses('-hkl', /^option '-hkl' needs a value \(path\)$/);
  refuses('-floatfile -nopgm', /^option '-floatfile' needs a value \(path\)$/);
  refuses('-cell 100 100 100 90 90', /^option '-cell' needs 6 values: a b c alpha beta gamma \(Å, then degrees\), got 5$/);
  refuses('-cell 100 100 100 90 90 -90', /-cell' value '-90' is out of range/);
  refuses('-roi 1 2 3', /^option '-roi' needs 4 values: xmin xmax ymin ymax .*got 3$/);
  refuses('--backend', /^option '--backend' needs a value/);
  refuses('--backend=', /^option '--backend' needs a value/);
  refuses(['-hkl', ''], /^option '-hkl' got an empty value$/);
});

test('non-numeric and non-finite values', () => {
  refuses('-distance abc', /^option '-distance' expects a number \(mm\), got 'abc'$/);
  refuses('-distance 12abc', /expects a number \(mm\), got '12abc'/); // C's atof would read 12
  refuses('-distance NaN', /expects a number/);
  refuses('-distance 0x10', /expects a number/);
  refuses(['-distance', ' 100'], /expects a number/);
  refuses('-distance 1e999', /^option '-distance' expects a finite number \(mm\), got '1e999'$/);
  refuses('-distance inf', /expects a finite number/);
  refuses('-lambda -inf', /expects a finite number/);
  refuses('-N two', /^option '-N' expects a number/);
});

test('integer options refuse fractions (C atoi would truncate)', () => {
  for (const f of ['-N', '-Na', '-Nb', '-Nc', '-detpixels', '-detpixels_f', '-detpixels_s', '-oversample', '-thicksteps', '-detector_thicksteps', '-phisteps', '-seed', '--threads']) {
    refuses([f, '2.7'], new RegExp(`^option '${f}' expects an integer.*got '2\\.7' \\(nanoBragg's atoi would silently use 2\\)$`), f);
  }
  refuses('-roi 0 10.5 0 10', /^option '-roi' expects an integer/);
  refuses('-seed 99999999999', /32-bit integer/);
});

test('out of range values name the option, the value and the range', () => {
  const cases: [string, RegExp][] = [
    ['-pixel 0', /^option '-pixel' value '0' is out of range: must be > 0 \(mm\)$/],
    ['-pixel -0.1', /'-pixel' value '-0.1' is out of range: must be > 0/],
    ['-distance -100', /'-distance' value '-100' is out of range: must be > 0 \(mm\)/],
    ['-close_distance 0', /'-close_distance' value '0' is out of range/],
    ['-lambda 0', /'-lambda' value '0' is out of range: must be > 0 \(Å\)/],
    ['-energy -1', /'-energy' value '-1' is out of range: must be > 0 \(eV\)/],
    ['-detsize 0', /'-detsize' value '0' is out of range/],
    ['-detpixels 0', /'-detpixels' value '0' is out of range: must be 1\.\.65536/],
    ['-detpixels_s 70000', /'-detpixels_s' value '70000' is out of range: must be 1\.\.65536/],
    ['-N -1', /'-N' value '-1' is out of range: must be >= 0/],
    ['-Nc -2', /'-Nc' value '-2' is out of range/],
    ['-oversample 0', /'-oversample' value '0' is out of range: must be >= 1/],
    ['-oversample -1', /'-oversample' value '-1' is out of range: must be >= 1/],
    ['-thicksteps -1', /'-thicksteps' value '-1' is out of range: must be >= 0/],
    ['-detector_thick -5', /'-detector_thick' value '-5' is out of range: must be >= 0 \(µm\)/],
    ['-detector_abs -5', /'-detector_abs' value '-5' is out of range: must be >= 0/],
    ['-detector_abs -inf', /'-detector_abs' value '-inf' is out of range/],
    ['-cell 0 100 100 90 90 90', /'-cell' value '0' is out of range: must be > 0 \(Å\)/],
    ['-cell 100 100 100 90 180 90', /'-cell' value '180' is out of range: must be in \(0, 180\) \(degrees\)/],
    ['-cell 100 100 100 0 90 90', /'-cell' value '0' is out of range: must be in \(0, 180\)/],
    ['-cell 100 100 100 120 120 120', /^option '-cell' angles 120 120 120 do not form a cell/],
    ['-cell 100 100 100 10 10 170', /do not form a cell/],
    ['-fudge 0', /'-fudge' value '0' is out of range: must be > 0/],
    ['-polar 1.5', /'-polar' value '1\.5' is out of range: must be in \[-1, 1\]/],
    ['-polar -1.01', /'-polar' value '-1\.01' is out of range/],
    ['-osc -1', /'-osc' value '-1' is out of range: must be >= 0 \(degrees\)/],
    ['-phistep -0.1', /'-phistep' value '-0\.1' is out of range/],
    ['-phisteps -1', /'-phisteps' value '-1' is out of range: must be >= 0/],
    ['-scale -1', /'-scale' value '-1' is out of range: must be >= 0/],
    ['-roi -1 10 0 10', /'-roi' value '-1' is out of range: must be >= 0/],
    ['-roi 10 5 0 10', /^option '-roi' fast range 10\.\.5 is empty: xmin must be <= xmax$/],
    ['-roi 0 5 10 5', /^option '-roi' slow range 10\.\.5 is empty: ymin must be <= ymax$/],
    ['-detpixels 64 -roi 64 70 0 10', /^option '-roi' 64 70 0 10 lies outside the 64 x 64 detector/],
    ['--threads 0', /'--threads' value '0' is out of range: must be 1\.\.1024/],
    ['--backend cuda', /^option '--backend' value 'cuda' is not one of auto, webgpu, wasm-threads, wasm, wasm-scalar$/],
    ['--dtype f16', /^option '--dtype' value 'f16' is not one of f32, f64$/],
  ];
  for (const [cmd, re] of cases) refuses(cmd, re);
  // edge values that are allowed
  assert.is(parse('-polar -1').polarization, -1);
  assert.is(parse('-polar 1').polarization, 1);
  assert.is(parse('-osc 0').osc_rad, 0);
  assert.is(parse('-phisteps 0').phisteps, 0);
  assert.is(parse('-detector_thick 0').detectorThick_m, 0);
  assert.is(parse('-default_F -3').defaultF, -3);
  assert.is(parse('-scale 0').scale, 0);
});

test('detector size limits', () => {
  refuses('-detsize 0.01', /^option '-detsize': the detector has 0 x 0 pixels; it needs at least 1 x 1$/);
  refuses('-detpixels 40000', /^option '-detpixels': a 40000 x 40000 detector needs 6\.0 GiB for the float image; the limit is 2 GiB$/);
  refuses('-detsize 5000 -pixel 0.05', /^option '-detsize': a 100000 x 100000 detector exceeds 65536 pixels per side$/);
  assert.not.throws(() => checkImageSize(32768, 16384)); // exactly 2 GiB
  assert.throws(() => checkImageSize(32768, 16385), (e: unknown) => e instanceof ArgError && /2 GiB/.test(e.message));
  assert.throws(() => checkImageSize(65537, 1), (e: unknown) => e instanceof ArgError && /65536/.test(e.message));
});

test('stray words and -opt=value are refused', () => {
  refuses('foo', /^unexpected argument 'foo'/);
  refuses('-distance 100 200', /^unexpected argument '200'/);
  refuses('-5', /^unexpected argument '-5'/);
  refuses('-distance=100', /^option '-distance=100': write the value as the next argument \('-distance 100'\)$/, '-distance');
  refuses('--debug=1', /^option '--debug' takes no value$/);
});

test('negative numbers are values, not options', () => {
  const a = parse('-Xbeam -2 -Ybeam -.5 -phi -1e1 -adc -40');
  assert.equal([a.Xbeam_m, a.Ybeam_m, a.phi_rad, a.adc], [-2 / 1000.0, -0.5 / 1000.0, -10 / RTD, -40]);
});

// ------------------------------------------------------------------------------------------------
// Flag lists and help

const ISSUE_FLAGS =
  '-hkl -default_F -cell -N -Na -Nb -Nc -lambda -wave -energy -distance -close_distance -pixel -detpixels -detpixels_f -detpixels_s -detsize -detsize_f -detsize_s -Xbeam -Ybeam -oversample -oversample_thick -oversample_polar -oversample_omega -interpolate -nointerpolate -detector_abs -detector_thick -detector_thicksteps -thicksteps -polar -nopolar -point_pixel -square_xtal -round_xtal -gauss_xtal -tophat_spots -fudge -phi -osc -phistep -phisteps -floatfile -intfile -pgmfile -scale -adc -roi -nonoise -nopgm -noprogress -seed'.split(' ');

/** A valid value list for each option, by how many values it takes. */
function sampleArgv(flag: string): string[] {
  const special: Record<string, string[]> = {
    '-cell': ['100', '100', '100', '90', '90', '90'],
    '-roi': ['0', '1', '0', '1'],
    '-printout_pixel': ['0', '1'],
    '-misset': ['1', '2', '3'],
    '--backend': ['wasm'],
    '--dtype': ['f64'],
    '-polar': ['0.5'],
    '-pivot': ['sample'],
    ...Object.fromEntries(['-fdet_vector', '-sdet_vector', '-odet_vector', '-beam_vector', '-polar_vector', '-spindle_axis', '-twotheta_axis', '-pix0_vector', '-pix0_vector_mm'].map((f) => [f, ['0', '1', '0']])),
  };
  return [flag, ...(special[flag] ?? ['1'])];
}

test('every issue flag is implemented and parses', () => {
  for (const f of ISSUE_FLAGS) assert.ok(NANOBRAGG_FLAGS.includes(f), f);
  for (const f of ['--backend', '--dtype', '--threads', '--pngfile', '--debug', '--help']) assert.ok(OWN_FLAGS.includes(f), f);
  const switches = new Set(
    '-oversample_thick -oversample_polar -oversample_omega -interpolate -nointerpolate -nopolar -point_pixel -square_xtal -round_xtal -gauss_xtal -tophat_spots -binary_spots -nonoise -nopgm -noprogress -coherent -round_div -square_div -progress -printout -mosflm -xds -adxv -denzo -dials -curved_det --debug --long-run --help -help -h'.split(
      ' ',
    ),
  );
  for (const f of [...NANOBRAGG_FLAGS, ...OWN_FLAGS]) {
    const argv = switches.has(f) ? [f] : sampleArgv(f);
    assert.not.throws(() => parseSimArgs(argv), f);
    if (!switches.has(f)) refuses([f], /needs/);
  }
});

test('flag lists are disjoint and usage() lists every option with its default', () => {
  const implemented = new Set([...NANOBRAGG_FLAGS, ...OWN_FLAGS]);
  for (const f of NOT_IMPLEMENTED_FLAGS) assert.not.ok(implemented.has(f), f);
  assert.is(new Set(NANOBRAGG_FLAGS).size, NANOBRAGG_FLAGS.length);
  const text = usage();
  for (const f of [...NANOBRAGG_FLAGS, ...OWN_FLAGS, ...NOT_IMPLEMENTED_FLAGS]) {
    assert.ok(new RegExp(`(^|[\\s,(])${f.replace(/[-]/g, '\\-')}([\\s,)]|$)`, 'm').test(text), `usage lacks ${f}`);
  }
  assert.match(text, /-distance <mm>.*\[default: 100\]/);
  assert.match(text, /-adc <counts>.*\[default: 40\]/);
});

test('the parser is pure (no Node built-ins; imports only its own parts and the backend list, which imports nothing)', () => {
  const files = ['../src/simulator/args.ts', ...readdirSync(new URL('../src/simulator/options/', import.meta.url)).map((n) => `../src/simulator/options/${n}`)];
  assert.ok(files.length >= 5, files.join(' '));
  for (const f of files) {
    const src = readFileSync(new URL(f, import.meta.url), 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s.*from\s+'([^']+)'/gm)) {
      assert.ok(/^\.\/(options\/)?[\w-]+\.ts$/.test(m[1]) || /(^|\/)backends\/names\.ts$/.test(m[1]), `${f} imports ${m[1]}`);
    }
    assert.not.match(src, /\brequire\(|\bprocess\.|node:/, f);
  }
  assert.not.match(readFileSync(new URL('../src/backends/names.ts', import.meta.url), 'utf8'), /^\s*import\s/m);
});


test('repeated or competing value flags keep the last one (as C) and say so in one warning line (issue 19 item 13)', () => {
  const base = ['-cell', '100', '100', '100', '90', '90', '90'];
  const w = parseSimArgs([...base, '-lambda', '1', '-lambda', '2', '-energy', '9000', '-hkl', 'a', '-hkl', 'b']).warnings;
  assert.equal(w, [
    "warning: '-lambda 1' is overridden by the later '-lambda 2' (the last one wins, as in nanoBragg)",
    "warning: '-lambda 2' is overridden by the later '-energy 9000' (the last one wins, as in nanoBragg)",
    "warning: '-hkl a' is overridden by the later '-hkl b' (the last one wins, as in nanoBragg)",
  ]);
  assert.equal(parseSimArgs([...base, '-lambda', '1', '-lambda', '1', '-N', '5', '-Na', '2']).warnings, []);
});

test.run();
