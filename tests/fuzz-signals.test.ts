// Fuzzing the interruption safety of the all-or-nothing writes (src/io/atomic.ts writeFilesAtomic) and of the
// signal handler (src/cli.ts `stop`: runInterruptHooks from src/util/interrupt.ts, then removePendingTempFiles,
// then process.exit).
//
// In-process, thousands of random interruption points: writeFilesAtomic replaces a set of 1-3 small files (old
// versions present, absent, or behind a symlink) and, after a random number of microtask and event-loop turns,
// "the signal arrives": a bench-like interrupt hook is registered, runInterruptHooks and removePendingTempFiles run,
// and the files are read at once, synchronously - which is what the process leaves behind, since stop() exits right
// there. Then, at that moment:
//   - every target holds its complete old content (or is absent if it was) or its complete new content, and the
//     set is never mixed (the renames are synchronous: a handler cannot run between two of them);
//   - no `*.tmp` file is left; the hook ran exactly once (and not again on a second call); a symlink is a symlink.
// The write is then let finish (it may succeed or end in a WriteError, nothing else), and the folder must hold no
// `*.tmp` either. The files live in /dev/shm when it exists (a tmpfs: fsync is cheap there, the code path is the
// same), else in the temporary folder.
//
// Then a few real child processes (`node --import tsx src/cli.ts simulate ... -floatfile a -intfile b`) over old
// files, killed with SIGINT, SIGTERM or SIGHUP at a random delay after they start simulating: exit 130, 143 or 129
// with one `error: interrupted (SIG...)` line, or exit 0 if they finished first; a and b both old or both complete
// new images; no `*.tmp`. Their counts are printed apart.
//
//   FUZZ_SEED=123 FUZZ_N=20000 FUZZ_KILLS=40 npx tsx node_modules/uvu/bin.js tests fuzz-signals    another seed / more

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { removePendingTempFiles, writeFilesAtomic, WriteError, type PendingWrite } from '../src/io/atomic.ts';
import { onInterrupt, runInterruptHooks } from '../src/util/interrupt.ts';
import { EXIT } from '../src/errors.ts';
import { runCli, scratch, stderrLines, XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5197_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 10_000);
const KILLS = Number(process.env.FUZZ_KILLS ?? 20);

const tmp = scratch('fuzz-signals');
const shmDirs: string[] = [];
test.after(() => {
  tmp.cleanup();
  for (const d of shmDirs) rmSync(d, { recursive: true, force: true });
});

/** A folder on a tmpfs when there is one (cheap fsync), else in the temporary folder. */
function fastDir(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      const d = mkdtempSync('/dev/shm/nanobragg-fuzz-signals-');
      shmDirs.push(d);
      return d;
    }
  } catch {
    // no /dev/shm
  }
  return tmp.dir();
}

const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** The content of `path` now, or null when absent. */
const contentOf = (path: string): Buffer | null => (existsSync(path) ? readFileSync(path) : null);

/** A random wait: microtask turns, event-loop turns (setImmediate) and, rarely, a timer. */
async function randomWait(r: XorShift32): Promise<string> {
  switch (r.int(4)) {
    case 0: {
      const n = r.int(20);
      for (let k = 0; k < n; k++) await Promise.resolve();
      return 'microtasks';
    }
    case 1: case 2: {
      const n = r.int(r.chance(0.5) ? 8 : 40);
      for (let k = 0; k < n; k++) await new Promise<void>((ok) => setImmediate(ok));
      return 'turns';
    }
    default:
      await new Promise<void>((ok) => setTimeout(ok, r.int(3)));
      return 'timer';
  }
}

// ------------------------------------------------------------------------------------------------ in-process

test(`fuzz-signals: ${N} interruption points in writeFilesAtomic (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED);
  const dir = fastDir();
  const c = { allOld: 0, allNew: 0, midWrite: 0, finishedOk: 0, finishedError: 0, linkTargets: 0 };
  for (let i = 0; i < N; i++) {
    // the set: 1-3 files, each with an old version (mostly), some behind a symlink
    const n = 1 + r.int(3);
    const writes: PendingWrite[] = [];
    const real: string[] = [];
    const oldData: (Buffer | null)[] = [];
    const links: string[] = [];
    for (let k = 0; k < n; k++) {
      const name = `f${i % 7}-${k}`;
      const path = join(dir, name);
      rmSync(path, { force: true });
      let target = path;
      if (r.chance(0.15)) {
        target = join(dir, `${name}.real`);
        rmSync(target, { force: true });
        symlinkSync(`${name}.real`, path);
        links.push(path);
        c.linkTargets++;
      }
      const old = r.chance(0.85) ? Buffer.from(`old ${i} ${k} `.repeat(1 + r.int(200))) : null;
      if (old) writeFileSync(target, old);
      real.push(target);
      oldData.push(old);
      const data = Buffer.from(`new ${i} ${k} ${r.nextU32()} `.repeat(r.int(800)));
      writes.push({ path, data: r.chance(0.3) ? data.toString() : new Uint8Array(data), label: `-file${k}` });
    }
    const newData = writes.map((w) => Buffer.from(typeof w.data === 'string' ? w.data : w.data));

    let hookCalls = 0;
    onInterrupt((why) => {
      hookCalls++;
      if (why !== 'interrupted (SIGINT)') assert.unreachable(`the hook got ${JSON.stringify(why)}`);
    });
    const writing = writeFilesAtomic(writes).then(() => 'ok' as const, (e: unknown) => e);
    await randomWait(r);

    // the signal: what stop() does before process.exit, then the files as the exit leaves them
    const tempsBefore = tempFiles(dir).length;
    runInterruptHooks('interrupted (SIGINT)');
    removePendingTempFiles();
    const now = real.map(contentOf);
    const tempsAfter = tempFiles(dir);
    runInterruptHooks('interrupted (SIGINT)');

    const ctx = `${i}: ${n} files, ${JSON.stringify(oldData.map((o) => o?.length ?? null))} old bytes, ${JSON.stringify(newData.map((d) => d.length))} new`;
    if (hookCalls !== 1) assert.unreachable(`the interrupt hook ran ${hookCalls} times: ${ctx}`);
    if (tempsAfter.length) assert.unreachable(`temporary files left at the exit: ${tempsAfter.join(', ')}: ${ctx}`);
    const isOld = now.map((b, k) => (b === null ? oldData[k] === null : oldData[k] !== null && b.equals(oldData[k]!)));
    const isNew = now.map((b, k) => b !== null && b.equals(newData[k]));
    for (let k = 0; k < n; k++) {
      if (!isOld[k] && !isNew[k]) assert.unreachable(`file ${k} is neither old nor new (${now[k]?.length ?? 'absent'} bytes): ${ctx}`);
    }
    // a file whose old and new contents are equal (both empty) counts as either
    const allOld = isOld.every(Boolean), allNew = isNew.every(Boolean);
    if (!allOld && !allNew) assert.unreachable(`a mixed set at the exit: old ${isOld}, new ${isNew}: ${ctx}`);
    if (allOld && tempsBefore > 0) c.midWrite++;
    if (allOld) c.allOld++;
    else c.allNew++;
    for (const l of links) if (!lstatSync(l).isSymbolicLink()) assert.unreachable(`the symlink ${l} was replaced: ${ctx}`);

    // what would have happened without the exit: the write ends cleanly either way
    const outcome = await writing;
    if (outcome === "ok") c.finishedOk++;
    else if (outcome instanceof WriteError) c.finishedError++;
    else assert.unreachable(`writeFilesAtomic threw ${(outcome as Error)?.constructor?.name}: ${(outcome as Error)?.message}: ${ctx}`);
    const left = tempFiles(dir);
    if (left.length) assert.unreachable(`temporary files left after the interrupted write went on: ${left.join(', ')}: ${ctx}`);
  }
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `  fuzz-signals: ${N} interruption points (seed ${SEED}, in ${dir.startsWith('/dev/shm') ? '/dev/shm' : 'the temporary folder'}): ` +
      `${c.allOld} left the old set (${c.midWrite} while temporary files existed), ${c.allNew} the new set, 0 mixed; ` +
      `${c.linkTargets} targets behind symlinks; carried on: ${c.finishedOk} completed, ${c.finishedError} WriteErrors; ${s} s`,
  );
  assert.ok(c.allOld > N / 20 && c.allNew > N / 20 && c.midWrite > N / 50, 'interruptions before, during and after the write phase');
});

test('fuzz-signals: a file in /dev/shm (a tmpfs) is written, not refused as a file in /dev (found by this fuzzer)', async () => {
  if (!existsSync('/dev/shm')) return;
  const d = fastDir();
  await writeFilesAtomic([{ path: join(d, 'x.bin'), data: 'new' }]);
  assert.is(readFileSync(join(d, 'x.bin'), 'utf8'), 'new');
  // a misspelt device is still refused
  let err: unknown;
  await writeFilesAtomic([{ path: '/dev/stdot-nanobragg-test', data: 'x' }]).catch((e) => (err = e));
  assert.match(String((err as Error)?.message), /will not create a regular file in \/dev/);
});

// ------------------------------------------------------------------------------------------------ child processes

const SIGNALS = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED, SIGHUP: EXIT.HANGUP } as const;
const PIX = 256;

test(`fuzz-signals: ${KILLS} command-line runs killed at random moments (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED ^ 0x9e37_79b9);
  const codes = new Map<string, number>();
  let newSets = 0, oldSets = 0;
  const one = async (i: number) => {
    const d = tmp.dir();
    const a = join(d, 'a.bin'), b = join(d, 'b.img');
    writeFileSync(a, 'old float\n');
    writeFileSync(b, 'old smv\n');
    const sig = r.pick(Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]);
    const delay = r.int(150);
    const argv = ['simulate', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-detpixels', String(PIX), '-oversample', String(4 + r.int(13)),
      '-noprogress', '--backend', 'wasm', '-floatfile', a, '-intfile', b];
    let sent = false;
    const res = await runCli(argv, {
      timeoutMs: 60_000,
      onSpawn(child) {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer | string) => {
          out += String(chunk);
          if (sent || !/^backend: /m.test(out)) return;
          sent = true;
          setTimeout(() => child.kill(sig), delay);
        });
      },
    });
    const ctx = `run ${i}: ${sig} ${delay} ms after 'backend:', exit ${res.code} (signal ${res.signal}), stderr ${JSON.stringify(res.stderr.slice(0, 300))}`;
    assert.not.ok(res.timedOut, `timed out: ${ctx}`);
    // a signal in the last moments of a finished run, after Node has let go of its handlers, ends the process
    // by the signal itself: allowed only once every output was written
    const exiting = res.code === null && res.signal === sig && /^wrote .*b\.img/m.test(res.stdout);
    const key = res.code === EXIT.OK ? 'finished (0)' : exiting ? `${sig} at the exit` : `${sig} -> ${res.code ?? res.signal}`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
    if (exiting) assert.is(res.stderr, '', ctx);
    else if (res.code !== EXIT.OK) {
      assert.is(res.code, SIGNALS[sig], `exit code: ${ctx}`);
      assert.equal(stderrLines(res), [`error: interrupted (${sig})`], `one line on stderr: ${ctx}`);
    } else assert.is(res.stderr, '', ctx);
    assert.equal(tempFiles(d), [], `no temporary file: ${ctx}`);
    const fa = readFileSync(a), fb = readFileSync(b);
    const aNew = fa.length === PIX * PIX * 4, bNew = fb.length === 512 + PIX * PIX * 2 && fb.subarray(0, 15).toString() === '{\nHEADER_BYTES=';
    const aOld = fa.toString() === 'old float\n', bOld = fb.toString() === 'old smv\n';
    assert.ok((aOld && bOld) || (aNew && bNew), `a and b are both old or both complete new files (a ${fa.length} bytes, b ${fb.length}): ${ctx}`);
    if (res.code === EXIT.OK || exiting) assert.ok(aNew && bNew, `exit 0 with the old files: ${ctx}`);
    if (aNew) newSets++;
    else oldSets++;
  };
  // two at a time: each child spends most of its life starting node and tsx
  for (let i = 0; i < KILLS; i += 2) await Promise.all([one(i), ...(i + 1 < KILLS ? [one(i + 1)] : [])]);
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `  fuzz-signals: ${KILLS} killed command lines (seed ${SEED}): ${[...codes].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}; ` +
      `${oldSets} left the old pair, ${newSets} the new pair, 0 mixed; ${s} s`,
  );
  assert.ok([...codes.keys()].some((k) => / -> /.test(k)), 'some runs were interrupted');
});

test.run();
