// The library in Deno: the same simulation as node-library.mjs, written with Deno's own file API.
//
//   deno run --allow-read --allow-write examples/deno-library.ts [output folder]
//   (this repository: node_modules/.bin/deno run --allow-read --allow-write examples/deno-library.ts)
//
// Deno loads the package's built JavaScript (the exports map's "deno" condition, out/lib); in your own project
// import it as 'npm:nanobragg-wasm'. --allow-read lets it read its .wasm files; --allow-write is for the output.
import { createSimulator, encodeImage } from '../out/lib/index.mjs';

const outDir = Deno.args[0] ?? 'example-output';
await Deno.mkdir(outDir, { recursive: true });

const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
try {
  const result = await sim.simulate({ cell: [78, 78, 37, 90, 90, 90], N: 10, defaultF: 100, detpixels: 128, distanceMm: 100 });
  console.log(`Deno ${Deno.version.deno}, backend ${result.backend} (${result.binary}), ${result.width} x ${result.height}, max_I ${result.stats.maxI.toPrecision(6)}`);
  await Deno.writeFile(`${outDir}/deno.cbf`, encodeImage(result, 'cbf', 'deno'));
  console.log(`wrote ${outDir}/deno.cbf`);
} finally {
  await sim.dispose();
}
