#!/usr/bin/env node
// Compiles the command line into JavaScript (esbuild, once, at `npm ci` through the prepare script) so that
// the `nanobragg` bin starts without compiling TypeScript: out/bin/nanobragg.mjs plus lazily loaded chunks
// (a CPU `simulate` never loads the WebGPU, bench, server or worker code). out/bin is two folders below the
// repository root, like src/<dir>/, so `new URL('../../build/<x>.wasm', import.meta.url)` still finds the
// WebAssembly binaries; the threads' worker.js is copied beside the chunks for the same reason.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out', 'bin');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { nanobragg: join(root, 'src', 'bin', 'nanobragg.ts'), 'nanoBragg-dropin': join(root, 'src', 'bin', 'dropin.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
copyFileSync(join(root, 'src', 'threads', 'worker.js'), join(out, 'worker.js'));
// two bins whose names differ only in case would collide on macOS: the drop-in's file is nanoBragg-dropin.mjs
for (const bin of ['nanobragg.mjs', 'nanoBragg-dropin.mjs']) chmodSync(join(out, bin), 0o755);
console.log(`built ${out}`);
