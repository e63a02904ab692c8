// The web front end: bundles the library for browsers and serves it with the page in web/.
//
//   npx tsx src/cli.ts serve [--port N] [--host H]      http://127.0.0.1:8080/
//   npx tsx src/cli.ts bundle [--out dist]               the library as one ES module plus its assets
//
// The bundle (esbuild, platform browser) is the library with every import inlined: src/index.ts in a checkout
// (so the page shows the sources as edited), out/lib/index.mjs in an installed package, which ships no sources
// (scripts/build-lib.mjs; the same code compiled). Both are found from the package root
// (src/util/package-root.ts), wherever this module runs from: tsx, out/bin's chunks, node_modules. Files that modules find
// by `new URL('<relative path>', import.meta.url)` (the .wasm binaries, the threads' worker.js) are copied
// next to the bundle and the URLs rewritten to './<name>', so the same bundle works from any folder or URL
// in browsers, Node and Deno. Node built-ins are only ever imported dynamically behind runtime checks; the
// build fails if any is imported statically.
//
// The server answers GET/HEAD only, from two places: /lib/<name> (the bundle and its assets) and web/ (the
// page). Every response carries Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
// require-corp, so the page is cross-origin isolated and SharedArrayBuffer (the wasm-threads backend) works.
// Paths are decoded, normalised and resolved inside their folder (symlinks included); anything else is 404.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, readdir, realpath, stat, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, posix, relative, resolve, sep, isAbsolute } from 'node:path';
import { existsSync } from 'node:fs';
import type { Plugin } from 'esbuild';
import { EXIT, UserError } from './errors.ts';
import { packagePath, packageRoot } from './util/package-root.ts';

export const BUNDLE_NAME = 'nanobragg.js';

/** The page's folder, web/ of the package. */
export function webDir(): string {
  return packagePath('web');
}

/** The library's entry module: the sources in a checkout, else the compiled library the package ships. */
export function libraryEntry(): string {
  const source = packagePath('src', 'index.ts');
  if (existsSync(source)) return source;
  const compiled = packagePath('out', 'lib', 'index.mjs');
  if (existsSync(compiled)) return compiled;
  throw new Error(`neither ${source} nor ${compiled} exists (run "npm run build:lib")`);
}

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.hkl': 'text/plain; charset=utf-8',
};

/** Headers on every response: cross-origin isolation (threads), no caching (a development server), no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

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

// ---------------------------------------------------------------------------------------------------
// Server

export interface ServeOptions {
  /** 0 (default 8080 from the CLI) picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Folder of the page; default web/. */
  webDir?: string;
  /** A bundle to serve instead of building one. */
  bundle?: LibraryBundle;
  /** Called for each request answered: method, path, status. */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port/ */
  url: string;
  port: number;
  host: string;
  server: Server;
  bundle: LibraryBundle;
  /** Stops accepting connections, ends idle ones, resolves when closed. */
  close(): Promise<void>;
}

/**
 * The file under `root` that URL path `rel` (already decoded) names, or null: no '..' escape, no NUL, no
 * hidden files, and a symlink may not lead outside `root`.
 */
export async function resolveInside(root: string, rel: string): Promise<string | null> {
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const norm = posix.normalize('/' + rel);
  if (norm.split('/').some((p) => p.startsWith('.'))) return null;
  const candidate = resolve(root, '.' + norm);
  const rootReal = await realpath(root).catch(() => null);
  if (!rootReal) return null;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return null;
  }
  const inside = relative(rootReal, real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return null;
  const st = await stat(real).catch(() => null);
  return st?.isFile() ? real : null;
}

function send(res: ServerResponse, status: number, body: Uint8Array | string, type: string, head: boolean): void {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.byteLength) });
  res.end(head ? undefined : bytes);
}

/** Starts the server; resolves once it listens. */
export async function serve(opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const pageDir = opts.webDir ?? webDir();
  const bundle = opts.bundle ?? (await bundleLibrary());
  const log = opts.log;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n', MIME['.txt'], false);
      return 405;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      send(res, 400, 'bad request: malformed URL\n', MIME['.txt'], head);
      return 400;
    }
    const notFound = () => {
      send(res, 404, `not found: ${path}\n`, MIME['.txt'], head);
      return 404;
    };
    if (path.startsWith('/lib/')) {
      const name = path.slice(5);
      const code = bundle.code.get(name);
      const type = MIME[extname(name)] ?? 'application/octet-stream';
      if (code) {
        send(res, 200, code, type, head);
        return 200;
      }
      const file = bundle.assets.get(name);
      if (!file) return notFound();
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch {
        send(res, 404, `not found: ${path} (${name.endsWith('.wasm') ? 'run "npm run asbuild"' : file + ' is missing'})\n`, MIME['.txt'], head);
        return 404;
      }
      send(res, 200, bytes, type, head);
      return 200;
    }
    const file = await resolveInside(pageDir, path.endsWith('/') ? path + 'index.html' : path);
    if (!file) return notFound();
    send(res, 200, await readFile(file), MIME[extname(file)] ?? 'application/octet-stream', head);
    return 200;
  };

  const server = createServer((req, res) => {
    handle(req, res).then(
      (status) => log?.(`${req.method} ${req.url} ${status}`),
      (e) => {
        log?.(`${req.method} ${req.url} 500 ${(e as Error).message}`);
        if (!res.headersSent) send(res, 500, 'internal error\n', MIME['.txt'], false);
        else res.destroy();
      },
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    host,
    server,
    bundle,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeIdleConnections();
        // a half-sent request must not hold the stop for the request timeout (40 s): cut what is still open
        setTimeout(() => server.closeAllConnections(), 200).unref();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Command line

/** One line for a failed bundle: esbuild's first error with its file (its message says only "Build failed"). */
function firstReason(e: unknown): string {
  const first = (e as { errors?: { text?: string; location?: { file?: string; line?: number } | null }[] }).errors?.[0];
  if (first?.text) return first.location?.file ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text;
  return (e as Error).message.split('\n')[0];
}

function parseFlags(argv: string[], known: Record<string, 'value' | 'switch'>): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    let tok = argv[i];
    let inline: string | undefined;
    if (tok.includes('=')) [tok, inline] = [tok.slice(0, tok.indexOf('=')), tok.slice(tok.indexOf('=') + 1)];
    const kind = known[tok];
    if (!kind) throw new UserError(`unknown option '${tok}' (options: ${Object.keys(known).join(' ')})`, EXIT.USAGE);
    if (kind === 'switch') {
      out[tok] = true;
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || v === '') throw new UserError(`option '${tok}' needs a value`, EXIT.USAGE);
    out[tok] = v;
  }
  return out;
}

const SERVE_HELP = `usage: npx tsx src/cli.ts serve [--port N] [--host ADDRESS] [--quiet]
  Serves the web page (web/) and the browser bundle of the library, cross-origin isolated
  (COOP/COEP), so WebGPU, WebAssembly threads and SIMD can all run. Default port 8080, host 127.0.0.1.
  Stop with Ctrl-C.
`;

/** `serve`: prints the URL, returns (with the exit code) only when the server has closed. */
export async function serveMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_HELP);
    return EXIT.OK;
  }
  const f = parseFlags(argv, { '--port': 'value', '--host': 'value', '--quiet': 'switch' });
  // decimal digits only: Number(' ') is 0 (a random port) and Number('0x1F90') is 8080
  const portText = f['--port'] === undefined ? '8080' : String(f['--port']);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`option '--port' expects 0..65535, got '${f['--port']}'`, EXIT.USAGE);
  const host = typeof f['--host'] === 'string' ? f['--host'] : '127.0.0.1';
  let bundle: LibraryBundle;
  try {
    bundle = await bundleLibrary();
  } catch (e) {
    throw new UserError(`cannot bundle the library for the browser: ${firstReason(e)}`, EXIT.INTERNAL);
  }
  const missing: string[] = [];
  for (const [name, file] of bundle.assets) if (!(await stat(file).catch(() => null))) missing.push(name);
  if (missing.length) console.log(`warning: ${missing.join(', ')} not built yet: run "npm run asbuild"`);
  let running: RunningServer;
  try {
    running = await serve({ port, host, bundle, log: f['--quiet'] ? undefined : (l) => console.log(l) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0 for a free one)` : err.message;
    throw new UserError(`cannot listen on ${host}:${port}: ${why}`, EXIT.RESOURCE);
  }
  console.log(`nanobragg-wasm web page: ${running.url}  (Ctrl-C to stop)`);
  const stop = () => void running.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<void>((ok) => running.server.once('close', () => ok()));
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return EXIT.OK;
}

const BUNDLE_HELP = `usage: npx tsx src/cli.ts bundle [--out DIR] [--minify]
  Writes the library as one ES module, DIR/${BUNDLE_NAME}, with the files it loads (the .wasm binaries,
  the threads' worker.js) beside it. Default DIR: dist. Import it from browsers, Node or Deno.
`;

/** `bundle`: writes the browser bundle of the library and its assets. */
export async function bundleMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(BUNDLE_HELP);
    return EXIT.OK;
  }
  const f = parseFlags(argv, { '--out': 'value', '--minify': 'switch' });
  const out = resolve(typeof f['--out'] === 'string' ? f['--out'] : 'dist');
  let names: string[];
  try {
    names = await writeBundle(out, await bundleLibrary({ minify: f['--minify'] === true }));
  } catch (e) {
    throw new UserError(`cannot write the bundle: ${firstReason(e)}`, EXIT.OUTPUT);
  }
  console.log(`wrote ${out}: ${names.join(', ')}`);
  return EXIT.OK;
}
