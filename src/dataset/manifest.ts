// Manifests: what each shard made (README "Datasets"). One JSON file per shard in output.dir,
// manifest-shard-I-of-N.json, rewritten atomically (src/io/atomic.ts) as images finish and at the end;
// `dataset verify` merges them into manifest.json. A record names the image, its command line, seeds,
// each file's SHA-256 and size, the backend and the time it took. Resuming trusts an output file only
// when a record of this dataset (same description id) has its SHA-256.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { EXIT, UserError } from '../errors.ts';
import type { SeedStream } from './seeds.ts';

export const MANIFEST_FORMAT = 'nanobragg-dataset-manifest/1';

export interface FileRecord {
  /** File name inside output.dir. */
  name: string;
  sha256: string;
  bytes: number;
}

export interface ImageRecord {
  index: number;
  argv: string[];
  seeds: Partial<Record<SeedStream, number>>;
  files: FileRecord[];
  backend: string;
  binary: string;
  dtype: string;
  /** Seconds to make the image (set-up, loop, encoding and writing). */
  seconds: number;
  /** When it was written (ISO 8601, UTC). */
  finished: string;
}

export interface Manifest {
  format: string;
  /** The description's id (SHA-256 of what decides the images' bytes). */
  dataset: string;
  images: number;
  /** The shard that wrote it, or null for the merged manifest. */
  shard: { index: number; count: number } | null;
  records: ImageRecord[];
}

/** manifest-shard-0002-of-0007.json: the name sorts in shard order. */
export function shardManifestName(index: number, count: number): string {
  const w = Math.max(4, String(count).length);
  return `manifest-shard-${String(index).padStart(w, '0')}-of-${String(count).padStart(w, '0')}.json`;
}

export const MERGED_MANIFEST = 'manifest.json';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 of a file, or undefined when it does not exist (or is not readable as a file). */
export async function sha256File(path: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(path));
  } catch {
    return undefined;
  }
}

export async function writeManifest(path: string, m: Manifest): Promise<void> {
  const records = [...m.records].sort((a, b) => a.index - b.index);
  try {
    await writeFileAtomic(path, JSON.stringify({ ...m, records }, null, 1) + '\n');
  } catch (e) {
    throw new UserError(`cannot write the manifest: ${(e as Error).message}`, EXIT.OUTPUT);
  }
}

export interface ManifestSet {
  /** Records of this dataset by image index (a later file's record of the same image replaces an earlier one). */
  records: Map<number, ImageRecord>;
  /** Manifest files read, and those that belong to another description or could not be read (with why). */
  read: string[];
  ignored: string[];
}

/** Every manifest*.json in `dir` that belongs to dataset `id`. A missing folder is an empty set. */
export async function readManifests(dir: string, id: string): Promise<ManifestSet> {
  const set: ManifestSet = { records: new Map(), read: [], ignored: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^manifest.*\.json$/.test(n)).sort();
  } catch {
    return set;
  }
  // the merged manifest first, so that a shard's newer record of an image wins over it
  names.sort((a, b) => Number(b === MERGED_MANIFEST) - Number(a === MERGED_MANIFEST));
  for (const n of names) {
    let m: Manifest;
    try {
      m = JSON.parse(await readFile(join(dir, n), 'utf8')) as Manifest;
    } catch (e) {
      set.ignored.push(`${n} (unreadable: ${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.records)) {
      set.ignored.push(`${n} (not a ${MANIFEST_FORMAT} file)`);
      continue;
    }
    if (m.dataset !== id) {
      set.ignored.push(`${n} (another description: dataset ${String(m.dataset).slice(0, 12)})`);
      continue;
    }
    set.read.push(n);
    for (const r of m.records) if (Number.isInteger(r?.index) && Array.isArray(r.files)) set.records.set(r.index, r);
  }
  return set;
}

/** Whether a record is for this command line (the description may have changed since). */
export function sameArgv(r: ImageRecord, argv: readonly string[]): boolean {
  return r.argv.length === argv.length && r.argv.every((t, i) => t === argv[i]);
}
