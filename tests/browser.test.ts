// The web front end: the server (src/serve.ts) on its own, then the page (web/) in headless Chromium
// driven by playwright-core: the golden case combined_256 entered through the form (HKL uploaded), run on
// WASM (f64, against the C image), on WASM threads and on WebGPU (SwiftShader) where the build has those
// engines, the image read back from window.__lastResult; screenshots under test-output/.
// Chromium or playwright-core missing: a failure when CI=true, else a skip with the reason printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type RunningServer } from '../src/serve.ts';
import { prepareSimulation } from '../src/simulator/engine.ts';
import { compareImages } from '../src/simulator/compare.ts';
import { pureF32Tolerance, toleranceRatios } from '../src/webgpu/precision.ts';
import { loadGoldenCases } from './helpers/golden.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';

let server: RunningServer;

test.before(async () => {
  server = await serve({ port: 0 });
});

test.after(async () => {
  await server?.close();
});

/** A raw GET (no URL normalisation, unlike fetch), for the traversal checks. */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: server.host, port: server.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('server: the page, the bundle and the .wasm with their MIME types, cross-origin isolated', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const want: [string, RegExp][] = [
    ['/', /^text\/html/],
    ['/index.html', /^text\/html/],
    ['/app.js', /^text\/javascript/],
    ['/style.css', /^text\/css/],
    ['/lib/nanobragg.js', /^text\/javascript/],
    ['/lib/simd.wasm', /^application\/wasm$/],
    ['/lib/scalar.wasm', /^application\/wasm$/],
    ['/lib/worker.js', /^text\/javascript/],
  ];
  for (const [path, type] of want) {
    const r = await rawGet(path);
    assert.is(r.status, 200, path);
    assert.match(String(r.headers['content-type']), type, path);
    assert.is(r.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.is(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  const wasm = await rawGet('/lib/simd.wasm');
  assert.equal([...wasm.body.subarray(0, 4)], [0, 97, 115, 109]);
  assert.ok(WebAssembly.validate(new Uint8Array(wasm.body)));
  const head = await rawGet('/lib/nanobragg.js', 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.body.length, 0);
  assert.ok(Number(head.headers['content-length']) > 10_000);
});

test('server: 404 for unknown files and every way out of web/, 405 for other methods', async () => {
  for (const path of [
    '/nope.html', '/lib/nope.wasm', '/lib/', '/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json',
    '/lib/../../package.json', '/lib/..%2f..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/..\\package.json',
    '/%00index.html', '/.git/config', '/web/index.html', '/src/index.ts',
  ]) {
    const r = await rawGet(path);
    assert.is(r.status, 404, `${path}: ${r.status} ${r.body.toString().slice(0, 80)}`);
    assert.is(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  assert.is((await rawGet('/%E0%A4%A')).status, 400);
  assert.is((await rawGet('/', 'POST')).status, 405);
  assert.is((await rawGet('/', 'DELETE')).status, 405);
});

// ---------------------------------------------------------------------------------------------------
// Headless Chromium

function browserTools(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    return 'npm package playwright-core is not installed';
  }
  return null;
}

const golden = loadGoldenCases().find((c) => c.name === 'combined_256');
const PAGE_NAME = 'Chromium: golden combined_256 entered in the page runs on WASM (and threads / WebGPU where built), parity with C';
const missing = browserTools();

/** Runs stay within the page's own timeouts; a hung run fails the test instead of the suite. */
const RUN_TIMEOUT_MS = 180_000;

interface PageResult {
  runId: number;
  backend: string;
  backendReason: string;
  binary: string;
  dtype: string;
  width: number;
  height: number;
  timings: Record<string, number>;
  imageB64: string;
  status: string;
}

if (missing) {
  if (CI) test(PAGE_NAME, () => assert.unreachable(`${missing} (CI=true: this suite must run)`));
  else {
    console.log(`skip: ${PAGE_NAME}: ${missing}`);
    test.skip(PAGE_NAME, () => {});
  }
} else {
  test(PAGE_NAME, async () => {
    assert.ok(golden, 'golden case combined_256 missing');
    const { chromium } = await import('playwright-core');
    mkdirSync(OUT, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), 'nanobragg-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu',
      ],
      viewport: { width: 1280, height: 960 },
    });
    const pageErrors: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => (window as unknown as { __nanobragg?: { ready: boolean } }).__nanobragg?.ready === true, null, { timeout: 30_000 });
      assert.is(await page.evaluate(() => globalThis.crossOriginIsolated), true, 'the page is not cross-origin isolated');

      // the golden case, through the form
      const fields: Record<string, string> = {
        cell_a: '100', cell_b: '100', cell_c: '100', cell_al: '90', cell_be: '90', cell_ga: '90', N: '2', defaultF: '0',
        lambdaA: '1', distanceMm: '150', pixelMm: '0.1', detpixels: '256', oversample: '2',
        detectorThickUm: '100', detectorAbsUm: '500', thicksteps: '5', threads: '2',
      };
      for (const [name, value] of Object.entries(fields)) await page.fill(`[name=${name}]`, value);
      await page.selectOption('[name=interpolate]', 'on');
      await page.setInputFiles('#hkl', golden!.hklPath!);
      await page.waitForFunction(() => document.getElementById('hkl-info')!.textContent!.includes('reflections'));

      const runOn = async (backend: string, dtype: string): Promise<PageResult | { error: string }> => {
        await page.selectOption('[name=backend]', backend);
        await page.selectOption('[name=dtype]', dtype);
        const before = await page.evaluate(() => (window as unknown as { __nanobragg: { runs: number } }).__nanobragg.runs);
        await page.click('#run');
        await page.waitForFunction((n) => (window as unknown as { __nanobragg: { runs: number } }).__nanobragg.runs > n, before, { timeout: RUN_TIMEOUT_MS });
        return page.evaluate((n) => {
          const w = window as unknown as { __lastResult?: { runId: number; image: Float32Array } & Record<string, unknown>; __lastError?: { message: string; runId: number } };
          if (w.__lastError?.runId === n + 1) return { error: w.__lastError.message };
          const r = w.__lastResult!;
          const bytes = new Uint8Array(r.image.buffer, r.image.byteOffset, r.image.byteLength);
          let s = '';
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return {
            runId: r.runId, backend: r.backend, backendReason: r.backendReason, binary: r.binary, dtype: r.dtype,
            width: r.width, height: r.height, timings: r.timings, imageB64: btoa(s),
            status: document.getElementById('status')!.textContent ?? '',
          } as PageResult;
        }, before);
      };
      const imageOf = (r: PageResult) => {
        const b = Buffer.from(r.imageB64, 'base64');
        return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      };
      const report = (label: string, r: PageResult, m: ReturnType<typeof compareImages>) =>
        console.log(`browser ${label}: ${r.backend} (${r.binary}, ${r.dtype}) loop ${(r.timings.loop_s * 1000).toFixed(0)} ms, total ${(r.timings.total_s * 1000).toFixed(0)} ms; ` +
          `max|diff|/max=${m.maxRelDiff.toExponential(2)} sum ratio-1=${(m.sumRatio - 1).toExponential(2)} 1-r=${(1 - m.pearson).toExponential(2)}`);

      // 1. WASM SIMD, f64: nanoBragg's arithmetic, within 1e-6 of the C image
      const wasm = await runOn('wasm', 'f64');
      assert.ok(!('error' in wasm), `wasm run failed: ${'error' in wasm ? wasm.error : ''}`);
      const w = wasm as PageResult;
      assert.is(w.backend, 'wasm');
      assert.is(w.width, 256);
      assert.is(w.height, 256);
      assert.match(w.status, /on wasm \(simd, f64\)/);
      const wasmImage = imageOf(w);
      const mw = compareImages(wasmImage, golden!.image);
      report('wasm f64', w, mw);
      assert.ok(mw.maxRelDiff <= 1e-6 && Math.abs(mw.sumRatio - 1) <= 1e-6 && 1 - mw.pearson <= 1e-6, `wasm f64 parity: ${JSON.stringify(mw)}`);
      await page.screenshot({ path: join(OUT, 'browser-wasm.png'), fullPage: true });

      // 2. WASM threads (COOP/COEP make it possible): bitwise the single-threaded image
      const threads = await runOn('wasm-threads', 'f64');
      if ('error' in threads) {
        assert.match(threads.error, /has no wasm-threads engine yet/, `wasm-threads failed: ${threads.error}`);
        console.log(`browser wasm-threads: not run: ${threads.error}`);
      } else {
        assert.is(threads.backend, 'wasm-threads');
        const t = imageOf(threads);
        const first = t.findIndex((v, i) => Object.is(v, wasmImage[i]) === false);
        report('wasm-threads f64', threads, compareImages(t, golden!.image));
        assert.is(first, -1, `wasm-threads differs from wasm at pixel ${first}`);
      }

      // 3. WebGPU on SwiftShader: f32, within the backend's declared tolerance (src/webgpu/precision.ts)
      const gpu = await runOn('webgpu', 'f32');
      if ('error' in gpu) {
        assert.match(gpu.error, /has no webgpu engine yet|no WebGPU engine in this build|backend webgpu is unavailable here/, `webgpu failed: ${gpu.error}`);
        console.log(`browser webgpu: not run: ${gpu.error}`);
      } else {
        assert.is(gpu.backend, 'webgpu');
        const argv = golden!.argv.slice(1).filter((x, i, a) => x !== '-floatfile' && a[i - 1] !== '-floatfile');
        const prepared = await prepareSimulation(argv, { hklText: readFileSync(golden!.hklPath!, 'utf8') });
        const tol = pureF32Tolerance(prepared.sim);
        const m = compareImages(imageOf(gpu), golden!.image);
        report('webgpu f32', gpu, m);
        const ratios = toleranceRatios(m, tol);
        assert.ok(ratios.worst <= 1, `webgpu parity: ${JSON.stringify({ m, tol })}`);
        await page.screenshot({ path: join(OUT, 'browser-webgpu.png'), fullPage: true });
      }

      // 4. auto: the page says which backend ran and why
      const auto = await runOn('auto', 'f32');
      assert.ok(!('error' in auto), `auto run failed: ${'error' in auto ? auto.error : ''}`);
      const a = auto as PageResult;
      assert.match(a.backendReason, new RegExp(`^auto: .*chose ${a.backend} `));
      assert.ok(a.status.includes(`on ${a.backend} (`), a.status);
      const shown = await page.textContent('dd[data-key=backend]');
      assert.ok(shown?.startsWith(`${a.backend}: auto: `), String(shown));
      console.log(`browser auto: ${a.backendReason}`);
      assert.equal(pageErrors, [], 'uncaught errors in the page');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
}

test.run();
