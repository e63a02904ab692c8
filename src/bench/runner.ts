// Runs measurement requests on backends through the timing harness and turns the outcomes into report
// records: a result (timings + what was checked), a skip (backend cannot run it, with the reason) or a
// failure (it could run but threw, leaked or produced a wrong output).

import type { BenchBackend, MeasurementRequest } from './backend.ts';
import { measure, type MeasureOptions } from './timing.ts';
import type { FailureRecord, ResultRecord, SkipRecord } from './schema.ts';
import { newRunContext } from './run-context.ts';

export interface RunOutcome {
  results: ResultRecord[];
  skipped: SkipRecord[];
  failures: FailureRecord[];
  notes: string[];
}

export interface RunnerOptions extends Omit<MeasureOptions, 'repeats'> {
  repeats: number;
  log: (line: string) => void;
  /** --threads was given: a backend that cannot honour it says so in the notes. */
  threadsExplicit?: boolean;
}

function label(backend: string, r: MeasurementRequest): string {
  const parts = [backend, r.dtype, `${r.size}x${r.size}`, r.workload];
  if (r.case) parts.push(r.case);
  if (r.kernel) parts.push(r.kernel);
  if (r.thicksteps !== undefined) parts.push(`thicksteps ${r.thicksteps}${r.oversampleThick ? ' oversample_thick' : ''}`);
  return parts.join(' ');
}

function identity(backend: string, r: MeasurementRequest, threads: number) {
  return {
    backend,
    dtype: r.dtype,
    threads,
    size: r.size,
    workload: r.workload,
    ...(r.case ? { case: r.case } : {}),
    ...(r.kernel ? { kernel: r.kernel } : {}),
    ...(r.thicksteps !== undefined ? { thicksteps: r.thicksteps, oversample_thick: !!r.oversampleThick } : {}),
  };
}

const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`;

/** Identity of a measurement on a backend (the request with the precision the backend really computes in). */
function measurementKey(backend: string, r: MeasurementRequest): string {
  return [backend, r.benchmark, r.workload, r.case ?? '', r.kernel ?? '', r.size, r.dtype, r.thicksteps ?? '', !!r.oversampleThick].join('|');
}

/**
 * Runs every request on every backend, in the backends' order within a request (a backend that compares its
 * output with another's comes after it). A backend with a fixedDtype (the C program computes in f64 whatever the
 * request says) is measured once per case: at the request of its dtype when the plan has one, else at the first.
 */
export async function runRequests(backends: BenchBackend[], requests: MeasurementRequest[], o: RunnerOptions): Promise<RunOutcome> {
  const out: RunOutcome = { results: [], skipped: [], failures: [], notes: [] };
  const ctx = newRunContext();
  const skipKeys = new Set<string>();
  const noted = new Set<string>();
  const measured = new Set<string>();
  for (const asked of requests) {
    for (const b of backends) {
      let req = asked;
      if (b.fixedDtype && asked.dtype !== b.fixedDtype) {
        const own = { ...asked, dtype: b.fixedDtype };
        const later = requests.some((r) => r !== asked && measurementKey(b.name, r) === measurementKey(b.name, own));
        if (later) continue; // measured at the request of its own dtype
        req = own;
      }
      if (b.fixedDtype) {
        const k = measurementKey(b.name, req);
        if (measured.has(k)) continue;
        measured.add(k);
      }
      const what = label(b.name, req);
      const reason = await b.unavailable(req);
      if (reason) {
        const key = `${b.name}\n${req.workload}\n${reason}`;
        if (!skipKeys.has(key)) {
          skipKeys.add(key);
          out.skipped.push({ backend: b.name, workload: req.workload, reason });
          o.log(`skip ${b.name} (${req.workload}): ${reason}`);
        }
        continue;
      }
      let prep;
      try {
        prep = await b.prepare(req, ctx);
      } catch (e) {
        const error = (e as Error).message ?? String(e);
        out.failures.push({ ...identity(b.name, req, req.threads), stage: 'prepare', error });
        o.log(`FAIL ${what}: prepare: ${error}`);
        continue;
      }
      if (b.fixedDtype && !noted.has(`${b.name}\ndtype`) && requests.some((r) => r.dtype !== b.fixedDtype)) {
        noted.add(`${b.name}\ndtype`);
        out.notes.push(`${b.name} computes in ${b.fixedDtype} only: it is measured once per case and its rows say ${b.fixedDtype}; ratios compare it with every dtype of the other backends`);
      }
      if (o.threadsExplicit && prep.threads !== req.threads && !noted.has(b.name)) {
        noted.add(b.name);
        out.notes.push(`${b.name} runs ${prep.threads} thread(s); --threads ${req.threads} applies to wasm-threads only`);
      }
      const m = await measure(prep.case, o);
      if (!m.ok) {
        out.failures.push({ ...identity(b.name, req, prep.threads), stage: m.stage, error: m.error });
        o.log(`FAIL ${what}: ${m.stage}: ${m.error}`);
        continue;
      }
      const t = m.timed;
      const layers = prep.layers;
      const check = t.check.facts ? { ...t.check.facts } : undefined;
      // a whole-process time with a measured fixed overhead (the C program): the loop-only estimate beside it
      if (check && typeof check.fixed_overhead_s === 'number') check.loop_estimate_s = Math.max(0, t.stats.median - check.fixed_overhead_s);
      const rec: ResultRecord = {
        ...identity(b.name, req, prep.threads),
        binary: prep.binary(),
        ...(prep.variant ? { variant: prep.variant } : {}),
        ...(layers !== undefined ? { layers } : {}),
        evaluations: t.evaluations,
        pixels: t.pixels,
        cold_s: t.cold_s,
        cold_split: t.cold_split,
        cold_includes: t.cold_includes,
        warm_s: t.warm_s,
        stats: { min: t.stats.min, median: t.stats.median, mean: t.stats.mean, stddev: t.stats.stddev, max: t.stats.max },
        throughput: t.throughput,
        ...(t.split ? { split: Object.fromEntries(Object.entries(t.split).map(([k, v]) => [k, { samples: v.samples, stats: strip(v.stats) }])) } : {}),
        ...(req.workload === 'image' && req.thicksteps !== undefined && layers ? { per_layer_s: t.stats.median / layers } : {}),
        memory: { before_warm: t.memory.before_warm, after_warm: t.memory.after_warm },
        interpolation: t.check.interpolation ?? 'unknown',
        warnings: t.check.warnings ?? [],
        ...(check ? { check } : {}),
      };
      out.results.push(rec);
      const warn = rec.warnings.length ? `, ${rec.warnings.length} warning(s)` : '';
      o.log(
        `${what}: cold ${ms(t.cold_s)}, warm median ${ms(t.stats.median)} (min ${ms(t.stats.min)}, sd ${ms(t.stats.stddev)}, n=${t.warm_s.length}), ` +
          `${(t.throughput.evals_per_s / 1e6).toFixed(2)} M evals/s, interpolation ${rec.interpolation}${warn}`,
      );
      for (const w of rec.warnings) o.log(`  warning x${w.count}: ${w.text}`);
    }
  }
  return out;
}

function strip(s: { min: number; median: number; mean: number; stddev: number; max: number }) {
  return { min: s.min, median: s.median, mean: s.mean, stddev: s.stddev, max: s.max };
}
