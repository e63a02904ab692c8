// The -noisefile output for a simulate run: which generator (C-exact on --dtype f64, the counter-based one
// otherwise; docs/c-behaviour/noise.md), the seed C would use, and C's lines about the noise.

import type { HostArgs, OutputArgs, PhysicsArgs } from '../simulator/args.ts';
import type { Roi, SmvHeader } from '../io/images.ts';
import { formatG } from '../util/cformat.ts';
import { seedFromFlag, timeSeed, type Ran1Table } from './rng.ts';
import { cPreDraws, encodeNoiseSmv, noiseImage, noiseImageFast, noiseSummaryLine } from './noise-image.ts';

/**
 * What the noise image reads of the command line. Not physics set-up: an output (-seed, -adc), plus the host's
 * --dtype, which picks the generator (C's poidev stream on f64, the counter-based one otherwise), and -water for
 * C's printout line.
 */
export type NoiseArgs = Pick<OutputArgs, 'seed' | 'adc'> & Pick<HostArgs, 'dtype'> & Pick<PhysicsArgs, 'water_m'>;

/** C's noise seed variable for these arguments: -atoi(-seed), else -time(). */
export function cNoiseSeed(a: Pick<OutputArgs, 'seed'>, nowMs = Date.now()): number {
  return a.seed !== undefined ? seedFromFlag(a.seed) : timeSeed(nowMs);
}

export function noiseOutput(
  a: NoiseArgs,
  image: Float32Array,
  width: number,
  height: number,
  header: SmvHeader,
  roi?: Roi,
  rng?: Ran1Table,
): { bytes: Uint8Array; lines: string[]; summary: string; exact: boolean } {
  const seed = cNoiseSeed(a);
  const exact = a.dtype === 'f64';
  // C's noise stream shares ran1's table with the -misset random and mosaic draws made before it: continue the
  // table the crystal set-up left (matters when the seed variable is positive, `-seed -N`); without one (a
  // simulation built elsewhere), replay C's default single domain
  const n = exact
    ? noiseImage(image, width, height, { seed, adc: a.adc, roi, ...(rng ? { table: rng.clone() } : { preDraws: cPreDraws({}) }) })
    : noiseImageFast(image, width, height, { seed, adc: a.adc, roi });
  const lines = [
    '  noise image paramters:', // sic, C's spelling (M:2503)
    `  seed: ${seed}`,
    `  water droplet size: ${formatG(a.water_m)} m`,
    `noise: ${exact ? "nanoBragg's poidev stream (C-exact)" : 'counter-based Poisson (statistically exact, not C\'s stream; use --dtype f64 for C\'s)'}`,
    noiseSummaryLine(n),
  ];
  return { bytes: encodeNoiseSmv(n.pixels, width, height, header), lines, summary: noiseSummaryLine(n), exact };
}
