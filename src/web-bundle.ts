// The library bundled for browsers, Node and Deno (esbuild, platform browser): src/index.ts in a checkout (so
// the page shows the sources as edited), out/lib/index.mjs in an installed package, which ships no sources
// (scripts/build-lib.mjs; the same code compiled). Both are found from the package root (src/util/package-root.ts),
// wherever this module runs from: tsx, out/bin's chunks, node_modules. Files that modules find by
// `new URL('<relative path>', import.meta.url)` (the .wasm binaries, the threads' worker.js) are copied next to the
// bundle and the URLs rewritten to './<name>', so the same bundle works from any folder or URL in browsers, Node
// and Deno. Node built-ins are only ever imported dynamically behind runtime checks; the build fails if any is
// imported statically.

import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep, isAbsolute } from 'node:path';
import { existsSync } from 'node:fs';
import type { Plugin } from 'esbuild';
import { packagePath, packageRoot } from './util/package-root.ts';

export const BUNDLE_NAME = 'nanobragg.js';

/** The library's entry module: the sources in a checkout, else the compiled library the package ships. */
export function libraryEntry(): string {
  const source = packagePath('src', 'index.ts');
  if (existsSync(source)) return source;
  const compiled = packagePath('out', 'lib', 'index.mjs');
  if (existsSync(compiled)) return compiled;
  throw new Error(`neither ${source} nor ${compiled} exists (run "npm run build:lib")`);
}

// ---------------------------------------------------------------------------------------------------
// Bundle

export interface LibraryBundle {
  /** name -> contents for the bundle itself (nanobragg.js, nanobragg.js.map). */
  code: Map<string, Uint8Array>;
  /** name -> source file for the assets the bundle loads by URL (read when served or written). */
  assets: Map<string, string>;
  /** Node built-ins the bundle imports dynamically (behind runtime checks): for the record. */
  dynamicNodeImports: string[];
}

/** `new URL('dir/name.ext', import.meta.url)` or with a template: `new URL(\`dir/${x}.ext\`, import.meta.url)`. */
const ASSET_URL = /new URL\(\s*(['"`])((?:\.\.?\/)[^'"`]*?)\1\s*,\s*import\.meta\.url\s*\)/g;

/** Copies the files `new URL(..., import.meta.url)` points at and rewrites the URLs to './<name>'. */
function relativeAssets(assets: Map<string, string>, root: string): Plugin {
  const claim = (name: string, file: string) => {
    const had = assets.get(name);
    if (had && had !== file) throw new Error(`two assets named ${name}: ${had} and ${file}`);
    assets.set(name, file);
  };
  return {
    name: 'relative-assets',
    setup(build) {
      build.onLoad({ filter: /\.(ts|m?js)$/ }, async (args) => {
        // only this package's own modules; the package itself may lie in an app's node_modules
        const own = relative(root, args.path);
        if (own.startsWith('..') || isAbsolute(own) || own.split(sep).includes('node_modules')) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const dir = dirname(args.path);
        const errors: { text: string }[] = [];
        const contents = await replaceAsync(text, ASSET_URL, async (whole, quote: string, ref: string) => {
          const target = join(dir, ref);
          const file = basename(target);
          if (!file.includes('${')) {
            claim(file, target);
            return `new URL(${quote}./${file}${quote}, import.meta.url)`;
          }
          // A template: every file of that folder the pattern can match goes along.
          if (quote !== '`' || file.indexOf('${') !== file.lastIndexOf('${')) {
            errors.push({ text: `cannot bundle the asset URL ${whole}: one \${} in the file name at most` });
            return whole;
          }
          const [prefix, rest] = file.split('${');
          const suffix = rest.slice(rest.indexOf('}') + 1);
          const folder = dirname(target);
          let names: string[] = [];
          try {
            names = (await readdir(folder)).filter((n) => n.startsWith(prefix) && n.endsWith(suffix) && n.length > prefix.length + suffix.length);
          } catch {
            // folder missing: nothing to copy (the build hint comes from serve/bundle)
          }
          for (const n of names) claim(n, join(folder, n));
          return `new URL(\`./${file}\`, import.meta.url)`;
        });
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dir, errors };
      });
    },
  };
}

async function replaceAsync(text: string, re: RegExp, fn: (...m: string[]) => Promise<string>): Promise<string> {
  const parts: (string | Promise<string>)[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    parts.push(text.slice(last, m.index), fn(...m));
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return (await Promise.all(parts)).join('');
}

/**
 * Bundles the library (libraryEntry) for browsers (also runs in Node and Deno). Throws if a Node built-in would be
 * imported statically, or if the WebAssembly binaries have not been built.
 */
export async function bundleLibrary(opts: { minify?: boolean } = {}): Promise<LibraryBundle> {
  const esbuild = await import('esbuild');
  const assets = new Map<string, string>();
  const root = packageRoot();
  const out = join(root, '.bundle-virtual');
  const result = await esbuild.build({
    entryPoints: { [BUNDLE_NAME.replace(/\.js$/, '')]: libraryEntry() },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*'],
    outdir: out,
    write: false,
    metafile: true,
    sourcemap: 'linked',
    minify: opts.minify ?? false,
    logLevel: 'silent',
    plugins: [relativeAssets(assets, root)],
  });
  const dynamicNodeImports = new Set<string>();
  for (const [file, o] of Object.entries(result.metafile.outputs)) {
    for (const imp of o.imports) {
      if (!imp.external) continue;
      if (imp.kind !== 'dynamic-import') throw new Error(`the browser bundle imports ${imp.path} statically (${file}): browsers cannot load it`);
      dynamicNodeImports.add(imp.path);
    }
  }
  const code = new Map<string, Uint8Array>();
  for (const f of result.outputFiles) code.set(relative(out, f.path), f.contents);
  for (const name of ['scalar.wasm', 'simd.wasm']) {
    if (!assets.has(name)) throw new Error(`the bundle does not reference ${name}: has src/wasm/loader.ts changed?`);
  }
  return { code, assets, dynamicNodeImports: [...dynamicNodeImports].sort() };
}

/** Writes the bundle and its assets into `outDir`; returns the file names. */
export async function writeBundle(outDir: string, bundle?: LibraryBundle): Promise<string[]> {
  const b = bundle ?? (await bundleLibrary());
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of b.code) {
    await writeFile(join(outDir, name), bytes);
    written.push(name);
  }
  for (const [name, file] of b.assets) {
    await writeFile(join(outDir, name), await readAsset(file, name));
    written.push(name);
  }
  return written.sort();
}

async function readAsset(file: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const hint = name.endsWith('.wasm') ? ' (run "npm run asbuild")' : '';
    throw new Error(`cannot read ${file}${hint}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

