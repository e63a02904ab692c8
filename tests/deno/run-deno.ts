// Runs the Deno suite (tests/deno/*_test.ts) from uvu, so `npm test` counts it: the library from its
// TypeScript source and from a freshly written browser bundle, each against a golden C image.
// Deno comes from the npm package `deno` (node_modules/.bin/deno) or PATH. Missing: a failure when
// CI=true, else a skip with the reason printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeBundle } from '../../src/serve.ts';
import { goldenDir } from '../helpers/golden.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NAME = 'Deno: golden combined_256 through src/index.ts and through the bundle match the C image';

function findDeno(): { bin: string; version: string } | { missing: string } {
  const local = join(ROOT, 'node_modules', '.bin', 'deno');
  for (const bin of [local, 'deno']) {
    if (bin === local && !existsSync(local)) continue;
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return { bin, version: r.stdout.split('\n')[0] };
  }
  return { missing: 'deno not found (node_modules/.bin/deno or PATH): install the npm package deno@2.9.x' };
}

const deno = findDeno();
if ('missing' in deno) {
  if (process.env.CI === 'true') {
    test(NAME, () => assert.unreachable(`${deno.missing} (CI=true: this suite must run)`));
  } else {
    console.log(`skip: ${NAME}: ${deno.missing}`);
    test.skip(NAME, () => {});
  }
} else {
  test(NAME, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanobragg-deno-'));
    try {
      await writeBundle(dir);
      const t0 = performance.now();
      const r = spawnSync(deno.bin, [
        'test', '--allow-read', 'tests/deno/', '--',
        `--bundle=${pathToFileURL(join(dir, 'nanobragg.js')).href}`, `--golden=${goldenDir}`,
      ], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...withoutForceColor(process.env), NO_COLOR: '1' } });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      const passed = out.replace(/\x1b\[[0-9;]*m/g, '').match(/ok \| (\d+) passed \| (\d+) failed/);
      console.log(`${deno.version}: ${passed ? `${passed[1]} passed, ${passed[2]} failed` : 'no summary'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      assert.is(r.status, 0, `deno test exited ${r.status ?? r.signal}:\n${out}`);
      assert.ok(passed && +passed[1] === 2 && +passed[2] === 0, `expected 2 Deno tests to pass:\n${out}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();

/** FORCE_COLOR (set by scripts/run-tests.mjs, to any value) makes Deno colour its summary even with NO_COLOR. */
function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _drop, ...rest } = env;
  return rest;
}
