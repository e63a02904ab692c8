// Fuzzing the HKL reader (parseHkl): thousands of mutated golden HKL files and random texts, each checked
// against a small independent reference reader (lines, '#' comments, whitespace-separated decimal numbers,
// Number() for the values). Every input must end either in a grid that holds exactly the reference's
// reflections (the last duplicate wins, default_F elsewhere, every value finite) or in an HklError with a
// short one-line message naming the same line the reference rejects - never another exception type.
//
//   FUZZ_SEED=123 FUZZ_N=20000 npx tsx node_modules/uvu/bin.js tests fuzz-hkl    another seed / more inputs

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHkl, hklValue, HklError, type HklParseResult } from '../src/hkl.ts';
import { goldenDir } from './helpers/golden.ts';
import { XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x48b1_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 5000);
/** Small grid limit, so that wide index ranges are refused quickly (the limit logic is the same at 512 MiB). */
const MAX_BYTES = 1 << 16;

// ------------------------------------------------------------------------------------------------ seeds

function seedTexts(): string[] {
  const out: string[] = [];
  const samples = join(goldenDir, 'hkl_samples');
  if (existsSync(samples)) for (const n of readdirSync(samples).sort()) out.push(readFileSync(join(samples, n), 'utf8'));
  for (const n of ['str002_grid5.hkl', 'smooth_grid_12.hkl']) {
    const p = join(goldenDir, n);
    if (existsSync(p)) out.push(readFileSync(p, 'utf8').split('\n').slice(0, 150).join('\n') + '\n');
  }
  // the golden files may be missing (NANOBRAGG_GOLDEN elsewhere): keep a few of our own
  out.push('0 0 0 100\n1 0 0 50.5\n-1 0 0 50.5\n', '1 2 3 4.5e2 0.1 30\n', '# comment\n\n  2\t-3\t4\t1.0E+01  # trailing\r\n');
  return out;
}

// ------------------------------------------------------------------------------------------------ mutations

const NUMBERS = [
  '0', '-0', '+0', '1', '-1', '+7', '2147483647', '-2147483648', '2147483648', '-2147483649', '4294967296', '1e9', '1e10',
  '1.0', '2.000000e+00', '-3.', '.5', '1.5', '0.1', '1e-400', '1e308', '-1e308', '1e309', '1e999', '5e-324',
  '9007199254740993', '12345678901234567890', '0.30000000000000004', '1e', '1e+', 'e1', '.', '-', '+', '--1', '1..2',
  'nan', 'NaN', '-nan', 'nan(0x1)', 'inf', '-inf', 'Infinity', 'infinity', '0x1p3', '0x10', '1,5', '1_0', '١', '３',
  '\u22121', 'abc', '1e5x', '', '0'.repeat(40) + '1', '1' + '0'.repeat(30), '1'.repeat(400) + '.5',
];
const SEPARATORS = [' ', '  ', '\t', '\v', '\f', '\u00a0', '\u2003', ',', ';', ' \t '];
const NEWLINES = ['\n', '\r\n', '\r', '\n\n', '\u2028', '\u0085'];
const JUNK = ['#', '# x', '#1 2 3 4', '\u0000', '\ufeff', 'é', '日本', '🙂', '\x1b[31m', '"', "'", '\\', '1 2 3 4 5 6 7 8'];

const number = (r: XorShift32): string => {
  if (r.chance(0.5)) return r.pick(NUMBERS);
  const v = (r.next() * 2 - 1) * 10 ** r.range(-5, 12);
  switch (r.int(4)) {
    case 0: return String(Math.round(v));
    case 1: return v.toExponential(r.int(8));
    case 2: return v.toFixed(r.int(6));
    default: return String(v);
  }
};

function mutateLines(r: XorShift32, text: string): string {
  const lines = text.split('\n');
  const i = r.int(lines.length);
  const tokens = () => lines[i].trim().split(/\s+/).filter(Boolean);
  switch (r.int(12)) {
    case 0: lines.splice(i, 1); break;
    case 1: lines.splice(i, 0, lines[i]); break;
    case 2: { const j = r.int(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; }
    case 3: { const t = tokens(); if (t.length) t[r.int(t.length)] = number(r); lines[i] = t.join(' '); break; }
    case 4: { const t = tokens(); t.splice(r.int(t.length + 1), 0, number(r)); lines[i] = t.join(' '); break; }
    case 5: { const t = tokens(); if (t.length) t.splice(r.int(t.length), 1); lines[i] = t.join(' '); break; }
    case 6: lines[i] = tokens().join(r.pick(SEPARATORS)); break;
    case 7: lines.splice(i, 0, `${number(r)} ${number(r)} ${number(r)} ${number(r)}`); break;
    case 8: lines.splice(i, 0, `${r.range(-40, 40)} ${r.range(-40, 40)} ${r.range(-40, 40)} ${number(r)}`); break;
    case 9: lines[i] = lines[i] + ' ' + r.pick(JUNK); break;
    case 10: lines.splice(i, 0, r.pick(['', '   ', '#', '# h k l F', '\t'])); break;
    default: { const t = tokens(); if (t.length) t[r.int(Math.min(3, t.length))] = String(r.range(-3000, 3000)); lines[i] = t.join(' '); }
  }
  return lines.join(r.chance(0.9) ? '\n' : r.pick(NEWLINES));
}

function mutateChars(r: XorShift32, text: string): string {
  const at = r.int(text.length + 1);
  switch (r.int(6)) {
    case 0: return text.slice(0, at) + text.slice(at + 1 + r.int(4));
    case 1: return text.slice(0, at) + r.pick([...JUNK, ...SEPARATORS, ...NEWLINES, '-', '.', 'e', '+', '0', '9']) + text.slice(at);
    case 2: return text.slice(0, at);
    case 3: return '\ufeff' + text;
    case 4: return text.replace(/\n/g, r.pick(NEWLINES));
    default: return text.slice(0, at) + String.fromCharCode(r.int(0x3000)) + text.slice(at);
  }
}

function randomText(r: XorShift32): string {
  const n = r.int(12);
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const m = r.chance(0.7) ? 4 : r.int(7);
    lines.push(Array.from({ length: m }, () => (r.chance(0.6) ? String(r.range(-9, 9)) : number(r))).join(r.pick(SEPARATORS)));
  }
  return lines.join(r.pick(NEWLINES));
}

function randomBytes(r: XorShift32): Uint8Array {
  const b = new Uint8Array(r.int(64));
  const alphabet = [0x20, 0x09, 0x0a, 0x0d, 0x23, 0x2b, 0x2d, 0x2e, 0x30, 0x31, 0x35, 0x39, 0x65, 0x45];
  for (let k = 0; k < b.length; k++) b[k] = r.chance(0.8) ? r.pick(alphabet) : r.int(256);
  return b;
}

// ------------------------------------------------------------------------------------------------ the reference reader

type Reference = { ok: true; refl: Map<string, number>; count: number; hMin: number; hMax: number; kMin: number; kMax: number; lMin: number; lMax: number } | { ok: false; line: number | undefined };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** What the HKL format (src/hkl.ts header) says this input holds, written independently of the fast reader. */
function reference(input: string | Uint8Array, maxBytes: number): Reference {
  let bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const text = Array.from(bytes, (c) => String.fromCharCode(c)).join(''); // bytes as latin1: the format is ASCII
  const lines = text.split(/\r\n|\n|\r/);
  const refl = new Map<string, number>();
  let count = 0;
  let hMin = Infinity, hMax = -Infinity, kMin = Infinity, kMax = -Infinity, lMin = Infinity, lMax = -Infinity;
  for (let n = 0; n < lines.length; n++) {
    const tokens = lines[n].replace(/#.*$/, '').split(/[ \t\v\f]+/).filter(Boolean);
    if (!tokens.length) continue;
    const v: number[] = [];
    for (let t = 0; t < tokens.length; t++) {
      if (!DECIMAL.test(tokens[t])) return { ok: false, line: n + 1 };
      const x = Number(tokens[t]);
      if (t < 3 && (!Number.isInteger(x) || x > 2147483647 || x < -2147483648)) return { ok: false, line: n + 1 };
      if (t === 3 && !Number.isFinite(x)) return { ok: false, line: n + 1 };
      v.push(x === 0 && t < 3 ? 0 : x);
    }
    if (v.length < 4) return { ok: false, line: n + 1 };
    const [h, k, l, F] = v;
    refl.set(`${h} ${k} ${l}`, F);
    count++;
    hMin = Math.min(hMin, h); hMax = Math.max(hMax, h);
    kMin = Math.min(kMin, k); kMax = Math.max(kMax, k);
    lMin = Math.min(lMin, l); lMax = Math.max(lMax, l);
  }
  if (!count) return { ok: false, line: undefined };
  if ((hMax - hMin + 1) * (kMax - kMin + 1) * (lMax - lMin + 1) * 8 > maxBytes) return { ok: false, line: undefined };
  return { ok: true, refl, count, hMin, hMax, kMin, kMax, lMin, lMax };
}

// ------------------------------------------------------------------------------------------------ the run

function show(input: string | Uint8Array): string {
  const s = typeof input === 'string' ? JSON.stringify(input) : `bytes [${Array.from(input).join(',')}]`;
  return s.length > 400 ? s.slice(0, 400) + '...' : s;
}

function checkValid(input: string | Uint8Array, res: HklParseResult, ref: Reference, defaultF: number, where: string): void {
  if (!ref.ok) {
    assert.unreachable(`${where}: accepted, but the reference rejects it at line ${ref.line}: ${show(input)}`);
    return;
  }
  const g = res.grid;
  assert.equal([g.hMin, g.hMax, g.kMin, g.kMax, g.lMin, g.lMax], [ref.hMin, ref.hMax, ref.kMin, ref.kMax, ref.lMin, ref.lMax], `${where}: index ranges`);
  assert.is(g.hRange * g.kRange * g.lRange, g.data.length, `${where}: grid size`);
  assert.is(g.count, ref.count, `${where}: reflections read`);
  for (const x of g.data) if (!Number.isFinite(x)) assert.unreachable(`${where}: a grid value is ${x}: ${show(input)}`);
  for (const [key, F] of ref.refl) {
    const [h, k, l] = key.split(' ').map(Number);
    const got = hklValue(g, h, k, l);
    if (!Object.is(got, F)) assert.unreachable(`${where}: F(${key}) = ${got}, reference ${F}: ${show(input)}`);
  }
  const set = ref.refl.size;
  let others = 0;
  for (const x of g.data) if (Object.is(x, defaultF)) others++;
  assert.ok(others >= g.data.length - set, `${where}: cells without a reflection hold default_F`);
  for (const w of res.warnings) assert.not.match(w, /[\r\n]/, `${where}: one-line warning`);
}

function checkError(input: string | Uint8Array, e: unknown, ref: Reference, source: string, where: string): void {
  if (!(e instanceof HklError)) {
    assert.unreachable(`${where}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}: ${show(input)}`);
    return;
  }
  assert.not.match(e.message, /[\r\n]/, `${where}: one-line message: ${JSON.stringify(e.message)}`);
  assert.ok(e.message.length <= 600, `${where}: a short message (${e.message.length} characters): ${e.message.slice(0, 200)}...`);
  assert.ok(e.message.startsWith(source), `${where}: the message names the source: ${e.message}`);
  if (ref.ok) assert.unreachable(`${where}: rejected (${e.message}), but the reference accepts it: ${show(input)}`);
  else if (e.line !== ref.line) assert.unreachable(`${where}: error at line ${e.line} (${e.message}), the reference at ${ref.line}: ${show(input)}`);
}

test(`fuzz-hkl: ${N} mutated and random inputs against a reference reader (seed ${SEED})`, () => {
  const r = new XorShift32(SEED);
  const seeds = seedTexts();
  const t0 = performance.now();
  let valid = 0, errors = 0, bytesInputs = 0;
  for (let i = 0; i < N; i++) {
    let input: string | Uint8Array;
    const kind = r.int(10);
    if (kind < 6) {
      let text = r.pick(seeds);
      for (let m = 1 + r.int(4); m > 0; m--) text = r.chance(0.75) ? mutateLines(r, text) : mutateChars(r, text);
      input = text;
    } else if (kind < 9) input = randomText(r);
    else input = randomBytes(r);
    if (typeof input === 'string' && r.chance(0.2)) input = new TextEncoder().encode(input);
    if (typeof input !== 'string') bytesInputs++;
    const defaultF = r.pick([0, 0, 1, 100, -5]);
    const source = `fuzz-${i}.hkl`;
    const where = `input ${i} (seed ${SEED})`;
    const ref = reference(input, MAX_BYTES);
    let res: HklParseResult | undefined;
    try {
      res = parseHkl(input, { defaultF, maxBytes: MAX_BYTES, source });
    } catch (e) {
      checkError(input, e, ref, source, where);
      errors++;
      continue;
    }
    checkValid(input, res, ref, defaultF, where);
    valid++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`  fuzz-hkl: ${N} inputs (seed ${SEED}, ${bytesInputs} as bytes), ${valid} valid, ${errors} clean errors, ${s.toFixed(2)} s`);
  assert.ok(valid > N / 10 && errors > N / 10, 'both outcomes are well represented');
});

test('fuzz-hkl: the default 512 MiB limit refuses wide index ranges before allocating', () => {
  const r = new XorShift32(SEED ^ 0xabcdef);
  for (let i = 0; i < 200; i++) {
    const lo = -r.range(300, 2 ** 31 - 1), hi = r.range(300, 2 ** 31 - 1);
    const text = `${lo} 0 0 1\n0 ${hi} 0 2\n0 0 ${r.chance(0.5) ? lo : hi} 3\n`;
    const t0 = performance.now();
    try {
      parseHkl(text);
      assert.unreachable(`accepted ${text}`);
    } catch (e) {
      assert.instance(e, HklError);
      assert.match((e as Error).message, /over the limit of 536870912 bytes/);
    }
    assert.ok(performance.now() - t0 < 50, 'refused without allocating');
  }
});

test.run();
