// Running a real command line of tests/fixtures/real-commands.json in an empty folder: the C reference
// (scripts/real-commands.ts) or the drop-in (tests/real-commands.test.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeInputs } from './real-commands.ts';

export const FIXTURE = new URL('../fixtures/real-commands.json', import.meta.url).pathname;
export const PRINTOUT_FIXTURE = new URL('../fixtures/c-printout.json', import.meta.url).pathname;

export interface RealCommand { name: string; argv: string[]; extra: string[]; inputs: Parameters<typeof makeInputs>[0] }
export interface RunResult {
  rc: number;
  stdout: string;
  stderr?: string;
  /** sha256 of each output file */
  files: Record<string, string>;
  /** sha256 of each SMV file's pixels (the last SIZE1 x SIZE2 x 2 bytes), whatever its header length */
  pixels: Record<string, string>;
}

/** An empty folder holding only the command's inputs. */
export function folderFor(c: RealCommand): { dir: string; inputs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nb-real-'));
  const files = makeInputs(c.inputs);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, inputs: Object.keys(files) };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** sha256 of every file in `dir` that is not an input, and of the pixels of each SMV file. */
export function outputs(dir: string, inputs: readonly string[]): Pick<RunResult, 'files' | 'pixels'> {
  const files: Record<string, string> = {}, pixels: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    if (inputs.includes(f)) continue;
    const b = readFileSync(join(dir, f));
    files[f] = sha(b);
    const head = b.subarray(0, 4096).toString('latin1');
    const w = /SIZE1=(\d+);/.exec(head), h = /SIZE2=(\d+);/.exec(head);
    if (head.startsWith('{\nHEADER_BYTES=') && w && h) pixels[f] = sha(b.subarray(b.length - Number(w[1]) * Number(h[1]) * 2));
  }
  return { files, pixels };
}

export function runC(bin: string, c: RealCommand): RunResult {
  const { dir, inputs } = folderFor(c);
  try {
    const r = spawnSync(bin, [...c.argv, ...c.extra], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { rc: r.status ?? -1, stdout: r.stdout, ...outputs(dir, inputs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
