// A bump allocator over a WebAssembly memory, owned by the host. The kernels never allocate:
// the host reserves their inputs, outputs and scratch here, and frees everything at once.
// After a grow every typed-array view on the old buffer is detached, so take views (f64, f32,
// i32, u8) after the last alloc() of a call, never keep them across calls that may allocate.

export const PAGE = 65536;

export class BumpArena {
  private top: number;

  /**
   * @param base first byte the arena may use (everything below belongs to the module)
   * @param limit one past the last byte it may use
   * @param limitNote what the limit is, for the error message
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    readonly base: number,
    private readonly limit: number,
    private readonly limitNote: string,
  ) {
    this.top = base;
  }

  /** Reserves `bytes` (aligned) and returns the byte offset; grows the memory as needed. */
  alloc(bytes: number, align = 16): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`invalid allocation of ${bytes} bytes`);
    const ptr = Math.ceil(this.top / align) * align;
    const end = ptr + bytes;
    if (end > this.limit) {
      throw new Error(`WebAssembly memory limit: ${(end / 2 ** 30).toFixed(2)} GiB needed, ${this.limitNote}`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** Frees every allocation (the memory itself stays committed). */
  reset(): void {
    this.top = this.base;
  }

  /** Bytes in use. */
  get used(): number {
    return this.top - this.base;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
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
