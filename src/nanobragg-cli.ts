// A drop-in `nanoBragg` command for existing scripts: C's flags (plus ours), C's default output files and
// C's exit code 9 where C fails on a file. Run: `nanoBragg <flags>` (the package bin, out/bin/nanoBragg-dropin.mjs, built from src/bin/dropin.ts) or
// `npx tsx src/nanobragg-cli.ts <flags>`.
//
// What differs from `simulate`:
//  * C's default outputs in the current folder (nanoBragg.c M:139-150): floatimage.bin and intimage.img
//    always, image.pgm unless -nopgm, noiseimage.img unless -nonoise (a later -pgmfile/-noisefile turns
//    them back on, as in C);
//  * --dtype f64 by default (the C-identical path, noise image included; docs/c-behaviour/noise.md);
//    --dtype f32 or --backend webgpu choose speed;
//  * an unreadable input or unwritable output exits 9 as C does (C's perror + exit(9)); other refusals keep
//    our codes (README "Errors and exit codes"): C would silently do something there.
//  * Fdump.bin is neither read nor written (C caches the HKL table there; we re-read the HKL file).
//  * stdout is C's (src/simulator/c-report.ts; docs/c-behaviour/stdout.md says which lines are verbatim); our own
//    lines (backend, notes, files written) go to stderr.

import { main } from './cli.ts';
import { parseSimArgs } from './simulator/args.ts';
import { EXIT } from './errors.ts';

/** C's exit status for a run that failed on an input or output file. */
export const C_FILE_FAILURE = 9;

/**
 * The simulate argv that gives C's default outputs for a nanoBragg command line: the defaults go in front, so the
 * user's words keep their positions (C's `-misset_seed` quirk looks at the words after it, nanoBragg.c M:1107).
 */
export function withCDefaults(argv: readonly string[]): string[] {
  let a;
  try {
    a = parseSimArgs(argv);
  } catch {
    return [...argv]; // simulate reports the error
  }
  if (a.help) return [...argv];
  const front: string[] = [];
  if (a.floatfile === undefined) front.push('-floatfile', 'floatimage.bin');
  if (a.intfile === undefined) front.push('-intfile', 'intimage.img');
  if (a.pgmfile === undefined && !a.nopgm) front.push('-pgmfile', 'image.pgm');
  if (a.noisefile === undefined && !a.nonoise) front.push('-noisefile', 'noiseimage.img');
  if (!argv.some((t) => t === '--dtype' || t.startsWith('--dtype=')) && a.backend !== 'webgpu') front.push('--dtype', 'f64');
  return [...front, ...argv];
}

export async function nanoBraggMain(argv: readonly string[]): Promise<number> {
  const code = await main(['simulate', ...withCDefaults(argv)], { cStdout: true });
  return code === EXIT.INPUT || code === EXIT.OUTPUT ? C_FILE_FAILURE : code;
}

const invokedDirectly = process.argv[1] && /nanobragg-cli\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  nanoBraggMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
