// The benchmark report format (tricubic_baseline.json, absorption_baseline.json, kernels_baseline.json) and a
// small validator for it. The README's "Benchmark reports" section documents the same fields; the test
// tests/bench-schema.test.ts keeps both honest.

import { summarize } from './stats.ts';

export const SCHEMA_VERSION = 1;

export type BenchmarkName = 'tricubic' | 'absorption' | 'kernels' | 'loop' | 'startup';
export type Workload = 'kernel' | 'image';
export type KernelName = 'tricubic' | 'capture_fraction';
export type { Dtype } from '../backends/names.ts';
import { BACKEND_ORDER, type Dtype } from '../backends/names.ts';

export interface StatsRecord {
  min: number;
  median: number;
  mean: number;
  stddev: number;
  max: number;
}

export interface MemoryRecord {
  wasm_bytes?: number;
  gpu_bytes?: number;
}

export interface ResultRecord {
  backend: string;
  /** WebAssembly binary (scalar | simd | simd-threads) or GPU adapter description. */
  binary: string;
  dtype: Dtype;
  threads: number;
  size: number;
  workload: Workload;
  /** loop / startup benchmarks: the whole-image workload (src/bench/workloads.ts LOOP_CASE_SPECS). */
  case?: string;
  /** Which kernel (workload "kernel" only). */
  kernel?: KernelName;
  /** Kernel variant actually called (f64, f64x2, f32, f32x4). */
  variant?: string;
  /** Absorption: layer count asked for (-detector_thicksteps) ... */
  thicksteps?: number;
  /** ... and simulated (nanoBragg turns 1 into 2). */
  layers?: number;
  oversample_thick?: boolean;
  evaluations: number;
  pixels: number;
  cold_s: number;
  cold_split: { create_s: number; first_run_s: number };
  cold_includes: string;
  warm_s: number[];
  stats: StatsRecord;
  throughput: { evals_per_s: number; pixels_per_s: number };
  /** Per-phase warm timings where the backend splits them (GPU: upload, kernel, readback). */
  split?: Record<string, { samples: number[]; stats: StatsRecord }>;
  /** Absorption: warm median / layers. */
  per_layer_s?: number;
  memory: { before_warm: MemoryRecord; after_warm: MemoryRecord };
  interpolation: string;
  warnings: { text: string; count: number }[];
  /**
   * What the output check measured (e.g. max_rel_error_vs_f64 of a kernel variant). The C program
   * (backend "c-reference", binary "c-serial", dtype "f64", threads 1; its times are whole processes, spawn to
   * exit) records: c_binary, c_binary_sha256, c_argv (as run), timed, process_includes; compared_with ("wasm f64",
   * or "none: ..." when no engine f64 image of the case was measured in the run) and max_rel_diff_vs_wasm_f64
   * (max|engine - C| / max|C|, must be <= 1e-6); fixed_overhead_s (median time of the same flags on an 8x8
   * detector: start-up and fixed I/O), fixed_overhead_samples, fixed_overhead_run; loop_estimate_s (warm
   * median - fixed_overhead_s, floored at 0: an upper bound on the C pixel loop).
   */
  check?: Record<string, number | string | boolean>;
}

export interface SkipRecord {
  backend: string;
  reason: string;
  workload?: Workload;
  dtype?: Dtype;
}

export interface FailureRecord {
  backend: string;
  dtype: Dtype;
  threads: number;
  size: number;
  workload: Workload;
  case?: string;
  kernel?: KernelName;
  thicksteps?: number;
  oversample_thick?: boolean;
  stage: string;
  error: string;
}

export interface TargetRecord {
  name: string;
  measured: number | null;
  goal: number;
  /** The goal is a ceiling (measured <= goal, e.g. a start-up time); a floor (>=) otherwise. */
  at_most?: boolean;
  unit: string;
  met: boolean | null;
  detail: string;
}

export interface EnvSummary {
  machine_tag: string;
  cpu_model: string;
  cores: number;
  memory_bytes: number;
  os: string;
  node: string;
  v8: string;
  git_sha: string | null;
  git_dirty: boolean | null;
  wasm_simd: boolean;
  wasm_threads: boolean;
  gpu: string;
}

export interface Report {
  schema_version: number;
  benchmark: BenchmarkName;
  command: string[];
  created: string;
  machine_tag: string;
  env: EnvSummary;
  options: Record<string, unknown>;
  cold_definition: string;
  results: ResultRecord[];
  skipped: SkipRecord[];
  failures: FailureRecord[];
  notes: string[];
  targets?: TargetRecord[];
  /** Seconds WebAssembly.compile took per binary in this process (instantiation is in each cold time). */
  compile_s?: Record<string, number>;
}

// ---- validator -------------------------------------------------------------------------------------------

type Spec =
  | { t: 'string'; enum?: readonly string[] }
  | { t: 'number'; min?: number; int?: boolean }
  | { t: 'boolean' }
  | { t: 'null-or'; of: Spec }
  | { t: 'array'; items: Spec; minItems?: number }
  | { t: 'object'; req: Record<string, Spec>; opt?: Record<string, Spec>; open?: boolean }
  | { t: 'map'; values: Spec }
  | { t: 'any' };

const str = (e?: readonly string[]): Spec => ({ t: 'string', ...(e ? { enum: e } : {}) });
const num = (min?: number): Spec => ({ t: 'number', ...(min !== undefined ? { min } : {}) });
const int = (min?: number): Spec => ({ t: 'number', int: true, ...(min !== undefined ? { min } : {}) });
const bool: Spec = { t: 'boolean' };
const arr = (items: Spec, minItems?: number): Spec => ({ t: 'array', items, ...(minItems ? { minItems } : {}) });
const obj = (req: Record<string, Spec>, opt?: Record<string, Spec>, open = false): Spec => ({ t: 'object', req, opt, open });
const nullable = (of: Spec): Spec => ({ t: 'null-or', of });

const DTYPES = ['f32', 'f64'] as const;
const BENCHMARKS = ['tricubic', 'absorption', 'kernels', 'loop', 'startup'] as const;
const WORKLOADS = ['kernel', 'image'] as const;
const KERNELS = ['tricubic', 'capture_fraction'] as const;
const statsSpec = obj({ min: num(0), median: num(0), mean: num(0), stddev: num(0), max: num(0) });
const memorySpec = obj({}, { wasm_bytes: int(0), gpu_bytes: int(0) });

/** Backend names a report may hold: the engine backends (src/backends/names.ts), our bin and the C program as processes. */
const REPORT_BACKENDS: readonly string[] = [...BACKEND_ORDER, 'nanobragg-bin', 'tsx-cli', 'c-reference'];

export const resultSpec: Spec = obj(
  {
    backend: str(REPORT_BACKENDS),
    binary: str(),
    dtype: str(DTYPES),
    threads: int(1),
    size: int(1),
    workload: str(WORKLOADS),
    evaluations: num(0),
    pixels: int(0),
    cold_s: num(0),
    cold_split: obj({ create_s: num(0), first_run_s: num(0) }),
    cold_includes: str(),
    warm_s: arr(num(0), 1),
    stats: statsSpec,
    throughput: obj({ evals_per_s: num(0), pixels_per_s: num(0) }),
    memory: obj({ before_warm: memorySpec, after_warm: memorySpec }),
    interpolation: str(),
    warnings: arr(obj({ text: str(), count: int(1) })),
  },
  {
    case: str(),
    kernel: str(KERNELS),
    variant: str(),
    thicksteps: int(1),
    layers: int(1),
    oversample_thick: bool,
    split: { t: 'map', values: obj({ samples: arr(num(0), 1), stats: statsSpec }) },
    per_layer_s: num(0),
    check: { t: 'map', values: { t: 'any' } },
  },
);

export const reportSpec: Spec = obj({
  schema_version: int(1),
  benchmark: str(BENCHMARKS),
  command: arr(str(), 1),
  created: str(),
  machine_tag: str(),
  env: obj(
    {
      machine_tag: str(),
      cpu_model: str(),
      cores: int(1),
      memory_bytes: int(0),
      os: str(),
      node: str(),
      v8: str(),
      git_sha: nullable(str()),
      git_dirty: nullable(bool),
      wasm_simd: bool,
      wasm_threads: bool,
      gpu: str(),
    },
    {},
    true,
  ),
  options: { t: 'map', values: { t: 'any' } },
  cold_definition: str(),
  results: arr(resultSpec),
  skipped: arr(obj({ backend: str(REPORT_BACKENDS), reason: str() }, { workload: str(WORKLOADS), dtype: str(DTYPES) })),
  failures: arr(
    obj(
      { backend: str(REPORT_BACKENDS), dtype: str(DTYPES), threads: int(1), size: int(1), workload: str(WORKLOADS), stage: str(), error: str() },
      { case: str(), kernel: str(KERNELS), thicksteps: int(1), oversample_thick: bool },
    ),
  ),
  notes: arr(str()),
}, {
  targets: arr(obj({ name: str(), measured: nullable(num()), goal: num(), unit: str(), met: nullable(bool), detail: str() }, { at_most: bool })),
  compile_s: { t: 'map', values: num(0) },
});

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Structural check of `value` against `spec`; returns "path: problem" lines (empty when valid). */
export function validate(spec: Spec, value: unknown, path = '$'): string[] {
  switch (spec.t) {
    case 'any':
      return [];
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected string, got ${typeOf(value)}`];
      if (spec.enum && !spec.enum.includes(value)) return [`${path}: "${value}" is not one of ${spec.enum.join(', ')}`];
      return [];
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return [`${path}: expected finite number, got ${typeOf(value)} ${String(value)}`];
      if (spec.int && !Number.isInteger(value)) return [`${path}: expected integer, got ${value}`];
      if (spec.min !== undefined && value < spec.min) return [`${path}: ${value} < ${spec.min}`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${typeOf(value)}`];
    case 'null-or':
      return value === null ? [] : validate(spec.of, value, path);
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected array, got ${typeOf(value)}`];
      const errs: string[] = [];
      if (spec.minItems && value.length < spec.minItems) errs.push(`${path}: expected at least ${spec.minItems} item(s)`);
      value.forEach((v, i) => errs.push(...validate(spec.items, v, `${path}[${i}]`)));
      return errs;
    }
    case 'map': {
      if (typeOf(value) !== 'object') return [`${path}: expected object, got ${typeOf(value)}`];
      return Object.entries(value as object).flatMap(([k, v]) => validate(spec.values, v, `${path}.${k}`));
    }
    case 'object': {
      if (typeOf(value) !== 'object') return [`${path}: expected object, got ${typeOf(value)}`];
      const o = value as Record<string, unknown>;
      const errs: string[] = [];
      for (const [k, s] of Object.entries(spec.req)) {
        if (!(k in o)) errs.push(`${path}.${k}: missing`);
        else errs.push(...validate(s, o[k], `${path}.${k}`));
      }
      for (const [k, v] of Object.entries(o)) {
        if (k in spec.req) continue;
        const s = spec.opt?.[k];
        if (s) errs.push(...validate(s, v, `${path}.${k}`));
        else if (!spec.open) errs.push(`${path}.${k}: unknown field`);
      }
      return errs;
    }
  }
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Schema plus the rules between fields (stats agree with the samples, fields that belong to one workload). */
export function validateReport(value: unknown): string[] {
  const errs = validate(reportSpec, value);
  if (errs.length) return errs;
  const r = value as Report;
  if (r.schema_version !== SCHEMA_VERSION) errs.push(`$.schema_version: ${r.schema_version} is not ${SCHEMA_VERSION}`);
  if (Number.isNaN(Date.parse(r.created))) errs.push(`$.created: "${r.created}" is not an ISO time`);
  r.results.forEach((x, i) => {
    const p = `$.results[${i}]`;
    const s = summarize(x.warm_s);
    for (const k of ['min', 'median', 'mean', 'stddev', 'max'] as const) {
      if (!close(s[k], x.stats[k])) errs.push(`${p}.stats.${k}: ${x.stats[k]} does not match warm_s (${s[k]})`);
    }
    if (!close(x.throughput.evals_per_s, x.evaluations / x.stats.median)) errs.push(`${p}.throughput.evals_per_s: not evaluations / median`);
    if (x.workload === 'kernel' && !x.kernel) errs.push(`${p}.kernel: missing for a kernel workload`);
    if (x.workload === 'image' && x.kernel) errs.push(`${p}.kernel: only for kernel workloads`);
    const absorptionImage = r.benchmark === 'absorption' && x.workload === 'image';
    if (absorptionImage && (x.thicksteps === undefined || x.layers === undefined || x.oversample_thick === undefined)) {
      errs.push(`${p}: absorption image results need thicksteps, layers and oversample_thick`);
    }
    if (x.workload !== 'image' && x.thicksteps !== undefined) errs.push(`${p}.thicksteps: only for image results`);
    if (!absorptionImage && x.thicksteps !== undefined && x.layers === undefined) errs.push(`${p}: image results with thicksteps need layers`);
    const loop = r.benchmark === 'loop' || r.benchmark === 'startup';
    if (loop && (x.workload !== 'image' || x.case === undefined)) errs.push(`${p}: ${r.benchmark} results are whole images with a case`);
    if (!loop && x.case !== undefined) errs.push(`${p}.case: only for loop and startup results`);
    if (r.benchmark === 'kernels' && x.workload !== 'kernel') errs.push(`${p}.workload: the kernels benchmark only has kernel workloads`);
  });
  return errs;
}
