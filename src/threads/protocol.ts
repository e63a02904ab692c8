// Messages between the threaded engine (host) and src/threads/worker.js. The worker is plain
// JavaScript so that Node and browsers load the same file untranslated; these types are the
// host's view of its protocol. The shared-memory layout (control slots, chunk states, the kernel's
// switch-off record, the per-chunk output) is declared here only and sent with every job
// (JobMessage.layout): worker.js has no copy of it.
//
//   worker -> host  { type: 'hello' }                     listening (sent once, on start)
//   host -> worker  { type: 'init', index, module, memory }
//   worker -> host  { type: 'ready', index, paramSlots, scratchBytes }   instantiated on the shared memory
//   host -> worker  JobMessage                            claim chunks until none are left
//   worker -> host  { type: 'progress', id, rows }        after each chunk (job.progress only)
//   worker -> host  { type: 'done', id, chunks }          no chunk left for it
//   worker -> host  { type: 'error', id?, message }       one line; the job failed
//
// Control block: two i32 at ctlPtr: [0] next chunk (or list entry) to claim (Atomics.add),
// [1] lowest chunk whose kernel call switched interpolation off (starts at nChunks, lowered by
// compareExchange). Per chunk c: an i32 state at statePtr + 4c (ChunkState) and, for
// SWITCHED, 5 f64 at outBase + 40c: pixel, evaluation, h, k, l of the switch-off.

import type { Dtype } from '../engine/contract.ts';
import { SCRATCH } from '../simulator/param-layout.ts';

export const CTL_NEXT = 0;
export const CTL_FIRST_HIT = 1;
export const CTL_SLOTS = 2;
export const OUT_BYTES = 40;

/** What happened to a chunk of rows in the first pass. */
export const ChunkState = {
  /** not computed (never left after a completed pass) */
  PENDING: 0,
  /** computed with interpolation on from its first row; no switch-off met */
  INTERPOLATING: 1,
  /** computed with interpolation on; the kernel switched it off inside (record at outBase + 40c) */
  SWITCHED: 2,
  /** computed with interpolation off: a lower chunk had already switched it off */
  NEAREST: 3,
} as const;

/** The layout the worker uses, sent with each job. */
export const JOB_LAYOUT = {
  ctlNext: CTL_NEXT,
  ctlFirstHit: CTL_FIRST_HIT,
  doneInterpolating: ChunkState.INTERPOLATING,
  doneSwitched: ChunkState.SWITCHED,
  doneNearest: ChunkState.NEAREST,
  /** byte offset of pixel, evaluation, h, k, l (5 f64) in the kernel's scratch record */
  switchRecord: SCRATCH.PIXEL,
  outBytes: OUT_BYTES,
} as const;

/** Test-only: make worker `worker` fail right after it claims its first chunk of a `kind` job (at its end if it gets none). */
export interface FaultInjection {
  worker: number;
  kind: 'simulate' | 'redo';
  /**
   * throw: an exception inside the job (reported as an error message);
   * abort: the kernel's abort import (as a failed assertion in the kernel would);
   * uncaught: an uncaught exception (the worker's error event);
   * exit: the worker ends itself (process.exit in Node; no event in browsers);
   * hang: the worker never answers (only the timeout ends it);
   * terminate: the host terminates that worker while it is busy.
   */
  mode: 'throw' | 'abort' | 'uncaught' | 'exit' | 'hang' | 'terminate';
}

export interface InitMessage {
  type: 'init';
  index: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

export interface JobMessage {
  type: 'job';
  id: number;
  layout: typeof JOB_LAYOUT;
  /** simulate: chunks 0..nChunks-1; redo: the nList chunks listed at listPtr. */
  kind: 'simulate' | 'redo';
  dtype: Dtype;
  paramsPtr: number;
  imagePtr: number;
  /** Worker i passes scratchBase + i * scratchStride to the pixel loop as its scratch block. */
  scratchBase: number;
  scratchStride: number;
  /** Worker i may use paramSlots f64 at privateParamsBase + 8 i paramSlots (a copy with interpolation off). */
  privateParamsBase: number;
  paramSlots: number;
  interpolateSlot: number;
  /** The run interpolates (so a switch-off can happen). */
  interpolate: boolean;
  /** Test only: never start a chunk with interpolation off (forces the redo pass after a switch-off). */
  ignoreKnownSwitch: boolean;
  ctlPtr: number;
  statePtr: number;
  outBase: number;
  listPtr: number;
  nList: number;
  /** Image size; a worker zeroes a chunk's rows (the kernels add to the image) before computing them. */
  width: number;
  height: number;
  chunkRows: number;
  nChunks: number;
  progress: boolean;
  fault?: FaultInjection;
}

export type WorkerMessage =
  | { type: 'hello' }
  | { type: 'ready'; index: number; paramSlots: number; scratchBytes: number }
  | { type: 'progress'; id: number; rows: number }
  | { type: 'done'; id: number; chunks: number }
  | { type: 'error'; id?: number; message: string };
