// The bench commands end to end with fake backends (through the BenchBackend interface), a fixed environment
// and a fake clock: files written, exit codes, skips and failures in every output, compare.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain, type BenchDeps } from '../src/bench/cli.ts';
import type { BenchBackend, MeasurementRequest } from '../src/bench/backend.ts';
import { fakeEnv } from './helpers/bench-env.ts';
import { validateReport, type Report } from '../src/bench/schema.ts';
import { imageProblems } from '../src/bench/checks.ts';
import { layersFor } from '../src/bench/workloads.ts';
import { EXIT } from '../src/errors.ts';

/** Temporary folders of this file, removed when it ends. */
const scratchDirs: string[] = [];
const scratch = (dir: string) => (scratchDirs.push(dir), dir);
test.after(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

const ENV = fakeEnv();

type Behaviour = 'ok' | 'throw' | 'leak' | 'wrong' | { unavailable: string };

/** A fake clock advanced only by the fake backends, so times (and ratios) are exact. */
function clock() {
  let t = 0;
  return { now: () => t, advance: (s: number) => void (t += s) };
}

function fake(name: string, behaviour: Behaviour, c: ReturnType<typeof clock>, secondsPerPixel = 1e-6): BenchBackend {
  return {
    name,
    async unavailable() {
      return typeof behaviour === 'object' ? behaviour.unavailable : null;
    },
    async prepare(req: MeasurementRequest) {
      let memory = 65536;
      const pixels = req.size * req.size;
      const layers = req.benchmark === 'absorption' ? layersFor(req.thicksteps!) : 1;
      return {
        case: {
          evaluations: pixels * layers,
          pixels,
          coldIncludes: 'fake create + first run',
          async create() {
            c.advance(0.01);
            return {
              run() {
                if (behaviour === 'throw') throw new Error('fake kernel trap');
                if (behaviour === 'leak') memory += 65536;
                c.advance(secondsPerPixel * pixels * layers);
                return new Float32Array(pixels).fill(behaviour === 'wrong' ? NaN : 1);
              },
              memory: () => ({ wasm_bytes: memory }),
            };
          },
          snapshot: (x: Float32Array) => x.slice(),
          check: (cold: Float32Array) => ({
            problems: imageProblems(cold),
            interpolation: req.workload === 'image' && req.benchmark === 'absorption' ? 'nearest' : 'tricubic',
            warnings: req.workload === 'image' ? [{ text: 'WARNING: fake warning', count: 2 }] : [],
          }),
        },
        binary: () => (name === 'wasm-scalar' ? 'scalar' : 'simd'),
        threads: 1,
        ...(req.workload === 'kernel' ? { variant: name === 'wasm-scalar' ? req.dtype : req.dtype === 'f32' ? 'f32x4' : 'f64x2' } : {}),
        ...(req.benchmark === 'absorption' ? { layers } : {}),
      };
    },
  };
}

interface Run {
  code: number;
  out: string[];
  err: string[];
  dir: string;
  runDirs: string[];
}

async function run(argv: string[], backends: BenchBackend[], extra: Partial<BenchDeps> & { dir?: string } = {}): Promise<Run> {
  const dir = extra.dir ?? scratch(mkdtempSync(join(tmpdir(), 'bench-cli-')));
  const out: string[] = [];
  const err: string[] = [];
  const c = clock();
  const code = await benchMain([...argv, ...(argv[0] === 'compare' || argv.includes('--out') ? [] : ['--out', dir])], {
    backends,
    env: () => ENV,
    clock: c.now,
    print: (l) => out.push(l),
    printError: (l) => err.push(l),
    now: () => new Date('2026-11-28T12:34:56Z'),
    ...extra,
  });
  const runDirs = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('2026')).sort().map((f) => join(dir, f)) : [];
  return { code, out, err, dir, runDirs };
}

const readReport = (dir: string, name: string): Report => JSON.parse(readFileSync(join(dir, `${name}_baseline.json`), 'utf8'));

test('tricubic: every file written, the JSON validates, kernel and image per size, dtype and backend', async () => {
  const c = clock();
  const r = await run(['tricubic', '--sizes', '8', '16', '--repeats', '3', '--backend', 'wasm-scalar', 'wasm'],
    [fake('wasm-scalar', 'ok', c), fake('wasm', 'ok', c)], { clock: c.now });
  assert.is(r.code, 0, r.out.join('\n'));
  assert.is(r.runDirs.length, 1);
  const d = r.runDirs[0];
  assert.equal(readdirSync(d).sort(), ['env.json', 'run_log.txt', 'run_status.txt', 'tricubic_baseline.json', 'tricubic_baseline.md', 'tricubic_baseline.svg']);
  const rep = readReport(d, 'tricubic');
  assert.equal(validateReport(rep), []);
  assert.is(rep.results.length, 2 * 2 * 2 * 2);
  assert.equal(rep.command, ['npx', 'tsx', 'src/cli.ts', 'bench', 'tricubic', '--sizes', '8', '16', '--repeats', '3', '--backend', 'wasm-scalar', 'wasm', '--out', r.dir]);
  assert.ok(rep.results.every((x) => x.warm_s.length === 3 && x.cold_includes === 'fake create + first run'));
  const img = rep.results.find((x) => x.workload === 'image' && x.size === 16)!;
  assert.ok(Math.abs(img.stats.median - 256e-6) < 1e-12);
  assert.ok(Math.abs(img.throughput.pixels_per_s - 1e6) < 1e-3);
  assert.equal(img.warnings, [{ text: 'WARNING: fake warning', count: 2 }]);
  assert.equal(JSON.parse(readFileSync(join(d, 'env.json'), 'utf8')), ENV);

  const md = readFileSync(join(d, 'tricubic_baseline.md'), 'utf8');
  assert.ok(md.includes('npx tsx src/cli.ts bench tricubic --sizes 8 16 --repeats 3'));
  assert.ok(md.includes('## Batched tricubic kernel'));
  assert.ok(md.includes('## Whole size x size image'));
  assert.ok(md.includes('2 x `WARNING: fake warning`'));
  assert.ok(md.includes('SIMD vs scalar (same run)'));
  assert.ok(md.includes('![warm median time against size](tricubic_baseline.svg)'));
  const svg = readFileSync(join(d, 'tricubic_baseline.svg'), 'utf8');
  assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'));
  assert.is((svg.match(/<polyline/g) ?? []).length, 8); // backend x dtype x workload

  const log = readFileSync(join(d, 'run_log.txt'), 'utf8');
  assert.ok(log.includes('$ npx tsx src/cli.ts bench tricubic'));
  assert.ok(r.out.every((l) => l.split('\n').every((x) => log.includes(x))), 'everything printed is in run_log.txt');
});

test('a backend that throws: the others are measured, reports are written, exit code 1', async () => {
  const c = clock();
  const r = await run(['tricubic', '--sizes', '8', '--repeats', '2', '--dtype', 'f32', '--backend', 'wasm-scalar', 'wasm'],
    [fake('wasm-scalar', 'throw', c), fake('wasm', 'ok', c)], { clock: c.now });
  assert.is(r.code, 1);
  const rep = readReport(r.runDirs[0], 'tricubic');
  assert.equal(validateReport(rep), []);
  assert.is(rep.results.length, 2);
  assert.ok(rep.results.every((x) => x.backend === 'wasm'));
  assert.is(rep.failures.length, 2);
  assert.equal(rep.failures[0], { backend: 'wasm-scalar', dtype: 'f32', threads: 1, size: 8, workload: 'kernel', kernel: 'tricubic', stage: 'run', error: 'fake kernel trap' });
  const md = readFileSync(join(r.runDirs[0], 'tricubic_baseline.md'), 'utf8');
  assert.ok(md.includes('run: fake kernel trap'));
  assert.ok(r.out.some((l) => l.startsWith('FAIL wasm-scalar')));
});

test('a leaking or wrong backend fails (no time reported for it), exit code 1', async () => {
  const c = clock();
  const r = await run(['tricubic', '--sizes', '8', '--repeats', '3', '--dtype', 'f64', '--backend', 'wasm-scalar', 'wasm'],
    [fake('wasm-scalar', 'leak', c), fake('wasm', 'wrong', c)], { clock: c.now });
  assert.is(r.code, 1);
  const rep = readReport(r.runDirs[0], 'tricubic');
  assert.is(rep.results.length, 0);
  assert.equal(rep.failures.map((f) => `${f.backend}:${f.stage}`), ['wasm-scalar:memory', 'wasm:check', 'wasm-scalar:memory', 'wasm:check']);
  assert.match(rep.failures[0].error, /leak/);
  assert.match(rep.failures[1].error, /non-finite pixel/);
});

test('an unavailable backend is skipped with its reason in JSON, Markdown and log; nothing measurable -> exit 5', async () => {
  const c = clock();
  const r = await run(['absorption', '--sizes', '8', '--repeats', '1', '--backend', 'webgpu'],
    [fake('webgpu', { unavailable: 'no WebGPU adapter: no GPU in tests' }, c)], { clock: c.now });
  assert.is(r.code, 5);
  const rep = readReport(r.runDirs[0], 'absorption');
  assert.equal(validateReport(rep), []);
  assert.equal(rep.skipped, [{ backend: 'webgpu', workload: 'image', reason: 'no WebGPU adapter: no GPU in tests' }]);
  assert.ok(readFileSync(join(r.runDirs[0], 'absorption_baseline.md'), 'utf8').includes('- webgpu (image): no WebGPU adapter: no GPU in tests'));
  assert.ok(readFileSync(join(r.runDirs[0], 'run_log.txt'), 'utf8').includes('skip webgpu (image): no WebGPU adapter'));
});

test('--backend all: available backends measured, the rest skipped with reasons, exit 0', async () => {
  const c = clock();
  const r = await run(['tricubic', '--sizes', '8', '--repeats', '1', '--dtype', 'f32', '--backend', 'all'], [
    fake('wasm-scalar', 'ok', c), fake('wasm', 'ok', c),
    fake('wasm-threads', { unavailable: 'no WebAssembly threads here' }, c), fake('webgpu', { unavailable: 'no WebGPU adapter' }, c),
  ], { clock: c.now });
  assert.is(r.code, 0);
  const rep = readReport(r.runDirs[0], 'tricubic');
  assert.equal([...new Set(rep.results.map((x) => x.backend))], ['wasm-scalar', 'wasm']);
  // one entry per backend and workload, not one per size/dtype
  assert.equal(rep.skipped.map((s) => `${s.backend}/${s.workload}`), ['wasm-threads/kernel', 'webgpu/kernel', 'wasm-threads/image', 'webgpu/image']);
});

test('absorption: layer counts as simulated (1 -> 2), with and without -oversample_thick, cost per layer', async () => {
  const c = clock();
  const r = await run(['absorption', '--sizes', '8', '--repeats', '2', '--dtype', 'f32', '--backend', 'wasm', '--thicksteps', '1', '2', '5'],
    [fake('wasm', 'ok', c)], { clock: c.now });
  assert.is(r.code, 0);
  const rep = readReport(r.runDirs[0], 'absorption');
  assert.equal(validateReport(rep), []);
  assert.equal(rep.results.map((x) => `${x.thicksteps}/${x.layers}/${x.oversample_thick}`), ['1/2/false', '1/2/true', '2/2/false', '2/2/true', '5/5/false', '5/5/true']);
  for (const x of rep.results) assert.ok(Math.abs(x.per_layer_s! - 64e-6) < 1e-12);
  const md = readFileSync(join(r.runDirs[0], 'absorption_baseline.md'), 'utf8');
  assert.ok(md.includes('each extra layer costs 0.064 ms'), md);
  assert.ok(md.includes('thicksteps 1 ran as 2 layers'));
});

test('kernels: targets computed from ratios of the same run', async () => {
  const c = clock();
  const r = await run(['kernels', '--sizes', '16', '--repeats', '2', '--dtype', 'f32'],
    [fake('wasm-scalar', 'ok', c, 4e-6), fake('wasm', 'ok', c, 1e-6)], { clock: c.now });
  assert.is(r.code, 0);
  const rep = readReport(r.runDirs[0], 'kernels');
  assert.equal(validateReport(rep), []);
  const t = rep.targets!;
  assert.equal(t.map((x) => [x.name, x.met]), [['tricubic f32x4 vs scalar f32', true], ['tricubic f32x4 throughput', false], ['capture fractions f32x4 vs scalar f32', true]]);
  assert.ok(Math.abs(t[0].measured! - 4) < 1e-9);
  assert.is(t[1].name, 'tricubic f32x4 throughput');
  assert.ok(Math.abs(t[1].measured! - 1) < 1e-9); // 1 evaluation per microsecond
  assert.is(t[1].met, false);
  assert.ok(r.out.some((l) => l.startsWith('target tricubic f32x4 throughput: 1.00 M interp/s')));
});

test('--json and --md write extra copies; a second run never overwrites the first', async () => {
  const c = clock();
  const dir = scratch(mkdtempSync(join(tmpdir(), 'bench-cli-')));
  const args = ['tricubic', '--sizes', '8', '--repeats', '1', '--dtype', 'f32', '--backend', 'wasm', '--out', dir,
    '--json', join(dir, 'copy.json'), '--md', join(dir, 'copy.md')];
  const a = await run(args, [fake('wasm', 'ok', c)], { clock: c.now, dir });
  const b = await run(args, [fake('wasm', 'ok', c)], { clock: c.now, dir });
  assert.is(a.code, 0);
  assert.is(b.code, 0);
  assert.is(b.runDirs.length, 2);
  assert.ok(b.runDirs[1].endsWith('-2'));
  assert.equal(validateReport(JSON.parse(readFileSync(join(dir, 'copy.json'), 'utf8'))), []);
  assert.ok(readFileSync(join(dir, 'copy.md'), 'utf8').startsWith('# Tricubic interpolation baseline'));
  assert.ok(existsSync(join(a.runDirs[0], 'tricubic_baseline.json')));
});

test('memory: the peak estimate is printed; a run estimated beyond the machine is refused before anything is made (exit 5)', async () => {
  const c = clock();
  const ok = await run(['tricubic', '--sizes', '8', '--repeats', '1', '--backend', 'wasm'], [fake('wasm', 'ok', c)], { clock: c.now });
  assert.is(ok.code, 0, ok.out.join('\n'));
  assert.ok(ok.out.some((l) => /^estimated peak memory: about \d+ MiB \(largest size 8\^2; this machine has /.test(l)), ok.out.join('\n'));
  // 8192^2 at 140 bytes per pixel is about 8.9 GiB: refused on a machine of 4 GiB, with nothing created
  const big = await run(['tricubic', '--sizes', '8192', '--repeats', '1', '--backend', 'wasm'], [fake('wasm', 'ok', c)], { clock: c.now, totalMemory: 4 * 1024 ** 3 });
  assert.is(big.code, EXIT.RESOURCE);
  assert.equal(big.err, ['error: this run needs about 8.9 GiB of memory at its largest size (estimate, src/bench/memory.ts), more than the 4.0 GiB of this machine: give smaller --sizes']);
  assert.equal(big.runDirs, []);
});

test('bad command lines exit 2 and create nothing', async () => {
  const c = clock();
  for (const argv of [
    ['tricubic', '--sizes', '0'], ['tricubic', '--sizes', 'big'], ['tricubic', '--dtype', 'f16'], ['tricubic', '--backend', 'cuda'],
    ['tricubic', '--frobnicate'], ['tricubic', '--repeats'], ['tricubic', '--repeats', '2', '3'], ['tricubic', 'extra'],
    ['kernels', '--thicksteps', '5'], ['warp'], [],
  ]) {
    const r = await run(argv, [fake('wasm', 'ok', c)], { clock: c.now });
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.runDirs.length, 0, argv.join(' '));
  }
  const h = await run(['--help'], []);
  assert.is(h.code, 0);
  assert.ok(h.out[0].includes('usage: npx tsx src/cli.ts bench'));
});

test('compare: same measurements across runs side by side with ratios; bad inputs exit 3', async () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), 'bench-cli-')));
  const c1 = clock();
  const c2 = clock();
  const args = ['tricubic', '--sizes', '8', '--repeats', '2', '--dtype', 'f32', '--backend', 'wasm', '--out', dir];
  await run(args, [fake('wasm', 'ok', c1, 1e-6)], { clock: c1.now, dir });
  const second = await run(args, [fake('wasm', 'ok', c2, 2e-6)], { clock: c2.now, dir });
  const [a, b] = second.runDirs;
  const cmp = await run(['compare', a, join(b, 'tricubic_baseline.json'), '--out', dir, '--md', join(dir, 'cmp.md')], [], { dir });
  assert.is(cmp.code, 0, cmp.err.join('\n'));
  const md = readFileSync(join(dir, 'cmp.md'), 'utf8');
  assert.ok(md.includes('| tricubic | wasm | f32 | 1 | 8 | image | - | - | - | - | 0.064 | 0.128 (2.00x A) |'), md);
  assert.ok(md.includes('| tricubic | wasm | f32 | 1 | 8 | kernel | - | tricubic | - | - | 0.064 | 0.128 (2.00x A) |'), md);
  const cmpDir = cmp.runDirs.find((d) => existsSync(join(d, 'compare.md')))!;
  assert.is(readFileSync(join(cmpDir, 'compare.md'), 'utf8'), md);

  writeFileSync(join(dir, 'bad.json'), '{"benchmark":"tricubic"}');
  for (const argv of [['compare', join(dir, 'bad.json')], ['compare', join(dir, 'nope')], ['compare', dir + '/../']]) {
    const r = await run([...argv, '--out', dir], [], { dir });
    assert.is(r.code, 3, argv.join(' '));
    assert.match(r.err.join('\n'), /error: /);
  }
  const none = await run(['compare', '--out', dir], [], { dir });
  assert.is(none.code, 2);
});

test.run();
