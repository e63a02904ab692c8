// Our CBF (-cbffile) and noise SMV (-noisefile) files read back by an independent reader, Debian's python3-fabio
// (issue 18 item 2): for the detector fixtures (every convention, rectangular detectors, a mask) and a case with a
// ROI, phi range, sensor thickness and noise, fabio must find in the CBF exactly the integers of our -intfile
// (every pixel), the PILATUS_1.2 header numbers we meant (read back as the same doubles), and a Content-MD5 that
// matches the binary section; and in the noise image our header and every pixel. The SMV -intfile itself is
// tests/detector-smv-fabio.test.ts. Skipped, saying so, when no python3 with fabio is found (CI must have it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation } from '../src/simulator/engine.ts';
import { cbfHeader, encodeOutputs, smvHeader } from '../src/simulator/outputs.ts';
import { formatG } from '../src/util/cformat.ts';

const dir = fileURLToPath(new URL('./fixtures/detector/', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import fabio'], { stdio: 'ignore' }).status === 0);

// prints the CBF's header (MIME lines and the parsed PILATUS header), whether fabio's pixels equal the raw int32
// file we wrote beside it, the MD5 of the binary section as fabio extracted it; and for the SMV noise image its
// header and whether its pixels equal the uint16 values after our 512-byte header.
const READER = `
import sys, json, hashlib, base64, logging, io
import numpy, fabio, fabio.cbfimage
log = io.StringIO()
logging.getLogger("fabio").addHandler(logging.StreamHandler(log))
cbf, want, noise = sys.argv[1], sys.argv[2], sys.argv[3]
im = fabio.open(cbf)
ref = numpy.fromfile(want, dtype="<i4")
raw = fabio.cbfimage.CbfImage().read(cbf, only_raw=True)
out = {
  "type": type(im).__name__, "dtype": str(im.data.dtype), "shape": list(im.data.shape),
  "equal": bool(ref.size == im.data.size and (im.data.ravel() == ref).all()),
  "differing": int((im.data.ravel() != ref).sum()) if ref.size == im.data.size else -1,
  "max": int(im.data.max()),
  "header": {k: str(v) for k, v in im.header.items() if not k.startswith("_array_data.header_contents")},
  "pilatus": {k: v for k, v in im.pilatus_headers._dict.items()},
  "md5": base64.b64encode(hashlib.md5(raw).digest()).decode(), "raw_bytes": len(raw),
  "log": log.getvalue(),
}
if noise != "-":
  n = fabio.open(noise)
  body = numpy.fromfile(noise, dtype="<u2", offset=512)
  out["noise"] = {"header": {k: str(v) for k, v in n.header.items()}, "shape": list(n.data.shape),
                  "equal": bool(body.size == n.data.size and (n.data.ravel() == body).all())}
print(json.dumps(out))
`;

interface Case {
  name: string;
  argv: string[];
  cwd?: string;
}

const cases: Case[] = readdirSync(dir).sort().map((name) => {
  const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8'));
  const drop = new Set(['-floatfile', '-intfile', '-nopgm', '-noprogress', '-seed']);
  const argv: string[] = c.argv.slice(1).filter((t: string, i: number, a: string[]) => !drop.has(t) && !drop.has(a[i - 1]));
  return { name, argv, cwd: join(dir, name) };
});
cases.push({
  name: 'roi_phi_thick_noise',
  argv: ['-cell', '100', '100', '100', '90', '90', '90', '-N', '5', '-default_F', '100', '-detpixels_f', '40', '-detpixels_s', '30',
    '-phi', '10', '-osc', '0.5', '-phisteps', '2', '-detector_thick', '320', '-roi', '5', '30', '3', '25', '-lambda', '1.3',
    '-distance', '120', '-seed', '7', '-noisefile', 'noise.img'],
});

if (!python) {
  console.log('detector CBF/fabio tests: SKIPPED: no python3 with the fabio module (apt install python3-fabio)');
  test('detector CBF/fabio: skipped - no fabio', () => assert.ok(process.env.CI !== 'true', 'CI must provide python3-fabio'));
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'nb-cbf-fabio-'));
  test.after(() => rmSync(tmp, { recursive: true, force: true }));
  for (const c of cases) {
    test(`${c.name}: fabio reads our CBF (pixels = -intfile integers, header, MD5)${c.argv.includes('-noisefile') ? ' and noise SMV' : ''}`, async () => {
      const out = join(tmp, c.name);
      const argv = [...c.argv.map((t, i, a) => (a[i - 1] === '-noisefile' ? `${out}.noise.img` : t)), '-intfile', `${out}.img`, '-cbffile', `${out}.cbf`];
      const old = process.cwd();
      if (c.cwd) process.chdir(c.cwd);
      const prepared = await prepareSimulation(argv, {}).finally(() => process.chdir(old));
      const e = await createEngine({ backend: 'wasm', dtype: 'f64' });
      const r = await e.simulate(prepared);
      e.dispose();
      const files = (await encodeOutputs(prepared.sim, r)).files;
      const bytes = (flag: string) => files.find((f) => f.flag === flag)!.bytes;
      for (const f of files) writeFileSync(f.path, f.bytes);
      // the integers of our SMV file, as int32: what the CBF must hold
      const smv = bytes('-intfile');
      const d = prepared.sim.detector;
      const ints = new Int32Array(d.fpixels * d.spixels);
      const sv = new DataView(smv.buffer, smv.byteOffset + 512);
      for (let i = 0; i < ints.length; i++) ints[i] = sv.getUint16(2 * i, true);
      writeFileSync(`${out}.want`, ints);
      const noise = argv.includes('-noisefile') ? `${out}.noise.img` : '-';
      const p = spawnSync(python, ['-c', READER, `${out}.cbf`, `${out}.want`, noise], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.is(p.status, 0, p.stderr);
      const got = JSON.parse(p.stdout);
      assert.is(got.type, 'CbfImage');
      assert.is(got.dtype, 'int32');
      assert.equal(got.shape, [d.spixels, d.fpixels]);
      assert.ok(got.equal, `${got.differing} pixels differ from the -intfile integers`);
      assert.ok(got.max > 0, 'an empty image proves little');
      assert.is(got.log, '', 'fabio logged a complaint');
      // the MIME lines a CBF reader needs
      const cbf = bytes('-cbffile');
      const start = cbf.indexOf(0x0c);
      assert.equal([...cbf.subarray(start, start + 4)], [0x0c, 0x1a, 0x04, 0xd5]);
      const h = got.header as Record<string, string>;
      assert.is(h.conversions, 'x-CBF_BYTE_OFFSET');
      assert.is(h['X-Binary-Element-Type'], 'signed 32-bit integer');
      assert.is(h['X-Binary-Element-Byte-Order'], 'LITTLE_ENDIAN');
      assert.is(h['X-Binary-Size-Fastest-Dimension'], String(d.fpixels));
      assert.is(h['X-Binary-Size-Second-Dimension'], String(d.spixels));
      assert.is(h['X-Binary-Number-of-Elements'], String(d.fpixels * d.spixels));
      assert.is(h['X-Binary-Size'], String(got.raw_bytes));
      assert.is(h['Content-MD5'], got.md5, 'Content-MD5 is not the MD5 of the binary section');
      assert.match(h['_array_data.header_convention'], /^"?PILATUS_1.2"?$/);
      // the PILATUS_1.2 numbers, parsed by fabio back into the doubles we computed from the geometry
      const want = cbfHeader(prepared.sim);
      const g = (v: number) => Number(formatG(v)); // printed with %g, as the SMV header
      assert.equal(got.pilatus, {
        Detector: 'nanoBragg simulation nanobragg-wasm',
        Pixel_size: [g(want.pixelSizeM), g(want.pixelSizeM)],
        sensor: ['Silicon', g(want.thicknessM)],
        Wavelength: g(want.wavelengthA),
        Detector_distance: g(want.distanceM),
        Beam_xy: want.beamXyPixels.map(g),
        Start_angle: g(want.startAngleDeg),
        Angle_increment: g(want.angleIncrementDeg),
        Detector_2theta: g(want.twothetaDeg),
      });
      if (c.name === 'roi_phi_thick_noise') {
        assert.equal([want.thicknessM, want.startAngleDeg, want.angleIncrementDeg, want.wavelengthA, want.distanceM].map(g), [320e-6, 10, 0.5, 1.3, 0.12]);
        // outside the ROI the pixels are 0, as in the SMV file
        assert.is(ints[0], 0);
        assert.ok(got.noise, 'no noise image read');
        const n = got.noise as { header: Record<string, string>; shape: number[]; equal: boolean };
        assert.equal(n.shape, [d.spixels, d.fpixels]);
        assert.ok(n.equal, 'fabio reads other pixels from our noise image');
        const sh = smvHeader(prepared.sim);
        const wantSmv: Record<string, string> = {
          SIZE1: String(d.fpixels), SIZE2: String(d.spixels), PIXEL_SIZE: formatG(sh.pixelSizeMm), DISTANCE: formatG(sh.distanceMm),
          WAVELENGTH: formatG(sh.wavelengthA), BEAM_CENTER_X: formatG(sh.beamCenterXmm), BEAM_CENTER_Y: formatG(sh.beamCenterYmm),
          PHI: formatG(sh.phi), OSC_START: formatG(sh.oscStart), OSC_RANGE: formatG(sh.oscRange), TYPE: 'unsigned_short',
        };
        for (const [k, v] of Object.entries(wantSmv)) assert.is(n.header[k], v, `noise header ${k}`);
        // and the noise image is not the plain integer image again
        const noiseBytes = bytes('-noisefile');
        assert.not.ok(Buffer.from(noiseBytes.subarray(512)).equals(Buffer.from(smv.subarray(512))), 'the noise image equals the int image');
      }
    });
  }
}
test.run();
