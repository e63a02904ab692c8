// Our SMV files (-intfile) read back by an independent reader, python3-fabio: the header values of each convention
// and the pixels. The byte-for-byte comparison with C is tests/detector-golden.test.ts (sha256); this checks that
// the files are well-formed SMV to a third-party reader. Skipped, saying so, when no python3 with fabio is found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, prepareSimulation } from '../src/simulator/engine.ts';
import { encodeOutputs, smvHeader } from '../src/simulator/outputs.ts';
import { formatG } from '../src/util/cformat.ts';

const dir = fileURLToPath(new URL('./fixtures/detector/', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import fabio'], { stdio: 'ignore' }).status === 0);

const READER = `
import sys, json, fabio
im = fabio.open(sys.argv[1])
print(json.dumps({"header": {k: str(v) for k, v in im.header.items()}, "shape": list(im.data.shape), "data": im.data.astype(int).ravel().tolist()}))
`;

if (!python) {
  console.log('detector SMV/fabio tests: SKIPPED: no python3 with the fabio module (apt install python3-fabio)');
  test('detector SMV/fabio: skipped - no fabio', () => assert.ok(process.env.CI !== 'true', 'CI must provide python3-fabio'));
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'nb-fabio-'));
  for (const name of readdirSync(dir).sort().filter((n) => n !== 'det_mosflm_curved_thick')) {
    test(`${name}: fabio reads our SMV header and pixels`, async () => {
      const c = JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8'));
      const drop = new Set(['-floatfile', '-nopgm', '-noprogress', '-seed']);
      const argv: string[] = c.argv.slice(1).filter((t: string, i: number, a: string[]) => !drop.has(t) && !drop.has(a[i - 1]));
      const old = process.cwd();
      process.chdir(join(dir, name));
      const prepared = await prepareSimulation(argv, {}).finally(() => process.chdir(old));
      const e = await createEngine({ backend: 'wasm', dtype: 'f64' });
      const r = await e.simulate(prepared);
      e.dispose();
      const smv = (await encodeOutputs(prepared.sim, r)).files.find((f) => f.flag === '-intfile')!.bytes;
      const path = join(tmp, `${name}.img`);
      writeFileSync(path, smv);
      const out = spawnSync(python, ['-c', READER, path], { encoding: 'utf8', maxBuffer: 1 << 28 });
      assert.is(out.status, 0, out.stderr);
      const got = JSON.parse(out.stdout) as { header: Record<string, string>; shape: number[]; data: number[] };
      const h = smvHeader(prepared.sim);
      const d = prepared.sim.detector;
      assert.equal(got.shape, [d.spixels, d.fpixels]);
      const want: Record<string, string> = {
        SIZE1: String(d.fpixels), SIZE2: String(d.spixels), PIXEL_SIZE: formatG(h.pixelSizeMm), DISTANCE: formatG(h.distanceMm),
        BEAM_CENTER_X: formatG(h.beamCenterXmm), BEAM_CENTER_Y: formatG(h.beamCenterYmm), XDS_ORGX: formatG(h.xdsOrgX),
        XDS_ORGY: formatG(h.xdsOrgY), CLOSE_DISTANCE: formatG(h.closeDistanceMm), TWOTHETA: formatG(h.twotheta),
        ADXV_CENTER_X: formatG(h.adxvCenterXmm), MOSFLM_CENTER_X: formatG(h.mosflmCenterXmm), DENZO_Y_BEAM: formatG(h.denzoYBeamMm),
      };
      for (const [k, v] of Object.entries(want)) assert.is(got.header[k], v, k);
      // pixels: the int image as our encoder wrote it (little-endian uint16 after 512 bytes)
      const view = new DataView(smv.buffer, smv.byteOffset + 512, d.fpixels * d.spixels * 2);
      for (let i = 0; i < got.data.length; i += 7) assert.is(got.data[i], view.getUint16(2 * i, true), `pixel ${i}`);
      assert.is(got.data.length, d.fpixels * d.spixels);
    });
  }
}
test.run();
