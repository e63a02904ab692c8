// The WebGPU backend in one list: every kernel with its file and entry point, and the public API.
// Importing this file has no side effects: the Dawn module (Node) is loaded only by requestGpu().
//
//   kernel                  file                      WGSL entry point          WASM twin
//   pixel loop              simulate.ts               simulate                  assembly/loop-f32.ts simulateF32
//   switch-off pre-pass     simulate.ts, switchoff.ts prepass                   assembly/switchoff.ts findFirstOutOfRange
//   tricubic (batched)      tricubic.ts               tricubic_batch            assembly/tricubic.ts tricubicBatchF32
//   its switch-off pre-pass tricubic.ts               tricubic_batch_prepass    (the batch kernels' range test)
//   capture fractions       absorption.ts             capture_fractions         assembly/absorption.ts captureFractionsF32
//   sinpi, exp, expm1       mathx.ts                  (functions)               assembly/mathx_simd.ts

export { createWebGpuEngine, WEBGPU_F64_REFUSAL, type GpuTimings, type WebGpuEngine, type WebGpuEngineOptions, type WebGpuSimResult } from './engine.ts';
export { requestGpu, describeAdapter, type GpuAdapterSummary, type GpuHandle } from './device.ts';
export { GpuContext, GpuDeviceLostError, GpuOutOfMemoryError, GpuValidationError } from './context.ts';
export { interpolateGpu, type GpuInterpolationResult } from './tricubic.ts';
export { captureFractionsGpu } from './absorption.ts';
export { pureF32Tolerance, toleranceRatios, type PureF32Tolerance } from './precision.ts';
export { chooseWorkgroupSize, planDispatch, checkStorageSize, GpuBufferTooLargeError, type AdapterFacts, type GpuLimits } from './select.ts';

