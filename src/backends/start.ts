// Starting a backend: `auto` (the first of BACKEND_ORDER that this runtime has and that starts, with the
// reason for each one passed over) or one named backend (it runs, or throws with the reason; it is never
// silently replaced). Used by the library (src/index.ts), the CLI (src/simulator/run.ts) and the bench.

import { BACKEND_CHOICES, BACKEND_ORDER, type Backend, type Dtype, type EngineBackend } from './names.ts';
import { ENGINES, createEngine, firstLine } from './registry.ts';
import type { SimEngine } from '../engine/contract.ts';
import { explainWasmMemoryFailure } from './address-space.ts';

export { closeEngine } from '../engine/contract.ts';

export interface SimulatorOptions {
  /** Default 'auto'. */
  backend?: Backend;
  /**
   * 'f64': the C program's double-precision arithmetic (image within float32 rounding of nanoBragg's);
   * 'f32' (default): geometry in f64, the rest in f32 (max|diff|/max <= 5e-6 against C). See docs/precision.md.
   */
  dtype?: Dtype;
  /** Workers for 'wasm-threads' (default: every core). */
  threads?: number;
  /**
   * With 'auto': backends to pass over, each with the reason (the command line passes over webgpu for a
   * simulation it does not compute yet, src/webgpu/refusals.ts).
   */
  passOver?: Partial<Record<EngineBackend, string>>;
}

/** One backend 'auto' considered (or the one asked for), and why it was or was not used. */
export interface BackendAttempt {
  backend: EngineBackend;
  ok: boolean;
  reason: string;
  /** Passed over by the caller (SimulatorOptions.passOver), not probed. */
  passedOver?: true;
}

/** What each backend would say here, without starting any engine (webgpu opens and closes a device). */
export async function detectBackends(): Promise<BackendAttempt[]> {
  const out: BackendAttempt[] = [];
  for (const backend of BACKEND_ORDER) out.push({ backend, ...(await ENGINES[backend].probe('f32', false)) });
  return out;
}

/**
 * Starts an engine for `backend` ('auto' by default: the first of webgpu (a hardware adapter),
 * wasm-threads, wasm, wasm-scalar that this runtime has and that starts), with the reason for the
 * choice and every attempt. A named backend that cannot run here throws an Error with the reason.
 */
export async function startBackend(options: SimulatorOptions = {}): Promise<{ engine: SimEngine; reason: string; attempts: BackendAttempt[] }> {
  if (options === null || typeof options !== 'object') throw new TypeError(`simulator options must be an object ({ backend, dtype, threads }), got ${String(options)}`);
  // a misspelt option (dtpe: 'f64') must not silently give the default
  const unknown = Object.keys(options).find((k) => !['backend', 'dtype', 'threads', 'passOver'].includes(k));
  if (unknown !== undefined) throw new TypeError(`unknown simulator option '${unknown}' (backend, dtype, threads, passOver)`);
  const requested = options.backend ?? 'auto';
  const dtype = options.dtype ?? 'f32';
  if (!BACKEND_CHOICES.includes(requested)) throw new TypeError(`unknown backend '${String(requested)}' (${BACKEND_CHOICES.join(', ')})`);
  if (dtype !== 'f32' && dtype !== 'f64') throw new TypeError(`unknown dtype '${String(dtype)}' (f32, f64)`);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new TypeError(`threads must be an integer >= 1, got ${String(options.threads)}`);
  }
  if (options.threads !== undefined && requested !== 'wasm-threads' && requested !== 'auto') {
    throw new TypeError(`threads applies to backend 'wasm-threads' (or 'auto'), not to '${requested}'`);
  }
  const auto = requested === 'auto';
  const attempts: BackendAttempt[] = [];
  for (const backend of auto ? BACKEND_ORDER : [requested as EngineBackend]) {
    const skip = auto ? options.passOver?.[backend] : undefined;
    if (skip) {
      attempts.push({ backend, ok: false, reason: skip, passedOver: true });
      continue;
    }
    const p = await ENGINES[backend].probe(dtype, auto);
    if (!p.ok) {
      attempts.push({ backend, ok: false, reason: p.reason });
      if (!auto) throw new Error(`backend ${backend} is unavailable here: ${p.reason}`);
      continue;
    }
    let engine: SimEngine;
    try {
      engine = await createEngine({ backend, dtype, threads: options.threads });
    } catch (e) {
      const why = explainWasmMemoryFailure(firstLine(e));
      attempts.push({ backend, ok: false, reason: `failed to start: ${why}` });
      if (!auto) throw new Error(`backend ${backend} failed to start: ${why}`);
      continue;
    }
    attempts.push({ backend, ok: true, reason: p.reason });
    const reason = auto
      ? `auto: ${attempts.map((x) => (x.ok ? `chose ${x.backend} (${x.reason})` : `${x.backend} ${x.passedOver ? 'passed over' : 'unavailable'} (${x.reason})`)).join('; ')}`
      : `requested (${p.reason})`;
    return { engine, reason, attempts };
  }
  throw new Error(`no backend could start: ${attempts.map((x) => `${x.backend}: ${x.reason}`).join('; ')}`);
}
