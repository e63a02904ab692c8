// src/physics/sources.ts against the source lists C printed for the golden-breadth/beam cases (generated
// sources; -sourcefile lists are tested in tests/beam-sourcefile.test.ts). The printed %g text must match line for line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveSpread, generateSources } from '../src/physics/sources.ts';
import { unitize } from '../src/physics/beam.ts';

// ../shared/golden-breadth/beam beside the checkout (override: NANOBRAGG_GOLDEN_BREADTH, the folder holding beam/)
const DIR = process.env.NANOBRAGG_GOLDEN_BREADTH ? process.env.NANOBRAGG_GOLDEN_BREADTH + '/beam' : fileURLToPath(new URL('../../shared/golden-breadth/beam', import.meta.url));
const NAMES = ['beam_div_disp_kahn', 'beam_div_even_trim_ospolar', 'beam_auto_rules', 'beam_custom_polar_vector',
  'beam_water_dmin_disp', 'beam_water_tophat_osomega', 'beam_flux_clip_water'];
const dirOf = (n: string) => DIR + '/' + n;

/** The beam options of an argv, read with C's exact-name rules for these flags (enough for these cases). */
function beamOf(argv: string[]) {
  let hs = -1, vs = -1, hr = -1, vr = -1, hst = -1, vst = -1, ds = -1, disp = 0.0, dst = -1, round = true;
  let lambda0 = 1e-10;
  let polar: [number, number, number] = [0, 0, 1];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i], v = Number(argv[i + 1]);
    if (a === '-divergence') hr = vr = v / 1000.0;
    if (a === '-hdivrange') hr = v / 1000.0;
    if (a === '-vdivrange') vr = v / 1000.0;
    if (a === '-hdivstep') hst = v / 1000.0;
    if (a === '-vdivstep') vst = v / 1000.0;
    if (a === '-hdivsteps') hs = Math.trunc(v);
    if (a === '-vdivsteps') vs = Math.trunc(v);
    if (a === '-divsteps') hs = vs = Math.trunc(v);
    if (a === '-dispersion') disp = v / 100.0;
    if (a === '-dispsteps') ds = Math.trunc(v);
    if (a === '-round_div') round = true;
    if (a === '-square_div') round = false;
    if (a === '-lambda') lambda0 = v / 1.0e10;
    if (a === '-polar_vector') polar = [v, Number(argv[i + 2]), Number(argv[i + 3])];
  }
  const beam: [number, number, number] = [1, 0, 0];
  const p = unitize(polar);
  const vert = unitize([beam[1] * p[2] - beam[2] * p[1], beam[2] * p[0] - beam[0] * p[2], beam[0] * p[1] - beam[1] * p[0]]);
  const d = resolveSpread(ds, disp, dst);
  return { h: resolveSpread(hs, hr, hst), v: resolveSpread(vs, vr, vst), disp: d, dispersion: d.range, lambda0, roundDiv: round, beam, polar: p, vert };
}

test('auto rules (brief 3.1 examples)', () => {
  assert.equal(resolveSpread(-1, -1, -1), { steps: 1, range: 0, step: 0 });
  assert.is(resolveSpread(-1, 1.5 / 1000.0, 0.15 / 1000.0).steps, 11);
  assert.is(resolveSpread(-1, 0.28 / 1000.0, 0.02 / 1000.0).steps, 14);
  assert.equal(resolveSpread(5, -1, -1), { steps: 5, range: 1.0, step: 0.2 });
  assert.equal(resolveSpread(5, 0.0, -1), { steps: 1, range: 0, step: 0 }); // -dispsteps 5 alone: one lambda
  assert.equal(resolveSpread(3, -1, 0.5), { steps: 2, range: 0.5, step: 0.5 });
});

for (const n of NAMES) {
  test(`${n}: the source list C printed`, () => {
    if (!existsSync(dirOf(n) + '/case.json')) { console.log(`beam-sources: ${n} SKIPPED (no golden-breadth case)`); return; }
    const c = JSON.parse(readFileSync(dirOf(n) + '/case.json', 'utf8'));
    const s = generateSources(beamOf(c.argv));
    const out: string[] = c.stdout.split('\n');
    const want = out.filter((l: string) => /^divergence deviation|^lambda\d+ = /.test(l));
    const start = out.findIndex((l: string) => l.startsWith('  created a total of') && l.endsWith('sources:'));
    const list = out.slice(start, start + 1 + s.count);
    assert.equal(s.lines, [...want, ...list]);
  });
}
test.run();
