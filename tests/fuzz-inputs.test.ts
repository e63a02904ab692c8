// Fuzzing the checked input reader (src/io/input-file.ts readInputFile), which every -hkl, -mat, -mask, -img,
// -sourcefile, -stol and --batch file goes through: thousands of random paths among regular files (empty, small,
// over a tiny maxBytes cap passed per call; unicode, newline and long names), folders, /dev/zero, /dev/null, a FIFO,
// a Unix socket, symlinks (and chains) to each, dangling and looping links, missing paths, paths through a regular
// file and over-long names, spelled with ./, //, sub/../ detours. An independent oracle (statSync on the same path)
// says what must happen:
//   - a regular file within the cap: exactly its bytes;
//   - anything else: an InputFileError whose message is the label, ': ' and a one-line reason naming what is wrong
//     (not found, a directory, a device or socket, a named pipe, over the cap, not a directory, symbolic links,
//     too long) - never another error type;
//   - never a hang: a FIFO is refused without being opened (each call is raced against a 2 s timer).
//
//   FUZZ_SEED=123 FUZZ_N=20000 npx tsx node_modules/uvu/bin.js tests fuzz-inputs    another seed / more inputs

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { InputFileError, readInputFile } from '../src/io/input-file.ts';
import { isRoot, scratch, XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x1f11_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 10_000);
const HANG_MS = 2000;

const tmp = scratch('fuzz-inputs');
let server: Server | undefined;
test.after(() => {
  server?.close();
  tmp.cleanup();
});

const KINDS: [flag: string, what: string][] = [
  ['-hkl', 'HKL file'], ['-mat', 'matrix file'], ['-mask', 'mask file'], ['-img', 'image file'], ['-sourcefile', 'source file'],
  ['-stol', 'structure factor table'], ['--batch', 'batch file'], ['dataset', 'dataset description'],
];

async function buildTree(root: string): Promise<string[]> {
  mkdirSync(join(root, 'sub', 'deep'), { recursive: true });
  const sizes: Record<string, number> = { empty: 0, one: 1, small: 10, mid: 100, big: 5000, 'sub/inner': 30, 'é日本🙂': 7, 'new\nline': 12, ['L'.repeat(250)]: 3 };
  for (const [n, size] of Object.entries(sizes)) writeFileSync(join(root, n), Buffer.alloc(size, n.charCodeAt(0)));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  server = createServer();
  await new Promise<void>((ok) => server!.listen(join(root, 'sock'), ok));
  const links: [string, string][] = [
    ['l-small', 'small'], ['l-l-small', 'l-small'], ['l-empty', 'empty'], ['l-big', 'big'], ['l-sub', 'sub'], ['l-fifo', 'fifo'],
    ['l-l-fifo', 'l-fifo'], ['l-sock', 'sock'], ['l-zero', '/dev/zero'], ['l-null', '/dev/null'], ['l-dev', '/dev'],
    ['dangling', 'nowhere'], ['loop1', 'loop2'], ['loop2', 'loop1'], ['sub/l-up', '../mid'], ['l-abs', join(root, 'one')],
  ];
  for (const [n, to] of links) symlinkSync(to, join(root, n));
  const names = [...Object.keys(sizes), 'sub', 'sub/deep', 'fifo', 'sock', ...links.map(([n]) => n),
    'l-sub/inner', 'l-sub/l-up', 'l-dev/zero', 'l-dev/null', 'missing', 'sub/missing', 'missing-dir/x', 'small/x', 'l-small/x',
    'fifo/x', 'loop1/x', 'M'.repeat(256), 'sub/' + 'M'.repeat(300)];
  if (!isRoot) {
    writeFileSync(join(root, 'locked'), 'secret');
    chmodSync(join(root, 'locked'), 0);
    names.push('locked');
  }
  return names;
}

function spell(r: XorShift32, root: string, name: string): string {
  if (name.startsWith('/')) return r.chance(0.3) ? '/' + name : name;
  const parts = name.split('/').flatMap((p) => [...(r.chance(0.15) ? ['.'] : []), ...(r.chance(0.1) ? ['sub', '..'] : []), p]);
  const tail = parts.join(r.chance(0.1) ? '//' : '/');
  switch (r.int(3)) {
    case 0: return join(root, '.') + '/' + tail;
    case 1: return (r.chance(0.5) ? './' : '') + relative(process.cwd(), root) + '/' + tail;
    default: return root + '//' + tail;
  }
}

/** What statSync says the reader must do with `path`: a reason pattern, or the bytes to return. */
function oracle(path: string, max: number): RegExp | Uint8Array {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, RegExp> = {
      ENOENT: / not found$/, ENOTDIR: /^a component of the path is not a directory$/, ELOOP: /^too many levels of symbolic links$/,
      ENAMETOOLONG: /^file name too long$/, EACCES: /^permission denied/,
    };
    if (!why[code ?? '']) throw new Error(`oracle: unexpected ${code} for ${path}`);
    return why[code!];
  }
  if (st.isDirectory()) return /^is a directory, not an? /;
  if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) return /^is a device or socket, not an? /;
  if (st.isFIFO()) return /^is a named pipe \(FIFO\), not a regular file/;
  if (st.size > max) return new RegExp(`^is ${st.size} bytes: more than the ${max} bytes `);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') return /^permission denied reading the /;
    throw e;
  }
  // /proc files report size 0: their content counts against the cap
  return bytes.length > max ? new RegExp(`^is ${bytes.length} bytes: more than the ${max} bytes `) : bytes;
}

/** Names for the counts printed. */
const REASONS: [string, RegExp][] = [
  ['not found', / not found$/], ['directory', /^is a directory/], ['device or socket', /^is a device or socket/], ['FIFO', /^is a named pipe/],
  ['over the cap', /^is \d+ bytes: more than/], ['through a file', /not a directory$/], ['symlink loop', /symbolic links/],
  ['name too long', /too long/], ['permission', /permission denied/],
];

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`HANG: ${what} took over ${HANG_MS} ms`)), HANG_MS)));
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const show = (p: string) => JSON.stringify(p.length > 200 ? p.slice(0, 200) + '...' : p);

test(`fuzz-inputs: ${N} random paths through readInputFile (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED);
  const root = tmp.dir();
  const names = [...(await buildTree(root)), '/dev/zero', '/dev/null', '/dev/full', '/proc/self/cmdline', ''];
  const counts = new Map<string, number>();
  let read = 0;
  for (let i = 0; i < N; i++) {
    const name = r.pick(names);
    const path = name === '' ? '' : spell(r, root, name);
    const [flag, what] = r.pick(KINDS);
    const max = r.pick([0, 1, 10, 64, 1000, 1 << 20]);
    const label = r.chance(0.3) ? r.pick([`${flag} file`, `the ${what}`, `batch line ${i}`]) : undefined;
    const shownLabel = label ?? `${flag} ${path}`;
    const expect = oracle(path, max);
    let got: Uint8Array;
    try {
      got = await withTimeout(readInputFile(path, flag, what, { maxBytes: max, ...(label ? { label } : {}) }), `readInputFile(${show(path)})`);
    } catch (e) {
      if (!(e instanceof InputFileError)) return assert.unreachable(`${i}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${show(path)} (max ${max})`);
      const ctx = `${i}: ${JSON.stringify(e.message.slice(0, 400))} for ${show(path)} (max ${max}), oracle ${expect instanceof RegExp ? expect : `${expect.length} bytes`}`;
      if (!(expect instanceof RegExp)) assert.unreachable(`refused a readable file: ${ctx}`);
      if (e.message !== `${shownLabel}: ${e.reason}`) assert.unreachable(`the message is not the label, ': ' and the reason: ${ctx}`);
      if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(e.reason) || !e.reason) assert.unreachable(`the reason is not one line: ${ctx}`);
      if (!(expect as RegExp).test(e.reason)) assert.unreachable(`wrong reason: ${ctx}`);
      if (/^is (a directory|a device|\d+ bytes)/.test(e.reason) && !e.reason.includes(what)) assert.unreachable(`the reason does not name the ${what}: ${ctx}`);
      const kind = REASONS.find(([, re]) => re.test(e.reason))?.[0] ?? e.reason;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      continue;
    }
    if (expect instanceof RegExp) assert.unreachable(`${i}: read ${got.length} bytes where the oracle expects ${expect} for ${show(path)} (max ${max})`);
    if (Buffer.compare(Buffer.from(got), Buffer.from(expect as Uint8Array)) !== 0) assert.unreachable(`${i}: wrong bytes for ${show(path)}`);
    read++;
  }
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  const refused = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} '${k}'`).join(', ');
  console.log(`  fuzz-inputs: ${N} paths (seed ${SEED}): ${read} read whole; refused: ${refused}; ${s} s`);
  assert.ok(read > N / 20, 'some files were read');
  assert.ok(counts.size >= 8, `every kind of refusal is represented (${counts.size})`);
});

test('fuzz-inputs: a file that reports size 0 but has content (/proc) is held to the cap (found at the default seed)', async () => {
  const cmdline = readFileSync('/proc/self/cmdline');
  assert.ok(cmdline.length > 4);
  try {
    await readInputFile('/proc/self/cmdline', '-hkl', 'HKL file', { maxBytes: 4 });
    assert.unreachable('read past the cap');
  } catch (e) {
    assert.instance(e, InputFileError);
    assert.match((e as Error).message, /^-hkl \/proc\/self\/cmdline: is \d+ bytes: more than the 4 bytes an? HKL file may have here$/);
  }
});

test.run();
