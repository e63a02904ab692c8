// Issue 12 item 3, "resolve once": the engines and the host code that lays a simulation out for them read the
// resolved Simulation (sim.loop, sim.sources, sim.detector, ...), never the raw command-line flags (sim.args), so a
// flag's meaning is decided in one place (src/simulator/setup.ts) and every backend sees the same decision.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/cli.ts';

const ENGINE_DIRS = ['src/wasm', 'src/threads', 'src/webgpu', 'src/engine'];
const ENGINE_FILES = ['src/simulator/params.ts', 'src/simulator/layout.ts'];

function files(): string[] {
  const out = ENGINE_FILES.map((f) => join(REPO_ROOT, f));
  for (const d of ENGINE_DIRS) {
    for (const n of readdirSync(join(REPO_ROOT, d))) if (/\.(ts|js)$/.test(n)) out.push(join(REPO_ROOT, d, n));
  }
  return out;
}

test('no engine file reads the raw flags (sim.args / .args.) of a simulation', () => {
  const offenders: string[] = [];
  for (const f of files()) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      if (/\bsim\.args\b|\bsimulation\.args\b|\.sim\.args\b/.test(code)) offenders.push(`${f.slice(REPO_ROOT.length)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(offenders, []);
});

test('the check sees a use of sim.args (it can fail)', () => {
  assert.ok(/\bsim\.args\b/.test('const f = sim.args.fudge;'));
});

test.run();
