// Turns a nanoBragg command line (and, in browsers, the texts of its input files) into a PreparedSimulation:
// parse, read the inputs (HKL, -mat, -mask, -img), resolve the physics once (src/simulator/setup.ts).
// Every engine takes the result as it is.

import { parseSimArgs, type SimArgs } from './args.ts';
import { parseHkl, readHklFile, type HklGrid, type HklParseResult } from '../hkl.ts';
import { setupSimulation, SetupError } from './setup.ts';
import { readSmvFrame, DetectorError, type SmvFrame } from '../physics/detector.ts';
import type { PreparedSimulation } from '../engine/contract.ts';
import { readInputFile, InputFileError } from '../io/input-file.ts';

/**
 * HKL grids already read, by file name and -default_F (the grid's fill value): a batch or dataset that names
 * the same file on every image reads and parses it once. The grid is never modified after parsing (the
 * engines copy it into their own memory), so sharing it between simulations cannot change an image.
 */
export type HklCache = Map<string, Promise<HklParseResult>>;

/** Parses nanoBragg flags and loads the structure factors (from `hklText` if given, else the -hkl file). */
export async function prepareSimulation(
  argv: string[],
  opts: { hklText?: string | Uint8Array; matText?: string; mask?: SmvFrame; img?: SmvFrame; sourceBytes?: Uint8Array; stolBytes?: Uint8Array; args?: SimArgs; hklCache?: HklCache } = {},
): Promise<PreparedSimulation> {
  // the caller may have parsed argv already (the CLI does, to pick the backend): parse once
  const args = opts.args ?? parseSimArgs(argv);
  let grid: HklGrid | null = null;
  let hklWarnings: string[] = [];
  if (opts.hklText !== undefined) {
    const r = parseHkl(opts.hklText, { defaultF: args.defaultF, source: args.hklPath ?? 'HKL text' });
    grid = r.grid;
    hklWarnings = r.warnings;
  } else if (args.hklPath) {
    const key = `${args.defaultF}\u0000${args.hklPath}`;
    let pending = opts.hklCache?.get(key);
    if (!pending) {
      pending = readHklFile(args.hklPath, { defaultF: args.defaultF });
      opts.hklCache?.set(key, pending);
    }
    const r = await pending;
    grid = r.grid;
    hklWarnings = r.warnings;
  }
  let matText = opts.matText;
  if (matText === undefined && args.matPath !== undefined) matText = await readMatrixFile(args.matPath);
  let mask = opts.mask;
  if (mask === undefined && args.maskPath !== undefined) mask = await readMaskFile(args.maskPath, '-mask');
  let img = opts.img;
  if (img === undefined && args.imgPath !== undefined) img = await readMaskFile(args.imgPath, '-img');
  // C reads the -stol file, then the source file, after the structure factors (nanoBragg.c:2256, 2315)
  const stol = opts.stolBytes ?? (args.stolPath !== undefined ? await readInput(args.stolPath, args.stolFlag ?? '-stol', 'two-column text file') : undefined);
  const source = opts.sourceBytes ?? (args.sourcePath !== undefined ? await readInput(args.sourcePath, '-sourcefile', 'source file') : undefined);
  const more = { ...(mask ? { mask } : {}), ...(img ? { img } : {}), ...(stol ? { stol } : {}), ...(source ? { source } : {}) };
  return { argv, sim: setupSimulation(args, grid, { matText, argv, ...more }), hklWarnings };
}

async function readInput(path: string, flag: string, what: string): Promise<Uint8Array> {
  try {
    return await readInputFile(path, flag, what);
  } catch (e) {
    if (e instanceof InputFileError) throw new SetupError(e.message);
    throw e;
  }
}

/** The -mask or -img file, read as an SMV frame (Node/Deno); a missing or malformed file is a one-line error. */
async function readMaskFile(path: string, role: '-mask' | '-img'): Promise<SmvFrame> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SetupError(`${role} ${path}: cannot read the ${role === '-mask' ? 'mask' : 'image'} file (${err.code ?? err.message})`);
  }
  try {
    return readSmvFrame(bytes, path, role);
  } catch (e) {
    if (e instanceof DetectorError) throw new SetupError(e.message);
    throw e;
  }
}

/** The -mat file's text (Node/Deno); a missing file is an error here (C silently ignores it). */
async function readMatrixFile(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SetupError(`-mat ${path}: cannot read the matrix file (${err.code ?? err.message})`);
  }
}

