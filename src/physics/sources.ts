// The source list (divergence x dispersion), built once on the host in f64 as nanoBragg builds it
// (docs/c-behaviour/beam.md "Sources"; nanoBragg.c:1427-1577, 1671-1686, 2344-2430).

import { formatG } from '../util/cformat.ts';
import { rotateAxis } from './vec3.ts';
import { unitize } from './beam.ts';

type Vec3 = [number, number, number];

export interface Spread { steps: number; range: number; step: number }

/** C's automatic steps / range / step rule (one axis, or the dispersion), then its sanity reset. */
export function resolveSpread(steps: number, range: number, step: number): Spread {
  if (steps <= 0) {
    if (range < 0.0) {
      if (step <= 0.0) { steps = 1; range = 0.0; step = 0.0; }
      else { range = step; steps = 2; }
    } else if (step <= 0.0) { step = range; steps = 2; }
    else steps = Math.ceil(range / step);
  } else if (range < 0.0) {
    if (step <= 0.0) { range = 1.0; step = range / steps; }
    else { range = step; steps = 2; }
  } else if (step <= 0.0) {
    if (steps <= 1) steps = 2;
    step = range / (steps - 1);
  }
  if (range <= 0 || step <= 0 || steps <= 0) { steps = 1; range = 0; step = 0; }
  return { steps, range, step };
}

export interface SourceList {
  /** per source: the incident direction i = -unit(position) (3 f64) and lambda (m) */
  incident: Float64Array;
  lambda: Float64Array;
  count: number;
  /** C's printout, in order: divergence deviations, lambdas, the source list */
  lines: string[];
}

/** Generated sources (no -sourcefile): h outer, v inner, lambda innermost; elliptical trim when round. */
export function generateSources(o: {
  h: Spread; v: Spread; disp: Spread; lambda0: number; dispersion: number; roundDiv: boolean;
  beam: Vec3; polar: Vec3; vert: Vec3;
}): SourceList {
  const { h, v, disp } = o;
  const lines: string[] = [];
  const kept: [number, number][] = [];
  for (let ht = 0; ht < h.steps; ht++) {
    for (let vt = 0; vt < v.steps; vt++) {
      const hdiv = h.step * ht - h.range / 2.0;
      const vdiv = v.step * vt - v.range / 2.0;
      const th = (hdiv * hdiv - ((h.step * h.step) / 4.0) * (1 - (h.steps % 2))) / h.range / h.range;
      const tv = (vdiv * vdiv - ((v.step * v.step) / 4.0) * (1 - (v.steps % 2))) / v.range / v.range;
      const test = th + tv;
      if (o.roundDiv && test * 4.0 > 1.1) continue;
      kept.push([hdiv, vdiv]);
      lines.push(`divergence deviation: ${formatG(hdiv)} ${formatG(vdiv)}`);
    }
  }
  const lambdas: number[] = [];
  for (let t = 0; t < disp.steps; t++) {
    lambdas.push(o.lambda0 * ((1.0 + disp.step * t) - o.dispersion / 2.0));
    lines.push(`lambda${t} = ${formatG(lambdas[t], 15)}`);
  }
  const n = kept.length * lambdas.length;
  const weight = 1.0 / n;
  const raw: [Vec3, number][] = [];
  for (const [hdiv, vdiv] of kept) {
    const v0: Vec3 = [-10 * o.beam[0], -10 * o.beam[1], -10 * o.beam[2]];
    const v1 = rotateAxis(v0, o.polar, vdiv);
    const v2 = rotateAxis(v1, o.vert, hdiv);
    for (const lam of lambdas) raw.push([v2, lam]);
  }
  return finish(raw.map(([p, lam]) => [p, weight, lam]), lines);
}

function finish(raw: [Vec3, number, number][], lines: string[]): SourceList {
  const count = raw.length;
  const incident = new Float64Array(count * 3), lambda = new Float64Array(count);
  lines.push(`  created a total of ${count} sources:`);
  raw.forEach(([p, w, lam], k) => {
    lines.push(`${formatG(p[0])} ${formatG(p[1])} ${formatG(p[2])}   ${formatG(w)} ${formatG(lam)}`);
    const u = unitize(p);
    incident.set([-u[0], -u[1], -u[2]], k * 3);
    lambda[k] = lam;
  });
  return { incident, lambda, count, lines };
}

/** One row of a -sourcefile after C's defaults, with where it came from. */
export interface FileSource { position: Vec3; weight: number; lambda: number; line: number; text: string }

/**
 * The -sourcefile rows with C's defaults for missing (NaN) values (nanoBragg.c:2315-2342): X, Y, Z =
 * -source_distance (10 m) times the beam component, weight 1.0, lambda = lambda0. Columns: X Y Z weight lambda,
 * the position of the source (only its direction is used) and lambda in metres.
 */
export function sourceFileRows(cols: { columns: Float64Array[]; rows: number; lineOf: number[]; textOf: string[] }, beam: readonly number[], lambda0: number): FileSource[] {
  const [X, Y, Z, W, L] = cols.columns;
  const pick = (v: number, dflt: number) => (Number.isNaN(v) ? dflt : v);
  return Array.from({ length: cols.rows }, (_, k) => ({
    position: [pick(X[k], -10.0 * beam[0]), pick(Y[k], -10.0 * beam[1]), pick(Z[k], -10.0 * beam[2])] as Vec3,
    weight: pick(W[k], 1.0),
    lambda: pick(L[k], lambda0),
    line: cols.lineOf[k],
    text: cols.textOf[k],
  }));
}

/**
 * Why these file sources are refused, or undefined: a wavelength of 0 or a non-finite value makes C's whole
 * image NaN (q = (d - i) / lambda); C's reader gives such zeros for a '#' line or a short line it runs off.
 */
export function sourceFileRefusal(rows: readonly FileSource[], path: string): string | undefined {
  for (const r of rows) {
    const where = `-sourcefile ${path} line ${r.line} ('${r.text}')`;
    if (r.text.startsWith('#')) return `${where}: nanoBragg has no comments in a source file; it reads this line as a source of zeros (wavelength 0, an all-NaN image): remove it`;
    const bad = [...r.position, r.lambda].some((v) => !Number.isFinite(v));
    if (bad) return `${where}: a position or wavelength is not finite; nanoBragg's image would be all NaN`;
    if (r.lambda === 0) {
      return `${where}: wavelength 0; nanoBragg's image would be all NaN (its reader gives 0, not the default, to the missing columns of a short line ` +
        `that is the last without a final newline, ends in CRLF, or ends in a non-numeric word: give all 5 columns)`;
    }
  }
  return undefined;
}

/** The source list of a -sourcefile, printed (raw X Y Z, weight, lambda) and unitized as C does. */
export function fileSourceList(rows: readonly FileSource[]): SourceList {
  return finish(rows.map((r) => [r.position, r.weight, r.lambda]), []);
}

/**
 * The run's source list from the parsed options: divergence about the polar axis and unit(beam x polar),
 * dispersion around lambda0. One source (and no printout) when neither is given.
 */
export function buildSources(a: { div: { hsteps: number; vsteps: number; hrange: number; vrange: number; hstep: number; vstep: number; dispersion: number; dispsteps: number; roundDiv: boolean } },
  lambda0: number, beam: readonly number[], polar: readonly number[], fileRows?: readonly FileSource[],
): { count: number; table: Float64Array; lines: string[]; printout: string[]; spreads: { h: Spread; v: Spread; disp: Spread }; divsteps: number } {
  const d = a.div;
  const h = resolveSpread(d.hsteps, d.hrange, d.hstep);
  const v = resolveSpread(d.vsteps, d.vrange, d.vstep);
  const disp = resolveSpread(d.dispsteps, d.dispersion, -1);
  const b = [beam[0], beam[1], beam[2]] as Vec3, p = [polar[0], polar[1], polar[2]] as Vec3;
  const vert = unitize([b[1] * p[2] - b[2] * p[1], b[2] * p[0] - b[0] * p[2], b[0] * p[1] - b[1] * p[0]]);
  const spreads = { h, v, disp };
  if (fileRows) return tableOf(fileSourceList(fileRows), true, spreads);
  return tableOf(generateSources({ h, v, disp, lambda0, dispersion: disp.range, roundDiv: d.roundDiv, beam: b, polar: p, vert }), false, spreads);
}

/** 4 f64 per source for the kernels; the printout for several sources, or always for a source file (C prints it). */
function tableOf(s: SourceList, printAlways: boolean, spreads: { h: Spread; v: Spread; disp: Spread }) {
  const table = new Float64Array(s.count * 4);
  for (let k = 0; k < s.count; k++) table.set([s.incident[3 * k], s.incident[3 * k + 1], s.incident[3 * k + 2], s.lambda[k]], 4 * k);
  // C prints the list for one source too (M:2413-2430); simulate shows it only for several (or a source file)
  // a source file leaves C's divergence step count at its unset value, -1
  const divsteps = printAlways ? -1 : s.lines.filter((l) => l.startsWith('divergence deviation:')).length;
  return { count: s.count, table, lines: s.count > 1 || printAlways ? s.lines : [], printout: s.lines, spreads, divsteps };
}
