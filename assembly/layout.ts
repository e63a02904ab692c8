// GENERATED from src/simulator/param-layout.ts by scripts/gen-layout.ts (npm run asbuild): do not edit.
// The parameter block (f64 slots) and the scratch record shared with the host.

export const P_FPIXELS: i32 = 0; // detector pixels along fast
export const P_SPIXELS: i32 = 1; // detector pixels along slow
export const P_OVERSAMPLE: i32 = 2; // sub-pixels per pixel side
export const P_PIXEL: i32 = 3; // pixel size (m)
export const P_SUBPIXEL: i32 = 4; // pixel/oversample (m)
export const P_PIX0: i32 = 5; // pix0 vector (m)
export const P_FDET: i32 = 8; // fast axis (unit)
export const P_SDET: i32 = 11; // slow axis (unit)
export const P_ODET: i32 = 14; // detector normal (unit)
export const P_CLOSE_DISTANCE: i32 = 17; // close distance (m)
export const P_INCIDENT: i32 = 18; // incident beam direction (-source), the single source
export const P_LAMBDA: i32 = 21; // wavelength of the single source (m)
export const P_NA: i32 = 22; // unit cells along a
export const P_NB: i32 = 23; // unit cells along b
export const P_NC: i32 = 24; // unit cells along c
export const P_SHAPE: i32 = 25; // 0 square, 1 round, 2 gauss, 3 tophat
export const P_FUDGE: i32 = 26; // -fudge
export const P_ASTAR: i32 = 27; // a*, b*, c* (1/Angstrom, unrotated) for non-square shapes
export const P_PHISTEPS: i32 = 36; // table entries: phi steps x mosaic domains
export const P_PHI_TABLE: i32 = 37; // pointer: (entries + domains) x 9 f64: a,b,c per (phi step, domain), phi outer; then one a0,b0,c0 slot per domain
export const P_PHI0_IS_ZERO: i32 = 38; // stale slots: the domain count if step 0 has phi == 0 (stale-vector quirk, docs/c-behaviour/crystal.md), else 0
export const P_FIRST_PIXEL: i32 = 39; // raster index of the first pixel the C loop evaluates
export const P_FIRST_SUB: i32 = 40; // index ((t*os + subS)*os + subF)*sources + source of that pixel's first evaluation (a -dmin cut moves it)
export const P_HKLS: i32 = 41; // 0 when there is no structure-factor grid
export const P_HMIN: i32 = 42; // grid origin h
export const P_KMIN: i32 = 43; // grid origin k
export const P_LMIN: i32 = 44; // grid origin l
export const P_HRANGE: i32 = 45; // grid extent h
export const P_KRANGE: i32 = 46; // grid extent k
export const P_LRANGE: i32 = 47; // grid extent l
export const P_DEFAULT_F: i32 = 48; // F outside the grid
export const P_GRID_F64: i32 = 49; // pointer: the F grid in f64
export const P_GRID_F32: i32 = 50; // pointer: the F grid in f32
export const P_INTERPOLATE: i32 = 51; // 1 = tricubic until the switch-off point
export const P_SWITCH_PIXEL: i32 = 52; // raster index of the pixel holding the first out-of-range evaluation
export const P_SWITCH_EVAL: i32 = 53; // its index among that pixel's evaluations
export const P_NLAYERS: i32 = 54; // sensor layers
export const P_THICKSTEP: i32 = 55; // layer spacing (m)
export const P_MU: i32 = 56; // attenuation (1/m)
export const P_THICK: i32 = 57; // sensor thickness (m); 0 = no absorption
export const P_OS_THICK: i32 = 58; // -oversample_thick
export const P_OS_POLAR: i32 = 59; // -oversample_polar
export const P_OS_OMEGA: i32 = 60; // -oversample_omega
export const P_POINT_PIXEL: i32 = 61; // -point_pixel
export const P_NOPOLAR: i32 = 62; // -nopolar
export const P_KAHN: i32 = 63; // Kahn polarization factor
export const P_POLAR_AXIS: i32 = 64; // polarization axis (unit)
export const P_R_E_SQR: i32 = 67; // classical electron radius squared (m^2)
export const P_FLUENCE: i32 = 68; // photons per m^2
export const P_STEPS: i32 = 69; // C's steps: the normalisation count
export const P_ROI: i32 = 70; // xmin, xmax, ymin, ymax (inclusive; fast then slow)
export const P_DMIN: i32 = 74; // -dmin (m); 0 = no resolution cut
export const P_WATER: i32 = 75; // 1 = -water given (non-zero): no F_latt == 0 skip
export const P_I_BG: i32 = 76; // C's water background I_bg, the start of every pixel's sum
export const P_SOURCES: i32 = 77; // pointer: 4 f64 per source (incident x, y, z; lambda), in C's order; 0 = the single source
export const P_NSOURCES: i32 = 78; // sources
export const P_CURVED: i32 = 79; // 1 = -curved_det (docs/c-behaviour/detector.md)
export const P_DISTANCE: i32 = 80; // final distance (m), for -curved_det
export const P_BEAM: i32 = 81; // beam unit vector, for -curved_det
export const P_MASK: i32 = 84; // pointer: one u8 per pixel, 0 = masked (never computed, as C skips it); 0 = no mask
export const P_COUNT: i32 = 85;

export const SW_FOUND: usize = 0;
export const SW_PIXEL: usize = 8;
export const SW_EVAL: usize = 16;
export const SW_H: usize = 24;
export const SW_K: usize = 32;
export const SW_L: usize = 40;
export const SCRATCH_BYTES: i32 = 512;
