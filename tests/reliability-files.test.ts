// Issue 19, data loss and hangs (items 1-5, 7): an input or an earlier output is never destroyed, however its
// path is spelled; streams and devices are written in place through their descriptor; FIFOs never hang; a
// closed or full stdout does not lose the files; a failed output replaces nothing. Each case first reproduced
// the fault (exit 0 with the HKL file overwritten, a symlink replaced by a file, a hang, a stack trace).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../src/errors.ts';
import { REPO_ROOT, expectFailure, runMain, scratch } from './helpers/cli.ts';

const tmp = scratch('reliability-files');
test.after(() => tmp.cleanup());
const root = tmp.dir();

const C = ['-cell', '100', '100', '100', '90', '90', '90', '-distance', '150', '-pixel', '0.1', '-N', '2', '-detpixels', '16', '-lambda', '1', '-noprogress'];
const HKL = '0 0 0 100\n1 0 0 50\n';

/** A fresh folder holding x.hkl; returns its path. */
function folder(name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'x.hkl'), HKL);
  return d;
}

/** Runs the CLI through bash in `cwd` (pipes, redirections, FIFOs), bounded by `timeout` seconds. */
function sh(cwd: string, script: string, timeout = 60) {
  const cli = `node --import ${join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')} ${join(REPO_ROOT, 'src', 'cli.ts')}`;
  // nb runs the CLI as a child of the shell (as npx would); nbx replaces the shell by it
  const r = spawnSync('bash', ['-c', `nb() { ${cli} "$@"; }; nbx() { exec ${cli} "$@"; }; ${script}`], {
    cwd, encoding: 'latin1', timeout: timeout * 1000, env: { ...process.env, VK_ICD_FILENAMES: undefined },
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: r.error !== undefined };
}

for (const spelling of ['./x.hkl', 'PWD/x.hkl', './/x.hkl', 'sub/../x.hkl', 'link.hkl']) {
  test(`the HKL input is never an output: -floatfile ${spelling}`, async () => {
    const d = folder(`same-${spelling.replace(/\W/g, '_')}`);
    mkdirSync(join(d, 'sub'), { recursive: true });
    symlinkSync('x.hkl', join(d, 'link.hkl'));
    const out = spelling === 'PWD/x.hkl' ? join(d, 'x.hkl') : join(d, spelling);
    const r = await runMain(['simulate', ...C, '-hkl', join(d, 'x.hkl'), '-floatfile', out]);
    expectFailure(r, EXIT.USAGE, "'-hkl' and '-floatfile'", 'the output would overwrite the input');
    assert.is(readFileSync(join(d, 'x.hkl'), 'utf8'), HKL);
  });
}

test('two spellings of one output are refused; /dev/null twice is fine', async () => {
  const d = folder('two-outputs');
  const r = await runMain(['simulate', ...C, '-default_F', '100', '-floatfile', join(d, 'a.out'), '-intfile', `${d}/./a.out`]);
  expectFailure(r, EXIT.USAGE, 'one output would overwrite the other');
  const ok = await runMain(['simulate', ...C, '-default_F', '100', '-floatfile', '/dev/null', '-intfile', '/dev/null']);
  assert.is(ok.code, EXIT.OK, ok.stderr);
});

test('an output symlinked to /proc/self/fd/1 goes into the pipe; the link stays a link', () => {
  const d = folder('stream');
  symlinkSync('/proc/self/fd/1', join(d, 's'));
  const r = sh(d, 'nb simulate ' + C.join(' ') + ' -default_F 100 -floatfile s | wc -c');
  assert.is(r.code, 0, r.stderr);
  const bytes = Number(r.stdout.trim());
  assert.ok(bytes > 16 * 16 * 4, `only ${bytes} bytes reached the pipe`);
  assert.ok(lstatSync(join(d, 's')).isSymbolicLink(), 'the symlink was replaced');
  assert.equal(readdirSync(d).sort(), ['s', 'x.hkl']);
});

test('-floatfile /dev/stdout > log.txt writes into the redirection, keeping the printed lines', () => {
  const d = folder('stdout-file');
  const r = sh(d, 'nb simulate ' + C.join(' ') + ' -default_F 100 -floatfile /dev/stdout > log.txt');
  assert.is(r.code, 0, r.stderr);
  const log = readFileSync(join(d, 'log.txt'), 'latin1');
  assert.ok(log.includes('max_I'), 'the summary lines were lost');
  assert.ok(log.length > 1024, 'the image did not reach the redirection');
});

test('a FIFO as the HKL input is refused at once, not read for ever', () => {
  const d = folder('fifo-in');
  const r = sh(d, 'mkfifo f.hkl; nb simulate ' + C.join(' ') + ' -hkl f.hkl', 30);
  assert.not.ok(r.timedOut, 'hung');
  assert.is(r.code, EXIT.INPUT);
  assert.match(r.stderr, /named pipe \(FIFO\)/);
});

/** Every input a command line names, and a valid file for it (so only the path under test is wrong). */
const INPUTS: [flag: string, kind: string][] = [
  ['-hkl', 'HKL file'], ['-mat', 'matrix file'], ['-mask', 'mask file'], ['-img', 'image file'],
  ['-sourcefile', 'source file'], ['-stol', 'two-column text file'], ['--batch', 'batch file'],
];

for (const [flag, kind] of INPUTS) {
  test(`${flag}: a FIFO, a folder, a device and a missing file are one line with exit ${EXIT.INPUT}, never a hang`, () => {
    const d = folder(`inputs${flag.replace(/\W/g, '_')}`);
    const base = `nb simulate ${C.join(' ')} -default_F 100 -floatfile o.bin`;
    for (const [path, reason] of [
      ['f.in', /: is a named pipe \(FIFO\), not a regular file/], ['.', /: is a directory, not an? /],
      ['/dev/zero', /: is a device or socket, not an? /], ['none.in', new RegExp(`: ${kind} not found$`, 'm')],
    ] as const) {
      const r = sh(d, `[ -p f.in ] || mkfifo f.in; ${base} ${flag} ${path}`, 30);
      assert.not.ok(r.timedOut, `${flag} ${path} hung`);
      assert.is(r.code, EXIT.INPUT, `${flag} ${path}: ${r.stderr}`);
      assert.match(r.stderr, reason);
      assert.match(r.stderr, /^error: [^\n]*\n$/);
      assert.not.ok(existsSync(join(d, 'o.bin')), 'an image was written');
    }
  });
}

test('dataset run: a FIFO as the description is refused at once', () => {
  const d = folder('dataset-fifo');
  const r = sh(d, 'mkfifo d.json; nb dataset run d.json', 30);
  assert.not.ok(r.timedOut, 'hung');
  assert.is(r.code, EXIT.INPUT, r.stderr);
  assert.match(r.stderr, /^error: d\.json: is a named pipe \(FIFO\)/);
});

test('-mat through /dev/stdin is read from the pipe', () => {
  const d = folder('mat-stdin');
  const r = sh(d, `printf '0.01 0 0\\n0 0.01 0\\n0 0 0.01\\n' | nb simulate ${C.filter((a, i) => i > 6).join(' ')} -default_F 100 -mat /dev/stdin -floatfile m.bin`);
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(join(d, 'm.bin')).length, 16 * 16 * 4);
});

test('an output FIFO without a reader fails at once; the HKL file through /dev/stdin works', () => {
  const d = folder('fifo-out');
  const r = sh(d, 'mkfifo o.fifo; nb simulate ' + C.join(' ') + ' -default_F 100 -floatfile o.fifo', 30);
  assert.not.ok(r.timedOut, 'hung');
  assert.is(r.code, EXIT.OUTPUT);
  assert.match(r.stderr, /has no reader/);
  const p = sh(d, 'cat x.hkl | nb simulate ' + C.join(' ') + ' -hkl /dev/stdin -floatfile piped.bin');
  assert.is(p.code, 0, p.stderr);
  assert.is(readFileSync(join(d, 'piped.bin')).length, 16 * 16 * 4);
});

test('a closed stdout (| head -1) and a full one (> /dev/full) still write the files, without a stack trace', () => {
  const d = folder('closed-stdout');
  const r = sh(d, 'nb simulate ' + C.join(' ') + ' -default_F 100 -floatfile r.bin | head -1 >/dev/null; echo "rc=${PIPESTATUS[0]}"');
  assert.match(r.stdout, /rc=0/);
  assert.not.match(r.stderr, /at .*\.ts:\d+|EPIPE/);
  assert.is(readFileSync(join(d, 'r.bin')).length, 1024);
  const f = sh(d, 'nb simulate ' + C.join(' ') + ' -default_F 100 -floatfile r2.bin > /dev/full');
  assert.is(f.code, EXIT.OUTPUT);
  assert.match(f.stderr, /^error: cannot write to standard output \(ENOSPC\); the output files were written\n$/);
  assert.is(readFileSync(join(d, 'r2.bin')).length, 1024);
});

test('a failed output replaces no other output (all or nothing)', async () => {
  const d = folder('all-or-nothing');
  writeFileSync(join(d, 'A.bin'), 'old');
  writeFileSync(join(d, 'C.pgm'), 'old');
  const r = await runMain(['simulate', ...C, '-default_F', '100', '-floatfile', join(d, 'A.bin'), '-intfile', '/dev/full', '-pgmfile', join(d, 'C.pgm')]);
  expectFailure(r, EXIT.OUTPUT, '/dev/full', 'no output was replaced');
  assert.is(readFileSync(join(d, 'A.bin'), 'utf8'), 'old');
  assert.is(readFileSync(join(d, 'C.pgm'), 'utf8'), 'old');
  assert.equal(readdirSync(d).filter((n) => n.endsWith('.tmp')), []);
});

test('bench: --md naming a compare input, or --json and --md one file, is refused before anything is written', async () => {
  const d = folder('bench');
  const reports = join(REPO_ROOT, 'reports');
  const run = readdirSync(reports).find((n) => existsSync(join(reports, n)) && readdirSync(join(reports, n)).some((f) => f.endsWith('_baseline.json')))!;
  const src = readdirSync(join(reports, run)).find((f) => f.endsWith('_baseline.json'))!;
  const v = join(d, 'v.json');
  writeFileSync(v, readFileSync(join(reports, run, src)));
  const before = readFileSync(v, 'utf8');
  const r = await runMain(['bench', 'compare', v, '--md', `${d}/./v.json`, '--out', join(d, 'out')]);
  expectFailure(r, EXIT.USAGE, 'the compare input', 'would overwrite the input');
  assert.is(readFileSync(v, 'utf8'), before);
});

for (const [sig, code] of [['TERM', EXIT.TERMINATED], ['HUP', EXIT.HANGUP]] as const) {
  test(`SIGTERM and SIGHUP end a run like Ctrl-C: SIG${sig} -> one line, exit ${code}, no temporary file`, () => {
    const d = folder(`sig-${sig}`);
    const long = '-cell 100 100 100 90 90 90 -default_F 100 -detpixels 2048 -oversample 12 -noprogress -floatfile out.bin';
    const r = sh(d, `(nbx simulate ${long} > log.txt) & pid=$!; for i in $(seq 300); do grep -q '^backend:' log.txt 2>/dev/null && break; sleep 0.1; done; sleep 0.5; kill -${sig} $pid; wait $pid; echo rc=$?`, 60);
    assert.match(r.stdout, new RegExp(`rc=${code}\\b`), r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`^error: interrupted \\(SIG${sig}\\)\\n$`));
    assert.equal(readdirSync(d).sort(), ['log.txt', 'x.hkl']);
  });
}

test('a run whose parent is killed with -9 stops within a second and writes nothing (no orphan)', () => {
  const d = folder('orphan');
  const long = '-cell 100 100 100 90 90 90 -default_F 100 -detpixels 2048 -oversample 12 -noprogress -floatfile out.bin';
  // the backgrounded subshell is the parent (like npx); pkill -P finds its node child before the parent dies
  const cli = `node --import ${join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')} ${join(REPO_ROOT, 'src', 'cli.ts')}`;
  const r = sh(d, `( ${cli} simulate ${long} > log.txt 2> err.txt & echo $! > child.pid; wait ) & pid=$!; for i in $(seq 300); do grep -q '^backend:' log.txt 2>/dev/null && break; sleep 0.1; done; sleep 0.5; kill -9 $pid; sleep 3; ` +
    'kill -0 $(cat child.pid) 2>/dev/null && echo alive || echo gone', 60);
  assert.match(r.stdout, /gone/);
  assert.is(readFileSync(join(d, 'err.txt'), 'utf8'), 'error: the parent process is gone\n');
  assert.not.ok(existsSync(join(d, 'out.bin')));
});

test('a run of hours is refused with the count and a time estimate, unless --long-run (issue 19 item 8)', async () => {
  const r = await runMain(['simulate', ...C, '-default_F', '100', '-lambda', '1e-5']);
  expectFailure(r, EXIT.USAGE, '4.10e+11 evaluations', 'oversample 40001', '--long-run');
});

test('misleading messages (issue 19 item 12): the file is blamed, long tokens are cut, odd spaces named, newlines escaped', async () => {
  const d = folder('messages');
  writeFileSync(join(d, 'f38.hkl'), '0 0 0 1e38\n1 0 0 1e38\n');
  writeFileSync(join(d, 'big.hkl'), '0 0 0 1' + '0'.repeat(100000) + '\n');
  writeFileSync(join(d, 'nbsp.hkl'), '0\u00a00 0 100\n');
  const base = ['simulate', ...C];
  expectFailure(await runMain([...base, '-hkl', join(d, 'f38.hkl')]), EXIT.INPUT, "the HKL file's largest |F| (1e+38)");
  const big = await runMain([...base, '-hkl', join(d, 'big.hkl')]);
  expectFailure(big, EXIT.INPUT, '... (100001 characters) is not a finite number');
  assert.ok(big.stderr.length < 400, `${big.stderr.length} characters`);
  expectFailure(await runMain([...base, '-hkl', join(d, 'nbsp.hkl')]), EXIT.INPUT, 'U+00A0 NO-BREAK SPACE');
  expectFailure(await runMain([...base, '-hkl', '-']), EXIT.USAGE, "got '-': for standard input or output write /dev/stdin");
  const nl = await runMain([...base, '-default_F', '1', '-floatfile', join(d, 'a\nb', 'x')]);
  expectFailure(nl, EXIT.OUTPUT, 'a\\nb');
});

test('serve --port takes decimal digits only; bench compare refuses huge files and unknown backends (items 10, 14)', async () => {
  for (const p of [' ', '0x1F90', '1e3']) expectFailure(await runMain(['serve', '--port', p]), EXIT.USAGE, "option '--port' expects 0..65535");
  const d = folder('compare-limits');
  const huge = join(d, 'huge.json');
  writeFileSync(huge, '');
  truncateSync(huge, 65 << 20);
  expectFailure(await runMain(['bench', 'compare', huge, '--out', join(d, 'out')]), EXIT.INPUT, 'is not a benchmark report (reports are under 64 MiB)');
  const reports = join(REPO_ROOT, 'reports');
  const run = readdirSync(reports).find((n) => existsSync(join(reports, n)) && readdirSync(join(reports, n)).some((f) => f.endsWith('_baseline.json')))!;
  const src = readdirSync(join(reports, run)).find((f) => f.endsWith('_baseline.json'))!;
  const rep = JSON.parse(readFileSync(join(reports, run, src), 'utf8'));
  rep.results[0].backend = 'wasm | evil';
  writeFileSync(join(d, 'bad.json'), JSON.stringify(rep));
  expectFailure(await runMain(['bench', 'compare', join(d, 'bad.json'), '--out', join(d, 'out')]), EXIT.INPUT, 'not a benchmark report');
});

test("-pgmscale sets the PGM scale as nanoBragg does (C's image.pgm, sha256 from the C program with this argv)", async () => {
  const d = folder('pgmscale');
  const r = await runMain(['simulate', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '3', '-detpixels', '32',
    '-pgmscale', '3.5', '-pgmfile', join(d, 'p.pgm'), '--dtype', 'f64', '--backend', 'wasm', '-noprogress']);
  assert.is(r.code, 0, r.stderr);
  const { createHash } = await import('node:crypto');
  assert.is(createHash('sha256').update(readFileSync(join(d, 'p.pgm'))).digest('hex'), 'c1b4192795f86d6045a1889422a2587d882d43f3e95657036a9a4613874dacdc');
});

test.run();
