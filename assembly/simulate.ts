// The nanoBragg pixel loop (docs/c-behaviour/minimal-loop.md section 5.11), for whole images.
//
// Two precisions, one loop order (slow, fast, layer, sub-slow, sub-fast, source, phi):
//  - simulateF64: the C program's arithmetic in double precision, operation for operation
//    (docs/c-behaviour/minimal-loop.md 3.3-3.5, 4.3-4.4, 5.5-5.9). Reproduces the serial C image within float32
//    rounding (libm sin/exp may differ by an ulp: trap T-21).
//  - simulateF32: geometry, h, k, l and their fractional parts in f64 (reciprocals of R and
//    lambda instead of C's divisions); the range-reduced lattice factor, the structure factor,
//    the capture fraction (expm1 form) and each evaluation's term F^2 F_latt^2 in f32, summed per pixel in
//    f64 (docs/precision.md "WASM f32 path"). Polarization and solid angle are per-pixel values and stay f64. With SIMD, four
//    neighbouring pixels go through the loop together, bit-identical to the scalar f32 code.
//
// Sources (divergence, dispersion, -sourcefile: the host's table, P_SOURCES) loop inside the subpixel as in C;
// mosaic domains are the inner index of the crystal-vector table (phi step x domain). The SIMD group of four
// pixels takes every source count (the subpixel's direction once, then q and polarization per source).
//
// Interpolation switch-off (docs/c-behaviour/minimal-loop.md 3.5, traps T-2/T-3): the C program switches tricubic
// interpolation off for good at the first out-of-range evaluation in serial order. Both loops
// do the same while they run rows in order, and report where (the "live" switch); a caller that
// runs bands of rows out of order (the threads) passes a known switch-off point in P_SWITCH_*
// and redoes any band that interpolated past it. findFirstOutOfRange is the same decision as a
// separate pre-pass (the reference the WebGPU host's f64 geometry is tested against).
//
// All inputs come through a parameter block of f64 slots (P_*: assembly/layout.ts; src/simulator/params.ts
// writes it). The kernels never allocate.
//
// This file is the entry the hosts call (re-exported by assembly/index.ts); the code lives in modules with one job
// each:
//   params.ts      the parameter block, loaded once per call into module globals (loadParams, paramSlotCount)
//   geometry.ts    one evaluation's geometry: sub-pixel position, directions, sources, q, h/k/l, polarization, capture
//   lattice.ts     the lattice factors: sincg, sinc3, the non-square shapes; sincgF32 and its f32x4 twin
//   image.ts       ROI, -mask and the finished pixel's value
//   switchoff.ts   the interpolation switch-off (live and given), the per-call scratch block, findFirstOutOfRange
//   loop-f64.ts    the f64 pixel loop (pixelF64, simulateF64)
//   loop-f32.ts    the f32 pixel loop (pixelF32, simulateF32)
//   loop-f32x4.ts  the f32 loop four pixels at a time (SIMD builds only; groupF32x4)

export { paramSlotCount } from './params';
export { scratchBytes, findFirstOutOfRange } from './switchoff';
export { simulateF64 } from './loop-f64';
export { simulateF32 } from './loop-f32';
