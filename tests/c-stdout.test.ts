// The drop-in `nanoBragg` command prints C's stdout (src/simulator/c-report.ts, docs/c-behaviour/stdout.md): every
// case whose case.json holds the C reference's stdout (../shared golden-breadth, mirrored in tests/fixtures) is
// run in an empty folder holding only its inputs, and our stdout is compared with C's line by line. Only the lines
// listed in NOT_REPRODUCED are dropped, from both sides, before the comparison; every other line, the geometry,
// the source list, the statistics and the file lines included, must be C's verbatim and in C's order.

import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nanoBraggMain } from '../src/nanobragg-cli.ts';
import { NOT_REPRODUCED } from '../src/simulator/c-report.ts';

const SHARED = '/work/shared/golden-breadth';
const ROOTS = [new URL('./fixtures/', import.meta.url).pathname, SHARED];

interface Case { name: string; dir: string; argv: string[]; stdout: string; returncode: number; inputs: string[] }

function cases(): Case[] {
  const out: Case[] = [];
  const seen = new Set<string>();
  for (const root of ROOTS) {
    if (!existsSync(root)) continue;
    for (const area of readdirSync(root)) {
      const a = join(root, area);
      if (!statSync(a).isDirectory()) continue;
      for (const name of readdirSync(a)) {
        const f = join(a, name, 'case.json');
        if (!existsSync(f)) continue;
        const c = JSON.parse(readFileSync(f, 'utf8'));
        if (typeof c.stdout !== 'string' || !Array.isArray(c.argv)) continue;
        const key = JSON.stringify(c.argv);
        if (seen.has(key)) continue;
        seen.add(key);
        // no list: every file beside case.json but the C outputs
        const inputs = Array.isArray(c.inputs) ? c.inputs : c.inputs ? Object.keys(c.inputs)
          : readdirSync(join(a, name)).filter((f) => f !== 'case.json' && !/\.(bin|md)$/.test(f));
        out.push({ name: `${area}/${name}`, dir: join(a, name), argv: c.argv.slice(1), stdout: c.stdout, returncode: c.returncode ?? 0, inputs });
      }
    }
  }
  return out;
}

/** Runs the drop-in in a fresh folder holding the case's input files; stdout and stderr captured. */
/** The drop-in nanoBragg run in `dir` (as its current folder), its stdout and stderr captured. */
async function dropInIn(dir: string, argv: string[]): Promise<{ rc: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const realOut = process.stdout.write, realErr = process.stderr.write;
  const cap = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    process.stdout.write = cap(out);
    process.stderr.write = cap(err);
    return { rc: await nanoBraggMain(argv), out, err };
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.chdir(cwd);
  }
}

async function dropIn(argv: string[], c?: Case): Promise<{ rc: number; stdout: string; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-cstdout-'));
  for (const f of c?.inputs ?? []) {
    // an input shared by several cases of an area is stored once, beside one of them
    const area = join(c!.dir, '..');
    const from = [c!.dir, ...readdirSync(area).map((n) => join(area, n))].map((d) => join(d, f)).find((p) => existsSync(p));
    if (!from) throw new Error(`${c!.name}: input ${f} not found`);
    copyFileSync(from, join(dir, f));
  }
  const { rc, out, err } = await dropInIn(dir, argv);
  return { rc, stdout: out.join(''), stderr: err.join(''), dir };
}

const keep = (text: string) => text.split('\n').filter((l) => !NOT_REPRODUCED.some((re) => re.test(l)));

const all = cases();

test('there are C stdout cases to compare with', () => {
  assert.ok(all.length >= 30, `only ${all.length} cases with C's stdout`);
});

const refused: string[] = [];
for (const c of all) {
  test(`stdout as C's: ${c.name}`, async () => {
    const r = await dropIn(c.argv, c);
    try {
      if (r.rc !== 0 && /not implemented/.test(r.stderr)) {
        // a feature refused by name (never a different stdout): reported, and must stay a one-line error
        refused.push(`${c.name}: ${r.stderr.trim().split('\n').pop()}`);
        assert.match(r.stderr, /^error: .*not implemented/m);
        return;
      }
      assert.is(r.rc, c.returncode, r.stderr);
      const ours = keep(r.stdout), theirs = keep(c.stdout);
      for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
        assert.is(ours[i], theirs[i], `line ${i + 1} differs (C: ${JSON.stringify(theirs[i])}, ours: ${JSON.stringify(ours[i])})`);
      }
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

test('refusals by name (reported, not compared)', () => {
  if (refused.length) console.log(`  c-stdout: refused by name: \n    ${refused.join('\n    ')}`);
  assert.ok(refused.length < all.length / 4, `too many refused cases: ${refused.length}`);
});

test.run();

// -printout / -printout_pixel traces and the progress lines, against C's (tests/fixtures/c-printout.json, made with
// the C reference by scripts/real-commands.ts): every line, and the files byte-identical.
import { PRINTOUT_FIXTURE, folderFor, outputs, type RealCommand, type RunResult } from './helpers/real-commands-run.ts';

const printouts = JSON.parse(readFileSync(PRINTOUT_FIXTURE, 'utf8')).commands as (RealCommand & { c: RunResult })[];
const printoutSuite = suite('C traces and progress lines');
for (const c of printouts) {
  printoutSuite(c.name, async () => {
    const { dir, inputs } = folderFor(c);
    const out: string[] = [], err: string[] = [];
    const realOut = process.stdout.write, realErr = process.stderr.write;
    const cap = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
    const cwd = process.cwd();
    let rc: number;
    try {
      process.chdir(dir);
      process.stdout.write = cap(out);
      process.stderr.write = cap(err);
      rc = await nanoBraggMain([...c.argv, ...c.extra]);
    } finally {
      process.stdout.write = realOut;
      process.stderr.write = realErr;
      process.chdir(cwd);
    }
    try {
      assert.is(rc, c.c.rc, err.join(''));
      assert.not.match(err.join(''), /differs from the image/, 'the host trace of a pixel differs from the kernel pixel');
      const ours = out.join('').split('\n'), theirs = c.c.stdout.split('\n');
      for (let i = 0; i < Math.max(ours.length, theirs.length); i++) assert.is(ours[i], theirs[i], `stdout line ${i + 1}`);
      assert.equal(outputs(dir, inputs).files, c.c.files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
printoutSuite.run();

// C's `reading FILE` line for -stol/-4stol/-Q (M:2260), which no golden case covers: after the structure factors,
// before the layer lines (as C printed it for this command: docs/c-behaviour/stdout.md). When the C reference is
// on this machine, the whole stdout is compared with its stdout too.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const C_BIN = '/work/cref/nanoBragg-ref';
const stolSuite = suite('C lines without a golden case');
stolSuite('-stol: reading FILE after the structure factors, before thick0', async () => {
  const argv = ['-stol', 's.stol', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '3',
    '-detpixels', '8', '-distance', '100', '-lambda', '1', '-nonoise', '-nopgm'];
  const stol = '0.1 10\n0.2 5\n0.3 2\n';
  const { dir } = folderFor({ name: 'stol', argv, extra: [], inputs: {} });
  writeFileSync(join(dir, 's.stol'), stol);
  const { rc, out, err } = await dropInIn(dir, argv);
  try {
    assert.is(rc, 0, err.join(''));
    const lines = out.join('').split('\n');
    const at = lines.indexOf('reading s.stol');
    assert.ok(at > 0, 'no "reading s.stol" line');
    assert.equal(lines.slice(at - 1, at + 2), ['approximate MW = 722657', 'reading s.stol', 'thick0 = 0 um']);
    if (existsSync(C_BIN)) {
      const cDir = mkdtempSync(join(tmpdir(), 'nb-cstdout-c-'));
      try {
        writeFileSync(join(cDir, 's.stol'), stol);
        const c = spawnSync(C_BIN, argv, { cwd: cDir, encoding: 'utf8' });
        assert.is(out.join(''), c.stdout);
      } finally {
        rmSync(cDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
stolSuite.run();
