// The interpolation switch-off on the GPU (docs/c-behaviour/minimal-loop.md 3.5, traps T-2/T-3; docs/precision.md "Always").
//
// nanoBragg switches tricubic interpolation off for good at the first out-of-range evaluation in serial order.
// A pre-pass kernel computes every evaluation's range margin (the distance of h, k, l inside the window
// hMin+2 <= h <= hMax-2, negative outside) in f32 and reports, per unit of serial order (a pixel for the image,
// an evaluation for the batched kernel):
//   - `first`: the smallest unit holding an evaluation whose margin is below -guard (out of range however the
//     f32 error falls), by a workgroup atomicMin followed by one global atomicMin per workgroup;
//   - `candidates`: units holding an evaluation with |margin| <= guard (f32 cannot decide), appended to a list.
// The host then decides exactly, in f64 (geometry64.ts for pixels; the caller's f64 inputs for batches): the
// candidates below `first` in ascending order, then `first` itself; the first unit with a real out-of-range
// evaluation is the switch. If the candidate list overflowed, every unit up to `first` is checked on the host.

import type { GpuContext } from './context.ts';

/** Marks "no unit" in the pre-pass result. */
export const NO_UNIT = 0xffffffff;

/** Candidate slots of the pre-pass result buffer (units with an undecidable margin; normally a handful). */
export const DEFAULT_CANDIDATE_CAPACITY = 4096;

/**
 * WGSL: the result buffer (binding `binding`) and helpers. The kernel declares `var<workgroup> sw_wg_first`,
 * calls sw_begin(lid) / workgroupBarrier() first, sw_flag_out(unit) and sw_flag_candidate(unit) while working,
 * and sw_end(lid) at the end in uniform control flow (it contains the barriers).
 */
export function switchWgsl(binding: number): string {
  return /* wgsl */ `
// ---- switch-off pre-pass result (src/webgpu/switchoff.ts) ----
struct SwitchResult {
  first: atomic<u32>,
  count: atomic<u32>,
  pad0: u32,
  pad1: u32,
  candidates: array<u32>,
}
@group(0) @binding(${binding}) var<storage, read_write> sw: SwitchResult;
var<workgroup> sw_wg_first: atomic<u32>;

fn sw_begin(lid: u32) {
  if (lid == 0u) { atomicStore(&sw_wg_first, ${NO_UNIT}u); }
}
// A unit beyond the first definite one found so far cannot matter: skip its work.
fn sw_needed(unit: u32) -> bool {
  return unit < atomicLoad(&sw.first);
}
fn sw_flag_out(unit: u32) {
  atomicMin(&sw_wg_first, unit);
}
fn sw_flag_candidate(unit: u32) {
  let slot = atomicAdd(&sw.count, 1u);
  if (slot < arrayLength(&sw.candidates)) { sw.candidates[slot] = unit; }
}
fn sw_end(lid: u32) {
  workgroupBarrier();
  if (lid == 0u) {
    let m = atomicLoad(&sw_wg_first);
    if (m != ${NO_UNIT}u) { atomicMin(&sw.first, m); }
  }
}
`;
}

/** A fresh pre-pass result buffer: first = none, count = 0, `capacity` candidate slots. */
export function createSwitchBuffer(ctx: GpuContext, capacity = DEFAULT_CANDIDATE_CAPACITY): GPUBuffer {
  const init = new Uint32Array(4 + capacity);
  init[0] = NO_UNIT;
  return ctx.storageWith('switch-off pre-pass', 'the switch-off pre-pass result', init);
}

export interface PrepassReport {
  /** Smallest unit with a definitely out-of-range evaluation, or null. */
  first: number | null;
  /** Units with an undecidable margin (unsorted, possibly repeated), all of them unless `overflow`. */
  candidates: number[];
  /** How many candidates the kernel found (may exceed the list). */
  candidateCount: number;
  overflow: boolean;
}

export async function readSwitchBuffer(ctx: GpuContext, buf: GPUBuffer, capacity = DEFAULT_CANDIDATE_CAPACITY): Promise<PrepassReport> {
  const words = new Uint32Array(await ctx.read(buf, (4 + capacity) * 4, 'the switch-off pre-pass result'));
  const first = words[0] === NO_UNIT ? null : words[0];
  const count = words[1];
  const kept = Math.min(count, capacity);
  return { first, candidates: Array.from(words.subarray(4, 4 + kept)), candidateCount: count, overflow: count > capacity };
}

/**
 * The exact switch-off unit from a pre-pass report: `check(unit)` decides one unit in f64 (its result, or null
 * when the unit has no out-of-range evaluation). Units are checked in ascending order: the candidates below
 * `first`, then `first` (or, after an overflow, every unit from 0 to `first`, or to `units` when there is none).
 */
export function resolveSwitch<T>(report: PrepassReport, units: number, check: (unit: number) => T | null): { result: T | null; checked: number } {
  const limit = report.first ?? units;
  let order: number[];
  if (report.overflow) {
    order = [];
    for (let u = 0; u < Math.min(limit + 1, units); u++) order.push(u);
  } else {
    order = [...new Set(report.candidates.filter((u) => u < limit))].sort((a, b) => a - b);
    if (report.first !== null) order.push(report.first);
  }
  let checked = 0;
  for (const u of order) {
    checked++;
    const r = check(u);
    if (r !== null) return { result: r, checked };
  }
  return { result: null, checked };
}
