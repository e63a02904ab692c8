// Fuzzing the command line: mutations of the golden argvs (and of a few that use the flags the goldens do not)
// - deleted, duplicated, swapped tokens; numbers replaced by 0, negatives, huge, NaN, inf, 1e308, empty strings,
// unicode; random and misspelt flags inserted - through three stages:
//   1. parseSimArgs: a SimArgs with only finite numbers, or an ArgError with one line naming its flag;
//   2. prepareSimulation (the detector forced to <= 16 x 16 pixels): a Simulation, or a clean ArgError /
//      SetupError / HklError / UserError;
//   3. the whole CLI in-process (`simulate ... -floatfile tmp`) for the small ones: exit 0 with an image of only
//      finite, non-negative pixels, or one `error:` line and a documented exit code - never exit 1 (a bug).
// Never another exception type, a crash or a hang: each simulated image is bounded by its evaluation count.
//
//   FUZZ_SEED=123 FUZZ_N=20000 npx tsx node_modules/uvu/bin.js tests fuzz-args    another seed / more inputs

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgError, NANOBRAGG_FLAGS, NOT_IMPLEMENTED_FLAGS, OWN_FLAGS, parseSimArgs, type SimArgs } from '../src/simulator/args.ts';
import { evaluationCount, prepareSimulation, type PreparedSimulation } from '../src/simulator/engine.ts';
import { SetupError, resolvePhi } from '../src/simulator/setup.ts';
import { HklError } from '../src/hkl.ts';
import { EXIT, UserError } from '../src/errors.ts';
import { goldenDir } from './helpers/golden.ts';
import { runMain, scratch, stderrLines, XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0xa7c5_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 5000);
/** Whole-CLI runs (stage 3), and the most evaluations one of them may take (a few ms). */
const CLI_RUNS = Math.max(50, Math.round(N / 8));
const MAX_EVALUATIONS = 40_000;
/** Phi steps that prepareSimulation can set up without exhausting memory (see fix S1). */
const SAFE_PHISTEPS = 1_000_000;

const tmp = scratch('fuzz-args');
test.after(() => tmp.cleanup());

// ------------------------------------------------------------------------------------------------ seeds

function baseArgvs(): string[][] {
  const out: string[][] = [];
  if (existsSync(goldenDir)) {
    for (const name of readdirSync(goldenDir).sort()) {
      const p = join(goldenDir, name, 'case.json');
      if (existsSync(p)) out.push((JSON.parse(readFileSync(p, 'utf8')).argv as string[]).slice(1));
    }
  }
  const cell = ['-cell', '50', '60', '70', '80', '95', '100'];
  out.push(
    [...cell, '-default_F', '10', '-N', '3', '-round_xtal', '-fudge', '2', '-phi', '10', '-osc', '2', '-phisteps', '3', '-polar', '0.5',
      '-roi', '0', '5', '2', '9', '-detpixels', '12', '-pixel', '0.2', '-distance', '80', '-Xbeam', '1', '-Ybeam', '1.2'],
    ['-hkl', 'x.hkl', ...cell, '-Na', '2', '-Nb', '3', '-Nc', '1', '-gauss_xtal', '-energy', '12000', '-detsize', '5', '-close_distance', '90',
      '-oversample', '2', '-oversample_omega', '-oversample_polar', '-point_pixel', '-nopolar', '-detector_thick', '50', '-detector_abs', 'inf',
      '-thicksteps', '3', '-oversample_thick', '-scale', '2', '-adc', '10', '-nonoise', '-seed', '7', '--backend', 'wasm', '--dtype', 'f64'],
    ['-hkl', 'x.hkl', '-cell', '100', '100', '100', '90', '90', '90', '-tophat_spots', '-interpolate', '-phistep', '0.5', '-osc', '1',
      '-detpixels_f', '10', '-detpixels_s', '7', '-wave', '1.5', '-detector_thick', '100', '-detector_absorb', '300', '-detector_thicksteps', '0',
      '-intfile', 'a.img', '-pgmfile', 'a.pgm', '-nopgm', '-noprogress', '-progress', '--threads=2', '--pngfile', 'a.png', '--backend=wasm-scalar'],
    ['-cell', '30', '30', '30', '90', '90', '120', '-default_F', '1', '-detsize_f', '1.5', '-detsize_s', '2', '-pixel', '0.1', '-square_xtal',
      '-nointerpolate', '-lambda', '0.9', '-osc', '0', '-phisteps', '0', '-oversample', '1', '-binary_spots', '-floatimage', 'f.bin'],
  );
  return out;
}

// ------------------------------------------------------------------------------------------------ mutations

const NUMBERS = [
  '0', '-0', '1', '-1', '2', '3', '16', '90', '180', '0.5', '-0.5', '1e-300', '5e-324', '1e308', '-1e308', '1e309', '1e999',
  '2147483647', '2147483648', '-2147483648', '4294967296', '1e9', '1e12', '9007199254740993', '1e3', '.5', '5.', '+3', '1e', 'e5',
  'NaN', 'nan', 'inf', '-inf', 'Infinity', '-Infinity', '', ' ', '0x10', '1,5', '1_000', '12abc', '\u22121', '١٢', '３', '0.1e-2',
  '00012', '1e-7', '-90', '360', '1e6', '65536', '65537', '30000',
];
const WEIRD = [
  '', ' ', '-', '--', '---', '-=', '--=', '--backend=', '--dtype=f64', '--dtype=', '-distance=100', 'é', '日本', '🙂', '\u0000', '\n',
  '-\u00e9', '-detpixels\u200b', '-CELL', '-Distance', '--distance', '\u2014distance', 'x'.repeat(300), '-' + 'x'.repeat(300),
  '-h', '--help', '-help', '--debug', 'simulate', 'bench', '-hkl', '-cell', '-roi', '-N',
];
const FLAGS = [...NANOBRAGG_FLAGS, ...OWN_FLAGS, ...NOT_IMPLEMENTED_FLAGS];

const isFlag = (t: string) => t.startsWith('-') && !/^[+-]?(\d|\.\d|inf|nan)/i.test(t);

function number(r: XorShift32): string {
  if (r.chance(0.4)) return r.pick(NUMBERS);
  const v = (r.next() * 2 - 1) * 10 ** r.range(-8, 8);
  return r.pick([String(v), v.toExponential(r.int(6)), v.toFixed(r.int(4)), String(Math.round(v))]);
}

function typo(r: XorShift32, flag: string): string {
  const i = 1 + r.int(Math.max(1, flag.length - 1));
  switch (r.int(5)) {
    case 0: return flag.slice(0, i) + flag.slice(i + 1);
    case 1: return flag.slice(0, i) + String.fromCharCode(97 + r.int(26)) + flag.slice(i);
    case 2: return flag.slice(0, i - 1) + flag[i] + flag[i - 1] + flag.slice(i + 1);
    case 3: return flag.toUpperCase();
    default: return '-' + flag;
  }
}

function mutate(r: XorShift32, argv: string[], bases: string[][]): string[] {
  const a = [...argv];
  const i = r.int(Math.max(1, a.length));
  switch (r.int(12)) {
    case 0: a.splice(i, 1); break;
    case 1: a.splice(r.int(a.length + 1), 0, a[i] ?? ''); break;
    case 2: { const j = r.int(a.length); [a[i], a[j]] = [a[j], a[i]]; break; }
    case 3: case 4: {
      // a value replaced by a random number
      const values = a.map((t, k) => (isFlag(t) ? -1 : k)).filter((k) => k >= 0);
      if (values.length) a[r.pick(values)] = number(r);
      break;
    }
    case 5: {
      // a random flag with 0..6 random values
      const vals = Array.from({ length: r.int(7) }, () => number(r));
      a.splice(r.int(a.length + 1), 0, r.pick(FLAGS), ...vals);
      break;
    }
    case 6: {
      const flags = a.map((t, k) => (isFlag(t) ? k : -1)).filter((k) => k >= 0);
      if (flags.length) { const k = r.pick(flags); a[k] = typo(r, a[k]); }
      break;
    }
    case 7: a.splice(r.int(a.length + 1), 0, r.pick(WEIRD)); break;
    case 8: a[i] = r.pick(WEIRD); break;
    case 9: a.length = r.int(a.length + 1); break;
    case 10: { const other = r.pick(bases); const s = r.int(other.length); a.push(...other.slice(s, s + 1 + r.int(6))); break; }
    default: {
      // a flag's values shifted: one value too few or too many
      const flags = a.map((t, k) => (isFlag(t) ? k : -1)).filter((k) => k >= 0);
      if (flags.length) { const k = r.pick(flags); r.chance(0.5) ? a.splice(k + 1, 1) : a.splice(k + 1, 0, number(r)); }
    }
  }
  return a.filter((t) => typeof t === 'string'); // a swap in an empty argv makes holes; a shell never passes them

}

// ------------------------------------------------------------------------------------------------ checks

const OUTPUT_FLAGS = new Set(['-floatfile', '-floatimage', '-intfile', '-intimage', '-pgmfile', '-pgmimage', '--pngfile']);
const RUN_FLAGS = new Set(['--backend', '--dtype', '--threads']);
const DROPPED = new Set(['--debug', '-h', '-help', '--help']);

/**
 * The argv for stages 2 and 3: no outputs of its own (the fuzz must not write files where it runs), no backend
 * choice, no --debug/--help, the -hkl file replaced by the fixture (mostly), and a detector of at most 16 x 16.
 */
function smallRun(r: XorShift32, argv: string[], hklPath: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const t = argv[k];
    const name = t.startsWith('--') && t.includes('=') ? t.slice(0, t.indexOf('=')) : t;
    if (OUTPUT_FLAGS.has(name) || RUN_FLAGS.has(name)) {
      if (name === t) k++;
      continue;
    }
    if (DROPPED.has(t)) continue;
    if (t === '-hkl' && k + 1 < argv.length && r.chance(0.9)) {
      out.push(t, hklPath);
      k++;
      continue;
    }
    out.push(t);
  }
  if (r.chance(0.8)) out.push('-detpixels', String(r.range(1, 16)));
  else out.push('-detpixels_f', String(r.range(1, 16)), '-detpixels_s', String(r.range(1, 16)));
  return out;
}

function show(argv: readonly string[]): string {
  const s = JSON.stringify(argv);
  return s.length > 600 ? s.slice(0, 600) + '...' : s;
}

/** A valid SimArgs holds finite numbers only (sentinels included). */
function assertFinite(a: SimArgs, argv: readonly string[]): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) assert.unreachable(`args.${path} = ${v} for ${show(argv)}`);
    } else if (Array.isArray(v)) v.forEach((x, k) => walk(x, `${path}[${k}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(a, '');
}

function assertCleanError(e: unknown, types: (new (...a: never[]) => Error)[], argv: readonly string[], stage: string): void {
  if (!types.some((T) => e instanceof T)) {
    const err = e as Error;
    assert.unreachable(`${stage}: ${err?.constructor?.name ?? typeof e}: ${err?.message} for ${show(argv)}\n${err?.stack ?? ''}`);
  }
  const msg = (e as Error).message;
  // one line on a terminal: no line break, nor another control character that moves the cursor (a tab is fine)
  if (!msg || /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/.test(msg)) {
    assert.unreachable(`${stage}: not a one-line message [fix A4]: ${JSON.stringify(msg)} for ${show(argv)}`);
  }
  if (e instanceof ArgError && (typeof e.flag !== 'string' || (!/[\u0000-\u001f\u007f\u2028\u2029]/.test(e.flag) && !msg.includes(e.flag)))) {
    assert.unreachable(`${stage}: the message does not name its flag ${JSON.stringify(e.flag)}: ${msg}`);
  }
}

/** The float image is finite and non-negative everywhere. */
function imageProblem(bytes: Uint8Array, pixels: number): string | null {
  if (bytes.length !== pixels * 4) return `${bytes.length} bytes for ${pixels} pixels`;
  const img = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  for (let k = 0; k < img.length; k++) {
    if (!Number.isFinite(img[k]) || img[k] < 0) return `pixel ${k} = ${img[k]}`;
  }
  return null;
}

// ------------------------------------------------------------------------------------------------ the run

test(`fuzz-args: ${N} mutated argvs through the parser, setup and the CLI (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED);
  const bases = baseArgvs();
  const dir = tmp.dir();
  const hklPath = join(dir, 'grid5.hkl');
  const grid5 = join(goldenDir, 'str002_grid5.hkl');
  const hklText = existsSync(grid5) ? readFileSync(grid5, 'utf8') : '0 0 0 100\n1 0 0 50\n0 1 0 60\n0 0 1 70\n-1 -1 -1 20\n';
  writeFileSync(hklPath, hklText);
  const outPath = join(dir, 'fuzz.bin');

  // is fix S1 in? Without it, a huge phi step count makes prepareSimulation allocate without bound
  const phiRefusedCleanly = await prepareSimulation(['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1', '-phisteps', '2000000000']).then(
    () => false,
    (e) => e instanceof SetupError || e instanceof ArgError || e instanceof UserError,
  );

  const c = { valid: 0, argErrors: 0, prepared: 0, prepareErrors: 0, unsafePhi: 0, cliRuns: 0, cliOk: 0, cliErrors: 0, tooBig: 0, threads: 0 };
  const codes = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    let argv = r.pick(bases);
    for (let m = r.chance(0.5) ? 1 : 2 + r.int(3); m > 0; m--) argv = mutate(r, argv, bases);

    // 1. the parser
    let args: SimArgs;
    try {
      args = parseSimArgs(argv);
    } catch (e) {
      assertCleanError(e, [ArgError], argv, `parse ${i}`);
      c.argErrors++;
      continue;
    }
    assertFinite(args, argv);
    c.valid++;

    // 2. setup with a small detector (and the HKL text given directly)
    const small = smallRun(r, argv, hklPath);
    let smallArgs: SimArgs;
    try {
      smallArgs = parseSimArgs(small);
    } catch (e) {
      assertCleanError(e, [ArgError], small, `parse (small) ${i}`);
      c.prepareErrors++;
      continue;
    }
    const phi = resolvePhi(smallArgs.phi_rad, smallArgs.osc_rad, smallArgs.phistep_rad, smallArgs.phisteps);
    if (!phiRefusedCleanly && phi.phisteps > SAFE_PHISTEPS) {
      c.unsafePhi++;
      continue;
    }
    let prepared: PreparedSimulation;
    try {
      prepared = await prepareSimulation(small, { hklText });
    } catch (e) {
      assertCleanError(e, [ArgError, SetupError, HklError, UserError], small, `prepare ${i}`);
      c.prepareErrors++;
      continue;
    }
    c.prepared++;

    // 3. the whole CLI on the small ones
    if (c.cliRuns >= CLI_RUNS) continue;
    if (evaluationCount(prepared.sim) > MAX_EVALUATIONS) {
      c.tooBig++;
      continue;
    }
    const threaded = c.cliRuns % 40 === 39;
    const run = threaded
      ? ['--backend', 'wasm-threads', '--threads', '2']
      : ['--backend', r.pick(['wasm', 'wasm-scalar']), '--dtype', r.pick(['f32', 'f64'])];
    const cli = ['simulate', ...small, ...run, '-floatfile', outPath, '-noprogress'];
    writeFileSync(outPath, '');
    const res = await runMain(cli);
    c.cliRuns++;
    if (threaded) c.threads++;
    codes.set(res.code ?? -1, (codes.get(res.code ?? -1) ?? 0) + 1);
    if (res.code === EXIT.OK) {
      if (res.stderr !== '') assert.unreachable(`cli ${i}: exit 0 with stderr ${JSON.stringify(res.stderr)} for ${show(cli)}`);
      const { fpixels, spixels } = prepared.sim.detector;
      const problem = imageProblem(readFileSync(outPath), fpixels * spixels);
      if (problem) assert.unreachable(`cli ${i}: exit 0 but the image is wrong (${problem}) [fix K1 for ordinary flags, N1 for overflowing ones] for ${show(cli)}`);
      c.cliOk++;
    } else {
      const lines = stderrLines(res);
      const ok = [EXIT.USAGE, EXIT.INPUT, EXIT.OUTPUT, EXIT.RESOURCE].includes(res.code as 2) && lines.length === 1 && lines[0].startsWith('error: ');
      if (!ok) assert.unreachable(`cli ${i}: exit ${res.code}, stderr ${JSON.stringify(res.stderr.slice(0, 800))} for ${show(cli)}`);
      c.cliErrors++;
    }
  }
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `  fuzz-args: ${N} argvs (seed ${SEED}), ${c.valid} valid, ${c.argErrors} clean ArgErrors; ` +
      `setup (<= 16 x 16 pixels): ${c.prepared} prepared, ${c.prepareErrors} clean errors` +
      (c.unsafePhi ? `, ${c.unsafePhi} NOT RUN (over ${SAFE_PHISTEPS} phi steps, fix S1 missing)` : '') +
      `; CLI: ${c.cliRuns} runs (${c.threads} on wasm-threads), ${c.cliOk} images checked, ${c.cliErrors} clean errors ` +
      `(exit codes ${[...codes].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}), ${c.tooBig} skipped (over ${MAX_EVALUATIONS} evaluations); ${s} s`,
  );
  assert.is(c.unsafePhi, 0, `[fix S1] ${c.unsafePhi} argvs ask for more than ${SAFE_PHISTEPS} phi steps: prepareSimulation throws a RangeError or exhausts memory instead of a SetupError`);
  assert.ok(c.valid > N / 20 && c.argErrors > N / 20, 'both outcomes are well represented');
  assert.ok(c.cliOk > 0, 'some images were simulated and checked');
});

test('fuzz-args: huge phi step counts end in a clean error, not a RangeError or an allocation [fix S1]', async () => {
  const base = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1', '-detpixels', '4'];
  for (const extra of [['-phisteps', '2000000000'], ['-phisteps', '1000000001'], ['-osc', '1', '-phistep', '1e-12'], ['-osc', '360', '-phistep', '1e-300']]) {
    try {
      await prepareSimulation([...base, ...extra]);
      assert.unreachable(`accepted ${extra.join(' ')}`);
    } catch (e) {
      assertCleanError(e, [ArgError, SetupError, UserError], extra, 'prepare');
    }
  }
});

test.run();
