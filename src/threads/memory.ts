// The threads build (build/simd-threads.wasm) and the shared memory it imports.
//
// The module imports `env.memory` (shared, maximum 32768 pages = 2 GiB) instead of exporting
// one, so the host creates the memory, hands it to every worker, and owns everything above the
// module's declared initial size with a bump arena (SharedArena). Only the host allocates and
// grows, always before it dispatches work; a shared memory never moves when it grows, but
// `memory.buffer` has to be read again to see the new length, so views are taken per call.

import { BumpArena, PAGE } from '../wasm/arena.ts';
import { readWasmBinary } from '../wasm/loader.ts';

export const THREADS_BINARY = 'simd-threads';

function readBinary(): Promise<Uint8Array> {
  return readWasmBinary(new URL('../../build/simd-threads.wasm', import.meta.url));
}

export interface MemoryImport {
  initial: number;
  maximum: number | undefined;
  shared: boolean;
}

/** The limits of the module's imported memory, read from its import section (null if it imports none). */
export function memoryImportOf(bytes: Uint8Array): MemoryImport | null {
  let p = 8;
  const u8 = () => bytes[p++];
  const leb = () => {
    let result = 0, shift = 0, b: number;
    do {
      b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const skipName = () => {
    const n = leb();
    p += n;
  };
  const limits = () => {
    const flags = u8();
    const initial = leb();
    const maximum = flags & 1 ? leb() : undefined;
    return { initial, maximum, shared: (flags & 2) !== 0 };
  };
  while (p < bytes.length) {
    const id = u8();
    const size = leb();
    const end = p + size;
    if (id === 2) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        skipName();
        skipName();
        const kind = u8();
        if (kind === 0) leb();
        else if (kind === 1) { u8(); limits(); }
        else if (kind === 2) return limits();
        else if (kind === 3) { u8(); u8(); }
        else if (kind === 4) { u8(); leb(); }
        else throw new Error(`unknown import kind ${kind} in ${THREADS_BINARY}.wasm`);
      }
      return null;
    }
    p = end;
  }
  return null;
}

export interface ThreadsModule {
  module: WebAssembly.Module;
  /** Pages the module needs at least (its static data lies below initial * 64 KiB). */
  initialPages: number;
  maximumPages: number;
}

let cached: Promise<ThreadsModule> | undefined;

/** Reads and compiles build/simd-threads.wasm once per process (or page). */
export function compileThreadsModule(): Promise<ThreadsModule> {
  if (!cached) {
    cached = (async () => {
      const bytes = await readBinary();
      const mem = memoryImportOf(bytes);
      if (!mem || !mem.shared || mem.maximum === undefined) {
        throw new Error(`${THREADS_BINARY}.wasm does not import a shared memory: rebuild with npm run asbuild`);
      }
      const module = await WebAssembly.compile(bytes as BufferSource);
      return { module, initialPages: mem.initial, maximumPages: mem.maximum };
    })();
    cached.catch(() => (cached = undefined));
  }
  return cached;
}

/** A bump arena over an imported shared memory; only the host thread allocates. */
export class SharedArena extends BumpArena {
  constructor(
    memory: WebAssembly.Memory,
    basePages: number,
    readonly maximumPages: number,
  ) {
    super(memory, basePages * PAGE, maximumPages * PAGE,
      `the threads build can address ${((maximumPages * PAGE) / 2 ** 30).toFixed(2)} GiB`);
  }

  /** A fresh shared memory of `initialPages` for a module declaring `maximumPages`. */
  static create(initialPages: number, maximumPages: number): SharedArena {
    const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
    return new SharedArena(memory, initialPages, maximumPages);
  }
}
