// Loads the AssemblyScript kernels (build/scalar.wasm or build/simd.wasm). The kernels never
// allocate (runtime "stub", no managed objects); the host owns everything above the module's
// initial memory through a BumpArena (src/wasm/arena.ts).

import { BumpArena } from './arena.ts';

export type WasmFlavour = 'scalar' | 'simd';

/** The smallest module that uses a v128 instruction: validates only where WASM SIMD exists. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** True when this runtime validates WebAssembly SIMD128 code. */
export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function readBinary(flavour: WasmFlavour): Promise<Uint8Array> {
  return readWasmBinary(new URL(`../../build/${flavour}.wasm`, import.meta.url));
}

/** The bytes of a built .wasm: from the file system in Node and Deno-with-Node-compat, else by fetch. */
export async function readWasmBinary(url: URL): Promise<Uint8Array> {
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(url);
    } catch (e) {
      throw new Error(`missing WebAssembly binary ${url.pathname}: run "npm run asbuild" (${(e as Error).message})`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const moduleCache = new Map<WasmFlavour, Promise<WebAssembly.Module>>();

/** Compiles (once per process) the module of one flavour. */
export function compileKernels(flavour: WasmFlavour): Promise<WebAssembly.Module> {
  let m = moduleCache.get(flavour);
  if (!m) {
    m = readBinary(flavour).then((b) => WebAssembly.compile(b as BufferSource));
    moduleCache.set(flavour, m);
  }
  return m;
}

function decodeAbort(memory: WebAssembly.Memory, msgPtr: number): string {
  if (!msgPtr) return '';
  const u32 = new Uint32Array(memory.buffer);
  const len = u32[(msgPtr - 4) >>> 2] >>> 1;
  return String.fromCharCode(...new Uint16Array(memory.buffer, msgPtr, len));
}

/** One instance of the kernels with its own memory; the host's arena over it. */
export class WasmKernels extends BumpArena {
  constructor(
    readonly flavour: WasmFlavour,
    readonly instance: WebAssembly.Instance,
    memory: WebAssembly.Memory,
  ) {
    super(memory, memory.buffer.byteLength, 0xffff0000, 'a 32-bit module can address 4 GiB');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get exports(): any {
    return this.instance.exports;
  }
}

/** Instantiates a fresh set of kernels. `flavour` defaults to SIMD where the runtime has it. */
export async function loadKernels(flavour?: WasmFlavour): Promise<WasmKernels> {
  const f: WasmFlavour = flavour ?? (wasmSimdSupported() ? 'simd' : 'scalar');
  if (f === 'simd' && !wasmSimdSupported()) throw new Error('this runtime has no WebAssembly SIMD: use the wasm-scalar backend');
  const module = await compileKernels(f);
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number) {
        const m = memory ? decodeAbort(memory, msg) : '';
        const where = memory ? decodeAbort(memory, file) : '';
        throw new Error(`WebAssembly kernel aborted: ${m} at ${where}:${line}:${col}`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  return new WasmKernels(f, instance, memory);
}
