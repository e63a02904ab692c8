// Dawn's timestamp-query resolution in Node: six durations of a small compute pass with the default instance
// and with disable-dawn-features=timestamp_quantization (what src/webgpu/device.ts passes). Quantized durations
// are multiples of 65536 ns.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/measure/timestamps.ts
export {};
const mod = await import('webgpu');
Object.assign(globalThis, mod.globals);
for (const flags of [[], ['disable-dawn-features=timestamp_quantization']]) {
  const gpu = mod.create(flags);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const d = await adapter.requestDevice({ requiredFeatures: ['timestamp-query'] });
  const q = d.createQuerySet({ type: 'timestamp', count: 2 });
  const res = d.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const rd = d.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const m = d.createShaderModule({
    code: '@group(0) @binding(0) var<storage, read_write> b: array<f32>; @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { var x = b[g.x]; for (var i = 0; i < 200; i++) { x = x * 1.0001 + 0.5; } b[g.x] = x; }',
  });
  const p = d.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main' } });
  const buf = d.createBuffer({ size: 4 * 64 * 100, usage: GPUBufferUsage.STORAGE });
  const bg = d.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
  const ns: string[] = [];
  for (let i = 0; i < 6; i++) {
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass({ timestampWrites: { querySet: q, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(100);
    pass.end();
    enc.resolveQuerySet(q, 0, 2, res, 0);
    enc.copyBufferToBuffer(res, 0, rd, 0, 16);
    d.queue.submit([enc.finish()]);
    await rd.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(rd.getMappedRange().slice(0));
    rd.unmap();
    const dt = t[1] - t[0];
    ns.push(`${dt}${dt % 65536n === 0n ? '*' : ''}`);
  }
  console.log(`${flags.join(' ') || 'default'}: durations ${ns.join(', ')} ns (* = a multiple of 65536)`);
  d.destroy();
}
