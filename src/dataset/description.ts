// A dataset description (README "Datasets"): one JSON file naming the shared nanoBragg flags, what changes
// from image to image, the dataset seed and the output naming. expandImage turns it into image i's command
// line, which depends on the description and i only (shards, order and threads play no part).
//
// {
//   "images": 12,                          image count
//   "seed": 2024,                          dataset seed (integer): every image's random streams derive from it
//   "args": ["-hkl", "p.hkl", "-cell", ...]   shared nanoBragg flags (no outputs, seeds or engine flags)
//   "dtype": "f32" | "f64",                optional (f32): part of the images' identity
//   "backend": "auto" | "wasm" | ...,      optional (auto); `dataset run --backend` overrides it
//   "vary": {                              optional, per image i (0-based):
//     "phi": { "start": 0, "step": 0.1 },  -phi start + i * step (degrees)
//     "orientation": "random" | [[x, y, z], ...],   -misset random with a derived -misset_seed, or listed angles (degrees)
//     "energy_eV": [e0, e1, ...] | { "start": e, "step": de },   -energy per image (or "lambda_A", the same shapes)
//     "seeds": ["noise", "mosaic"]         streams given derived seeds (default both; [] keeps nanoBragg's defaults)
//   },
//   "output": { "dir": "frames", "name": "img_{number:05}", "files": ["float", "noise"] }
// }
//
// Relative paths (output.dir and the files in args) are relative to the description file's folder.
// Names: {index} is the 0-based image index, {number} index + 1, {index:5} / {number:05} zero-padded.

import { readInputText, InputFileError } from '../io/input-file.ts';
import { createHash } from 'node:crypto';
import { ArgError, parseSimArgs, replaceFlags, lastFlagValues } from '../simulator/args.ts';
import { BACKEND_CHOICES, type Backend, type Dtype } from '../backends/names.ts';
import { imageSeed, SEED_STREAMS, type SeedStream } from './seeds.ts';
import { EXIT, UserError } from '../errors.ts';

/** Output kinds, the flag each becomes and the file name suffix. */
export const OUTPUT_KINDS = {
  float: { flag: '-floatfile', suffix: '.bin' },
  int: { flag: '-intfile', suffix: '.img' },
  noise: { flag: '-noisefile', suffix: '_noise.img' },
  pgm: { flag: '-pgmfile', suffix: '.pgm' },
  png: { flag: '--pngfile', suffix: '.png' },
} as const;
export type OutputKind = keyof typeof OUTPUT_KINDS;

/** A number per image: listed, or start + i * step. */
export type PerImage = number[] | { start: number; step: number };

export interface DatasetDescription {
  /** The description file (absolute) and its folder, which relative paths are resolved against. */
  file: string;
  images: number;
  seed: number;
  args: string[];
  dtype: Dtype;
  backend: Backend;
  vary: {
    phi?: { start: number; step: number };
    orientation?: 'random' | [number, number, number][];
    energy_eV?: PerImage;
    lambda_A?: PerImage;
    seeds: SeedStream[];
  };
  output: { dir: string; name: string; files: OutputKind[] };
  /** SHA-256 of everything that decides the images' bytes (not backend): manifests name the dataset by it. */
  id: string;
}

/** One image of the dataset: its command line, seeds and output files (paths relative to output.dir). */
export interface DatasetImage {
  index: number;
  argv: string[];
  seeds: Partial<Record<SeedStream, number>>;
  files: { kind: OutputKind; flag: string; name: string }[];
}

/** A description problem: one line, naming the file and the key. */
export class DescriptionError extends UserError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`, EXIT.USAGE);
  }
}

const TOP_KEYS = ['images', 'seed', 'args', 'dtype', 'backend', 'vary', 'output', 'comment'];
const VARY_KEYS = ['phi', 'orientation', 'energy_eV', 'lambda_A', 'seeds'];
const OUTPUT_KEYS = ['dir', 'name', 'files'];

/** Flags a description's args may not hold: the dataset sets them (outputs, seeds, engine) or they are commands. */
const RESERVED: Record<string, string> = {
  '-floatfile': 'output.files', '-intfile': 'output.files', '-pgmfile': 'output.files', '-noisefile': 'output.files', '--pngfile': 'output.files',
  '--backend': 'backend', '--dtype': 'dtype', '--threads': 'dataset run --threads', '--batch': 'a batch, not a dataset', '--series': 'vary.phi',
};

const json = (v: unknown) => JSON.stringify(v) ?? String(v);

function checkKeys(file: string, where: string, obj: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw new DescriptionError(file, `unknown key '${where}${k}' (known: ${known.join(', ')})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function finite(file: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DescriptionError(file, `${key} must be a finite number, got ${json(v)}`);
  return v;
}

function perImage(file: string, key: string, v: unknown, images: number, positive: boolean): PerImage {
  const check = (k: string, x: unknown) => {
    const n = finite(file, k, x);
    if (positive && !(n > 0)) throw new DescriptionError(file, `${k} must be > 0, got ${n}`);
    return n;
  };
  if (Array.isArray(v)) {
    if (v.length !== images) throw new DescriptionError(file, `${key} lists ${v.length} values for ${images} images`);
    return v.map((x, i) => check(`${key}[${i}]`, x));
  }
  if (isObject(v)) {
    checkKeys(file, `${key}.`, v, ['start', 'step']);
    const p = { start: finite(file, `${key}.start`, v.start), step: finite(file, `${key}.step`, v.step ?? 0) };
    if (positive) for (const i of [0, images - 1]) check(`${key} of image ${i}`, p.start + i * p.step);
    return p;
  }
  throw new DescriptionError(file, `${key} must be a list of ${images} numbers or { "start": x, "step": dx }, got ${json(v)}`);
}

function valueAt(p: PerImage, i: number): number {
  return Array.isArray(p) ? p[i] : p.start + i * p.step;
}

/** Checks the pattern's fields ({index}, {number}, optionally padded) and that it names a file in output.dir. */
function checkName(file: string, name: unknown): string {
  if (typeof name !== 'string' || !name) throw new DescriptionError(file, `output.name must be a non-empty string, got ${json(name)}`);
  const fields = name.match(/\{[^}]*\}/g) ?? [];
  for (const f of fields) {
    if (!/^\{(index|number)(:0?\d{1,2})?\}$/.test(f)) throw new DescriptionError(file, `output.name: unknown field ${f} (use {index} or {number}, e.g. {number:05})`);
  }
  if (!fields.length) throw new DescriptionError(file, `output.name '${name}' has no {index} or {number}: every image would get the same name`);
  if (/[/\\]/.test(name) || name.startsWith('.')) throw new DescriptionError(file, `output.name '${name}' must be a plain file name (put folders in output.dir)`);
  return name;
}

/** The name of image `index` (no suffix). */
export function imageName(pattern: string, index: number): string {
  return pattern.replace(/\{(index|number)(?::0?(\d{1,2}))?\}/g, (_, what: string, width?: string) =>
    String(what === 'index' ? index : index + 1).padStart(width ? Number(width) : 0, '0'));
}

/** Parses and checks a description (text of `file`); every image's command line is parsed too, so errors come first. */
export function parseDescription(text: string, file: string): DatasetDescription {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DescriptionError(file, `not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObject(raw)) throw new DescriptionError(file, 'the description must be a JSON object ({ "images": ..., "seed": ..., "args": [...], "output": {...} })');
  checkKeys(file, '', raw, TOP_KEYS);
  const images = raw.images;
  if (typeof images !== 'number' || !Number.isInteger(images) || images < 1 || images > 1e8) {
    throw new DescriptionError(file, `images must be an integer from 1 to 1e8, got ${json(images)}`);
  }
  const seed = raw.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new DescriptionError(file, `seed must be an integer >= 0, got ${json(seed)}`);
  if (!Array.isArray(raw.args) || raw.args.some((t) => typeof t !== 'string')) {
    throw new DescriptionError(file, `args must be a list of strings (nanoBragg's flags), got ${json(raw.args)}`);
  }
  const args = raw.args as string[];
  for (const [flag, where] of Object.entries(RESERVED)) {
    if (lastFlagValues(args, flag) !== undefined) throw new DescriptionError(file, `args holds '${flag}': the dataset sets it (${where})`);
  }
  const dtype = raw.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f64') throw new DescriptionError(file, `dtype must be "f32" or "f64", got ${json(dtype)}`);
  const backend = raw.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly unknown[]).includes(backend)) throw new DescriptionError(file, `backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${json(backend)}`);

  const v = raw.vary ?? {};
  if (!isObject(v)) throw new DescriptionError(file, `vary must be an object, got ${json(v)}`);
  checkKeys(file, 'vary.', v, VARY_KEYS);
  const vary: DatasetDescription['vary'] = { seeds: ['noise', 'mosaic'] };
  const setBy = (flags: string[], key: string) => {
    for (const f of flags) if (lastFlagValues(args, f) !== undefined) throw new DescriptionError(file, `args holds '${f}' and ${key} sets it per image: remove one`);
  };
  if (v.phi !== undefined) {
    if (!isObject(v.phi)) throw new DescriptionError(file, `vary.phi must be { "start": degrees, "step": degrees }, got ${json(v.phi)}`);
    vary.phi = perImage(file, 'vary.phi', v.phi, images, false) as { start: number; step: number };
    setBy(['-phi'], 'vary.phi');
  }
  if (v.orientation !== undefined) {
    if (v.orientation === 'random') vary.orientation = 'random';
    else if (Array.isArray(v.orientation) && v.orientation.length === images &&
             v.orientation.every((o) => Array.isArray(o) && o.length === 3 && o.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      vary.orientation = v.orientation as [number, number, number][];
    } else {
      throw new DescriptionError(file, `vary.orientation must be "random" or a list of ${images} [x, y, z] misset angles (degrees)`);
    }
    setBy(['-misset', '-misset_seed', '-mat'], 'vary.orientation');
  }
  if (v.energy_eV !== undefined && v.lambda_A !== undefined) throw new DescriptionError(file, 'vary has both energy_eV and lambda_A: give one');
  if (v.energy_eV !== undefined) vary.energy_eV = perImage(file, 'vary.energy_eV', v.energy_eV, images, true);
  if (v.lambda_A !== undefined) vary.lambda_A = perImage(file, 'vary.lambda_A', v.lambda_A, images, true);
  if (v.energy_eV !== undefined || v.lambda_A !== undefined) setBy(['-energy', '-lambda'], v.energy_eV !== undefined ? 'vary.energy_eV' : 'vary.lambda_A');
  if (v.seeds !== undefined) {
    if (!Array.isArray(v.seeds) || v.seeds.some((s) => !['noise', 'mosaic'].includes(s))) {
      throw new DescriptionError(file, `vary.seeds must be a list of "noise" and "mosaic" (misset follows vary.orientation), got ${json(v.seeds)}`);
    }
    vary.seeds = [...new Set(v.seeds as SeedStream[])];
  }
  if (vary.seeds.includes('noise')) setBy(['-seed'], 'vary.seeds');
  if (vary.seeds.includes('mosaic')) setBy(['-mosaic_seed'], 'vary.seeds');

  const o = raw.output;
  if (!isObject(o)) throw new DescriptionError(file, 'output must be { "dir": folder, "name": "img_{number:05}", "files": ["float", ...] }');
  checkKeys(file, 'output.', o, OUTPUT_KEYS);
  const dir = o.dir ?? '.';
  if (typeof dir !== 'string' || !dir) throw new DescriptionError(file, `output.dir must be a folder name, got ${json(dir)}`);
  const name = checkName(file, o.name ?? 'image_{number:05}');
  const kinds = Object.keys(OUTPUT_KINDS);
  if (!Array.isArray(o.files) || !o.files.length || o.files.some((k) => !kinds.includes(k))) {
    throw new DescriptionError(file, `output.files must list some of ${kinds.join(', ')}, got ${json(o.files)}`);
  }
  const files = [...new Set(o.files as OutputKind[])];

  const identity = { images, seed, args, dtype, vary, output: { dir, name, files } };
  const id = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
  const desc: DatasetDescription = { file, images, seed, args, dtype, backend: backend as Backend, vary, output: { dir, name, files }, id };
  // every image's command line must parse: found here, before any image is made
  for (let i = 0; i < images; i++) {
    const im = expandImage(desc, i);
    try {
      parseSimArgs(im.argv);
    } catch (e) {
      if (e instanceof ArgError) throw new DescriptionError(file, `image ${i}: ${e.message}`);
      throw e;
    }
    if (i >= 2 && !Array.isArray(vary.energy_eV) && !Array.isArray(vary.lambda_A) && !Array.isArray(vary.orientation)) {
      // the other images differ only in numbers of the same kind: checking the first two and the last suffices
      i = Math.max(i, images - 2);
    }
  }
  return desc;
}

/** Reads and parses a description file; an unreadable file is a one-line error. */
export async function readDescription(file: string): Promise<DatasetDescription> {
  let text: string;
  try {
    text = await readInputText(file, 'dataset', 'dataset description', { label: file, maxBytes: 64 * 1024 * 1024 });
  } catch (e) {
    if (e instanceof InputFileError) throw new UserError(e.message, EXIT.INPUT);
    throw e;
  }
  return parseDescription(text, file);
}

/**
 * Image `index`'s command line: the shared args with the per-image flags appended (-phi, -misset, -energy or
 * -lambda, the derived seeds, the outputs; -misset_seed last, since nanoBragg reads 3 values after it as
 * -misset angles too), and --dtype. Output paths are output.dir/name + suffix, relative to the description's folder.
 */
export function expandImage(d: DatasetDescription, index: number): DatasetImage {
  const tail: string[] = ['--dtype', d.dtype];
  const seeds: DatasetImage['seeds'] = {};
  const v = d.vary;
  if (v.phi) tail.push('-phi', String(v.phi.start + index * v.phi.step));
  if (Array.isArray(v.orientation)) tail.push('-misset', ...v.orientation[index].map(String));
  if (v.energy_eV) tail.push('-energy', String(valueAt(v.energy_eV, index)));
  if (v.lambda_A) tail.push('-lambda', String(valueAt(v.lambda_A, index)));
  if (v.seeds.includes('mosaic')) tail.push('-mosaic_seed', String((seeds.mosaic = imageSeed('mosaic', d.seed, index))));
  if (v.seeds.includes('noise')) tail.push('-seed', String((seeds.noise = imageSeed('noise', d.seed, index))));
  const name = imageName(d.output.name, index);
  const files = d.output.files.map((kind) => ({ kind, flag: OUTPUT_KINDS[kind].flag, name: name + OUTPUT_KINDS[kind].suffix }));
  for (const f of files) tail.push(f.flag, joinPath(d.output.dir, f.name));
  if (v.orientation === 'random') tail.push('-misset', 'random', '-misset_seed', String((seeds.misset = imageSeed('misset', d.seed, index))));
  return { index, argv: replaceFlags(d.args, [], tail), seeds, files };
}

/** dir/name with one separator ('.' left out). */
export function joinPath(dir: string, name: string): string {
  return dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}

export { SEED_STREAMS };
