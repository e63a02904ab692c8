// The files a library caller (the web page) can ask simulate() for, as bytes: the same encoders and scaling rules
// as the command line's -floatfile, -intfile, --pngfile and -noisefile (src/simulator/outputs.ts). Pure: no I/O.

import type { Simulation } from './setup.ts';
import type { Dtype } from '../backends/names.ts';
import type { ImageStats } from '../io/stats.ts';
import { encodeFloatImage, encodeSmv, smvScale } from '../io/images.ts';
import { encodePreviewPng } from '../io/png.ts';
import { noiseOutput } from '../physics/noise-output.ts';
import { smvHeader } from './outputs.ts';

export type OutputFormat = 'float' | 'smv' | 'png' | 'noise';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['float', 'smv', 'png', 'noise'];

export interface ResultFiles {
  /** Raw float32 little-endian, as -floatfile (a copy: it outlives a borrowed image). */
  float?: Uint8Array;
  /** SMV integer image, as -intfile (scale -scale or 55000/max_I, offset -adc). */
  smv?: Uint8Array;
  /** 8-bit log preview, as --pngfile. */
  png?: Uint8Array;
  /** Poisson noise SMV image, as -noisefile (seed -seed; C's stream with dtype f64, docs/c-behaviour/noise.md). */
  noise?: Uint8Array;
  /** The noise image's pixels (a view into `noise` past its header) and C's lines about it. */
  noisePixels?: Uint16Array;
  noiseLines?: string[];
}

/** Throws on anything but a list of known formats (checked before a run, so a typo costs no simulation). */
export function checkOutputFormats(formats: unknown): asserts formats is readonly OutputFormat[] {
  if (!Array.isArray(formats)) throw new TypeError(`options.outputs must be an array of ${OUTPUT_FORMATS.join(', ')}`);
  for (const f of formats) {
    if (!OUTPUT_FORMATS.includes(f)) throw new TypeError(`options.outputs: unknown output format '${String(f)}' (${OUTPUT_FORMATS.join(', ')})`);
  }
}

/** Encodes each requested format of the image `image` computed for `sim` on a `dtype` engine. */
export async function encodeResultFiles(
  sim: Simulation, image: Float32Array, stats: ImageStats, dtype: Dtype, formats: readonly OutputFormat[],
): Promise<ResultFiles> {
  const w = sim.detector.fpixels, h = sim.detector.spixels;
  const a = sim.args;
  const out: ResultFiles = {};
  checkOutputFormats(formats);
  if (formats.includes('float')) out.float = encodeFloatImage(image).slice();
  if (formats.includes('smv')) {
    const scale = smvScale(stats.maxI, a.scale > 0 ? a.scale : undefined);
    out.smv = encodeSmv(image, w, h, smvHeader(sim), { scale, adc: a.adc, roi: sim.roi });
  }
  if (formats.includes('png')) out.png = await encodePreviewPng(image, w, h);
  if (formats.includes('noise')) {
    // the engine's dtype picks the generator, as --dtype does on the command line
    const n = noiseOutput({ ...a, dtype }, image, w, h, smvHeader(sim), sim.roi, sim.crystal.rng);
    out.noise = n.bytes;
    const offset = n.bytes.length - 2 * w * h;
    out.noisePixels = new Uint16Array(n.bytes.slice(offset).buffer);
    out.noiseLines = n.lines;
  }
  return out;
}
