// The incident intensity (fluence) from -fluence / -flux / -exposure / -beamsize, resolved after all options
// are parsed, as C does (docs/c-behaviour/beam.md, "Fluence").

/** C's default fluence, 1/r_e^2 (r_e^2 * fluence rounds to exactly 1.0). */
export const DEFAULT_FLUENCE = 125932015286227086360700780544.0;

export interface BeamIntensityArgs {
  /** photons/m^2 as given by -fluence (unset: the default). */
  fluence?: number;
  /** photons/s (-flux, default 0 = unused). */
  flux: number;
  /** s (-exposure, default 1). */
  exposure: number;
  /** m (-beamsize mm / 1000, default 1e-4). */
  beamsize_m: number;
}

/** Why this fluence is refused (nanoBragg's image would be all NaN, from I_bg = inf * 0), or undefined. */
export function fluenceRefusal(f: number): string | undefined {
  if (Number.isFinite(f)) return undefined;
  return `-flux/-exposure/-beamsize give an infinite fluence (${f}); nanoBragg's image would be all NaN: give -beamsize > 0`;
}

export interface BeamIntensity {
  fluence: number;
  flux: number;
  warnings: string[];
}

/**
 * A non-zero flux replaces the fluence whatever the option order when exposure > 0 and beamsize >= 0:
 * fluence = ((flux * exposure) / beamsize) / beamsize, two divisions in that order. Then, for exposure > 0,
 * flux is recomputed from the fluence (never used afterwards; kept for the record).
 */
export function resolveFluence(a: BeamIntensityArgs): BeamIntensity {
  let fluence = a.fluence ?? DEFAULT_FLUENCE;
  let flux = a.flux;
  const warnings: string[] = [];
  if (flux !== 0 && a.exposure > 0 && a.beamsize_m >= 0) fluence = ((flux * a.exposure) / a.beamsize_m) / a.beamsize_m;
  if (a.exposure > 0) flux = ((fluence / a.exposure) * a.beamsize_m) * a.beamsize_m;
  return { fluence, flux, warnings };
}

type Vec3 = [number, number, number];

/** C's unitize: m = sqrt((x*x + y*y) + z*z), each component / m; (0,0,0) when m is 0. */
export function unitize(v: readonly number[]): Vec3 {
  const m = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (m === 0) return [0, 0, 0];
  return [v[0] / m, v[1] / m, v[2] / m];
}

/**
 * The polarization axis the kernels get for `-polar_vector`: C unitizes it once after the convention block
 * and again, in place, inside every Kahn call. The kernels do not re-unitize, so the host applies C's unitize
 * until it stops changing the bits (normally two or three times) - the vector every Kahn call of C then sees.
 */
export function polarAxisOf(p: readonly number[]): Vec3 {
  let v = unitize(p);
  for (let i = 0; i < 8; i++) {
    const w = unitize(v);
    if (w[0] === v[0] && w[1] === v[1] && w[2] === v[2]) break;
    v = w;
  }
  return v;
}

/**
 * C's water background (nanoBragg.c:2509-2511), in C's operation order: F_water = 2.57, MW 18, 1e6 g/m^3,
 * Avogadro 6.02214179e23; w = -water µm / 1e6 (m). It starts every pixel's sum and is scaled again by
 * r_e^2 fluence / steps at the end (so it goes as fluence^2).
 */
export function waterBackground(r_e_sqr: number, fluence: number, w: number): number {
  return ((((((((2.57 * 2.57) * r_e_sqr) * fluence) * w) * w) * w) * 1e6) * 6.02214179e23) / 18.0;
}
