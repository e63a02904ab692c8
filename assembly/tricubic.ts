// Structure-factor lookup F_cell(h,k,l) of nanoBragg: tricubic interpolation (polint/polin3) and
// the nearest-neighbour fallback (docs/c-behaviour/minimal-loop.md sections 3.2-3.5, traps T-1, T-2, T-7).
//
// Grid layout: dense, no padding, index = ((h-hMin)*kRange + (k-kMin))*lRange + (l-lMin), with
// *Range = max-min+1. The f64 paths read a Float64Array copy, the f32 paths a Float32Array copy of the
// same values. Nothing here allocates: every buffer is a raw pointer owned by the caller.
//
// Precision contract (tested in assembly/__tests__/tricubic.spec.ts and tests/kernels-tricubic.test.ts):
// - f64 paths (tricubicF64, tricubicBatchF64, tricubicBatchF64x2) reproduce C's polin3 bit for bit: same
//   abscissae, same left-to-right products, same divisions, same summation order (l first: 16 polints,
//   then k: 4, then h: 1). Scalar, f64x2 and per-evaluation SIMD code give identical bits; docs/c-behaviour/minimal-loop.md 7.2
//   values are reproduced exactly; polynomials of degree <= 3 per axis to ~1e-13 relative.
// - f32 paths (tricubicF32, tricubicBatchF32, tricubicBatchF32x4) evaluate the same tensor-product
//   Lagrange polynomial with separable weights of t = f32(x - floor(x)) (t from f64), grid values in f32.
//   Scalar and SIMD f32 use the same operation order, so they are bitwise identical to each other.
//   Against the f64 reference: |f32 - f64| <= 1e-6 * max|F| over the 4x4x4 stencil, hence <= 1e-6
//   relative on grids of positive, smooth F (tested bound). Measured over 1e6 random in-range points:
//   max relative 4.5e-7 on golden/smooth_grid_12.hkl, 4.2e-7 on the grid15 field; 3.7e-7 of the stencil
//   maximum on a grid of random signed values.
// - Range rule, nearest neighbour and the serial switch-off are exact and identical in every variant
//   (the range test is always done in f64 on the caller's h,k,l).
// Non-finite h,k,l: C's range test lets NaN through (then indexes with (int)NaN: undefined behaviour);
// here a NaN is out of range and its nearest-neighbour value is defaultF, like C's x86 (int) conversion.

// ---------------------------------------------------------------------------------------------------
// f64: C's polint and polin3

/**
 * C's `polint(xa, ya, x)`: the explicit 4-point Lagrange polynomial through (x0,y0)..(x3,y3) at x, in C's
 * operation order (docs/c-behaviour/minimal-loop.md 3.3): term_i = (left-to-right product of the three (x - xa_j), j != i) * y_i
 * / (left-to-right product of the three (xa_i - xa_j)); terms summed left to right.
 */
@inline
export function polint(x0: f64, x1: f64, x2: f64, x3: f64, y0: f64, y1: f64, y2: f64, y3: f64, x: f64): f64 {
  return (x - x1) * (x - x2) * (x - x3) * y0 / ((x0 - x1) * (x0 - x2) * (x0 - x3))
       + (x - x0) * (x - x2) * (x - x3) * y1 / ((x1 - x0) * (x1 - x2) * (x1 - x3))
       + (x - x0) * (x - x1) * (x - x3) * y2 / ((x2 - x0) * (x2 - x1) * (x2 - x3))
       + (x - x0) * (x - x1) * (x - x2) * y3 / ((x3 - x0) * (x3 - x1) * (x3 - x2));
}

/**
 * polint on the stencil abscissae f-1, f, f+1, f+2 with the numerator products p_i and denominators
 * formed once per axis and evaluation (they depend only on the abscissae and x; C forms the same products
 * before multiplying by y_i, so the rounding is C's). r1 = 1/d1 and r2 = 1/d2 replace d1 and d2: for
 * consecutive integers d1 = 2 and d2 = -2 exactly (r1 = 0.5, r2 = -0.5 exactly), and (p1 y1) r1 is the
 * same correctly rounded number as C's (p1 y1) / d1, a scaling by a power of two. This halves the
 * divisions, which bound the f64 paths; d0 = -6 and d3 = 6 stay divisions.
 */
@inline
function polintStencil(p0: f64, p1: f64, p2: f64, p3: f64, d0: f64, r1: f64, r2: f64, d3: f64,
                       y0: f64, y1: f64, y2: f64, y3: f64): f64 {
  return p0 * y0 / d0 + p1 * y1 * r1 + p2 * y2 * r2 + p3 * y3 / d3;
}

/**
 * C's range rule (docs/c-behaviour/minimal-loop.md 3.5 step 2), the same double expressions with *Range = max-min+1:
 * in range iff hMin+2 <= h <= hMax-2 on all three axes. Written as the negation of C's `out` test, so a
 * NaN is out of range (C lets it through into undefined behaviour).
 */
@inline
export function tricubicInRange(h: f64, k: f64, l: f64, hMin: i32, kMin: i32, lMin: i32,
                                hRange: i32, kRange: i32, lRange: i32): bool {
  return (h - <f64>hMin + 3.0 <= <f64>hRange) & (h - 2.0 >= <f64>hMin)
       & (k - <f64>kMin + 3.0 <= <f64>kRange) & (k - 2.0 >= <f64>kMin)
       & (l - <f64>lMin + 3.0 <= <f64>lRange) & (l - 2.0 >= <f64>lMin);
}

/**
 * Nearest neighbour (docs/c-behaviour/minimal-loop.md 3.2, T-7): h0 = ceil(h - 0.5) (halves round down); the grid value when
 * (h0,k0,l0) lies inside [min, max] on every axis, else defaultF. The bounds test is done on the f64
 * h0 (C: on the int, where out-of-int-range and NaN become INT_MIN on x86 and fail it the same way).
 */
@inline
export function nearestF64(grid: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                           h: f64, k: f64, l: f64, defaultF: f64): f64 {
  const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(k - 0.5), l0 = Math.ceil(l - 0.5);
  if ((h0 >= <f64>hMin) & (h0 < <f64>hMin + <f64>hRange)
    & (k0 >= <f64>kMin) & (k0 < <f64>kMin + <f64>kRange)
    & (l0 >= <f64>lMin) & (l0 < <f64>lMin + <f64>lRange)) {
    return load<f64>(grid + (<usize>gridIndex(<i32>h0 - hMin, <i32>k0 - kMin, <i32>l0 - lMin, kRange, lRange) << 3));
  }
  return defaultF;
}

/** nearestF64 on the f32 copy of the grid (the value of the f32 paths after the switch-off). */
@inline
export function nearestF32(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                           h: f64, k: f64, l: f64, defaultF: f32): f32 {
  const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(k - 0.5), l0 = Math.ceil(l - 0.5);
  if ((h0 >= <f64>hMin) & (h0 < <f64>hMin + <f64>hRange)
    & (k0 >= <f64>kMin) & (k0 < <f64>kMin + <f64>kRange)
    & (l0 >= <f64>lMin) & (l0 < <f64>lMin + <f64>lRange)) {
    return load<f32>(gridF32 + (<usize>gridIndex(<i32>h0 - hMin, <i32>k0 - kMin, <i32>l0 - lMin, kRange, lRange) << 2));
  }
  return defaultF;
}

@inline
function gridIndex(hi: i32, ki: i32, li: i32, kRange: i32, lRange: i32): i32 {
  return (hi * kRange + ki) * lRange + li;
}

/** One l-row of the stencil: polint along l of the 4 adjacent values at p. */
@inline
function rowF64(p: usize, lp0: f64, lp1: f64, lp2: f64, lp3: f64, ld0: f64, lr1: f64, lr2: f64, ld3: f64): f64 {
  return polintStencil(lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3,
    load<f64>(p), load<f64>(p, 8), load<f64>(p, 16), load<f64>(p, 24));
}

/** One h-plane of the stencil (C's polin2): 4 l-rows, then polint along k. */
@inline
function planeF64(p: usize, ls: usize,
                  kp0: f64, kp1: f64, kp2: f64, kp3: f64, kd0: f64, kr1: f64, kr2: f64, kd3: f64,
                  lp0: f64, lp1: f64, lp2: f64, lp3: f64, ld0: f64, lr1: f64, lr2: f64, ld3: f64): f64 {
  return polintStencil(kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3,
    rowF64(p, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64(p + ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64(p + 2 * ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64(p + 3 * ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3));
}

/**
 * F(h,k,l) by C's polin3 (docs/c-behaviour/minimal-loop.md 3.4-3.5 step 4): stencil floor(x)-1..floor(x)+2 on each axis,
 * abscissae the stencil indices as doubles; l first (16 polints), then k (4), then h (1); every polint
 * in C's operation order (see polintStencil for the two exact reciprocals).
 * With SIMD two h-planes go through the l and k polints side by side (f64x2, the same operations per
 * lane, so the same bits as the scalar code). The caller guarantees tricubicInRange(h,k,l,...).
 */
export function tricubicF64(grid: usize, hMin: i32, kMin: i32, lMin: i32, kRange: i32, lRange: i32,
                            h: f64, k: f64, l: f64): f64 {
  return polin3(grid, hMin, kMin, lMin, kRange, lRange, h, k, l, true);
}

/** tricubicF64 without SIMD in either build: the scalar reference of tricubicBatchF64. */
@inline
function tricubicF64Scalar(grid: usize, hMin: i32, kMin: i32, lMin: i32, kRange: i32, lRange: i32,
                           h: f64, k: f64, l: f64): f64 {
  return polin3(grid, hMin, kMin, lMin, kRange, lRange, h, k, l, false);
}

@inline
function polin3(grid: usize, hMin: i32, kMin: i32, lMin: i32, kRange: i32, lRange: i32,
                h: f64, k: f64, l: f64, simd: bool): f64 {
  const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
  // abscissae: C converts the int stencil indices h_flr-1+i to double; exact in f64 for any in-range h
  const h0 = hf - 1.0, h1 = hf, h2 = hf + 1.0, h3 = hf + 2.0;
  const k0 = kf - 1.0, k1 = kf, k2 = kf + 1.0, k3 = kf + 2.0;
  const l0 = lf - 1.0, l1 = lf, l2 = lf + 1.0, l3 = lf + 2.0;
  const ls = <usize>lRange << 3;
  const hs = <usize>(kRange * lRange) << 3;
  const p = grid + (<usize>gridIndex(<i32>hf - 1 - hMin, <i32>kf - 1 - kMin, <i32>lf - 1 - lMin, kRange, lRange) << 3);

  const lp0 = (l - l1) * (l - l2) * (l - l3), lp1 = (l - l0) * (l - l2) * (l - l3);
  const lp2 = (l - l0) * (l - l1) * (l - l3), lp3 = (l - l0) * (l - l1) * (l - l2);
  const ld0 = (l0 - l1) * (l0 - l2) * (l0 - l3), lr1 = 1.0 / ((l1 - l0) * (l1 - l2) * (l1 - l3));
  const lr2 = 1.0 / ((l2 - l0) * (l2 - l1) * (l2 - l3)), ld3 = (l3 - l0) * (l3 - l1) * (l3 - l2);
  const kp0 = (k - k1) * (k - k2) * (k - k3), kp1 = (k - k0) * (k - k2) * (k - k3);
  const kp2 = (k - k0) * (k - k1) * (k - k3), kp3 = (k - k0) * (k - k1) * (k - k2);
  const kd0 = (k0 - k1) * (k0 - k2) * (k0 - k3), kr1 = 1.0 / ((k1 - k0) * (k1 - k2) * (k1 - k3));
  const kr2 = 1.0 / ((k2 - k0) * (k2 - k1) * (k2 - k3)), kd3 = (k3 - k0) * (k3 - k1) * (k3 - k2);
  const hp0 = (h - h1) * (h - h2) * (h - h3), hp1 = (h - h0) * (h - h2) * (h - h3);
  const hp2 = (h - h0) * (h - h1) * (h - h3), hp3 = (h - h0) * (h - h1) * (h - h2);
  const hd0 = (h0 - h1) * (h0 - h2) * (h0 - h3), hr1 = 1.0 / ((h1 - h0) * (h1 - h2) * (h1 - h3));
  const hr2 = 1.0 / ((h2 - h0) * (h2 - h1) * (h2 - h3)), hd3 = (h3 - h0) * (h3 - h1) * (h3 - h2);

  if (ASC_FEATURE_SIMD && simd) {
    const kP0 = f64x2.splat(kp0), kP1 = f64x2.splat(kp1), kP2 = f64x2.splat(kp2), kP3 = f64x2.splat(kp3);
    const kD0 = f64x2.splat(kd0), kR1 = f64x2.splat(kr1), kR2 = f64x2.splat(kr2), kD3 = f64x2.splat(kd3);
    const lP0 = f64x2.splat(lp0), lP1 = f64x2.splat(lp1), lP2 = f64x2.splat(lp2), lP3 = f64x2.splat(lp3);
    const lD0 = f64x2.splat(ld0), lR1 = f64x2.splat(lr1), lR2 = f64x2.splat(lr2), lD3 = f64x2.splat(ld3);
    const s01 = planeF64x2(p, p + hs, ls, kP0, kP1, kP2, kP3, kD0, kR1, kR2, kD3, lP0, lP1, lP2, lP3, lD0, lR1, lR2, lD3);
    const s23 = planeF64x2(p + 2 * hs, p + 3 * hs, ls, kP0, kP1, kP2, kP3, kD0, kR1, kR2, kD3, lP0, lP1, lP2, lP3, lD0, lR1, lR2, lD3);
    return polintStencil(hp0, hp1, hp2, hp3, hd0, hr1, hr2, hd3,
      f64x2.extract_lane(s01, 0), f64x2.extract_lane(s01, 1), f64x2.extract_lane(s23, 0), f64x2.extract_lane(s23, 1));
  } else {
    return polintStencil(hp0, hp1, hp2, hp3, hd0, hr1, hr2, hd3,
      planeF64(p, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
      planeF64(p + hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
      planeF64(p + 2 * hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
      planeF64(p + 3 * hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3));
  }
}

// ---------------------------------------------------------------------------------------------------
// f64x2: two stencil rows per vector (two evaluations in the batch kernel, two h-planes of one
// evaluation in tricubicF64), every lane in C's operation order: bitwise equal to the scalar code.

@inline
function polintStencil2(p0: v128, p1: v128, p2: v128, p3: v128, d0: v128, r1: v128, r2: v128, d3: v128,
                        y0: v128, y1: v128, y2: v128, y3: v128): v128 {
  return f64x2.add(f64x2.add(f64x2.add(
    f64x2.div(f64x2.mul(p0, y0), d0), f64x2.mul(f64x2.mul(p1, y1), r1)),
    f64x2.mul(f64x2.mul(p2, y2), r2)), f64x2.div(f64x2.mul(p3, y3), d3));
}

// Per-lane numerators p_i = (x - a_j1)(x - a_j2)(x - a_j3) and denominators d_i (left to right) for the
// abscissae a = f-1, f, f+1, f+2 of floor f; rec1/rec2 are 1/d1, 1/d2 (see polintStencil).
@inline function num0(x: v128, f: v128): v128 { return f64x2.mul(f64x2.mul(f64x2.sub(x, f), f64x2.sub(x, f64x2.add(f, ONE2()))), f64x2.sub(x, f64x2.add(f, TWO2()))); }
@inline function num1(x: v128, f: v128): v128 { return f64x2.mul(f64x2.mul(f64x2.sub(x, f64x2.sub(f, ONE2())), f64x2.sub(x, f64x2.add(f, ONE2()))), f64x2.sub(x, f64x2.add(f, TWO2()))); }
@inline function num2(x: v128, f: v128): v128 { return f64x2.mul(f64x2.mul(f64x2.sub(x, f64x2.sub(f, ONE2())), f64x2.sub(x, f)), f64x2.sub(x, f64x2.add(f, TWO2()))); }
@inline function num3(x: v128, f: v128): v128 { return f64x2.mul(f64x2.mul(f64x2.sub(x, f64x2.sub(f, ONE2())), f64x2.sub(x, f)), f64x2.sub(x, f64x2.add(f, ONE2()))); }
@inline function den0(f: v128): v128 { const a = f64x2.sub(f, ONE2()); return f64x2.mul(f64x2.mul(f64x2.sub(a, f), f64x2.sub(a, f64x2.add(f, ONE2()))), f64x2.sub(a, f64x2.add(f, TWO2()))); }
@inline function rec1(f: v128): v128 { return f64x2.div(ONE2(), f64x2.mul(f64x2.mul(f64x2.sub(f, f64x2.sub(f, ONE2())), f64x2.sub(f, f64x2.add(f, ONE2()))), f64x2.sub(f, f64x2.add(f, TWO2())))); }
@inline function rec2(f: v128): v128 { const a = f64x2.add(f, ONE2()); return f64x2.div(ONE2(), f64x2.mul(f64x2.mul(f64x2.sub(a, f64x2.sub(f, ONE2())), f64x2.sub(a, f)), f64x2.sub(a, f64x2.add(f, TWO2())))); }
@inline function den3(f: v128): v128 { const a = f64x2.add(f, TWO2()); return f64x2.mul(f64x2.mul(f64x2.sub(a, f64x2.sub(f, ONE2())), f64x2.sub(a, f)), f64x2.sub(a, f64x2.add(f, ONE2()))); }

// Vector constants as inline functions: a module-level v128 constant would be compiled in the scalar build too.
@inline function ONE2(): v128 { return f64x2(1.0, 1.0); }
@inline function TWO2(): v128 { return f64x2(2.0, 2.0); }
@inline function THREE2(): v128 { return f64x2(3.0, 3.0); }

/** One l-row in each lane: 4 adjacent f64 at pa (lane 0) and at pb (lane 1), polint along l. */
@inline
function rowF64x2(pa: usize, pb: usize, lp0: v128, lp1: v128, lp2: v128, lp3: v128,
                  ld0: v128, lr1: v128, lr2: v128, ld3: v128): v128 {
  const a01 = v128.load(pa), a23 = v128.load(pa, 16);
  const b01 = v128.load(pb), b23 = v128.load(pb, 16);
  return polintStencil2(lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3,
    f64x2.shuffle(a01, b01, 0, 2), f64x2.shuffle(a01, b01, 1, 3),
    f64x2.shuffle(a23, b23, 0, 2), f64x2.shuffle(a23, b23, 1, 3));
}

/** One h-plane in each lane (planes at pa and pb): 4 l-rows, then polint along k. */
@inline
function planeF64x2(pa: usize, pb: usize, ls: usize,
                    kp0: v128, kp1: v128, kp2: v128, kp3: v128, kd0: v128, kr1: v128, kr2: v128, kd3: v128,
                    lp0: v128, lp1: v128, lp2: v128, lp3: v128, ld0: v128, lr1: v128, lr2: v128, ld3: v128): v128 {
  return polintStencil2(kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3,
    rowF64x2(pa, pb, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64x2(pa + ls, pb + ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64x2(pa + 2 * ls, pb + 2 * ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3),
    rowF64x2(pa + 3 * ls, pb + 3 * ls, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3));
}

/** C's range rule on two evaluations; each lane all-ones when in range. */
@inline
function inRange2(x: v128, minV: v128, rangeV: v128): v128 {
  return v128.and(f64x2.le(f64x2.add(f64x2.sub(x, minV), THREE2()), rangeV), f64x2.ge(f64x2.sub(x, TWO2()), minV));
}

// ---------------------------------------------------------------------------------------------------
// f32: separable Lagrange weights

// Lagrange weight of node m (nodes -1, 0, 1, 2) at t in [0,1): w_m = ((t - a_m)(t - b_m))(t - c_m) K_m with
// (a, b, c) the other three nodes in ascending order and K_m = 1/prod(node_m - other): K = -1/6, 1/2, -1/2, 1/6.
// Every f32 path forms the weights with exactly these f32 operations (t - 0 = t, t - (-1) = t + 1 exactly).
// @ts-ignore: decorator
@inline const SIXTH: f32 = <f32>(1.0 / 6.0);
// @ts-ignore: decorator
@inline const MSIXTH: f32 = <f32>(-1.0 / 6.0);

@inline function w0f(t: f32): f32 { return t * (t - 1) * (t - 2) * MSIXTH; }
@inline function w1f(t: f32): f32 { return (t + 1) * (t - 1) * (t - 2) * <f32>0.5; }
@inline function w2f(t: f32): f32 { return (t + 1) * t * (t - 2) * <f32>-0.5; }
@inline function w3f(t: f32): f32 { return (t + 1) * t * (t - 1) * SIXTH; }

/**
 * The four weights of one t (splatted in every lane of `t`) as one vector, lanes m = 0..3:
 * d = t - node = (t+1, t, t-1, t-2), w = ((d1 d2) d3, (d0 d2) d3, (d0 d1) d3, (d0 d1) d2) K.
 */
@inline
function weightsF32x4(t: v128): v128 {
  const d = f32x4.sub(t, f32x4(-1.0, 0.0, 1.0, 2.0));
  return f32x4.mul(f32x4.mul(f32x4.mul(
    f32x4.shuffle(d, d, 1, 0, 0, 0), f32x4.shuffle(d, d, 2, 2, 1, 1)), f32x4.shuffle(d, d, 3, 3, 3, 2)),
    f32x4(MSIXTH, 0.5, -0.5, SIXTH));
}

// Summation order shared by every f32 path (so scalar and SIMD agree bit for bit), F[i][j][m] the stencil:
//   s_im = ((wk0 F[i][0][m] + wk1 F[i][1][m]) + wk2 F[i][2][m]) + wk3 F[i][3][m]
//   a_m  = ((wh0 s_0m + wh1 s_1m) + wh2 s_2m) + wh3 s_3m
//   F    = (wl0 a_0 + wl2 a_2) + (wl1 a_1 + wl3 a_3)

/** a_m for one l-column m (scalar): p points at F[0][0][m]. */
@inline
function columnF32(p: usize, ls: usize, hs: usize, wk0: f32, wk1: f32, wk2: f32, wk3: f32,
                   wh0: f32, wh1: f32, wh2: f32, wh3: f32): f32 {
  return wh0 * kSumF32(p, ls, wk0, wk1, wk2, wk3) + wh1 * kSumF32(p + hs, ls, wk0, wk1, wk2, wk3)
       + wh2 * kSumF32(p + 2 * hs, ls, wk0, wk1, wk2, wk3) + wh3 * kSumF32(p + 3 * hs, ls, wk0, wk1, wk2, wk3);
}

@inline
function kSumF32(p: usize, ls: usize, wk0: f32, wk1: f32, wk2: f32, wk3: f32): f32 {
  return wk0 * load<f32>(p) + wk1 * load<f32>(p + ls) + wk2 * load<f32>(p + 2 * ls) + wk3 * load<f32>(p + 3 * ls);
}

/** The vector of a_m (lanes m = 0..3) for one evaluation: 16 row loads; wk*, wh* are splatted weights. */
@inline
function accF32x4(p: usize, ls: usize, hs: usize, wk0: v128, wk1: v128, wk2: v128, wk3: v128,
                  wh0: v128, wh1: v128, wh2: v128, wh3: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(
    f32x4.mul(wh0, kSumF32x4(p, ls, wk0, wk1, wk2, wk3)),
    f32x4.mul(wh1, kSumF32x4(p + hs, ls, wk0, wk1, wk2, wk3))),
    f32x4.mul(wh2, kSumF32x4(p + 2 * hs, ls, wk0, wk1, wk2, wk3))),
    f32x4.mul(wh3, kSumF32x4(p + 3 * hs, ls, wk0, wk1, wk2, wk3)));
}

@inline
function kSumF32x4(p: usize, ls: usize, wk0: v128, wk1: v128, wk2: v128, wk3: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(
    f32x4.mul(wk0, v128.load(p)), f32x4.mul(wk1, v128.load(p + ls))),
    f32x4.mul(wk2, v128.load(p + 2 * ls))), f32x4.mul(wk3, v128.load(p + 3 * ls)));
}

/** (wl0 a0 + wl2 a2) + (wl1 a1 + wl3 a3) of the lanes of a and wl. */
@inline
function dotF32x4(a: v128, wl: v128): f32 {
  const r = f32x4.mul(a, wl);
  const u = f32x4.add(r, f32x4.shuffle(r, r, 2, 3, 2, 3));
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1);
}

/** The scalar f32 evaluation (used by tricubicBatchF32 in both builds and by tricubicF32 without SIMD). */
@inline
function tricubicF32Scalar(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, kRange: i32, lRange: i32,
                           hFlr: i32, kFlr: i32, lFlr: i32, th: f32, tk: f32, tl: f32): f32 {
  const ls = <usize>lRange << 2;
  const hs = <usize>(kRange * lRange) << 2;
  const p = gridF32 + (<usize>gridIndex(hFlr - 1 - hMin, kFlr - 1 - kMin, lFlr - 1 - lMin, kRange, lRange) << 2);
  const wh0 = w0f(th), wh1 = w1f(th), wh2 = w2f(th), wh3 = w3f(th);
  const wk0 = w0f(tk), wk1 = w1f(tk), wk2 = w2f(tk), wk3 = w3f(tk);
  return (w0f(tl) * columnF32(p, ls, hs, wk0, wk1, wk2, wk3, wh0, wh1, wh2, wh3)
        + w2f(tl) * columnF32(p + 8, ls, hs, wk0, wk1, wk2, wk3, wh0, wh1, wh2, wh3))
       + (w1f(tl) * columnF32(p + 4, ls, hs, wk0, wk1, wk2, wk3, wh0, wh1, wh2, wh3)
        + w3f(tl) * columnF32(p + 12, ls, hs, wk0, wk1, wk2, wk3, wh0, wh1, wh2, wh3));
}

/**
 * F(h,k,l) in f32: the same cubic Lagrange polynomial as polin3, evaluated with separable weights of
 * t = f32(x - floor(x)) (compute t in f64, then cast) over the stencil floor-1..floor+2, grid as f32.
 * With SIMD each of the 16 (h,k) rows is one v128.load of its 4 adjacent l values.
 * The caller guarantees tricubicInRange(h,k,l,...).
 */
export function tricubicF32(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, kRange: i32, lRange: i32,
                            hFlr: i32, kFlr: i32, lFlr: i32, th: f32, tk: f32, tl: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const ls = <usize>lRange << 2;
    const hs = <usize>(kRange * lRange) << 2;
    const p = gridF32 + (<usize>gridIndex(hFlr - 1 - hMin, kFlr - 1 - kMin, lFlr - 1 - lMin, kRange, lRange) << 2);
    const wk = weightsF32x4(f32x4.splat(tk)), wh = weightsF32x4(f32x4.splat(th));
    const a = accF32x4(p, ls, hs,
      f32x4.shuffle(wk, wk, 0, 0, 0, 0), f32x4.shuffle(wk, wk, 1, 1, 1, 1),
      f32x4.shuffle(wk, wk, 2, 2, 2, 2), f32x4.shuffle(wk, wk, 3, 3, 3, 3),
      f32x4.shuffle(wh, wh, 0, 0, 0, 0), f32x4.shuffle(wh, wh, 1, 1, 1, 1),
      f32x4.shuffle(wh, wh, 2, 2, 2, 2), f32x4.shuffle(wh, wh, 3, 3, 3, 3));
    return dotF32x4(a, weightsF32x4(f32x4.splat(tl)));
  } else {
    return tricubicF32Scalar(gridF32, hMin, kMin, lMin, kRange, lRange, hFlr, kFlr, lFlr, th, tk, tl);
  }
}

// ---------------------------------------------------------------------------------------------------
// Batched kernels with C's serial switch-off (docs/c-behaviour/minimal-loop.md 3.5 step 3, T-2, T-3)
//
// Common arguments: the grid (f64 pointer for the F64 variants, f32 pointer for the F32 ones), its minima
// and ranges, defaultF, pointers to n fractional h, k, l (f64), the output (f64 or f32, n values) and
// `interpolate` (C's flag at the start of the batch). Evaluations are interpolated in order while in
// range; the first out-of-range one and every later one get the nearest-neighbour value (grid value
// or defaultF). Returns the index of the first out-of-range evaluation, or -1 (always -1, and no range
// tests, when interpolate is false).

/** Scalar f64 reference (C's polin3, no SIMD in either build). */
export function tricubicBatchF64(grid: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                                 defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, n: i32, out: usize,
                                 interpolate: bool): i32 {
  let i = 0;
  let first = -1;
  if (interpolate) {
    for (; i < n; i++) {
      const o = <usize>i << 3;
      const h = load<f64>(hPtr + o), k = load<f64>(kPtr + o), l = load<f64>(lPtr + o);
      if (!tricubicInRange(h, k, l, hMin, kMin, lMin, hRange, kRange, lRange)) { first = i; break; }
      store<f64>(out + o, tricubicF64Scalar(grid, hMin, kMin, lMin, kRange, lRange, h, k, l));
    }
  }
  nearestTailF64(grid, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, i, n, out);
  return first;
}

/** Nearest neighbour for evaluations i0..n-1 (f64 output). */
@inline
function nearestTailF64(grid: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                        defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, i0: i32, n: i32, out: usize): void {
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, nearestF64(grid, hMin, kMin, lMin, hRange, kRange, lRange,
      load<f64>(hPtr + o), load<f64>(kPtr + o), load<f64>(lPtr + o), defaultF));
  }
}

/** Nearest neighbour for evaluations i0..n-1 (f32 output from the f32 grid). */
@inline
function nearestTailF32(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                        defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, i0: i32, n: i32, out: usize): void {
  const d = <f32>defaultF;
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 3;
    store<f32>(out + (<usize>i << 2), nearestF32(gridF32, hMin, kMin, lMin, hRange, kRange, lRange,
      load<f64>(hPtr + o), load<f64>(kPtr + o), load<f64>(lPtr + o), d));
  }
}

/** f64x2: two evaluations per vector, bitwise equal to tricubicBatchF64. */
export function tricubicBatchF64x2(grid: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                                   defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, n: i32, out: usize,
                                   interpolate: bool): i32 {
  if (ASC_FEATURE_SIMD) {
    let i = 0;
    let first = -1;
    if (interpolate) {
      const hMinV = f64x2.splat(<f64>hMin), kMinV = f64x2.splat(<f64>kMin), lMinV = f64x2.splat(<f64>lMin);
      const hRangeV = f64x2.splat(<f64>hRange), kRangeV = f64x2.splat(<f64>kRange), lRangeV = f64x2.splat(<f64>lRange);
      // grid + corner + rowOffset(floor h, floor k, floor l) = address of the stencil corner (floors - 1)
      const corner = <usize>gridIndex(-1 - hMin, -1 - kMin, -1 - lMin, kRange, lRange) << 3;
      const ls = <usize>lRange << 3;
      const hs = <usize>(kRange * lRange) << 3;
      for (; i + 2 <= n; i += 2) {
        const o = <usize>i << 3;
        const h = v128.load(hPtr + o), k = v128.load(kPtr + o), l = v128.load(lPtr + o);
        const ok = v128.and(v128.and(inRange2(h, hMinV, hRangeV), inRange2(k, kMinV, kRangeV)), inRange2(l, lMinV, lRangeV));
        if (!i64x2.all_true(ok)) break;
        const hf = f64x2.floor(h), kf = f64x2.floor(k), lf = f64x2.floor(l);
        const pa = grid + corner + rowOffset(f64x2.extract_lane(hf, 0), f64x2.extract_lane(kf, 0), f64x2.extract_lane(lf, 0), kRange, lRange, 3);
        const pb = grid + corner + rowOffset(f64x2.extract_lane(hf, 1), f64x2.extract_lane(kf, 1), f64x2.extract_lane(lf, 1), kRange, lRange, 3);
        const lp0 = num0(l, lf), lp1 = num1(l, lf), lp2 = num2(l, lf), lp3 = num3(l, lf);
        const ld0 = den0(lf), lr1 = rec1(lf), lr2 = rec2(lf), ld3 = den3(lf);
        const kp0 = num0(k, kf), kp1 = num1(k, kf), kp2 = num2(k, kf), kp3 = num3(k, kf);
        const kd0 = den0(kf), kr1 = rec1(kf), kr2 = rec2(kf), kd3 = den3(kf);
        const hp0 = num0(h, hf), hp1 = num1(h, hf), hp2 = num2(h, hf), hp3 = num3(h, hf);
        const hd0 = den0(hf), hr1 = rec1(hf), hr2 = rec2(hf), hd3 = den3(hf);
        // C's h-polint ((t0 + t1) + t2) + t3, one plane at a time; the partial sums are stored as they
        // grow: each store keeps V8 from hoisting the next plane's 16 loads above this plane's arithmetic
        const dst = out + o;
        let acc = f64x2.div(f64x2.mul(hp0,
          planeF64x2(pa, pb, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3)), hd0);
        v128.store(dst, acc);
        acc = f64x2.add(acc, f64x2.mul(f64x2.mul(hp1,
          planeF64x2(pa + hs, pb + hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3)), hr1));
        v128.store(dst, acc);
        acc = f64x2.add(acc, f64x2.mul(f64x2.mul(hp2,
          planeF64x2(pa + 2 * hs, pb + 2 * hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3)), hr2));
        v128.store(dst, acc);
        v128.store(dst, f64x2.add(acc, f64x2.div(f64x2.mul(hp3,
          planeF64x2(pa + 3 * hs, pb + 3 * hs, ls, kp0, kp1, kp2, kp3, kd0, kr1, kr2, kd3, lp0, lp1, lp2, lp3, ld0, lr1, lr2, ld3)), hd3)));
      }
      // the pair holding the first out-of-range evaluation (or the odd last one), lane by lane
      for (; i < n; i++) {
        const o = <usize>i << 3;
        const h = load<f64>(hPtr + o), k = load<f64>(kPtr + o), l = load<f64>(lPtr + o);
        if (!tricubicInRange(h, k, l, hMin, kMin, lMin, hRange, kRange, lRange)) { first = i; break; }
        store<f64>(out + o, tricubicF64(grid, hMin, kMin, lMin, kRange, lRange, h, k, l));
      }
    }
    nearestTailF64(grid, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, i, n, out);
    return first;
  } else {
    return tricubicBatchF64(grid, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, n, out, interpolate);
  }
}

/** Byte offset (element size 1 << shift) of grid point (hf, kf, lf) relative to grid point (0,0,0). */
@inline
function rowOffset(hf: f64, kf: f64, lf: f64, kRange: i32, lRange: i32, shift: i32): usize {
  return <usize>gridIndex(<i32>hf, <i32>kf, <i32>lf, kRange, lRange) << shift;
}

/** Scalar f32 with separable weights; the reference for tricubicBatchF32x4 (bitwise equal). */
export function tricubicBatchF32(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                                 defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, n: i32, out: usize,
                                 interpolate: bool): i32 {
  let i = 0;
  let first = -1;
  if (interpolate) {
    for (; i < n; i++) {
      const o = <usize>i << 3;
      const h = load<f64>(hPtr + o), k = load<f64>(kPtr + o), l = load<f64>(lPtr + o);
      if (!tricubicInRange(h, k, l, hMin, kMin, lMin, hRange, kRange, lRange)) { first = i; break; }
      const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
      store<f32>(out + (<usize>i << 2), tricubicF32Scalar(gridF32, hMin, kMin, lMin, kRange, lRange,
        <i32>hf, <i32>kf, <i32>lf, <f32>(h - hf), <f32>(k - kf), <f32>(l - lf)));
    }
  }
  nearestTailF32(gridF32, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, i, n, out);
  return first;
}

// 2^52 + 2^51: adding it to an integral f64 of magnitude < 2^31 leaves that integer, two's complement, in
// the low 32 bits (a conversion without the range checks of i32x4.trunc_sat_f64x2_s_zero).
// @ts-ignore: decorator
@inline const INT_MAGIC: f64 = 6755399441055744.0;

/**
 * One evaluation of a group of four in tricubicBatchF32x4, from its t values splatted in th, tk, tl and
 * the byte offset of its stencil corner. Weights are formed per evaluation (fewer live vectors than
 * forming them for the group), and the result is stored at once: the store keeps V8 from hoisting the
 * row loads of all four evaluations above the arithmetic (register spills).
 */
@inline
function evalF32x4(dst: usize, p: usize, ls: usize, hs: usize, th: v128, tk: v128, tl: v128): void {
  const wk = weightsF32x4(tk), wh = weightsF32x4(th);
  store<f32>(dst, dotF32x4(accF32x4(p, ls, hs,
    f32x4.shuffle(wk, wk, 0, 0, 0, 0), f32x4.shuffle(wk, wk, 1, 1, 1, 1),
    f32x4.shuffle(wk, wk, 2, 2, 2, 2), f32x4.shuffle(wk, wk, 3, 3, 3, 3),
    f32x4.shuffle(wh, wh, 0, 0, 0, 0), f32x4.shuffle(wh, wh, 1, 1, 1, 1),
    f32x4.shuffle(wh, wh, 2, 2, 2, 2), f32x4.shuffle(wh, wh, 3, 3, 3, 3)), weightsF32x4(tl)));
}

/**
 * f32x4: four evaluations at a time. Range test (f64, C's expression), floors, t and stencil offsets are
 * computed for the group of four at once; then each evaluation contracts its 16 rows (one v128.load
 * each, lanes = l) over k and h with splatted weights and over l with a dot product. A group holding an
 * out-of-range evaluation is done lane by lane (tricubicF32, same rounding); from the first out-of-range
 * evaluation on everything is nearest neighbour.
 */
export function tricubicBatchF32x4(gridF32: usize, hMin: i32, kMin: i32, lMin: i32, hRange: i32, kRange: i32, lRange: i32,
                                   defaultF: f64, hPtr: usize, kPtr: usize, lPtr: usize, n: i32, out: usize,
                                   interpolate: bool): i32 {
  if (ASC_FEATURE_SIMD) {
    let i = 0;
    let first = -1;
    if (interpolate) {
      const hMinV = f64x2.splat(<f64>hMin), kMinV = f64x2.splat(<f64>kMin), lMinV = f64x2.splat(<f64>lMin);
      const hRangeV = f64x2.splat(<f64>hRange), kRangeV = f64x2.splat(<f64>kRange), lRangeV = f64x2.splat(<f64>lRange);
      // grid point (0,0,0) shifted to the stencil corner (-1,-1,-1), and the byte strides along h and k
      const base = gridF32 + (<usize>gridIndex(-1 - hMin, -1 - kMin, -1 - lMin, kRange, lRange) << 2);
      const ls = <usize>lRange << 2;
      const hs = <usize>(kRange * lRange) << 2;
      const hsV = f64x2.splat(<f64>hs), lsV = f64x2.splat(<f64>ls);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 3;
        const hA = v128.load(hPtr + o), hB = v128.load(hPtr + o, 16);
        const kA = v128.load(kPtr + o), kB = v128.load(kPtr + o, 16);
        const lA = v128.load(lPtr + o), lB = v128.load(lPtr + o, 16);
        const ok = v128.and(
          v128.and(v128.and(inRange2(hA, hMinV, hRangeV), inRange2(kA, kMinV, kRangeV)), inRange2(lA, lMinV, lRangeV)),
          v128.and(v128.and(inRange2(hB, hMinV, hRangeV), inRange2(kB, kMinV, kRangeV)), inRange2(lB, lMinV, lRangeV)));
        if (!i64x2.all_true(ok)) break;
        const hfA = f64x2.floor(hA), hfB = f64x2.floor(hB);
        const kfA = f64x2.floor(kA), kfB = f64x2.floor(kB);
        const lfA = f64x2.floor(lA), lfB = f64x2.floor(lB);
        // t = f32(x - floor x), four evaluations per vector
        const th = join2(f32x4.demote_f64x2_zero(f64x2.sub(hA, hfA)), f32x4.demote_f64x2_zero(f64x2.sub(hB, hfB)));
        const tk = join2(f32x4.demote_f64x2_zero(f64x2.sub(kA, kfA)), f32x4.demote_f64x2_zero(f64x2.sub(kB, kfB)));
        const tl = join2(f32x4.demote_f64x2_zero(f64x2.sub(lA, lfA)), f32x4.demote_f64x2_zero(f64x2.sub(lB, lfB)));
        // byte offsets of (floor h, floor k, floor l) from grid point (0,0,0): exact integers in f64
        const offA = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(hfA, hsV), f64x2.mul(kfA, lsV)), f64x2.mul(lfA, f64x2.splat(4))), f64x2.splat(INT_MAGIC));
        const offB = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(hfB, hsV), f64x2.mul(kfB, lsV)), f64x2.mul(lfB, f64x2.splat(4))), f64x2.splat(INT_MAGIC));
        const dst = out + (<usize>i << 2);
        // shuffle lanes must be literals: one call per evaluation
        evalF32x4(dst, base + <usize>i32x4.extract_lane(offA, 0), ls, hs,
          f32x4.shuffle(th, th, 0, 0, 0, 0), f32x4.shuffle(tk, tk, 0, 0, 0, 0), f32x4.shuffle(tl, tl, 0, 0, 0, 0));
        evalF32x4(dst + 4, base + <usize>i32x4.extract_lane(offA, 2), ls, hs,
          f32x4.shuffle(th, th, 1, 1, 1, 1), f32x4.shuffle(tk, tk, 1, 1, 1, 1), f32x4.shuffle(tl, tl, 1, 1, 1, 1));
        evalF32x4(dst + 8, base + <usize>i32x4.extract_lane(offB, 0), ls, hs,
          f32x4.shuffle(th, th, 2, 2, 2, 2), f32x4.shuffle(tk, tk, 2, 2, 2, 2), f32x4.shuffle(tl, tl, 2, 2, 2, 2));
        evalF32x4(dst + 12, base + <usize>i32x4.extract_lane(offB, 2), ls, hs,
          f32x4.shuffle(th, th, 3, 3, 3, 3), f32x4.shuffle(tk, tk, 3, 3, 3, 3), f32x4.shuffle(tl, tl, 3, 3, 3, 3));
      }
      // the group holding the first out-of-range evaluation (or the last n % 4), lane by lane
      for (; i < n; i++) {
        const o = <usize>i << 3;
        const h = load<f64>(hPtr + o), k = load<f64>(kPtr + o), l = load<f64>(lPtr + o);
        if (!tricubicInRange(h, k, l, hMin, kMin, lMin, hRange, kRange, lRange)) { first = i; break; }
        const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
        store<f32>(out + (<usize>i << 2), tricubicF32(gridF32, hMin, kMin, lMin, kRange, lRange,
          <i32>hf, <i32>kf, <i32>lf, <f32>(h - hf), <f32>(k - kf), <f32>(l - lf)));
      }
    }
    nearestTailF32(gridF32, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, i, n, out);
    return first;
  } else {
    return tricubicBatchF32(gridF32, hMin, kMin, lMin, hRange, kRange, lRange, defaultF, hPtr, kPtr, lPtr, n, out, interpolate);
  }
}

/** i32 lanes 0,1 of a and 0,1 of b: joins the halves that f64x2 -> f32x4 conversions leave in lanes 0,1. */
@inline
function join2(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 1, 4, 5);
}
