// The c-reference backend (the C program as the baseline of every ratio) with FAKE nanoBragg binaries: small Node
// scripts generated here that write a deterministic float image to the -floatfile path, and variants that fail
// (exit non-zero, write nothing, a wrong-size file, NaN, all zeros). The real C program is never needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchMain } from '../src/bench/cli.ts';
import type { BenchBackend, MeasurementRequest } from '../src/bench/backend.ts';
import {
  C_BINARY_ENV, C_KERNEL_REASON, C_UNSET_REASON, cBinaryProblem, cInterpolation, cReferenceBackend, cWarnings, withDetpixels,
} from '../src/bench/c-reference.ts';
import { imageCaseKey, ImageStore } from '../src/bench/run-context.ts';
import type { EnvReport } from '../src/bench/env.ts';
import { validateReport, type Report, type ResultRecord } from '../src/bench/schema.ts';
import { layersFor } from '../src/bench/workloads.ts';

/** Temporary folders of this file, removed when it ends. */
const scratchDirs: string[] = [];
const scratch = (dir: string) => (scratchDirs.push(dir), dir);
const savedEnv = process.env[C_BINARY_ENV];
test.after(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  if (savedEnv === undefined) delete process.env[C_BINARY_ENV];
  else process.env[C_BINARY_ENV] = savedEnv;
});

const ENV: EnvReport = {
  created: '2026-11-28T12:00:00.000Z', machine_tag: 'test', git: { sha: null, dirty: null }, node: process.versions.node, v8: process.versions.v8,
  node_flags: [], os: { platform: 'linux', release: '', version: '', arch: 'x64' }, cpu: { model: 'test', cores: 1, available_parallelism: 1 },
  memory_bytes: 1, wasm: { simd: true, threads: false, threads_detail: '', binary_chosen: 'simd', binaries: { scalar: null, simd: null } },
  gpu: { available: false, reason: 'not probed in tests' }, packages: {},
};

/** The image every fake writes (and the fake engine publishes): 1 + (i mod 7) / 8, exact in float32. */
function pattern(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (1 + (i % 7) / 8) * scale;
  return a;
}

type Mode = 'ok' | 'exit' | 'nofile' | 'short' | 'nan' | 'zero' | 'flaky';

/** Writes an executable fake nanoBragg (a Node script) that behaves as `mode`; returns its path. */
function fakeBinary(mode: Mode): string {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'fake-nanobragg-')));
  const path = join(dir, 'nanoBragg.cjs');
  writeFileSync(path, `#!${process.execPath}
const fs = require('fs');
const a = process.argv.slice(2);
const get = (f) => { const i = a.indexOf(f); return i >= 0 ? a[i + 1] : undefined; };
const mode = ${JSON.stringify(mode)};
const n = Number(get('-detpixels'));
console.log('nanoBragg nanocrystal diffraction simulator (fake)');
if (a.includes('-detector_abs')) console.log('WARNING: maximum dimension of sample is 500 A');
if (mode === 'exit') { console.error('ERROR: fake failure'); process.exit(3); }
if (mode === 'nofile') process.exit(0);
let count = n * n;
if (mode === 'short') count -= 1;
const img = new Float32Array(count);
for (let i = 0; i < count; i++) img[i] = 1 + (i % 7) / 8;
if (mode === 'nan') img[5] = NaN;
if (mode === 'zero') img.fill(0);
if (mode === 'flaky' && fs.existsSync('ran-once')) img[0] = 2.5; // every run after the first differs
fs.writeFileSync('ran-once', '');
if (a.includes('-hkl') && fs.existsSync('Fdump.bin')) { console.error('ERROR: Fdump.bin left from an earlier run'); process.exit(4); }
if (a.includes('-hkl')) fs.writeFileSync('Fdump.bin', 'dump');
fs.writeFileSync(get('-floatfile'), Buffer.from(img.buffer));
fs.writeFileSync(get('-intfile'), 'int image');
`);
  chmodSync(path, 0o755);
  return path;
}

/** A fake wasm backend: instant runs; publishes its image (the pattern, scaled) like the engine backends do. */
function fakeWasm(scale = 1): BenchBackend {
  return {
    name: 'wasm',
    async unavailable() {
      return null;
    },
    async prepare(req: MeasurementRequest, ctx) {
      const pixels = req.size * req.size;
      const layers = req.benchmark === 'absorption' ? layersFor(req.thicksteps!) : 1;
      const image = pattern(pixels, scale);
      return {
        case: {
          evaluations: pixels * layers,
          pixels,
          coldIncludes: 'fake',
          async create() {
            return { run: () => image, memory: () => ({}) };
          },
          snapshot: (x: Float32Array) => x.slice(),
          check: (cold: Float32Array) => {
            if (req.workload === 'image') ctx?.images.publish(imageCaseKey(req), 'wasm', req.dtype, cold);
            return { problems: [], interpolation: req.benchmark === 'absorption' ? 'nearest' : 'tricubic', warnings: [] };
          },
        },
        binary: () => 'simd',
        threads: 1,
        ...(req.benchmark === 'absorption' ? { layers } : {}),
      };
    },
  };
}

async function bench(argv: string[], backends?: BenchBackend[]): Promise<{ code: number; report: Report; md: string; out: string[] }> {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'bench-c-')));
  const out: string[] = [];
  const code = await benchMain([...argv, '--out', dir], { env: () => ENV, print: (l) => out.push(l), printError: (l) => out.push(l), ...(backends ? { backends } : {}) });
  const [run] = readdirSync(dir);
  const file = readdirSync(join(dir, run)).find((f) => f.endsWith('_baseline.json'))!;
  return {
    code,
    report: JSON.parse(readFileSync(join(dir, run, file), 'utf8')),
    md: readFileSync(join(dir, run, file.replace('.json', '.md')), 'utf8'),
    out,
  };
}

const cOf = (r: Report): ResultRecord[] => r.results.filter((x) => x.backend === 'c-reference');
const imageReq = (size = 8): MeasurementRequest => ({ benchmark: 'tricubic', workload: 'image', size, dtype: 'f64', threads: 1 });

test('availability: unset, missing, not executable, a folder -> skipped with the reason; an executable file -> available', async () => {
  assert.is(cBinaryProblem(undefined), C_UNSET_REASON);
  assert.is(cBinaryProblem(''), C_UNSET_REASON);
  assert.is(C_UNSET_REASON, 'set NANOBRAGG_C_BINARY to a serial nanoBragg build to measure the C baseline');
  const dir = scratch(mkdtempSync(join(tmpdir(), 'fake-nanobragg-')));
  assert.match(cBinaryProblem(join(dir, 'nope'))!, /NANOBRAGG_C_BINARY=.*nope is not an executable file \(ENOENT\); set NANOBRAGG_C_BINARY/);
  writeFileSync(join(dir, 'plain'), 'not executable');
  chmodSync(join(dir, 'plain'), 0o644);
  assert.match(cBinaryProblem(join(dir, 'plain'))!, /is not an executable file \(EACCES\)/); // no execute bit: refused even to root
  assert.match(cBinaryProblem(dir)!, /is not a file/);
  const fake = fakeBinary('ok');
  assert.is(cBinaryProblem(fake), null);

  const b = cReferenceBackend({ binary: () => fake });
  assert.is(await b.unavailable(imageReq()), null);
  assert.is(await b.unavailable({ ...imageReq(), workload: 'kernel', kernel: 'tricubic' }), C_KERNEL_REASON);
  assert.is(b.fixedDtype, 'f64');

  // by default the binary comes from the environment, read when asked
  const fromEnv = cReferenceBackend();
  delete process.env[C_BINARY_ENV];
  assert.is(await fromEnv.unavailable(imageReq()), C_UNSET_REASON);
  process.env[C_BINARY_ENV] = fake;
  assert.is(await fromEnv.unavailable(imageReq()), null);
  delete process.env[C_BINARY_ENV];
});

test('without NANOBRAGG_C_BINARY: bench skips c-reference with the reason in JSON and Markdown (exit 5 when nothing else)', async () => {
  delete process.env[C_BINARY_ENV];
  const r = await bench(['tricubic', '--sizes', '8', '--repeats', '1', '--backend', 'c-reference']);
  assert.is(r.code, 5, r.out.join('\n'));
  assert.equal(validateReport(r.report), []);
  assert.equal(r.report.skipped, [
    { backend: 'c-reference', workload: 'kernel', reason: C_UNSET_REASON },
    { backend: 'c-reference', workload: 'image', reason: C_UNSET_REASON },
  ]);
  assert.ok(r.md.includes(`- c-reference (image): ${C_UNSET_REASON}`));
});

test('timing records: one f64 measurement per image case, whole process timed, same argv as the engine plus output flags', async () => {
  const fake = fakeBinary('ok');
  const r = await bench(['tricubic', '--sizes', '8', '16', '--repeats', '3', '--backend', 'c-reference', 'wasm', '--dtype', 'f32', 'f64'],
    [fakeWasm(), cReferenceBackend({ binary: () => fake, overheadSamples: 2 })]);
  assert.is(r.code, 0, r.out.join('\n'));
  assert.equal(validateReport(r.report), []);
  const cs = cOf(r.report);
  assert.equal(cs.map((c) => `${c.size}/${c.dtype}/${c.threads}/${c.binary}/${c.workload}`), ['8/f64/1/c-serial/image', '16/f64/1/c-serial/image']);
  // the C program is measured after the engine within a request, so its image is compared
  for (const c of cs) {
    assert.is(c.warm_s.length, 3);
    assert.ok(c.cold_s > 0 && c.warm_s.every((s) => s > 0), 'a process takes time');
    assert.ok(Math.abs(c.cold_s - c.cold_split.create_s - c.cold_split.first_run_s) < 1e-9);
    assert.is(c.evaluations, c.size * c.size);
    assert.is(c.interpolation, 'tricubic');
    assert.match(c.cold_includes, /first nanoBragg process .* spawn to exit/);
    const k = c.check!;
    assert.is(k.c_binary, fake);
    assert.is(k.compared_with, 'wasm f64');
    assert.is(k.max_rel_diff_vs_wasm_f64, 0);
    assert.is(k.fixed_overhead_samples, 2);
    assert.ok(typeof k.fixed_overhead_s === 'number' && k.fixed_overhead_s > 0);
    assert.ok(typeof k.loop_estimate_s === 'number' && Math.abs(k.loop_estimate_s - Math.max(0, c.stats.median - k.fixed_overhead_s)) < 1e-12);
    assert.match(String(k.c_binary_sha256), /^[0-9a-f]{64}$/);
    const argv = String(k.c_argv).split(' ');
    assert.equal(argv.slice(0, 21), ['-cell', '100', '100', '100', '90', '90', '90', '-lambda', '1', '-pixel', '0.1', '-distance', String((150 * c.size) / 256),
      '-detpixels', String(c.size), '-N', '2', '-default_F', '0', '-interpolate', '-oversample']);
    for (const f of ['-hkl', '-nonoise', '-nopgm', '-noprogress', '-floatfile', '-intfile']) assert.ok(argv.includes(f), f);
    // the temporary folder is gone after the measurement
    assert.not.ok(existsSync(dirname(dirname(argv[argv.indexOf('-floatfile') + 1]))));
  }
  assert.ok(r.report.notes.some((n) => n.startsWith('c-reference computes in f64 only')));
  assert.equal(r.report.skipped, [{ backend: 'c-reference', workload: 'kernel', reason: C_KERNEL_REASON }]);
});

test('the Markdown: one table per size with the C rows first and the ratio column; ratios against c-reference in the interpretation', async () => {
  const fake = fakeBinary('ok');
  const r = await bench(['tricubic', '--sizes', '8', '16', '--repeats', '2', '--backend', 'wasm', 'c-reference', '--dtype', 'f32', 'f64'],
    [fakeWasm(), cReferenceBackend({ binary: () => fake, overheadSamples: 1 })]);
  assert.is(r.code, 0, r.out.join('\n'));
  const md = r.md;
  for (const size of [8, 16]) {
    const title = `## Whole size x size image with interpolation on (minimal simulator): ${size} x ${size}`;
    assert.ok(md.includes(title), title);
    const table = md.slice(md.indexOf(title)).split('\n\n')[1].split('\n');
    assert.ok(table[0].includes('| vs c-reference (same run) |'));
    assert.match(table[2], /^\| c-reference \| c-serial \| f64 \| 1 \| \d+ \|.*\| baseline \|/);
    assert.match(table[3], /^\| wasm \| simd \| f32 \|.*\| \d+\.\d\dx faster \|/);
    assert.match(table[4], /^\| wasm \| simd \| f64 \|.*\| \d+\.\d\dx faster \|/);
    assert.is(table.length, 5);
    assert.match(md, new RegExp(`vs C \\(same run\\): wasm f32 is \\d+\\.\\d\\dx faster than c-reference at ${size}\\^2 \\(warm median`));
    assert.match(md, new RegExp(`vs C \\(same run\\): wasm f64 is \\d+\\.\\d\\dx faster than c-reference at ${size}\\^2`));
    assert.match(md, new RegExp(`- c-reference at ${size}\\^2: [\\d.]+ ms is the whole process \\(spawn to exit: .*HKL read.*\\); the same flags on an 8x8 detector take`));
  }
  assert.ok(md.includes('The C images match the wasm f64 engine images of the same cases (2 of 2 compared; worst max|diff|/max = 0, bit-identical; tolerance 1e-6)'));
  // the ratio in the text is the ratio of the medians in the JSON
  const c = cOf(r.report).find((x) => x.size === 16)!;
  const w = r.report.results.find((x) => x.backend === 'wasm' && x.workload === 'image' && x.dtype === 'f32' && x.size === 16)!;
  assert.ok(md.includes(`wasm f32 is ${(c.stats.median / w.stats.median).toFixed(2)}x faster than c-reference at 16^2`));
  // no figures from docs/performance-baselines.md where the C program was measured in this run
  assert.not.ok(md.includes('another run on this kind of machine'));
});

test('bad C output fails the measurement (no time reported): non-zero exit, no file, wrong size, NaN, all zero, runs that differ', async () => {
  const cases: [Mode, string, RegExp][] = [
    ['exit', 'run', /nanoBragg\.cjs exited with code 3: .*ERROR: fake failure/],
    ['nofile', 'run', /exited 0 but wrote no float image/],
    ['short', 'check', /float image has 252 bytes, 256 expected \(8x8 4-byte floats\)/],
    ['nan', 'check', /non-finite pixel at index 5/],
    ['zero', 'check', /image is all zero/],
    ['flaky', 'check', /float image of warm run 1 differs from the cold run at index 0/],
  ];
  for (const [mode, stage, error] of cases) {
    const fake = fakeBinary(mode);
    const r = await bench(['tricubic', '--sizes', '8', '--repeats', '2', '--backend', 'wasm', 'c-reference', '--dtype', 'f64'],
      [fakeWasm(), cReferenceBackend({ binary: () => fake, overheadSamples: 1 })]);
    assert.is(r.code, 1, mode);
    assert.equal(validateReport(r.report), [], mode);
    assert.equal(cOf(r.report), [], mode);
    const f = r.report.failures.filter((x) => x.backend === 'c-reference');
    assert.is(f.length, 1, mode);
    assert.is(f[0].stage, stage, `${mode}: ${f[0].error}`);
    assert.match(f[0].error, error);
    assert.equal([f[0].dtype, f[0].size, f[0].workload], ['f64', 8, 'image']);
    assert.ok(r.md.includes('- c-reference f64 8^2 image: '), mode);
  }
});

test('an image that disagrees with the wasm f64 engine image (> 1e-6 of the peak) fails the C measurement', async () => {
  const fake = fakeBinary('ok');
  const r = await bench(['tricubic', '--sizes', '8', '--repeats', '1', '--backend', 'wasm', 'c-reference', '--dtype', 'f64'],
    [fakeWasm(1.001), cReferenceBackend({ binary: () => fake, overheadSamples: 1 })]);
  assert.is(r.code, 1);
  const f = r.report.failures.find((x) => x.backend === 'c-reference')!;
  assert.is(f.stage, 'check');
  assert.match(f.error, /C image differs from the wasm f64 engine image: max\|diff\|\/max = 0\.000\d+ > 0\.000001/);
});

test('only f32 asked for: the C program still runs once, recorded as f64, and says it was not compared', async () => {
  const fake = fakeBinary('ok');
  const r = await bench(['tricubic', '--sizes', '8', '--repeats', '1', '--backend', 'wasm', 'c-reference', '--dtype', 'f32'],
    [fakeWasm(), cReferenceBackend({ binary: () => fake, overheadSamples: 1 })]);
  assert.is(r.code, 0, r.out.join('\n'));
  const cs = cOf(r.report);
  assert.is(cs.length, 1);
  assert.is(cs[0].dtype, 'f64');
  assert.match(String(cs[0].check!.compared_with), /^none: /);
  assert.is(cs[0].check!.max_rel_diff_vs_wasm_f64, undefined);
  assert.ok(r.md.includes('Not compared with an engine image (no wasm f64 image of the case in this run): c-reference at 8^2.'));
  assert.match(r.md, /wasm f32 is \d+\.\d\dx faster than c-reference at 8\^2/);
});

test('absorption: no -hkl (a fresh folder, so no stale Fdump.bin), layers as simulated, one table per size', async () => {
  const fake = fakeBinary('ok');
  const r = await bench(['absorption', '--sizes', '8', '--thicksteps', '1', '5', '--repeats', '1', '--backend', 'wasm', 'c-reference', '--dtype', 'f32', 'f64'],
    [fakeWasm(), cReferenceBackend({ binary: () => fake, overheadSamples: 1 })]);
  assert.is(r.code, 0, r.out.join('\n'));
  assert.equal(validateReport(r.report), []);
  const cs = cOf(r.report);
  assert.equal(cs.map((c) => `${c.thicksteps}/${c.layers}/${c.oversample_thick}/${c.dtype}`), ['1/2/false/f64', '1/2/true/f64', '5/5/false/f64', '5/5/true/f64']);
  for (const c of cs) {
    const argv = String(c.check!.c_argv).split(' ');
    assert.not.ok(argv.includes('-hkl'));
    assert.equal(argv.slice(argv.indexOf('-detector_thicksteps'), argv.indexOf('-detector_thicksteps') + 2), ['-detector_thicksteps', String(c.thicksteps)]);
    assert.is(argv.includes('-oversample_thick'), c.oversample_thick);
    assert.is(c.evaluations, 64 * c.layers!);
    assert.is(c.check!.compared_with, 'wasm f64');
    assert.equal(c.warnings, [{ text: 'WARNING: maximum dimension of sample is 500 A', count: 1 }]);
    assert.is(c.interpolation, 'nearest');
  }
  assert.is((r.md.match(/^## Whole image with detector absorption/gm) ?? []).length, 1);
  assert.match(r.md, /vs C \(same run\): wasm f32 is \d+\.\d\dx faster than c-reference at 8\^2, thicksteps 5 \+oversample_thick/);
  assert.not.ok(/spawn to exit: [^)]*HKL/.test(r.md), 'no HKL in an absorption process');
});

test('helpers: detector size swap, warnings, interpolation mode, image store', () => {
  assert.equal(withDetpixels(['-N', '2', '-detpixels', '1024', '-oversample', '1'], 8), ['-N', '2', '-detpixels', '8', '-oversample', '1']);
  assert.throws(() => withDetpixels(['-N', '2'], 8), /no -detpixels/);
  const stdout = 'counting\nWARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: 1,2,3,1,2,3 \nWARNING: further warnings will not be printed! \nsolid angle\n';
  assert.equal(cWarnings(stdout), ['WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: 1,2,3,1,2,3 ', 'WARNING: further warnings will not be printed! ']);
  assert.is(cInterpolation(['-hkl', 'x', '-interpolate'], 'ok\n'), 'tricubic');
  assert.match(cInterpolation(['-hkl', 'x', '-interpolate'], stdout), /^tricubic, switched to nearest/);
  assert.is(cInterpolation(['-hkl', 'x', '-nointerpolate'], ''), 'nearest');
  assert.is(cInterpolation(['-interpolate'], ''), 'nearest'); // no HKL: nothing to interpolate (docs/c-behaviour/minimal-loop.md T-4)
  assert.is(cInterpolation(['-hkl', 'x'], 'auto-selected tricubic interpolation of structure factors\n'), 'tricubic');

  const s = new ImageStore();
  const key = imageCaseKey(imageReq(8));
  s.publish(key, 'wasm-scalar', 'f64', pattern(4));
  s.publish(key, 'wasm', 'f32', pattern(4, 2));
  assert.is(s.find(key, 'f64', ['wasm', 'wasm-scalar'])!.backend, 'wasm-scalar');
  s.publish(key, 'wasm', 'f64', pattern(4, 3));
  assert.is(s.find(key, 'f64', ['wasm', 'wasm-scalar'])!.image[0], 3);
  assert.is(s.find(imageCaseKey(imageReq(16)), 'f64', ['wasm']), undefined);
});

test.run();
