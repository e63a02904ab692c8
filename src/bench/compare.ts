// Cross-machine / cross-run comparison: the same measurements from several reports side by side, with the
// ratio of each warm median to the first report that has the measurement.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateReport, type Report, type ResultRecord } from './schema.ts';
import { table } from './markdown.ts';

export interface LoadedReport {
  label: string;
  path: string;
  report: Report;
}

export class CompareInputError extends Error {}

/** Reports named by folders (every *_baseline.json in them) or JSON files; each is validated. */
/** Largest file read as a report. */
const MAX_REPORT_BYTES = 64 << 20;

export function loadReports(paths: string[]): LoadedReport[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CompareInputError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const found = readdirSync(p).filter((f) => f.endsWith('_baseline.json')).sort();
      if (!found.length) throw new CompareInputError(`${p}: no *_baseline.json report in this folder`);
      files.push(...found.map((f) => join(p, f)));
    } else files.push(p);
  }
  return files.map((path, i) => {
    let value: unknown;
    // a report is kilobytes; reading a 3 GB file would end in a raw V8 error after 4 GB of memory
    const size = statSync(path).size;
    if (size > MAX_REPORT_BYTES) throw new CompareInputError(`${path}: ${size} bytes is not a benchmark report (reports are under ${MAX_REPORT_BYTES >> 20} MiB)`);
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new CompareInputError(`${path}: not readable JSON (${(e as Error).message})`);
    }
    const errs = validateReport(value);
    if (errs.length) throw new CompareInputError(`${path}: not a benchmark report: ${errs.slice(0, 3).join('; ')}${errs.length > 3 ? ` (+${errs.length - 3} more)` : ''}`);
    return { label: sourceLabel(i), path, report: value as Report };
  });
}

/** A, B, ..., Z, AA, AB, ... */
export function sourceLabel(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Measurements match on benchmark, backend, dtype, threads, size, workload, case, kernel, thicksteps, oversample_thick. */
export function matchKey(benchmark: string, r: ResultRecord): string {
  return [benchmark, r.backend, r.dtype, r.threads, r.size, r.workload, r.case ?? '', r.kernel ?? '', r.thicksteps ?? '', r.oversample_thick ?? ''].join('|');
}

const KEY_HEAD = ['benchmark', 'backend', 'dtype', 'threads', 'size', 'workload', 'case', 'kernel', 'thicksteps', 'oversample_thick'];

export function renderCompare(sources: LoadedReport[], command: string[]): string {
  const out: string[] = ['# Benchmark comparison', '', 'Command:', '', '```', command.join(' '), '```', '', '## Sources', ''];
  out.push(table(['label', 'report', 'benchmark', 'machine', 'CPU', 'Node', 'git', 'created'], sources.map((s) => {
    const e = s.report.env;
    return [s.label, s.path, s.report.benchmark, e.machine_tag, `${e.cpu_model}, ${e.cores} cores`, e.node, e.git_sha ? `${e.git_sha.slice(0, 10)}${e.git_dirty ? ' dirty' : ''}` : '-', s.report.created];
  })), '');

  // rows in first-seen order; a row per matched measurement, a column per source
  const rows = new Map<string, { key: string[]; bySource: Map<string, ResultRecord> }>();
  for (const s of sources) {
    for (const r of s.report.results) {
      const k = matchKey(s.report.benchmark, r);
      let row = rows.get(k);
      if (!row) {
        row = { key: k.split('|').map((x) => x || '-'), bySource: new Map() };
        rows.set(k, row);
      }
      if (!row.bySource.has(s.label)) row.bySource.set(s.label, r);
    }
  }
  const labels = sources.map((s) => s.label);
  out.push('## Warm median (ms) and ratio to the first source that has the measurement', '');
  out.push('A ratio above 1 means slower than that reference; compare runs on one machine with care (shared machines vary by 20-30 %).', '');
  if (!rows.size) out.push('No measurements in these reports.');
  else {
    const body = [...rows.values()].map((row) => {
      let ref: ResultRecord | undefined;
      let refLabel = '';
      const cells = labels.map((l) => {
        const r = row.bySource.get(l);
        if (!r) return '-';
        if (!ref) {
          ref = r;
          refLabel = l;
          return `${(r.stats.median * 1e3).toFixed(3)}`;
        }
        return `${(r.stats.median * 1e3).toFixed(3)} (${(r.stats.median / ref.stats.median).toFixed(2)}x ${refLabel})`;
      });
      return [...row.key, ...cells];
    });
    out.push(table([...KEY_HEAD, ...labels], body));
  }
  const skipped = sources.flatMap((s) => s.report.skipped.map((k) => `- ${s.label}: ${k.backend}${k.workload ? ` (${k.workload})` : ''} skipped: ${k.reason}`));
  const failed = sources.flatMap((s) => s.report.failures.map((f) => `- ${s.label}: ${f.backend} ${f.dtype} ${f.size}^2 ${f.workload} failed (${f.stage}): ${f.error}`));
  if (skipped.length || failed.length) out.push('', '## Skipped and failed in the sources', '', ...skipped, ...failed);
  out.push('');
  return out.join('\n');
}

export function describeSources(sources: LoadedReport[]): string {
  return sources.map((s) => `${s.label} = ${basename(s.path)} (${s.report.env.machine_tag}, ${s.report.created})`).join('; ');
}
