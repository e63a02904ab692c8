#!/usr/bin/env node
// A rotation series: one library call per frame, the spindle advanced by the oscillation each time, every frame
// written as a CBF whose header carries its own Start_angle and Angle_increment (what data-processing programs
// read to index a sweep). One simulator serves every frame, and `into` reuses one image buffer.
//
//   node examples/phi-sweep.mjs [output folder] [frames] [--backend wasm]
//   python3 examples/read_with_fabio.py <output folder>      reads the frames back (Debian: python3-fabio)
//
// Prints one JSON line per frame (file, phi, max_I, sum of the integers) for scripts to check.
import { createSimulator, encodeImage } from 'nanobragg-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const backendAt = args.indexOf('--backend');
const backend = backendAt >= 0 ? args.splice(backendAt, 2)[1] : 'auto';
const outDir = args[0] ?? 'sweep';
const frames = Number(args[1] ?? 5);
const oscDeg = 1.0;
const detpixels = 96;
mkdirSync(outDir, { recursive: true });

const sim = await createSimulator({ backend });
const into = new Float32Array(detpixels * detpixels);
try {
  for (let frame = 0; frame < frames; frame++) {
    const phiDeg = frame * oscDeg;
    const result = await sim.simulate({
      cell: [60, 70, 80, 90, 90, 90], N: 8, defaultF: 100, detpixels, distanceMm: 80,
      phiDeg, oscDeg, phisteps: 4, // four spindle steps sample each frame's oscillation
    }, { into });
    const file = join(outDir, `sweep_${String(frame + 1).padStart(4, '0')}.cbf`);
    writeFileSync(file, encodeImage(result, 'cbf', file));
    // the integers' sum, from the SMV encoding of the same result (the CBF holds the same integers)
    const smv = encodeImage(result, 'smv');
    const ints = new Uint16Array(smv.buffer.slice(smv.byteOffset + 512, smv.byteOffset + smv.byteLength));
    const sum = ints.reduce((s, v) => s + v, 0);
    console.log(JSON.stringify({ file, phi: phiDeg, osc: oscDeg, maxI: result.stats.maxI, sum }));
  }
} finally {
  await sim.dispose();
}
