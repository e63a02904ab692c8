// Builds the files a simulate run asked for (-floatfile, -intfile, -pgmfile, -noisefile, --pngfile, -cbffile)
// as bytes, with the C program's scaling rules (docs/c-behaviour/minimal-loop.md section 6). Pure: the CLI writes them.

import type { Simulation } from './setup.ts';
import { RTD } from './setup.ts';
import type { SimResult } from './engine.ts';
import { encodeFloatImage, encodeSmv, encodePgm, smvIntegers, smvScale, pgmScale, type SmvHeader } from '../io/images.ts';
import { cbfBlockName, encodeCbf, type CbfHeader } from '../io/cbf.ts';
import { encodePreviewPng } from '../io/png.ts';
import { formatG } from '../util/cformat.ts';
import { noiseOutput } from '../physics/noise-output.ts';

/** The SMV header numbers, each with the C expression it reproduces. */
export function smvHeader(sim: Simulation): SmvHeader {
  const d = sim.detector;
  return {
    pixelSizeMm: d.pixel * 1000.0,
    distanceMm: d.distance * 1000.0,
    wavelengthA: sim.lambda * 1e10,
    beamCenterXmm: d.Xbeam * 1000.0,
    beamCenterYmm: d.Ybeam * 1000,
    adxvCenterXmm: d.Fbeam * 1000.0,
    adxvCenterYmm: (d.detsizeS - d.Sbeam) * 1000,
    mosflmCenterXmm: (d.Sbeam - 0.5 * d.pixel) * 1000.0,
    mosflmCenterYmm: (d.Fbeam - 0.5 * d.pixel) * 1000,
    denzoXBeamMm: (d.Sbeam - 0.0 * d.pixel) * 1000.0,
    denzoYBeamMm: (d.Fbeam - 0.0 * d.pixel) * 1000,
    dialsOrigin: d.dialsOrigin,
    xdsOrgX: d.ORGX,
    xdsOrgY: d.ORGY,
    closeDistanceMm: d.closeDistance * 1000.0,
    phi: sim.phi.phi0 * RTD,
    oscStart: sim.phi.phi0 * RTD,
    oscRange: sim.phi.osc * RTD,
    twotheta: (d.twotheta ?? 0) * RTD,
  };
}

/**
 * The CBF header numbers (PILATUS_1.2 units: m, Å, degrees, pixels) from the same geometry as smvHeader; the beam
 * position is Fbeam, Sbeam (from the first pixel's outer corner, as ADXV_CENTER) in pixels.
 */
export function cbfHeader(sim: Simulation): CbfHeader {
  const d = sim.detector;
  return {
    pixelSizeM: d.pixel,
    thicknessM: sim.layers.thick,
    wavelengthA: sim.lambda * 1e10,
    distanceM: d.distance,
    beamXyPixels: [d.Fbeam / d.pixel, d.Sbeam / d.pixel],
    startAngleDeg: sim.phi.phi0 * RTD,
    angleIncrementDeg: sim.phi.osc * RTD,
    twothetaDeg: (d.twotheta ?? 0) * RTD,
  };
}

/** The image formats a run's integers or floats can be written in (the -floatfile, -intfile and -cbffile files). */
export type ImageFormat = 'float' | 'smv' | 'cbf';

/** The SMV/CBF integer scale of a run (C's intfile_scale): -scale if given, else 55000/max_I. */
export function intScaleOf(sim: Simulation, r: Pick<SimResult, 'stats'>): number {
  return smvScale(r.stats.maxI, sim.args.scale > 0 ? sim.args.scale : undefined);
}

/** One image file of a run, as the output flag would write it; `name` is the CBF's data block (file stem). */
export function encodeImageAs(sim: Simulation, r: Pick<SimResult, 'image' | 'width' | 'height' | 'stats'>, format: ImageFormat, name = 'image'): Uint8Array {
  const a = sim.args;
  switch (format) {
    case 'float':
      return encodeFloatImage(r.image);
    case 'smv':
      return encodeSmv(r.image, r.width, r.height, smvHeader(sim), { scale: intScaleOf(sim, r), adc: a.adc, roi: sim.roi });
    case 'cbf': {
      const values = smvIntegers(r.image, r.width, r.height, { scale: intScaleOf(sim, r), adc: a.adc, roi: sim.roi });
      return encodeCbf(values, r.width, r.height, cbfHeader(sim), cbfBlockName(name));
    }
  }
}

export interface OutputFile {
  /** The flag that asked for it, for error messages. */
  flag: string;
  path: string;
  bytes: Uint8Array;
}

/** What C prints about the outputs (src/simulator/c-report.ts cFinalLines). */
export interface OutputReport {
  intScale: number;
  pgmScale?: number;
  /** C's `N photons on noise image (M overloads)` line. */
  noiseSummary?: string;
}

/** Encodes every requested output; returns the files, simulate's lines (intfile_scale, noise) and the numbers C prints. */
export async function encodeOutputs(sim: Simulation, r: SimResult): Promise<{ files: OutputFile[]; lines: string[]; report: OutputReport }> {
  const a = sim.args;
  const files: OutputFile[] = [];
  const lines: string[] = [];
  if (a.floatfile) files.push({ flag: '-floatfile', path: a.floatfile, bytes: encodeImageAs(sim, r, 'float') });
  const intScale = intScaleOf(sim, r);
  const report: OutputReport = { intScale };
  if (a.intfile) {
    files.push({ flag: '-intfile', path: a.intfile, bytes: encodeImageAs(sim, r, 'smv') });
    lines.push(`intfile_scale = ${formatG(intScale)}`);
  }
  if (a.pgmfile && !a.nopgm) {
    const s = pgmScale(r.stats.rmsd, intScale, a.pgmScale);
    report.pgmScale = s;
    files.push({ flag: '-pgmfile', path: a.pgmfile, bytes: encodePgm(r.image, r.width, r.height, s, sim.roi) });
  }
  if (a.noisefile && !a.nonoise) {
    const n = noiseOutput(a, r.image, r.width, r.height, smvHeader(sim), sim.roi, sim.crystal.rng);
    files.push({ flag: '-noisefile', path: a.noisefile, bytes: n.bytes });
    lines.push(...n.lines);
    report.noiseSummary = n.summary;
  }
  if (a.cbffile) {
    files.push({ flag: '-cbffile', path: a.cbffile, bytes: encodeImageAs(sim, r, 'cbf', a.cbffile) });
    if (!a.intfile) lines.push(`intfile_scale = ${formatG(intScale)}`);
  }
  if (a.pngfile) files.push({ flag: '--pngfile', path: a.pngfile, bytes: await encodePreviewPng(r.image, r.width, r.height) });
  return { files, lines, report };
}
