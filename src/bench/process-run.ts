// Running a whole program as one benchmark measurement (the C program, and our own bin): spawn to exit,
// synchronously, with the float image it wrote read back and every file it leaves removed, so each run writes
// anew (and a stale Fdump.bin cannot be read by the next: docs/c-behaviour/minimal-loop.md T-6).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { summarize } from './stats.ts';

export interface ProcessRun {
  stdout: string;
}

export function lastLines(text: string, n = 4): string {
  return text.trimEnd().split('\n').slice(-n).join(' / ').slice(0, 600);
}

/** Runs the program once, synchronously (spawn to exit is what a measurement times); throws on any failure. */
export function runProcess(binary: string, argv: string[], cwd: string, timeoutS: number): ProcessRun {
  const r = spawnSync(binary, argv, { cwd, encoding: 'latin1', maxBuffer: 256 << 20, timeout: timeoutS * 1000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ETIMEDOUT' ? `${basename(binary)} ran longer than ${timeoutS} s and was killed` : `cannot run ${binary}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.status}`;
    throw new Error(`${basename(binary)} ${how}: ${lastLines(`${r.stdout ?? ''}\n${r.stderr ?? ''}`)}`);
  }
  return { stdout: r.stdout ?? '' };
}

/** Reads (then removes) the float image a run wrote, and the files it leaves behind, so every run writes anew. */
export function collectFloatImage(runDir: string, floatPath: string, intPath: string): { image: Float32Array; bytes: number } {
  let buf: Buffer;
  try {
    buf = readFileSync(floatPath);
  } catch (e) {
    throw new Error(`the program exited 0 but wrote no float image at ${floatPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const f of [floatPath, intPath, join(runDir, 'Fdump.bin')]) rmSync(f, { force: true });
  const n = Math.floor(buf.length / 4);
  const image = new Float32Array(n);
  new Uint8Array(image.buffer).set(buf.subarray(0, n * 4)); // little-endian host, as both programs write it
  return { image, bytes: buf.length };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The fixed overhead of a whole-process measurement: the same flags on a `size` x `size` detector (start-up, input
 * and output I/O, almost no pixels), the median of `samples` runs, as report facts; or why it failed.
 */
export function measureFixedOverhead(program: string, argv: string[], dir: string, samples: number, timeoutS: number, size: number):
  { fixed_overhead_s: number; fixed_overhead_samples: number; fixed_overhead_run: string } | { problem: string } {
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      runProcess(program, argv, dir, timeoutS);
      times.push((performance.now() - t0) / 1000);
      collectFloatImage(dir, join(dir, 'float.bin'), join(dir, 'int.img'));
    }
  } catch (e) {
    return { problem: `fixed-overhead run (${size}x${size}) failed: ${(e as Error).message}` };
  }
  return {
    fixed_overhead_s: summarize(times).median,
    fixed_overhead_samples: times.length,
    fixed_overhead_run: `same flags, -detpixels ${size}, median of ${times.length} processes`,
  };
}
