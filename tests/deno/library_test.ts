// Deno runs the library as it is: src/index.ts straight from the TypeScript, and the browser bundle
// (dist/nanobragg.js, with its .wasm files beside it) when its path is given.
//
//   npx deno test --allow-read tests/deno/ [-- --bundle=<file URL of nanobragg.js>] [--golden=<dir>]
//
// tests/deno/run-deno.ts runs this from `npm test` (uvu), with a freshly written bundle. Under uvu (Node)
// this file registers nothing: the Deno global is absent there.
import { compareImages } from '../../src/simulator/compare.ts';

interface DenoLike {
  test(name: string, fn: () => Promise<void>): void;
  args: string[];
  readFile(path: string | URL): Promise<Uint8Array>;
  readTextFile(path: string | URL): Promise<string>;
}
const Deno = (globalThis as { Deno?: DenoLike }).Deno;

const CASE = 'combined_256';

function arg(name: string): string | undefined {
  const a = Deno?.args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

async function loadGolden() {
  const given = arg('golden');
  const root = given ? new URL(`file://${given.replace(/\/?$/, '/')}`) : new URL('../../../shared/golden/', import.meta.url);
  const dir = new URL(`${CASE}/`, root);
  const meta = JSON.parse(await Deno!.readTextFile(new URL('case.json', dir))) as { argv: string[]; width: number; height: number };
  const bin = await Deno!.readFile(new URL('case.bin', dir));
  const image = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const argv = meta.argv.slice(1).filter((t, i, a) => t !== '-floatfile' && a[i - 1] !== '-floatfile');
  const hklText = await Deno!.readTextFile(new URL(argv[argv.indexOf('-hkl') + 1], dir));
  return { argv, image, hklText, width: meta.width, height: meta.height };
}

type Lib = typeof import('../../src/index.ts');

async function goldenThrough(lib: Lib, label: string): Promise<void> {
  const g = await loadGolden();
  const sim = await lib.createSimulator({ backend: 'wasm', dtype: 'f64' });
  try {
    const r = await sim.simulate(g.argv, { hklText: g.hklText });
    if (r.width !== g.width || r.height !== g.height) throw new Error(`${label}: ${r.width}x${r.height}, expected ${g.width}x${g.height}`);
    const m = compareImages(r.image, g.image);
    const info = `${label}: max|diff|/max=${m.maxRelDiff.toExponential(2)} sum ratio-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)} (${r.backend}, ${r.binary}, ${r.dtype}, loop ${(r.timings.loop_s * 1000).toFixed(0)} ms)`;
    console.log(info);
    if (!(m.maxRelDiff <= 1e-6 && Math.abs(m.sumRatio - 1) <= 1e-6 && 1 - m.pearson <= 1e-6)) throw new Error(`not within 1e-6 of the C image: ${info}`);
  } finally {
    await sim.dispose();
  }
}

if (Deno) {
  Deno.test(`golden ${CASE} through src/index.ts matches the C image (f64, 1e-6)`, async () => {
    await goldenThrough(await import('../../src/index.ts'), 'src/index.ts');
  });

  const bundle = arg('bundle');
  if (bundle) {
    Deno.test(`golden ${CASE} through the bundle ${bundle} matches the C image (f64, 1e-6)`, async () => {
      await goldenThrough((await import(bundle)) as Lib, 'bundle');
    });
  }
}
