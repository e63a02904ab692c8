// The report schema and its validator: a good report passes, each kind of damage is named with its path,
// and the README documents every field the validator requires.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { resultSpec, reportSpec, validate, validateReport, type Report, type ResultRecord } from '../src/bench/schema.ts';
import { summarize } from '../src/bench/stats.ts';

function result(over: Partial<ResultRecord> = {}): ResultRecord {
  const warm = over.warm_s ?? [0.01, 0.012, 0.011];
  const s = summarize(warm);
  return {
    backend: 'wasm', binary: 'simd', dtype: 'f32', threads: 1, size: 256, workload: 'image',
    evaluations: 65536, pixels: 65536,
    cold_s: 0.05, cold_split: { create_s: 0.03, first_run_s: 0.02 }, cold_includes: 'instantiate + first run',
    warm_s: warm,
    stats: { min: s.min, median: s.median, mean: s.mean, stddev: s.stddev, max: s.max },
    throughput: { evals_per_s: 65536 / s.median, pixels_per_s: 65536 / s.median },
    memory: { before_warm: { wasm_bytes: 1 << 20 }, after_warm: { wasm_bytes: 1 << 20 } },
    interpolation: 'tricubic',
    warnings: [{ text: 'WARNING: out of range for three point interpolation', count: 1 }],
    ...over,
  };
}

function sampleReport(): Report {
  return {
    schema_version: 1,
    benchmark: 'tricubic',
    command: ['npx', 'tsx', 'src/cli.ts', 'bench', 'tricubic'],
    created: '2026-11-28T12:00:00.000Z',
    machine_tag: 'linux-x64-test-2c',
    env: {
      machine_tag: 'linux-x64-test-2c', cpu_model: 'Test CPU', cores: 2, memory_bytes: 1 << 30, os: 'linux', node: '20.0.0', v8: '11',
      git_sha: null, git_dirty: null, wasm_simd: true, wasm_threads: false, gpu: 'none: no adapter',
    },
    options: { sizes: [256], repeats: 3 },
    cold_definition: 'first invocation',
    results: [result(), result({ workload: 'kernel', kernel: 'tricubic', variant: 'f32x4', warnings: [] })],
    skipped: [{ backend: 'webgpu', reason: 'no adapter' }],
    failures: [{ backend: 'wasm-scalar', dtype: 'f64', threads: 1, size: 256, workload: 'image', stage: 'run', error: 'trap' }],
    notes: [],
  };
}

test('a complete report validates', () => {
  assert.equal(validateReport(sampleReport()), []);
});

test('missing, mistyped and unknown fields are named by path', () => {
  const r = sampleReport() as unknown as Record<string, unknown>;
  delete r.skipped;
  (r.results as Record<string, unknown>[])[0].dtype = 'f16';
  (r.results as Record<string, unknown>[])[1].cold_s = -1;
  (r.results as Record<string, unknown>[])[1].surprise = true;
  (r as { command: unknown }).command = 'npx tsx';
  const errs = validateReport(r);
  assert.ok(errs.includes('$.skipped: missing'), errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('$.results[0].dtype: "f16" is not one of')), errs.join('\n'));
  assert.ok(errs.includes('$.results[1].cold_s: -1 < 0'), errs.join('\n'));
  assert.ok(errs.includes('$.results[1].surprise: unknown field'), errs.join('\n'));
  assert.ok(errs.includes('$.command: expected array, got string'), errs.join('\n'));
});

test('non-finite numbers are rejected (JSON would turn them into null)', () => {
  const r = sampleReport();
  r.results[0].warm_s = [0.01, NaN];
  assert.ok(validateReport(r).some((e) => e.startsWith('$.results[0].warm_s[1]: expected finite number')));
});

test('stats and throughput must agree with the raw samples', () => {
  const r = sampleReport();
  r.results[0].stats.median = 1;
  r.results[0].throughput.evals_per_s = 5;
  const errs = validateReport(r);
  assert.ok(errs.some((e) => e.startsWith('$.results[0].stats.median: 1 does not match warm_s')), errs.join('\n'));
  assert.ok(errs.includes('$.results[0].throughput.evals_per_s: not evaluations / median'), errs.join('\n'));
});

test('workload-specific fields: kernel results name their kernel, absorption images their layers', () => {
  const r = sampleReport();
  delete r.results[1].kernel;
  assert.ok(validateReport(r).includes('$.results[1].kernel: missing for a kernel workload'));

  const a = sampleReport();
  a.benchmark = 'absorption';
  a.results = [result()];
  assert.ok(validateReport(a).includes('$.results[0]: absorption image results need thicksteps, layers and oversample_thick'));
  a.results = [result({ thicksteps: 1, layers: 2, oversample_thick: true, per_layer_s: 0.005 })];
  assert.equal(validateReport(a), []);

  const k = sampleReport();
  k.benchmark = 'kernels';
  assert.ok(validateReport(k).includes('$.results[0].workload: the kernels benchmark only has kernel workloads'));
});

test('created must be an ISO time and the schema version known', () => {
  const r = sampleReport();
  r.created = 'yesterday';
  r.schema_version = 2;
  const errs = validateReport(r);
  assert.ok(errs.includes('$.created: "yesterday" is not an ISO time'));
  assert.ok(errs.includes('$.schema_version: 2 is not 1'));
});

test('optional GPU split timings and kernel targets validate', () => {
  const r = sampleReport();
  r.results[0].split = { upload: { samples: [0.001, 0.002, 0.001], stats: { min: 0.001, median: 0.001, mean: 0.0013, stddev: 0.0005, max: 0.002 } } };
  r.targets = [{ name: 'tricubic f32x4 vs scalar f32', measured: null, goal: 3, unit: 'x', met: null, detail: 'not measured' }];
  r.compile_s = { simd: 0.001 };
  assert.equal(validateReport(r), []);
  assert.equal(validate(resultSpec, { ...r.results[0], split: { upload: { samples: [] } } }).length > 0, true);
});

// The README's "Benchmark reports" section (pasted by the lead) must name every field the validator requires.
test('README documents every required report and result field', () => {
  const readme = new URL('../README.md', import.meta.url);
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('## Benchmark reports');
  if (start < 0) return; // section not pasted yet
  const section = text.slice(start, text.indexOf('\n## ', start + 5) > 0 ? text.indexOf('\n## ', start + 5) : undefined);
  const required = (spec: unknown) => Object.keys((spec as { req: Record<string, unknown> }).req);
  for (const f of [...required(reportSpec), ...required(resultSpec)]) assert.ok(section.includes(`\`${f}\``), `README section lacks \`${f}\``);
});

test.run();
