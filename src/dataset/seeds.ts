// Each image's random streams from the dataset seed and the image index only (README "Datasets"): never from
// the shard, the order, the time or the thread count, so an image is the same bytes whoever makes it.
//
//   seed(stream, datasetSeed, index) = 1 + (u32 % 2147483646), with u32 the first 4 bytes (big-endian) of
//   SHA-256("nanobragg-dataset/v1 <stream> <datasetSeed> <index>") and <stream> one of noise, mosaic, misset.
//
// The value is given to the image's command line as `-seed`, `-mosaic_seed` or `-misset_seed` (1..2^31-1, which
// nanoBragg stores negated as ran1 wants: docs/c-behaviour/noise.md), so a single `simulate` of the recorded
// command line remakes the image.

import { createHash } from 'node:crypto';

export const SEED_STREAMS = ['noise', 'mosaic', 'misset'] as const;
export type SeedStream = (typeof SEED_STREAMS)[number];

/** The seed of one random stream of image `index` (0-based) of a dataset with seed `datasetSeed`. */
export function imageSeed(stream: SeedStream, datasetSeed: number, index: number): number {
  const digest = createHash('sha256').update(`nanobragg-dataset/v1 ${stream} ${datasetSeed} ${index}`).digest();
  return 1 + (digest.readUInt32BE(0) % 2147483646);
}
