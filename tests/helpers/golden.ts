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
