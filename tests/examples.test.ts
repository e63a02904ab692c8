// The examples/ folder runs as documented (issue 18 item 4): the Node library script, the Deno script, the
// rotation series (phi sweep) read back by fabio through examples/read_with_fabio.py, and the browser snippet in
// headless Chromium. Each result is checked against the library run here, so an example that silently stops
// working (or computes something else) fails. Deno, fabio and Chromium are required when CI=true, else skipped
// with the reason printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { REPO_ROOT, scratch } from './helpers/cli.ts';
import { byteOffsetDecode, createSimulator } from '../src/index.ts';

const CI = process.env.CI === 'true';
const tmp = scratch('examples');
test.after(() => tmp.cleanup());
const EX = join(REPO_ROOT, 'examples');
const env = { ...process.env, VK_ICD_FILENAMES: undefined, NO_COLOR: '1' };

function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 120_000 });
}

/** A requirement that is missing: a failing test on CI, else a skip that says why. */
function needs(name: string, missing: string | null, fn: () => Promise<void> | void): void {
  if (!missing) test(name, fn);
  else if (CI) test(name, () => assert.unreachable(`${missing} (CI=true: this example must run)`));
  else {
    console.log(`skip: ${name}: ${missing}`);
    test.skip(name, () => {});
  }
}

/** The integers of a CBF file (byte-offset), via our decoder. */
function cbfIntegers(file: string): Int32Array {
  const f = new Uint8Array(readFileSync(file));
  const start = f.findIndex((b, i) => b === 0x0c && f[i + 1] === 0x1a && f[i + 2] === 0x04 && f[i + 3] === 0xd5);
  const text = new TextDecoder('latin1').decode(f.subarray(0, start));
  const w = Number(/X-Binary-Size-Fastest-Dimension: (\d+)/.exec(text)![1]);
  const h = Number(/X-Binary-Size-Second-Dimension: (\d+)/.exec(text)![1]);
  return byteOffsetDecode(f.subarray(start + 4), w * h);
}

const EXAMPLE_CONFIG = { cell: [78, 78, 37, 90, 90, 90] as const, N: 10, defaultF: 100, detpixels: 128, distanceMm: 100 };

test('examples/node-library.mjs: writes the float, SMV and CBF files of its simulation', async () => {
  const d = tmp.dir();
  const r = node([join(EX, 'node-library.mjs'), d, '--backend', 'wasm']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backend wasm: requested/m);
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f32' });
  const want = await sim.simulate({ ...EXAMPLE_CONFIG, lambdaA: 1, pixelMm: 0.1, oscDeg: 0.5, phisteps: 2 });
  await sim.dispose();
  assert.ok(readFileSync(join(d, 'image.bin')).equals(Buffer.from(want.image.buffer, want.image.byteOffset, want.image.byteLength)), 'float image differs');
  const smv = readFileSync(join(d, 'image.img'));
  const ints = cbfIntegers(join(d, 'image.cbf'));
  assert.is(ints.length, 128 * 128);
  for (let i = 0; i < ints.length; i++) if (ints[i] !== smv.readUInt16LE(512 + 2 * i)) assert.unreachable(`CBF pixel ${i} is not the SMV pixel`);
  assert.ok(Math.max(...ints) > 40, 'empty image');
});

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import fabio'], { stdio: 'ignore' }).status === 0);

needs('examples/phi-sweep.mjs: one CBF per frame, read back by examples/read_with_fabio.py with each frame\'s angles', python ? null : 'no python3 with fabio (apt install python3-fabio)', () => {
  const d = join(tmp.dir(), 'sweep');
  const r = node([join(EX, 'phi-sweep.mjs'), d, '3', '--backend', 'wasm']);
  assert.is(r.status, 0, r.stderr);
  const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; phi: number; osc: number; maxI: number; sum: number });
  assert.equal(frames.map((f) => f.phi), [0, 1, 2]);
  // the frames differ: the crystal turned
  assert.ok(new Set(frames.map((f) => f.sum)).size === 3, `frames do not differ: ${frames.map((f) => f.sum)}`);
  const p = spawnSync(python!, [join(EX, 'read_with_fabio.py'), d], { encoding: 'utf8', timeout: 60_000 });
  assert.is(p.status, 0, p.stderr);
  const read = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(read.length, 3);
  read.forEach((f, i) => {
    assert.is(realpathSync(f.file as string), realpathSync(frames[i].file));
    assert.is(f.format, 'CbfImage');
    assert.equal(f.shape, [96, 96]);
    assert.is(f.sum, frames[i].sum, `frame ${i + 1}: fabio's pixel sum`);
    assert.is(f.start_angle, frames[i].phi);
    assert.is(f.angle_increment, frames[i].osc);
  });
});

function findDeno(): string | null {
  const local = join(REPO_ROOT, 'node_modules', '.bin', 'deno');
  for (const bin of [local, 'deno']) {
    if (bin === local && !existsSync(local)) continue;
    if (spawnSync(bin, ['--version'], { timeout: 30_000 }).status === 0) return bin;
  }
  return null;
}
const deno = findDeno();

needs('examples/deno-library.ts: runs under Deno and writes the CBF the library computes', deno ? null : 'deno not found (npm package deno)', async () => {
  const d = tmp.dir();
  const r = spawnSync(deno!, ['run', '--allow-read', '--allow-write', join(EX, 'deno-library.ts'), d], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Deno \d+\.\d+\.\d+, backend wasm \(simd\), 128 x 128/m);
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
  const want = await sim.simulate(EXAMPLE_CONFIG);
  await sim.dispose();
  const { encodeImage } = await import('../src/index.ts');
  assert.ok(readFileSync(join(d, 'deno.cbf')).equals(Buffer.from(encodeImage(want, 'cbf', 'deno'))), 'Deno\'s CBF differs from the library\'s');
});

// ---------------------------------------------------------------------------------------------------
// The browser snippet: the repository served as static files (as the example's comment says), opened in Chromium

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
function browserMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    return 'npm package playwright-core is not installed';
  }
  return existsSync(join(REPO_ROOT, 'out', 'lib', 'index.mjs')) ? null : 'out/lib is not built (npm run build:lib)';
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server over the repository (examples/, out/lib/, build/ only), cross-origin isolated like src/serve.ts. */
function staticServer(): Promise<{ server: Server; url: string }> {
  const allowed = ['examples', 'out', 'build'].map((d) => join(REPO_ROOT, d) + sep);
  const server = createServer((req, res) => {
    let path = resolve(REPO_ROOT, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`);
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!allowed.some((a) => path.startsWith(a)) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    res.end(readFileSync(path));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    ok({ server, url: `http://127.0.0.1:${a.port}` });
  }));
}

needs('examples/browser: the module imports the library in headless Chromium and draws the image the library computes', browserMissing(), async () => {
  const { server, url } = await staticServer();
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'nanobragg-example-chromium-')), {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/examples/browser/`);
    await page.waitForFunction(() => (globalThis as { exampleResult?: unknown }).exampleResult !== undefined, null, { timeout: 60_000 });
    const got = await page.evaluate(() => (globalThis as unknown as { exampleResult: Record<string, unknown> }).exampleResult);
    assert.equal(errors, [], 'page errors');
    assert.not.ok(got.error, String(got.error));
    assert.ok(['wasm', 'wasm-threads', 'webgpu'].includes(got.backend as string), String(got.backend));
    assert.equal([got.width, got.height], [128, 128]);
    const status = await page.textContent('#status');
    assert.match(status ?? '', /^backend /);
    // the WebAssembly backends' f32 images are the same bits on every backend and runtime
    if (got.backend !== 'webgpu') {
      const sim = await createSimulator({ backend: 'wasm', dtype: 'f32' });
      const want = await sim.simulate(EXAMPLE_CONFIG);
      await sim.dispose();
      assert.is(got.maxI, want.stats.maxI);
      assert.is(got.sum, want.image.reduce((s, v) => s + v, 0));
    }
  } finally {
    await context.close();
    server.close();
  }
});

test.run();
