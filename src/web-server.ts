// The development server of the web page: GET/HEAD only, from two places: /lib/<name> (the bundle and its assets,
// src/web-bundle.ts) and web/ (the page). Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, so the page is cross-origin isolated and SharedArrayBuffer (the
// wasm-threads backend) works. Paths are decoded, normalised and resolved inside their folder (symlinks included);
// anything else is 404.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, posix, relative, resolve, isAbsolute } from 'node:path';
import { packagePath } from './util/package-root.ts';
import { bundleLibrary, type LibraryBundle } from './web-bundle.ts';

/** The page's folder, web/ of the package. */
export function webDir(): string {
  return packagePath('web');
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

