// Inputs of the benchmarks: nanoBragg argv for whole images (the C cases of performance.md) and the arrays the
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

/** argv (+ HKL text) of the whole-image workload of a request, and its evaluation count (every image backend runs this). */
export function imageWorkload(req: { benchmark: BenchmarkName; size: number; thicksteps?: number; oversampleThick?: boolean }): {
  argv: string[];
  hklText?: string;
  evaluations: number;
  layers: number;
} {
  const pixels = req.size * req.size;
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
