// The real backends through the bench commands, at tiny sizes: the WebAssembly kernels (build/*.wasm, built by
// `npm test` before the suites) and the simulator engine. Checks that every variant is measured, passes its
// check against the f64 scalar reference, and that the reports validate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain } from '../src/bench/cli.ts';
import { kernelCase, variantFor } from '../src/bench/kernel-case.ts';
import { measure } from '../src/bench/timing.ts';
import { imageCase, loadEngine, provideEngine, type EngineModule } from '../src/bench/image-case.ts';
import { smoothHklText, tricubicImageArgv } from '../src/bench/workloads.ts';
import { validateReport, type Report } from '../src/bench/schema.ts';
import type { EnvReport } from '../src/bench/env.ts';

/** Temporary folders of this file, removed when it ends. */
const scratchDirs: string[] = [];
const scratch = (dir: string) => (scratchDirs.push(dir), dir);
test.after(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

const ENV: EnvReport = {
  created: '2026-11-28T12:00:00.000Z', machine_tag: 'test', git: { sha: null, dirty: null }, node: process.versions.node, v8: process.versions.v8,
  node_flags: [], os: { platform: 'linux', release: '', version: '', arch: 'x64' }, cpu: { model: 'test', cores: 1, available_parallelism: 1 },
  memory_bytes: 1, wasm: { simd: true, threads: false, threads_detail: '', binary_chosen: 'simd', binaries: { scalar: null, simd: null } },
  gpu: { available: false, reason: 'not probed in tests' }, packages: {},
};

async function bench(argv: string[]): Promise<{ code: number; report: Report; out: string[] }> {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'bench-wasm-')));
  const out: string[] = [];
  const code = await benchMain([...argv, '--out', dir], { env: () => ENV, print: (l) => out.push(l), printError: (l) => out.push(l) });
  const [run] = readdirSync(dir);
  const file = readdirSync(join(dir, run)).find((f) => f.endsWith('_baseline.json'))!;
  return { code, report: JSON.parse(readFileSync(join(dir, run, file), 'utf8')), out };
}

test('every kernel variant runs and matches the f64 scalar reference within its tolerance', async () => {
  for (const kernel of ['tricubic', 'capture_fraction'] as const) {
    for (const binary of ['scalar', 'simd'] as const) {
      for (const dtype of ['f32', 'f64'] as const) {
        const variant = variantFor(binary, dtype);
        const m = await measure(kernelCase({ binary, kernel, variant, size: 12, layers: 5, coldIncludes: '' }), { repeats: 2 });
        assert.ok(m.ok, `${kernel} ${variant}: ${m.ok ? '' : `${m.stage}: ${m.error}`}`);
      }
    }
  }
});

test('bench kernels: scalar and SIMD variants of both kernels measured in one run, targets reported', async () => {
  const { code, report, out } = await bench(['kernels', '--sizes', '16', '--repeats', '1']);
  assert.is(code, 0, out.join('\n'));
  assert.equal(validateReport(report), []);
  assert.equal(report.results.map((r) => `${r.kernel}/${r.variant}`).sort(), [
    'capture_fraction/f32', 'capture_fraction/f32x4', 'capture_fraction/f64', 'capture_fraction/f64x2',
    'tricubic/f32', 'tricubic/f32x4', 'tricubic/f64', 'tricubic/f64x2',
  ]);
  assert.ok(report.targets!.every((t) => t.measured !== null));
  assert.ok(report.results.every((r) => r.memory.before_warm.wasm_bytes === r.memory.after_warm.wasm_bytes));
});

test('bench tricubic and absorption: whole images through the simulator engine', async () => {
  const t = await bench(['tricubic', '--sizes', '24', '--repeats', '1', '--backend', 'wasm-scalar', 'wasm', '--dtype', 'f32']);
  assert.is(t.code, 0, t.out.join('\n'));
  assert.equal(validateReport(t.report), []);
  const images = t.report.results.filter((r) => r.workload === 'image');
  assert.is(images.length, 2);
  assert.ok(images.every((r) => r.interpolation === 'tricubic'), images.map((r) => r.interpolation).join());

  const a = await bench(['absorption', '--sizes', '16', '--repeats', '1', '--backend', 'wasm', '--dtype', 'f64', '--thicksteps', '1', '3']);
  assert.is(a.code, 0, a.out.join('\n'));
  assert.equal(validateReport(a.report), []);
  assert.equal(a.report.results.map((r) => `${r.thicksteps}:${r.layers}:${r.oversample_thick}:${r.evaluations}`), ['1:2:false:512', '1:2:true:512', '3:3:false:768', '3:3:true:768']);
});

test('an interpolation switch-off is recorded with its warnings, not hidden in a timing', async () => {
  const m = await loadEngine();
  assert.ok('engine' in m, JSON.stringify(m));
  if (!('engine' in m)) return;
  // the beam far off centre puts part of the detector outside the grid's tricubic window
  const argv = [...tricubicImageArgv(64), '-Xbeam', '1.0', '-Ybeam', '1.0'];
  const prepared = await m.engine.prepareSimulation(argv, { hklText: smoothHklText() });
  const r = await measure(imageCase(m.engine, prepared, { backend: 'wasm', dtype: 'f32', threads: 1, evaluations: 64 * 64, pixels: 64 * 64, coldIncludes: '' }), { repeats: 1 });
  assert.ok(r.ok, r.ok ? '' : r.error);
  if (!r.ok) return;
  assert.match(r.timed.check.interpolation!, /^tricubic, switched to nearest at pixel/);
  assert.ok(r.timed.check.warnings!.some((w) => w.text.startsWith('WARNING: out of range for three point interpolation') && w.count === 1));
});

test('provideEngine: loadEngine hands out the module given (the bundled bench), and imports by URL again after', async () => {
  const fake = { createEngine: async () => { throw new Error('fake'); }, prepareSimulation: async () => ({}) } as unknown as EngineModule;
  provideEngine(fake);
  try {
    const got = await loadEngine();
    assert.ok('engine' in got && got.engine === fake);
  } finally {
    provideEngine(undefined);
  }
  const real = await loadEngine();
  assert.ok('engine' in real && real.engine !== fake && typeof real.engine.createEngine === 'function');
});

test.run();
