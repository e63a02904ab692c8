// Where benchmark evidence goes: every run gets a new folder `<out>/<UTC stamp>-<machine tag>[-N]/`, never
// reusing an existing one; files in it are written atomically; run_log.txt collects, timestamped, every line the
// run printed (appended as it goes, so a crash still leaves the log of what happened).

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendLine, writeFileAtomic } from '../io/atomic.ts';
import { utcStamp } from './env.ts';

/**
 * Creates a fresh run folder under `parent` (created if needed). mkdir without `recursive` fails on an existing
 * folder, so two runs in the same second (even in two processes) get different folders: -2, -3, ...
 */
export function createRunDir(parent: string, tag: string, now = new Date()): string {
  mkdirSync(parent, { recursive: true });
  const base = `${utcStamp(now)}-${tag}`;
  for (let i = 1; i < 10_000; i++) {
    const dir = resolve(parent, i === 1 ? base : `${base}-${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`cannot create a new run folder under ${parent}: ${base}-1..9999 all exist`);
}

/** Prints lines and appends them, timestamped, to run_log.txt in the run folder. */
export class RunLog {
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  readonly lines: string[] = [];

  constructor(
    private readonly file: string | null,
    private readonly print: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  ) {}

  line = (text: string): void => {
    this.print(text);
    for (const l of text.split('\n')) {
      const stamped = `${new Date().toISOString()} ${l}`;
      this.lines.push(stamped);
      const f = this.file;
      if (f) this.pending = this.pending.then(() => appendLine(f, stamped)).catch((e) => void (this.failed ??= e as Error));
    }
  };

  /** Waits for every append; throws the first append error, if any. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failed) throw this.failed;
  }
}

/** Writes `name` into the run folder atomically and returns its path. */
export async function writeRunFile(dir: string, name: string, data: string): Promise<string> {
  const p = join(dir, name);
  await writeFileAtomic(p, data);
  return p;
}

export const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';
