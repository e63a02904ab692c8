// The one list of compute backends: names, what runs, precisions, and the order `auto` tries them in.
// Everything else (the CLI's --backend values and help, the library's Backend type and probing order, the
// engine factory's names, the bench backends) derives from BACKEND_LIST. Data only: no imports, so every
// module (browser code included) can read it without pulling an engine in.
//
// To add a backend: one entry here, its probe and factory in src/backends/registry.ts (ENGINES, a Record the
// type checker holds complete), and its engine behind the contract of src/engine/contract.ts.

export type Dtype = 'f32' | 'f64';
export const DTYPES: readonly Dtype[] = ['f32', 'f64'];

/**
 * What a backend promises about its image against the C program's (docs/precision.md):
 * 'c-bits': bit-identical float image wherever C is deterministic;
 * 'flat': max|diff|/max(C) <= maxRel, |sum ratio - 1| <= sumRatio, 1 - r <= oneMinusR for any crystal;
 * 'pure-f32': the per-simulation bound of docs/precision.md, S = pi N_max h_max 2^-24
 *   (max|diff|/max <= 8S + 2e-6, |sum ratio - 1| <= 8S + 2e-6, 1 - r <= 20 S^2 + 1e-10).
 */
export type DeclaredPrecision =
  | { kind: 'c-bits' }
  | { kind: 'flat'; maxRel: number; sumRatio: number; oneMinusR: number }
  | { kind: 'pure-f32' };

const C_BITS: DeclaredPrecision = { kind: 'c-bits' };
const WASM_F32: DeclaredPrecision = { kind: 'flat', maxRel: 5e-6, sumRatio: 1e-6, oneMinusR: 1e-10 };

export interface BackendDescriptor {
  /** --backend value. */
  name: 'wasm' | 'wasm-scalar' | 'wasm-threads' | 'webgpu';
  /** What runs: the WebAssembly binary in build/ (scalar, simd, simd-threads), or 'gpu' (the adapter's name is reported). */
  binary: 'scalar' | 'simd' | 'simd-threads' | 'gpu';
  /** The dtypes it computes; any other is refused by name with the reason. */
  dtypes: readonly Dtype[];
  /** Takes --threads. */
  threads: boolean;
  /** One line for help texts. */
  title: string;
  /** Why a dtype is missing (for the refusal), e.g. WebGPU has no f64 in WGSL. */
  dtypeRefusal?: string;
  /** Its promise against the C image, per dtype it computes (the tests take their tolerance from here). */
  precision: Partial<Record<Dtype, DeclaredPrecision>>;
}

/** In the order `auto` tries them: fastest first. */
export const BACKEND_LIST: readonly BackendDescriptor[] = [
  {
    name: 'webgpu', binary: 'gpu', dtypes: ['f32'], threads: false, title: 'WGSL compute shaders on a GPU adapter',
    dtypeRefusal: 'the webgpu backend computes in f32 only: WGSL has no f64', precision: { f32: { kind: 'pure-f32' } },
  },
  { name: 'wasm-threads', binary: 'simd-threads', dtypes: ['f32', 'f64'], threads: true, title: 'WebAssembly SIMD on worker threads over shared memory', precision: { f64: C_BITS, f32: WASM_F32 } },
  { name: 'wasm', binary: 'simd', dtypes: ['f32', 'f64'], threads: false, title: 'WebAssembly SIMD, one thread', precision: { f64: C_BITS, f32: WASM_F32 } },
  { name: 'wasm-scalar', binary: 'scalar', dtypes: ['f32', 'f64'], threads: false, title: 'plain WebAssembly, one thread (runs everywhere)', precision: { f64: C_BITS, f32: WASM_F32 } },
];

export type EngineBackend = BackendDescriptor['name'];
export type Backend = 'auto' | EngineBackend;

/** The order `auto` tries backends in. */
export const BACKEND_ORDER: readonly EngineBackend[] = BACKEND_LIST.map((b) => b.name);
/** Every --backend value, 'auto' first. */
export const BACKEND_CHOICES: readonly Backend[] = ['auto', ...BACKEND_ORDER];

export function backendDescriptor(name: EngineBackend): BackendDescriptor {
  return BACKEND_LIST.find((b) => b.name === name)!;
}

/** The backends that compute `dtype`, for refusals ("use --backend wasm, wasm-scalar or wasm-threads"). */
export function backendsWith(dtype: Dtype): EngineBackend[] {
  return BACKEND_LIST.filter((b) => b.dtypes.includes(dtype)).map((b) => b.name);
}

/** The WebAssembly binary each WebAssembly backend runs. */
export const WASM_BINARY: Partial<Record<EngineBackend, string>> = Object.fromEntries(
  BACKEND_LIST.filter((b) => b.binary !== 'gpu').map((b) => [b.name, b.binary]),
);
