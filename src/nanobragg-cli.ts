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

import { main } from './cli.ts';
import { parseSimArgs } from './simulator/args.ts';
import { EXIT } from './errors.ts';

/** C's exit status for a run that failed on an input or output file. */
export const C_FILE_FAILURE = 9;

/** The simulate argv that gives C's default outputs for a nanoBragg command line. */
export function withCDefaults(argv: readonly string[]): string[] {
  const out = [...argv];
  let a;
  try {
    a = parseSimArgs(argv);
  } catch {
    return out; // simulate reports the error
  }
  if (a.help) return out;
  if (a.floatfile === undefined) out.push('-floatfile', 'floatimage.bin');
  if (a.intfile === undefined) out.push('-intfile', 'intimage.img');
  if (a.pgmfile === undefined && !a.nopgm) out.push('-pgmfile', 'image.pgm');
  if (a.noisefile === undefined && !a.nonoise) out.push('-noisefile', 'noiseimage.img');
  if (!argv.some((t) => t === '--dtype' || t.startsWith('--dtype=')) && a.backend !== 'webgpu') out.push('--dtype', 'f64');
  return out;
}

export async function nanoBraggMain(argv: readonly string[]): Promise<number> {
  const code = await main(['simulate', ...withCDefaults(argv)]);
  return code === EXIT.INPUT || code === EXIT.OUTPUT ? C_FILE_FAILURE : code;
}

const invokedDirectly = process.argv[1] && /nanobragg-cli\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  nanoBraggMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
