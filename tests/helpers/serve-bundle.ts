// `nanobragg bundle` and `nanobragg serve` run as a user runs them, from a folder outside the repository: through
// tsx, the compiled bin (out/bin) or the bin of an installed package. Each finds the package's files (web/,
// build/*.wasm, the library) from where its own code lies (src/util/package-root.ts), so the checks compare what
// it wrote or served with this repository's files byte for byte, and run the written bundle.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './cli.ts';

/** A command line that starts the CLI: [program, ...leading args]. */
export type Launcher = [string, ...string[]];

/** `node --import tsx <repo>/src/cli.ts`, runnable from any folder (tsx by its path, not by the cwd's node_modules). */
export const TSX_CLI: Launcher = [process.execPath, '--import', pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(REPO_ROOT, 'src', 'cli.ts')];

/** The files `bundle` writes, each compared with the repository's own (the bundle code itself is built). */
const BUNDLE_ASSETS: Record<string, string> = {
  'scalar.wasm': 'build/scalar.wasm',
  'simd.wasm': 'build/simd.wasm',
  'simd-threads.wasm': 'build/simd-threads.wasm',
  'worker.js': 'src/threads/worker.js',
};

function same(file: string, repoPath: string, what: string): void {
  assert.ok(readFileSync(file).equals(readFileSync(join(REPO_ROOT, repoPath))), `${what}: ${file} differs from the repository's ${repoPath}`);
}

/**
 * Runs `<launcher> bundle --out <outDir>` in `cwd`, checks the files, then imports the written nanobragg.js in a
 * fresh Node and simulates `argv` (wasm, f64): returns that float image.
 */
export function bundleAndRun(launcher: Launcher, cwd: string, outDir: string, argv: string[], env: NodeJS.ProcessEnv): Buffer {
  const [cmd, ...lead] = launcher;
  const r = spawnSync(cmd, [...lead, 'bundle', '--out', outDir], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, `bundle: status ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
  assert.ok(r.stdout.startsWith(`wrote ${outDir}: `), r.stdout);
  for (const f of ['nanobragg.js', 'nanobragg.js.map']) assert.ok(existsSync(join(outDir, f)), `bundle wrote no ${f}`);
  for (const [name, repoPath] of Object.entries(BUNDLE_ASSETS)) same(join(outDir, name), repoPath, 'bundle');
  const script = join(outDir, 'run-bundle.mjs');
  writeFileSync(script, `
import { createSimulator } from './nanobragg.js';
import { writeFileSync } from 'node:fs';
const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
const r = await sim.simulate(${JSON.stringify(argv)});
writeFileSync(new URL('./image.bin', import.meta.url), r.image);
await sim.dispose();
console.log(r.backend + ' ' + r.binary);
`);
  const run = spawnSync(process.execPath, [script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.is(run.status, 0, `the bundle in Node: status ${run.status}\n${run.stderr}`);
  assert.is(run.stdout.trim(), 'wasm simd');
  return readFileSync(join(outDir, 'image.bin'));
}

/**
 * Starts `<launcher> serve --port 0 --quiet` in `cwd`, fetches the page, the bundle and simd.wasm (200, the
 * repository's bytes), then stops it with SIGINT: it must exit 0. Every wait is bounded; the server is killed
 * if a check fails.
 */
export async function serveAndFetch(launcher: Launcher, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [cmd, ...lead] = launcher;
  const child = spawn(cmd, [...lead, 'serve', '--port', '0', '--quiet'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const within = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what}: no answer in ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), ms).unref())]);
  try {
    const url = await within(new Promise<string>((ok, fail) => {
      const look = () => {
        const m = /web page: (http:\/\/\S+\/)/.exec(stdout);
        if (m) ok(m[1]);
      };
      child.stdout.on('data', look);
      void exited.then((e) => fail(new Error(`serve exited (${e.code ?? e.signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
    }), 90_000, 'serve start');
    const get = async (path: string) => {
      const res = await within(fetch(new URL(path, url)), 30_000, `GET ${path}`);
      return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
    };
    const page = await get('/');
    assert.is(page.status, 200, 'GET /');
    assert.ok(page.body.equals(readFileSync(join(REPO_ROOT, 'web', 'index.html'))), 'GET / is not web/index.html');
    const wasm = await get('/lib/simd.wasm');
    assert.is(wasm.status, 200, 'GET /lib/simd.wasm');
    assert.is(wasm.type, 'application/wasm');
    assert.ok(wasm.body.equals(readFileSync(join(REPO_ROOT, 'build', 'simd.wasm'))), '/lib/simd.wasm is not build/simd.wasm');
    const lib = await get('/lib/nanobragg.js');
    assert.is(lib.status, 200, 'GET /lib/nanobragg.js');
    assert.not.match(lib.body.toString('utf8'), /\.\.\/build\//, 'the served bundle looks for its .wasm outside /lib/');
    child.kill('SIGINT');
    const end = await within(exited, 15_000, 'serve stop on SIGINT');
    assert.equal(end, { code: 0, signal: null }, `serve after SIGINT\nstderr: ${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
