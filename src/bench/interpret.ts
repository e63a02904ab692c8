// What the numbers of one report say: ratios measured in the same run (against the C program when c-reference
// ran, SIMD vs scalar, f32 vs f64, cold vs warm, oversample_thick overhead, marginal cost per absorption layer),
// the C program's figures from docs/performance-baselines.md for scale where the C program was not measured in the run,
// the kernels report's targets, and anything that makes a timing suspect (interpolation switched off, noisy
// samples).

import type { Report, ResultRecord, TargetRecord } from './schema.ts';
import { fitLine } from './stats.ts';
import { C_BACKEND, C_MATCH_TOLERANCE, C_OVERHEAD_SIZE } from './c-reference.ts';

/** C serial build, pixel loop, measured on this kind of machine (docs/performance-baselines.md; not this run). */
export const C_REFERENCE = {
  tricubic: { 256: { loop_s: 0.029, mevals: 2.3 }, 512: { loop_s: 0.089, mevals: 2.9 }, 1024: { loop_s: 0.323, mevals: 3.2 } } as Record<number, { loop_s: number; mevals: number }>,
  /** 5 layers, no -oversample_thick. */
  absorption: { 256: { loop_s: 0.053, mevals: 6.2 }, 512: { loop_s: 0.238, mevals: 5.5 }, 1024: { loop_s: 0.804, mevals: 6.5 } } as Record<number, { loop_s: number; mevals: number }>,
};

/** Identity of a measurement apart from the backend (what two backends are compared on). */
function caseKey(r: ResultRecord): string {
  return [r.workload, r.case ?? '', r.kernel ?? '', r.dtype, r.size, r.thicksteps ?? '', r.oversample_thick ?? ''].join('|');
}

export function describeCase(r: ResultRecord): string {
  const parts = [r.workload === 'kernel' ? `${r.kernel} kernel` : r.case ? `image ${r.case}` : 'image', r.dtype, `${r.size}^2`];
  if (r.thicksteps !== undefined) parts.push(`thicksteps ${r.thicksteps}${r.oversample_thick ? ' +oversample_thick' : ''}`);
  return parts.join(', ');
}

const x2 = (v: number) => `${v.toFixed(2)}x`;
const msOf = (s: number) => (s * 1e3).toFixed(1);
const tol = C_MATCH_TOLERANCE.toExponential(0);

/** "6.10x faster" / "1.25x slower": a time against a reference time. */
export function speedup(t: number, ref: number): string {
  return t <= ref ? `${(ref / t).toFixed(2)}x faster` : `${(t / ref).toFixed(2)}x slower`;
}

/** The C program's result for the same image case as `r` (any dtype: it computes in f64 only). */
export function findCReference(results: ResultRecord[], r: ResultRecord): ResultRecord | undefined {
  return results.find((x) => x.backend === C_BACKEND && x.workload === r.workload && x.size === r.size && x.case === r.case &&
    x.thicksteps === r.thicksteps && x.oversample_thick === r.oversample_thick);
}

const where = (r: ResultRecord) =>
  `${r.case ? `${r.case} ` : ''}${r.size}^2${r.thicksteps !== undefined ? `, thicksteps ${r.thicksteps}${r.oversample_thick ? ' +oversample_thick' : ''}` : ''}`;

/**
 * How many times the C program's work per core `r` does, net of start-up: the C loop-only estimate (whole
 * process - its 8x8 run; the whole process when there is none) over r's own loop time (a whole-process backend's
 * loop estimate, an in-process backend's warm median) times the threads r used. undefined when not computable.
 */
export function netPerCoreVsC(r: ResultRecord, c: ResultRecord): number | undefined {
  const cLoop = typeof c.check?.loop_estimate_s === 'number' && c.check.loop_estimate_s > 0 ? c.check.loop_estimate_s : c.stats.median;
  const own = typeof r.check?.loop_estimate_s === 'number' ? r.check.loop_estimate_s : r.stats.median;
  if (!(own > 0) || !(cLoop > 0)) return undefined;
  return cLoop / (own * Math.max(1, r.threads));
}

/** What a whole-process time (c-reference, nanobragg-bin) contains, its fixed overhead and loop-only estimate, and how its image compared. */
export function cProcessNote(c: ResultRecord): string {
  const oh = c.check?.fixed_overhead_s;
  const loop = c.check?.loop_estimate_s;
  const d = c.check?.max_rel_diff_vs_wasm_f64 ?? c.check?.max_rel_diff_vs_in_process;
  const includes = typeof c.check?.process_includes === 'string' ? c.check.process_includes : 'start-up, pixel loop, image writes';
  const parts = [`${c.backend} at ${where(c)}: ${msOf(c.stats.median)} ms is the whole process (spawn to exit: ${includes})`];
  if (typeof oh === 'number' && typeof loop === 'number') {
    parts.push(`the same flags on an ${C_OVERHEAD_SIZE}x${C_OVERHEAD_SIZE} detector take ${msOf(oh)} ms (fixed overhead), so the loop-only estimate is ${msOf(loop)} ms (an upper bound: per-pixel output work stays in)`);
  }
  parts.push(typeof d === 'number'
    ? `its image matches the ${String(c.check?.compared_with)} engine image to max|diff|/max = ${d === 0 ? '0 (bit-identical)' : d.toExponential(1)} (tolerance ${c.backend === C_BACKEND ? tol : '0'})`
    : `its image was not compared with an engine image (${String(c.check?.compared_with ?? 'no comparison recorded')})`);
  return parts.join('; ') + '.';
}
const mevals = (r: ResultRecord) => r.throughput.evals_per_s / 1e6;

function find(results: ResultRecord[], pred: (r: ResultRecord) => boolean): ResultRecord | undefined {
  return results.find(pred);
}

/** Median-time ratio a/b for the same case measured on two backends (b / a = how many times faster a is). */
function backendRatios(results: ResultRecord[], fast: string, slow: string): string[] {
  const out: string[] = [];
  for (const a of results.filter((r) => r.backend === fast)) {
    const b = find(results, (r) => r.backend === slow && caseKey(r) === caseKey(a));
    if (b) out.push(`${describeCase(a)}: ${fast} is ${x2(b.stats.median / a.stats.median)} ${slow} (${mevals(a).toFixed(1)} vs ${mevals(b).toFixed(1)} M evals/s)`);
  }
  return out;
}

export function interpret(report: Report): string[] {
  const rs = report.results;
  const lines: string[] = [];
  if (!rs.length) {
    lines.push('Nothing was measured: see Skipped and Failures.');
    return lines;
  }
  // the baseline: every image backend against the C program measured in this run
  for (const r of rs.filter((x) => x.workload === 'image' && x.backend !== C_BACKEND)) {
    const c = findCReference(rs, r);
    if (!c) continue;
    let line = `vs C (same run): ${r.backend} ${r.dtype} is ${speedup(r.stats.median, c.stats.median)} than c-reference at ${where(r)} ` +
      `(warm median ${msOf(r.stats.median)} ms vs ${msOf(c.stats.median)} ms for the whole C process)`;
    const loop = c.check?.loop_estimate_s;
    const oh = c.check?.fixed_overhead_s;
    if (typeof loop === 'number' && typeof oh === 'number' && loop > 0) {
      line += `; against the C loop-only estimate (${msOf(loop)} ms = whole process - ${msOf(oh)} ms fixed overhead of an ${C_OVERHEAD_SIZE}x${C_OVERHEAD_SIZE} run) it is ${speedup(r.stats.median, loop)}`;
    }
    lines.push(`${line}.`);
  }
  const cs = rs.filter((x) => x.backend === C_BACKEND);
  const compared = cs.filter((c) => typeof c.check?.max_rel_diff_vs_wasm_f64 === 'number');
  if (compared.length) {
    const worst = Math.max(...compared.map((c) => c.check!.max_rel_diff_vs_wasm_f64 as number));
    lines.push(`The C images match the wasm f64 engine images of the same cases (${compared.length} of ${cs.length} compared; worst max|diff|/max = ${worst === 0 ? '0, bit-identical' : worst.toExponential(1)}; tolerance ${tol}): the ratios above compare the same work.`);
  }
  const notCompared = cs.filter((c) => typeof c.check?.max_rel_diff_vs_wasm_f64 !== 'number');
  if (notCompared.length) {
    lines.push(`Not compared with an engine image (no wasm f64 image of the case in this run): c-reference at ${notCompared.map(where).join('; ')}.`);
  }

  for (const s of backendRatios(rs, 'wasm', 'wasm-scalar')) lines.push(`SIMD vs scalar (same run): ${s}.`);
  for (const s of backendRatios(rs, 'wasm-threads', 'wasm')) lines.push(`Threads vs one thread (same run): ${s}.`);
  for (const s of backendRatios(rs, 'webgpu', 'wasm')) lines.push(`WebGPU vs WASM SIMD (same run): ${s}.`);

  for (const a of rs.filter((r) => r.dtype === 'f32')) {
    const b = find(rs, (r) => r.dtype === 'f64' && r.backend === a.backend && caseKey(r) === caseKey(a).replace('|f32|', '|f64|'));
    if (b) lines.push(`f32 vs f64 on ${a.backend}, ${describeCase(a).replace(', f32', '')}: f32 is ${x2(b.stats.median / a.stats.median)} f64.`);
  }

  for (const r of rs.filter((x) => x.workload === 'image' && x.backend !== C_BACKEND && !findCReference(rs, x))) {
    const table = report.benchmark === 'tricubic' ? C_REFERENCE.tricubic : r.thicksteps === 5 && !r.oversample_thick ? C_REFERENCE.absorption : undefined;
    const c = table?.[r.size];
    if (c) {
      lines.push(
        `${r.backend} ${describeCase(r)}: ${mevals(r).toFixed(2)} M evals/s, ${x2(mevals(r) / c.mevals)} the C serial pixel loop ` +
          `(${c.mevals} M evals/s, ${(c.loop_s * 1e3).toFixed(0)} ms; docs/performance-baselines.md, another run on this kind of machine: +-20-30 %).`,
      );
    }
  }

  if (report.benchmark === 'tricubic') {
    for (const r of rs.filter((x) => x.workload === 'image' && x.interpolation !== 'tricubic')) {
      lines.push(`WARNING: ${r.backend} ${describeCase(r)} did not interpolate throughout ("${r.interpolation}"): its time is not a tricubic time.`);
    }
  }

  if (report.benchmark === 'absorption') {
    const groups = new Map<string, ResultRecord[]>();
    for (const r of rs.filter((x) => x.layers !== undefined)) {
      const k = `${r.backend} ${r.dtype} ${r.size}^2${r.oversample_thick ? ' +oversample_thick' : ''}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    for (const [k, g] of groups) {
      const fit = fitLine(g.map((r) => r.layers!), g.map((r) => r.stats.median));
      if (fit) lines.push(`${k}: each extra layer costs ${(fit.slope * 1e3).toFixed(3)} ms (least-squares over ${g.length} layer counts; fixed part ${(fit.intercept * 1e3).toFixed(3)} ms).`);
    }
    for (const a of rs.filter((r) => r.oversample_thick)) {
      const b = find(rs, (r) => !r.oversample_thick && r.backend === a.backend && r.dtype === a.dtype && r.size === a.size && r.thicksteps === a.thicksteps);
      if (b) lines.push(`-oversample_thick on ${a.backend} ${a.dtype} ${a.size}^2, thicksteps ${a.thicksteps}: ${x2(a.stats.median / b.stats.median)} the time without it.`);
    }
    for (const r of rs.filter((x) => x.thicksteps !== undefined && x.layers !== x.thicksteps)) {
      lines.push(`thicksteps ${r.thicksteps} ran as ${r.layers} layers (nanoBragg turns an explicit layer count of 1 into 2; docs/c-behaviour/minimal-loop.md 4.2).`);
      break;
    }
  }

  const coldRatios = rs.map((r) => r.cold_s / r.stats.median);
  lines.push(`Cold / warm median ranges from ${x2(Math.min(...coldRatios))} to ${x2(Math.max(...coldRatios))} (instantiation and first-touch costs).`);
  const noisy = rs.filter((r) => r.stats.stddev / r.stats.mean > 0.1);
  if (noisy.length) {
    lines.push(`Noisy (stddev > 10 % of mean): ${noisy.map((r) => `${r.backend} ${describeCase(r)}`).join('; ')}; compare ratios from one run, not absolute times across runs.`);
  }
  return lines;
}

/** The kernels report's goals (issue 2): tricubic f32x4 >= 3x scalar f32 and >= 25 M/s, capture fractions SIMD >= 3x scalar. */
export function kernelTargets(results: ResultRecord[]): TargetRecord[] {
  const get = (kernel: string, variant: string) =>
    results.filter((r) => r.kernel === kernel && r.variant === variant).sort((a, b) => b.size - a.size);
  const ratio = (kernel: string, fast: string, slow: string, name: string): TargetRecord => {
    for (const a of get(kernel, fast)) {
      const b = get(kernel, slow).find((r) => r.size === a.size);
      if (b) {
        const v = a.throughput.evals_per_s / b.throughput.evals_per_s;
        return { name, measured: v, goal: 3, unit: 'x', met: v >= 3, detail: `${a.size}^2: ${(a.throughput.evals_per_s / 1e6).toFixed(1)} vs ${(b.throughput.evals_per_s / 1e6).toFixed(1)} M/s` };
      }
    }
    return { name, measured: null, goal: 3, unit: 'x', met: null, detail: `needs ${kernel} ${fast} and ${slow} measured at the same size` };
  };
  const abs = get('tricubic', 'f32x4')[0];
  return [
    ratio('tricubic', 'f32x4', 'f32', 'tricubic f32x4 vs scalar f32'),
    abs
      ? { name: 'tricubic f32x4 throughput', measured: abs.throughput.evals_per_s / 1e6, goal: 25, unit: 'M interp/s', met: abs.throughput.evals_per_s >= 25e6, detail: `${abs.size}^2 batch` }
      : { name: 'tricubic f32x4 throughput', measured: null, goal: 25, unit: 'M interp/s', met: null, detail: 'tricubic f32x4 not measured' },
    ratio('capture_fraction', 'f32x4', 'f32', 'capture fractions f32x4 vs scalar f32'),
  ];
}

/** Issue 17's goals where a report measures them: start-up through the bin, the loop per core and whole process, threads. */
export function loopTargets(report: Report): TargetRecord[] {
  const rs = report.results;
  const out: TargetRecord[] = [];
  if (report.benchmark === 'startup') {
    for (const b of rs.filter((r) => r.backend === 'nanobragg-bin' || r.backend === 'tsx-cli')) {
      const [through, goal] = b.backend === 'tsx-cli' ? ['tsx src/cli.ts', 300] : ['the bin', 120];
      out.push({ name: `start-up through ${through}, ${b.size}x${b.size} ${b.case ?? ''}`, measured: b.stats.median * 1e3, goal, unit: 'ms', at_most: true,
        met: b.stats.median <= goal / 1000, detail: `whole process, warm median of ${b.warm_s.length}; the C program ${findCReference(rs, b) ? `${msOf(findCReference(rs, b)!.stats.median)} ms` : 'not measured'}` });
    }
    return out;
  }
  if (report.benchmark !== 'loop') return out;
  // the issue's backends (wasm-scalar is the unvectorised reference, not a target)
  for (const r of rs.filter((x) => ['wasm', 'wasm-threads', 'webgpu', 'nanobragg-bin'].includes(x.backend) && x.dtype === 'f32')) {
    const c = findCReference(rs, r);
    if (!c) continue;
    if (r.backend === 'nanobragg-bin') {
      const v = c.stats.median / r.stats.median;
      out.push({ name: `${r.case} ${r.size}^2: bin whole process vs C`, measured: v, goal: 3, unit: 'x', met: v >= 3, detail: `${msOf(r.stats.median)} vs ${msOf(c.stats.median)} ms, ${r.threads} thread(s)` });
      continue;
    }
    const v = netPerCoreVsC(r, c);
    if (v === undefined) continue;
    const cLoop = typeof c.check?.loop_estimate_s === 'number' && c.check.loop_estimate_s > 0 ? c.check.loop_estimate_s : undefined;
    out.push({ name: `${r.case} ${r.size}^2: ${r.backend} per core vs C, net of start-up`, measured: v, goal: 10, unit: 'x', met: v >= 10,
      detail: `${msOf(r.stats.median)} ms x ${r.threads} thread(s) vs ${cLoop !== undefined ? `the C loop estimate ${msOf(cLoop)} ms` : `the whole C process ${msOf(c.stats.median)} ms (its start-up was not below it)`}` });
  }
  for (const t of rs.filter((x) => x.backend === 'wasm-threads' && x.threads >= 2)) {
    const one = rs.find((x) => x.backend === 'wasm' && caseKey(x) === caseKey(t));
    if (!one) continue;
    const v = one.stats.median / t.stats.median;
    out.push({ name: `${t.case} ${t.size}^2 ${t.dtype}: ${t.threads} threads vs 1`, measured: v, goal: 1.9, unit: 'x', met: v >= 1.9, detail: `${msOf(t.stats.median)} vs ${msOf(one.stats.median)} ms` });
  }
  return out;
}
