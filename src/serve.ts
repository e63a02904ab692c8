// The web front end: bundles the library for browsers and serves it with the page in web/.
//
//   npx tsx src/cli.ts serve [--port N] [--host H]      http://127.0.0.1:8080/
//   npx tsx src/cli.ts bundle [--out dist]               the library as one ES module plus its assets
//
// The commands only: the bundle is src/web-bundle.ts, the server src/web-server.ts (re-exported here).

import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT, UserError } from './errors.ts';
import { BUNDLE_NAME, bundleLibrary, writeBundle, type LibraryBundle } from './web-bundle.ts';
import { serve, type RunningServer } from './web-server.ts';

// the parts, for importers of this module (tests, the page's build)
export * from './web-bundle.ts';
export * from './web-server.ts';

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

