// WGSL transcendental functions for the WebGPU kernels: the WGSL twins of assembly/mathx_simd.ts.
//
// Why our own: WGSL only promises an absolute error of 2^-11 for sin on [-pi, pi] and 3 + 2|x| ulp for exp
// (docs/precision.md fix 5). At the centre of a Bragg peak the lattice factor sin(N pi f) / sin(pi f) divides two
// small numbers, so it needs sines with a *relative* error bound: sinpi below is the odd/even polynomial of
// sinpiF32 (<= 2 ulp relative on [-0.5, 0.5], measured by assembly/__tests__/mathx.spec.ts), expF32 and
// expm1F32 the same Cody-Waite reduction and degree-5 polynomial (<= 1 and <= 2 ulp).
//
// One difference from the AssemblyScript twins: the integer part n of x / ln2 (and of the sinpi argument) comes
// from round(), not from the 1.5 * 2^23 shifter. GPU compilers may contract or reorder (x * c + S) - S; round()
// has one meaning everywhere. GPU rounding of * and + is IEEE (Vulkan, Metal, D3D), divisions are <= 2.5 ulp
// and may be contracted into FMAs, so results agree with the WASM f32 twins to a few ulp, not bit for bit.

/** WGSL source of sinpi_reduced, sinpi_wide, cospi_wide, exp_f32, expm1_f32 (no bindings, no entry points). */
export const MATHX_WGSL = /* wgsl */ `
// ---- mathx (src/webgpu/mathx.ts; twin of assembly/mathx_simd.ts) ----
const MX_PI_HI: f32 = 3.1415927410125732;    // f32(pi)
const MX_PI_LO: f32 = -8.742278000372485e-8; // pi - f32(pi)
const MX_S1: f32 = -5.167707681865378;
const MX_S2: f32 = 2.5497610485858715;
const MX_S3: f32 = -0.5890122095057092;
const MX_C0: f32 = -4.934802197424613;
const MX_C1: f32 = 4.058710545033859;
const MX_C2: f32 = -1.3351369343625685;
const MX_C3: f32 = 0.2321160501457149;

// sin(pi x) for x in [-0.5, 0.5], <= 2 ulp relative: an odd polynomial in x on [0, 1/4], an even one in
// (1/2 - |x|) (i.e. cos) on (1/4, 1/2]; the sign of x is copied onto the result (sinpi(-0) = -0).
fn sinpi_reduced(x: f32) -> f32 {
  let a = abs(x);
  let cosBranch = a > 0.25;
  let y = select(a, 0.5 - a, cosBranch);
  let y2 = y * y;
  let q3 = select(MX_S3, MX_C3, cosBranch);
  let q2 = select(MX_S2, MX_C2, cosBranch);
  let q1 = select(MX_S1, MX_C1, cosBranch);
  let q0 = select(MX_PI_LO, MX_C0, cosBranch);
  let base = select(y * MX_PI_HI, 1.0, cosBranch);
  let m = select(y, y2, cosBranch);
  let r = base + m * (q0 + y2 * (q1 + y2 * (q2 + y2 * q3)));
  return bitcast<f32>(bitcast<u32>(r) | (bitcast<u32>(x) & 0x80000000u));
}

// sin(pi x) for any x: n = round(x), r = x - n (exact), sin(pi x) = (-1)^n sin(pi r).
fn sinpi_wide(x: f32) -> f32 {
  let n = round(x);
  let s = sinpi_reduced(x - n);
  // parity of n (|n| >= 2^24 is even, and then r = 0 anyway; i32() saturates)
  return select(s, -s, (i32(n) & 1) != 0);
}

// cos(pi x) for any x: cos(pi r) = sin(pi (1/2 - |r|)) with r = x - round(x); (-1)^n as above.
fn cospi_wide(x: f32) -> f32 {
  let n = round(x);
  let c = sinpi_reduced(0.5 - abs(x - n));
  return select(c, -c, (i32(n) & 1) != 0);
}

const MX_LOG2E: f32 = 1.44269504088896341;
const MX_LN2_HI: f32 = 0.693359375;       // 355/512: n * MX_LN2_HI is exact for |n| < 2^15
const MX_LN2_LO: f32 = -2.12194440e-4;    // ln2 - MX_LN2_HI
const MX_EP0: f32 = 0.5;
const MX_EP1: f32 = 0.1666666716337204;
const MX_EP2: f32 = 0.04166646674275398;
const MX_EP3: f32 = 0.008333360776305199;
const MX_EP4: f32 = 0.0013933597365394235;
const MX_EP5: f32 = 0.00019857799634337425;

// expm1(r) for |r| <= ln2/2 (a little more is fine): r + r^2 P(r), P degree-5 minimax.
fn expm1_poly(r: f32) -> f32 {
  let p = MX_EP0 + r * (MX_EP1 + r * (MX_EP2 + r * (MX_EP3 + r * (MX_EP4 + r * MX_EP5))));
  return r + (r * r) * p;
}

// e^x, <= 1 ulp (as expF32): x = n ln2 + r; 2^n built from exponent bits as 2^(n>>1) 2^(n - n>>1), so that
// n in [-150, 128] needs no subnormal power (GPUs may flush subnormal results to zero: harmless here).
fn exp_f32(x: f32) -> f32 {
  let xc = clamp(x, -104.0, 89.0);
  let nf = round(xc * MX_LOG2E);
  let r = (xc - nf * MX_LN2_HI) - nf * MX_LN2_LO;
  let e = expm1_poly(r);
  let n = i32(nf);
  let n1 = n >> 1u;
  let s1 = bitcast<f32>((n1 + 127) << 23u);
  let s2 = bitcast<f32>((n - n1 + 127) << 23u);
  return ((e + 1.0) * s1) * s2;
}

// e^x - 1, <= 2 ulp relative for every x (as expm1F32): no cancellation for small |x| (there n = 0 and the
// result is the polynomial itself); 2^n e + (2^n - 1) with 2^n - 1 exact for n <= 24.
fn expm1_f32(x: f32) -> f32 {
  let xc = clamp(x, -88.0, 89.0);
  let nf = round(xc * MX_LOG2E);
  let r = (xc - nf * MX_LN2_HI) - nf * MX_LN2_LO;
  let e = expm1_poly(r);
  let n = i32(nf);
  let k = min(n, 127);
  let s = bitcast<f32>((k + 127) << 23u);
  let f = bitcast<f32>((n - k + 127) << 23u);
  let y = (s * e + (s - 1.0)) * f;
  return select(y, x, x == 0.0); // keeps the sign of -0
}
`;
