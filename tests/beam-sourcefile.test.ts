// -sourcefile and -stol/-4stol/-Q (docs/c-behaviour/beam.md "Source file", "No-op options"): C's reader
// (src/io/columns.ts) on its corner cases, the source lists and images C made from two small files
// (tests/fixtures/beam/sourcefile: f64 bit-identical on wasm-scalar/wasm/wasm-threads, f32 within the golden
// tolerance), and the files this port refuses, each with one line and a non-zero exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTextColumns, cAtof } from '../src/io/columns.ts';
import { createEngine, prepareSimulation, type SimEngine, type Dtype, type EngineBackend } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { webgpuRefusal } from '../src/webgpu/refusals.ts';
import { EXIT } from '../src/errors.ts';
import { expectFailure, runMain, scratch } from './helpers/cli.ts';

const FIX = fileURLToPath(new URL('./fixtures/beam/sourcefile/', import.meta.url));
const tmp = scratch('beam-sourcefile');
const D = tmp.dir();
const enc = (s: string) => new TextEncoder().encode(s);
const rows = (s: string, n = 5) => {
  const c = readTextColumns(enc(s), n);
  return Array.from({ length: c.rows }, (_, r) => c.columns.map((col) => col[r]));
};

test('atof as glibc: prefixes, signs, inf/nan, hexadecimal, nothing -> 0', () => {
  assert.is(cAtof('  -3.5e2xyz'), -350);
  assert.is(cAtof('1e'), 1);
  assert.is(cAtof('.5'), 0.5);
  assert.is(cAtof('abc'), 0);
  assert.is(cAtof(''), 0);
  assert.is(cAtof('-inf'), -Infinity);
  assert.ok(Number.isNaN(cAtof('nan')));
  assert.is(cAtof('0x1.8p1'), 3);
  assert.is(cAtof('0x'), 0);
  assert.is(cAtof('1e999'), Infinity);
});

test('reader: delimiters, blank lines, extra columns, missing columns stay NaN', () => {
  const r = rows('\t ;-10:0.002!0.003 1 1.1e-10 99 98\n  ,, \n\n-10 0.01\n');
  assert.is(r.length, 2);
  assert.equal(r[0], [-10, 0.002, 0.003, 1, 1.1e-10]);
  assert.equal(r[1].slice(0, 2), [-10, 0.01]);
  assert.ok(r[1].slice(2).every(Number.isNaN));
});

test("reader: where C's scanner runs off the line, the missing columns are 0, not NaN", () => {
  // a short last line without a newline, a short CRLF line, a short line ending in a non-numeric word
  for (const s of ['-10 0.01', '-10 0.01\r\n', '-10 0.01 nan\n']) {
    const r = rows(s)[0];
    assert.is(r[0], -10, JSON.stringify(s));
    assert.equal(r.slice(3), [0, 0], JSON.stringify(s));
  }
  // the same lines complete are read in full
  assert.equal(rows('-10 0 0 5 0.9e-10\r\n')[0], [-10, 0, 0, 5, 0.9e-10]);
  // a '#' line is a row of zeros; a line of delimiters without a newline is a row too
  assert.equal(rows('# x\n')[0], [0, 0, 0, 0, 0]);
  assert.equal(rows('1 2 3 4 5\n  ')[1], [0, 0, 0, 0, 0]);
});

test('reader: fgets splits a line over 10239 bytes; a NUL ends the text', () => {
  const long = ' '.repeat(10239 - 3) + '1 2 3 4 5\n';
  const r = rows(long);
  assert.is(r.length, 2, 'two records');
  assert.equal(r[0].slice(0, 1), [1]);
  assert.equal(rows('7 8\u00009 9 9\n')[0].slice(0, 2), [7, 8]);
});

const cases = JSON.parse(readFileSync(FIX + 'cases.json', 'utf8')) as { name: string; argv: string; sha256: string; cSources: string[] }[];
const engines = new Map<string, SimEngine>();
async function engine(backend: EngineBackend, dtype: Dtype) {
  const k = backend + dtype;
  if (!engines.has(k)) engines.set(k, await createEngine({ backend, dtype, ...(backend === 'wasm-threads' ? { threads: 3 } : {}) }));
  return engines.get(k)!;
}
const argvOf = (c: { argv: string }) => c.argv.split(' ').map((t) => (t.endsWith('.txt') ? FIX + t : t));
for (const c of cases) {
  test(`${c.name}: the source list C printed`, async () => {
    const p = await prepareSimulation(argvOf(c));
    const i = p.sim.messages.findIndex((l) => /^  created a total of \d+ sources:/.test(l));
    assert.equal(p.sim.messages.slice(i, i + c.cSources.length), c.cSources);
  });
  const ref = new Float32Array(new Uint8Array(readFileSync(FIX + c.name + '.bin')).buffer);
  for (const [backend, dtype] of [['wasm-scalar', 'f64'], ['wasm', 'f64'], ['wasm-threads', 'f64'], ['wasm', 'f32'], ['wasm-threads', 'f32']] as const) {
    test(`${c.name}: ${backend} ${dtype} against C`, async () => {
      const r = await (await engine(backend, dtype)).simulate(await prepareSimulation(argvOf(c)));
      if (dtype === 'f64') {
        const h = createHash('sha256').update(new Uint8Array(r.image.buffer, r.image.byteOffset, r.image.byteLength)).digest('hex');
        assert.is(h, c.sha256, `not bit-identical: max|diff|/max=${compareImages(r.image, ref).maxRelDiff}`);
      } else {
        const m = compareImages(r.image, ref);
        assert.ok(m.maxRelDiff <= 5e-6 && Math.abs(m.sumRatio - 1) <= 1e-6, `max|diff|/max=${m.maxRelDiff} sum-1=${m.sumRatio - 1}`);
      }
    });
  }
}

test('divergence/dispersion flags with -sourcefile: ignored (as C), with a warning naming them', async () => {
  const p = await prepareSimulation([...argvOf(cases[1]), '-divergence', '1', '-dispersion', '2']);
  assert.is(p.sim.sources.count, 1);
  assert.ok(p.sim.args.warnings.some((w) => w.includes("'-divergence', '-dispersion' are ignored with '-sourcefile'")), String(p.sim.args.warnings));
});

test('webgpu runs -sourcefile (the same host-built source table as every backend)', async () => {
  const p = await prepareSimulation(argvOf(cases[1]));
  assert.is(webgpuRefusal(p.sim), undefined);
});

const TINY = ['-cell', '40', '50', '60', '90', '90', '90', '-default_F', '100', '-detpixels', '8', '-noprogress', '-floatfile', join(D, 'out.bin')];
const file = (name: string, text: string) => (writeFileSync(join(D, name), text), join(D, name));
mkdirSync(join(D, 'adir'));
execFileSync('mkfifo', [join(D, 'fifo')]);

const BAD: [what: string, flag: string, path: string, ...mentions: (string | RegExp)[]][] = [
  ['missing file', '-sourcefile', join(D, 'nope.txt'), 'source file not found'],
  ['empty file', '-sourcefile', file('empty.txt', ''), 'no sources in the file'],
  ['only blank lines', '-sourcefile', file('blank.txt', '\n  \n,;\n'), 'no sources in the file'],
  ['a directory', '-sourcefile', join(D, 'adir'), 'is a directory'],
  ['a FIFO', '-sourcefile', join(D, 'fifo'), 'named pipe (FIFO)'],
  ['a # comment line', '-sourcefile', file('comment.txt', '# lambda in m\n-10 0 0 1 1e-10\n'), 'line 1', 'no comments'],
  ['a short last line without a newline', '-sourcefile', file('short.txt', '-10 0 0 1 1e-10\n-10 0.01 0'), 'line 2', 'wavelength 0', 'all NaN'],
  ['an infinite position', '-sourcefile', file('inf.txt', '-10 inf 0 1 1e-10\n'), 'line 1', 'not finite'],
  ['-stol: missing file', '-stol', join(D, 'nope.txt'), 'file not found'],
  ['-4stol: empty file', '-4stol', file('empty2.txt', ''), 'no data in the file'],
  ['-Q: a FIFO', '-Q', join(D, 'fifo'), 'named pipe (FIFO)'],
];
for (const [what, flag, path, ...mentions] of BAD) {
  test(`${flag}: ${what} is one line, exit ${EXIT.INPUT}`, async () => {
    expectFailure(await runMain(['simulate', ...TINY, flag, path]), EXIT.INPUT, `${flag} ${path}`, ...mentions);
  });
}

test('-stol/-4stol/-Q: read, noted, and the image is unchanged', async () => {
  const stol = file('stol.txt', '0.1 2.5\n0.2 1.5\n');
  const argv = ['-cell', '40', '50', '60', '90', '90', '90', '-default_F', '100', '-detpixels', '8', '-N', '3'];
  const e = await engine('wasm-scalar', 'f64');
  const plain = (await e.simulate(await prepareSimulation(argv))).image;
  for (const flag of ['-stol', '-4stol', '-Q']) {
    const p = await prepareSimulation([...argv, flag, stol]);
    assert.ok(p.sim.messages.includes(`reading ${stol}`));
    assert.ok(p.sim.args.warnings.some((w) => w.includes(`'${flag}': accepted as nanoBragg accepts it; it does not change the image`)), String(p.sim.args.warnings));
    assert.equal((await e.simulate(p)).image, plain, flag);
  }
});

test.after(() => {
  for (const e of engines.values()) e.dispose();
  tmp.cleanup();
});
test.run();
