// `dataset verify FILE`: checks a finished dataset against its description and manifests. Every image's files
// must exist with the SHA-256 a manifest of this dataset (same description id) recorded for the image's
// command line. Reports images missing (a file absent), corrupt (the bytes differ from the record), unrecorded
// (files present but no record: a shard killed before its manifest was written; rerun it) and stale (a record
// for another command line). Writes the merged manifest (manifest.json, atomically) with every good image.

import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { expandImage, type DatasetDescription } from './description.ts';
import { MANIFEST_FORMAT, MERGED_MANIFEST, readManifests, sameArgv, sha256File, writeManifest, type ImageRecord } from './manifest.ts';

export type Problem = 'missing' | 'corrupt' | 'unrecorded' | 'stale';

export interface VerifyReport {
  good: number;
  problems: Map<Problem, { index: number; detail: string }[]>;
  /** Temporary files of interrupted writes left in output.dir (harmless; removable). */
  leftovers: string[];
  merged: string;
}

export async function verifyDataset(d: DatasetDescription, log: (line: string) => void = console.log): Promise<VerifyReport> {
  const dir = d.output.dir;
  const set = await readManifests(dir, d.id);
  for (const n of set.ignored) log(`ignored manifest ${n}`);
  const problems: VerifyReport['problems'] = new Map();
  const note = (p: Problem, index: number, detail: string) => {
    if (!problems.has(p)) problems.set(p, []);
    problems.get(p)!.push({ index, detail });
  };
  const good: ImageRecord[] = [];
  for (let i = 0; i < d.images; i++) {
    const im = expandImage(d, i);
    const r = set.records.get(i);
    const sums = await Promise.all(im.files.map((f) => sha256File(join(dir, f.name))));
    const absent = im.files.filter((_, k) => sums[k] === undefined).map((f) => f.name);
    if (absent.length) {
      note('missing', i, absent.join(', '));
      continue;
    }
    if (!r) {
      note('unrecorded', i, 'no manifest record');
      continue;
    }
    if (!sameArgv(r, im.argv)) {
      note('stale', i, 'the record is for another command line');
      continue;
    }
    const bad = im.files.filter((f, k) => r.files.find((x) => x.name === f.name)?.sha256 !== sums[k]).map((f) => f.name);
    if (bad.length) {
      note('corrupt', i, `${bad.join(', ')}: SHA-256 differs from the manifest`);
      continue;
    }
    good.push(r);
  }
  let leftovers: string[] = [];
  try {
    leftovers = (await readdir(dir)).filter((n) => /\.\d+\.[0-9a-f]{12}\.tmp$/.test(n));
  } catch {
    // no output folder: every image is missing, reported above
  }
  const merged = join(dir, MERGED_MANIFEST);
  if (good.length) await writeManifest(merged, { format: MANIFEST_FORMAT, dataset: d.id, images: d.images, shard: null, records: good });
  log(`dataset ${d.file}: ${d.images} images, ${good.length} good; manifests read: ${set.read.join(', ') || 'none'}`);
  for (const [p, list] of problems) {
    const shown = list.slice(0, 10).map((x) => `image ${x.index} (${x.detail})`).join('; ');
    log(`${p}: ${list.length} image${list.length === 1 ? '' : 's'}: ${shown}${list.length > 10 ? `; and ${list.length - 10} more` : ''}`);
  }
  if (leftovers.length) log(`temporary files of interrupted writes (safe to delete): ${leftovers.slice(0, 5).join(', ')}${leftovers.length > 5 ? ' ...' : ''}`);
  if (good.length) log(`merged manifest: ${merged} (${good.length} images)`);
  return { good: good.length, problems, leftovers, merged };
}
