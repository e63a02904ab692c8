// Turns a nanoBragg command line (and, in browsers, the texts of its input files) into a PreparedSimulation:
// parse, read the inputs (HKL, -mat, -mask, -img), resolve the physics once (src/simulator/setup.ts).
// Every engine takes the result as it is.

import { parseSimArgs, type PhysicsArgs, type SimArgs } from './args.ts';
import { parseHkl, readHklFile, type HklGrid, type HklParseResult } from '../hkl.ts';
import { setupSimulation } from './setup.ts';
import { resolveFirstEvaluation } from './first-evaluation.ts';
import { readSmvFrame, DetectorError, type SmvFrame } from '../physics/detector.ts';
import type { PreparedSimulation } from '../engine/contract.ts';
import { readInputFile, readInputText, InputFileError } from '../io/input-file.ts';

/**
 * HKL grids already read, by file name and -default_F (the grid's fill value): a batch or dataset that names
 * the same file on every image reads and parses it once. The grid is never modified after parsing (the
 * engines copy it into their own memory), so sharing it between simulations cannot change an image.
 */
export type HklCache = Map<string, Promise<HklParseResult>>;

/** The files the caller may give instead of letting the -hkl, -mat, -mask, -img, -sourcefile and -stol files be read. */
type GivenInputs = { hklText?: string | Uint8Array; matText?: string; mask?: SmvFrame; img?: SmvFrame; sourceBytes?: Uint8Array; stolBytes?: Uint8Array; hklCache?: HklCache };

/** Parses nanoBragg flags and loads the structure factors (from `hklText` if given, else the -hkl file). */
export async function prepareSimulation(
  argv: string[],
  opts: GivenInputs & { args?: SimArgs } = {},
): Promise<PreparedSimulation> {
  // the caller may have parsed argv already (the CLI does, to pick the backend): parse once
  const args = opts.args ?? parseSimArgs(argv);
  const { grid, hklWarnings, matText, more } = await readInputs(args, opts);
  const sim = setupSimulation(args, grid, { matText, argv, ...more });
  resolveFirstEvaluation(sim);
  return { argv, sim, hklWarnings };
}

/** The input files the physics options name, in the order C reads them (only PhysicsArgs are read). */
async function readInputs(args: PhysicsArgs, opts: GivenInputs) {
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
  if (matText === undefined && args.matPath !== undefined) matText = await readInputText(args.matPath, '-mat', 'matrix file');
  let mask = opts.mask;
  if (mask === undefined && args.maskPath !== undefined) mask = await readMaskFile(args.maskPath, '-mask');
  let img = opts.img;
  if (img === undefined && args.imgPath !== undefined) img = await readMaskFile(args.imgPath, '-img');
  // C reads the -stol file, then the source file, after the structure factors (nanoBragg.c:2256, 2315)
  const stol = opts.stolBytes ?? (args.stolPath !== undefined ? await readInputFile(args.stolPath, args.stolFlag ?? '-stol', 'two-column text file') : undefined);
  const source = opts.sourceBytes ?? (args.sourcePath !== undefined ? await readInputFile(args.sourcePath, '-sourcefile', 'source file') : undefined);
  const more = { ...(mask ? { mask } : {}), ...(img ? { img } : {}), ...(stol ? { stol } : {}), ...(source ? { source } : {}) };
  return { grid, hklWarnings, matText, more };
}

/** The -mask or -img file, read as an SMV frame (Node/Deno); an unreadable or malformed file is a one-line error. */
async function readMaskFile(path: string, role: '-mask' | '-img'): Promise<SmvFrame> {
  const bytes = await readInputFile(path, role, role === '-mask' ? 'mask file' : 'image file', { maxBytes: SMV_MAX_BYTES });
  try {
    return readSmvFrame(bytes, path, role);
  } catch (e) {
    if (e instanceof DetectorError) throw InputFileError.fromLine(e.message);
    throw e;
  }
}

/** Most bytes of a -mask/-img frame: the largest detector (65536^2 pixels is refused earlier) as 16-bit SMV. */
const SMV_MAX_BYTES = 2 ** 31 - 1;

