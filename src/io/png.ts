// Log-scaled 8-bit grayscale PNG preview of a float image (not a nanoBragg output; for reports and the browser).
//
// Mapping (the one the golden `preview_log.png` files use, reproduced pixel for pixel by default):
//   hi = max pixel; log10(lo) = log10(hi) - decades (default 4) or, with `lowPercentile`, lo = that
//   percentile of the positive pixels; byte = floor(255 * clamp((log10(v) - log10(lo)) / (log10(hi) - log10(lo)), 0, 1)),
//   v <= 0 and NaN give 0, v >= hi gives 255. An image with no positive pixel is all 0; when lo == hi every
//   pixel >= hi is 255 and the rest 0.
// PNG: signature, IHDR (8-bit grayscale, no interlace), one IDAT (zlib stream, filter 0 on every row),
// IEND; CRC-32 per chunk. Pure apart from the compressor: node:zlib in Node (imported on demand), the
// CompressionStream('deflate') (zlib format) in browsers, or one passed in.

/** zlib (RFC 1950) compressor: bytes in, zlib stream out. */
export type ZlibDeflate = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface PreviewPngOptions {
  /** Decades of intensity below the maximum mapped to black..white (default 4). */
  decades?: number;
  /** Instead of decades: the low end is this percentile (0-100) of the positive pixel values. */
  lowPercentile?: number;
  /** zlib compressor to use instead of node:zlib / CompressionStream. */
  deflate?: ZlibDeflate;
}

/** Maps the float image to 8-bit gray levels (row-major, width*height bytes) as documented above. */
export function logPreviewBytes(img: Float32Array, opts: PreviewPngOptions = {}): Uint8Array {
  const out = new Uint8Array(img.length);
  let hi = 0;
  for (let i = 0; i < img.length; i++) if (img[i] > hi) hi = img[i];
  if (!(hi > 0) || !Number.isFinite(hi)) return out;
  const logHi = Math.log10(hi);
  let logLo: number;
  let span: number;
  if (opts.lowPercentile !== undefined) {
    const pos = Float32Array.from(img.filter((v) => v > 0)).sort();
    const p = Math.min(100, Math.max(0, opts.lowPercentile));
    logLo = Math.log10(pos[Math.min(pos.length - 1, Math.floor((p / 100) * (pos.length - 1)))]);
    span = logHi - logLo;
  } else {
    span = opts.decades ?? 4;
    logLo = logHi - span;
  }
  for (let i = 0; i < img.length; i++) {
    const v = img[i];
    if (!(v > 0)) continue;
    if (v >= hi) {
      out[i] = 255;
      continue;
    }
    if (span <= 0) continue;
    const t = (Math.log10(v) - logLo) / span;
    out[i] = t <= 0 ? 0 : t >= 1 ? 255 : Math.floor(255 * t);
  }
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO-HDLC, as PNG uses) of bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

async function defaultDeflate(data: Uint8Array): Promise<Uint8Array> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode) {
    const { deflateSync } = await import('node:zlib');
    return new Uint8Array(deflateSync(data));
  }
  if (typeof CompressionStream === 'undefined') throw new Error('no zlib compressor: pass opts.deflate');
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** PNG bytes for the 8-bit grayscale log preview of a width x height float image. */
export async function encodePreviewPng(
  img: Float32Array,
  width: number,
  height: number,
  opts: PreviewPngOptions = {},
): Promise<Uint8Array> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || img.length !== width * height) {
    throw new Error(`image of ${img.length} pixels does not match ${width} x ${height}`);
  }
  const gray = logPreviewBytes(img, opts);
  const raw = new Uint8Array(height * (width + 1)); // each row: filter byte 0, then the pixels
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const idat = await (opts.deflate ?? defaultDeflate)(raw);

  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  // compression 0, filter method 0, interlace 0

  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
