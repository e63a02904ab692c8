// Where this package's own files are (web/, build/*.wasm, src/ in a checkout), for the Node-only commands that
// read them (serve, bundle, bench). The code runs from three layouts: src/<dir>/*.ts under tsx in a checkout,
// esbuild's chunks in out/bin/ (scripts/build-cli.mjs), and either of those inside node_modules/nanobragg-wasm/
// after `npm install`. A fixed `new URL('..', import.meta.url)` is right in one of them at most, so the root is
// the nearest folder upwards whose package.json names this package (an app's own package.json on the way, or a
// stray one in out/, is passed over by its name). Node built-ins: never import this from the library.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'nanobragg-wasm';

function namesThisPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false; // no package.json here, or not JSON
  }
}

/** The folder holding nanobragg-wasm's package.json, searched upwards from `start` (a file or folder), or null. */
export function findPackageRoot(start: string): string | null {
  for (let dir = start; ; ) {
    if (namesThisPackage(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

let cached: string | undefined;

/** This package's root folder (where this module, or the chunk it was compiled into, lies). */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  const root = findPackageRoot(here);
  if (!root) throw new Error(`cannot find the ${PACKAGE_NAME} package.json in any folder above ${here}`);
  return (cached = root);
}

/** A file or folder of the package, by its path from the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
