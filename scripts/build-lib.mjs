#!/usr/bin/env node
// Compiles the library (src/index.ts) into the JavaScript the package's `exports` map points at (esbuild, at
// `npm ci` through the prepare script, beside scripts/build-cli.mjs's out/bin): out/lib/index.mjs and its lazily
// loaded chunks (WebGPU engine, threads engine). One build serves Node, Deno and browsers: the library imports
// no npm package statically (npm `webgpu` is imported by a variable, in Node only) and Node built-ins only
// dynamically behind runtime checks, so the same files load in all three; the build fails if a chunk imports a
// Node built-in statically, which would break every browser.
// out/lib is two levels below the package root, like src/<dir>/, so
// `new URL('../../build/<x>.wasm', import.meta.url)` still finds the WebAssembly binaries; the threads'
// worker.js is copied beside the chunks for the same reason. The `.d.ts` types come from
// `tsc -p tsconfig.types.json` into out/types (the npm script build:lib runs both), and then this script's
// --types pass rewrites their relative '.ts' imports to '.js', the spelling every TypeScript module resolution
// maps to the '.d.ts' beside it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

if (process.argv.includes('--types')) {
  const dir = join(root, 'out', 'types');
  let n = 0;
  for (const rel of readdirSync(dir, { recursive: true })) {
    const file = join(dir, String(rel));
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(/(from\s+|import\(\s*)(['"])(\.\.?\/[^'"]*?)\.ts\2/g, (_m, lead, q, path) => `${lead}${q}${path}.js${q}`);
    if (fixed !== text) writeFileSync(file, fixed);
    n++;
  }
  console.log(`rewrote the imports of ${n} declaration files in ${dir}`);
  process.exit(0);
}

const common = {
  entryPoints: { index: join(root, 'src', 'index.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

const out = join(root, 'out', 'lib');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({ ...common, platform: 'node', target: ['node20', 'es2022'], packages: 'external', outdir: out });
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  const bad = meta.imports.filter((i) => i.kind === 'import-statement' && i.external);
  if (bad.length) throw new Error(`${file} imports ${bad.map((i) => i.path).join(', ')} statically: not loadable in a browser`);
}
copyFileSync(join(root, 'src', 'threads', 'worker.js'), join(out, 'worker.js'));
console.log(`built ${out}`);
