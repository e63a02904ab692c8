// `bench loop` and `bench startup` (issue 17 items 2 and 5, issue 13 item 7, issue 14 item 6): the loop workloads
// (their argv, and evaluation counts that agree with the engine's), the whole-process bin backend against the
// in-process engine (real, at 8x8; and a fake bin that writes a wrong image), and the report: ratio per core
// against C net of start-up, the start-up table, targets and the time-vs-size chart (fake backends, fake clock).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain } from '../src/bench/cli.ts';
import type { BenchBackend, MeasurementRequest } from '../src/bench/backend.ts';
import { allBackends } from '../src/bench/backends.ts';
import { BIN_BACKEND, TSX_BACKEND, binArgv, binProcessBackend } from '../src/bench/bin-process.ts';
import { netPerCoreVsC } from '../src/bench/interpret.ts';
import { validateReport, type Report, type ResultRecord } from '../src/bench/schema.ts';
import { imageWorkload, LOOP_CASE_SPECS, LOOP_CASES } from '../src/bench/workloads.ts';
import { evaluationCount, prepareSimulation } from '../src/simulator/engine.ts';
import { fakeEnv } from './helpers/bench-env.ts';

const scratchDirs: string[] = [];
const scratch = (dir: string) => (scratchDirs.push(dir), dir);
test.after(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

const ENV = fakeEnv();

test('loop workloads: the argv quoted in the issues, and the evaluation count the engine computes for them', async () => {
  const at1024 = (c: keyof typeof LOOP_CASE_SPECS) => LOOP_CASE_SPECS[c].argv(1024).join(' ');
  assert.match(at1024('tricubic-os2'), /-lambda 2 -N 2 -distance 400 -pixel 0\.1 -detpixels 1024 .*-interpolate -oversample 2/);
  assert.match(at1024('absorption-os2'), /-default_F 100 -N 5 -lambda 1 -distance 100 .*-nointerpolate -detector_abs 500 -detector_thick 100 -detector_thicksteps 5 -oversample 2/);
  assert.match(at1024('mosaic10'), /-mosaic 0\.5 -mosaic_dom 10$/);
  assert.match(at1024('mosaic100'), /-mosaic 0\.5 -mosaic_dom 100$/);
  assert.match(at1024('sources27'), /-hdivsteps 3 -vdivsteps 3 -square_div -dispersion 1 -dispsteps 3$/);
  for (const c of LOOP_CASES) {
    const w = imageWorkload({ benchmark: 'loop', size: 8, case: c });
    const prepared = await prepareSimulation(w.argv, w.hklText !== undefined ? { hklText: w.hklText } : {});
    assert.is(w.evaluations, evaluationCount(prepared.sim), `${c}: evaluations`);
    assert.is(prepared.sim.layers.nLayers, w.layers, `${c}: layers`);
  }
  const s = await prepareSimulation(imageWorkload({ benchmark: 'loop', size: 8, case: 'sources27' }).argv, { hklText: imageWorkload({ benchmark: 'loop', size: 8, case: 'sources27' }).hklText });
  assert.is(s.sim.sources.count, 27, '9 divergence directions x 3 wavelengths');
});

test('bin argv: simulate, the flags, outputs, one thread on wasm, more on wasm-threads', () => {
  const a = binArgv('/r/out/bin/nanobragg.mjs', ['-detpixels', '8'], '/t/w.hkl', '/t/f.bin', '/t/i.img', 'f32', 1);
  assert.equal(a, ['/r/out/bin/nanobragg.mjs', 'simulate', '-detpixels', '8', '-hkl', '/t/w.hkl', '-nonoise', '-nopgm', '-noprogress',
    '-floatfile', '/t/f.bin', '-intfile', '/t/i.img', '--backend', 'wasm', '--dtype', 'f32']);
  assert.equal(binArgv('b', [], undefined, 'f', 'i', 'f64', 2).slice(-6), ['--backend', 'wasm-threads', '--dtype', 'f64', '--threads', '2']);
});

test('net of start-up, per core: C loop estimate over our loop time x threads', () => {
  const r = (o: Partial<ResultRecord>) => ({ stats: { median: 1 }, threads: 1, ...o }) as ResultRecord;
  const c = r({ stats: { median: 1.2 } as ResultRecord['stats'], check: { loop_estimate_s: 1.0 } });
  assert.is(netPerCoreVsC(r({ stats: { median: 0.1 } as ResultRecord['stats'] }), c), 10);
  assert.is(netPerCoreVsC(r({ stats: { median: 0.1 } as ResultRecord['stats'], threads: 2 }), c), 5);
  // a whole-process backend: its own loop estimate
  assert.is(netPerCoreVsC(r({ stats: { median: 0.5 } as ResultRecord['stats'], check: { loop_estimate_s: 0.25 } }), c), 4);
  // no usable C estimate: the whole C process
  assert.is(netPerCoreVsC(r({ stats: { median: 0.6 } as ResultRecord['stats'] }), r({ stats: { median: 1.2 } as ResultRecord['stats'], check: { loop_estimate_s: 0 } })), 2);
});

async function bench(argv: string[], backends: BenchBackend[], clock?: () => number) {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'bench-loop-')));
  const out: string[] = [];
  const err: string[] = [];
  const code = await benchMain([...argv, '--out', dir], {
    backends, env: () => ENV, print: (l) => out.push(l), printError: (l) => err.push(l), now: () => new Date('2026-12-02T10:00:00Z'),
    ...(clock ? { clock } : {}),
  });
  const runDir = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('2026')).map((f) => join(dir, f))[0] : undefined;
  return { code, out, err, runDir };
}

test('the bin as a whole process: bit-identical to the in-process wasm image, start-up measured at 8x8', async () => {
  const gpu = () => ({ available: false, reason: 'not in this test' }) as never;
  const backends = allBackends(gpu).filter((b) => b.name === 'wasm' || b.name === BIN_BACKEND || b.name === TSX_BACKEND);
  const r = await bench(['startup', '--repeats', '1', '--dtype', 'f32', '--threads', '1'], backends);
  assert.is(r.code, 0, [...r.out, ...r.err].join('\n'));
  const report: Report = JSON.parse(readFileSync(join(r.runDir!, 'startup_baseline.json'), 'utf8'));
  assert.equal(validateReport(report), []);
  const bin = report.results.find((x) => x.backend === BIN_BACKEND)!;
  assert.ok(bin, 'the bin was measured');
  assert.is(bin.case, 'tiny');
  assert.is(bin.size, 8);
  assert.is(bin.binary, 'bin wasm');
  assert.is(bin.check?.compared_with, 'wasm f32 (in process)');
  assert.is(bin.check?.max_rel_diff_vs_in_process, 0);
  assert.type(bin.check?.fixed_overhead_s, 'number');
  const t = report.targets!.find((x) => x.name.startsWith('start-up through the bin'))!;
  assert.ok(t && t.at_most && t.goal === 120 && t.measured === bin.stats.median * 1e3, JSON.stringify(report.targets));
  // the design's command, tsx src/cli.ts, the same way (issue 17: <= 300 ms)
  const tsx = report.results.find((x) => x.backend === TSX_BACKEND)!;
  assert.ok(tsx, 'tsx src/cli.ts was measured');
  assert.is(tsx.binary, 'tsx wasm');
  assert.is(tsx.check?.max_rel_diff_vs_in_process, 0);
  assert.match(String(tsx.check?.bin_argv), /^node_modules\/\.bin\/tsx src\/cli\.ts simulate /);
  const tt = report.targets!.find((x) => x.name.startsWith('start-up through tsx src/cli.ts'))!;
  assert.ok(tt && tt.at_most && tt.goal === 300 && tt.measured === tsx.stats.median * 1e3, JSON.stringify(report.targets));
  const md = readFileSync(join(r.runDir!, 'startup_baseline.md'), 'utf8');
  assert.match(md, /## Start-up \(whole process, the same flags on an 8x8 detector, median\)/);
  assert.match(md, /\| nanobragg-bin \| bin wasm \| image tiny, f32, 8\^2 \| [0-9.]+ \| 5 \|/);
  assert.match(md, /<= 120 ms/);
});

test('a bin whose image is wrong fails the measurement (no time reported)', async () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'fake-bin-')));
  const script = join(dir, 'fake.mjs');
  // writes zeros of the right size: a valid file, an invalid image
  writeFileSync(script, `import fs from 'node:fs';
const a = process.argv.slice(2); const get = (f) => a[a.indexOf(f) + 1];
const n = Number(get('-detpixels')); fs.writeFileSync(get('-floatfile'), Buffer.alloc(4 * n * n)); fs.writeFileSync(get('-intfile'), '');
console.log('interpolation: nearest');
`);
  const r = await bench(['startup', '--repeats', '1', '--dtype', 'f32', '--backend', BIN_BACKEND], [binProcessBackend({ bin: script, overheadSamples: 1 })]);
  assert.is(r.code, 1, r.out.join('\n'));
  const report: Report = JSON.parse(readFileSync(join(r.runDir!, 'startup_baseline.json'), 'utf8'));
  assert.is(report.results.length, 0);
  assert.is(report.failures.length, 1);
  assert.match(report.failures[0].error, /zero/);
  const missing = await binProcessBackend({ bin: join(dir, 'absent.mjs') }).unavailable({ benchmark: 'startup', workload: 'image', size: 8, dtype: 'f32', threads: 1, case: 'tiny' });
  assert.match(missing!, /does not exist/);
});

/** Fake backends on a fake clock: an engine at `perPixel` s, a whole-process one with start-up `startup` s. */
function fakeBackend(name: string, perPixel: number, c: { t: number }, startup = 0): BenchBackend {
  return {
    name,
    ...(name === 'c-reference' ? { fixedDtype: 'f64' as const } : {}),
    async unavailable() {
      return null;
    },
    async prepare(req: MeasurementRequest) {
      const w = imageWorkload(req);
      const pixels = req.size * req.size;
      return {
        case: {
          evaluations: w.evaluations, pixels, coldIncludes: 'fake',
          async create() {
            return { run: () => void (c.t += startup + perPixel * pixels * (name === 'wasm-threads' ? 1 / req.threads : 1)), memory: () => ({}) };
          },
          snapshot: () => null,
          check: () => ({ problems: [], interpolation: 'tricubic', ...(startup ? { facts: { fixed_overhead_s: startup } } : {}) }),
        },
        binary: () => name,
        threads: name === 'wasm-threads' ? req.threads : 1,
      } as never;
    },
  };
}

test('bench loop: one table per case and size, C first, ratio per core net of start-up, targets, start-up rows, chart', async () => {
  const c = { t: 0 };
  const backends = [
    fakeBackend('wasm', 1e-6, c), fakeBackend('wasm-threads', 1e-6, c), fakeBackend(BIN_BACKEND, 1e-6, c, 0.1), fakeBackend('c-reference', 20e-6, c, 0.01),
  ];
  const r = await bench(['loop', '--cases', 'mosaic10', 'sources27', '--sizes', '16', '32', '--repeats', '1', '--dtype', 'f32', '--threads', '2'], backends, () => c.t);
  assert.is(r.code, 0, [...r.out, ...r.err].join('\n'));
  const report: Report = JSON.parse(readFileSync(join(r.runDir!, 'loop_baseline.json'), 'utf8'));
  assert.equal(validateReport(report), []);
  assert.equal(report.options.cases, ['mosaic10', 'sources27']);
  assert.is(report.results.length, 2 * 2 * 4);
  const md = readFileSync(join(r.runDir!, 'loop_baseline.md'), 'utf8');
  assert.match(md, /## mosaic10 \(issue 13: the tricubic image with -mosaic 0\.5 -mosaic_dom 10\): 32 x 32/);
  // C: 20 us per pixel + 10 ms start-up; wasm 1 us per pixel in process, 1 thread: 20x per core net of start-up
  const row = (backend: string, cs: string, size: number) => md.split('\n').find((l) => l.startsWith(`| ${backend} |`) && l.includes(`| ${size} |`) && md.indexOf(l) > md.indexOf(`## ${cs}`) && md.indexOf(l) < md.indexOf(`## ${cs}`) + 4000)!;
  assert.match(row('wasm', 'mosaic10', 32), /\| 20\.00x \|/);
  // wasm-threads with 2 threads: twice as fast, same per core
  assert.match(row('wasm-threads', 'mosaic10', 32), /\| 20\.00x \|/);
  const tg = (name: string) => report.targets!.find((t) => t.name === name);
  assert.is(tg('mosaic10 32^2: wasm per core vs C, net of start-up')!.measured!.toFixed(6), '20.000000');
  assert.is(tg('mosaic10 32^2: wasm per core vs C, net of start-up')!.met, true);
  assert.is(tg('sources27 16^2 f32: 2 threads vs 1')!.measured!.toFixed(6), '2.000000');
  assert.ok(tg('mosaic10 32^2: bin whole process vs C'), 'bin whole-process target');
  // start-up as its own rows, for both whole-process backends
  assert.match(md, /\| c-reference \| c-reference \| image mosaic10, f64, 16\^2 \| 10\.000 \|/);
  assert.match(md, /\| nanobragg-bin \| nanobragg-bin \| image mosaic10, f32, 16\^2 \| 100\.000 \|/);
  const svg = readFileSync(join(r.runDir!, 'loop_baseline.svg'), 'utf8');
  for (const s of ['c-reference f64 mosaic10', 'wasm f32 mosaic10', 'wasm-threads f32 mosaic10 2 threads', 'nanobragg-bin f32 sources27']) assert.ok(svg.includes(`>${s}<`), s);
  assert.ok(svg.includes('c-reference f64 mosaic10, net of start-up'), 'C net of start-up line');

  const bad = await bench(['loop', '--cases', 'mosaic7'], backends);
  assert.is(bad.code, 2);
  assert.match(bad.err.join('\n'), /--cases: unknown workload 'mosaic7'/);
});

test.run();
