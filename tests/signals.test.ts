// Nothing hangs, nothing half-written: Ctrl-C (SIGINT) ends a long `simulate` within 2 s with one line and exit
// code 130, leaving no output and no temporary file; the progress bar shows on a terminal only (a pseudo-terminal
// from util-linux `script`), never when stderr is a file or a pipe, and never with -noprogress.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../src/errors.ts';
import { REPO_ROOT, expectSuccess, runCli, scratch, stderrLines, type CliResult } from './helpers/cli.ts';

const tmp = scratch('signals');
test.after(() => tmp.cleanup());

const CELL = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100'];
/** About 10 s of single-threaded work on a 2-core CI machine (6e8 evaluations). */
const LONG = [...CELL, '-detpixels', '2048', '-oversample', '12', '-noprogress'];
const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** Starts `simulate argv`, sends SIGINT `afterMs` after the backend line appears, returns the run and the delay to exit. */
async function interrupt(argv: string[], afterMs = 300): Promise<{ r: CliResult; exitAfterSignalMs: number; signalled: boolean }> {
  let sentAt = 0;
  let signalled = false;
  const r = await runCli(['simulate', ...argv], {
    timeoutMs: 60_000,
    onSpawn(child) {
      let out = '';
      child.stdout!.on('data', (d: Buffer | string) => {
        if (signalled || sentAt) return;
        out += String(d);
        if (/^backend: /m.test(out)) {
          sentAt = -1;
          setTimeout(() => {
            sentAt = performance.now();
            signalled = child.kill('SIGINT');
          }, afterMs);
        }
      });
    },
  });
  return { r, exitAfterSignalMs: sentAt > 0 ? performance.now() - sentAt : NaN, signalled };
}

function expectInterrupted(run: Awaited<ReturnType<typeof interrupt>>, dir: string, output: string): void {
  const { r, exitAfterSignalMs, signalled } = run;
  assert.ok(signalled, `the run ended before the signal could be sent: exit ${r.code}, stderr ${r.stderr}`);
  assert.not.ok(r.timedOut, 'timed out');
  assert.ok(exitAfterSignalMs < 2000, `ended ${exitAfterSignalMs.toFixed(0)} ms after SIGINT (limit 2000 ms) [fix Y1]`);
  assert.not.match(r.stdout, /evaluations in/, 'the run was still simulating when the signal came');
  assert.is(r.code, EXIT.INTERRUPTED, `exit ${r.code} (signal ${r.signal}), stderr ${r.stderr}`);
  assert.equal(stderrLines(r), ['error: interrupted (SIGINT)']);
  assert.not.ok(existsSync(join(dir, output)), 'no output file from an interrupted run');
  assert.equal(tempFiles(dir), [], 'no temporary file left behind');
}

test('SIGINT ends a long single-threaded simulate promptly: exit 130, one line, no output [fix Y1]', async () => {
  const d = tmp.dir();
  const run = await interrupt([...LONG, '--backend', 'wasm', '-floatfile', join(d, 'out.bin')]);
  console.log(`  wasm: exit ${run.r.code} ${run.exitAfterSignalMs.toFixed(0)} ms after SIGINT`);
  expectInterrupted(run, d, 'out.bin');
});

test('SIGINT ends a long wasm-threads simulate promptly', async () => {
  const d = tmp.dir();
  const run = await interrupt([...LONG, '--backend', 'wasm-threads', '--threads', '2', '-floatfile', join(d, 'out.bin')]);
  if (run.r.code === EXIT.RESOURCE) {
    console.log(`  skipped: wasm-threads unavailable here (${run.r.stderr.trim()})`);
    return;
  }
  console.log(`  wasm-threads: exit ${run.r.code} ${run.exitAfterSignalMs.toFixed(0)} ms after SIGINT`);
  expectInterrupted(run, d, 'out.bin');
});

test('SIGINT during a bench run marks its folder interrupted (run_status.txt and run_log.txt); a finished run says finished', async () => {
  const d = tmp.dir();
  let signalled = false;
  const r = await runCli(['bench', 'tricubic', '--sizes', '1024', '--repeats', '50', '--backend', 'wasm-scalar', '--dtype', 'f64', '--out', d], {
    timeoutMs: 120_000,
    onSpawn(child) {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer | string) => {
        out += String(chunk);
        if (!signalled && /^run folder: /m.test(out)) setTimeout(() => (signalled = child.kill('SIGINT')), 500);
      });
    },
  });
  assert.ok(signalled, `the bench ended before the signal: exit ${r.code}`);
  assert.is(r.code, EXIT.INTERRUPTED, r.stderr);
  const [run] = readdirSync(d);
  const status = readFileSync(join(d, run, 'run_status.txt'), 'utf8');
  assert.match(status, /^interrupted: interrupted \(SIGINT\) at \S+; the run did not finish/);
  assert.match(readFileSync(join(d, run, 'run_log.txt'), 'utf8'), /interrupted: interrupted \(SIGINT\)/);
  assert.not.ok(readdirSync(join(d, run)).some((f) => f.endsWith('_baseline.json')), 'a report from an interrupted run');
  const done = await runCli(['bench', 'tricubic', '--sizes', '8', '--repeats', '1', '--backend', 'wasm-scalar', '--dtype', 'f32', '--out', d], { timeoutMs: 60_000 });
  assert.is(done.code, EXIT.OK, done.stderr);
  const second = readdirSync(d).filter((f) => f !== run)[0];
  assert.match(readFileSync(join(d, second, 'run_status.txt'), 'utf8'), /^finished: \S+, exit code 0; complete\n$/);
});

test('SIGINT while the outputs are being written leaves no temporary file [fix G1]', async () => {
  const d = tmp.dir();
  writeFileSync(join(d, 'old.bin'), 'previous run\n');
  // big outputs, so that writing (with its fsyncs) takes long enough to be caught in the act
  const argv = ['simulate', ...CELL, '-detpixels', '3072', '-oversample', '1', '-nointerpolate', '-noprogress', '--backend', 'wasm',
    '-floatfile', join(d, 'old.bin'), '-intfile', join(d, 'b.img'), '-pgmfile', join(d, 'c.pgm')];
  let sawTemp = false;
  const r = await runCli(argv, {
    timeoutMs: 60_000,
    onSpawn(child) {
      const poll = setInterval(() => {
        if (tempFiles(d).length) {
          sawTemp = true;
          child.kill('SIGINT');
          clearInterval(poll);
        }
      }, 1);
      child.on('close', () => clearInterval(poll));
    },
  });
  console.log(`  write phase: ${sawTemp ? 'interrupted while a temporary file existed' : 'no temporary file seen (writes too fast to catch)'}, exit ${r.code}`);
  assert.equal(tempFiles(d), [], `temporary files left: ${tempFiles(d)}`);
  const old = readFileSync(join(d, 'old.bin'));
  assert.ok(old.toString() === 'previous run\n' || old.length === 3072 * 3072 * 4, 'old.bin is either the previous file or the complete new one');
  if (sawTemp) assert.is(r.code, EXIT.INTERRUPTED);
});

test('removePendingTempFiles deletes the temporary file of a write in progress [fix G1]', async () => {
  const atomic = (await import('../src/io/atomic.ts')) as Record<string, unknown>;
  const remove = atomic.removePendingTempFiles as (() => void) | undefined;
  assert.type(remove, 'function', '[fix G1] src/io/atomic.ts exports no removePendingTempFiles() for the SIGINT handler');
  if (typeof remove !== 'function') return;
  const writeFileAtomic = atomic.writeFileAtomic as (p: string, d: Uint8Array) => Promise<void>;
  const d = tmp.dir();
  const target = join(d, 'big.bin');
  const done = writeFileAtomic(target, new Uint8Array(64 << 20)).then(() => 'written', () => 'failed');
  let seen = false;
  for (let k = 0; k < 20_000 && !seen; k++) {
    seen = tempFiles(d).length > 0;
    if (!seen) await new Promise((res) => setImmediate(res));
  }
  remove();
  const outcome = await done;
  assert.equal(tempFiles(d), []);
  if (seen) assert.ok(outcome === 'failed' || existsSync(target), 'the write failed, or finished (renamed) before the removal');
});

// ------------------------------------------------------------------------------------------------ progress

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs a shell command on a pseudo-terminal (util-linux `script`); returns everything the terminal showed. */
function onTerminal(command: string): { status: number | null; screen: string } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TERM: 'dumb' } });
  return { status: r.status, screen: r.stdout ?? '' };
}

const BAR = /\[[#.]{30}\]\s+\d+%\s+[\d.]+ s, ~[\d.]+ s left/;
const cli = (args: string) => `${JSON.stringify(process.execPath)} --import tsx src/cli.ts simulate ${CELL.join(' ')} ${args}`;

test('no progress bar when stderr is not a terminal (a pipe)', async () => {
  const r = await runCli(['simulate', ...CELL, '-detpixels', '512', '-oversample', '2']);
  expectSuccess(r);
  assert.not.match(r.stdout, BAR);
});

test('a terminal shows a progress bar with the time left; -noprogress hides it', () => {
  if (!hasScript) {
    console.log('  skipped: util-linux `script` is not installed (no pseudo-terminal)');
    return;
  }
  const shown = onTerminal(cli('-detpixels 768 -oversample 2'));
  assert.is(shown.status, 0, shown.screen);
  assert.match(shown.screen, BAR, 'a bar with the time left');
  assert.match(shown.screen, /\[#{30}\] 100%/, 'the bar ends at 100%');
  const quiet = onTerminal(cli('-detpixels 768 -oversample 2 -noprogress'));
  assert.is(quiet.status, 0, quiet.screen);
  assert.not.match(quiet.screen, /% .* s left/, '-noprogress: no bar');
  const redirected = onTerminal(`${cli('-detpixels 768 -oversample 2')} 2>/dev/null`);
  assert.not.match(redirected.screen, /s left/, 'stderr redirected to a file: no bar even on a terminal');
});

test('Ctrl-C on a terminal: the error line replaces the progress bar instead of trailing it [fix T1]', () => {
  if (!hasScript) {
    console.log('  skipped: util-linux `script` is not installed (no pseudo-terminal)');
    return;
  }
  const shown = onTerminal(`${cli('-detpixels 2048 -oversample 12 --backend wasm-threads')} & pid=$!; sleep 2; kill -INT $pid; wait $pid; echo "exit=$?"`);
  assert.match(shown.screen, /exit=130/, shown.screen.slice(-500));
  const segments = shown.screen.split(/\r\n|\r|\n/);
  const error = segments.find((s) => s.includes('error: interrupted'));
  assert.ok(error !== undefined, 'the error line is shown');
  assert.match(error!.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''), /^error: interrupted \(SIGINT\)$/, `the error line starts a line of its own: ${JSON.stringify(error)}`);
});

test.run();
