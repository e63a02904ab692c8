// Runs the Deno suite (tests/deno/*_test.ts) from uvu, so `npm test` counts it: the library from its
// TypeScript source and from a freshly written browser bundle, each against a golden C image; and the WebGPU
// engine on Deno's own WebGPU (wgpu and naga, not Dawn) over every golden case (tests/deno/webgpu_test.ts;
// SwiftShader's Vulkan driver when no other is set, as in tests/webgpu.test.ts; no adapter fails under CI=true).
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
const GPU_NAME = 'Deno WebGPU (wgpu): every golden case within the pure-f32 tolerance, exact switch-off, GPU statistics, row bands';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

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
  test(GPU_NAME, () => {
    const env: NodeJS.ProcessEnv = { ...withoutForceColor(process.env), NO_COLOR: '1' };
    if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    env.XDG_RUNTIME_DIR ??= '/nonexistent-xdg-runtime-dir'; // silences the Vulkan loader's Wayland check
    const ci = process.env.CI === 'true';
    const t0 = performance.now();
    const r = spawnSync(deno.bin, [
      'test', '--allow-read', '--allow-env', 'tests/deno/webgpu_test.ts', '--', '--webgpu', `--golden=${goldenDir}`,
      ...(ci ? ['--require-adapter'] : []),
    ], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
    const passed = out.match(/ok \| (\d+) passed \| (\d+) failed/);
    const skipped = out.match(/skipped - no adapter \(([^\n]*)\); this test only records the skip/);
    console.log(`${deno.version} WebGPU: ${passed ? `${passed[1]} passed, ${passed[2]} failed` : 'no summary'} in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (skipped ? ` - SKIPPED (not on CI): no adapter: ${skipped[1]}` : ''));
    assert.is(r.status, 0, `deno test exited ${r.status ?? r.signal}:\n${out}`);
    if (skipped) {
      assert.ok(!ci);
      return;
    }
    assert.ok(passed && +passed[1] >= 16 && +passed[2] === 0, `expected at least 16 Deno WebGPU tests to pass:\n${out}`);
  });

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
