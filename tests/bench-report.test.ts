// Report folders never overwrite earlier evidence; report files are written atomically; run_log.txt is
// appended, timestamped; machine tags and timestamps are safe in file names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createRunDir, RunLog, writeRunFile } from '../src/bench/report.ts';
import { machineTag, slug, utcStamp } from '../src/bench/env.ts';

/** Temporary folders of this file, removed when it ends. */
const scratchDirs: string[] = [];
const scratch = (dir: string) => (scratchDirs.push(dir), dir);
test.after(() => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

const tmp = () => scratch(mkdtempSync(join(tmpdir(), 'bench-report-')));
const NOW = new Date('2026-11-28T09:08:07.654Z');

test('UTC stamp is YYYYMMDDTHHMMSSZ', () => {
  assert.is(utcStamp(NOW), '20261128T090807Z');
});

test('machine tag: platform, arch, CPU slug, cores; only [a-z0-9-]', () => {
  assert.is(slug('Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz'), 'intel-xeon-platinum-8375c');
  assert.is(slug('AMD Ryzen 9 5950X 16-Core Processor'), 'amd-ryzen-9-5950x');
  assert.is(slug('Apple M2 Pro'), 'apple-m2-pro');
  assert.is(slug(''), 'unknown-cpu');
  const tag = machineTag('linux', 'x64', 'Intel(R) Xeon(R) CPU @ 2.20GHz / "odd" name', 2);
  assert.match(tag, /^[a-z0-9-]+$/);
  assert.is(tag, 'linux-x64-intel-xeon-2c');
  assert.ok(slug('x'.repeat(100)).length <= 32);
});

test('every run gets a new folder; a folder that exists is never reused', () => {
  const parent = join(tmp(), 'reports'); // created on demand
  const a = createRunDir(parent, 'tag', NOW);
  writeFileSync(join(a, 'tricubic_baseline.json'), 'first run');
  const b = createRunDir(parent, 'tag', NOW);
  const c = createRunDir(parent, 'tag', NOW);
  assert.is(basename(a), '20261128T090807Z-tag');
  assert.is(basename(b), '20261128T090807Z-tag-2');
  assert.is(basename(c), '20261128T090807Z-tag-3');
  assert.is(readFileSync(join(a, 'tricubic_baseline.json'), 'utf8'), 'first run');
  assert.equal(readdirSync(b), []);
});

test('a folder made by someone else with the same name is skipped too', () => {
  const parent = tmp();
  mkdirSync(join(parent, '20261128T090807Z-tag'));
  assert.is(basename(createRunDir(parent, 'tag', NOW)), '20261128T090807Z-tag-2');
});

test('report files are written atomically: complete file, no temporary left behind', async () => {
  const dir = tmp();
  const big = 'x'.repeat(3 << 20);
  const p = await writeRunFile(dir, 'absorption_baseline.json', big);
  assert.is(readFileSync(p, 'utf8').length, big.length);
  await writeRunFile(dir, 'absorption_baseline.json', '{"second":true}\n');
  assert.is(readFileSync(p, 'utf8'), '{"second":true}\n');
  assert.equal(readdirSync(dir), ['absorption_baseline.json']);
});

test('a write that fails leaves the target as it was and no temporary file', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'env.json')); // a directory where the file should go
  let err: Error | undefined;
  try {
    await writeRunFile(dir, 'env.json', '{}');
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err && /cannot write/.test(err.message), String(err));
  assert.equal(readdirSync(dir), ['env.json']);
  assert.equal(readdirSync(join(dir, 'env.json')), []);
});

test('run_log.txt: every printed line, timestamped, appended (earlier lines kept)', async () => {
  const dir = tmp();
  const file = join(dir, 'run_log.txt');
  const printed: string[] = [];
  const a = new RunLog(file, (l) => printed.push(l));
  a.line('first');
  a.line('two\nlines');
  await a.flush();
  const b = new RunLog(file, () => undefined);
  b.line('second run');
  await b.flush();
  assert.equal(printed, ['first', 'two\nlines']);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.is(lines.length, 4);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
  assert.equal(lines.map((l) => l.slice(25)), ['first', 'two', 'lines', 'second run']);
});

test('a log that cannot be appended reports it on flush', async () => {
  const dir = tmp();
  const log = new RunLog(join(dir, 'missing-folder', 'run_log.txt'), () => undefined);
  log.line('lost');
  let err: Error | undefined;
  try {
    await log.flush();
  } catch (e) {
    err = e as Error;
  }
  assert.match(String(err?.message), /cannot append/);
});

test.run();
