// Detector options: C's parse-time rules (conventions, pivots, the -twotheta_axis quirk, -pix0_vector) and the
// one-line refusals of degenerate geometry and bad -mask files (docs/c-behaviour/detector.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSimArgs } from '../src/simulator/args.ts';
import { prepareSimulation } from '../src/simulator/engine.ts';
import { buildGeometry, defaultDetectorArgs } from '../src/physics/detector.ts';

const base = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1', '-detpixels', '32', '-oversample', '1'];
const geo = async (extra: string[]) => (await prepareSimulation([...base, ...extra])).sim.detector;

async function refuses(extra: string[], re: RegExp) {
  try {
    await prepareSimulation([...base, ...extra]);
    assert.unreachable(`should refuse ${extra.join(' ')}`);
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, re);
    assert.not.match(m, '\n');
  }
}

test('worked numbers of the brief: the five conventions and CUSTOM on a 32x32 detector', async () => {
  const m = await geo([]);
  assert.equal(m.pix0, [0.10000000000000001, 0.0016999999999999999, -0.0016999999999999999]);
  assert.is(m.ORGX, 17.5);
  assert.equal((await geo(['-denzo'])).pix0, [0.1, 0.00165, -0.00165]);
  assert.equal((await geo(['-adxv'])).pix0, [-0.00165, 0.00165, 0.1]);
  assert.equal((await geo(['-xds'])).pix0, [-0.0016, -0.0016, 0.1]);
  assert.equal((await geo(['-dials'])).pix0, [-0.0016, -0.0016, 0.1]);
  const c = await geo(['-beam_vector', '1', '0', '0']);
  assert.is(c.convention, 'custom');
  assert.equal(c.pix0, [0.1, 0.0016, -0.0016]);
  assert.is(c.ORGX, 16.5);
});

test('MOSFLM rotations + two-theta: the brief\'s worked pix0 and basis (bit for bit)', () => {
  const det = { ...defaultDetectorArgs(), rotx: 5 / (180 / Math.PI), roty: -7 / (180 / Math.PI), rotz: 11 / (180 / Math.PI), twotheta: 15 / (180 / Math.PI) };
  const RTD = 180.0 * (1 / Math.PI);
  Object.assign(det, { rotx: 5 / RTD, roty: -7 / RTD, rotz: 11 / RTD, twotheta: 15 / RTD });
  const g = buildGeometry({ pixel: 1e-4, detsizeF: 6.4e-3, detsizeS: 6.4e-3, distance: 0.12, Xbeam: 0.003, Ybeam: 0.0035, det });
  assert.equal(g.fdet, [-0.12718953311618103, -0.078474609625238723, 0.98876921387645067]);
  assert.equal(g.odet, [0.99012835910111896, -0.069236519566800464, 0.12186934340514748]);
  assert.equal(g.pix0, [0.12063115347667998, 0.0033118371438395099, -0.0032462871132356314]);
  assert.is(g.closeDistance, 0.11881540309213427);
  assert.is(g.ORGX, 188.62743973941724);
});

test('pivots: conventions force theirs, CUSTOM keeps the last side effect', async () => {
  assert.is((await geo(['-mosflm', '-pivot', 'sample'])).pivot, 'beam');
  assert.is((await geo(['-xds', '-pivot', 'beam'])).pivot, 'sample');
  assert.is((await geo(['-dials'])).pivot, 'sample');
  assert.is((await geo(['-beam_vector', '1', '0', '0', '-close_distance', '90'])).pivot, 'sample');
  assert.is((await geo(['-close_distance', '90', '-beam_vector', '1', '0', '0', '-distance', '80'])).pivot, 'beam');
  assert.is((await geo(['-beam_vector', '1', '0', '0', '-pivot', 'sample'])).pivot, 'sample');
  // the last convention option wins: a vector option after -xds selects CUSTOM, -xds after it XDS
  assert.is((await geo(['-xds', '-fdet_vector', '1', '0', '0'])).convention, 'custom');
  assert.is((await geo(['-fdet_vector', '1', '0', '0', '-xds'])).convention, 'xds');
});

test('-twotheta_axis also sets two-theta (its first value) and the sample pivot, with a warning', () => {
  const a = parseSimArgs([...base, '-twotheta', '20', '-twotheta_axis', '0', '0', '1']);
  assert.is(a.det!.twotheta, 0);
  assert.is(a.det!.pivot, 'sample');
  assert.ok(a.warnings.some((w) => w.includes("'-twotheta_axis' also sets -twotheta 0")));
  const b = parseSimArgs([...base, '-twotheta_axis', '0', '1', '1', '-twotheta', '8']);
  assert.is(b.det!.twotheta, 8 / (180.0 * (1 / Math.PI)));
});

test('-pix0_vector and -pix0_vector_mm select CUSTOM and are otherwise ignored (as C)', async () => {
  const g = await geo(['-pix0_vector', '1', '2', '3']);
  assert.is(g.convention, 'custom');
  assert.equal(g.pix0, [0.1, 0.0016, -0.0016]);
  assert.ok(parseSimArgs([...base, '-pix0_vector_mm', '1', '2', '3']).warnings.some((w) => w.includes('never uses its value')));
});

test('odet of length != 1 is auto-generated from f x s with C\'s warning', async () => {
  const p = await prepareSimulation([...base, '-odet_vector', '2', '0', '0']);
  assert.ok(p.sim.warnings.includes('WARNING: auto-generating odet_vector'));
  assert.equal(p.sim.detector.odet, [1, 0, 0]);
});

test('zero-length and parallel detector vectors are one-line errors', async () => {
  await refuses(['-fdet_vector', '0', '0', '0'], /'-fdet_vector' is a zero-length vector/);
  await refuses(['-sdet_vector', '0', '0', '0'], /'-sdet_vector' is a zero-length vector/);
  await refuses(['-beam_vector', '0', '0', '0'], /'-beam_vector' is a zero-length vector/);
  await refuses(['-polar_vector', '0', '0', '0'], /'-polar_vector' is a zero-length vector/);
  await refuses(['-spindle_axis', '0', '0', '0'], /'-spindle_axis' is a zero-length vector/);
  await refuses(['-twotheta_axis', '0', '0', '0', '-twotheta', '5'], /'-twotheta_axis' is a zero-length vector/);
  await refuses(['-fdet_vector', '0', '0', '1', '-sdet_vector', '0', '0', '2', '-odet_vector', '2', '0', '0'], /parallel/);
  await refuses(['-fdet_vector', '0', '0', '1', '-sdet_vector', '0', '0', '-1'], /parallel/);
});

test('bad values: -pivot word, vector arity', () => {
  assert.throws(() => parseSimArgs([...base, '-pivot', 'Sample']), /expects beam or sample/);
  assert.throws(() => parseSimArgs([...base, '-fdet_vector', '1', '0']), /needs 3 values/);
  assert.throws(() => parseSimArgs([...base, '-detector_rotx', 'x']), /expects a number/);
});

test('-mask: missing file, not SMV, size mismatch are one-line errors', async () => {
  const d = mkdtempSync(join(tmpdir(), 'nb-mask-'));
  await refuses(['-mask', join(d, 'none.img')], /^-mask .*none\.img: mask file not found$/);
  writeFileSync(join(d, 'bad.img'), 'hello');
  await refuses(['-mask', join(d, 'bad.img')], /does not look like an SMV/);
  const hdr = '{\nHEADER_BYTES=512;\nSIZE1=16;\nSIZE2=16;\n}\f';
  const buf = new Uint8Array(512 + 16 * 16 * 2).fill(1);
  buf.set(new TextEncoder().encode(hdr.padEnd(512, ' ')));
  writeFileSync(join(d, 'm16.img'), buf);
  await refuses(['-mask', join(d, 'm16.img')], /mask is 16 x 16 pixels but -detpixels asks for 32 x 32/);
  writeFileSync(join(d, 'short.img'), buf.subarray(0, 600));
  await refuses(['-mask', join(d, 'short.img'), '-detpixels', '16'], /need 1024 bytes, the file has 600/);
  const ok = await prepareSimulation(['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1', '-oversample', '1', '-mask', join(d, 'm16.img')]);
  assert.is(ok.sim.detector.fpixels, 16);
  assert.ok(ok.sim.messages.includes(`  skipping zero-flagged pixels in ${join(d, 'm16.img')}`));
});

test('-curved_det: takes (and ignores) one value as C; accepted with --backend webgpu (the WGSL kernel has it)', () => {
  assert.is(parseSimArgs([...base, '-curved_det', '1']).curved, true);
  assert.is(parseSimArgs([...base, '-curved_det']).curved, undefined, 'as the last argument C ignores it');
  assert.is(parseSimArgs([...base, '-curved_det', '--backend', 'webgpu']).curved, true);
});

test("-curved_det as the last argument is ignored, as C's argc test ignores it, with a warning; anywhere else it curves", () => {
  const base = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1'];
  const last = parseSimArgs([...base, '-curved_det']);
  assert.not.ok(last.curved);
  assert.ok(last.warnings.some((w) => /'-curved_det' is the last argument: nanoBragg ignores it there/.test(w)), String(last.warnings));
  assert.ok(parseSimArgs([...base, '-curved_det', '-N', '2']).curved);
  assert.ok(parseSimArgs(['-curved_det', ...base]).curved);
  // an earlier one stays in force (C's flag is already set)
  assert.ok(parseSimArgs(['-curved_det', ...base, '-curved_det']).curved);
});

test.run();
