// Structure-factor lookup F_cell(h,k,l) on WebGPU: the WGSL twin of the f32 paths of assembly/tricubic.ts
// (docs/c-behaviour/minimal-loop.md 3.2-3.5, traps T-1, T-2, T-7), and a batched kernel with C's serial switch-off semantics (the
// GPU counterpart of tricubicBatchF32 / interpolateF in src/kernels/tricubic.ts).
//
// Tricubic: the same cubic Lagrange polynomial as C's polin3, with separable weights of t = h - floor(h) over the
// stencil floor-1..floor+2, grid values in f32, and the summation order of tricubicF32 (so the GPU and WASM f32
// results differ only where the GPU contracts into FMAs). Nearest neighbour: h0 = ceil(h - 0.5) (halves round
// down), grid value inside the grid, else default_F. Range window: hMin+2 <= h <= hMax-2 (C's test, one index
// stricter on the low side than the stencil needs).
//
// The batched kernel takes h, k, l as float pairs (hi = f32(x), lo = f32(x - hi): 48 bits of the f64 input), so
// its floor, fractional part, rounding and range margins are those of the f64 values except within about 2^-40
// relative of a boundary; the switch-off is then made exact by re-checking the undecidable evaluations in f64 on
// the host (src/webgpu/switchoff.ts).

import type { HklGrid } from '../kernels/tricubic.ts';
import { checkGrid, outOfRangeWarning } from '../kernels/tricubic.ts';
import type { BatchTimings, GpuContext } from './context.ts';
import { outOfRange64 } from './geometry64.ts';
import { pipelineKey } from './select.ts';
import { createSwitchBuffer, readSwitchBuffer, resolveSwitch, switchWgsl, DEFAULT_CANDIDATE_CAPACITY } from './switchoff.ts';
import { TILE, uniformLayout } from './uniforms.ts';

/** WGSL: the grid's bounds (GridInfo) and the tricubic range window's margin (no bindings). */
export const TRICUBIC_RANGE_WGSL = /* wgsl */ `
// ---- tricubic range window (src/webgpu/tricubic.ts; C's test, docs/c-behaviour/minimal-loop.md 3.5 step 2) ----
struct GridInfo {
  hMin: i32, kMin: i32, lMin: i32,
  hRange: i32, kRange: i32, lRange: i32,
}

// Signed distance of (h, k, l) inside the tricubic window (>= 0: in range), the minimum over the six bounds.
fn range_margin(g: GridInfo, h: f32, k: f32, l: f32) -> f32 {
  let lo = min(min(h - f32(g.hMin + 2), k - f32(g.kMin + 2)), l - f32(g.lMin + 2));
  let hi = min(min(f32(g.hMin + g.hRange - 3) - h, f32(g.kMin + g.kRange - 3) - k), f32(g.lMin + g.lRange - 3) - l);
  return min(lo, hi);
}
`;

/**
 * WGSL of the lookup functions (needs TRICUBIC_RANGE_WGSL). They read the grid from a module-scope
 * `grid: array<f32>` binding that the including kernel declares, its bounds passed in a GridInfo value.
 */
export const TRICUBIC_WGSL = /* wgsl */ `
// ---- tricubic (src/webgpu/tricubic.ts; twin of the f32 paths of assembly/tricubic.ts) ----
// Lagrange weights of nodes -1, 0, 1, 2 at t: w_m = ((t - a)(t - b))(t - c) K_m, K = -1/6, 1/2, -1/2, 1/6.
fn lagrange_weights(t: f32) -> vec4<f32> {
  return vec4<f32>(
    t * (t - 1.0) * (t - 2.0) * (-1.0 / 6.0),
    (t + 1.0) * (t - 1.0) * (t - 2.0) * 0.5,
    (t + 1.0) * t * (t - 2.0) * -0.5,
    (t + 1.0) * t * (t - 1.0) * (1.0 / 6.0));
}

fn grid_row(i: i32) -> vec4<f32> {
  let u = u32(max(i, 0));
  return vec4<f32>(grid[u], grid[u + 1u], grid[u + 2u], grid[u + 3u]);
}

// F at (hf + th, kf + tk, lf + tl), stencil hf-1..hf+2 etc. Summation order of tricubicF32:
// s_i = ((wk0 F[i][0] + wk1 F[i][1]) + wk2 F[i][2]) + wk3 F[i][3] (a vector over the 4 l-values),
// a = ((wh0 s_0 + wh1 s_1) + wh2 s_2) + wh3 s_3, F = (wl0 a_0 + wl2 a_2) + (wl1 a_1 + wl3 a_3).
fn tricubic_f32(g: GridInfo, hf: i32, kf: i32, lf: i32, th: f32, tk: f32, tl: f32) -> f32 {
  let wh = lagrange_weights(th);
  let wk = lagrange_weights(tk);
  let wl = lagrange_weights(tl);
  let ls = g.lRange;
  let hs = g.kRange * g.lRange;
  let p = ((hf - 1 - g.hMin) * g.kRange + (kf - 1 - g.kMin)) * g.lRange + (lf - 1 - g.lMin);
  var a = vec4<f32>(0.0);
  for (var i = 0; i < 4; i++) {
    let q = p + i * hs;
    let s = wk.x * grid_row(q) + wk.y * grid_row(q + ls) + wk.z * grid_row(q + 2 * ls) + wk.w * grid_row(q + 3 * ls);
    a = a + wh[i] * s;
  }
  return (wl.x * a.x + wl.z * a.z) + (wl.y * a.y + wl.w * a.w);
}

// Nearest neighbour from rounded indices (h0 = ceil(h - 0.5) etc., as floats): the grid value inside the grid,
// else defaultF. The bounds test is on the float indices (no int overflow for wild h).
fn nearest_at(g: GridInfo, h0: f32, k0: f32, l0: f32, defaultF: f32) -> f32 {
  if (h0 >= f32(g.hMin) && h0 < f32(g.hMin + g.hRange) &&
      k0 >= f32(g.kMin) && k0 < f32(g.kMin + g.kRange) &&
      l0 >= f32(g.lMin) && l0 < f32(g.lMin + g.lRange)) {
    let i = ((i32(h0) - g.hMin) * g.kRange + (i32(k0) - g.kMin)) * g.lRange + (i32(l0) - g.lMin);
    return grid[u32(i)];
  }
  return defaultF;
}

fn nearest_f32(g: GridInfo, h: f32, k: f32, l: f32, defaultF: f32) -> f32 {
  return nearest_at(g, ceil(h - 0.5), ceil(k - 0.5), ceil(l - 0.5), defaultF);
}
`;

// ---------------------------------------------------------------------------------------------------------------
// Batched kernel: n evaluations in serial order, h, k, l as float pairs

const BATCH = uniformLayout('Batch', [
  ['n', 'u32'], ['interpolate', 'u32'], ['switchIndex', 'u32'], ['pad0', 'u32'],
  ['hMin', 'i32'], ['kMin', 'i32'], ['lMin', 'i32'], ['defaultF', 'f32'],
  ['hRange', 'i32'], ['kRange', 'i32'], ['lRange', 'i32'], ['pad1', 'u32'],
] as const);

const batchCommon = /* wgsl */ `
${BATCH.wgsl}
@group(0) @binding(0) var<uniform> B: Batch;
@group(0) @binding(1) var<uniform> tile: Tile;
@group(0) @binding(2) var<storage, read> grid: array<f32>;
@group(0) @binding(3) var<storage, read> hkl: array<vec2<f32>>; // (hi, lo) of h, k, l per evaluation

fn grid_info() -> GridInfo {
  return GridInfo(B.hMin, B.kMin, B.lMin, B.hRange, B.kRange, B.lRange);
}
fn item_index(wid: vec3<u32>, lid: u32, nwg: vec3<u32>, wg: u32) -> u32 {
  return tile.base + (wid.y * nwg.x + wid.x) * wg + lid;
}
// floor of the pair hi + lo (|lo| <= ulp(hi) / 2)
fn pair_floor(x: vec2<f32>) -> f32 {
  let f = floor(x.x);
  return select(f, f - 1.0, x.x == f && x.y < 0.0);
}
// ceil(x - 0.5) of the pair (C's nearest index; x - 0.5 is exact in f32 for |x| >= 0.5)
fn pair_nearest(x: vec2<f32>) -> f32 {
  let y = x.x - 0.5;
  let c = ceil(y);
  return select(c, c + 1.0, y == c && x.y > 0.0);
}
`;

function batchWgsl(workgroupSize: number): string {
  return /* wgsl */ `
${TILE.wgsl}
${batchCommon}
${TRICUBIC_RANGE_WGSL}
${TRICUBIC_WGSL}
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${workgroupSize})
fn tricubic_batch(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = item_index(wid, lid, nwg, ${workgroupSize}u);
  if (i >= tile.end || i >= B.n) { return; }
  let g = grid_info();
  let h = hkl[3u * i]; let k = hkl[3u * i + 1u]; let l = hkl[3u * i + 2u];
  if (B.interpolate != 0u && i < B.switchIndex) {
    let hf = pair_floor(h); let kf = pair_floor(k); let lf = pair_floor(l);
    out[i] = tricubic_f32(g, i32(hf), i32(kf), i32(lf), (h.x - hf) + h.y, (k.x - kf) + k.y, (l.x - lf) + l.y);
  } else {
    out[i] = nearest_at(g, pair_nearest(h), pair_nearest(k), pair_nearest(l), B.defaultF);
  }
}
`;
}

function batchPrepassWgsl(workgroupSize: number): string {
  return /* wgsl */ `
${TILE.wgsl}
${batchCommon}
${TRICUBIC_RANGE_WGSL}
${TRICUBIC_WGSL}
${switchWgsl(4)}

// (hi - c) + lo: exact-ish margin of the pair to the integer c (hi - c is exact near c by Sterbenz)
fn pair_margin(g: GridInfo, h: vec2<f32>, k: vec2<f32>, l: vec2<f32>) -> f32 {
  let lo = min(min((h.x - f32(g.hMin + 2)) + h.y, (k.x - f32(g.kMin + 2)) + k.y), (l.x - f32(g.lMin + 2)) + l.y);
  let hi = min(min((f32(g.hMin + g.hRange - 3) - h.x) - h.y, (f32(g.kMin + g.kRange - 3) - k.x) - k.y),
               (f32(g.lMin + g.lRange - 3) - l.x) - l.y);
  return min(lo, hi);
}

@compute @workgroup_size(${workgroupSize})
fn tricubic_batch_prepass(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                          @builtin(num_workgroups) nwg: vec3<u32>) {
  sw_begin(lid);
  workgroupBarrier();
  let i = item_index(wid, lid, nwg, ${workgroupSize}u);
  if (i < tile.end && i < B.n && sw_needed(i)) {
    let h = hkl[3u * i]; let k = hkl[3u * i + 1u]; let l = hkl[3u * i + 2u];
    let m = pair_margin(grid_info(), h, k, l);
    // the pair carries 48 bits of the f64 input: its margin is within 2^-40 (1 + |x|) of the f64 one; guard 2^-30
    let guard = 9.313225746154785e-10 * (1.0 + max(max(abs(h.x), abs(k.x)), abs(l.x)));
    if (!(m >= -guard)) { sw_flag_out(i); }        // NaN is out of range, as in the f64 kernels
    else if (m <= guard) { sw_flag_candidate(i); }
  }
  sw_end(lid);
}
`;
}

/** Splits f64 values into (hi, lo) f32 pairs, 3 per evaluation, interleaved h, k, l. */
function pairs(h: Float64Array, k: Float64Array, l: Float64Array): Float32Array {
  const n = h.length;
  const out = new Float32Array(6 * n);
  for (let i = 0; i < n; i++) {
    for (const [j, x] of [[0, h[i]], [1, k[i]], [2, l[i]]] as const) {
      const hi = Math.fround(x);
      out[6 * i + 2 * j] = hi;
      out[6 * i + 2 * j + 1] = Number.isFinite(x) ? Math.fround(x - hi) : 0;
    }
  }
  return out;
}

export interface GpuInterpolationResult {
  values: Float32Array;
  /** Index of the evaluation that switched interpolation off, -1 if none. */
  firstOutOfRange: number;
  /** C's two warning lines when the switch fired (this batch is taken as a whole run). */
  warnings: string[];
  /** How the switch-off was found: pre-pass candidates re-checked in f64 on the host. */
  prepass: { candidates: number; checked: number; overflow: boolean };
  /** Where the time went (seconds; kernel_s from timestamp queries where the device has them). */
  timings: BatchTimings;
}

/**
 * F_cell for n evaluations in nanoBragg's serial order on the GPU (the WebGPU twin of interpolateF with a
 * fresh run state): with `interpolate` (default true) every evaluation before the first out-of-range one is
 * interpolated, that one and all later ones use the nearest neighbour. f32 values; the switch-off is exact.
 */
export async function interpolateGpu(ctx: GpuContext, grid: HklGrid, h: Float64Array, k: Float64Array, l: Float64Array,
                                     opts: { interpolate?: boolean; candidateCapacity?: number } = {}): Promise<GpuInterpolationResult> {
  checkGrid(grid);
  const n = h.length;
  if (k.length !== n || l.length !== n) throw new Error(`h, k, l lengths differ: ${n}, ${k.length}, ${l.length}`);
  if (n >= 2 ** 32 - 1) throw new Error(`at most 2^32 - 2 evaluations per batch, got ${n}`);
  const interpolate = opts.interpolate ?? true;
  const capacity = opts.candidateCapacity ?? DEFAULT_CANDIDATE_CAPACITY;
  const wg = 64;
  const buffers: GPUBuffer[] = [];
  const clock = () => performance.now() / 1000;
  try {
    const t0 = clock();
    const [gridBuf, hklBuf, outBuf] = await ctx.scoped('uploading the tricubic batch', () => {
      const made = (b: GPUBuffer) => (buffers.push(b), b);
      return [
        made(ctx.storageWith('tricubic grid', `the HKL grid (${grid.hRange}x${grid.kRange}x${grid.lRange})`, Float32Array.from(grid.data))),
        made(ctx.storageWith('tricubic hkl', `h, k, l of ${n} evaluations`, pairs(h, k, l))),
        made(ctx.storage('tricubic out', `F of ${n} evaluations`, n * 4)),
      ];
    });
    const uni = (switchIndex: number) => BATCH.pack({
      n, interpolate: interpolate ? 1 : 0, switchIndex, pad0: 0, hMin: grid.hMin, kMin: grid.kMin, lMin: grid.lMin,
      defaultF: grid.defaultF, hRange: grid.hRange, kRange: grid.kRange, lRange: grid.lRange, pad1: 0,
    });
    await ctx.waitIdle();
    const t1 = clock();
    const plan = ctx.plan(n, wg);
    let first = -1;
    let prepass = { candidates: 0, checked: 0, overflow: false };
    if (interpolate) {
      const pre = await ctx.kernel(pipelineKey('tricubic_batch_prepass', { workgroupSize: wg }), () => batchPrepassWgsl(wg),
        'tricubic_batch_prepass', ['uniform', 'tile', 'read', 'read', 'storage']);
      const [uBuf, sBuf] = await ctx.scoped('uploading the tricubic pre-pass inputs', () =>
        [ctx.uniform('tricubic batch params', uni(0)), createSwitchBuffer(ctx, capacity)]);
      buffers.push(uBuf, sBuf);
      await ctx.dispatch('the tricubic switch-off pre-pass', pre, [uBuf, gridBuf, hklBuf, sBuf], plan);
      const report = await readSwitchBuffer(ctx, sBuf, capacity);
      const r = resolveSwitch(report, n, (i) => (outOfRange64(grid, h[i], k[i], l[i]) ? i : null));
      first = r.result ?? -1;
      prepass = { candidates: report.candidateCount, checked: r.checked, overflow: report.overflow };
    }
    const main = await ctx.kernel(pipelineKey('tricubic_batch', { workgroupSize: wg }), () => batchWgsl(wg),
      'tricubic_batch', ['uniform', 'tile', 'read', 'read', 'storage']);
    const uBuf = await ctx.scoped('uploading the tricubic parameters', () => ctx.uniform('tricubic batch params', uni(first < 0 ? 0xffffffff : first)));
    buffers.push(uBuf);
    const t2 = clock();
    const timing = await ctx.dispatch('the batched tricubic kernel', main, [uBuf, gridBuf, hklBuf, outBuf], plan);
    const t3 = clock();
    const values = new Float32Array(await ctx.read(outBuf, n * 4, 'the tricubic values'));
    const warnings = first >= 0 ? [...outOfRangeWarning(h[first], k[first], l[first])] : [];
    const timings = { upload_s: t1 - t0, prepass_s: t2 - t1, kernel_s: timing.gpu_s ?? timing.wall_s, readback_s: clock() - t3 };
    return { values, firstOutOfRange: first, warnings, prepass, timings };
  } finally {
    for (const b of buffers) b.destroy();
  }
}
