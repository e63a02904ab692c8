// Where benchmark evidence goes: every run gets a new folder `<out>/<UTC stamp>-<machine tag>[-N]/`, never
// reusing an existing one; files in it are written atomically; run_log.txt collects, timestamped, every line the
// run printed (appended as it goes, so a crash still leaves the log of what happened); run_status.txt says
// whether the run finished, was interrupted, or (still "running") was killed.

import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendLine, writeFileAtomic } from '../io/atomic.ts';
import { utcStamp } from './env.ts';
import { onInterrupt } from '../util/interrupt.ts';

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

/**
 * run_status.txt of a run folder: written "running" when the folder is made, replaced by "finished" at the end or
 * by "interrupted" from the signal handler; a folder still saying "running" was killed (kill -9) or crashed.
 * Each write is a rename of a complete file, synchronous so that the signal handler can make it.
 */
export class RunStatus {
  private readonly remove: () => void;
  constructor(private readonly dir: string, now: () => Date = () => new Date()) {
    this.write(`running: started ${now().toISOString()} (pid ${process.pid}); if this line is still here, the run was killed or crashed before it finished and this folder is incomplete\n`);
    this.remove = onInterrupt((why) => {
      const line = `interrupted: ${why} at ${now().toISOString()}; the run did not finish and this folder is incomplete (no report, or only the files written before)\n`;
      this.write(line);
      try {
        appendFileSync(join(dir, 'run_log.txt'), `${now().toISOString()} ${line}`);
      } catch {
        // the status file says it already
      }
    });
  }

  /** The run ended (with `code`): the interruption hook is removed. */
  finish(code: number, summary: string, now = new Date()): void {
    this.remove();
    this.write(`finished: ${now.toISOString()}, exit code ${code}; ${summary}\n`);
  }

  private write(text: string): void {
    const file = join(this.dir, 'run_status.txt');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
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
