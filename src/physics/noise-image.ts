// nanoBragg's noise image (`-noisefile`), host-side and pure (docs/c-behaviour/noise.md; nanoBragg.c
// M:3211-3268): one serial stream of C-exact Poisson deviates over the ROI pixels of the float image, slow
// index outer, fast inner; adc added, overloads clipped to 65535 and counted, truncation to 16 bits as the
// gcc x86-64 binary does it (negative values wrap modulo 65536, NaN gives 0).

import { Ran1Table, type SeedVar } from './rng.ts';
import { PoissonC } from './poisson-c.ts';
import { smvHeaderText, type Roi, type SmvHeader } from '../io/images.ts';
import { poissonFast } from './poisson-fast.ts';

/** A stream that draws from the shared table before the noise: `count` ran1 calls on its own seed. */
export interface PreDraw {
  seed: number;
  count: number;
}

/**
 * The draws C makes before the noise loop, in C's order: 3 for `-misset random` (misset seed), then 3 per
 * mosaic domain (mosaic seed; at least one domain, always). They matter only when the noise seed variable is
 * positive (the user typed `-seed -N`): then the noise stream continues their table (rng.md).
 */
export function cPreDraws(opts: { mosaicSeed?: number; mosaicDomains?: number; missetRandom?: boolean; missetSeed?: number }): PreDraw[] {
  const out: PreDraw[] = [];
  if (opts.missetRandom) out.push({ seed: opts.missetSeed ?? 0, count: 3 });
  out.push({ seed: opts.mosaicSeed ?? -12345678, count: 3 * Math.max(1, opts.mosaicDomains ?? 1) });
  return out;
}

export interface NoiseImage {
  /** width*height uint16 pixel values; 0 outside the ROI. */
  pixels: Uint16Array;
  /** Sum of the deviates (C's double `sum`), before adc and clipping. */
  photons: number;
  overloads: number;
  /** ran1 calls made by the noise stream. */
  draws: number;
}

/** One noise pixel value as C stores it: (unsigned short)(int)v after the overload clip. */
export function noisePixel(v: number): { value: number; overload: boolean } {
  if (v > 65535.0) return { value: 65535, overload: true };
  if (v !== v) return { value: 0, overload: false };
  const t = Math.trunc(v);
  // cvttsd2si gives 0x80000000 outside the int range: its low 16 bits are 0
  if (t >= 2147483648 || t < -2147483648) return { value: 0, overload: false };
  return { value: t & 0xffff, overload: false };
}

/**
 * C's noise loop on a float32 image. `seed` is C's variable (`-seed N` stores -N: use seedFromFlag);
 * `preDraws` replays the streams that share ran1's table before it (cPreDraws). `roi` bounds are inclusive;
 * undefined means the whole image.
 */
export function noiseImage(
  image: Float32Array,
  width: number,
  height: number,
  opts: { seed: number; adc: number; roi?: Roi; preDraws?: PreDraw[]; table?: Ran1Table },
): NoiseImage {
  if (image.length !== width * height) throw new Error(`image of ${image.length} pixels does not match ${width} x ${height}`);
  const table = opts.table ?? new Ran1Table();
  for (const p of opts.preDraws ?? []) {
    const s: SeedVar = { idum: p.seed };
    for (let i = 0; i < p.count; i++) table.next(s);
  }
  const gen = new PoissonC(table, { idum: opts.seed });
  const roi = opts.roi ?? { xmin: 0, xmax: width, ymin: 0, ymax: height };
  const pixels = new Uint16Array(width * height);
  let photons = 0;
  let overloads = 0;
  const adc = opts.adc;
  for (let slow = 0, i = 0; slow < height; slow++) {
    for (let fast = 0; fast < width; fast++, i++) {
      if (fast < roi.xmin || fast > roi.xmax || slow < roi.ymin || slow > roi.ymax) continue;
      const d = gen.poisson(image[i]);
      photons += d;
      const p = noisePixel(d + adc);
      if (p.overload) overloads++;
      pixels[i] = p.value;
    }
  }
  return { pixels, photons, overloads, draws: gen.draws };
}

/** C's `%.0f` of a double: the exact value rounded half to even, in full (no exponent), `nan`/`inf` as glibc. */
export function formatFixed0(x: number): string {
  if (x !== x) return x < 0 ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let r = Math.floor(ax);
  const diff = ax - r; // exact for |x| < 2^53; 0 above (every double there is an integer)
  if (diff > 0.5 || (diff === 0.5 && r % 2 === 1)) r += 1;
  return (neg ? '-' : '') + BigInt(r).toString();
}

/** C's line after the noise loop (M:3246). */
export function noiseSummaryLine(n: NoiseImage): string {
  return `${formatFixed0(n.photons)} photons on noise image (${n.overloads} overloads)`;
}

/**
 * The fast noise image (f32, wasm-threads, webgpu): the same loop with poisson-fast.ts's counter-based
 * deviates keyed on (seed, pixel index). Statistically exact Poisson, independent of evaluation order and
 * thread count, not C's stream (docs/c-behaviour/noise.md).
 */
export function noiseImageFast(
  image: Float32Array,
  width: number,
  height: number,
  opts: { seed: number; adc: number; roi?: Roi },
): NoiseImage {
  if (image.length !== width * height) throw new Error(`image of ${image.length} pixels does not match ${width} x ${height}`);
  const roi = opts.roi ?? { xmin: 0, xmax: width, ymin: 0, ymax: height };
  const pixels = new Uint16Array(width * height);
  let photons = 0;
  let overloads = 0;
  for (let slow = 0, i = 0; slow < height; slow++) {
    for (let fast = 0; fast < width; fast++, i++) {
      if (fast < roi.xmin || fast > roi.xmax || slow < roi.ymin || slow > roi.ymax) continue;
      const d = poissonFast(image[i], opts.seed, i);
      photons += d;
      const p = noisePixel(d + opts.adc);
      if (p.overload) overloads++;
      pixels[i] = p.value;
    }
  }
  return { pixels, photons, overloads, draws: 0 };
}

/** The noise SMV file: the int image's header text (smvHeaderText), then the uint16 pixels little-endian. */
export function encodeNoiseSmv(pixels: Uint16Array, width: number, height: number, header: SmvHeader): Uint8Array {
  const head = smvHeaderText(width, height, header);
  const out = new Uint8Array(head.length + 2 * pixels.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pixels.length; i++) view.setUint16(head.length + 2 * i, pixels[i], true);
  return out;
}
