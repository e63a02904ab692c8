#!/usr/bin/env node
// Runs every test suite (as-pect for the AssemblyScript kernels, uvu for the host) and
// ends with one line "N passed, N failed[, N skipped]" summing them, which CI reads.
// Each suite's own output is passed through unchanged.
import { spawnSync } from 'node:child_process';

const ANSI = /\x1b\[[0-9;]*m/g;

function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, FORCE_COLOR: '0' } });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  return { status: r.status ?? 1, out: ((r.stdout ?? '') + (r.stderr ?? '')).replace(ANSI, '') };
}

let passed = 0, failed = 0, skipped = 0;
let broken = [];

// as-pect: "[Tests]: P / T"
const as = run('as-pect', 'npx', ['asp', '--no-logo']);
const asm = [...as.out.matchAll(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/g)].pop();
if (asm) { passed += +asm[1]; failed += +asm[2] - +asm[1]; }
if (as.status !== 0 && (!asm || +asm[1] === +asm[2])) { failed += 1; broken.push('as-pect exited ' + as.status); }

// uvu: "Total: T / Passed: P / Skipped: S" (no "Failed" line; exit 1 on failure)
const uvu = run('uvu', 'npx', ['tsx', 'node_modules/uvu/bin.js', 'tests', '--no-color']);
const tot = uvu.out.match(/Total:\s*(\d+)/), pas = uvu.out.match(/Passed:\s*(\d+)/), sk = uvu.out.match(/Skipped:\s*(\d+)/);
if (tot && pas) {
  passed += +pas[1];
  skipped += sk ? +sk[1] : 0;
  failed += +tot[1] - +pas[1]; // uvu's Total already excludes skipped tests
}
if (uvu.status !== 0 && (!tot || +tot[1] === +pas[1])) { failed += 1; broken.push('uvu exited ' + uvu.status); }

for (const b of broken) console.log('suite failure: ' + b);
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 ? 1 : 0);
