// The package as a user installs it (issue 18 item 1): `npm pack` of this repository, installed from the
// tarball into an empty folder outside it (tests/helpers/package.ts: offline, from the npm cache), then the two
// bins run from node_modules/.bin and the library imported by its package name, with its types checked by tsc
// as a NodeNext project sees them. The installed bins and library must give the image the repository gives, and
// the installed `nanobragg bundle` and `nanobragg serve` must find the package's own files (web/, build/*.wasm,
// the compiled library: tests/helpers/serve-bundle.ts), not the folder they are started from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, scratch } from './helpers/cli.ts';
import { npm, packRepository, userEnv, writeApp, type Packed } from './helpers/package.ts';
import { bundleAndRun, serveAndFetch } from './helpers/serve-bundle.ts';
import { createSimulator } from '../src/index.ts';
import { findPackageRoot, packageRoot } from '../src/util/package-root.ts';

const tmp = scratch('package');
test.after(() => tmp.cleanup());
const root = tmp.dir();
const app = join(root, 'app');
let packed: Packed;

const TINY = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '2', '-detpixels', '24', '-noprogress'];

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...userEnv(), VK_ICD_FILENAMES: undefined }, timeout: 60_000 });
}

/** The float image of TINY from the repository's own library (wasm, f64): what every installed path must give. */
async function referenceImage(): Promise<Buffer> {
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
  const r = await sim.simulate(TINY.filter((t) => t !== '-noprogress'));
  await sim.dispose();
  return Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength);
}

test('findPackageRoot: the nearest package.json named nanobragg-wasm, passing over others and broken ones', () => {
  assert.is(packageRoot(), realpathSync(REPO_ROOT));
  const t = join(root, 'layout');
  const pkgDir = join(t, 'app', 'node_modules', 'nanobragg-wasm');
  mkdirSync(join(pkgDir, 'out', 'bin'), { recursive: true });
  writeFileSync(join(t, 'app', 'package.json'), JSON.stringify({ name: 'app' }));
  assert.is(findPackageRoot(join(pkgDir, 'out', 'bin')), null, 'found a root before the package.json exists');
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'nanobragg-wasm' }));
  writeFileSync(join(pkgDir, 'out', 'package.json'), '{ not json');
  writeFileSync(join(pkgDir, 'out', 'bin', 'package.json'), JSON.stringify({ type: 'module' }));
  assert.is(findPackageRoot(join(pkgDir, 'out', 'bin')), pkgDir);
  assert.is(findPackageRoot(pkgDir), pkgDir);
});

test('npm pack: the tarball holds the built bins, library, types and WebAssembly, and no sources', () => {
  for (const f of ['out/bin/nanobragg.mjs', 'out/lib/index.mjs', 'out/types/index.d.ts']) {
    assert.ok(existsSync(join(REPO_ROOT, f)), `${f} is missing: npm ci (prepare) or npm run build:cli && npm run build:lib builds it`);
  }
  packed = packRepository(root);
  const files = new Set(packed.files);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'out/bin/nanobragg.mjs', 'out/bin/nanoBragg-dropin.mjs', 'out/bin/worker.js',
    'out/lib/index.mjs', 'out/lib/worker.js', 'out/types/index.d.ts', 'build/scalar.wasm', 'build/simd.wasm', 'build/simd-threads.wasm',
    'web/index.html', 'web/app.js', 'web/engine-worker.js', 'web/style.css']) {
    assert.ok(files.has(f), `${f} is not in the tarball`);
  }
  const stray = packed.files.filter((f) => !/^(out\/(bin|lib|types)\/|build\/[^/]+\.wasm$|web\/|package\.json$|README\.md$|LICENSE$)/.test(f));
  assert.equal(stray, [], 'files outside the files list');
  // the exports map points at files that are in the tarball
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  for (const [cond, target] of Object.entries(pkg.exports['.'] as Record<string, string>)) {
    assert.ok(files.has(target.replace(/^\.\//, '')), `exports condition ${cond} -> ${target} is not in the tarball`);
  }
});

test('npm install of the tarball into an empty folder: offline, no warnings', () => {
  assert.ok(packed, 'packing failed');
  mkdirSync(app);
  copyFileSync(join(root, packed.filename), join(app, packed.filename));
  // the user's policy for the install scripts npm 11 asks about: esbuild and webgpu run theirs; this package's
  // prepare (the repository build, which needs the devDependencies) is denied; npm names a tarball by its path
  writeApp(app, packed, { esbuild: true, webgpu: true, [`file:${join(app, packed.filename)}`]: false });
  const r = npm(['install', `./${packed.filename}`, '--offline', '--no-audit', '--no-fund'], app, 120_000);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.not.match(r.stdout + r.stderr, /warn|ERR/i, `npm printed a warning:\n${r.stdout}\n${r.stderr}`);
  for (const b of ['nanobragg', 'nanoBragg']) assert.ok(existsSync(join(app, 'node_modules', '.bin', b)), `bin ${b} not linked`);
  assert.not.ok(existsSync(join(app, 'node_modules', 'nanobragg-wasm', 'src')), 'sources were installed');
});

test('the installed nanobragg and nanoBragg bins write the repository library\'s image', async () => {
  const want = await referenceImage();
  const work = join(root, 'run');
  mkdirSync(work);
  const a = run(join(app, 'node_modules', '.bin', 'nanobragg'), ['simulate', ...TINY, '--backend', 'wasm', '--dtype', 'f64', '-floatfile', 'a.bin', '-intfile', 'a.img'], work);
  assert.is(a.status, 0, a.stderr);
  assert.ok(readFileSync(join(work, 'a.bin')).equals(want), 'nanobragg float image differs');
  assert.is(readFileSync(join(work, 'a.img')).subarray(0, 15).toString('latin1'), '{\nHEADER_BYTES=');
  // the drop-in writes C's default files in the current folder (f64 by default)
  const b = run(join(app, 'node_modules', '.bin', 'nanoBragg'), [...TINY, '-nonoise'], work);
  assert.is(b.status, 0, b.stderr);
  assert.ok(readFileSync(join(work, 'floatimage.bin')).equals(want), 'nanoBragg floatimage.bin differs');
  for (const f of ['intimage.img', 'image.pgm']) assert.ok(existsSync(join(work, f)), `nanoBragg wrote no ${f}`);
});

test('the installed library imports by name (node condition) and runs wasm and wasm-threads', async () => {
  const want = await referenceImage();
  const script = join(app, 'use.mjs');
  writeFileSync(script, `
import { createSimulator } from 'nanobragg-wasm';
import { writeFileSync } from 'node:fs';
const argv = ${JSON.stringify(TINY.filter((t) => t !== '-noprogress'))};
const out = { resolved: import.meta.resolve('nanobragg-wasm') };
for (const [backend, threads] of [['wasm'], ['wasm-threads', 2]]) {
  const sim = await createSimulator({ backend, dtype: 'f64', threads });
  const r = await sim.simulate(argv);
  writeFileSync(backend + '.bin', r.image);
  out[backend] = { backend: r.backend, binary: r.binary };
  await sim.dispose();
}
console.log(JSON.stringify(out));
`);
  const r = run(process.execPath, [script], app);
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.is(realpathSync(new URL(got.resolved)), realpathSync(join(app, 'node_modules', 'nanobragg-wasm', 'out', 'lib', 'index.mjs')));
  assert.equal(got.wasm, { backend: 'wasm', binary: 'simd' });
  assert.equal(got['wasm-threads'], { backend: 'wasm-threads', binary: 'simd-threads' });
  for (const b of ['wasm', 'wasm-threads']) assert.ok(readFileSync(join(app, `${b}.bin`)).equals(want), `${b} image differs`);
});

test('the installed nanobragg bundle writes, from its own package, a bundle that runs in Node', async () => {
  const want = await referenceImage();
  const work = join(root, 'bundle-cwd');
  mkdirSync(work);
  const got = bundleAndRun([join(app, 'node_modules', '.bin', 'nanobragg')], work, join(work, 'dist'), TINY.filter((t) => t !== '-noprogress'),
    { ...userEnv(), VK_ICD_FILENAMES: undefined });
  assert.ok(got.equals(want), 'the bundle\'s image differs');
});

test('the installed nanobragg serve serves its web/ page and .wasm, and stops on SIGINT', async () => {
  await serveAndFetch([join(app, 'node_modules', '.bin', 'nanobragg')], join(root, 'bundle-cwd'), { ...userEnv(), VK_ICD_FILENAMES: undefined });
});

test('the installed types: a NodeNext TypeScript project type-checks against them (and they are not any)', () => {
  writeFileSync(join(app, 'check.ts'), `
import { createSimulator, configToArgv, type SimulationConfig, type SimulationResult } from 'nanobragg-wasm';
const config: SimulationConfig = { cell: [100, 100, 100, 90, 90, 90], N: 2, defaultF: 100, detpixels: 16 };
const argv: string[] = configToArgv(config);
const sim = await createSimulator({ backend: 'wasm', dtype: 'f64' });
const r: SimulationResult = await sim.simulate(argv);
const maxI: number = r.stats.maxI;
// @ts-expect-error a misspelt key is a type error, so the types are real (not any)
const bad: SimulationConfig = { cell: [100, 100, 100, 90, 90, 90], detpixel: 16 };
export { maxI, bad };
`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: [], noEmit: true, skipLibCheck: false },
    files: ['check.ts'],
  }));
  const r = run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test.run();
