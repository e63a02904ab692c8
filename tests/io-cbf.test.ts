// The CBF encoder (src/io/cbf.ts) on its own: byte-offset compression round trips across every escape width
// (1, 2, 4 and 8 bytes: differences beyond 127, 32767 and the int32 range), with the byte counts the CBF
// specification gives; our MD5 against node:crypto's; the file layout a reader depends on; and -cbffile through
// the command line (same integers as -intfile, refused by the library's extraArgs, clash with another output).
// tests/detector-cbf-fabio.test.ts has an independent reader (fabio) open the files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteOffsetDecode, byteOffsetEncode, cbfBlockName, encodeCbf, CBF_BINARY_START } from '../src/io/cbf.ts';
import { base64, md5 } from '../src/util/md5.ts';
import { configToArgv, createSimulator, encodeImage } from '../src/index.ts';
import { runMain, scratch, TINY } from './helpers/cli.ts';

const tmp = scratch('cbf');
test.after(() => tmp.cleanup());

function roundTrip(values: number[]): Uint8Array {
  const v = Int32Array.from(values);
  const bytes = byteOffsetEncode(v);
  assert.equal([...byteOffsetDecode(bytes, v.length)], [...v]);
  return bytes;
}

test('byte offset: each difference takes 1, 3, 7 or 15 bytes by its size, and decodes back', () => {
  // [values, expected compressed length]: the first difference is from 0
  const cases: [number[], number][] = [
    [[0, 127, 0, -127], 4], // all within one byte
    [[128], 3], // 0x80 + int16
    [[-128], 3], // -128 is the escape byte itself, so it needs the 2-byte form
    [[100, 228], 1 + 3], // a difference of 128
    [[32767], 3],
    [[32768], 7], // 0x80, 0x8000, int32
    [[-32768], 7], // -32768 is the 2-byte escape
    [[0, 65535, 0], 1 + 7 + 7], // SMV's whole range up and down
    [[2147483647], 7],
    [[-2147483647], 7],
    [[-2147483648], 15], // -2^31 is the 4-byte escape: 8-byte form
    [[2147483647, -2147483648], 7 + 15], // a difference of -(2^32 - 1) needs 64 bits
    [[-2147483648, 2147483647], 15 + 15],
  ];
  for (const [values, length] of cases) assert.is(roundTrip(values).length, length, JSON.stringify(values));
  // the exact bytes of the escapes, little-endian
  assert.equal([...byteOffsetEncode(Int32Array.of(5, 300, 300 + 40000))], [5, 0x80, 0x27, 0x01, 0x80, 0x00, 0x80, 0x40, 0x9c, 0x00, 0x00]);
});

test('byte offset: a random walk over every step size round trips', () => {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const v = new Int32Array(20000);
  let x = 0;
  for (let i = 0; i < v.length; i++) {
    const scale = [10, 200, 40000, 3e9][Math.floor(rand() * 4)];
    x = Math.max(-2147483648, Math.min(2147483647, Math.round(x + (rand() - 0.5) * 2 * scale)));
    v[i] = x;
  }
  const bytes = byteOffsetEncode(v);
  assert.equal(byteOffsetDecode(bytes, v.length), v);
  assert.throws(() => byteOffsetDecode(bytes.subarray(0, bytes.length - 1), v.length), /ends after/);
});

test('md5 and base64 agree with node:crypto (around the 56- and 64-byte block edges)', () => {
  for (const n of [0, 1, 2, 3, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 65537]) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 17) & 255);
    assert.is(base64(md5(d)), createHash('md5').update(d).digest('base64'), `${n} bytes`);
  }
});

test('the file: CIF text with CR LF, the MIME lines, the binary start bytes, data, padding and the closing boundary', () => {
  const values = Uint16Array.from({ length: 12 }, (_, i) => i * 6000);
  const header = { pixelSizeM: 0.0001, thicknessM: 0.00032, wavelengthA: 1, distanceM: 0.1, beamXyPixels: [2, 1.5] as const, startAngleDeg: 0, angleIncrementDeg: 0.1, twothetaDeg: 0 };
  const f = encodeCbf(values, 4, 3, header, 'x');
  const start = f.findIndex((b, i) => b === 0x0c && f[i + 1] === 0x1a && f[i + 2] === 0x04 && f[i + 3] === 0xd5);
  const text = new TextDecoder('latin1').decode(f.subarray(0, start));
  assert.ok(text.startsWith('###CBF: VERSION 1.5'), text);
  assert.not.match(text.replace(/\r\n/g, ''), /[\r\n]/, 'a line not ended by CR LF');
  for (const line of ['data_x', '_array_data.header_convention "PILATUS_1.2"', '# Pixel_size 0.0001 m x 0.0001 m', '# Silicon sensor, thickness 0.00032 m',
    '# Beam_xy (2, 1.5) pixels', '# Angle_increment 0.1 deg.', 'conversions="x-CBF_BYTE_OFFSET"', 'X-Binary-Element-Type: "signed 32-bit integer"',
    'X-Binary-Size-Fastest-Dimension: 4', 'X-Binary-Size-Second-Dimension: 3', 'X-Binary-Number-of-Elements: 12', 'X-Binary-Size-Padding: 4095']) {
    assert.ok(text.includes(`${line}\r\n`), `missing line: ${line}`);
  }
  assert.ok(text.endsWith('X-Binary-Size-Padding: 4095\r\n\r\n'));
  const size = Number(/X-Binary-Size: (\d+)/.exec(text)![1]);
  const data = f.subarray(start + 4, start + 4 + size);
  assert.equal([...byteOffsetDecode(data, 12)], [...values]);
  assert.is(/Content-MD5: (\S+)/.exec(text)![1], createHash('md5').update(data).digest('base64'));
  assert.ok(f.subarray(start + 4 + size, start + 4 + size + 4095).every((b) => b === 0), 'padding is not zeros');
  assert.is(new TextDecoder('latin1').decode(f.subarray(start + 4 + size + 4095)), '\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n');
  assert.equal([...CBF_BINARY_START], [0x0c, 0x1a, 0x04, 0xd5]);
  assert.throws(() => encodeCbf(values, 5, 3, header), /12 pixels for a 5 x 3 image/);
});

test('block names come from the file name', () => {
  assert.is(cbfBlockName('/a/b/run 1_0001.cbf'), 'run_1_0001');
  assert.is(cbfBlockName('x.CBF'), 'x');
  assert.is(cbfBlockName('.cbf'), 'image');
});

test('-cbffile on the command line holds the -intfile integers; a clash and the library are refused', async () => {
  const d = tmp.dir();
  const img = join(d, 'a.img'), cbf = join(d, 'a.cbf');
  const r = await runMain(['simulate', ...TINY, '-N', '3', '--backend', 'wasm', '-intfile', img, '-cbffile', cbf]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*a\.cbf/);
  const smv = readFileSync(img);
  const ints = Array.from({ length: 256 }, (_, i) => smv.readUInt16LE(512 + 2 * i));
  const f = new Uint8Array(readFileSync(cbf));
  const start = f.findIndex((b, i) => b === 0x0c && f[i + 1] === 0x1a && f[i + 2] === 0x04 && f[i + 3] === 0xd5);
  assert.equal([...byteOffsetDecode(f.subarray(start + 4), 256)], ints);
  assert.ok(Math.max(...ints) > 40, 'the image is empty');
  // without -intfile the scale line is still printed (the CBF uses that scale)
  const only = await runMain(['simulate', ...TINY, '--backend', 'wasm', '-cbffile', join(d, 'b.cbf')]);
  assert.is(only.code, 0, only.stderr);
  assert.match(only.stdout, /^intfile_scale = /m);
  const clash = await runMain(['simulate', ...TINY, '-intfile', img, '-cbffile', img]);
  assert.is(clash.code, 2);
  assert.match(clash.stderr, /'-intfile' and '-cbffile' name the same file/);
  assert.throws(() => configToArgv({ cell: [100, 100, 100, 90, 90, 90], defaultF: 1, extraArgs: ['-cbffile', 'x.cbf'] }), /'-cbffile' writes a file/);
});

test('the library\'s encodeImage gives the command line\'s -floatfile, -intfile and -cbffile bytes', async () => {
  const d = tmp.dir();
  const argv = [...TINY, '-N', '3', '-phi', '5', '-osc', '0.2', '-adc', '10', '-roi', '2', '12', '1', '14'];
  const paths = { float: join(d, 'x.bin'), smv: join(d, 'x.img'), cbf: join(d, 'x.cbf') };
  const r = await runMain(['simulate', ...argv, '--backend', 'wasm', '--dtype', 'f64', '-floatfile', paths.float, '-intfile', paths.smv, '-cbffile', paths.cbf]);
  assert.is(r.code, 0, r.stderr);
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
  const res = await sim.simulate(argv.filter((t) => t !== '-noprogress'));
  await sim.dispose();
  for (const format of ['float', 'smv', 'cbf'] as const) {
    assert.ok(Buffer.from(encodeImage(res, format, 'x')).equals(readFileSync(paths[format])), `${format} differs`);
  }
  assert.throws(() => encodeImage({ ...res }, 'smv'), /result returned by simulate/);
  assert.throws(() => encodeImage(res, 'tiff' as 'smv'), /unknown image format 'tiff'/);
});

test.run();
