import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, mkdirSync, chmodSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inflateSync, deflateSync } from 'node:zlib';
import {
  encodeFloatImage,
  smvScale,
  smvPixel,
  smvHeaderText,
  encodeSmv,
  pgmScale,
  pgmPixel,
  encodePgm,
  SMV_HEADER_BYTES,
  type SmvHeader,
} from '../src/io/images.ts';
import { imageStats, maxPosition } from '../src/io/stats.ts';
import { encodePreviewPng, logPreviewBytes, crc32 } from '../src/io/png.ts';
import { writeFileAtomic, appendLine } from '../src/io/atomic.ts';
import { formatG } from '../src/util/cformat.ts';

const GOLDEN = '/work/shared/golden';
const REPO = fileURLToPath(new URL('..', import.meta.url));

interface GoldenCase {
  name: string;
  argv: string[];
  stdout: string;
  width: number;
  height: number;
  img: Float32Array;
  bytes: Uint8Array;
}

const CASES: GoldenCase[] = readdirSync(GOLDEN)
  .filter((d) => existsSync(join(GOLDEN, d, 'case.json')))
  .sort()
  .map((name) => {
    const j = JSON.parse(readFileSync(join(GOLDEN, name, 'case.json'), 'utf8'));
    const buf = readFileSync(join(GOLDEN, name, 'case.bin'));
    const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    return { name, argv: j.argv, stdout: j.stdout, width: j.width, height: j.height, img: new Float32Array(bytes.buffer), bytes };
  });

function arg(c: GoldenCase, flag: string): number {
  return Number(c.argv[c.argv.indexOf(flag) + 1]);
}

function stdoutLine(c: GoldenCase, prefix: string): string {
  const line = c.stdout.split('\n').find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`${c.name}: no "${prefix}" line in stdout`);
  return line;
}

// ---------------------------------------------------------------- statistics (stats.ts) vs the golden stdout

test('golden cases are present', () => {
  assert.ok(CASES.length >= 13, `${CASES.length} cases`);
  assert.ok(CASES.some((c) => arg(c, '-oversample') === 2), 'a case with -oversample 2');
});

test('imageStats + formatG reproduce "max_I = ... at ..." and "mean= rms= rmsd=" of every golden case', () => {
  for (const c of CASES) {
    const s = imageStats(c.img, c.width, c.height);
    const [fdet, sdet] = maxPosition(s.maxIndex, c.width, arg(c, '-pixel') / 1000.0, arg(c, '-oversample'));
    assert.is(`max_I = ${formatG(s.maxI)}  at ${formatG(fdet)} ${formatG(sdet)}`, stdoutLine(c, 'max_I = '), c.name);
    assert.is(`mean= ${formatG(s.mean)} rms= ${formatG(s.rms)} rmsd= ${formatG(s.rmsd)}`, stdoutLine(c, 'mean= '), c.name);
    assert.is(`intfile_scale = ${formatG(smvScale(s.maxI))}`, stdoutLine(c, 'intfile_scale = '), c.name);
    assert.is(s.count, c.width * c.height);
  }
});

test('maxPosition: pixel centre for oversample 1, last subpixel for oversample 2', () => {
  const px = 0.1 / 1000.0;
  assert.equal(maxPosition(7 * 256 + 58, 256, px, 1).map((v) => formatG(v)), ['0.00585', '0.00075']);
  // combined_256 (-oversample 2): max at fast 159, slow 83 -> 0.015975 0.008375, i.e. (2*159+1+0.5)*px/2
  const [f, s] = maxPosition(83 * 256 + 159, 256, px, 2);
  assert.is(formatG(f), '0.015975');
  assert.is(formatG(s), '0.008375');
  assert.ok(Math.abs(f - (159 + 0.75) * px) < 1e-15);
  assert.ok(Math.abs(maxPosition(0, 10, 1, 3)[0] - 5 / 6) < 1e-15);
  assert.equal(maxPosition(-1, 256, px, 1), [0, 0]);
});

test('imageStats: all-zero image gives C\'s max_I = 0 at 0 0; first maximum wins; negatives never become max', () => {
  const zero = imageStats(new Float32Array(6), 3, 2);
  assert.equal(zero, { maxI: 0, maxIndex: -1, mean: 0, rms: 0, rmsd: 0, sum: 0, count: 6 });
  const [f, s] = maxPosition(zero.maxIndex, 3, 1e-4, 1);
  assert.is(`max_I = ${formatG(zero.maxI)}  at ${formatG(f)} ${formatG(s)}`, 'max_I = 0  at 0 0');
  assert.is(smvScale(zero.maxI), 1);
  const tie = imageStats(new Float32Array([1, 3, 2, 3]), 2, 2);
  assert.is(tie.maxIndex, 1);
  assert.is(tie.maxI, 3);
  const neg = imageStats(new Float32Array([-1, -2]), 2, 1);
  assert.is(neg.maxI, 0);
  assert.is(neg.maxIndex, -1);
  assert.is(neg.mean, -1.5);
});

test('imageStats: formulas (N-1 denominators, float32 squares) and N <= 1 guards', () => {
  const img = new Float32Array([1, 2, 3, 4]);
  const s = imageStats(img, 4, 1);
  assert.is(s.sum, 10);
  assert.is(s.mean, 2.5);
  assert.is(s.rms, Math.sqrt(30 / 3));
  assert.is(s.rmsd, Math.sqrt(5 / 3));
  const one = imageStats(new Float32Array([5]), 1, 1);
  assert.equal([one.mean, one.rms, one.rmsd, one.count], [5, 5, 0, 1]); // N=1 -> divides by (2-1)
  // the square is rounded to float32 before the double sum (C float*float)
  const v = Math.fround(1.1);
  assert.is(imageStats(new Float32Array([v, 0]), 2, 1).rms, Math.sqrt(Math.fround(v * v)));
  assert.is.not(Math.fround(v * v), v * v);
});

test('imageStats: ROI (inclusive, fast then slow) and mask (rmsd pass checks the ROI only, as C)', () => {
  // 4 x 3 image, values = index
  const img = Float32Array.from({ length: 12 }, (_, i) => i);
  const roi = { xmin: 1, xmax: 2, ymin: 1, ymax: 2 }; // pixels 5, 6, 9, 10
  const s = imageStats(img, 4, 3, roi);
  assert.equal([s.count, s.sum, s.maxI, s.maxIndex], [4, 30, 10, 10]);
  assert.is(s.mean, 7.5);
  const mask = new Uint8Array(12).fill(1);
  mask[10] = 0;
  const m = imageStats(img, 4, 3, roi, mask);
  assert.equal([m.count, m.sum, m.maxI, m.maxIndex], [3, 20, 9, 9]);
  const mean = 20 / 3;
  const dev = [5, 6, 9, 10].reduce((a, v) => a + (v - mean) ** 2, 0);
  assert.is(m.rmsd, Math.sqrt(dev / 3), 'masked pixel 10 enters the rmsd sum and its count');
});

// ---------------------------------------------------------------- float image

test('encodeFloatImage: identical bytes to the golden case.bin files', () => {
  for (const c of CASES.slice(0, 3)) {
    const out = encodeFloatImage(c.img);
    assert.is(out.length, c.bytes.length);
    assert.ok(Buffer.from(out).equals(Buffer.from(c.bytes)), c.name);
  }
  const sub = new Float32Array([9, 1.5, -2, 9]).subarray(1, 3);
  assert.equal(Array.from(encodeFloatImage(sub)), [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
});

// ---------------------------------------------------------------- SMV

/** Header numbers for a MOSFLM 256 x 256, 0.1 mm, 100 mm detector, computed the way C does. */
function mosflmHeader(): SmvHeader {
  const pixel_size = 0.1 / 1000.0;
  const distance = 100 / 1000.0;
  const detsize_s = pixel_size * 256;
  const Xbeam = (detsize_s + pixel_size) / 2.0;
  const Ybeam = Xbeam;
  const Fbeam = Ybeam + 0.5 * pixel_size;
  const Sbeam = Xbeam + 0.5 * pixel_size;
  return {
    pixelSizeMm: pixel_size * 1000.0,
    distanceMm: distance * 1000.0,
    wavelengthA: 1e-10 * 1e10,
    beamCenterXmm: Xbeam * 1000.0,
    beamCenterYmm: Ybeam * 1000,
    adxvCenterXmm: Fbeam * 1000.0,
    adxvCenterYmm: (detsize_s - Sbeam) * 1000,
    mosflmCenterXmm: (Sbeam - 0.5 * pixel_size) * 1000.0,
    mosflmCenterYmm: (Fbeam - 0.5 * pixel_size) * 1000,
    denzoXBeamMm: (Sbeam - 0.0 * pixel_size) * 1000.0,
    denzoYBeamMm: (Fbeam - 0.0 * pixel_size) * 1000,
    dialsOrigin: [-12.9, 12.9, -100],
    xdsOrgX: 129.5,
    xdsOrgY: 129.5,
    closeDistanceMm: distance * 1000.0,
    phi: 0,
    oscStart: 0,
    oscRange: 0,
    twotheta: 0,
  };
}

const EXPECTED_HEADER =
  '{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\nSIZE1=256;\nSIZE2=256;\n' +
  'PIXEL_SIZE=0.1;\nDISTANCE=100;\nWAVELENGTH=1;\nBEAM_CENTER_X=12.85;\nBEAM_CENTER_Y=12.85;\n' +
  'ADXV_CENTER_X=12.9;\nADXV_CENTER_Y=12.7;\nMOSFLM_CENTER_X=12.85;\nMOSFLM_CENTER_Y=12.85;\n' +
  'DENZO_X_BEAM=12.9;\nDENZO_Y_BEAM=12.9;\nDIALS_ORIGIN=-12.9,12.9,-100\nXDS_ORGX=129.5;\nXDS_ORGY=129.5;\n' +
  'CLOSE_DISTANCE=100;\nPHI=0;\nOSC_START=0;\nOSC_RANGE=0;\nTWOTHETA=0;\nDETECTOR_SN=000;\nBEAMLINE=fake;\n}\f';

test('SMV header: keys in C order, %g numbers, "}\\f" then spaces to 512 bytes', () => {
  const text = smvHeaderText(256, 256, mosflmHeader());
  assert.is(text.length, 512);
  assert.is(text.slice(0, EXPECTED_HEADER.length), EXPECTED_HEADER);
  assert.is(text.slice(EXPECTED_HEADER.length), ' '.repeat(512 - EXPECTED_HEADER.length));
  // unround geometry overflows 512 bytes: HEADER_BYTES grows to 1024 (C would write an unreadable file)
  const worst = Object.fromEntries(Object.entries(mosflmHeader()).map(([k, v]) => [k, Array.isArray(v) ? v.map(() => -1.23456789e-100) : -1.23456789e-100])) as unknown as SmvHeader;
  const big = smvHeaderText(99999, 99999, worst);
  assert.is(big.length, 1024);
  assert.match(big, /^\{\nHEADER_BYTES=1024;\n/);
  assert.match(big, /DIALS_ORIGIN=-1\.23457e-100,-1\.23457e-100,-1\.23457e-100\n/);
  assert.match(big, /\}\f +$/);
  const bigSmv = encodeSmv(new Float32Array([1, 2]), 2, 1, worst, { scale: 1, adc: 40 });
  assert.is(bigSmv.length, 1024 + 4);
  assert.equal(Array.from(bigSmv.subarray(1024)), [41, 0, 42, 0]);
});

test('smvScale: -scale if > 0, else 55000/max_I, 1 when max_I <= 0', () => {
  assert.is(smvScale(0.784599), 55000 / 0.784599);
  assert.is(smvScale(0), 1);
  assert.is(smvScale(-3), 1);
  assert.is(smvScale(2, 7), 7);
  assert.is(smvScale(2, 0), 27500);
  assert.is(smvScale(2, -1), 27500);
});

test('smvPixel: clamp, then floorf of the float32 sum (differs from a double floor), NaN -> 0', () => {
  assert.is(smvPixel(1, 100, 40), 140);
  assert.is(smvPixel(0.784599, 55000 / 0.784599, 40), 55040);
  assert.is(smvPixel(1e9, 1, 40), 65535);
  assert.is(smvPixel(-5, 100, 40), 0);
  assert.is(smvPixel(0.4999, 1, 0), 0);
  assert.is(smvPixel(0.5, 1, 0), 1);
  // 100.49999999 + 0.5 = 100.99999999 in double (floor 100) but 101.0 as float32 (floorf 101)
  assert.is(Math.floor(100.49999999 + 0.5), 100);
  assert.is(smvPixel(100.49999999, 1, 0), 101);
  assert.is(smvPixel(NaN, 1, 40), 0);
});

test('encodeSmv: header + uint16 LE pixels; golden max pixel is 55040; ROI-excluded pixels are 0 (not adc)', () => {
  const c = CASES.find((x) => x.name === 'abs_256')!;
  const s = imageStats(c.img, c.width, c.height);
  const scale = smvScale(s.maxI);
  const out = encodeSmv(c.img, 256, 256, mosflmHeader(), { scale, adc: 40 });
  assert.is(out.length, SMV_HEADER_BYTES + 2 * 256 * 256);
  assert.is(new TextDecoder().decode(out.subarray(0, EXPECTED_HEADER.length)), EXPECTED_HEADER);
  const view = new DataView(out.buffer, out.byteOffset);
  const px = (i: number) => view.getUint16(SMV_HEADER_BYTES + 2 * i, true);
  assert.is(px(s.maxIndex), 55040);
  for (let i = 0; i < c.img.length; i += 97) {
    const v = Math.min(65535, Math.max(0, c.img[i] * scale + 40));
    assert.is(px(i), Math.floor(Math.fround(v + 0.5)));
  }
  const roi = { xmin: 10, xmax: 20, ymin: 5, ymax: 6 };
  const cut = encodeSmv(c.img, 256, 256, mosflmHeader(), { scale, adc: 40, roi });
  const cv = new DataView(cut.buffer, cut.byteOffset);
  let inside = 0;
  for (let slow = 0; slow < 256; slow++) {
    for (let fast = 0; fast < 256; fast++) {
      const v = cv.getUint16(SMV_HEADER_BYTES + 2 * (slow * 256 + fast), true);
      if (fast >= 10 && fast <= 20 && slow >= 5 && slow <= 6) {
        inside++;
        assert.is(v, px(slow * 256 + fast));
      } else if (v !== 0) assert.unreachable(`pixel ${fast},${slow} outside the ROI is ${v}`);
    }
  }
  assert.is(inside, 22);
  assert.throws(() => encodeSmv(new Float32Array(3), 2, 2, mosflmHeader(), { scale: 1, adc: 40 }), /does not match 2 x 2/);
});

// ---------------------------------------------------------------- PGM

test('pgmScale: -pgmscale if > 0, else 250/(5 rmsd), else the SMV scale', () => {
  assert.is(pgmScale(0.132735, 70099.5), 250 / (5 * 0.132735));
  assert.is(pgmScale(0, 70099.5), 70099.5);
  assert.is(pgmScale(0.132735, 70099.5, 3), 3);
  assert.is(pgmScale(0.132735, 70099.5, 0), 250 / (5 * 0.132735));
});

test('pgmPixel: truncation, upper clamp 255, negatives wrap like x86-64 (unsigned char) casts', () => {
  assert.is(pgmPixel(1.99, 1), 1);
  assert.is(pgmPixel(254.999, 1), 254);
  assert.is(pgmPixel(1000, 1), 255);
  assert.is(pgmPixel(-0.5, 1), 0);
  assert.is(pgmPixel(-1.5, 1), 255);
  assert.is(pgmPixel(-256, 1), 0);
  assert.is(pgmPixel(-257.2, 1), 255);
  assert.is(pgmPixel(NaN, 1), 0);
  assert.is(pgmPixel(-1e12, 1), 0);
});

test('encodePgm: P5 header with %g scale, bytes in raster order, ROI-excluded pixels 0', () => {
  const c = CASES.find((x) => x.name === 'tricubic_on_256')!;
  const s = imageStats(c.img, 256, 256);
  const scale = pgmScale(s.rmsd, smvScale(s.maxI));
  const out = encodePgm(c.img, 256, 256, scale);
  const head = 'P5\n256 256\n# pixels scaled by 376.691\n255\n'; // 250/(5*rmsd), rmsd printed as 0.132735
  assert.is(new TextDecoder().decode(out.subarray(0, head.length)), head);
  assert.is(out.length, head.length + 256 * 256);
  for (let i = 0; i < c.img.length; i += 101) assert.is(out[head.length + i], Math.trunc(Math.min(255, c.img[i] * scale)));
  const small = encodePgm(new Float32Array([0.5, 1, 2, 3, 100, 7]), 3, 2, 10, { xmin: 0, xmax: 1, ymin: 1, ymax: 1 });
  const h2 = 'P5\n3 2\n# pixels scaled by 10\n255\n';
  assert.is(new TextDecoder().decode(small.subarray(0, h2.length)), h2);
  assert.equal(Array.from(small.subarray(h2.length)), [0, 0, 0, 30, 255, 0]);
});

// ---------------------------------------------------------------- PNG preview

function readChunks(png: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];
  let o = 8;
  while (o < png.length) {
    const len = view.getUint32(o);
    const type = new TextDecoder().decode(png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    const crcOk = view.getUint32(o + 8 + len) === crc32(png.subarray(o + 4, o + 8 + len));
    chunks.push({ type, data, crcOk });
    o += 12 + len;
  }
  return chunks;
}

test('crc32: standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.is(crc32(new TextEncoder().encode('IEND')), 0xae426082);
});

test('encodePreviewPng: valid PNG whose pixels equal the golden preview_log.png of every case', async () => {
  for (const c of CASES) {
    const png = await encodePreviewPng(c.img, c.width, c.height);
    assert.equal(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
    const chunks = readChunks(png);
    assert.equal(chunks.map((k) => k.type), ['IHDR', 'IDAT', 'IEND']);
    assert.ok(chunks.every((k) => k.crcOk), 'chunk CRCs');
    const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
    assert.equal([ihdr.getUint32(0), ihdr.getUint32(4), ...chunks[0].data.subarray(8)], [c.width, c.height, 8, 0, 0, 0, 0]);
    const raw = inflateSync(chunks[1].data);
    assert.is(raw.length, c.height * (c.width + 1));
    const goldenPng = new Uint8Array(readFileSync(join(GOLDEN, c.name, 'preview_log.png')));
    const goldenRaw = inflateSync(Buffer.concat(readChunks(goldenPng).filter((k) => k.type === 'IDAT').map((k) => k.data)));
    assert.ok(Buffer.from(raw).equals(goldenRaw), `${c.name}: pixels differ from preview_log.png`);
  }
});

test('encodePreviewPng: mapping details, custom compressor, bad sizes', async () => {
  // max 1000, 4 decades: 0.1 -> 0, 1 -> 63 (floor 63.75), 1000 -> 255, <= 0 -> 0
  const img = new Float32Array([1000, 1, 0.1, 0.01, 0, -5, 100, NaN]);
  assert.equal(Array.from(logPreviewBytes(img)), [255, 63, 0, 0, 0, 0, 191, 0]);
  assert.equal(Array.from(logPreviewBytes(img, { decades: 2 })), [255, 0, 0, 0, 0, 0, 127, 0]);
  // lowPercentile 0: the smallest positive value (0.01) is black, 5 decades
  assert.equal(Array.from(logPreviewBytes(img, { lowPercentile: 0 })), [255, 102, 51, 0, 0, 0, 204, 0]);
  assert.equal(Array.from(logPreviewBytes(new Float32Array(4))), [0, 0, 0, 0]);
  let called = 0;
  const png = await encodePreviewPng(img, 4, 2, { deflate: (d) => (called++, new Uint8Array(deflateSync(d, { level: 1 }))) });
  assert.is(called, 1);
  const raw = inflateSync(readChunks(png)[1].data);
  assert.equal(Array.from(raw), [0, 255, 63, 0, 0, 0, 0, 0, 191, 0]);
  await encodePreviewPng(img, 3, 3).then(
    () => assert.unreachable('size mismatch accepted'),
    (e) => assert.match(e.message, /does not match 3 x 3/),
  );
});

// ---------------------------------------------------------------- atomic file writing

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'atomic-'));
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function failsWith(p: Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, pattern);
    assert.not.match(msg, /\n/, 'one-line message');
    return e as Error;
  }
  assert.unreachable('did not fail');
  throw new Error('unreachable');
}

test('writeFileAtomic: writes bytes and strings, replaces an existing file, keeps its mode, leaves no temp file', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'img.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.equal(Array.from(readFileSync(path)), [1, 2, 3]);
    chmodSync(path, 0o640);
    await writeFileAtomic(path, 'héllo\n');
    assert.is(readFileSync(path, 'utf8'), 'héllo\n');
    assert.is(statSync(path).mode & 0o777, 0o640);
    assert.equal(readdirSync(dir), ['img.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic: one-line errors naming the path; nothing left behind; existing targets intact', async () => {
  const dir = tempDir();
  try {
    const missing = join(dir, 'no', 'such', 'x.bin');
    await failsWith(writeFileAtomic(missing, 'x'), new RegExp(`^cannot write ${missing}: directory ${join(dir, 'no', 'such')} does not exist$`));

    const sub = join(dir, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sub, 'keep'), 'k');
    const e = await failsWith(writeFileAtomic(sub, 'x'), new RegExp(`^cannot write ${sub}: is a directory$`));
    assert.is((e as NodeJS.ErrnoException).code, 'EISDIR');
    assert.is(readFileSync(join(sub, 'keep'), 'utf8'), 'k');

    const file = join(dir, 'plain');
    writeFileSync(file, 'p');
    await failsWith(writeFileAtomic(join(file, 'x.bin'), 'x'), /: a component of the path is not a directory$/);

    await failsWith(writeFileAtomic(join(dir, 'bad'), 42 as unknown as string), /data must be a string or a Uint8Array$/);

    if (!isRoot) {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      writeFileSync(join(ro, 'old.img'), 'old');
      chmodSync(ro, 0o555);
      await failsWith(writeFileAtomic(join(ro, 'old.img'), 'new'), /: permission denied$/);
      assert.is(readFileSync(join(ro, 'old.img'), 'utf8'), 'old');
      assert.equal(readdirSync(ro), ['old.img']);
      chmodSync(ro, 0o755);
    }
    assert.equal(readdirSync(dir).sort(), ['plain', 'sub']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic: a write failing midway (file size limit, EFBIG) removes the temp file and keeps the old file', () => {
  if (process.platform === 'win32') return;
  const dir = tempDir();
  try {
    const target = join(dir, 'image.img');
    writeFileSync(target, 'previous contents');
    const script = join(dir, 'child.mjs');
    const atomicUrl = new URL('../src/io/atomic.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(atomicUrl)};\n` +
        `try { await writeFileAtomic(process.argv[2], new Uint8Array(1 << 20)); console.log('written'); }\n` +
        `catch (e) { console.log('ERROR ' + e.message); }\n`,
    );
    const r = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 4 && exec "$0" --import tsx "$1" "$2"`, process.execPath, script, target], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim(), `ERROR cannot write ${target}: file too large (EFBIG: file size limit)`);
    assert.is(readFileSync(target, 'utf8'), 'previous contents');
    assert.equal(readdirSync(dir).sort(), ['child.mjs', 'image.img']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('appendLine: appends lines, creates the file, refuses line breaks, one-line errors', async () => {
  const dir = tempDir();
  try {
    const log = join(dir, 'runs.jsonl');
    await appendLine(log, '{"a":1}');
    await appendLine(log, '{"b":2}\n');
    assert.is(readFileSync(log, 'utf8'), '{"a":1}\n{"b":2}\n');
    await failsWith(appendLine(log, 'two\nlines'), /^cannot append to .*: the text contains a line break$/);
    await failsWith(appendLine(join(dir, 'nope', 'x.log'), 'x'), /^cannot append to .*x\.log: directory .*nope does not exist$/);
    assert.is(readFileSync(log, 'utf8'), '{"a":1}\n{"b":2}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
