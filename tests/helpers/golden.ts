// Loads the C program's reference images from ../shared/golden (override: NANOBRAGG_GOLDEN).
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const goldenDir = process.env.NANOBRAGG_GOLDEN ?? fileURLToPath(new URL('../../../shared/golden/', import.meta.url));

export interface GoldenCase {
  name: string;
  argv: string[];
  width: number;
  height: number;
  image: Float32Array;
  stdout: string;
  warnings: string[];
  hklPath?: string;
  /** Flat index of the pixel where C switched interpolation off, if it did. */
  oorTrigger?: number;
}

export function loadGoldenCases(): GoldenCase[] {
  if (!existsSync(goldenDir)) return [];
  const out: GoldenCase[] = [];
  for (const name of readdirSync(goldenDir).sort()) {
    const dir = join(goldenDir, name);
    const jsonPath = join(dir, 'case.json');
    if (!existsSync(jsonPath)) continue;
    const c = JSON.parse(readFileSync(jsonPath, 'utf8'));
    const buf = readFileSync(join(dir, 'case.bin'));
    const image = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let hklPath: string | undefined;
    const i = c.argv.indexOf('-hkl');
    if (i >= 0) {
      const file = c.argv[i + 1];
      hklPath = [join(dir, file), join(goldenDir, file)].find((p) => existsSync(p));
      if (!hklPath) throw new Error(`golden case ${name}: HKL file ${file} not found`);
    }
    out.push({
      name,
      argv: c.argv,
      width: c.width,
      height: c.height,
      image,
      stdout: c.stdout,
      warnings: c.warnings ?? [],
      hklPath,
      oorTrigger: c.oor_trigger_pixel?.flat_index,
    });
  }
  return out;
}

/** The WASM f32 path against the f64 image (README "Backends and precision"). */
export const F32_TOL = { maxRel: 5e-6, sumRatio: 1e-6, oneMinusR: 1e-10 };

/** Asserts an f32 image within F32_TOL of the f64 reference, whatever the evaluations per pixel. */
export function assertF32Within(
  m: { maxRelDiff: number; sumRatio: number; pearson: number },
  sim: { phi: { entries: number }; oversample: number; layers: { nLayers: number } },
): void {
  // the f32 path sums each pixel's terms in f64 (docs/precision.md), so the flat bounds hold for any number of
  // evaluations per pixel; n is shown to say how many went into each pixel
  const n = sim.phi.entries * sim.oversample ** 2 * sim.layers.nLayers;
  const info = `max|diff|/max=${m.maxRelDiff.toExponential(2)} sum-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`;
  if (!(m.maxRelDiff <= F32_TOL.maxRel && Math.abs(m.sumRatio - 1) <= F32_TOL.sumRatio && 1 - m.pearson <= F32_TOL.oneMinusR)) {
    throw new Error(`f32 image outside tolerance: ${info} with ${n} evaluations per pixel (maxRel <= ${F32_TOL.maxRel}, |sum-1| <= ${F32_TOL.sumRatio}, 1-r <= ${F32_TOL.oneMinusR})`);
  }
}
