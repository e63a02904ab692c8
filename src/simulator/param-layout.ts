// The memory layouts shared by the host and the WebAssembly kernels, declared once. The host reads them from
// here; the kernels read assembly/layout.ts, which is generated from this file (scripts/gen-layout.ts, run by
// `npm run asbuild`) and checked to be up to date by tests/layout.test.ts. A slot is found by its name on
// both sides, so two slots cannot be swapped on one side only.

/** The parameter block: f64 slots, in this order, each [name, slots, meaning]. Pointers are byte offsets. */
export const PARAM_FIELDS = [
  ['FPIXELS', 1, 'detector pixels along fast'],
  ['SPIXELS', 1, 'detector pixels along slow'],
  ['OVERSAMPLE', 1, 'sub-pixels per pixel side'],
  ['PIXEL', 1, 'pixel size (m)'],
  ['SUBPIXEL', 1, 'pixel/oversample (m)'],
  ['PIX0', 3, 'pix0 vector (m)'],
  ['FDET', 3, 'fast axis (unit)'],
  ['SDET', 3, 'slow axis (unit)'],
  ['ODET', 3, 'detector normal (unit)'],
  ['CLOSE_DISTANCE', 1, 'close distance (m)'],
  ['INCIDENT', 3, 'incident beam direction (-source), the single source'],
  ['LAMBDA', 1, 'wavelength of the single source (m)'],
  ['NA', 1, 'unit cells along a'],
  ['NB', 1, 'unit cells along b'],
  ['NC', 1, 'unit cells along c'],
  ['SHAPE', 1, '0 square, 1 round, 2 gauss, 3 tophat'],
  ['FUDGE', 1, '-fudge'],
  ['ASTAR', 9, 'a*, b*, c* (1/Angstrom, unrotated) for non-square shapes'],
  ['PHISTEPS', 1, 'table entries: phi steps x mosaic domains'],
  ['PHI_TABLE', 1, 'pointer: (entries + domains) x 9 f64: a,b,c per (phi step, domain), phi outer; then one a0,b0,c0 slot per domain'],
  ['PHI0_IS_ZERO', 1, 'stale slots: the domain count if step 0 has phi == 0 (stale-vector quirk, docs/c-behaviour/crystal.md), else 0'],
  ['FIRST_PIXEL', 1, 'raster index of the first pixel the C loop evaluates'],
  ['FIRST_SUB', 1, "index ((t*os + subS)*os + subF)*sources + source of that pixel's first evaluation (a -dmin cut moves it)"],
  ['HKLS', 1, '0 when there is no structure-factor grid'],
  ['HMIN', 1, 'grid origin h'],
  ['KMIN', 1, 'grid origin k'],
  ['LMIN', 1, 'grid origin l'],
  ['HRANGE', 1, 'grid extent h'],
  ['KRANGE', 1, 'grid extent k'],
  ['LRANGE', 1, 'grid extent l'],
  ['DEFAULT_F', 1, 'F outside the grid'],
  ['GRID_F64', 1, 'pointer: the F grid in f64'],
  ['GRID_F32', 1, 'pointer: the F grid in f32'],
  ['INTERPOLATE', 1, '1 = tricubic until the switch-off point'],
  ['SWITCH_PIXEL', 1, 'raster index of the pixel holding the first out-of-range evaluation'],
  ['SWITCH_EVAL', 1, "its index among that pixel's evaluations"],
  ['NLAYERS', 1, 'sensor layers'],
  ['THICKSTEP', 1, 'layer spacing (m)'],
  ['MU', 1, 'attenuation (1/m)'],
  ['THICK', 1, 'sensor thickness (m); 0 = no absorption'],
  ['OS_THICK', 1, '-oversample_thick'],
  ['OS_POLAR', 1, '-oversample_polar'],
  ['OS_OMEGA', 1, '-oversample_omega'],
  ['POINT_PIXEL', 1, '-point_pixel'],
  ['NOPOLAR', 1, '-nopolar'],
  ['KAHN', 1, 'Kahn polarization factor'],
  ['POLAR_AXIS', 3, 'polarization axis (unit)'],
  ['R_E_SQR', 1, 'classical electron radius squared (m^2)'],
  ['FLUENCE', 1, 'photons per m^2'],
  ['STEPS', 1, "C's steps: the normalisation count"],
  ['ROI', 4, 'xmin, xmax, ymin, ymax (inclusive; fast then slow)'],
  ['DMIN', 1, '-dmin (m); 0 = no resolution cut'],
  ['WATER', 1, '1 = -water given (non-zero): no F_latt == 0 skip'],
  ['I_BG', 1, "C's water background I_bg, the start of every pixel's sum"],
  ['SOURCES', 1, "pointer: 4 f64 per source (incident x, y, z; lambda), in C's order; 0 = the single source"],
  ['NSOURCES', 1, 'sources'],
  ['CURVED', 1, '1 = -curved_det (docs/c-behaviour/detector.md)'],
  ['DISTANCE', 1, 'final distance (m), for -curved_det'],
  ['BEAM', 3, 'beam unit vector, for -curved_det'],
  ['MASK', 1, 'pointer: one u8 per pixel, 0 = masked (never computed, as C skips it); 0 = no mask'],
] as const satisfies readonly (readonly [string, number, string])[];

export type ParamName = (typeof PARAM_FIELDS)[number][0];

function offsets(): Record<ParamName | 'COUNT', number> {
  const out = {} as Record<ParamName | 'COUNT', number>;
  let at = 0;
  for (const [name, slots] of PARAM_FIELDS) {
    out[name] = at;
    at += slots;
  }
  out.COUNT = at;
  return out;
}

/** Slot of each parameter in the f64 block, and COUNT, the block's length. */
export const P: Readonly<Record<ParamName | 'COUNT', number>> = offsets();

/**
 * The kernel's scratch record (one block per concurrent caller): after a call that switched interpolation off
 * it holds, as f64 at these byte offsets, 1 (FOUND), then the pixel, the evaluation and h, k, l of the first
 * out-of-range evaluation. BYTES is the block's size.
 */
export const SCRATCH = { FOUND: 0, PIXEL: 8, EVAL: 16, H: 24, K: 32, L: 40, BYTES: 512 } as const;

/** assembly/layout.ts as it must read (generated: never edit it by hand). */
export function assemblyLayoutSource(): string {
  const lines = [
    '// GENERATED from src/simulator/param-layout.ts by scripts/gen-layout.ts (npm run asbuild): do not edit.',
    '// The parameter block (f64 slots) and the scratch record shared with the host.',
    '',
  ];
  for (const [name, , meaning] of PARAM_FIELDS) lines.push(`export const P_${name}: i32 = ${P[name]}; // ${meaning}`);
  lines.push(`export const P_COUNT: i32 = ${P.COUNT};`, '');
  for (const [name, at] of Object.entries(SCRATCH)) {
    lines.push(name === 'BYTES' ? `export const SCRATCH_BYTES: i32 = ${at};` : `export const SW_${name}: usize = ${at};`);
  }
  return lines.join('\n') + '\n';
}
