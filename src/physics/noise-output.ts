// The -noisefile output for a simulate run: which generator (C-exact on --dtype f64, the counter-based one
// otherwise; docs/c-behaviour/noise.md), the seed C would use, and C's lines about the noise.

import type { SimArgs } from '../simulator/args.ts';
import type { Roi, SmvHeader } from '../io/images.ts';
import { seedFromFlag, timeSeed } from './rng.ts';
import { cPreDraws, encodeNoiseSmv, noiseImage, noiseImageFast, noiseSummaryLine } from './noise-image.ts';

/** C's noise seed variable for these arguments: -atoi(-seed), else -time(). */
export function cNoiseSeed(a: SimArgs, nowMs = Date.now()): number {
  return a.seed !== undefined ? seedFromFlag(a.seed) : timeSeed(nowMs);
}

export function noiseOutput(
  a: SimArgs,
  image: Float32Array,
  width: number,
  height: number,
  header: SmvHeader,
  roi?: Roi,
): { bytes: Uint8Array; lines: string[]; exact: boolean } {
  const seed = cNoiseSeed(a);
  const exact = a.dtype === 'f64';
  // mosaic and -misset random are not implemented here: C's pre-draws are its one default domain.
  // WHEN THEY LAND: pass their domain count and seeds (and -misset random) to cPreDraws, or `-seed -N` runs
  // (positive C seed, golden noise_positive_seed_mosaic) stop matching C.
  const n = exact
    ? noiseImage(image, width, height, { seed, adc: a.adc, roi, preDraws: cPreDraws({}) })
    : noiseImageFast(image, width, height, { seed, adc: a.adc, roi });
  const lines = [
    '  noise image paramters:', // sic, C's spelling (M:2503)
    `  seed: ${seed}`,
    '  water droplet size: 0 m', // -water is not implemented: C's default
    `noise: ${exact ? "nanoBragg's poidev stream (C-exact)" : 'counter-based Poisson (statistically exact, not C\'s stream; use --dtype f64 for C\'s)'}`,
    noiseSummaryLine(n),
  ];
  return { bytes: encodeNoiseSmv(n.pixels, width, height, header), lines, exact };
}
