// `dataset run FILE --shard I/N`: makes the images of one shard with one engine (and each HKL file read
// once), skipping an image whose files exist with the SHA-256 a manifest of this dataset recorded; every
// image's files are written all-or-nothing (src/io/atomic.ts) and the shard's manifest is rewritten
// atomically at most every 2 s and at the end, so a killed shard loses at most the records of its last
// images (a rerun remakes them: the same bytes, since an image depends on the description and its index only).

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSimArgs } from '../simulator/args.ts';
import { userErrorCode } from '../simulator/user-errors.ts';
import type { HklCache, SimEngine } from '../simulator/engine.ts';
import { prepareRun, renderImage, startRunEngine, writeOutputs, type PreparedRun } from '../simulator/run.ts';
import { closeEngine } from '../index.ts';
import type { Backend } from '../backends/names.ts';
import { EXIT, UserError } from '../errors.ts';
import { expandImage, type DatasetDescription, type DatasetImage } from './description.ts';
import { shardImages, type Shard } from './shard.ts';
import {
  MANIFEST_FORMAT, readManifests, sameArgv, sha256, sha256File, shardManifestName, writeManifest,
  type ImageRecord, type Manifest,
} from './manifest.ts';

export interface ShardOptions {
  shard: Shard;
  /** Overrides the description's backend (the images' bytes do not depend on it for dtype f64). */
  backend?: Backend;
  threads?: number;
  log?: (line: string) => void;
}

export interface ShardSummary {
  made: number;
  skipped: number;
  seconds: number;
  manifest: string;
}

const quiet = () => {};

/** Whether every file of the image exists with the recorded SHA-256. */
async function alreadyMade(dir: string, im: DatasetImage, r: ImageRecord | undefined): Promise<boolean> {
  if (!r || !sameArgv(r, im.argv) || r.files.length !== im.files.length) return false;
  for (const f of im.files) {
    const rec = r.files.find((x) => x.name === f.name);
    if (!rec || (await sha256File(join(dir, f.name))) !== rec.sha256) return false;
  }
  return true;
}

function withImage(index: number, e: unknown): unknown {
  const code = userErrorCode(e);
  return code === undefined ? e : new UserError(`image ${index}: ${(e as Error).message}`, code);
}

export async function runShard(d: DatasetDescription, o: ShardOptions): Promise<ShardSummary> {
  const log = o.log ?? console.log;
  const dir = d.output.dir;
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create output.dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.OUTPUT);
  }
  const { index: I, count: N } = o.shard;
  const manifestPath = join(dir, shardManifestName(I, N));
  const existing = await readManifests(dir, d.id);
  const manifest: Manifest = { format: MANIFEST_FORMAT, dataset: d.id, images: d.images, shard: { index: I, count: N }, records: [] };
  const todo: DatasetImage[] = [];
  for (const i of shardImages(d.images, o.shard)) {
    const im = expandImage(d, i);
    const r = existing.records.get(i);
    if (await alreadyMade(dir, im, r)) manifest.records.push(r!);
    else todo.push(im);
  }
  const skipped = manifest.records.length;
  log(`shard ${I}/${N} (${o.shard.source}): ${todo.length + skipped} images, ${skipped} already made, ${todo.length} to make`);
  const t0 = performance.now();
  if (todo.length) {
    const hklCache: HklCache = new Map();
    const engineFlags = ['--backend', o.backend ?? d.backend, ...(o.threads ? ['--threads', String(o.threads)] : [])];
    const prepare = async (im: DatasetImage): Promise<PreparedRun> => {
      try {
        // the engine flags go in front: the argv ends with -misset_seed N, after which nanoBragg (and so the parser)
        // reads three more tokens as -misset angles (docs/c-behaviour/crystal.md)
        return await prepareRun(im.argv, parseSimArgs([...engineFlags, ...im.argv]), hklCache, quiet);
      } catch (e) {
        throw withImage(im.index, e);
      }
    };
    let next: PreparedRun = await prepare(todo[0]);
    // the images are prepared one by one as they are made: the first stands for all in auto's choice (same detector)
    const { engine, reason } = await startRunEngine(next.args, Array(todo.length).fill(next.prepared.sim), log);
    log(`backend: ${engine.backend} (${engine.binary}), dtype ${engine.dtype}; ${reason}`);
    let flushed = performance.now();
    try {
      for (let k = 0; k < todo.length; k++) {
        const im = todo[k];
        const run = k === 0 ? next : (next = await prepare(im));
        const s0 = performance.now();
        manifest.records.push(await makeImage(engine, im, run));
        const s = (performance.now() - s0) / 1000;
        log(`image ${im.index}: made in ${s.toFixed(3)} s (${im.files.map((f) => f.name).join(', ')})`);
        if (performance.now() - flushed > 2000) {
          await writeManifest(manifestPath, manifest);
          flushed = performance.now();
        }
      }
    } finally {
      await closeEngine(engine);
      await writeManifest(manifestPath, manifest);
    }
  } else {
    await writeManifest(manifestPath, manifest);
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`shard ${I}/${N}: ${todo.length} images made, ${skipped} skipped, in ${seconds.toFixed(3)} s` +
    (todo.length ? ` (${(todo.length / seconds).toFixed(2)} images/s)` : '') + `; manifest ${manifestPath}`);
  return { made: todo.length, skipped, seconds, manifest: manifestPath };
}

async function makeImage(engine: SimEngine, im: DatasetImage, run: PreparedRun): Promise<ImageRecord> {
  const t0 = performance.now();
  try {
    const { files } = await renderImage(engine, run, quiet);
    await writeOutputs(files, quiet);
    const byPath = new Map(files.map((f) => [f.path, f.bytes]));
    return {
      index: im.index,
      argv: im.argv,
      seeds: im.seeds,
      files: im.files.map((f) => {
        const bytes = byPath.get(files.find((x) => x.flag === f.flag)!.path)!;
        return { name: f.name, sha256: sha256(bytes), bytes: bytes.length };
      }),
      backend: engine.backend,
      binary: engine.binary,
      dtype: engine.dtype,
      seconds: (performance.now() - t0) / 1000,
      finished: new Date().toISOString(),
    };
  } catch (e) {
    throw withImage(im.index, e);
  }
}
