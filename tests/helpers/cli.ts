// Running the command line in tests: in-process through main(argv) (fast; stdout/stderr captured) or as a child
// process (`node --import tsx src/cli.ts ...`, bounded by a timeout), plus the checks every user-caused failure
// must pass (one `error: ...` line on stderr, no stack trace, the documented exit code), a seeded PRNG for the
// fuzz tests and scratch folders.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The simplest valid simulation: a 16 x 16 detector, a constant F, no files. */
export const TINY = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-detpixels', '16', '-noprogress'];

export interface CliResult {
  /** Exit code; null when the process ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run in ms. */
  ms: number;
  timedOut: boolean;
}

/**
 * Runs `main(argv)` in this process with process.stdout/stderr.write captured (console.log goes through them).
 * Faithful for everything but signals, TTY detection and process-wide limits: use runCli for those.
 */
export async function runMain(argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  const capture = (sink: string[]) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  const realTTY = process.stderr.isTTY;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.stderr.isTTY = false; // as when stderr is a file or a pipe, however the tests were started
  const t0 = performance.now();
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.stderr.isTTY = realTTY;
  }
  return { code, signal: null, stdout: out.join(''), stderr: err.join(''), ms: performance.now() - t0, timedOut: false };
}

export interface CliOptions {
  /** Kill (SIGKILL) and report timedOut after this many ms; default 30 000. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user/group (needs root): permission errors cannot be provoked as root otherwise. */
  uid?: number;
  gid?: number;
  /** Shell commands run before the CLI in the same process (`ulimit -f 4`): the CLI is exec'd by /bin/sh. */
  shellPrefix?: string;
  /** Called once the child has started (to send it signals). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Other test files point the Vulkan loader at SwiftShader in this process's environment (tests/webgpu.test.ts);
 * children start without that unless a test asks for it, so that what they print does not depend on test order.
 */
const NO_VULKAN_OVERRIDES = { VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined, VK_ADD_DRIVER_FILES: undefined };

/** Runs `node --import tsx src/cli.ts ...argv` from the repository root. */
export function runCli(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  const nodeArgs = ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...argv];
  const [cmd, args] = opts.shellPrefix
    ? ['/bin/sh', ['-c', `${opts.shellPrefix}; exec "$0" "$@"`, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  // another user must be able to reach the checkout (a clone under a mkdtemp folder is 0700 up the path)
  const restore = opts.uid !== undefined ? letOthersTraverse(REPO_ROOT) : () => {};
  return new Promise<CliResult>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...NO_VULKAN_OVERRIDES, FORCE_COLOR: '0', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
    opts.onSpawn?.(child);
  }).finally(restore);
}

/**
 * Adds the search (x) bit for other users to `dir` and each folder above it that lacks it, and returns
 * the function that puts the modes back. Only the right to pass through is granted, not to list.
 */
function letOthersTraverse(dir: string): () => void {
  const changed: [string, number][] = [];
  for (let d = dir; ; d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if (!(mode & 0o001)) {
      chmodSync(d, mode | 0o001);
      changed.push([d, mode]);
    }
    if (dirname(d) === d) break;
  }
  return () => {
    for (const [d, mode] of changed.reverse()) chmodSync(d, mode);
  };
}

/** The non-empty lines of stderr. */
export function stderrLines(r: CliResult): string[] {
  return r.stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/**
 * A user-caused failure: exit `code`, exactly one line on stderr (`error: ...`, ending in a newline), no stack
 * trace; each `mentions` must occur in that line. Returns the line.
 */
export function expectFailure(r: CliResult, code: number, ...mentions: (string | RegExp)[]): string {
  const ctx = `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}, stderr ${JSON.stringify(r.stderr.slice(0, 600))}`;
  assert.not.ok(r.timedOut, `timed out after ${r.ms.toFixed(0)} ms; ${ctx}`);
  assert.is(r.code, code, `exit code: ${ctx}`);
  const lines = stderrLines(r);
  assert.is(lines.length, 1, `exactly one line on stderr: ${ctx}`);
  const line = lines[0];
  assert.ok(line.startsWith('error: '), `the line starts with 'error: ': ${ctx}`);
  assert.ok(r.stderr === line + '\n', `nothing else on stderr (no progress bar, no blank line): ${ctx}`);
  assert.not.match(r.stderr, /^\s+at /m, `no stack trace: ${ctx}`);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(line.includes(m), `the line names ${JSON.stringify(m)}: ${JSON.stringify(line)}`);
    else assert.match(line, m, `the line matches ${m}: ${JSON.stringify(line)}`);
  }
  return line;
}

/** A successful run: exit 0 and nothing on stderr. */
export function expectSuccess(r: CliResult): void {
  assert.not.ok(r.timedOut, `timed out after ${r.ms.toFixed(0)} ms`);
  assert.is(r.code, 0, `exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 600))}`);
  assert.is(r.stderr, '', 'nothing on stderr');
}

/** Fresh scratch folders, removed by cleanup(). */
export function scratch(prefix: string) {
  const dirs: string[] = [];
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), `nanobragg-${prefix}-`));
      dirs.push(d);
      return d;
    },
    cleanup(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Running as root (file permissions do not stop root: permission tests drop to `nobody` in a child). */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const NOBODY = 65534;

// ---------------------------------------------------------------------------------------------------------------
// Seeded pseudo-random numbers for the fuzz tests

/** xorshift32 (Marsaglia 2003): small, fast, deterministic for a seed; quality ample for choosing mutations. */
export class XorShift32 {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 2^32). */
  nextU32(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}
