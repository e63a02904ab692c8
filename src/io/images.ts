// Image file encoders, exactly as nanoBragg writes them (docs/c-behaviour/minimal-loop.md section 6, T-22; nanoBragg.c M:3062-3210):
// the raw float image, the SMV integer image (`-intfile`) and the PGM preview (`-pgmfile`).
// Pure (bytes out, no file access, no Node built-ins): writing is the caller's job (io/atomic.ts in Node).

import { formatG } from '../util/cformat.ts';

/** Inclusive pixel bounds, fast (x) then slow (y), as `-roi xmin xmax ymin ymax` (T-23). */
export interface Roi {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The float image file (`-floatfile`): width*height float32, little-endian, fast index fastest, no header.
 * On little-endian hosts (all browsers and Node platforms in practice) the result is a view on `img`'s memory.
 */
export function encodeFloatImage(img: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(img.buffer, img.byteOffset, img.byteLength);
  const out = new Uint8Array(img.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < img.length; i++) view.setFloat32(i * 4, img[i], true);
  return out;
}

/** The SMV scale (C `intfile_scale`): `-scale` when > 0, else 55000/max_I, or 1 when max_I is not > 0. */
export function smvScale(maxI: number, userScale?: number): number {
  if (userScale !== undefined && userScale > 0) return userScale;
  return maxI > 0 ? 55000.0 / maxI : 1.0;
}

/**
 * Numbers for the SMV header, computed by the caller from the final geometry (all printed with %g).
 * The C expression each reproduces is given; write it the same way for identical digits.
 * Xbeam, Ybeam, Fbeam, Sbeam, detsize_s, pixel_size, distance, close_distance in metres as in C.
 */
export interface SmvHeader {
  /** PIXEL_SIZE: pixel_size*1000.0 */
  pixelSizeMm: number;
  /** DISTANCE: distance*1000.0 */
  distanceMm: number;
  /** WAVELENGTH: lambda0*1e10 */
  wavelengthA: number;
  /** BEAM_CENTER_X: Xbeam*1000.0 */
  beamCenterXmm: number;
  /** BEAM_CENTER_Y: Ybeam*1000 */
  beamCenterYmm: number;
  /** ADXV_CENTER_X: Fbeam*1000.0 */
  adxvCenterXmm: number;
  /** ADXV_CENTER_Y: (detsize_s-Sbeam)*1000 */
  adxvCenterYmm: number;
  /** MOSFLM_CENTER_X: (Sbeam-0.5*pixel_size)*1000.0 */
  mosflmCenterXmm: number;
  /** MOSFLM_CENTER_Y: (Fbeam-0.5*pixel_size)*1000 */
  mosflmCenterYmm: number;
  /** DENZO_X_BEAM: (Sbeam-0.0*pixel_size)*1000.0 */
  denzoXBeamMm: number;
  /** DENZO_Y_BEAM: (Fbeam-0.0*pixel_size)*1000 */
  denzoYBeamMm: number;
  /** DIALS_ORIGIN: dials_origin[1..3] (already in mm in C, printed as "dials origin=" too) */
  dialsOrigin: [number, number, number];
  /** XDS_ORGX: ORGX (pixels) */
  xdsOrgX: number;
  /** XDS_ORGY: ORGY (pixels) */
  xdsOrgY: number;
  /** CLOSE_DISTANCE: close_distance*1000.0 */
  closeDistanceMm: number;
  /** PHI and OSC_START (C writes phi0*RTD for both): degrees */
  phi: number;
  /** OSC_START: phi0*RTD (the same value as PHI in C) */
  oscStart: number;
  /** OSC_RANGE: osc*RTD, degrees */
  oscRange: number;
  /** TWOTHETA: detector_twotheta*RTD, degrees */
  twotheta: number;
}

/** The SMV header size nanoBragg writes (HEADER_BYTES=512). */
export const SMV_HEADER_BYTES = 512;

function smvHeaderBody(headerBytes: number, width: number, height: number, h: SmvHeader): string {
  const g = formatG;
  return (
    `{\nHEADER_BYTES=${headerBytes};\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n` +
    `SIZE1=${width | 0};\nSIZE2=${height | 0};\nPIXEL_SIZE=${g(h.pixelSizeMm)};\nDISTANCE=${g(h.distanceMm)};\n` +
    `WAVELENGTH=${g(h.wavelengthA)};\n` +
    `BEAM_CENTER_X=${g(h.beamCenterXmm)};\nBEAM_CENTER_Y=${g(h.beamCenterYmm)};\n` +
    `ADXV_CENTER_X=${g(h.adxvCenterXmm)};\nADXV_CENTER_Y=${g(h.adxvCenterYmm)};\n` +
    `MOSFLM_CENTER_X=${g(h.mosflmCenterXmm)};\nMOSFLM_CENTER_Y=${g(h.mosflmCenterYmm)};\n` +
    `DENZO_X_BEAM=${g(h.denzoXBeamMm)};\nDENZO_Y_BEAM=${g(h.denzoYBeamMm)};\n` +
    `DIALS_ORIGIN=${g(h.dialsOrigin[0])},${g(h.dialsOrigin[1])},${g(h.dialsOrigin[2])}\n` +
    `XDS_ORGX=${g(h.xdsOrgX)};\nXDS_ORGY=${g(h.xdsOrgY)};\n` +
    `CLOSE_DISTANCE=${g(h.closeDistanceMm)};\n` +
    `PHI=${g(h.phi)};\nOSC_START=${g(h.oscStart)};\nOSC_RANGE=${g(h.oscRange)};\n` +
    `TWOTHETA=${g(h.twotheta)};\n` +
    'DETECTOR_SN=000;\nBEAMLINE=fake;\n}\f'
  );
}

/**
 * The SMV header: C's fprintf sequence, then spaces while the length is under 512 (T-22).
 * Deliberate difference: the fixed text is 387 bytes, which leaves 125 for the 24 numbers; detectors with
 * unround geometry (beam centre 211.456 mm, ORGX 1229.39, ...) overflow that. C then writes the pixels
 * straight after the longer text, at an offset its own HEADER_BYTES=512 contradicts (readers see garbage);
 * here HEADER_BYTES grows to the next multiple of 512 and the text is padded to it, as SMV readers expect.
 * Returns the padded text; its length is the pixel data offset (512 whenever C's file is valid).
 */
export function smvHeaderText(width: number, height: number, h: SmvHeader): string {
  let size = SMV_HEADER_BYTES;
  let text = smvHeaderBody(size, width, height, h);
  while (text.length > size) {
    size = Math.ceil(text.length / SMV_HEADER_BYTES) * SMV_HEADER_BYTES;
    text = smvHeaderBody(size, width, height, h);
  }
  return text.padEnd(size, ' ');
}

function checkSize(img: Float32Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || img.length !== width * height) {
    throw new Error(`image of ${img.length} pixels does not match ${width} x ${height}`);
  }
}

function inRoi(roi: Roi | undefined, fast: number, slow: number): boolean {
  return roi === undefined || (fast >= roi.xmin && fast <= roi.xmax && slow >= roi.ymin && slow <= roi.ymax);
}

/**
 * One SMV pixel (T-22): v = float*scale + adc in double, clamped to [0, 65535], then
 * floorf((float)(v + 0.5)): the sum is rounded to float32 before flooring (a double floor differs on some
 * pixels). NaN: C's conversion is undefined; x86-64 yields 0, and so do we.
 */
export function smvPixel(value: number, scale: number, adc: number): number {
  let v = value * scale + adc;
  if (v > 65535.0) v = 65535.0;
  if (v < 0.0) v = 0.0;
  const r = Math.floor(Math.fround(v + 0.5));
  return r === r ? r : 0;
}

/**
 * The SMV integer image's pixel values (smvPixel each; pixels outside `roi` are 0, not the ADC offset, as in C).
 * `scale` is usually smvScale(maxI, -scale), `adc` the ADC offset (C default 40). The CBF output
 * (src/io/cbf.ts) stores these same integers, so both files hold one image.
 */
export function smvIntegers(img: Float32Array, width: number, height: number, opts: { scale: number; adc: number; roi?: Roi }): Uint16Array {
  checkSize(img, width, height);
  const out = new Uint16Array(img.length);
  const { scale, adc, roi } = opts;
  for (let slow = 0, i = 0; slow < height; slow++) {
    for (let fast = 0; fast < width; fast++, i++) {
      if (inRoi(roi, fast, slow)) out[i] = smvPixel(img[i], scale, adc);
    }
  }
  return out;
}

/**
 * The SMV integer image (`-intfile`): the header (512 bytes, see smvHeaderText) then width*height uint16
 * little-endian (smvIntegers).
 */
export function encodeSmv(
  img: Float32Array,
  width: number,
  height: number,
  header: SmvHeader,
  opts: { scale: number; adc: number; roi?: Roi },
): Uint8Array {
  const values = smvIntegers(img, width, height, opts);
  const head = smvHeaderText(width, height, header);
  const out = new Uint8Array(head.length + 2 * img.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(head.length + 2 * i, values[i], true);
  return out;
}

/** The PGM scale (C `pgm_scale`): `-pgmscale` when > 0, else 250/(5*rmsd) when rmsd > 0, else the SMV scale. */
export function pgmScale(rmsd: number, intfileScale: number, userScale?: number): number {
  if (userScale !== undefined && userScale > 0) return userScale;
  return rmsd > 0.0 ? 250.0 / (5.0 * rmsd) : intfileScale;
}

/**
 * One PGM byte: C's `(unsigned char)min(255, float*scale)`. There is no lower clamp; converting a negative
 * double to unsigned char is undefined in C, and x86-64 gcc truncates to a 32-bit int and keeps the low
 * byte (-1.5 -> 255, -0.5 -> 0; NaN or below -2^31 -> 0). We do the same. Images are >= 0 in practice.
 */
export function pgmPixel(value: number, scale: number): number {
  let t = value * scale;
  if (t > 255.0) t = 255.0;
  t = Math.trunc(t);
  return t >= -2147483648 ? t & 255 : 0;
}

/**
 * The PGM preview (`-pgmfile`): "P5\n<w> <h>\n# pixels scaled by <%g scale>\n255\n" then one byte per
 * pixel. Pixels outside `roi` are 0.
 */
export function encodePgm(img: Float32Array, width: number, height: number, scale: number, roi?: Roi): Uint8Array {
  checkSize(img, width, height);
  const head = `P5\n${width} ${height}\n# pixels scaled by ${formatG(scale)}\n255\n`;
  const out = new Uint8Array(head.length + img.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  const base = head.length;
  for (let slow = 0, i = 0; slow < height; slow++) {
    for (let fast = 0; fast < width; fast++, i++) {
      if (!inRoi(roi, fast, slow)) continue;
      out[base + i] = pgmPixel(img[i], scale);
    }
  }
  return out;
}
