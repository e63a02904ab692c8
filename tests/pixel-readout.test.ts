// The page's readout and plots (src/physics/pixel-readout.ts) and the library's new config keys and files
// (src/index.ts, src/simulator/result-files.ts): checked against the images themselves. A Bragg spot's
// brightest pixel must read out near-integer h k l with d = a / |hkl| (cubic cell), through misset, spindle,
// mosaic, detector conventions, rotations and two-theta; the config keys must give the image of the
// equivalent command line; the files must be the command line's encodings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createSimulator, configToArgv, pixelReadout, radialProfile, type SimulationConfig, type Simulator,
} from '../src/index.ts';
import { prepareSimulation } from '../src/simulator/engine.ts';
import { pixelGeometry } from '../src/physics/pixel-readout.ts';
import { encodeSmv, smvScale } from '../src/io/images.ts';
import { smvHeader } from '../src/simulator/outputs.ts';

let sim: Simulator;
test.before(async () => {
  sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
});
test.after(async () => {
  await sim?.dispose();
});

const BASE: SimulationConfig = { cell: [50, 50, 50, 90, 90, 90], N: 10, defaultF: 100, detpixels: 96, distanceMm: 40, oversample: 1 };

/** Brightest pixel's readout: h k l near integers and d = a / |hkl| for the cubic 50 Å cell. */
async function spotCheck(label: string, extra: Partial<SimulationConfig>) {
  const r = await sim.simulate({ ...BASE, ...extra });
  // the brightest pixel away from the direct beam (F000 = default_F makes the beam spot the brightest of all)
  let m = -1;
  for (let i = 0; i < r.image.length; i++) {
    if (pixelReadout(r.geometry, i % r.width, Math.floor(i / r.width)).qA < 0.6 / 50) continue;
    if (m < 0 || r.image[i] > r.image[m]) m = i;
  }
  assert.ok(m >= 0 && r.image[m] > 10 * r.stats.mean, `${label}: no spot`);
  const o = pixelReadout(r.geometry, m % r.width, Math.floor(m / r.width));
  const hkl = [o.h, o.k, o.l];
  const ints = hkl.map(Math.round);
  const off = Math.max(...hkl.map((x, i) => Math.abs(x - ints[i])));
  // N = 10 cells: the spot's half width is ~0.1 in h; a pixel spans ~0.05 here
  assert.ok(off < 0.12, `${label}: h k l ${hkl.map((x) => x.toFixed(3)).join(' ')} at the brightest pixel are not near integers`);
  const norm = Math.hypot(...ints);
  assert.ok(norm > 0, `${label}: the brightest pixel is the direct beam`);
  // cubic cell: |q| = |(h, k l)| / a exactly, whatever the orientation
  const frac = Math.hypot(...hkl);
  assert.ok(Math.abs(o.dA - 50 / frac) / o.dA < 1e-9, `${label}: d ${o.dA} vs ${50 / frac} for ${hkl}`);
  // Bragg's law from the angle, as an independent route to d
  const bragg = (r.geometry.lambda * 1e10) / (2 * Math.sin((o.twothetaDeg * Math.PI) / 360));
  assert.ok(Math.abs(bragg - o.dA) / o.dA < 1e-9, `${label}: Bragg ${bragg} vs ${o.dA}`);
  return { r, o, ints };
}

test('readout: the brightest pixel of a spot reads out integer h k l and d = a/|hkl|, in every geometry', async () => {
  const plain = await spotCheck('plain', {});
  const turned = await spotCheck('misset', { missetDeg: [12, -7, 25] });
  assert.not.equal(turned.ints, plain.ints, 'misset did not change the reflection at the brightest pixel');
  await spotCheck('phi 30', { phiDeg: 30 });
  await spotCheck('mosaic', { mosaicDeg: 0.2, mosaicDomains: 4, mosaicSeed: 7, missetDeg: [3, 4, 5] });
  for (const convention of ['xds', 'adxv', 'denzo', 'dials'] as const) await spotCheck(convention, { convention, missetDeg: [5, 10, 15] });
  await spotCheck('rotated detector', { detectorRotDeg: [2, -3, 10], twothetaDeg: 15, missetDeg: [5, 10, 15] });
});

test('readout: the geometry on a result is the simulation set-up\'s; the direct beam reads d = infinity-ish', async () => {
  const r = await sim.simulate({ ...BASE, phiDeg: 10 });
  const prepared = await prepareSimulation(r.argv);
  assert.equal(r.geometry, pixelGeometry(prepared.sim));
  assert.is(r.geometry.phiDeg, 10);
  // MOSFLM puts the beam at the detector centre: the four middle pixels have the lowest |q|
  const mid = r.width / 2;
  const o = pixelReadout(r.geometry, mid, mid);
  assert.ok(o.twothetaDeg < 0.2 && o.dA > 500, JSON.stringify(o));
  // independent: 2θ = atan(r / distance) for a flat detector normal to the beam, r from C's beam centre (Fbeam, Sbeam)
  const d = prepared.sim.detector;
  for (const [f, s] of [[0, mid], [3, 70], [95, 95], [60, 2]]) {
    const rr = Math.hypot((f + 0.5) * d.pixel - d.Fbeam, (s + 0.5) * d.pixel - d.Sbeam);
    const o = pixelReadout(r.geometry, f, s);
    assert.ok(Math.abs(o.twothetaDeg - (Math.atan(rr / d.distance) * 180) / Math.PI) < 1e-9, `(${f}, ${s}): ${o.twothetaDeg}`);
  }
});

test('radial profile: every pixel in one bin, bins ordered in |q|, a flat image gives a flat profile', async () => {
  const r = await sim.simulate({ ...BASE, missetDeg: [3, 4, 5] });
  const p = radialProfile(r.image, r.geometry, 40);
  assert.is(p.count.reduce((s, c) => s + c, 0), r.width * r.height);
  for (let i = 1; i < 40; i++) assert.ok(p.qA[i] > p.qA[i - 1] && p.dA[i] < p.dA[i - 1]);
  const flat = radialProfile(new Float32Array(r.width * r.height).fill(3), r.geometry, 40);
  for (let i = 0; i < 40; i++) assert.ok(Number.isNaN(flat.mean[i]) ? flat.count[i] === 0 : flat.mean[i] === 3);
  assert.throws(() => radialProfile(new Float32Array(5), r.geometry), /does not match/);
});

test('config: the new physics keys become their nanoBragg flags and give the command line\'s image', async () => {
  const cfg: SimulationConfig = {
    ...BASE, detpixels: 32, missetDeg: [1, 2, 3], mosaicDeg: 0.3, mosaicDomains: 3, mosaicSeed: 5, hdivrangeMrad: 0.5,
    hdivsteps: 2, vdivrangeMrad: 0.4, vdivsteps: 2, dispersionPct: 0.5, dispsteps: 2, flux: 1e12, exposureS: 2, beamsizeMm: 0.05,
    waterUm: 5, convention: 'xds', detectorRotDeg: [0.5, 0, 1], twothetaDeg: 3, seed: 9, adc: 10,
  };
  const argv = configToArgv(cfg);
  const want = '-xds -distance 40 -detpixels 32 -oversample 1 -misset 1 2 3 -mosaic 0.3 -mosaic_domains 3 -mosaic_seed 5 -hdivrange 0.5 ' +
    '-vdivrange 0.4 -hdivsteps 2 -vdivsteps 2 -dispersion 0.5 -dispsteps 2 -flux 1000000000000 -exposure 2 -beamsize 0.05 -water 5 ' +
    '-detector_rotx 0.5 -detector_roty 0 -detector_rotz 1 -twotheta 3 -seed 9 -adc 10';
  assert.is(argv.join(' '), `-cell 50 50 50 90 90 90 -N 10 -default_F 100 ${want}`);
  const a = await sim.simulate(cfg);
  const b = await sim.simulate(argv);
  assert.equal([...a.image], [...b.image]);
  assert.throws(() => configToArgv({ ...BASE, convention: 'cbf' as never }), /config\.convention must be one of mosflm, xds/);
  assert.throws(() => configToArgv({ ...BASE, missetDeg: [1, 2] as never }), /config\.missetDeg must be \[x, y, z\]/);
  assert.throws(() => configToArgv({ ...BASE, detectorRotDeg: 'x' as never }), /config\.detectorRotDeg/);
  assert.is(configToArgv({ ...BASE, missetDeg: 'random', missetSeed: 3 }).slice(-4).join(' '), '-misset random -misset_seed 3');
});

test('config: a matrix file as text gives the crystal (cell optional), as -mat with matText', async () => {
  // a 50 Å cubic cell's A matrix (a*, b*, c* as columns, times lambda = 1 Å), turned a little
  const c = Math.cos(0.2), s = Math.sin(0.2), k = 1 / 50;
  const mat = `${k * c} ${-k * s} 0\n${k * s} ${k * c} 0\n0 0 ${k}\n`;
  const { cell: _c, ...noCell } = BASE;
  const r = await sim.simulate({ ...noCell, mat, matPath: 'turned.mat' });
  assert.ok(r.argv.join(' ').endsWith('-mat turned.mat') && !r.argv.includes('-cell'), r.argv.join(' '));
  const viaArgv = await sim.simulate(r.argv, { matText: mat });
  assert.equal([...r.image], [...viaArgv.image]);
  const plain = await sim.simulate(BASE);
  assert.not.equal([...r.image], [...plain.image], 'the matrix orientation made no difference');
  assert.throws(() => configToArgv({ ...noCell }), /config\.cell must be/);
});

test('files: float, SMV, PNG and noise bytes as the command line encodes them; the noise follows its seed', async () => {
  const cfg = { ...BASE, detpixels: 24, seed: 4 };
  const r = await sim.simulate(cfg, { outputs: ['float', 'smv', 'png', 'noise'] });
  const n = r.width * r.height;
  assert.is(r.files.float!.length, 4 * n);
  assert.equal([...new Float32Array(r.files.float!.slice().buffer)], [...r.image]);
  const prepared = await prepareSimulation(r.argv);
  const smv = encodeSmv(r.image, r.width, r.height, smvHeader(prepared.sim), { scale: smvScale(r.stats.maxI), adc: 40, roi: prepared.sim.roi });
  assert.equal([...r.files.smv!], [...smv]);
  assert.is(new TextDecoder().decode(r.files.smv!.subarray(0, 15)), '{\nHEADER_BYTES=');
  assert.equal([...r.files.png!.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.is(r.files.noise!.length, 512 + 2 * n);
  assert.is(r.files.noisePixels!.length, n);
  assert.ok(r.files.noiseLines!.some((l) => l.includes('seed: -4')), r.files.noiseLines!.join('|'));
  const again = await sim.simulate(cfg, { outputs: ['noise'] });
  assert.equal([...again.files.noisePixels!], [...r.files.noisePixels!]);
  const other = await sim.simulate({ ...cfg, seed: 5 }, { outputs: ['noise'] });
  assert.not.equal([...other.files.noisePixels!], [...r.files.noisePixels!]);
  assert.equal(Object.keys((await sim.simulate(cfg)).files), []);
  let err = '';
  await sim.simulate(cfg, { outputs: ['tiff' as never] }).catch((e: Error) => (err = e.message));
  assert.match(err, /unknown output format 'tiff' \(float, smv, png, noise\)/);
});

test.run();
