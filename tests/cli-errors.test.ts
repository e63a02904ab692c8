// Every failure a user can cause on the command line, and what they see: one `error: ...` line on stderr naming
// the problem and the flag or file, no stack trace (unless --debug), the exit code of README "Errors and exit
// codes". One row of ROWS per situation; most run in-process through main(argv), the rows that need a real
// process (a file-size limit, another user, a possible hang) run `node --import tsx src/cli.ts` with a timeout.
// Then: nothing is lost (a failed run leaves existing outputs intact; reports never reuse a run folder).
//
//   PRINT_ERROR_TABLE=1 npx tsx node_modules/uvu/bin.js tests cli-errors   prints the README table from ROWS.
//
// Root cannot be refused a read or a write by permissions, so the permission rows run the CLI as `nobody`; a full
// disk is simulated without mount rights by a file-size limit (`ulimit -f` in the child's shell: EFBIG) and by a
// symlink to /dev/full (ENOSPC).

import { test } from 'uvu';
import { execFileSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../src/errors.ts';
import { benchMain } from '../src/bench/cli.ts';
import { fakeEnv } from './helpers/bench-env.ts';
import {
  expectFailure, expectSuccess, isRoot, NOBODY, runCli, runMain, scratch, stderrLines, TINY, type CliOptions, type CliResult,
} from './helpers/cli.ts';

const tmp = scratch('cli-errors');
test.after(() => tmp.cleanup());

/** The fixture folder (mode 755, so that `nobody` can look inside) and its files. */
let D = '';
const hklFiles: Record<string, string | Uint8Array> = {
  'good.hkl': '1 2 3 100\n-1 0 2 50\n',
  'victim.hkl': '1 2 3 100\n',
  'bad_token.hkl': '1 0 0 100\n2 0 0 abc\n',
  'too_few.hkl': '1 0 0 100\n2 0\n',
  'no_reflections.hkl': '# only a comment\n\n   \n',
  'empty.hkl': '',
  'non_integer.hkl': '1 0 0 10\n1.5 0 0 10\n',
  'nan_f.hkl': '1 0 0 nan\n',
  'inf_f.hkl': '1 0 0 10\n0 1 0 1e999\n',
  'big_index.hkl': '3000000000 0 0 1\n',
  'binary.hkl': Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe, 0x0a, 0x00]),
  'huge_grid.hkl': '-300 -300 -300 1\n299 299 299 1\n',
  'secret.hkl': '1 2 3 100\n',
};
const f = (name: string) => join(D, name);

test.before(() => {
  D = tmp.dir();
  chmodSync(D, 0o755);
  for (const [name, text] of Object.entries(hklFiles)) writeFileSync(f(name), text);
  chmodSync(f('secret.hkl'), 0o600);
  writeFileSync(f('plain_file'), 'not a folder\n');
  writeFileSync(f('short.mat'), '0.01 0 0\n0 0.01 0\n');
  execFileSync('mkfifo', [f('a_fifo')]);
  mkdirSync(f('a_folder'));
  mkdirSync(f('root_only'), { mode: 0o755 }); // nobody may look in, not create
  writeFileSync(f('report.json'), '{ "schema_version": ');
});

interface Row {
  /** README: situation | example | what you see | exit code. */
  situation: string;
  /** The command line after `npx tsx src/cli.ts` (paths relative to the fixture folder). */
  argv: () => string[];
  code: number;
  /** What the error line must name (the flag or file, and the problem). */
  mentions: (string | RegExp)[];
  /** Run as a child process with these options (default: in-process through main). */
  child?: CliOptions;
  /** Skip unless this holds (with the reason printed). */
  when?: () => string | null;
  /** A bug this row exposes until the fix of that name in the report is applied. */
  fix?: string;
}

const sim = (...extra: string[]) => ['simulate', ...TINY, ...extra];
const asNobody = (): string | null => (isRoot ? null : 'needs root to run the CLI as nobody');

const ROWS: Row[] = [
  // ------------------------------------------------------------------ command line
  { situation: 'unknown command', argv: () => ['frob'], code: EXIT.USAGE, mentions: ["'frob'", 'simulate'] },
  { situation: 'no command', argv: () => [], code: EXIT.USAGE, mentions: [/command/], fix: 'B4' },
  { situation: 'unknown flag (nearest valid flag suggested)', argv: () => sim('-detpxels', '16'), code: EXIT.USAGE, mentions: ["'-detpxels'", "did you mean '-detpixels'"] },
  { situation: 'unknown flag: a near miss', argv: () => sim('-lambdaa', '1'), code: EXIT.USAGE, mentions: ["'-lambdaa'", "did you mean '-lambda'"] },
  { situation: 'unknown flag, nothing close', argv: () => sim('-qqqqqqqqqq'), code: EXIT.USAGE, mentions: ["'-qqqqqqqqqq'", '--help'] },
  { situation: 'nanoBragg flag not implemented here', argv: () => sim('-trace_pixel'), code: EXIT.USAGE, mentions: ["'-trace_pixel'", 'not implemented'] },
  { situation: 'value without a flag', argv: () => sim('-distance', '100', '200'), code: EXIT.USAGE, mentions: ["'200'"] },
  { situation: 'missing value (end of line)', argv: () => sim('-distance'), code: EXIT.USAGE, mentions: ["'-distance'", 'needs a value'] },
  { situation: 'missing value (next flag)', argv: () => sim('-distance', '-pixel', '0.1'), code: EXIT.USAGE, mentions: ["'-distance'", 'needs a value'] },
  { situation: 'too few values', argv: () => sim('-cell', '100', '100', '100'), code: EXIT.USAGE, mentions: ["'-cell'", 'needs 6 values', 'got 3'] },
  { situation: 'empty value', argv: () => sim('-floatfile', ''), code: EXIT.USAGE, mentions: ["'-floatfile'", 'empty'] },
  { situation: 'value glued with =', argv: () => sim('-distance=100'), code: EXIT.USAGE, mentions: ["'-distance 100'"] },
  { situation: 'non-numeric value', argv: () => sim('-distance', '10mm'), code: EXIT.USAGE, mentions: ["'-distance'", 'expects a number', "'10mm'"] },
  { situation: 'NaN', argv: () => sim('-lambda', 'nan'), code: EXIT.USAGE, mentions: ["'-lambda'", "'nan'"] },
  { situation: 'infinite value', argv: () => sim('-lambda', 'inf'), code: EXIT.USAGE, mentions: ["'-lambda'", 'finite'] },
  { situation: 'value overflows a double', argv: () => sim('-pixel', '1e999'), code: EXIT.USAGE, mentions: ["'-pixel'", 'finite'] },
  { situation: 'non-integer count', argv: () => sim('-N', '2.5'), code: EXIT.USAGE, mentions: ["'-N'", 'integer', "'2.5'"] },
  { situation: 'integer beyond 32 bits', argv: () => sim('-seed', '1e12'), code: EXIT.USAGE, mentions: ["'-seed'", '32-bit'] },
  { situation: 'negative pixel size', argv: () => sim('-pixel', '-0.1'), code: EXIT.USAGE, mentions: ["'-pixel'", "'-0.1'", '> 0'] },
  { situation: 'zero distance', argv: () => sim('-distance', '0'), code: EXIT.USAGE, mentions: ["'-distance'", '> 0'] },
  { situation: 'oversample 0', argv: () => sim('-oversample', '0'), code: EXIT.USAGE, mentions: ["'-oversample'", '>= 1'] },
  { situation: 'thicksteps < 0', argv: () => sim('-detector_thicksteps', '-1'), code: EXIT.USAGE, mentions: ["'-detector_thicksteps'", '>= 0'] },
  { situation: 'zero detector pixels', argv: () => sim('-detpixels', '0'), code: EXIT.USAGE, mentions: ["'-detpixels'", '1..65536'] },
  { situation: 'Kahn factor outside [-1, 1]', argv: () => sim('-polar', '2'), code: EXIT.USAGE, mentions: ["'-polar'", '[-1, 1]'] },
  { situation: 'cell angle out of range', argv: () => sim('-cell', '100', '100', '100', '90', '90', '200'), code: EXIT.USAGE, mentions: ["'-cell'", "'200'"] },
  { situation: 'cell angles with no volume', argv: () => sim('-cell', '100', '100', '100', '120', '120', '120'), code: EXIT.USAGE, mentions: ["'-cell'", 'volume'] },
  { situation: 'empty region of interest', argv: () => sim('-roi', '10', '5', '0', '1'), code: EXIT.USAGE, mentions: ["'-roi'", 'empty'] },
  { situation: 'region of interest off the detector', argv: () => sim('-roi', '20', '30', '0', '1'), code: EXIT.USAGE, mentions: ["'-roi'", '16 x 16'] },
  { situation: 'unknown backend', argv: () => sim('--backend', 'cuda'), code: EXIT.USAGE, mentions: ["'--backend'", "'cuda'"] },
  { situation: 'unknown dtype', argv: () => sim('--dtype', 'f16'), code: EXIT.USAGE, mentions: ["'--dtype'", "'f16'"] },
  { situation: 'threads out of range', argv: () => sim('--threads', '0'), code: EXIT.USAGE, mentions: ["'--threads'", '1..1024'] },
  { situation: 'no unit cell', argv: () => ['simulate', '-default_F', '100', '-detpixels', '16'], code: EXIT.USAGE, mentions: ['-cell'] },
  { situation: 'nothing to simulate (no HKL, default_F 0)', argv: () => ['simulate', '-cell', '100', '100', '100', '90', '90', '90', '-detpixels', '16'], code: EXIT.USAGE, mentions: ['-hkl', '-default_F'] },
  // ------------------------------------------------------------------ conflicting flags
  { situation: 'conflict: f64 on WebGPU (computes in f32)', argv: () => sim('--backend', 'webgpu', '--dtype', 'f64'), code: EXIT.USAGE, mentions: ['--backend webgpu', '--dtype f64'], fix: 'A1' },
  { situation: 'conflict: --threads with a single-threaded backend', argv: () => sim('--backend', 'wasm', '--threads', '4'), code: EXIT.USAGE, mentions: ['--threads', 'wasm-threads'], fix: 'A2' },
  { situation: 'conflict: two outputs to one file', argv: () => sim('-floatfile', f('same.img'), '-intfile', f('same.img')), code: EXIT.USAGE, mentions: ['-floatfile', '-intfile', 'same.img'], fix: 'A3' },
  { situation: 'conflict: an output overwrites the HKL input', argv: () => sim('-hkl', f('victim.hkl'), '-floatfile', f('victim.hkl')), code: EXIT.USAGE, mentions: ['-hkl', '-floatfile', 'victim.hkl'], fix: 'A3' },
  // ------------------------------------------------------------------ too large: refused before allocating, naming the limit
  { situation: 'detector side over the limit', argv: () => sim('-detpixels', '70000'), code: EXIT.USAGE, mentions: ["'-detpixels'", '65536'] },
  { situation: 'detector image over 2 GiB', argv: () => sim('-detpixels', '30000'), code: EXIT.USAGE, mentions: ["'-detpixels'", '2 GiB'] },
  { situation: 'detector size in mm over the limit', argv: () => ['simulate', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-detsize', '1e300'], code: EXIT.USAGE, mentions: ["'-detsize'", '65536'] },
  { situation: 'detector larger than WebAssembly memory', argv: () => sim('-detpixels', '16384', '--backend', 'wasm'), code: EXIT.RESOURCE, mentions: ['16384x16384', '134217728'], fix: 'E1' },
  { situation: 'HKL grid over the memory limit', argv: () => sim('-hkl', f('huge_grid.hkl')), code: EXIT.INPUT, mentions: ['huge_grid.hkl', '512.0 MiB'] },
  { situation: 'too many phi steps (-phisteps)', argv: () => sim('-phisteps', '2000000000'), code: EXIT.USAGE, mentions: ['phi steps', '1000000'], fix: 'S1' },
  { situation: 'too many phi steps (-osc / -phistep)', argv: () => sim('-osc', '1', '-phistep', '1e-12'), code: EXIT.USAGE, mentions: ['phi steps', '1000000'], fix: 'S1' },
  {
    situation: 'auto oversampling beyond the per-pixel limit (huge crystal)',
    argv: () => sim('-N', '2147483647', '-detpixels', '1'),
    code: EXIT.USAGE, mentions: ['evaluations per pixel', '-oversample'], fix: 'S2', child: { timeoutMs: 5000 },
  },
  {
    situation: 'explicit oversampling beyond the per-pixel limit',
    argv: () => sim('-oversample', '100000', '-detpixels', '1'),
    code: EXIT.USAGE, mentions: ['evaluations per pixel', '2147483647'], fix: 'S2', child: { timeoutMs: 5000 },
  },
  // ------------------------------------------------------------------ values that overflow the physics
  { situation: 'geometry overflows double precision (NaN pixels)', argv: () => sim('-distance', '1e300', '--dtype', 'f64', '--backend', 'wasm'), code: EXIT.USAGE, mentions: ['not finite'], fix: 'N1' },
  { situation: 'F so large that intensities overflow (Inf pixels)', argv: () => sim('-default_F', '1e300'), code: EXIT.USAGE, mentions: ['not finite'], fix: 'N1' },
  // ------------------------------------------------------------------ input files
  { situation: 'HKL file missing', argv: () => sim('-hkl', f('missing.hkl')), code: EXIT.INPUT, mentions: ['missing.hkl', 'not found'] },
  { situation: 'HKL path is a folder', argv: () => sim('-hkl', f('a_folder')), code: EXIT.INPUT, mentions: ['a_folder', 'directory'] },
  {
    situation: 'HKL path is a device (would be read forever)',
    argv: () => sim('-hkl', '/dev/zero'), code: EXIT.INPUT, mentions: ['/dev/zero', 'not an HKL file'], fix: 'H1',
    child: { timeoutMs: 3000 }, when: () => (existsSync('/dev/zero') ? null : 'no /dev/zero'),
  },
  { situation: 'HKL path through a file', argv: () => sim('-hkl', f('plain_file/x.hkl')), code: EXIT.INPUT, mentions: ['plain_file/x.hkl', 'not a directory'] },
  { situation: 'HKL file unreadable (permissions)', argv: () => sim('-hkl', f('secret.hkl')), code: EXIT.INPUT, mentions: ['secret.hkl', 'permission denied'], child: { uid: NOBODY, gid: NOBODY }, when: asNobody },
  { situation: 'HKL: a token that is not a number', argv: () => sim('-hkl', f('bad_token.hkl')), code: EXIT.INPUT, mentions: ['bad_token.hkl:2', '"abc"'] },
  { situation: 'HKL: fewer than 4 numbers', argv: () => sim('-hkl', f('too_few.hkl')), code: EXIT.INPUT, mentions: ['too_few.hkl:2', 'found 2'] },
  { situation: 'HKL: no reflections (comments only)', argv: () => sim('-hkl', f('no_reflections.hkl')), code: EXIT.INPUT, mentions: ['no_reflections.hkl', 'no reflections'] },
  { situation: 'HKL: empty file', argv: () => sim('-hkl', f('empty.hkl')), code: EXIT.INPUT, mentions: ['empty.hkl', 'no reflections'] },
  { situation: 'HKL: non-integer Miller index', argv: () => sim('-hkl', f('non_integer.hkl')), code: EXIT.INPUT, mentions: ['non_integer.hkl:2', '1.5', 'not an integer'] },
  { situation: 'HKL: F is NaN', argv: () => sim('-hkl', f('nan_f.hkl')), code: EXIT.INPUT, mentions: ['nan_f.hkl:1', 'not a finite number'] },
  { situation: 'HKL: F overflows', argv: () => sim('-hkl', f('inf_f.hkl')), code: EXIT.INPUT, mentions: ['inf_f.hkl:2', '1e999'] },
  { situation: 'HKL: index beyond the C int range', argv: () => sim('-hkl', f('big_index.hkl')), code: EXIT.INPUT, mentions: ['big_index.hkl:1', 'out of range'] },
  { situation: 'HKL: a binary file', argv: () => sim('-hkl', f('binary.hkl')), code: EXIT.INPUT, mentions: ['binary.hkl:1', 'not a number'] },
  { situation: 'HKL path is a named pipe (would hang)', argv: () => sim('-hkl', f('a_fifo')), code: EXIT.INPUT, mentions: ['a_fifo', 'named pipe (FIFO)', '-hkl /dev/stdin'] },
  { situation: '-mat file missing', argv: () => sim('-mat', f('missing.mat')), code: EXIT.INPUT, mentions: ['-mat', 'missing.mat', 'matrix file not found'] },
  { situation: '-mat file with fewer than 9 numbers', argv: () => sim('-mat', f('short.mat')), code: EXIT.INPUT, mentions: ['-mat', 'short.mat', 'expected 9 numbers'] },
  { situation: '-mask file not SMV', argv: () => sim('-mask', f('plain_file')), code: EXIT.INPUT, mentions: ['-mask', 'plain_file', 'SMV'] },
  { situation: '-img path is a named pipe', argv: () => sim('-img', f('a_fifo')), code: EXIT.INPUT, mentions: ['-img', 'a_fifo', 'named pipe (FIFO)'] },
  { situation: '-sourcefile path is a folder', argv: () => sim('-sourcefile', f('a_folder')), code: EXIT.INPUT, mentions: ['-sourcefile', 'a_folder', 'directory'] },
  { situation: '--batch file missing', argv: () => ['simulate', '--batch', f('missing.txt')], code: EXIT.INPUT, mentions: ['--batch', 'missing.txt', 'batch file not found'] },
  // ------------------------------------------------------------------ outputs
  { situation: 'output folder missing', argv: () => sim('-floatfile', f('no/such/dir/x.bin')), code: EXIT.OUTPUT, mentions: ['-floatfile', 'no/such/dir', 'does not exist'] },
  { situation: 'output path is a folder', argv: () => sim('-intfile', f('a_folder')), code: EXIT.OUTPUT, mentions: ['-intfile', 'a_folder', 'directory'] },
  { situation: 'output path through a file', argv: () => sim('-pgmfile', f('plain_file/x.pgm')), code: EXIT.OUTPUT, mentions: ['-pgmfile', 'plain_file/x.pgm', 'not a directory'] },
  { situation: 'output folder not writable', argv: () => sim('-floatfile', f('root_only/x.bin')), code: EXIT.OUTPUT, mentions: ['root_only/x.bin', 'permission denied'], child: { uid: NOBODY, gid: NOBODY }, when: asNobody },
  { situation: 'disk full while writing (file-size limit: EFBIG)', argv: () => sim('-detpixels', '64', '-floatfile', f('efbig.bin')), code: EXIT.OUTPUT, mentions: ['-floatfile', 'efbig.bin', 'file too large'], child: { shellPrefix: 'ulimit -f 8' } },
  {
    situation: 'disk full while writing (/dev/full: ENOSPC)', argv: () => sim('-floatfile', f('full.bin')), code: EXIT.OUTPUT, mentions: ['full.bin', 'no space left'],
    fix: 'F1', when: () => (existsSync('/dev/full') ? null : 'no /dev/full'),
  },
  // ------------------------------------------------------------------ bench
  { situation: 'bench: no subcommand', argv: () => ['bench'], code: EXIT.USAGE, mentions: [/bench/], fix: 'B4' },
  { situation: 'bench: unknown subcommand', argv: () => ['bench', 'frob'], code: EXIT.USAGE, mentions: ["'frob'"], fix: 'B3' },
  { situation: 'bench: unknown option', argv: () => ['bench', 'kernels', '--frob'], code: EXIT.USAGE, mentions: ['--frob'], fix: 'B3' },
  { situation: 'bench: bad number', argv: () => ['bench', 'tricubic', '--sizes', '0'], code: EXIT.USAGE, mentions: ['--sizes', "'0'"], fix: 'B3' },
  { situation: 'bench: two values for a one-value option', argv: () => ['bench', 'kernels', '--repeats', '1', '2'], code: EXIT.USAGE, mentions: ['--repeats'], fix: 'B3' },
  { situation: 'bench: unknown backend', argv: () => ['bench', 'absorption', '--backend', 'cuda'], code: EXIT.USAGE, mentions: ["'cuda'"], fix: 'B3' },
  { situation: 'bench compare: nothing to compare', argv: () => ['bench', 'compare'], code: EXIT.USAGE, mentions: ['compare'], fix: 'B3' },
  { situation: 'bench compare: report missing', argv: () => ['bench', 'compare', f('missing.json')], code: EXIT.INPUT, mentions: ['missing.json'] },
  { situation: 'bench compare: report not JSON', argv: () => ['bench', 'compare', f('report.json')], code: EXIT.INPUT, mentions: ['report.json'] },
  { situation: 'bench: report folder cannot be created', argv: () => ['bench', 'kernels', '--sizes', '2', '--repeats', '1', '--out', f('plain_file/reports')], code: EXIT.OUTPUT, mentions: ['plain_file/reports'], fix: 'B2' },
  {
    situation: 'bench: extra report path unwritable',
    argv: () => ['bench', 'kernels', '--sizes', '2', '--repeats', '1', '--backend', 'wasm-scalar', '--dtype', 'f32', '--out', f('reports_md'), '--md', f('no/such/dir/k.md')],
    code: EXIT.OUTPUT, mentions: ['no/such/dir/k.md', 'does not exist'], fix: 'B1',
  },
  {
    situation: 'bench: disk full while writing the report (EFBIG)',
    argv: () => ['bench', 'kernels', '--sizes', '2', '--repeats', '1', '--backend', 'wasm-scalar', '--dtype', 'f32', '--out', f('reports_full')],
    code: EXIT.OUTPUT, mentions: ['reports_full', 'file too large'], child: { shellPrefix: 'ulimit -f 1' },
  },
];

// the ENOSPC row writes through a symlink to /dev/full (a regular file takes its place until fix F1)
test.before(() => {
  if (existsSync('/dev/full')) symlinkSync('/dev/full', f('full.bin'));
});

/** The error line each row produced (for the README table). */
const seen = new Map<Row, string>();

async function run(row: Row): Promise<CliResult> {
  return row.child ? runCli(row.argv(), row.child) : runMain(row.argv());
}

for (const row of ROWS) {
  test(`${row.situation}${row.fix ? ` [fix ${row.fix}]` : ''}`, async () => {
    const skip = row.when?.();
    if (skip) {
      console.log(`  skipped '${row.situation}': ${skip}`);
      return;
    }
    seen.set(row, expectFailure(await run(row), row.code, ...row.mentions));
  });
}

test('the /dev/full symlink is still a symlink after the failed write [fix F1]', () => {
  if (!existsSync('/dev/full')) return;
  assert.ok(lstatSync(f('full.bin')).isSymbolicLink(), 'the write replaced the link with a regular file');
});

// ------------------------------------------------------------------------------------------------ --debug, child

test('--debug adds the stack trace; the exit code is the same (child process)', async () => {
  const plain = await runCli(sim('-distance', '0'));
  expectFailure(plain, EXIT.USAGE, "'-distance'");
  const debug = await runCli(sim('-distance', '0', '--debug'));
  assert.is(debug.code, EXIT.USAGE);
  const lines = stderrLines(debug);
  assert.is(lines[0], stderrLines(plain)[0], 'same first line');
  assert.ok(lines.some((l) => /^\s+at /.test(l)), `a stack trace follows: ${debug.stderr}`);
});

test('a true child process: unknown flag, missing HKL file, bad output folder', async () => {
  expectFailure(await runCli(sim('-detpxels', '16')), EXIT.USAGE, "did you mean '-detpixels'");
  expectFailure(await runCli(sim('-hkl', f('missing.hkl'))), EXIT.INPUT, 'missing.hkl');
  expectFailure(await runCli(sim('-floatfile', f('no/such/dir/x.bin'))), EXIT.OUTPUT, 'no/such/dir');
});

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

test('the WebGPU software-adapter set-up (VK_ICD_FILENAMES, no XDG_RUNTIME_DIR) adds nothing to stderr [fix W1]', async () => {
  if (!existsSync(SWIFTSHADER_ICD)) {
    console.log(`  skipped: no SwiftShader Vulkan driver (${SWIFTSHADER_ICD})`);
    return;
  }
  const env = { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: undefined };
  expectSuccess(await runCli(sim(), { env, timeoutMs: 60_000 })); // auto: probes the adapter
  expectFailure(await runCli(sim('-distance', '0'), { env }), EXIT.USAGE, "'-distance'");
});

test('in-process and child runs agree on the message and the exit code', async () => {
  for (const argv of [sim('-oversample', '0'), sim('-hkl', f('nan_f.hkl')), ['bench', 'compare', f('missing.json')]]) {
    const a = await runMain(argv);
    const b = await runCli(argv);
    assert.is(a.code, b.code, argv.join(' '));
    assert.is(a.stderr, b.stderr, argv.join(' '));
  }
});

test('valid runs end with 0 and nothing on stderr (in-process and child)', async () => {
  expectSuccess(await runMain(sim('-floatfile', f('ok.bin'))));
  expectSuccess(await runCli(sim('-hkl', f('good.hkl'), '-intfile', f('ok.img'))));
  assert.is(readFileSync(f('ok.bin')).length, 16 * 16 * 4);
});

// ------------------------------------------------------------------------------------------------ no silently wrong image

test('an odd detector (the direct beam hits a pixel centre) gives a finite f32 image on every WebAssembly backend [fix K1]', async () => {
  const d = tmp.dir();
  // h = 1.4e-48 at the centre pixel: below the f32 range, so the f32 lattice factor was sin(0) / sin(0)
  const base = ['simulate', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '5', '-oversample', '1', '-detpixels', '13', '-noprogress'];
  const image = async (backend: string, dtype: string): Promise<Float32Array | null> => {
    const out = join(d, `${backend}-${dtype}.bin`);
    const r = await runMain([...base, '--backend', backend, '--dtype', dtype, '-floatfile', out]);
    if (r.code === EXIT.RESOURCE) return null; // (wasm-threads unavailable here)
    expectSuccess(r);
    const b = readFileSync(out);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  };
  const centre = 7 * 13 + 7;
  const ref = (await image('wasm', 'f64'))!;
  assert.ok(ref[centre] > 0, `f64 centre pixel ${ref[centre]}`);
  for (const backend of ['wasm', 'wasm-scalar', 'wasm-threads']) {
    const img = await image(backend, 'f32');
    if (!img) continue;
    const bad = img.findIndex((v) => !Number.isFinite(v));
    assert.is(bad, -1, `${backend} f32: pixel ${bad} (slow ${Math.floor(bad / 13)}, fast ${bad % 13}) = ${img[bad]}`);
    assert.ok(Math.abs(img[centre] - ref[centre]) <= 1e-5 * ref[centre], `${backend} f32 centre ${img[centre]} vs f64 ${ref[centre]}`);
  }
});

// ------------------------------------------------------------------------------------------------ nothing lost
//
// The rule (with fix P1): a run either writes every requested output or exits non-zero; a file it could not
// write keeps its previous content (writes go to a temporary file that is renamed over the target, so each file
// is all-or-nothing); outputs are checked before the simulation starts, so a wrong folder changes no file and
// costs no compute. A failure in the middle of writing (disk full) leaves the outputs written before it (in the
// order -floatfile, -intfile, -pgmfile, --pngfile) new and complete, and the failing one untouched.

const OLD = 'previous run\n';
const tempFilesIn = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

test('a later unwritable output leaves an earlier existing output intact [fix P1]', async () => {
  const d = tmp.dir();
  writeFileSync(join(d, 'existing.bin'), OLD);
  const r = await runMain(sim('-floatfile', join(d, 'existing.bin'), '-intfile', join(d, 'nonexistent/dir/x.img')));
  expectFailure(r, EXIT.OUTPUT, '-intfile', 'nonexistent/dir');
  assert.is(readFileSync(join(d, 'existing.bin'), 'utf8'), OLD, 'existing.bin was overwritten by a run that failed');
  assert.equal(tempFilesIn(d), []);
});

test('a write that fails part-way (EFBIG) leaves the existing file intact and no temporary file', async () => {
  const d = tmp.dir();
  writeFileSync(join(d, 'existing.bin'), OLD);
  const r = await runCli(sim('-detpixels', '64', '-floatfile', join(d, 'existing.bin')), { shellPrefix: 'ulimit -f 8' });
  expectFailure(r, EXIT.OUTPUT, 'existing.bin', 'file too large');
  assert.is(readFileSync(join(d, 'existing.bin'), 'utf8'), OLD);
  assert.equal(tempFilesIn(d), []);
});

test('an output written through a symlink updates the file the link points to [fix F1]', async () => {
  const d = tmp.dir();
  writeFileSync(join(d, 'real.bin'), OLD);
  symlinkSync(join(d, 'real.bin'), join(d, 'link.bin'));
  expectSuccess(await runMain(sim('-floatfile', join(d, 'link.bin'))));
  assert.ok(lstatSync(join(d, 'link.bin')).isSymbolicLink(), 'the link was replaced by a regular file');
  assert.is(readFileSync(join(d, 'real.bin')).length, 16 * 16 * 4, 'the file behind the link still holds the previous run');
});

test('a successful run replaces an existing output completely', async () => {
  const d = tmp.dir();
  writeFileSync(join(d, 'out.bin'), 'x'.repeat(5000));
  expectSuccess(await runMain(sim('-floatfile', join(d, 'out.bin'))));
  assert.is(readFileSync(join(d, 'out.bin')).length, 16 * 16 * 4);
  assert.equal(tempFilesIn(d), []);
});

const BENCH_ENV = fakeEnv('test-machine');

test('bench twice into the same --out (same second): two run folders, the first one untouched', async () => {
  const out = tmp.dir();
  const now = () => new Date('2026-11-28T12:34:56Z');
  const quiet = { env: () => BENCH_ENV, now, print: () => {}, printError: () => {} };
  const argv = ['kernels', '--sizes', '2', '--repeats', '1', '--backend', 'wasm-scalar', '--dtype', 'f32', '--out', out];
  assert.is(await benchMain(argv, quiet), EXIT.OK);
  const [first] = readdirSync(out);
  const snapshot = Object.fromEntries(readdirSync(join(out, first)).map((n) => [n, readFileSync(join(out, first, n), 'utf8')]));
  assert.is(await benchMain(argv, quiet), EXIT.OK);
  const folders = readdirSync(out).sort();
  assert.is(folders.length, 2, `two run folders: ${folders}`);
  assert.ok(folders.includes(`${first}-2`), `the second run got ${first}-2: ${folders}`);
  for (const [name, text] of Object.entries(snapshot)) {
    assert.is(readFileSync(join(out, first, name), 'utf8'), text, `${first}/${name} changed`);
  }
});

// ------------------------------------------------------------------------------------------------ the README table

test('README table (PRINT_ERROR_TABLE=1 prints it)', () => {
  if (!process.env.PRINT_ERROR_TABLE) return;
  const rel = (a: string) => a.split(D + '/').join('');
  const lines = ['| situation | example | what you see | exit code |', '|---|---|---|---|'];
  for (const row of ROWS) {
    const argv = row.argv().map((a) => (a === '' ? "''" : rel(a)));
    const shown = argv[0] === 'simulate' && argv.slice(1, 1 + TINY.length).join(' ') === TINY.join(' ') ? ['simulate', '...', ...argv.slice(1 + TINY.length)] : argv;
    const prefix = row.child?.shellPrefix ? `${row.child.shellPrefix}; ` : row.child?.uid !== undefined ? '(as a user without access) ' : '';
    const line = seen.get(row);
    const what = line ? rel(line).replace(/\|/g, '\\|') : `(fails until fix ${row.fix}: must name ${row.mentions.map(String).join(', ')})`;
    lines.push(`| ${row.situation} | \`${prefix}${shown.join(' ')}\` | \`${what}\` | ${row.code} |`);
  }
  console.log(lines.join('\n'));
});

test.run();
