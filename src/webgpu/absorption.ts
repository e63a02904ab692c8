// Detector absorption on WebGPU: the capture fraction of thickness layer t (docs/c-behaviour/minimal-loop.md 4.3), the WGSL twin of
// captureFractionF32 in assembly/absorption.ts, and a batched kernel (the twin of captureFractionsF32).
//
// cf_t = exp(-t x) - exp(-(t+1) x) with x = delta * mu / rho, evaluated as -exp(-t x) * expm1(-x)
// (docs/precision.md fix 3): the difference of two close exponentials loses up to 1e-6 relative in f32, the product
// form keeps a few ulp. rho = d.o is the parallax factor of the ray, delta * mu comes from the host.

import type { BatchTimings, GpuContext } from './context.ts';
import { MATHX_WGSL } from './mathx.ts';
import { pipelineKey } from './select.ts';
import { TILE, uniformLayout } from './uniforms.ts';

/** WGSL: capture_fraction(t, x) and capture_first(x) = cf_0 = -expm1(-x). Needs MATHX_WGSL. */
export const ABSORPTION_WGSL = /* wgsl */ `
// ---- absorption (src/webgpu/absorption.ts; twin of captureFractionF32 in assembly/absorption.ts) ----
// Fraction of the photons along a ray with x = delta * mu / rho absorbed in layer t: -exp(-t x) expm1(-x).
fn capture_fraction(t: u32, x: f32) -> f32 {
  let m = -expm1_f32(-x);
  if (t == 0u) { return m; }
  return exp_f32(-f32(t) * x) * m;
}
`;

const CAPTURE = uniformLayout('Capture', [['nPix', 'u32'], ['nLayers', 'u32'], ['deltaMu', 'f32'], ['pad0', 'u32']] as const);

function captureBatchWgsl(workgroupSize: number): string {
  return /* wgsl */ `
${TILE.wgsl}
${CAPTURE.wgsl}
@group(0) @binding(0) var<uniform> C: Capture;
@group(0) @binding(1) var<uniform> tile: Tile;
@group(0) @binding(2) var<storage, read> rho: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${MATHX_WGSL}
${ABSORPTION_WGSL}

// one thread per pixel p: out[p * nLayers + t] for every layer t
@compute @workgroup_size(${workgroupSize})
fn capture_fractions(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                     @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = tile.base + (wid.y * nwg.x + wid.x) * ${workgroupSize}u + lid;
  if (p >= tile.end || p >= C.nPix) { return; }
  let x = C.deltaMu / rho[p];
  for (var t = 0u; t < C.nLayers; t++) {
    out[p * C.nLayers + t] = capture_fraction(t, x);
  }
}
`;
}

/**
 * out[p * nLayers + t] = capture fraction of layer t for a ray of parallax rho[p] (f32, like
 * captureFractionsF32; rho is rounded to f32 on upload and x = f32(delta * mu) / rho is formed on the GPU).
 */
export async function captureFractionsGpu(ctx: GpuContext, rho: Float64Array | Float32Array, nLayers: number,
                                          delta: number, mu: number,
                                          opts: { onTimings?: (t: BatchTimings) => void } = {}): Promise<Float32Array> {
  const nPix = rho.length;
  if (!(Number.isInteger(nLayers) && nLayers >= 1)) throw new Error(`nLayers must be a positive integer, got ${nLayers}`);
  if (nPix * nLayers >= 2 ** 32) throw new Error(`at most 2^32 - 1 fractions per call, got ${nPix} x ${nLayers}`);
  const wg = 64;
  const kernel = await ctx.kernel(pipelineKey('capture_fractions', { workgroupSize: wg }), () => captureBatchWgsl(wg),
    'capture_fractions', ['uniform', 'tile', 'read', 'storage']);
  const buffers: GPUBuffer[] = [];
  const clock = () => performance.now() / 1000;
  try {
    const t0 = clock();
    const [u, r, out] = await ctx.scoped('uploading the capture-fraction inputs', () => {
      const made = (b: GPUBuffer) => (buffers.push(b), b);
      return [
        made(ctx.uniform('capture params', CAPTURE.pack({ nPix, nLayers, deltaMu: delta * mu, pad0: 0 }))),
        made(ctx.storageWith('capture rho', `rho of ${nPix} rays`, Float32Array.from(rho))),
        made(ctx.storage('capture out', `${nPix} x ${nLayers} capture fractions`, nPix * nLayers * 4)),
      ];
    });
    await ctx.waitIdle();
    const t1 = clock();
    const timing = await ctx.dispatch('the batched capture-fraction kernel', kernel, [u, r, out], ctx.plan(nPix, wg));
    const t2 = clock();
    const values = new Float32Array(await ctx.read(out, nPix * nLayers * 4, 'the capture fractions'));
    opts.onTimings?.({ upload_s: t1 - t0, prepass_s: 0, kernel_s: timing.gpu_s ?? timing.wall_s, readback_s: clock() - t2 });
    return values;
  } finally {
    for (const b of buffers) b.destroy();
  }
}
