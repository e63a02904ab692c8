import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHkl, readHklFile, hklValue, HklError, DEFAULT_HKL_MAX_BYTES, type HklGrid } from '../src/hkl.ts';
import { assertSameBits } from './helpers/arrays.ts';

const GOLDEN = '/work/shared/golden';
const SAMPLES = `${GOLDEN}/hkl_samples`;

/** Every data line of a plain "h k l F" file as numbers, F through Number() (correctly rounded, as strtod). */
function plainReflections(path: string): [number, number, number, number][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => l.trim().split(/\s+/).slice(0, 4).map(Number) as [number, number, number, number]);
}

function rejects(text: string, pattern: RegExp, opts = {}): HklError {
  try {
    parseHkl(text, opts);
  } catch (e) {
    assert.instance(e, HklError);
    const msg = (e as Error).message;
    assert.ok(pattern.test(msg), `message ${JSON.stringify(msg)} does not match ${pattern}`);
    assert.not.match(msg, /\n/, 'one-line message');
    return e as HklError;
  }
  assert.unreachable(`accepted ${JSON.stringify(text.slice(0, 60))}`);
  throw new Error('unreachable');
}

function sameGrid(a: HklGrid, b: HklGrid): void {
  const strip = ({ data, ...rest }: HklGrid) => rest;
  assert.equal(strip(a), strip(b));
  assertSameBits(a.data, b.data, 'grid data');
}

// ---------------------------------------------------------------- golden HKL files (the reference runs' inputs)

test('smooth_grid_12.hkl: -12..12 on every axis, 15625 reflections, every F exactly as strtod reads it', async () => {
  const path = `${GOLDEN}/smooth_grid_12.hkl`;
  const { grid, warnings } = await readHklFile(path);
  assert.equal([grid.hMin, grid.hMax, grid.kMin, grid.kMax, grid.lMin, grid.lMax], [-12, 12, -12, 12, -12, 12]);
  assert.equal([grid.hRange, grid.kRange, grid.lRange], [25, 25, 25]);
  assert.is(grid.count, 15625);
  assert.is(grid.data.length, 25 ** 3);
  assert.equal(warnings, []);
  assert.is(hklValue(grid, -12, -12, -12), 68.437692);
  assert.is(hklValue(grid, -12, -12, -11), 65.685576);
  for (const [h, k, l, f] of plainReflections(path)) {
    if (hklValue(grid, h, k, l) !== f) assert.unreachable(`F(${h},${k},${l}) = ${hklValue(grid, h, k, l)}, file says ${f}`);
  }
  // layout: data[((h-hMin)*kRange + (k-kMin))*lRange + (l-lMin)], l fastest
  assert.is(grid.data[0], 68.437692);
  assert.is(grid.data[1], 65.685576);
});

test('str002_grid5.hkl: -2..2, 125 reflections', async () => {
  const path = `${GOLDEN}/str002_grid5.hkl`;
  const { grid } = await readHklFile(path);
  assert.equal([grid.hMin, grid.hMax, grid.kMin, grid.kMax, grid.lMin, grid.lMax], [-2, 2, -2, 2, -2, 2]);
  assert.is(grid.count, 125);
  assert.is(hklValue(grid, -2, -2, -2), 66.0);
  assert.is(hklValue(grid, -2, -2, 0), 70.0);
  for (const [h, k, l, f] of plainReflections(path)) assert.is(hklValue(grid, h, k, l), f);
});

test('P1.stripped.hkl: -5..5, 1331 reflections of F=100; P1.orig.hkl (with # header) gives the same grid', async () => {
  const stripped = await readHklFile(`${GOLDEN}/tricubic_P1_uniform_256/P1.stripped.hkl`);
  assert.equal([stripped.grid.hMin, stripped.grid.hMax, stripped.grid.lMin, stripped.grid.lMax], [-5, 5, -5, 5]);
  assert.is(stripped.grid.count, 1331);
  assert.ok(stripped.grid.data.every((v) => v === 100));
  const orig = await readHklFile(`${SAMPLES}/P1.orig.hkl`);
  sameGrid(orig.grid, stripped.grid);
  assert.equal(orig.warnings, []);
});

// ---------------------------------------------------------------- hkl_samples (commented files, extra columns)

test('minimal.orig.hkl: # header, 8 reflections of the 0..1 cube', async () => {
  const { grid, warnings } = await readHklFile(`${SAMPLES}/minimal.orig.hkl`);
  assert.equal([grid.hMin, grid.hMax, grid.kMin, grid.kMax, grid.lMin, grid.lMax], [0, 1, 0, 1, 0, 1]);
  assert.is(grid.count, 8);
  assert.equal(warnings, []);
  const expected: [number, number, number, number][] = [
    [0, 0, 0, 100], [1, 0, 0, 50], [0, 1, 0, 60], [0, 0, 1, 70], [1, 1, 0, 40], [1, 0, 1, 35], [0, 1, 1, 38], [1, 1, 1, 25],
  ];
  for (const [h, k, l, f] of expected) assert.is(hklValue(grid, h, k, l), f);
});

test('with_phase (h k l F phase) and with_sigma (h k l F sigma phase) give the grid of minimal, with a warning', async () => {
  const minimal = (await readHklFile(`${SAMPLES}/minimal.orig.hkl`)).grid;
  for (const name of ['with_phase', 'with_sigma']) {
    const { grid, warnings } = await readHklFile(`${SAMPLES}/${name}.orig.hkl`);
    sameGrid(grid, minimal);
    assert.is(warnings.length, 1);
    assert.match(warnings[0], /8 lines have more than 4 numbers \(first at line 3\)/);
    assert.match(warnings[0], /ignored/);
  }
});

test('negative_indices.orig.hkl: -1..1, unset cells hold defaultF', async () => {
  const { grid } = await readHklFile(`${SAMPLES}/negative_indices.orig.hkl`, { defaultF: 7 });
  assert.equal([grid.hMin, grid.hMax, grid.kMin, grid.kMax, grid.lMin, grid.lMax], [-1, 1, -1, 1, -1, 1]);
  assert.is(grid.count, 11);
  assert.is(hklValue(grid, -1, 0, 0), 50);
  assert.is(hklValue(grid, 0, -1, 0), 60);
  assert.is(hklValue(grid, 0, 0, -1), 70);
  assert.is(hklValue(grid, -1, -1, 0), 40);
  assert.is(hklValue(grid, -1, 1, 0), 45);
  assert.is(hklValue(grid, 1, 1, 1), 7, 'no reflection: defaultF');
  assert.is(hklValue(grid, -1, -1, -1), 7);
  assert.is(grid.data.filter((v) => v === 7).length, 27 - 11);
});

test('sparse.orig.hkl: missing reflections are defaultF (0 by default)', async () => {
  const { grid } = await readHklFile(`${SAMPLES}/sparse.orig.hkl`);
  assert.equal([grid.hMin, grid.hMax, grid.kMin, grid.kMax, grid.lMin, grid.lMax], [-1, 2, -1, 2, 0, 0]);
  assert.is(hklValue(grid, 1, 0, 0), 0);
  assert.is(hklValue(grid, 0, 1, 0), 0);
  assert.is(hklValue(grid, 2, 2, 0), 30);
  assert.is(hklValue(grid, -1, -1, 0), 42);
  assert.is(grid.defaultF, 0);
});

test('test_pattern.orig.hkl: UTF-8 in a comment, no final newline', async () => {
  const { grid } = await readHklFile(`${SAMPLES}/test_pattern.orig.hkl`);
  assert.is(grid.count, 6);
  assert.is(hklValue(grid, 1, 1, 0), 12.5);
  assert.is(hklValue(grid, 0, 2, 0), 150.0);
});

// ---------------------------------------------------------------- what C accepts, accepted identically

test('whitespace: tabs, runs of spaces, CRLF, lone CR, form feeds, blank lines, BOM; + signs; exponents', () => {
  const text = '\uFEFF  +1\t-2   3  4.5e1 \r\n\r\n\t\n0 0 0 +1.25E+2\r1 1 1 .5\f\n-1 0 0 5.\n0 0 1 -3e-1\n';
  const { grid, warnings } = parseHkl(text);
  assert.equal(warnings, []);
  assert.is(grid.count, 5);
  assert.is(hklValue(grid, 1, -2, 3), 45);
  assert.is(hklValue(grid, 0, 0, 0), 125);
  assert.is(hklValue(grid, 1, 1, 1), 0.5);
  assert.is(hklValue(grid, -1, 0, 0), 5);
  assert.is(hklValue(grid, 0, 0, 1), -0.3);
});

test('bytes and string input give the same grid', () => {
  const text = readFileSync(`${GOLDEN}/str002_grid5.hkl`, 'utf8');
  sameGrid(parseHkl(text).grid, parseHkl(readFileSync(`${GOLDEN}/str002_grid5.hkl`)).grid);
});

test('long and extreme F values are read exactly as strtod (slow path)', () => {
  const fs = ['0.1234567890123456789', '12345678901234567890', '1e-300', '4.9e-324', '1.7976931348623157e308', '-0', '123.456e-30'];
  const text = fs.map((f, i) => `${i} 0 0 ${f}`).join('\n');
  const { grid } = parseHkl(text);
  fs.forEach((f, i) => assert.ok(Object.is(hklValue(grid, i, 0, 0), Number(f)), f));
});

test('# comments anywhere on a line; blank lines', () => {
  const { grid } = parseHkl('# header\n\n1 2 3 4 # trailing comment\n  # indented comment\n2 2 3 5#tight\n');
  assert.is(grid.count, 2);
  assert.is(hklValue(grid, 1, 2, 3), 4);
  assert.is(hklValue(grid, 2, 2, 3), 5);
});

test('duplicates: the last one wins, with a warning counting them', () => {
  const { grid, warnings } = parseHkl('1 0 0 10\n0 0 0 1\n1 0 0 20\n1 0 0 30\n0 0 0 2\n');
  assert.is(hklValue(grid, 1, 0, 0), 30);
  assert.is(hklValue(grid, 0, 0, 0), 2);
  assert.is(grid.count, 5, 'count includes duplicates, like C hkls');
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /^HKL input: 3 duplicate reflections; the last value in the file is used/);
  assert.match(warnings[0], /first duplicate: 1 0 0 at line 3/);
});

test('defaultF fills every cell without a reflection (0 stays 0)', () => {
  const text = '0 0 0 5\n2 1 1 6\n';
  const a = parseHkl(text, { defaultF: 3.5 }).grid;
  assert.is(a.defaultF, 3.5);
  assert.is(a.data.length, 3 * 2 * 2);
  assert.is(a.data.filter((v) => v === 3.5).length, 10);
  assert.is(hklValue(a, 2, 1, 1), 6);
  const b = parseHkl(text).grid;
  assert.is(b.data.filter((v) => v === 0).length, 10);
  assert.is(hklValue(b, 3, 0, 0), undefined, 'outside the grid');
});

test('indices written as integer-valued decimals are read, with a warning about C', () => {
  const { grid, warnings } = parseHkl('1.0 0.0 -2.000000e+00 50\n0 0 0 1\n');
  assert.is(hklValue(grid, 1, 0, -2), 50);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /3 Miller indices are written as decimals \(first at line 1: "1\.0"\)/);
  assert.match(warnings[0], /C nanoBragg silently stores no F values/);
});

// ---------------------------------------------------------------- rejections

test('rejects input with no reflections', () => {
  rejects('', /^HKL input: no reflections found/);
  rejects('# only a comment\n\n   \n', /^HKL input: no reflections found/);
  const e = rejects('# x\n', /^f\.hkl: no reflections/, { source: 'f.hkl' });
  assert.is(e.source, 'f.hkl');
  assert.is(e.line, undefined);
});

test('rejects non-integer Miller indices, naming the line', () => {
  const e = rejects('0 0 0 1\n1.5 0 0 10\n', /^HKL input:2: Miller index h = 1\.5 is not an integer$/);
  assert.is(e.line, 2);
  rejects('0 0 0 1\r\n0 2.25 0 1\r\n', /^HKL input:2: Miller index k = 2\.25 is not an integer$/);
  rejects('0 0 1e-3 1', /:1: Miller index l = 1e-3 is not an integer$/);
});

test('rejects lines with fewer than 4 numbers (C would regroup them across lines)', () => {
  rejects('0 0 0 1\n1 0 0\n10\n', /^HKL input:2: expected 4 numbers "h k l F", found 3$/);
  rejects('# c\n1\n', /^HKL input:2: expected 4 numbers "h k l F", found 1$/);
  rejects('1 2 # 3 4\n', /^HKL input:1: expected 4 numbers "h k l F", found 2$/);
  rejects('0 0 0 1\r1 1\r', /^HKL input:2: expected 4 numbers/, {}); // lone CR ends a line
});

test('rejects non-numeric tokens', () => {
  rejects('0 0 0 abc\n', /^HKL input:1: "abc" is not a number \(expected "h k l F" on each line\)$/);
  rejects('h k l F\n0 0 0 1\n', /^HKL input:1: "h" is not a number/);
  rejects('0 0 0 1\n0 0 1 1 phase=3\n', /^HKL input:2: "phase=3" is not a number/);
  rejects('0x10 0 0 1\n', /"0x10" is not a number/);
  rejects('0 0 0 1e\n', /"1e" is not a number/);
  rejects('0 0 0 1,5\n', /"1,5" is not a number/);
  rejects('0 0 0 --1\n', /"--1" is not a number/);
  rejects(`0 0 0 ${'9'.repeat(100)}x\n`, /"9{40}\.\.\." is not a number/);
});

test('rejects non-finite F', () => {
  for (const f of ['nan', 'NaN', '-nan', 'inf', '-inf', 'Infinity', '+INF']) {
    rejects(`0 0 0 1\n1 0 0 ${f}\n`, new RegExp(`^HKL input:2: F = ${f.replace('+', '\\+')} is not a finite number$`));
  }
  rejects('0 0 0 1e999\n', /^HKL input:1: F = 1e999 is not a finite number$/);
});

test('rejects indices outside the C int range', () => {
  rejects('3000000000 0 0 1\n', /^HKL input:1: Miller index h = 3000000000 is out of range/);
});

test('grid memory limit: checked before allocating, message gives dimensions, bytes and limit', () => {
  // 1001^3 cells = 8 GB: must fail fast with the message, not with an allocation error
  const e = rejects('-500 -500 -500 1\n500 500 500 1\n', /HKL grid h -500\.\.500, k -500\.\.500, l -500\.\.500 \(1001 x 1001 x 1001 = 1003003001 cells\) needs 8024024008 bytes \(7652\.3 MiB\) of float64, over the limit of 536870912 bytes \(512\.0 MiB\)$/);
  assert.is(e.line, undefined);
  assert.is(DEFAULT_HKL_MAX_BYTES, 512 * 1024 * 1024);
  rejects('0 0 0 1\n9 9 9 1\n', /\(10 x 10 x 10 = 1000 cells\) needs 8000 bytes .* over the limit of 7999 bytes/, { maxBytes: 7999 });
  assert.is(parseHkl('0 0 0 1\n9 9 9 1\n', { maxBytes: 8000 }).grid.data.length, 1000);
  rejects('-1000000000 0 0 1\n1000000000 0 0 1\n', /2000000001 x 1 x 1/);
});

// ---------------------------------------------------------------- files

test('readHklFile: missing file, directory and unreadable file give one-line HklErrors naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hkl-'));
  try {
    const missing = join(dir, 'nope.hkl');
    await readHklFile(missing).then(
      () => assert.unreachable('missing file accepted'),
      (e) => {
        assert.instance(e, HklError);
        assert.is(e.message, `${missing}: HKL file not found`);
      },
    );
    await readHklFile(dir).then(
      () => assert.unreachable('directory accepted'),
      (e) => assert.is(e.message, `${dir}: is a directory, not an HKL file`),
    );
    const bad = join(dir, 'bad.hkl');
    writeFileSync(bad, '0 0 0 1\n1 1 x 2\n');
    await readHklFile(bad).then(
      () => assert.unreachable('bad file accepted'),
      (e) => assert.is(e.message, `${bad}:2: "x" is not a number (expected "h k l F" on each line)`),
    );
    const locked = join(dir, 'locked.hkl');
    writeFileSync(locked, '0 0 0 1\n');
    chmodSync(locked, 0o000);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root) {
      await readHklFile(locked).then(
        () => assert.unreachable('unreadable file accepted'),
        (e) => assert.is(e.message, `${locked}: permission denied reading the HKL file`),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('speed: 10^6 reflections parse in well under the budget (about a second)', () => {
  const lines: string[] = [];
  for (let h = -50; h < 50; h++) for (let k = -50; k < 50; k++) for (let l = -50; l < 50; l++) lines.push(`${h} ${k} ${l} ${((h * 7 + k * 13 + l) % 997) + 0.123456}`);
  const bytes = new TextEncoder().encode(lines.join('\n'));
  const t0 = performance.now();
  const { grid } = parseHkl(bytes);
  const ms = performance.now() - t0;
  assert.is(grid.count, 1e6);
  assert.is(hklValue(grid, 49, 49, 49), ((49 * 7 + 49 * 13 + 49) % 997) + 0.123456);
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

test.run();
