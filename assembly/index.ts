// Entry point of the WebAssembly kernels. Both binaries (build/scalar.wasm and
// build/simd.wasm, see asconfig.json) are compiled from this file; code paths that need
// SIMD are guarded by the compile-time constant ASC_FEATURE_SIMD.
export const SIMD: bool = ASC_FEATURE_SIMD;
export * from './tricubic';
export * from './absorption';
export * from './mathx';
export * from './simulate';
export * from './statistics';
