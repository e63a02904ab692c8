// Loads the AssemblyScript kernels (build/scalar.wasm or build/simd.wasm) and manages
// their linear memory from the host.
//
// Memory model: the kernels never allocate (runtime "stub", no managed objects); the host
// owns everything above the module's initial memory with a bump arena. After a grow every
// typed-array view on the old buffer is detached, so take views (f64/f32/u8/i32) after the
// last alloc() of a call, never keep them across calls that may allocate.

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
  const url = new URL(`../../build/${flavour}.wasm`, import.meta.url);
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

/** One instance of the kernels with its own memory and arena. */
export class WasmKernels {
  readonly base: number;
  private top: number;

  constructor(
    readonly flavour: WasmFlavour,
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
  ) {
    this.base = memory.buffer.byteLength;
    this.top = this.base;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get exports(): any {
    return this.instance.exports;
  }

  /** Reserves `bytes` (aligned to 16) and returns the byte offset; grows memory as needed. */
  alloc(bytes: number, align = 16): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`invalid allocation of ${bytes} bytes`);
    const ptr = Math.ceil(this.top / align) * align;
    const end = ptr + bytes;
    if (end > 0xffff0000) {
      throw new Error(`WebAssembly memory limit: ${(end / 2 ** 30).toFixed(2)} GiB needed, 4 GiB is the most a 32-bit module can address`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
    this.top = end;
    return ptr;
  }

  /** Frees every allocation (the memory itself stays committed). */
  reset(): void {
    this.top = this.base;
  }

  /** Bytes in use by the arena. */
  get used(): number {
    return this.top - this.base;
  }

  f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, n);
  }
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }
  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }
  u8(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /** Copies `data` into a fresh allocation and returns its pointer. */
  put(data: Float64Array | Float32Array | Int32Array | Uint8Array): number {
    const ptr = this.alloc(data.byteLength);
    new Uint8Array(this.memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
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
