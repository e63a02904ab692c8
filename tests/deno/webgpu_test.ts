// The WebGPU engine under Deno's own WebGPU (navigator.gpu: wgpu, with naga compiling the WGSL - not Dawn):
// every golden case within the pure-f32 tolerance with the exact switch-off pixel, C's statistics from the GPU
// kernel against the host loop (or, on a device failing the float-pair check - wgpu's GL backend on Mesa
// llvmpipe does - from the host with the reason given), and an image in row bands bit-identical to one band.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx deno test --allow-read --allow-env \
//     tests/deno/webgpu_test.ts -- --webgpu [--golden=<dir>] [--require-adapter]
//
// Registers nothing without --webgpu (tests/deno/run-deno.ts runs the library tests of this folder separately).
// No adapter: one failing test with --require-adapter (CI), else one test that passes and says why.
import { prepareSimulation } from '../../src/simulator/engine.ts';
import { compareImages } from '../../src/simulator/compare.ts';
import { imageStats } from '../../src/io/stats.ts';
import { createWebGpuEngine, type WebGpuEngine } from '../../src/webgpu/engine.ts';
import { requestGpu } from '../../src/webgpu/device.ts';
import { pureF32Tolerance, toleranceRatios } from '../../src/webgpu/precision.ts';
import { compareStats } from '../../src/webgpu/stats.ts';

interface DenoLike {
  test(name: string, fn: () => Promise<void> | void): void;
  args: string[];
  readFile(path: string | URL): Promise<Uint8Array>;
  readTextFile(path: string | URL): Promise<string>;
  readDir(path: string | URL): AsyncIterable<{ name: string; isDirectory: boolean }>;
}
const Deno = (globalThis as { Deno?: DenoLike }).Deno;


function arg(name: string): string | undefined {
  const a = Deno?.args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

function goldenRoot(): URL {
  const given = arg('golden');
  return given ? new URL(`file://${given.replace(/\/?$/, '/')}`) : new URL('../../../shared/golden/', import.meta.url);
}

async function loadCase(name: string) {
  const dir = new URL(`${name}/`, goldenRoot());
  const meta = JSON.parse(await Deno!.readTextFile(new URL('case.json', dir))) as { argv: string[]; oor_trigger_pixel?: { flat_index: number } };
  const bin = await Deno!.readFile(new URL('case.bin', dir));
  const image = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const argv = meta.argv.slice(1).filter((t, i, a) => t !== '-floatfile' && a[i - 1] !== '-floatfile');
  const h = argv.indexOf('-hkl');
  const hklText = h >= 0 ? await Deno!.readTextFile(new URL(argv[h + 1], dir)) : undefined;
  // the C program's interpolation switch-off pixel, where the case has one
  return { argv, image, hklText, switchPixel: meta.oor_trigger_pixel?.flat_index ?? -1 };
}

/** Every golden case folder (those with a case.json), sorted. */
async function caseNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno!.readDir(goldenRoot())) {
    if (!e.isDirectory) continue;
    try {
      await Deno!.readFile(new URL(`${e.name}/case.json`, goldenRoot()));
      names.push(e.name);
    } catch {
      // not a case folder (hkl_samples)
    }
  }
  return names.sort();
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

if (Deno && Deno.args.includes('--webgpu')) {
  const probe = await requestGpu();
  if ('error' in probe) {
    const reason = probe.error;
    if (Deno.args.includes('--require-adapter')) {
      Deno.test('webgpu under Deno: an adapter is available', () => check(false, `no WebGPU adapter under Deno: ${reason}`));
    } else {
      Deno.test(`webgpu under Deno: skipped - no adapter (${reason}); this test only records the skip`, () => {});
    }
  } else {
    probe.device.destroy();
    let engine: WebGpuEngine | undefined;
    const gpu = async () => (engine ??= await createWebGpuEngine({ stats: 'gpu' }));

    const names = await caseNames();
    Deno.test('webgpu under Deno: the golden suite is present', () => check(names.length >= 13, `${names.length} golden cases in ${goldenRoot()}`));
    for (const name of names) {
      Deno.test(`webgpu under Deno: ${name} within the pure-f32 tolerance, switch-off exact, GPU statistics`, async () => {
        const c = await loadCase(name);
        const prepared = await prepareSimulation(c.argv, { hklText: c.hklText });
        const r = await (await gpu()).simulate(prepared);
        const q = toleranceRatios(compareImages(r.image, c.image), pureF32Tolerance(prepared.sim));
        console.log(`${name.padEnd(26)} worst ${q.worst.toFixed(3)} of the tolerance on ${(await gpu()).binary}; statistics on the ${r.gpu.stats}` +
          (r.gpu.statsNote ? ` (${r.gpu.statsNote})` : ''));
        // the GPU statistics unless the device failed the float-pair check, which must then say so
        check(r.gpu.stats === 'gpu' || !!r.gpu.statsNote, `${name}: statistics on the host without a reason`);
        check(q.worst <= 1, `${name}: worst ${q.worst} of the pure-f32 tolerance`);
        check(r.switchPixel === c.switchPixel, `${name}: switch-off pixel ${r.switchPixel}, C: ${c.switchPixel}`);
        const host = imageStats(r.image, r.width, r.height, prepared.sim.roi);
        const d = compareStats(r.stats, host);
        check(d.exact && d.sums <= 1e-12 && d.rmsd <= 3e-7, `${name}: statistics ${JSON.stringify(d)}: ${JSON.stringify(r.stats)} vs ${JSON.stringify(host)}`);
      });
    }

    Deno.test('webgpu under Deno: an image in 4 row bands is bit-identical to one band', async () => {
      const c = await loadCase('tricubic_oor_midimage_256');
      const prepared = await prepareSimulation(c.argv, { hklText: c.hklText });
      const one = await (await gpu()).simulate(prepared);
      const banded = await createWebGpuEngine({ stats: 'gpu', limits: { maxStorageBufferBindingSize: 65536 } });
      try {
        const r = await banded.simulate(prepared);
        check(r.gpu.dispatch.bands === 4, `bands: ${r.gpu.dispatch.bands}`);
        const differ = r.image.findIndex((v, i) => !Object.is(v, one.image[i]));
        check(differ === -1, `first differing pixel ${differ}`);
        check(r.switchPixel === one.switchPixel && r.stats.maxIndex === one.stats.maxIndex, 'switch-off pixel and max_I index');
      } finally {
        banded.dispose();
      }
    });

    Deno.test('webgpu under Deno: dispose', () => {
      engine?.dispose();
    });
  }
}
