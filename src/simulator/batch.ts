// Many images in one process (issue 17 item 4): `simulate --batch FILE` (one nanoBragg command line per line)
// and `simulate ... --series N` (N images stepping -phi by -osc). Every image's command line is derived
// first and checked whole (flags, HKL file, outputs writable, run length) before any image is made; then one
// engine makes them all in order, and an HKL file named by several images is read and parsed once
// (HklCache). Each image is the image a single `simulate` of its derived command line gives, bit for bit:
// the derivation only rewrites flags (replaceFlags), it never changes how a flag is read.

import { readInputText } from '../io/input-file.ts';
import { resolve } from 'node:path';
import { ArgError, lastFlagValues, parseSimArgs, replaceFlags, type SimArgs } from './args.ts';
import { userErrorCode } from './user-errors.ts';
import type { HklCache } from './engine.ts';
import { prepareRun, renderImage, startRunEngine, writeOutputs, type PreparedRun } from './run.ts';
import { closeEngine } from '../engine/contract.ts';
import { EXIT, UserError } from '../errors.ts';

/** Images whose files may be being written while the next image is made. */
const WRITES_IN_FLIGHT = 4;

/** The output options (canonical names) and the SimArgs field each sets; a cancelled one (-nopgm, -nonoise) is left out. */
export const OUTPUT_FLAGS = ['-floatfile', '-intfile', '-pgmfile', '-noisefile', '--pngfile'] as const;

/** The outputs a parsed command line writes, as [canonical flag, path]. */
export function activeOutputs(a: SimArgs): [string, string][] {
  const out: [string, string | undefined][] = [
    ['-floatfile', a.floatfile], ['-intfile', a.intfile], ['-pgmfile', a.nopgm ? undefined : a.pgmfile],
    ['-noisefile', a.nonoise ? undefined : a.noisefile], ['--pngfile', a.pngfile],
  ];
  return out.filter((o): o is [string, string] => o[1] !== undefined);
}

/**
 * `path` with the image number before its extension: numbered('out/x.bin', 3, 100) = 'out/x_0003.bin'; at least
 * 4 digits, more when the series needs them; a name without an extension gets the number at its end.
 */
export function numbered(path: string, number: number, count: number): string {
  const digits = Math.max(4, String(count).length);
  const n = String(number).padStart(digits, '0');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? `${path.slice(0, dot)}_${n}${path.slice(dot)}` : `${path}_${n}`;
}

/** One image of a batch or series: its command line and where it came from (for messages). */
export interface BatchImage {
  argv: string[];
  /** e.g. "batch.txt line 4", "series image 3/10" */
  origin: string;
}

/**
 * The N command lines of `--series N`: image i (0-based) has -phi = phi0 + i * osc (degrees, the values of the
 * last -phi and -osc tokens, as numbers) and every output numbered i + 1 (name_0001.ext ...).
 */
export function seriesImages(argv: readonly string[], args: SimArgs, origin = 'series'): BatchImage[] {
  const n = args.series ?? 1;
  const base = replaceFlags(argv, ['--series']);
  if (n === 1) return [{ argv: base, origin }];
  const phi0 = Number(lastFlagValues(argv, '-phi')?.[0] ?? 0);
  const osc = Number(lastFlagValues(argv, '-osc')?.[0] ?? 0);
  if (!(osc > 0)) throw new ArgError(`option '--series ${n}' steps -phi by -osc: give -osc (degrees, > 0)`, '--series');
  const outputs = activeOutputs(args);
  if (!outputs.length) throw new ArgError(`option '--series ${n}': no output is asked for (-floatfile, -intfile, -noisefile, -pgmfile, --pngfile)`, '--series');
  const images: BatchImage[] = [];
  for (let i = 0; i < n; i++) {
    const phi = phi0 + i * osc;
    const files = outputs.flatMap(([flag, path]) => [flag, numbered(path, i + 1, n)]);
    images.push({ argv: replaceFlags(base, ['-phi', ...OUTPUT_FLAGS], ['-phi', String(phi), ...files]), origin: `${origin} image ${i + 1}/${n}` });
  }
  return images;
}

/**
 * Splits one line of a batch file into tokens as a shell would for plain words: blanks separate, '...' and
 * "..." quote (a backslash escapes inside "..." and outside quotes), '#' at the start of a word begins a comment.
 */
export function splitLine(line: string): string[] {
  const out: string[] = [];
  let tok = '';
  let inTok = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      if (inTok) out.push(tok);
      tok = '';
      inTok = false;
    } else if (c === '#' && !inTok) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote (\')');
      tok += line.slice(i + 1, end);
      inTok = true;
      i = end;
    } else if (c === '"') {
      inTok = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) tok += line[j] === '\\' && j + 1 < line.length ? line[++j] : line[j];
      if (j >= line.length) throw new Error('unterminated quote (")');
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      tok += line[++i];
      inTok = true;
    } else {
      tok += c;
      inTok = true;
    }
  }
  if (inTok) out.push(tok);
  return out;
}

/** A token as a batch line would write it (quoted when it holds blanks, quotes, # or backslashes). */
export function shellWord(t: string): string {
  return t !== '' && !/[\s'"#\\]/.test(t) ? t : `'${t.replace(/'/g, `'\\''`)}'`;
}

/** The messages a user can cause, with the image's origin in front. */
function located(origin: string, e: unknown): unknown {
  const code = userErrorCode(e);
  return code === undefined ? e : new UserError(`${origin}: ${(e as Error).message}`, code);
}

/** Most bytes of a --batch file (a million lines of flags). */
const BATCH_MAX_BYTES = 256 * 1024 * 1024;

/** The images of `--batch FILE`: the batch command's other flags first, then the line's (a line's flags win). */
export async function batchImages(cmdArgv: readonly string[], file: string): Promise<BatchImage[]> {
  const text = await readInputText(file, '--batch', 'batch file', { maxBytes: BATCH_MAX_BYTES });
  const shared = replaceFlags(cmdArgv, ['--batch']);
  const images: BatchImage[] = [];
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const origin = `${file} line ${l + 1}`;
    let tokens: string[];
    try {
      tokens = splitLine(lines[l]);
    } catch (e) {
      throw new UserError(`${origin}: ${(e as Error).message}`, EXIT.USAGE);
    }
    if (!tokens.length) continue;
    if (tokens[0] === 'nanoBragg' || tokens[0].endsWith('/nanoBragg')) tokens.shift(); // a copied C command line
    const argv = [...shared, ...tokens];
    try {
      const args = parseSimArgs(argv);
      if (args.batch !== undefined) throw new ArgError("option '--batch' inside a batch file: batches do not nest", '--batch');
      images.push(...seriesImages(argv, args, origin));
    } catch (e) {
      throw located(origin, e);
    }
  }
  if (!images.length) throw new UserError(`--batch ${file}: no command line in the file (only blank or # comment lines)`, EXIT.USAGE);
  return images;
}

/** Refuses two images writing the same file (the later would silently replace the earlier). */
function checkDistinctOutputs(runs: readonly (PreparedRun & { origin: string })[]): void {
  const seen = new Map<string, string>();
  for (const r of runs) {
    for (const [flag, path] of activeOutputs(r.args)) {
      const key = resolve(path);
      const before = seen.get(key);
      if (before !== undefined) throw new UserError(`${r.origin}: ${flag} ${path} is also written by ${before}`, EXIT.USAGE);
      seen.set(key, `${r.origin}`);
    }
  }
}

/** `simulate --batch FILE` or `simulate ... --series N`: every image checked, then made with one engine. */
export async function runBatch(cmdArgv: string[], cmdArgs: SimArgs): Promise<number> {
  const images = cmdArgs.batch !== undefined ? await batchImages(cmdArgv, cmdArgs.batch) : seriesImages(cmdArgv, cmdArgs);
  const hklCache: HklCache = new Map();
  const runs: (PreparedRun & { origin: string })[] = [];
  const first = parseSimArgs(images[0].argv);
  for (const im of images) {
    try {
      const args = parseSimArgs(im.argv);
      for (const [opt, v, w] of [['--backend', args.backend, first.backend], ['--dtype', args.dtype, first.dtype], ['--threads', args.threads, first.threads]] as const) {
        if (v !== w) throw new ArgError(`option '${opt} ${v ?? '(all cores)'}' differs from the first image's '${w ?? '(all cores)'}': one engine makes every image`, opt);
      }
      runs.push({ ...(await prepareRun(im.argv, args, hklCache)), origin: im.origin });
    } catch (e) {
      throw located(im.origin, e);
    }
  }
  checkDistinctOutputs(runs);
  const { engine, reason } = await startRunEngine(first, runs.map((r) => r.prepared.sim));
  console.log(`backend: ${engine.backend} (${engine.binary}), dtype ${first.dtype}; ${reason}`);
  console.log(`${runs.length} images, ${hklCache.size} HKL file${hklCache.size === 1 ? '' : 's'} read`);
  const t0 = performance.now();
  // An image's files are written (and fsynced: the disk, not the CPU, sets that pace) while the next images are
  // made, at most WRITES_IN_FLIGHT at a time; each image's lines are printed, in image order, once its files are.
  const queue: { written: Promise<void>; lines: string[] }[] = [];
  const printOldest = async () => {
    const q = queue.shift()!;
    try {
      await q.written;
    } finally {
      for (const l of q.lines) console.log(l);
    }
  };
  try {
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      const lines = [`image ${i + 1}/${runs.length} (${r.origin}): ${r.argv.map(shellWord).join(' ')}`, ...r.prepared.sim.messages, ...r.args.warnings];
      const log = (l: string) => void lines.push(l);
      let files;
      try {
        files = (await renderImage(engine, r, log)).files;
      } catch (e) {
        while (queue.length) await printOldest(); // earlier images first; an earlier write failure is the one reported
        for (const l of lines) console.log(l);
        throw located(r.origin, e);
      }
      const written = writeOutputs(files, log).catch((e) => {
        throw located(r.origin, e);
      });
      written.catch(() => {}); // awaited in its turn; not an unhandled rejection meanwhile
      queue.push({ written, lines });
      if (queue.length >= WRITES_IN_FLIGHT) await printOldest();
    }
    while (queue.length) await printOldest();
  } finally {
    // after a failure the writes already under way still finish (each all-or-nothing) and are reported
    while (queue.length) await printOldest().catch(() => {});
    await closeEngine(engine);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${runs.length} images in ${s.toFixed(3)} s (${(runs.length / s).toFixed(2)} images/s)`);
  return EXIT.OK;
}
