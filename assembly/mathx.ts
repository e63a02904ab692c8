// Scalar transcendental functions exported to the host (assembly/index.ts re-exports this file).
// The implementations, their v128 twins and the stated error bounds live in ./mathx_simd.ts, which
// other AssemblyScript modules import directly (it is not re-exported: v128-typed exports would break
// the scalar build).
export { expF32, expm1F32, sinpiF32, sinpiWideF32, sinpiReducedF64toF32, expF64 } from './mathx_simd';
