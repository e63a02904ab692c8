// Unit values of the pixel loop and its set-up (docs/c-behaviour/minimal-loop.md 5.3, 7.3 ABS-AN, 7.5), on every backend/dtype.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, prepareSimulation, type Dtype } from '../src/simulator/engine.ts';
import { buildCrystal, buildDetector } from '../src/simulator/setup.ts';
import { parseSimArgs } from '../src/simulator/args.ts';
import { smvHeader } from '../src/simulator/outputs.ts';
import { smvHeaderText } from '../src/io/images.ts';

const variants: ['wasm' | 'wasm-scalar', Dtype][] = [['wasm', 'f64'], ['wasm', 'f32'], ['wasm-scalar', 'f64'], ['wasm-scalar', 'f32']];

test('triclinic cell: lengths exact, vectors as C builds them (physics 5.3)', () => {
  const c = buildCrystal([70, 80, 90, 75, 85, 95], [1, 1, 1]);
  const A = (v: number[]) => v.map((x) => x * 1e10);
  const close = (got: number[], want: number[]) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${got} vs ${want}`));
  close(A(c.a0), [69.2803, -7.951, 6.0844]);
  close(A(c.b0), [0, 77.2882, 20.6528]);
  close(A(c.c0), [0, 0, 90]);
  close(c.cellLengths, [70, 80, 90]);
});

test('cubic cell: a = (100,0,0) A etc.', () => {
  const c = buildCrystal([100, 100, 100, 90, 90, 90], [0, 2, 5]);
  assert.ok(Math.abs(c.a0[0] - 100e-10) < 1e-22 && Math.abs(c.a0[1]) < 1e-24);
  assert.equal([c.Na, c.Nb, c.Nc], [1, 2, 5], 'N clamped to >= 1 after the cell');
});

test('MOSFLM beam centre and pix0 (physics 5.1-5.2): default 256x256 at 0.1 mm', () => {
  const d = buildDetector(parseSimArgs(['-cell', '100', '100', '100', '90', '90', '90', '-detpixels', '256', '-pixel', '0.1', '-distance', '150', '-default_F', '1']));
  assert.is(d.fpixels, 256);
  assert.ok(Math.abs(d.Xbeam - 0.01285) < 1e-15 && Math.abs(d.Fbeam - 0.0129) < 1e-15);
  const hdr = smvHeaderText(256, 256, { ...smvHeader({ detector: d, lambda: 1e-10, phi: { phi0: 0, osc: 0 } } as never) });
  for (const s of ['BEAM_CENTER_X=12.85;', 'ADXV_CENTER_Y=12.7;', 'DIALS_ORIGIN=-12.9,12.9,-150', 'XDS_ORGX=129.5;', 'DISTANCE=150;']) {
    assert.ok(hdr.includes(s), `SMV header lacks ${s}`);
  }
});

for (const [backend, dtype] of variants) {
  test(`worked pixel (physics 7.5) on ${backend} ${dtype}: 148.3931732`, async () => {
    const p = await prepareSimulation('-cell 100 100 100 90 90 90 -default_F 100 -lambda 6.2 -N 5 -distance 100 -detpixels 8 -pixel 0.1'.split(' '));
    assert.is(p.sim.oversample, 1, 'auto oversample');
    const e = await createEngine({ backend, dtype });
    const r = await e.simulate(p);
    const v = r.image[4 * 8 + 3];
    assert.ok(Math.abs(v / 148.3931732 - 1) < (dtype === 'f64' ? 2e-7 : 2e-6), `pixel (fast 3, slow 4) = ${v}`);
  });

  test(`ABS-AN closed form (physics 7.3) on ${backend} ${dtype}`, async () => {
    const p = await prepareSimulation('-default_F 100 -cell 100 100 100 90 90 90 -lambda 1 -N 1 -distance 50 -detpixels 64 -pixel 0.4 -oversample 1 -detector_abs 320 -detector_thick 450 -detector_thicksteps 5'.split(' '));
    const r = await (await createEngine({ backend, dtype })).simulate(p);
    const at = (s: number, f: number) => r.image[s * 64 + f];
    for (const [s, f, want] of [[0, 0, 0.173868328], [32, 32, 0.232427567], [10, 50, 0.207028672], [63, 0, 0.1767409]]) {
      assert.ok(Math.abs(at(s, f) / want - 1) < 3e-7, `[${s},${f}] = ${at(s, f)}, want ${want}`);
    }
    assert.ok(Math.abs(r.stats.sum / 865.516645 - 1) < 1e-7, `sum ${r.stats.sum}`);
  });
}

test.run();
