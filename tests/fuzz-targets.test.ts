// Fuzzing output target resolution (src/io/targets.ts resolveTarget and findSameFile, src/io/atomic.ts
// writeFilesAtomic) on a scratch tree of regular files, folders, unicode/newline/long names, dangling and looping
// symlinks, symlink chains to /dev/stdout, /dev/null and /proc/self/fd/1, a link to /dev and to /proc/self, and a
// FIFO. Thousands of random spellings of those paths (./, //, sub/../, absolute or relative, trailing slash on
// folders, symlink hops in place of folders, over-long names, missing names, names through a regular file) must:
//   - resolve to the kind (file / stream / special / directory) an independent oracle finds by walking the path one
//     component at a time with lstat/readlink/stat, with the same final path, and the same key for every spelling
//     of one file (a different key for different files);
//   - or throw only where the oracle finds a loop (ELOOP) or an over-long name (ENAMETOOLONG): an Error with that
//     code and a message without a stack trace or a line break of its own - never a hang;
//   - findSameFile reports an input/output pair exactly when the oracle says both name one file (a character
//     device twice is harmless and not reported).
// Then a few hundred writeFilesAtomic calls (they fsync) on random spellings: a symlink is never replaced by a
// file, the file it points to gets the new bytes, a FIFO without a reader is refused, and no `*.tmp` file remains.
//
//   FUZZ_SEED=123 FUZZ_N=20000 npx tsx node_modules/uvu/bin.js tests fuzz-targets    another seed / more inputs

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { findSameFile, resolveTarget, type Target } from '../src/io/targets.ts';
import { writeFilesAtomic, WriteError } from '../src/io/atomic.ts';
import { scratch, XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a59_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 10_000);
/** Atomic writes (each fsyncs a file and a folder). */
const WRITES = Math.max(50, Math.round(N / 40));
/** A resolveTarget call that takes longer than this is a hang. */
const HANG_MS = 2000;

const tmp = scratch('fuzz-targets');
test.after(() => tmp.cleanup());

const NEWLINE_NAME = 'new\nline';
const LONG_OK = 'L'.repeat(250);

// ------------------------------------------------------------------------------------------------ the tree

interface Tree {
  root: string;
  /** Relative names of things that exist (or that name a missing file), for the spelling generator. */
  names: string[];
  /** Every symlink we made, with its target text (a write must leave them as they are). */
  links: Map<string, string>;
}

function buildTree(root: string): Tree {
  const links = new Map<string, string>();
  const file = (n: string, text = `${n}\n`) => writeFileSync(join(root, n), text);
  const link = (n: string, to: string) => {
    symlinkSync(to, join(root, n));
    links.set(join(root, n), to);
  };
  mkdirSync(join(root, 'sub', 'deep'), { recursive: true });
  for (const n of ['f1', 'f2', 'sp ace', 'é日本🙂', NEWLINE_NAME, LONG_OK, 'sub/inner', 'sub/deep/leaf', 'tab\there']) file(n);
  execFileSync('mkfifo', [join(root, 'fifo')]);
  link('l-f1', 'f1');
  link('l-l-f1', 'l-f1');
  link('l-abs-f1', join(root, 'f1'));
  link('l-sub', 'sub');
  link('l-l-sub', 'l-sub');
  link('sub/l-up-f2', '../f2');
  link('l-inner', 'sub/inner');
  link('dangling', 'nowhere');
  link('dangling2', 'sub/missing');
  link('loop1', 'loop2');
  link('loop2', 'loop1');
  link('self', 'self');
  link('l-stdout', '/dev/stdout');
  link('l-l-stdout', 'l-stdout');
  link('l-stderr', '/dev/stderr');
  link('l-null', '/dev/null');
  link('l-l-null', 'l-null');
  link('l-fd1', '/proc/self/fd/1');
  link('l-devfd1', '/dev/fd/1');
  link('l-dev', '/dev');
  link('l-proc-self', '/proc/self');
  link('l-fifo', 'fifo');
  link('l-nl', NEWLINE_NAME);
  link('l-deep', 'sub/deep');
  const names = [
    'f1', 'f2', 'sp ace', 'é日本🙂', NEWLINE_NAME, LONG_OK, 'tab\there', 'sub', 'sub/deep', 'sub/inner', 'sub/deep/leaf', 'fifo',
    'l-f1', 'l-l-f1', 'l-abs-f1', 'l-sub', 'l-l-sub', 'sub/l-up-f2', 'l-inner', 'l-sub/inner', 'l-l-sub/deep/leaf', 'l-sub/l-up-f2',
    'dangling', 'dangling2', 'loop1', 'loop2', 'self', 'loop1/x', 'self/x',
    'l-deep/../inner', 'l-deep/leaf', 'l-deep/../../f1', 'l-deep/../l-up-f2', 'l-deep/../new', 'l-deep/..',
    'l-stdout', 'l-l-stdout', 'l-stderr', 'l-null', 'l-l-null', 'l-fd1', 'l-devfd1', 'l-fifo', 'l-nl',
    'l-dev/null', 'l-dev/stdout', 'l-dev/fd/1', 'l-dev/stderr', 'l-proc-self/fd/1', 'l-proc-self/fd/2',
    'missing', 'sub/missing', 'nowhere', 'missing-dir/x', 'f1/x', 'l-f1/x', 'sub/inner/x', 'fifo/x', 'l-sub/new',
    'M'.repeat(255), 'M'.repeat(256), 'M'.repeat(300), 'sub/' + 'M'.repeat(256),
  ];
  return { root, names, links };
}

const ABSOLUTE = ['/dev/null', '/dev/stdout', '/dev/stderr', '/proc/self/fd/1', '/dev/fd/1', '/dev/fd/2', `/proc/${process.pid}/fd/1`, '/dev/zero', '/dev', '/dev/new-file-xyz'];

// ------------------------------------------------------------------------------------------------ spellings

/** One random spelling of `name` (relative to the tree root): detours, redundant separators, absolute or relative. */
function spell(r: XorShift32, tree: Tree, name: string): string {
  const abs = name.startsWith('/');
  let parts = (abs ? name.slice(1) : name).split('/');
  // a folder replaced by a symlink to it
  if (!abs) parts = parts.map((p, i) => (i < parts.length - 1 && p === 'sub' && r.chance(0.3) ? r.pick(['l-sub', 'l-l-sub']) : p));
  if (abs && parts[0] === 'dev' && parts.length > 1 && r.chance(0.2)) {
    parts = [...relative('/', tree.root).split('/'), 'l-dev', ...parts.slice(1)];
  }
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (r.chance(0.15)) out.push('.');
    // detours through folders that exist (through a missing one the kernel says ENOENT: not generated)
    if (!abs && i === 0 && r.chance(0.1)) out.push('sub', '..');
    if (!abs && i === 0 && r.chance(0.05)) out.push('sub', 'deep', '..', '..');
    if (!abs && i === 0 && r.chance(0.05)) out.push('l-deep', '..', '..');
    if (abs && parts[i] === 'dev' && r.chance(0.1)) out.push('dev', '..');
    out.push(parts[i]);
  }
  let sep = out.map((p, i) => (i > 0 && r.chance(0.1) ? '/' : '') + p).join('/');
  const isDirName = ['sub', 'sub/deep', 'l-sub', 'l-l-sub', '/dev', 'l-dev'].includes(name);
  if (isDirName && r.chance(0.3)) sep += r.pick(['/', '//', '/.']);
  if (abs) return (r.chance(0.2) ? '//' : '/') + sep;
  switch (r.int(3)) {
    case 0: return join(tree.root, '.') + '/' + sep;
    case 1: return (r.chance(0.5) ? './' : '') + relative(process.cwd(), tree.root) + '/' + sep;
    default: return tree.root + '//' + sep;
  }
}

// ------------------------------------------------------------------------------------------------ the oracle

type Oracle =
  | { kind: 'file' | 'directory' | 'special'; path: string; id: string; charDevice?: boolean; fifo?: boolean; notDir?: boolean }
  | { kind: 'stream'; fd: number; id: string }
  | { kind: 'error'; code: 'ELOOP' | 'ENAMETOOLONG' };

const DESCRIPTOR = new RegExp(`^(?:/dev/(stdin|stdout|stderr)|/dev/fd/(\\d+)|/proc/(?:self|thread-self|${process.pid})/fd/(\\d+))$`);

function descriptor(path: string): number | undefined {
  const m = DESCRIPTOR.exec(path);
  if (!m) return undefined;
  return m[1] ? { stdin: 0, stdout: 1, stderr: 2 }[m[1] as 'stdin'] : Number(m[2] ?? m[3]);
}

/**
 * Walks the absolute path one component at a time, as the kernel does (`..` goes up from where the walk is, past
 * any symlink already followed), replacing each symlink by its target: /dev/stdout, /dev/fd/N and /proc/self/fd/N
 * seen on the way are our descriptors; a missing or non-folder component before the end, or a missing last one,
 * is a new file at the path walked so far.
 */
function missingPath(at: string, rest: string[]): string {
  return resolve(at, ...rest);
}

function oracle(spelled: string): Oracle {
  const parts = (p: string) => p.split('/').filter((c) => c !== '' && c !== '.');
  let todo = parts(spelled.startsWith('/') ? spelled : `${process.cwd()}/${spelled}`);
  let cur = '/';
  let hops = 0;
  const full = () => resolve(cur, ...todo);
  for (;;) {
    const fd = todo.includes('..') ? undefined : descriptor(full());
    if (fd !== undefined) return { kind: 'stream', fd, id: `fd:${fd}` };
    if (todo.length === 0) break;
    const c = todo.shift()!;
    if (c === '..') {
      cur = dirname(cur); // physically: cur has no symlink left in it
      continue;
    }
    if (Buffer.byteLength(c) > 255) return { kind: 'error', code: 'ENAMETOOLONG' };
    const next = join(cur, c);
    let l: Stats;
    try {
      l = lstatSync(next);
    } catch {
      const path = missingPath(next, todo);
      return { kind: 'file', path, id: `path:${path}` };
    }
    if (l.isSymbolicLink()) {
      if (++hops > 40) return { kind: 'error', code: 'ELOOP' };
      const to = readlinkSync(next);
      todo = [...parts(to), ...todo];
      if (to.startsWith('/')) cur = '/';
      continue;
    }
    if (todo.length > 0 && !l.isDirectory()) {
      // through a regular file or a device: nothing can be written there (ENOTDIR); no identity to compare
      const path = missingPath(next, todo);
      return { kind: 'file', path, id: `path:${path}`, notDir: true };
    }
    cur = next;
  }
  const st = statSync(cur);
  const id = `${st.dev}:${st.ino}`;
  if (st.isDirectory()) return { kind: 'directory', path: cur, id };
  if (st.isFile()) return { kind: 'file', path: cur, id };
  return { kind: 'special', path: cur, id, charDevice: st.isCharacterDevice(), fifo: st.isFIFO() };
}

// ------------------------------------------------------------------------------------------------ checks

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`HANG: ${what} took over ${HANG_MS} ms`)), HANG_MS)));
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const show = (p: string) => JSON.stringify(p.length > 300 ? p.slice(0, 300) + '...' : p);

/** Only the path's own line breaks: the message minus our newline name holds none, and no stack frame. */
function assertCleanMessage(msg: string, what: string): void {
  if (/\n\s+at /.test(msg) || /\n/.test(msg.split(NEWLINE_NAME).join(''))) assert.unreachable(`${what}: a message of several lines: ${JSON.stringify(msg)}`);
}

function compare(t: Target, o: Oracle, spelled: string): void {
  const ctx = `${show(spelled)}: resolveTarget ${JSON.stringify({ ...t, path: t.path.slice(0, 200) })}, oracle ${JSON.stringify(o).slice(0, 400)}`;
  if (o.kind === 'error') return assert.unreachable(`resolved where the oracle finds ${o.code}: ${ctx}`);
  if (t.kind !== o.kind) assert.unreachable(`kind: ${ctx}`);
  if (o.kind === 'stream') {
    if (t.fd !== o.fd) assert.unreachable(`descriptor: ${ctx}`);
    return;
  }
  if (t.path !== o.path && !o.notDir) assert.unreachable(`final path: ${ctx}`);
  if (o.kind === 'special' && (!!t.charDevice !== !!o.charDevice || !!t.fifo !== !!o.fifo)) assert.unreachable(`device/fifo flags: ${ctx}`);
}

/** Every `*.tmp` under `dir`. */
function tempFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.endsWith('.tmp')) out.push(join(dir, e.name));
    if (e.isDirectory()) out.push(...tempFiles(join(dir, e.name)));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ the run

test(`fuzz-targets: ${N} path spellings through resolveTarget and findSameFile, ${WRITES} atomic writes (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED);
  const tree = buildTree(tmp.dir());
  const pool = [...tree.names, ...ABSOLUTE];
  const c = { notDir: 0, file: 0, stream: 0, special: 0, directory: 0, loops: 0, tooLong: 0, pairs: 0, clashes: 0, writes: 0, written: 0, refused: 0 };
  /** oracle id -> the key resolveTarget gave it, and the other way round */
  const keyOf = new Map<string, string>();
  const idOf = new Map<string, string>();
  const resolved: { spelled: string; o: Oracle }[] = [];

  for (let i = 0; i < N; i++) {
    const spelled = spell(r, tree, r.pick(pool));
    const o = oracle(spelled);
    let t: Target;
    try {
      t = await withTimeout(resolveTarget(spelled), `resolveTarget(${show(spelled)})`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (!(err instanceof Error) || err.message.startsWith('HANG')) assert.unreachable(`${i}: ${String(err?.message ?? err)}`);
      assertCleanMessage(err.message, `${i} ${show(spelled)}`);
      if (o.kind !== 'error' || err.code !== o.code) {
        assert.unreachable(`${i}: threw ${err.code}: ${JSON.stringify(err.message.slice(0, 300))} for ${show(spelled)}; oracle ${JSON.stringify(o).slice(0, 300)}`);
      }
      if (err.code === 'ELOOP') c.loops++;
      else c.tooLong++;
      continue;
    }
    compare(t, o, spelled);
    c[t.kind]++;
    if ((o as { notDir?: boolean }).notDir) {
      c.notDir++;
      continue;
    }
    const id = (o as { id: string }).id;
    if (keyOf.has(id) && keyOf.get(id) !== t.key) assert.unreachable(`two spellings of one file, two keys: ${keyOf.get(id)} and ${t.key} (${show(spelled)})`);
    if (idOf.has(t.key) && idOf.get(t.key) !== id) assert.unreachable(`one key ${t.key} for two files ${idOf.get(t.key)} and ${id} (${show(spelled)})`);
    keyOf.set(id, t.key);
    idOf.set(t.key, id);
    resolved.push({ spelled, o });
  }

  // findSameFile on pairs: half of them two spellings of one file
  for (let i = 0; i < Math.round(N / 10); i++) {
    const a = r.pick(resolved);
    const b = r.chance(0.5) ? a : r.pick(resolved);
    const bSpelled = b === a ? spell(r, tree, relative(tree.root, (a.o as { path?: string }).path ?? '') || 'f1') : b.spelled;
    const ob = b === a ? oracle(bSpelled) : b.o;
    if (ob.kind === 'error') continue;
    const msg = await withTimeout(findSameFile([['-hkl', a.spelled]], [['-floatfile', bSpelled]]), 'findSameFile');
    const oa = a.o as Exclude<Oracle, { kind: 'error' }>;
    const same = oa.id === ob.id && !(oa.kind === 'special' && oa.charDevice);
    c.pairs++;
    if (same !== (msg !== null)) assert.unreachable(`findSameFile(${show(a.spelled)}, ${show(bSpelled)}) = ${JSON.stringify(msg)}; oracle ids ${oa.id} ${ob.id}`);
    if (msg) {
      c.clashes++;
      if (!msg.includes("'-hkl'") || !msg.includes("'-floatfile'")) assert.unreachable(`the clash message names both options: ${JSON.stringify(msg)}`);
    }
  }

  // atomic writes into the tree (streams left out: they would write into this test's own output)
  const writable = resolved.filter(({ o }) => (o.kind === 'file' && o.path.startsWith(tree.root + '/')) || (o.kind === 'special' && (o.charDevice || o.fifo)));
  for (let i = 0; i < WRITES && writable.length; i++) {
    const { spelled, o } = r.pick(writable);
    const data = `write ${i} ${r.nextU32()}\n`;
    c.writes++;
    try {
      await withTimeout(writeFilesAtomic([{ path: spelled, data, label: '-floatfile' }]), `writeFilesAtomic(${show(spelled)})`);
      c.written++;
      if (o.kind === 'special' && o.fifo) assert.unreachable(`a write to a FIFO without a reader succeeded: ${show(spelled)}`);
      if (o.kind === 'file') {
        const now = oracle(spelled);
        if (now.kind !== 'file' || readFileSync(now.path, 'utf8') !== data) assert.unreachable(`${show(spelled)} does not hold the new bytes`);
      }
    } catch (e) {
      if (!(e instanceof WriteError)) return assert.unreachable(`writeFilesAtomic threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${show(spelled)}`);
      const err = e;
      assertCleanMessage(err.message, `write ${show(spelled)}`);
      const fine = (o.kind === 'special' && o.fifo && /no reader/.test(err.message)) || (o.kind === 'file' && /ENOENT|ENOTDIR/.test(err.code ?? ''));
      if (!fine) assert.unreachable(`write refused: ${JSON.stringify(err.message)} (${err.code}) for ${show(spelled)}, oracle ${JSON.stringify(o)}`);
      c.refused++;
    }
    for (const [l, to] of tree.links) {
      const st = lstatSync(l, { throwIfNoEntry: false });
      if (!st?.isSymbolicLink() || readlinkSync(l) !== to) assert.unreachable(`the symlink ${l} was replaced (write ${i}: ${show(spelled)})`);
    }
    const temps = tempFiles(tree.root);
    if (temps.length) assert.unreachable(`temporary files left after writing ${show(spelled)}: ${temps.join(', ')}`);
  }
  assert.ok(statSync(join(tree.root, 'fifo')).isFIFO(), 'the FIFO is still a FIFO');

  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `  fuzz-targets: ${N} spellings (seed ${SEED}): ${c.file} file (${c.notDir} through a non-folder), ${c.stream} stream, ${c.special} special, ${c.directory} directory, ` +
      `${c.loops} ELOOP, ${c.tooLong} ENAMETOOLONG; ${keyOf.size} distinct files, ${c.pairs} findSameFile pairs (${c.clashes} clashes); ` +
      `${c.writes} atomic writes (${c.written} written, ${c.refused} refused); ${s} s`,
  );
  for (const k of ['file', 'stream', 'special', 'directory', 'loops', 'tooLong', 'clashes', 'refused'] as const) assert.ok(c[k] > 0, `no ${k} outcome: the generator is too narrow`);
});

test('fuzz-targets: `link/..` goes up from the link\'s target, as the kernel does: an output that is the input is caught (found by this fuzzer)', async () => {
  const d = tmp.dir();
  mkdirSync(join(d, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(d, 'sub', 'x.hkl'), '0 0 0 1\n');
  symlinkSync('sub/deep', join(d, 'l-deep'));
  const t = await resolveTarget(`${d}/l-deep/../x.hkl`); // (path.join would fold the .. by the text)
  assert.is(t.path, join(d, 'sub', 'x.hkl'));
  assert.match(String(await findSameFile([['-hkl', join(d, 'sub', 'x.hkl')]], [['-floatfile', `${d}/l-deep/../x.hkl`]])), /name the same file/);
  // a missing folder behind the link is taken up physically too
  assert.is((await resolveTarget(`${d}/l-deep/../missing/y`)).path, join(d, 'sub', 'missing', 'y'));
});

test('fuzz-targets: an output name of 250 bytes is written, not refused for its temporary file\'s name (found at the default seed)', async () => {
  const d = tmp.dir();
  for (const name of ['L'.repeat(250), 'é'.repeat(127), '🙂'.repeat(63)]) {
    await writeFilesAtomic([{ path: join(d, name), data: 'new\n' }]);
    assert.is(readFileSync(join(d, name), 'utf8'), 'new\n');
  }
  assert.equal(tempFiles(d), []);
});

test.run();
