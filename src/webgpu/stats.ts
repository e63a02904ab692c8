// C's image statistics (max_I and where, mean, rms, rmsd over the ROI; src/io/stats.ts) computed on the GPU, so
// that a whole image never needs a pass on the host: at 4096^2 the JS loop alone takes tens of milliseconds,
// more than the GPU needs for the image itself.
//
// One kernel, one record per workgroup; the host combines the records in f64 (combineStatsRecords):
//  - max_I and its raster index: exact (strict > in ascending pixel order inside a thread, ties to the lower
//    index between threads and workgroups: the first pixel attaining the maximum, starting from 0 as C does);
//  - count: exact;
//  - sum and sumsqr: float-pair (TwoSum) accumulation, |error| about 2^-44 of the sum, well below C's own
//    rounding of a serial double sum; v * v rounded to f32 as C's float*float product is;
//  - rmsd: each workgroup also sums d = v - c and d^2 with c its own f32 mean, and the host uses
//    sum (v - mean)^2 = S2 - 2 (mean - c) S1 + n (mean - c)^2 per workgroup (Chan et al.'s parallel variance).
//    d and d^2 are rounded to f32, so rmsd carries a relative error of about 2^-23 (bounded by Cauchy-Schwarz,
//    whatever the image); tests/webgpu.test.ts checks every figure against the host loop.
// The kernel relies on IEEE f32 addition without reassociation (TwoSum). Vulkan's SPIR-V rules forbid such
// rewrites, OpenGL's do not. So an engine first runs statsArithmeticExact() on its device - pair_add over inputs
// from a buffer against pairAddF32 - and computes the statistics on the host where it fails: Deno's wgpu on its GL
// backend (Mesa llvmpipe) does (VK_ICD_FILENAMES=/nonexistent npx deno test --allow-read --allow-env
// tests/deno/webgpu_test.ts -- --webgpu: "statistics on the host (... float-pair check failed ...)").

import type { SimStats } from '../engine/contract.ts';
import { statsFromSums } from '../io/stats.ts';
import { TILE, uniformLayout } from './uniforms.ts';
import type { GpuContext } from './context.ts';
import { pipelineKey } from './select.ts';

export const STATS = uniformLayout('StatsParams', [
  ['width', 'u32'], ['npix', 'u32'], ['x0', 'i32'], ['x1', 'i32'],
  ['y0', 'i32'], ['y1', 'i32'], ['origin', 'u32'], ['pad1', 'u32'],
] as const);

/** Pixels each thread reads (kept in registers for the second sum). */
export const STATS_PER_THREAD = 16;
/** u32 words per workgroup record: max, index, count, c, then the pairs sum, sumsqr, S1, S2 (hi, lo each). */
export const STATS_RECORD_WORDS = 12;
const NONE = 0xffffffff;

/** Workgroups (= records) for `npix` pixels (an image, or a row band of one). */
export function statsGroups(npix: number, workgroupSize: number): number {
  return Math.ceil(npix / (workgroupSize * STATS_PER_THREAD));
}

/**
 * The uniform block: image width, the ROI clamped to the image (inclusive bounds, as C's loops), and the part
 * of the image in the buffer: `count` pixels from raster index `origin` (a row band; default the whole image).
 */
export function statsUniforms(width: number, height: number, roi: { xmin: number; xmax: number; ymin: number; ymax: number },
                              origin = 0, count = width * height): ArrayBuffer {
  const clamp = (v: number, hi: number) => Math.max(-1, Math.min(hi, v));
  return STATS.pack({
    width, npix: count, origin,
    x0: clamp(Math.max(0, roi.xmin), width), x1: clamp(roi.xmax, width - 1),
    y0: clamp(Math.max(0, roi.ymin), height), y1: clamp(roi.ymax, height - 1),
    pad1: 0,
  });
}

/** WGSL float-pair addition (TwoSum, then a fast renormalisation); pairAddF32 is its host twin. */
const PAIR_WGSL = /* wgsl */ `
// Knuth's TwoSum: a + b == s + e exactly
fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}
fn pair_add(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
  let s = two_sum(x.x, y.x);
  let e = s.y + (x.y + y.y);
  let h = s.x + e;
  return vec2<f32>(h, e - (h - s.x));
}
`;

export function statsWgsl(workgroupSize: number): string {
  let pow2 = 1;
  while (pow2 < workgroupSize) pow2 *= 2;
  return /* wgsl */ `
${STATS.wgsl}
${TILE.wgsl}
@group(0) @binding(0) var<uniform> P: StatsParams;
@group(0) @binding(1) var<uniform> tile: Tile;
@group(0) @binding(2) var<storage, read> image: array<f32>;
@group(0) @binding(3) var<storage, read_write> records: array<u32>;

const WG: u32 = ${workgroupSize}u;
const WG_POW2: u32 = ${pow2}u;
const K: u32 = ${STATS_PER_THREAD}u;
const NONE: u32 = ${NONE}u;

${PAIR_WGSL}
var<workgroup> w_max: array<f32, WG>;
var<workgroup> w_idx: array<u32, WG>;
var<workgroup> w_n: array<u32, WG>;
var<workgroup> w_a: array<vec2<f32>, WG>;
var<workgroup> w_b: array<vec2<f32>, WG>;
var<workgroup> w_c: f32;

// Tree reduction of the workgroup arrays into slot 0 (max with the lower index on ties, counts, pairs).
fn reduce(lid: u32, with_max: bool) {
  for (var s = WG_POW2 / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s && lid + s < WG) {
      let o = lid + s;
      if (with_max) {
        if (w_max[o] > w_max[lid] || (w_max[o] == w_max[lid] && w_idx[o] < w_idx[lid])) {
          w_max[lid] = w_max[o];
          w_idx[lid] = w_idx[o];
        }
        w_n[lid] += w_n[o];
      }
      w_a[lid] = pair_add(w_a[lid], w_a[o]);
      w_b[lid] = pair_add(w_b[lid], w_b[o]);
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
         @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = tile.base / WG + wid.y * nwg.x + wid.x;
  if (group * WG >= tile.end) { return; }
  let first = group * WG * K;
  var v: array<f32, K>;
  var valid = 0u;
  var m = 0.0;
  var mi = NONE;
  var n = 0u;
  var sum = vec2<f32>(0.0, 0.0);
  var sq = vec2<f32>(0.0, 0.0);
  for (var j = 0u; j < K; j++) {
    let p = first + j * WG + lid;
    if (p >= P.npix) { break; }
    let q = P.origin + p; // raster index
    let x = i32(q % P.width);
    let y = i32(q / P.width);
    if (x < P.x0 || x > P.x1 || y < P.y0 || y > P.y1) { continue; }
    let a = image[p];
    v[j] = a;
    valid |= 1u << j;
    if (a > m) { m = a; mi = q; }
    sum = pair_add(sum, vec2<f32>(a, 0.0));
    sq = pair_add(sq, vec2<f32>(a * a, 0.0));
    n += 1u;
  }
  w_max[lid] = m;
  w_idx[lid] = mi;
  w_n[lid] = n;
  w_a[lid] = sum;
  w_b[lid] = sq;
  reduce(lid, true);
  let gn = w_n[0];
  let gsum = w_a[0];
  let gsq = w_b[0];
  if (lid == 0u) {
    w_c = select(0.0, (gsum.x + gsum.y) / f32(gn), gn > 0u);
  }
  workgroupBarrier();
  let c = w_c;
  var s1 = vec2<f32>(0.0, 0.0);
  var s2 = vec2<f32>(0.0, 0.0);
  for (var j = 0u; j < K; j++) {
    if ((valid & (1u << j)) != 0u) {
      let d = v[j] - c;
      s1 = pair_add(s1, vec2<f32>(d, 0.0));
      s2 = pair_add(s2, vec2<f32>(d * d, 0.0));
    }
  }
  w_a[lid] = s1;
  w_b[lid] = s2;
  reduce(lid, false);
  if (lid == 0u) {
    let r = group * ${STATS_RECORD_WORDS}u;
    records[r] = bitcast<u32>(w_max[0]);
    records[r + 1u] = w_idx[0];
    records[r + 2u] = gn;
    records[r + 3u] = bitcast<u32>(c);
    records[r + 4u] = bitcast<u32>(gsum.x);
    records[r + 5u] = bitcast<u32>(gsum.y);
    records[r + 6u] = bitcast<u32>(gsq.x);
    records[r + 7u] = bitcast<u32>(gsq.y);
    records[r + 8u] = bitcast<u32>(w_a[0].x);
    records[r + 9u] = bitcast<u32>(w_a[0].y);
    records[r + 10u] = bitcast<u32>(w_b[0].x);
    records[r + 11u] = bitcast<u32>(w_b[0].y);
  }
}
`;
}

/** How close the GPU statistics come to the host loop's (src/io/stats.ts): the bounds the header derives. */
export const GPU_STATS_TOLERANCE = { sums: 1e-12, rmsd: 3e-7 } as const;

/**
 * The GPU statistics against the host loop's over the same image: whether max_I, its index and the count are
 * equal, the worst relative difference of sum, mean and rms, and that of rmsd; `ok` within GPU_STATS_TOLERANCE.
 */
export function compareStats(gpu: SimStats, host: SimStats): { exact: boolean; sums: number; rmsd: number; ok: boolean } {
  const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
  const exact = gpu.maxI === host.maxI && gpu.maxIndex === host.maxIndex && gpu.count === host.count;
  const sums = Math.max(rel(gpu.sum, host.sum), rel(gpu.mean, host.mean), rel(gpu.rms, host.rms));
  const rmsd = rel(gpu.rmsd, host.rmsd);
  return { exact, sums, rmsd, ok: exact && sums <= GPU_STATS_TOLERANCE.sums && rmsd <= GPU_STATS_TOLERANCE.rmsd };
}

/**
 * C's statistics from the kernel's workgroup records in f64. The records must come in ascending pixel order
 * (workgroup order, then band order when the image went through in row bands).
 */
export function combineStatsRecords(words: Uint32Array): SimStats {
  const f = new Float32Array(words.buffer, words.byteOffset, words.length);
  const groups = Math.floor(words.length / STATS_RECORD_WORDS);
  let maxI = 0, maxIndex = -1, sum = 0, sumsqr = 0, n = 0;
  for (let g = 0; g < groups; g++) {
    const r = g * STATS_RECORD_WORDS;
    if (f[r] > maxI) {
      maxI = f[r];
      maxIndex = words[r + 1];
    }
    n += words[r + 2];
    sum += f[r + 4] + f[r + 5];
    sumsqr += f[r + 6] + f[r + 7];
  }
  const mean = sum / (n <= 0 ? 1 : n);
  let dev = 0;
  for (let g = 0; g < groups; g++) {
    const r = g * STATS_RECORD_WORDS;
    const ng = words[r + 2];
    if (ng === 0) continue;
    const shift = mean - f[r + 3];
    dev += (f[r + 10] + f[r + 11]) - 2 * shift * (f[r + 8] + f[r + 9]) + ng * shift * shift;
  }
  return statsFromSums(maxI, maxIndex, sum, sumsqr, n, Math.max(0, dev));
}

// ---- the arithmetic check ------------------------------------------------------------------------------------

const f = Math.fround;

/** pair_add of the WGSL above in f32, operation by operation (the IEEE result a conforming GPU must give). */
export function pairAddF32(x: readonly [number, number], y: readonly [number, number]): [number, number] {
  const s = f(x[0] + y[0]);
  const bb = f(s - x[0]);
  const se = f(f(x[0] - f(s - bb)) + f(y[0] - bb));
  const e = f(se + f(x[1] + y[1]));
  const h = f(s + e);
  return [h, f(e - f(h - s))];
}

/** Inputs of the check: sums whose rounding error a reassociating compiler would lose (as f32 pairs). */
export function pairCheckInputs(): Float32Array {
  const cases: [number, number, number, number][] = [
    [1, 0, 2 ** -30, 0], [1, 2 ** -26, 2 ** -25, 0], [16777216, 0, 1, 0], [3, 0, -3 - 2 ** -22, 0],
    [0.1, 0, 0.2, 0], [1e8, 0, 1.5, 0], [-7.25, 2 ** -30, 7.25 + 2 ** -20, -(2 ** -45)], [2 ** -10, 0, 1 - 2 ** -24, 0],
    [12345.678, 0.0001, -0.0012345, 1e-11], [0.7845991, 1e-9, 0.0872676, -2e-10], [5, 0, 5, 0], [0, 0, 0, 0],
  ];
  return Float32Array.from(cases.flat());
}

/** True when the GPU's pair_add results (`out`, two f32 per case) equal pairAddF32 bit for bit. */
export function pairCheckPasses(inputs: Float32Array, out: Float32Array): boolean {
  const bits = new Uint32Array(1);
  const asBits = (v: number) => ((new Float32Array(bits.buffer)[0] = v), bits[0]);
  for (let i = 0; i < inputs.length / 4; i++) {
    const want = pairAddF32([inputs[4 * i], inputs[4 * i + 1]], [inputs[4 * i + 2], inputs[4 * i + 3]]);
    if (asBits(out[2 * i]) !== asBits(want[0]) || asBits(out[2 * i + 1]) !== asBits(want[1])) return false;
  }
  return true;
}

/** WGSL of the check kernel: out[i] = pair_add(in[i].xy, in[i].zw), inputs from a buffer (nothing to fold). */
export function pairCheckWgsl(workgroupSize: number): string {
  return /* wgsl */ `
${PAIR_WGSL}
${TILE.wgsl}
@group(0) @binding(0) var<uniform> tile: Tile;
@group(0) @binding(1) var<storage, read> pairs_in: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> pairs_out: array<vec2<f32>>;

@compute @workgroup_size(${workgroupSize})
fn pair_check(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= tile.end) { return; }
  let v = pairs_in[g.x];
  pairs_out[g.x] = pair_add(v.xy, v.zw);
}
`;
}

/**
 * Runs the check kernel on `ctx`'s device: true when its float-pair additions are exact IEEE f32 (the statistics
 * kernel's sums can then be trusted to ~2^-44), false when the shader compiler rewrote them.
 */
export async function statsArithmeticExact(ctx: GpuContext): Promise<boolean> {
  const inputs = pairCheckInputs();
  const n = inputs.length / 4;
  const kernel = await ctx.kernel(pipelineKey('pair_check', { workgroupSize: 64 }), () => pairCheckWgsl(64), 'pair_check', ['tile', 'read', 'storage']);
  const buffers: GPUBuffer[] = [];
  try {
    const [inBuf, outBuf] = await ctx.scoped('uploading the float-pair check', () => {
      const i = ctx.storageWith('pair check in', 'the float-pair check inputs', inputs);
      buffers.push(i);
      const o = ctx.storage('pair check out', 'the float-pair check results', n * 8);
      buffers.push(o);
      return [i, o];
    });
    await ctx.dispatch('the float-pair check', kernel, [inBuf, outBuf], ctx.plan(n, 64));
    return pairCheckPasses(inputs, new Float32Array(await ctx.read(outBuf, n * 8, 'the float-pair check results')));
  } finally {
    for (const b of buffers) b.destroy();
  }
}
