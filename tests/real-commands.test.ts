// Real nanoBragg command lines (tests/fixtures/real-commands.json: nanoBragg's own header and README, scripts and
// notes of projects that use it, each with its source), run unchanged through the drop-in `nanoBragg` command
// (src/nanobragg-cli.ts) with a -roi appended: the output files must be byte-identical to the C reference's
// (sha256 in the fixture; the f64 float image bit-identical) and stdout line by line C's. When the C reference is
// on this machine, it is run too and must still give the fixture's results (the fixture is not stale). README "Real
// command lines" lists the commands (tests/readme-real-commands.test.ts keeps that list and the fixture in step).
//
// Not compared, and why: Fdump.bin (C writes its HKL cache; the drop-in never does, README "Real command lines"),
// noiseimage.img and the seed and photon lines of stdout when the command gives no -seed (C seeds with the time).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { nanoBraggMain } from '../src/nanobragg-cli.ts';
import { NOT_REPRODUCED } from '../src/simulator/c-report.ts';
import { FIXTURE, folderFor, outputs, runC, type RealCommand, type RunResult } from './helpers/real-commands-run.ts';

const C_BIN = '/work/cref/nanoBragg-ref';
const fx = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  commands: (RealCommand & { source: string; c: RunResult; differs?: Record<string, string> })[];
};

async function dropIn(c: RealCommand): Promise<RunResult> {
  const { dir, inputs } = folderFor(c);
  const out: string[] = [], err: string[] = [];
  const realOut = process.stdout.write, realErr = process.stderr.write;
  const cap = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    process.stdout.write = cap(out);
    process.stderr.write = cap(err);
    const rc = await nanoBraggMain([...c.argv, ...c.extra]);
    return { rc, stdout: out.join(''), stderr: err.join(''), ...outputs(dir, inputs) };
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('at least eight real command lines, each with its public source', () => {
  assert.ok(fx.commands.length >= 8, `${fx.commands.length} commands`);
  for (const c of fx.commands) assert.match(c.source, /^https:\/\//, c.name);
});

for (const c of fx.commands) {
  test(`real command as C: ${c.name}`, async () => {
    const seeded = c.argv.includes('-seed');
    const timeLines = seeded ? [] : [/^ {2}seed: /, / photons on noise image /];
    const keep = (s: string) => s.split('\n').filter((l) => ![...NOT_REPRODUCED, ...timeLines].some((re) => re.test(l)));
    // a file listed in 'differs' (a documented difference, e.g. an SMV header over 512 bytes) has C's pixels
    const differs = c.differs ?? {};
    const compared = (files: Record<string, string>, withDiffers = false) =>
      Object.fromEntries(Object.entries(files).filter(([f]) => f !== 'Fdump.bin' && (seeded || f !== 'noiseimage.img') && (withDiffers || !(f in differs))));
    const ours = await dropIn(c);
    assert.is(ours.rc, c.c.rc, ours.stderr);
    assert.equal(compared(ours.files), compared(c.c.files), 'output files (sha256) differ from C');
    assert.equal(Object.keys(compared(ours.files, true)).sort(), Object.keys(compared(c.c.files, true)).sort(), 'not the same files as C');
    for (const f of Object.keys(differs)) assert.is(ours.pixels[f], c.c.pixels[f], `${f}: pixels differ from C's`);
    const a = keep(ours.stdout), b = keep(c.c.stdout);
    for (let i = 0; i < Math.max(a.length, b.length); i++) assert.is(a[i], b[i], `stdout line ${i + 1}`);
    if (existsSync(C_BIN)) assert.equal(compared(runC(C_BIN, c).files), compared(c.c.files), 'the C reference no longer gives the fixture: rerun scripts/real-commands.ts');
  });
}

test.run();
