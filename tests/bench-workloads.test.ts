// The generated benchmark inputs: the C cases of docs/performance-baselines.md, an HKL grid the C reader accepts, and
// kernel inputs that stay where tricubic interpolation is defined.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  absorptionImageArgv, absorptionLayerParams, layersFor, millerIndices, parallaxFactors, smoothHklGrid, smoothHklText, tricubicImageArgv,
} from '../src/bench/workloads.ts';

test('tricubic image argv: the docs/performance-baselines.md case, distance scaled with size (150 mm at 256)', () => {
  assert.equal(tricubicImageArgv(256), ['-cell', '100', '100', '100', '90', '90', '90', '-lambda', '1', '-pixel', '0.1',
    '-distance', '150', '-detpixels', '256', '-N', '2', '-default_F', '0', '-interpolate', '-oversample', '1']);
  assert.ok(tricubicImageArgv(512).join(' ').includes('-distance 300 -detpixels 512'));
  assert.ok(tricubicImageArgv(1024).join(' ').includes('-distance 600 -detpixels 1024'));
});

test('absorption image argv: default_F 100, N=5, 500 um depth, 100 um thick, layers, -oversample_thick on request', () => {
  const a = absorptionImageArgv(512, 5, false).join(' ');
  assert.is(a, '-cell 100 100 100 90 90 90 -lambda 1 -pixel 0.1 -distance 100 -detpixels 512 -N 5 -default_F 100 -nointerpolate ' +
    '-oversample 1 -detector_abs 500 -detector_thick 100 -detector_thicksteps 5');
  assert.ok(absorptionImageArgv(256, 10, true).join(' ').endsWith('-detector_thicksteps 10 -oversample_thick'));
});

test('layer count as nanoBragg resolves it: 1 becomes 2', () => {
  assert.equal([1, 2, 5, 10].map(layersFor), [2, 2, 5, 10]);
  const p = absorptionLayerParams(5);
  assert.ok(Math.abs(p.delta - 25e-6) < 1e-18);
  assert.is(p.mu, 2000);
});

test('HKL text: 25^3 integer-indexed lines over [-12, 12], F positive and smooth', () => {
  const lines = smoothHklText().trimEnd().split('\n');
  assert.is(lines.length, 25 ** 3);
  assert.is(lines[0].split(' ').slice(0, 3).join(' '), '-12 -12 -12');
  assert.is(lines[lines.length - 1].split(' ').slice(0, 3).join(' '), '12 12 12');
  for (const l of lines) {
    const [h, k, f] = [l.split(' ')[0], l.split(' ')[1], Number(l.split(' ')[3])];
    assert.match(h, /^-?\d+$/);
    assert.match(k, /^-?\d+$/);
    assert.ok(f >= 20 && f <= 100, l);
  }
  const g = smoothHklGrid();
  assert.equal(g.dims, [25, 25, 25]);
  assert.is(g.data[0], Number(lines[0].split(' ')[3]));
  // neighbours differ by little: the field is smooth enough for interpolation to mean something
  for (let i = 1; i < 25; i++) assert.ok(Math.abs(g.data[i] - g.data[i - 1]) < 10);
});

test('Miller indices of the kernel workload stay inside the tricubic window of the grid, at every size', () => {
  for (const size of [16, 256, 512]) {
    const { h, k, l } = millerIndices(size);
    assert.is(h.length, size * size);
    let max = 0;
    for (const a of [h, k, l]) for (const v of a) max = Math.max(max, Math.abs(v));
    assert.ok(max <= 10 && max > 5, `max |index| ${max} at ${size}`);
  }
});

test('parallax factors are cosines in (0, 1], largest at the centre', () => {
  const rho = parallaxFactors(64);
  for (const r of rho) assert.ok(r > 0.9 && r <= 1);
  assert.ok(rho[32 * 64 + 32] > rho[0]);
});

test.run();
