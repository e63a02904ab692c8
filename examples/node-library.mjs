#!/usr/bin/env node
// The library in Node: one simulation from a config object, its statistics, and the image written as the three
// files the command line can write (raw float32, SMV, CBF).
//
//   node examples/node-library.mjs [output folder] [--backend wasm]
//
// Inside this repository 'nanobragg-wasm' resolves to the package itself (its exports map: out/lib, built by
// npm ci); in your own project it is the installed package (npm install nanobragg-wasm).
import { createSimulator, encodeImage } from 'nanobragg-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const backendAt = args.indexOf('--backend');
const backend = backendAt >= 0 ? args.splice(backendAt, 2)[1] : 'auto';
const outDir = args[0] ?? 'example-output';
mkdirSync(outDir, { recursive: true });

const sim = await createSimulator({ backend, dtype: 'f32' });
console.log(`backend ${sim.backend}: ${sim.backendReason}`);
try {
  const result = await sim.simulate({
    cell: [78, 78, 37, 90, 90, 90], // a lysozyme-like tetragonal cell (Å, degrees)
    N: 10, // unit cells along each axis
    defaultF: 100, // every reflection's structure factor (no HKL file)
    lambdaA: 1.0,
    distanceMm: 100,
    pixelMm: 0.1,
    detpixels: 128,
    oscDeg: 0.5,
    phisteps: 2,
  });
  const { maxI, mean, rmsd } = result.stats;
  console.log(`${result.width} x ${result.height} pixels in ${result.timings.total_s.toFixed(3)} s: max_I ${maxI.toPrecision(6)}, mean ${mean.toPrecision(6)}, rmsd ${rmsd.toPrecision(6)}`);
  for (const [format, name] of [['float', 'image.bin'], ['smv', 'image.img'], ['cbf', 'image.cbf']]) {
    writeFileSync(join(outDir, name), encodeImage(result, format, name));
    console.log(`wrote ${join(outDir, name)}`);
  }
} finally {
  await sim.dispose();
}
