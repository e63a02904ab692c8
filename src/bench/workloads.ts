// Inputs of the benchmarks: nanoBragg argv for whole images (the C cases of docs/performance-baselines.md) and the arrays the
// batched kernels are timed on. Everything is generated in code, deterministically, so two machines time the
// same work.

import type { BenchmarkName } from './schema.ts';

/** Half-width of the generated HKL grid: h, k, l in [-12, 12] (as the golden smooth_grid_12.hkl). */
export const HKL_HALF_WIDTH = 12;

/** Cubic cell edge (A), wavelength (A) and pixel (mm) shared by every workload. */
export const CELL_A = 100;
export const LAMBDA_A = 1;
export const PIXEL_MM = 0.1;

/** Detector absorption parameters of the absorption cases: 500 um attenuation depth, 100 um thick sensor. */
export const ABS_DEPTH_UM = 500;
export const ABS_THICK_UM = 100;

/**
 * A smooth, positive structure-factor field on integer h, k, l in [-12, 12], as HKL text ("h k l F" lines,
 * integer indices so the C reader accepts it). Smooth so tricubic interpolation is meaningful; F >= 20 so
 * images are non-zero everywhere the lattice factor is.
 */
export function smoothHklText(half = HKL_HALF_WIDTH): string {
  const lines: string[] = [];
  for (let h = -half; h <= half; h++) {
    for (let k = -half; k <= half; k++) {
      for (let l = -half; l <= half; l++) {
        const f = 50 + 30 * Math.cos(0.25 * h + 0.1 * k) * Math.cos(0.2 * l) + 10 * Math.exp(-(h * h + k * k + l * l) / 150);
        lines.push(`${h} ${k} ${l} ${f.toFixed(6)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Sample-to-detector distance (mm) of the tricubic cases: 150 mm at 256^2, scaled so every size sees |h| <= ~8.5. */
export function tricubicDistanceMm(size: number): number {
  return (150 * size) / 256;
}

const CELL = ['-cell', `${CELL_A}`, `${CELL_A}`, `${CELL_A}`, '90', '90', '90', '-lambda', `${LAMBDA_A}`, '-pixel', `${PIXEL_MM}`];

/** nanoBragg argv (without the program name) of the tricubic whole-image case; the HKL text goes in separately. */
export function tricubicImageArgv(size: number): string[] {
  return [...CELL, '-distance', `${tricubicDistanceMm(size)}`, '-detpixels', `${size}`, '-N', '2', '-default_F', '0', '-interpolate', '-oversample', '1'];
}

/** nanoBragg argv of the absorption whole-image case (no HKL: every F is default_F). */
export function absorptionImageArgv(size: number, thicksteps: number, oversampleThick: boolean): string[] {
  return [
    ...CELL,
    '-distance', '100',
    '-detpixels', `${size}`,
    '-N', '5',
    '-default_F', '100',
    '-nointerpolate',
    '-oversample', '1',
    '-detector_abs', `${ABS_DEPTH_UM}`,
    '-detector_thick', `${ABS_THICK_UM}`,
    '-detector_thicksteps', `${thicksteps}`,
    ...(oversampleThick ? ['-oversample_thick'] : []),
  ];
}

/** nanoBragg's layer count for an explicit -detector_thicksteps n with a positive thickness (docs/c-behaviour/minimal-loop.md 4.2). */
export function layersFor(thicksteps: number): number {
  return thicksteps <= 1 ? 2 : thicksteps;
}

/** Unit diffracted direction of the centre of pixel (slow, fast) on a flat detector at `distanceMm` along +x. */
function direction(size: number, distanceMm: number, slow: number, fast: number): [number, number, number] {
  const y = (fast + 0.5 - size / 2) * PIXEL_MM;
  const z = (slow + 0.5 - size / 2) * PIXEL_MM;
  const r = Math.hypot(distanceMm, y, z);
  return [distanceMm / r, y / r, z / r];
}

/**
 * Fractional Miller indices of the size x size pixel centres of the tricubic image case (beam along +x, cubic
 * cell axes along x, y, z): the access pattern the simulator gives the interpolator, all inside the range where
 * the 4x4x4 stencil stays in the grid.
 */
export function millerIndices(size: number): { h: Float64Array; k: Float64Array; l: Float64Array } {
  const n = size * size;
  const h = new Float64Array(n);
  const k = new Float64Array(n);
  const l = new Float64Array(n);
  const d = tricubicDistanceMm(size);
  for (let s = 0; s < size; s++) {
    for (let f = 0; f < size; f++) {
      const [x, y, z] = direction(size, d, s, f);
      const i = s * size + f;
      h[i] = (CELL_A * (x - 1)) / LAMBDA_A;
      k[i] = (CELL_A * y) / LAMBDA_A;
      l[i] = (CELL_A * z) / LAMBDA_A;
    }
  }
  return { h, k, l };
}

/** Parallax factors rho = d.o (o = +x, the detector normal) of the pixel centres of the absorption case. */
export function parallaxFactors(size: number): Float64Array {
  const rho = new Float64Array(size * size);
  for (let s = 0; s < size; s++) for (let f = 0; f < size; f++) rho[s * size + f] = direction(size, 100, s, f)[0];
  return rho;
}

/** Layer thickness (m) and attenuation coefficient (1/m) of the absorption case with `layers` layers. */
export function absorptionLayerParams(layers: number): { delta: number; mu: number } {
  return { delta: (ABS_THICK_UM * 1e-6) / (layers - 1), mu: 1 / (ABS_DEPTH_UM * 1e-6) };
}

/** The HKL grid as a dense array (h outermost, l fastest), for kernels that take it directly. */
export function smoothHklGrid(half = HKL_HALF_WIDTH): { data: Float64Array; min: [number, number, number]; dims: [number, number, number] } {
  const n = 2 * half + 1;
  const data = new Float64Array(n * n * n);
  let i = 0;
  for (const line of smoothHklText(half).trimEnd().split('\n')) data[i++] = Number(line.split(' ')[3]);
  return { data, min: [-half, -half, -half], dims: [n, n, n] };
}

// ---- the loop workloads (issue 17 item 2, issue 13 item 7, issue 14 item 6) --------------------------------
// Whole images whose time is the pixel loop, each run on every image backend and on the C program in one run
// (`bench loop --cases ...`). Sizes other than the quoted 1024^2 scale the distance with the detector so every
// size sees the same Miller-index range (the tricubic stencil stays inside the 25^3 grid).

/** Names of the loop workloads, in the order a report lists them. */
export const LOOP_CASES = ['tricubic-os2', 'absorption-os2', 'mosaic1', 'mosaic10', 'mosaic100', 'sources27', 'pilatus', 'tiny'] as const;
export type LoopCase = (typeof LOOP_CASES)[number];

/** The loop cases `bench loop` runs when --cases is not given (the four of the issue 17 targets). */
export const DEFAULT_LOOP_CASES: readonly LoopCase[] = ['tricubic-os2', 'absorption-os2', 'mosaic10', 'sources27'];

export interface LoopCaseSpec {
  /** One line for the report: where the case comes from and what it multiplies. */
  title: string;
  argv(size: number): string[];
  /** The 25^3 smooth grid is read (-hkl) when true; every F is -default_F otherwise. */
  hkl: boolean;
  /** Evaluations per pixel: subpixels^2 x layers x sources x mosaic domains x phi steps (one phi step here). */
  perPixel: number;
  layers: number;
}

/** Mosaic and source cases: the tricubic image (N=2, lambda 1 A, interpolated 25^3 grid), one subpixel. */
function breadthBase(size: number): string[] {
  return tricubicImageArgv(size);
}

/** Pilatus-like pixel (mm) and silicon sensor of the 'pilatus' case (450 um thick, 3 layers, 320 um attenuation). */
export const PILATUS_PIXEL_MM = 0.172;

export const LOOP_CASE_SPECS: Record<LoopCase, LoopCaseSpec> = {
  'tricubic-os2': {
    title: 'issue 17: tricubic, 25^3 grid, lambda 2 A, N=2, distance 400 mm at 1024^2, oversample 2',
    argv: (size) => ['-cell', `${CELL_A}`, `${CELL_A}`, `${CELL_A}`, '90', '90', '90', '-lambda', '2', '-N', '2',
      '-distance', `${(400 * size) / 1024}`, '-pixel', `${PIXEL_MM}`, '-detpixels', `${size}`, '-default_F', '0', '-interpolate', '-oversample', '2'],
    hkl: true, perPixel: 4, layers: 1,
  },
  'absorption-os2': {
    title: 'issue 17: default_F 100, N=5, lambda 1 A, distance 100 mm, no interpolation, 5 absorption layers, oversample 2',
    argv: (size) => ['-cell', `${CELL_A}`, `${CELL_A}`, `${CELL_A}`, '90', '90', '90', '-default_F', '100', '-N', '5', '-lambda', '1',
      '-distance', '100', '-pixel', `${PIXEL_MM}`, '-detpixels', `${size}`, '-nointerpolate',
      '-detector_abs', `${ABS_DEPTH_UM}`, '-detector_thick', `${ABS_THICK_UM}`, '-detector_thicksteps', '5', '-oversample', '2'],
    hkl: false, perPixel: 4 * 5, layers: 5,
  },
  mosaic1: {
    title: 'issue 13: the tricubic image with -mosaic 0.5 -mosaic_dom 1',
    argv: (size) => [...breadthBase(size), '-mosaic', '0.5', '-mosaic_dom', '1'],
    hkl: true, perPixel: 1, layers: 1,
  },
  mosaic10: {
    title: 'issue 13: the tricubic image with -mosaic 0.5 -mosaic_dom 10',
    argv: (size) => [...breadthBase(size), '-mosaic', '0.5', '-mosaic_dom', '10'],
    hkl: true, perPixel: 10, layers: 1,
  },
  mosaic100: {
    title: 'issue 13: the tricubic image with -mosaic 0.5 -mosaic_dom 100',
    argv: (size) => [...breadthBase(size), '-mosaic', '0.5', '-mosaic_dom', '100'],
    hkl: true, perPixel: 100, layers: 1,
  },
  sources27: {
    title: 'issue 14: the tricubic image with 3 x 3 divergence (0.5 mrad, -square_div) x 3 wavelengths (1 % bandpass) = 27 sources',
    // -square_div keeps the grid's corners: C's default round cut-off would leave 5 of the 9 directions
    argv: (size) => [...breadthBase(size), '-hdivrange', '0.5', '-vdivrange', '0.5', '-hdivsteps', '3', '-vdivsteps', '3', '-square_div',
      '-dispersion', '1', '-dispsteps', '3'],
    hkl: true, perPixel: 27, layers: 1,
  },
  pilatus: {
    title: 'Pilatus-like: 0.172 mm pixels, 450 um silicon sensor in 3 layers, the tricubic crystal (GPU check at 4096^2)',
    argv: (size) => ['-cell', `${CELL_A}`, `${CELL_A}`, `${CELL_A}`, '90', '90', '90', '-lambda', `${LAMBDA_A}`, '-pixel', `${PILATUS_PIXEL_MM}`,
      '-distance', `${(tricubicDistanceMm(size) * PILATUS_PIXEL_MM) / PIXEL_MM}`, '-detpixels', `${size}`, '-N', '2', '-default_F', '0',
      '-interpolate', '-oversample', '1', '-detector_abs', '320', '-detector_thick', '450', '-detector_thicksteps', '3'],
    hkl: true, perPixel: 3, layers: 3,
  },
  tiny: {
    title: 'start-up: default_F 100, N=5, no HKL file, one subpixel (almost no pixel loop at 8x8)',
    argv: (size) => ['-cell', `${CELL_A}`, `${CELL_A}`, `${CELL_A}`, '90', '90', '90', '-default_F', '100', '-N', '5', '-lambda', `${LAMBDA_A}`,
      '-distance', '100', '-pixel', `${PIXEL_MM}`, '-detpixels', `${size}`, '-oversample', '1'],
    hkl: false, perPixel: 1, layers: 1,
  },
};

/** argv (+ HKL text) of the whole-image workload of a request, and its evaluation count (every image backend runs this). */
export function imageWorkload(req: { benchmark: BenchmarkName; size: number; thicksteps?: number; oversampleThick?: boolean; case?: LoopCase }): {
  argv: string[];
  hklText?: string;
  evaluations: number;
  layers: number;
} {
  const pixels = req.size * req.size;
  if (req.case !== undefined) {
    const c = LOOP_CASE_SPECS[req.case];
    if (!c) throw new Error(`unknown loop workload '${req.case}' (${LOOP_CASES.join(', ')})`);
    return { argv: c.argv(req.size), ...(c.hkl ? { hklText: smoothHklText() } : {}), evaluations: pixels * c.perPixel, layers: c.layers };
  }
  if (req.benchmark === 'absorption') {
    const n = req.thicksteps ?? 1;
    const layers = layersFor(n);
    return { argv: absorptionImageArgv(req.size, n, !!req.oversampleThick), evaluations: pixels * layers, layers };
  }
  if (req.thicksteps !== undefined) {
    // tricubic + absorption layers: the absorption case's sensor added to the tricubic image
    const layers = layersFor(req.thicksteps);
    const sensor = ['-detector_abs', `${ABS_DEPTH_UM}`, '-detector_thick', `${ABS_THICK_UM}`, '-detector_thicksteps', `${req.thicksteps}`];
    return { argv: [...tricubicImageArgv(req.size), ...sensor], hklText: smoothHklText(), evaluations: pixels * layers, layers };
  }
  return { argv: tricubicImageArgv(req.size), hklText: smoothHklText(), evaluations: pixels, layers: 1 };
}
