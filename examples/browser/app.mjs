// Module script of examples/browser/index.html. With a bundler, import from 'nanobragg-wasm' instead (the
// exports map's "browser" condition); here the built file is imported by its path so that no build step is needed.
import { createSimulator } from '../../out/lib/index.mjs';

const status = document.getElementById('status');
const canvas = document.getElementById('image');

async function run() {
  const sim = await createSimulator(); // 'auto': WebGPU, else threads (if cross-origin isolated), else SIMD
  try {
    const r = await sim.simulate({ cell: [78, 78, 37, 90, 90, 90], N: 10, defaultF: 100, detpixels: canvas.width, distanceMm: 100 });
    // log scale to 8 bits
    const ctx = canvas.getContext('2d');
    const pixels = ctx.createImageData(r.width, r.height);
    const top = Math.log1p(r.stats.maxI);
    for (let i = 0; i < r.image.length; i++) {
      const v = top > 0 ? Math.round((255 * Math.log1p(r.image[i])) / top) : 0;
      pixels.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(pixels, 0, 0);
    status.textContent = `backend ${r.backend} (${r.backendReason})\nmax_I ${r.stats.maxI.toPrecision(6)} in ${r.timings.total_s.toFixed(3)} s`;
    // for scripts driving the page (tests/examples.test.ts)
    globalThis.exampleResult = { backend: r.backend, width: r.width, height: r.height, maxI: r.stats.maxI, sum: r.image.reduce((s, v) => s + v, 0) };
  } finally {
    await sim.dispose();
  }
}

run().catch((e) => {
  status.textContent = `error: ${e.message}`;
  globalThis.exampleResult = { error: String(e.message) };
});
