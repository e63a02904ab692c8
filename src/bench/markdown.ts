// The human-readable side of a report: command, environment, one table per benchmark workload, warnings,
// skips, failures, interpretation and the chart.

import type { Report, ResultRecord } from './schema.ts';
import { cProcessNote, describeCase, findCReference, interpret, netPerCoreVsC, speedup } from './interpret.ts';
import { C_BACKEND, C_OVERHEAD_SIZE } from './c-reference.ts';
import { BIN_BACKEND, TSX_BACKEND } from './bin-process.ts';
import { LOOP_CASE_SPECS, type LoopCase } from './workloads.ts';
import { lineChart, type Series } from './svg.ts';

const TITLES: Record<Report['benchmark'], string> = {
  tricubic: 'Tricubic interpolation baseline',
  absorption: 'Detector absorption baseline',
  kernels: 'Kernel throughput (tricubic and capture fractions)',
  loop: 'Loop workloads: whole images against the C program',
  startup: 'Start-up: a tiny image as a whole process',
};

const isProcess = (r: ResultRecord) => r.backend === C_BACKEND || r.backend === BIN_BACKEND || r.backend === TSX_BACKEND;

export const ms = (s: number): string => (s * 1e3).toFixed(3);
const mib = (b: number | undefined): string => (b === undefined ? '-' : (b / 2 ** 20).toFixed(1));

/** Markdown table cell: no pipes or line breaks. */
export function cell(s: string | number): string {
  return String(s).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (r: (string | number)[]) => `| ${r.map(cell).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function memory(r: ResultRecord): string {
  const a = r.memory.before_warm;
  const b = r.memory.after_warm;
  const parts: string[] = [];
  if (a.wasm_bytes !== undefined) parts.push(`wasm ${mib(a.wasm_bytes)} -> ${mib(b.wasm_bytes)}`);
  if (a.gpu_bytes !== undefined) parts.push(`gpu ${mib(a.gpu_bytes)} -> ${mib(b.gpu_bytes)}`);
  return parts.join(', ') || '-';
}

/** Groups in the order they first appear. */
function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

function workloadTitle(report: Report, r: ResultRecord): string {
  if (r.workload === 'kernel') {
    return r.kernel === 'tricubic'
      ? 'Batched tricubic kernel over size^2 fractional Miller indices (kernel call only)'
      : 'Batched capture fractions over size^2 pixels x layers (kernel call only)';
  }
  if (r.case) return `${r.case} (${LOOP_CASE_SPECS[r.case as LoopCase]?.title ?? 'unknown workload'}): ${r.size} x ${r.size}`;
  return report.benchmark === 'absorption'
    ? `Whole image with detector absorption (layers per run as listed): ${r.size} x ${r.size}`
    : `Whole size x size image with interpolation on (minimal simulator): ${r.size} x ${r.size}`;
}

/** Image tables: each case (layer count, -oversample_thick) together, the C program first, then the bin, then as measured. */
function orderImageRows(rs: ResultRecord[]): ResultRecord[] {
  const caseRank = (r: ResultRecord) => (r.thicksteps ?? 0) * 2 + (r.oversample_thick ? 1 : 0);
  const rank = (r: ResultRecord) => (r.backend === C_BACKEND ? 0 : r.backend === BIN_BACKEND ? 1 : r.backend === TSX_BACKEND ? 2 : 3);
  return rs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => caseRank(a.r) - caseRank(b.r) || rank(a.r) - rank(b.r) || a.i - b.i)
    .map((x) => x.r);
}

function resultRows(report: Report, rs: ResultRecord[]): string {
  const absorption = report.benchmark === 'absorption';
  const head = ['backend', 'binary', ...(rs.some((r) => r.variant) ? ['variant'] : []), 'dtype', 'threads', 'size'];
  if (absorption) head.push('thicksteps', 'layers', 'oversample_thick');
  head.push('cold ms', 'warm median ms', 'min ms', 'mean +- sd ms', 'M evals/s', 'M pixels/s');
  if (absorption) head.push('ms per layer');
  const errCol = rs.some((r) => typeof r.check?.max_rel_error_vs_f64 === 'number');
  if (errCol) head.push('max rel error vs f64');
  const vsC = rs.some((r) => r.backend === C_BACKEND);
  if (vsC) head.push('vs c-reference (same run)', 'per core vs C, net of start-up');
  const withStartup = rs.some((r) => typeof r.check?.fixed_overhead_s === 'number');
  if (withStartup) head.push(`start-up ms (${C_OVERHEAD_SIZE}x${C_OVERHEAD_SIZE}, whole process)`);
  head.push('interpolation', 'memory MiB before -> after warm');
  const rows = rs.map((r) => {
    const row: (string | number)[] = [r.backend, r.binary, ...(head.includes('variant') ? [r.variant ?? '-'] : []), r.dtype, r.threads, r.size];
    if (absorption) row.push(r.thicksteps ?? '-', r.layers ?? '-', r.oversample_thick ? 'yes' : 'no');
    row.push(ms(r.cold_s), ms(r.stats.median), ms(r.stats.min), `${ms(r.stats.mean)} +- ${ms(r.stats.stddev)}`,
      (r.throughput.evals_per_s / 1e6).toFixed(2), (r.throughput.pixels_per_s / 1e6).toFixed(2));
    if (absorption) row.push(r.per_layer_s !== undefined ? ms(r.per_layer_s) : '-');
    if (errCol) row.push(typeof r.check?.max_rel_error_vs_f64 === 'number' ? r.check.max_rel_error_vs_f64.toExponential(1) : '-');
    if (vsC) {
      const c = r.backend === C_BACKEND ? undefined : findCReference(rs, r);
      row.push(r.backend === C_BACKEND ? 'baseline' : c ? speedup(r.stats.median, c.stats.median) : '-');
      const net = r.backend === C_BACKEND || !c ? undefined : netPerCoreVsC(r, c);
      row.push(r.backend === C_BACKEND ? 'baseline' : net === undefined ? '-' : `${net.toFixed(2)}x`);
    }
    if (withStartup) row.push(typeof r.check?.fixed_overhead_s === 'number' ? ms(r.check.fixed_overhead_s) : isProcess(r) ? '-' : 'in process');
    row.push(r.interpolation, memory(r));
    return row;
  });
  return table(head, rows);
}

/**
 * Time against size, one line per backend (and per dtype / kernel / layer count / loop case where the report has
 * several); a whole-process backend with a measured start-up also gets a dashed-name line net of it (its loop).
 */
export function chartFor(report: Report): string {
  const series = groupBy(report.results, (r) => {
    const parts = [r.backend, r.dtype === 'f64' && r.backend === C_BACKEND ? 'f64' : r.dtype, r.workload === 'kernel' ? `${r.kernel} kernel` : r.case ?? 'image'];
    if (r.threads > 1) parts.push(`${r.threads} threads`);
    if (r.thicksteps !== undefined) parts.push(`n=${r.thicksteps}${r.oversample_thick ? ' ovthick' : ''}`);
    return parts.join(' ');
  });
  const s: Series[] = [...series].map(([name, rs]) => ({ name, points: rs.map((r) => ({ x: r.size, y: r.stats.median * 1e3 })) }));
  for (const [name, rs] of series) {
    const net = rs.filter((r) => typeof r.check?.loop_estimate_s === 'number' && (r.check.loop_estimate_s as number) > 0);
    if (net.length) s.push({ name: `${name}, net of start-up`, points: net.map((r) => ({ x: r.size, y: (r.check!.loop_estimate_s as number) * 1e3 })) });
  }
  return lineChart(s, { title: `${TITLES[report.benchmark]}: warm median time vs size`, xLabel: 'detector size (pixels per side)', yLabel: 'warm median (ms, log)' });
}

export function renderMarkdown(report: Report, opts: { svgFile?: string } = {}): string {
  const e = report.env;
  const out: string[] = [];
  out.push(`# ${TITLES[report.benchmark]}: ${e.machine_tag}, ${report.created}`, '');
  out.push('Command:', '', '```', report.command.join(' '), '```', '');
  out.push('## Environment', '');
  const compile = report.compile_s && Object.keys(report.compile_s).length
    ? `; WebAssembly.compile: ${Object.entries(report.compile_s).map(([b, s]) => `${b} ${ms(s)} ms`).join(', ')}`
    : '';
  out.push(
    table(['', ''], [
      ['machine tag', e.machine_tag],
      ['CPU', `${e.cpu_model}, ${e.cores} logical cores, ${(e.memory_bytes / 2 ** 30).toFixed(1)} GiB`],
      ['OS', e.os],
      ['Node / V8', `${e.node} / ${e.v8}`],
      ['git', e.git_sha ? `${e.git_sha}${e.git_dirty ? ' (dirty: uncommitted changes)' : ''}` : 'unknown'],
      ['WebAssembly', `SIMD ${e.wasm_simd ? 'yes' : 'no'}, threads ${e.wasm_threads ? 'yes' : 'no'}${compile}`],
      ['GPU', e.gpu],
    ]),
    '',
    'Full details in env.json beside this file.',
    '',
  );
  out.push('## How it was measured', '');
  out.push(`- cold: ${report.cold_definition}`);
  out.push(`- warm: ${String(report.options.repeats)} further invocations on the same instance; min, median, mean, stddev over them; throughput = work / warm median.`);
  out.push('- Setup and allocations are outside the timed region; outputs are checked after the timing (a wrong output fails the measurement instead of reporting a time).');
  out.push('- Memory (WebAssembly, GPU buffers) is read before and after every warm run; growth across warm runs fails the measurement as a leak.', '');

  // kernels: one table per kernel; whole images: one table per size, the C program's rows beside ours
  for (const [key, group] of groupBy(report.results, (r) => (r.workload === 'kernel' ? `kernel|${r.kernel}` : `image|${r.case ?? ''}|${r.size}`))) {
    void key;
    const rs = group[0].workload === 'image' ? orderImageRows(group) : group;
    out.push(`## ${workloadTitle(report, rs[0])}`, '', resultRows(report, rs), '');
    for (const c of rs.filter(isProcess)) out.push(`- ${cProcessNote(c)}`);
    if (rs.some(isProcess)) out.push('');
  }
  if (!report.results.length) out.push('## Results', '', 'No measurement succeeded.', '');

  const withSplit = report.results.filter((r) => r.split && Object.keys(r.split).length);
  if (withSplit.length) {
    const phases = [...new Set(withSplit.flatMap((r) => Object.keys(r.split!)))];
    out.push('## Phases of a warm run, as the backend timed them (median ms)', '');
    out.push('The wall time above is measured around the whole call; these are the backend\'s own split (GPU: upload, pre-pass, kernel, statistics, readback).', '');
    out.push(table(['backend', 'measurement', 'wall', ...phases], withSplit.map((r) => [
      r.backend, describeCase(r), ms(r.stats.median), ...phases.map((p) => (r.split![p] ? ms(r.split![p].stats.median) : '-')),
    ])), '');
  }

  const startup = report.results.filter((r) => isProcess(r) && typeof r.check?.fixed_overhead_s === 'number');
  if (startup.length) {
    out.push(`## Start-up (whole process, the same flags on an ${C_OVERHEAD_SIZE}x${C_OVERHEAD_SIZE} detector, median)`, '');
    out.push(table(['backend', 'binary', 'measurement', 'start-up ms', 'processes'], startup.map((r) => [
      r.backend, r.binary, describeCase(r), ms(r.check!.fixed_overhead_s as number), String(r.check!.fixed_overhead_samples ?? '-'),
    ])), '');
  }

  if (report.targets?.length) {
    out.push('## Targets (ratios measured in this run)', '');
    out.push(table(['target', 'measured', 'goal', 'met', 'detail'], report.targets.map((t) => [
      t.name, t.measured === null ? '-' : `${t.measured.toFixed(2)} ${t.unit}`, `${t.at_most ? '<=' : '>='} ${t.goal} ${t.unit}`, t.met === null ? 'not measured' : t.met ? 'yes' : 'NO', t.detail,
    ])), '');
  }

  out.push('## Warnings', '');
  const warned = report.results.filter((r) => r.warnings.length);
  if (!warned.length) out.push('No measurement printed a warning.');
  for (const r of warned) for (const w of r.warnings) out.push(`- ${r.backend} ${describeCase(r)}: ${w.count} x \`${w.text.trim()}\``);
  out.push('');

  out.push('## Skipped', '');
  if (!report.skipped.length) out.push('Nothing was skipped.');
  for (const s of report.skipped) out.push(`- ${s.backend}${s.workload ? ` (${s.workload})` : ''}: ${s.reason}`);
  out.push('');

  out.push('## Failures', '');
  if (!report.failures.length) out.push('None.');
  for (const f of report.failures) {
    out.push(`- ${f.backend} ${f.dtype} ${f.size}^2 ${f.workload}${f.kernel ? ` ${f.kernel}` : ''}${f.thicksteps !== undefined ? ` thicksteps ${f.thicksteps}${f.oversample_thick ? ' +oversample_thick' : ''}` : ''}: ${f.stage}: ${f.error}`);
  }
  out.push('');

  if (report.notes.length) {
    out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  }
  out.push('## Interpretation', '', ...interpret(report).map((l) => `- ${l}`), '');
  if (opts.svgFile) out.push('## Chart', '', `![warm median time against size](${opts.svgFile})`, '');
  return out.join('\n');
}
