// The CBF output (`-cbffile`): a miniCBF file as PILATUS detectors write it and DIALS, XDS, fabio and ADXV read it:
// a CIF text header in the PILATUS_1.2 convention (the "# Key value" lines in _array_data.header_contents), then
// one binary section holding the pixels as signed 32-bit integers, compressed with CBF's byte-offset scheme.
// nanoBragg itself writes no CBF; docs/c-behaviour/outputs-cbf.md describes the layout and where each number
// comes from. The pixel values are the SMV integer image's (src/io/images.ts smvIntegers: scale, ADC offset,
// clip to 0..65535, 0 outside the ROI), so the .img and the .cbf of one run hold the same integers.
// Pure (bytes out, no Node built-ins), like the other encoders.

import { base64, md5 } from '../util/md5.ts';
import { formatG } from '../util/cformat.ts';

/** The bytes that open a CBF binary section (form feed, ^Z, ^D, 0xD5): readers look for them. */
export const CBF_BINARY_START = Uint8Array.of(0x0c, 0x1a, 0x04, 0xd5);
/** Zero bytes after the compressed data (CBFlib and the PILATUS write 4095); X-Binary-Size-Padding says so. */
const PADDING = 4095;

/**
 * Byte-offset compression (CBF 1.5, "x-CBF_BYTE_OFFSET"): each pixel is stored as its difference from the one
 * before (the first from 0), in 1 byte if it is within -127..127; otherwise the byte 0x80, then 2 bytes
 * (little-endian) if within -32767..32767; otherwise 0x8000, then 4 bytes if within -(2^31 - 1)..2^31 - 1;
 * otherwise 0x80000000, then 8 bytes. The escape values themselves (-128, -32768, -2^31) never stand for a
 * difference.
 */
export function byteOffsetEncode(values: Int32Array | Uint16Array): Uint8Array {
  let out = new Uint8Array(values.length + 16);
  let view = new DataView(out.buffer);
  let n = 0;
  const room = (k: number) => {
    if (n + k <= out.length) return;
    const bigger = new Uint8Array(Math.max(out.length * 2, n + k));
    bigger.set(out);
    out = bigger;
    view = new DataView(out.buffer);
  };
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const delta = v - prev; // exact: both are 32-bit integers, the difference fits a double
    prev = v;
    if (delta >= -127 && delta <= 127) {
      room(1);
      view.setInt8(n++, delta);
      continue;
    }
    room(15);
    view.setUint8(n++, 0x80);
    if (delta >= -32767 && delta <= 32767) {
      view.setInt16(n, delta, true);
      n += 2;
      continue;
    }
    view.setUint16(n, 0x8000, true);
    n += 2;
    if (delta >= -2147483647 && delta <= 2147483647) {
      view.setInt32(n, delta, true);
      n += 4;
      continue;
    }
    view.setUint32(n, 0x80000000, true);
    view.setBigInt64(n + 4, BigInt(delta), true);
    n += 12;
  }
  return out.slice(0, n);
}

/** The inverse of byteOffsetEncode: `count` signed 32-bit pixels from the compressed bytes. */
export function byteOffsetDecode(bytes: Uint8Array, count: number): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(count);
  let pos = 0;
  let v = 0;
  for (let i = 0; i < count; i++) {
    if (pos >= bytes.length) throw new Error(`byte-offset data ends after ${i} of ${count} pixels`);
    let delta = view.getInt8(pos++);
    if (delta === -128) {
      delta = view.getInt16(pos, true);
      pos += 2;
      if (delta === -32768) {
        delta = view.getInt32(pos, true);
        pos += 4;
        if (delta === -2147483648) {
          delta = Number(view.getBigInt64(pos, true));
          pos += 8;
        }
      }
    }
    v = (v + delta) | 0;
    out[i] = v;
  }
  return out;
}

/** The PILATUS_1.2 header numbers, in the units the convention uses (m, Å, degrees, pixels). */
export interface CbfHeader {
  /** Pixel size (m), fast and slow. */
  pixelSizeM: number;
  /** Sensor thickness (m); 0 without -detector_thick. */
  thicknessM: number;
  wavelengthA: number;
  /** Sample to detector distance along the detector normal (m). */
  distanceM: number;
  /** Direct beam position in pixels from the first pixel's outer corner: fast (x) then slow (y). */
  beamXyPixels: readonly [number, number];
  startAngleDeg: number;
  angleIncrementDeg: number;
  twothetaDeg: number;
}

/**
 * Numbers printed with C's %g (6 significant digits), as the SMV header prints them: 1.3 A, not the
 * 1.3000000000000003 that the metre-to-Angstrom product gives.
 */
const num = formatG;

/** The "# ..." lines of _array_data.header_contents (PILATUS_1.2), in the order a PILATUS writes them. */
export function pilatusHeaderLines(h: CbfHeader): string[] {
  return [
    '# Detector: nanoBragg simulation (nanobragg-wasm)',
    `# Pixel_size ${num(h.pixelSizeM)} m x ${num(h.pixelSizeM)} m`,
    `# Silicon sensor, thickness ${num(h.thicknessM)} m`,
    `# Wavelength ${num(h.wavelengthA)} A`,
    `# Detector_distance ${num(h.distanceM)} m`,
    `# Beam_xy (${num(h.beamXyPixels[0])}, ${num(h.beamXyPixels[1])}) pixels`,
    `# Start_angle ${num(h.startAngleDeg)} deg.`,
    `# Angle_increment ${num(h.angleIncrementDeg)} deg.`,
    `# Detector_2theta ${num(h.twothetaDeg)} deg.`,
  ];
}

/** A CIF data block name: the file's stem with anything but letters, digits, '_', '-' and '.' replaced by '_'. */
export function cbfBlockName(path: string): string {
  const stem = (path.split(/[\\/]/).pop() ?? '').replace(/\.cbf$/i, '');
  return stem.replace(/[^A-Za-z0-9_.-]/g, '_') || 'image';
}

/**
 * The miniCBF file: `values` (width * height, row-major, fast index fastest) as signed 32-bit integers,
 * byte-offset compressed, with the header above. Lines end in CR LF as in PILATUS files.
 */
export function encodeCbf(values: Int32Array | Uint16Array, width: number, height: number, header: CbfHeader, blockName = 'image'): Uint8Array {
  if (values.length !== width * height) throw new Error(`CBF: ${values.length} pixels for a ${width} x ${height} image`);
  const data = byteOffsetEncode(values);
  const text = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
  const head = text([
    '###CBF: VERSION 1.5, nanobragg-wasm (byte-offset miniCBF)',
    '',
    `data_${blockName}`,
    '',
    '_array_data.header_convention "PILATUS_1.2"',
    '_array_data.header_contents',
    ';',
    ...pilatusHeaderLines(header),
    ';',
    '',
    '_array_data.data',
    ';',
    '--CIF-BINARY-FORMAT-SECTION--',
    'Content-Type: application/octet-stream;',
    '     conversions="x-CBF_BYTE_OFFSET"',
    'Content-Transfer-Encoding: BINARY',
    `X-Binary-Size: ${data.length}`,
    'X-Binary-ID: 1',
    'X-Binary-Element-Type: "signed 32-bit integer"',
    'X-Binary-Element-Byte-Order: LITTLE_ENDIAN',
    `Content-MD5: ${base64(md5(data))}`,
    `X-Binary-Number-of-Elements: ${values.length}`,
    `X-Binary-Size-Fastest-Dimension: ${width}`,
    `X-Binary-Size-Second-Dimension: ${height}`,
    `X-Binary-Size-Padding: ${PADDING}`,
    '',
  ]);
  const tail = text(['', '--CIF-BINARY-FORMAT-SECTION----', ';', '']);
  const out = new Uint8Array(head.length + CBF_BINARY_START.length + data.length + PADDING + tail.length);
  let n = 0;
  for (let i = 0; i < head.length; i++) out[n++] = head.charCodeAt(i);
  out.set(CBF_BINARY_START, n);
  n += CBF_BINARY_START.length;
  out.set(data, n);
  n += data.length + PADDING; // the padding is zeros already
  for (let i = 0; i < tail.length; i++) out[n++] = tail.charCodeAt(i);
  return out;
}
