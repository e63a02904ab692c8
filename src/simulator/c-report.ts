// nanoBragg's stdout, line by line, for the drop-in `nanoBragg` command (src/nanobragg-cli.ts): pure functions of
// the resolved Simulation (and, for the last lines, the result). docs/c-behaviour/stdout.md lists the lines, the
// nanoBragg.c lines that print them, and the few that are not reproduced (the heap pointer of `mmap(...)`,
// `writing dump file for next time`, lines of features not implemented here).

import type { Simulation } from './setup.ts';
import { RTD } from './setup.ts';
import { formatG, formatF } from '../util/cformat.ts';
import { cross, dot, magnitude } from '../physics/vec3.ts';
import { rotateAbout } from '../physics/detector.ts';
import type { ImageStats } from '../io/stats.ts';
import { maxPosition } from '../io/stats.ts';

/** C's first line (M:1271). */
export const C_BANNER = 'nanoBragg nanocrystal diffraction simulator - James Holton and Ken Frankel 5-17-17';

/** C's Avogadro constant (M:70) and the protein density of its molecular-weight estimate (M:2094), g/m^3. */
const AVOGADRO = 6.02214179e23;
const DENSITY = 1.2e6;

const g = formatG;
const vec = (v: readonly number[]) => `${g(v[0])} ${g(v[1])} ${g(v[2])}`;

/** The -mask and -img readers' line (M:4197), mask first (M:418-502). C's next line, `mmap(F) = 0x...`, is a heap pointer: not printed. */
export function cInputLines(sim: Simulation): string[] {
  const a = sim.args;
  return [a.maskPath, a.imgPath].filter((p): p is string => p !== undefined).map((p) => `reading ${p}`);
}

/** C's ROI bounds as it prints and counts them: unset ends are fpixels / spixels, one past the last pixel (M:1162-1166). */
export function cRoi(sim: Simulation): { xmin: number; xmax: number; ymin: number; ymax: number } {
  const r = sim.args.roi;
  const d = sim.detector;
  return r ? { ...r } : { xmin: 0, xmax: d.fpixels, ymin: 0, ymax: d.spixels };
}

/** The detector geometry lines of C's summary (M:2477-2488): beam centre, closest point, axes, DIALS origin. */
export function cGeometryLines(sim: Simulation): string[] {
  const d = sim.detector;
  return [
    `  Xbeam=${g(d.Xbeam)} Ybeam=${g(d.Ybeam)}`,
    `  Fbeam=${g(d.Fbeam)} Sbeam=${g(d.Sbeam)}`,
    `  Xclose=${g(d.Xclose)} Yclose=${g(d.Yclose)}`,
    `  Fclose=${g(d.Fclose)} Sclose=${g(d.Sclose)}`,
    `  DIRECTION_OF_DETECTOR_X-AXIS= ${vec(d.fdet)}`,
    `  DIRECTION_OF_DETECTOR_Y-AXIS= ${vec(d.sdet)}`,
    `  DIRECTION_OF_DETECTOR_Z-AXIS= ${vec(d.odet)}`,
    `  INCIDENT_BEAM_DIRECTION= ${vec(d.beam)}`,
    `  spindle ROTATION_AXIS= ${vec(d.spindle)}`,
    `  POLARIZATION_PLANE_NORMAL= ${vec(cross(d.beam, sim.cParts.polarVector))}`,
    `  dials origin= ${vec(d.dialsOrigin)}`,
  ];
}

/** C's `XDS incident beam` line (M:1768-1772): the beam in the detector frame. */
function xdsIncidentBeam(sim: Simulation): string {
  const d = sim.detector;
  return `XDS incident beam: ${g(dot(d.beam, d.fdet))} ${g(dot(d.beam, d.sdet))} ${g(dot(d.beam, d.odet))}`;
}

/** The HKL reader's lines (M:2138-2200; the dump file line M:2230 is not printed: no Fdump.bin is written). */
function hklLines(sim: Simulation): string[] {
  const p = sim.args.hklPath;
  if (p === undefined) return [];
  const out = [`counting entries in ${p}`];
  if (sim.args.defaultF !== 0) out.push(`initializing to default_F = ${g(sim.args.defaultF)}:`, 'done initializing:');
  out.push(`re-reading ${p}`);
  return out;
}

/** Everything C prints from its start to the end of the set-up (M:1130-2506), in C's order. */
export function cSetupLines(sim: Simulation, noiseSeed?: number): string[] {
  const a = sim.args;
  const P = sim.cParts;
  const d = sim.detector;
  const c = sim.crystal;
  const out: string[] = [...cInputLines(sim), ...P.preBanner, C_BANNER, ...P.layerWarnings];
  // mosaic-domain warnings come before the convention (M:1640-1667); the cell's own warnings with the cell
  const mosaicWarnings = P.crystalWarnings.filter((w) => /mosaic/.test(w));
  const cellWarnings = P.crystalWarnings.filter((w) => !/mosaic/.test(w));
  out.push(...mosaicWarnings, ...P.detectorLines, xdsIncidentBeam(sim));
  if (a.interpolate > 1) {
    out.push(a.Na <= 2 || a.Nb <= 2 || a.Nc <= 2 ? 'auto-selected tricubic interpolation of structure factors' : 'auto-selected no interpolation');
  }
  const domainsLine = P.crystalLines.find((l) => l.startsWith('  created a total of'));
  const crystal = P.crystalLines.filter((l) => l !== domainsLine);
  const cellAt = crystal.findIndex((l) => l.startsWith('Unit Cell:'));
  out.push(...crystal.slice(0, cellAt < 0 ? 0 : cellAt), ...cellWarnings, ...crystal.slice(cellAt < 0 ? 0 : cellAt));
  out.push(...P.oversampleLines);
  // M:2088-2097: the crystal's volume over its cell count
  const xa = magnitude(c.a0) * c.Na, xb = magnitude(c.b0) * c.Nb, xc = magnitude(c.c0) * c.Nc;
  out.push(`approximate MW = ${g((xa * xb * xc * DENSITY * AVOGADRO) / (c.Na * c.Nb * c.Nc))}`);
  out.push(...hklLines(sim));
  // M:2260: C reads the -stol/-4stol/-Q file after the structure factors (its values are never used)
  if (a.stolPath !== undefined) out.push(`reading ${a.stolPath}`);
  for (let t = 0; t < sim.layers.nLayers; t++) out.push(`thick${t} = ${g(sim.layers.thickstep * t * 1e6)} um`);
  for (let t = 0; t < sim.phi.phisteps; t++) out.push(`phi${t} = ${g((sim.phi.phi0 + sim.phi.phistep * t) * RTD)}`);
  for (const line of P.sourceLines) out.push(line); // up to MAX_SOURCES lines: no spread into push()
  if (domainsLine) out.push(domainsLine);
  const shape = { round: 'ellipsoidal', square: 'parallelpiped', gauss: 'gaussian', tophat: 'tophat-spot' }[a.shape];
  const r = cRoi(sim);
  const sp = P.spreads;
  out.push(
    `  ${sim.grid ? sim.grid.count : 0} initialized hkls (all others =${g(a.defaultF)})`,
    `  ${shape} xtal: ${formatF(c.Na, 0)}x${formatF(c.Nb, 0)}x${formatF(c.Nc, 0)} cells`,
    `  wave=${g(sim.lambda)} meters +/- ${g(sp.disp.range * 100)}% in ${sp.disp.steps} steps`,
    a.nopolar ? '  polarization effect disabled' : `  Kahn polarization factor: ${formatF(a.polarization)}`,
  );
  if (a.curved) out.push('  curved detector: all pixels same distance from origin');
  if (a.pointPixel) out.push('  pixel obliquity effect disabled');
  out.push(
    `  incident fluence: ${g(sim.fluence)} photons/m^2`,
    `  distance=${g(d.distance)} detsize=${g(d.detsizeF)}x${g(d.detsizeS)}  pixel=${g(d.pixel)} meters (${d.fpixels}x${d.spixels} pixels)`,
    `  sensor is ${g(sim.layers.thick)} m thick in ${sim.layers.nLayers} layers with mu= ${g(sim.layers.mu)}`,
    ...cGeometryLines(sim),
    `  roi: ${r.xmin} < x < ${r.xmax} && ${r.ymin} < y < ${r.ymax}`,
    `  hdivrange=${g(sp.h.range)} hdivstep=${g(sp.h.step)}  radians`,
    `  vdivrange=${g(sp.v.range)} vdivstep=${g(sp.v.step)}  radians`,
    `  ${P.divsteps} divergence steps`,
    `  ${sim.sources.count} sources`,
    `  ${sim.phi.domains} mosaic domains over mosaic spread of ${g((c.mosaicSpread ?? 0) * RTD)} degrees`,
    `  ${sim.phi.phisteps} phi steps from ${g(sim.phi.phi0 * RTD)} to ${g((sim.phi.phi0 + sim.phi.osc) * RTD)} degrees`,
    `  ${sim.oversample}x${sim.oversample} pixel oversample steps` +
      (a.oversampleThick ? ' +thick' : '') + (a.oversamplePolar ? ' +polar' : '') + (a.oversampleOmega ? ' +omega' : ''),
  );
  if (a.maskPath !== undefined) out.push(`  skipping zero-flagged pixels in ${a.maskPath}`);
  if (noiseSeed !== undefined) out.push('', '  noise image paramters:', `  seed: ${noiseSeed}`, `  water droplet size: ${g(a.water_m)} m`);
  return out;
}

/** Calls visit(fpixel, spixel) for each pixel C renders, in C's order: inside the ROI, not masked (M:2627-2646). */
export function forEachRenderedPixel(sim: Simulation, visit: (f: number, s: number) => void): void {
  const r = cRoi(sim);
  const d = sim.detector;
  for (let s = 0; s < d.spixels; s++) {
    if (s < r.ymin || s > r.ymax) continue;
    for (let f = 0; f < d.fpixels; f++) {
      if (f < r.xmin || f > r.xmax) continue;
      if (sim.mask && sim.mask[s * d.fpixels + f] === 0) continue;
      visit(f, s);
    }
  }
}

/**
 * What C prints during the pixel loop and right after it (M:2586-3075), as raw text: the kernel's warnings at the
 * pixel that raised them (the tricubic switch-off, M:2929-2931: its second line has no newline, so it runs into
 * the next output), then per rendered pixel either its -printout block (`traceOf`) or, with the progress meter
 * on, C's `N% done` lines (M:3057-3068); then the newline C prints after the loop.
 */
export function cLoopText(
  sim: Simulation,
  o: { switchPixel?: number; kernelWarnings?: readonly string[]; traceOf?: (f: number, s: number) => string[] | undefined } = {},
): string {
  const r = cRoi(sim);
  const total = (r.xmax - r.xmin + 1) * (r.ymax - r.ymin + 1);
  const hundredth = Math.floor(total / 100), twentieth = Math.floor(total / 20);
  const meter = !sim.args.noprogress && hundredth > 0;
  const parts: string[] = [];
  let warned = false;
  const warn = () => {
    const w = o.kernelWarnings ?? [];
    if (w.length) parts.push(w.slice(0, -1).map((l) => l + '\n').join('') + w[w.length - 1]);
    warned = true;
  };
  let n = 0;
  forEachRenderedPixel(sim, (f, s) => {
    if (!warned && o.switchPixel === s * sim.detector.fpixels + f) warn();
    if (o.traceOf) {
      const t = o.traceOf(f, s);
      if (t) parts.push(t.map((l) => l + '\n').join(''));
    } else if (meter && (n % twentieth === 0 || ((10 * n < total || 10 * n > 9 * total) && n % hundredth === 0))) {
      parts.push(`${Math.floor((n * 100) / total)}% done\n`);
    }
    n++;
  });
  if (!warned) warn();
  return parts.join('') + '\n';
}

/** The sub-pixel's position in the lab frame as C builds it (M:2680-2697), curved detector included. */
export function subpixelPosition(sim: Simulation, f: number, s: number, subF: number, subS: number, layer: number): [number, number, number] {
  const d = sim.detector;
  const os = sim.oversample;
  const sub = d.pixel / os;
  const Fdet = sub * (f * os + subF) + sub / 2.0;
  const Sdet = sub * (s * os + subS) + sub / 2.0;
  const Odet = layer * sim.layers.thickstep;
  let p: [number, number, number] = [
    Fdet * d.fdet[0] + Sdet * d.sdet[0] + Odet * d.odet[0] + d.pix0[0],
    Fdet * d.fdet[1] + Sdet * d.sdet[1] + Odet * d.odet[1] + d.pix0[1],
    Fdet * d.fdet[2] + Sdet * d.sdet[2] + Odet * d.odet[2] + d.pix0[2],
  ];
  if (sim.args.curved) {
    const v: [number, number, number] = [d.distance * d.beam[0], d.distance * d.beam[1], d.distance * d.beam[2]];
    const n = rotateAbout(v, d.sdet, p[1] / d.distance);
    p = rotateAbout(n, d.fdet, p[2] / d.distance);
  }
  return p;
}

/**
 * C's omega_sum (M:2705-2714): the solid angle of each evaluated sub-pixel, summed in C's order. Without
 * -oversample_omega C keeps the pixel's first value for all its sub-pixels and layers.
 */
export function cOmegaSum(sim: Simulation): number {
  const d = sim.detector;
  const os = sim.oversample;
  const perPixel = sim.layers.nLayers * os * os;
  const omegaAt = (p: readonly number[]) => {
    const air = magnitude(p);
    return sim.args.pointPixel ? 1.0 / air / air : ((d.pixel * d.pixel) / air / air) * d.closeDistance / air;
  };
  let sum = 0;
  forEachRenderedPixel(sim, (f, s) => {
    if (sim.args.oversampleOmega) {
      for (let t = 0; t < sim.layers.nLayers; t++) {
        for (let ss = 0; ss < os; ss++) for (let sf = 0; sf < os; sf++) sum += omegaAt(subpixelPosition(sim, f, s, sf, ss, t));
      }
    } else {
      const w = omegaAt(subpixelPosition(sim, f, s, 0, 0, 0));
      for (let k = 0; k < perPixel; k++) sum += w;
    }
  });
  return sum;
}

export interface CRunOutputs {
  floatfile: string;
  intfile: string;
  intScale: number;
  pgm?: { file: string; scale: number };
  noise?: { file: string; summary: string };
}

/** C's lines after the pixel loop and its newline (M:3077-3243): solid angle, files, statistics, scales, photons. */
export function cFinalLines(sim: Simulation, stats: ImageStats, o: CRunOutputs): string[] {
  const d = sim.detector;
  const omegaSum = cOmegaSum(sim);
  const [mx, my] = stats.maxIndex >= 0 ? maxPosition(stats.maxIndex, d.fpixels, d.pixel, sim.oversample) : [0, 0];
  const out = [
    `solid angle subtended by detector = ${g(omegaSum / sim.steps)} steradian ( ${g((100 * omegaSum) / sim.steps / 4 / Math.PI)}% sphere)`,
    `writing ${o.floatfile} as ${d.fpixels * d.spixels} 4-byte floats`,
    `max_I = ${g(stats.maxI)}  at ${g(mx)} ${g(my)}`,
    `mean= ${g(stats.mean)} rms= ${g(stats.rms)} rmsd= ${g(stats.rmsd)}`,
    `intfile_scale = ${g(o.intScale)}`,
    `writing ${o.intfile} as 2-byte integers`,
  ];
  if (o.pgm) out.push(`pgm_scale = ${g(o.pgm.scale)}`, `writing ${o.pgm.file} as 1-byte integers`);
  if (o.noise) out.push(o.noise.summary, `writing ${o.noise.file} as 2-byte integers`);
  return out;
}

/**
 * C's stdout lines the drop-in does not print (docs/c-behaviour/stdout.md): the heap pointer of the SMV
 * reader's mmap, and the Fdump.bin line (no cache file is written here).
 */
export const NOT_REPRODUCED: readonly RegExp[] = [/^mmap\(.*\) = /, /^writing dump file for next time: /];
