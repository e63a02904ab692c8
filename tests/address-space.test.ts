// Issue 19 item 12: under `ulimit -v` a WebAssembly memory failure is reported as the address-space limit it is
// (not "shared WebAssembly memory is not supported"), and the threaded backend is refused before V8 can abort the
// process while starting workers (exit 133, seen at 12 GiB and at exactly 32 GiB: src/backends/address-space.ts).
// The CLI cases run the compiled bin: tsx itself uses WebAssembly and fails first under small limits.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  explainWasmMemoryFailure, parseAddressSpaceLimit, threadsAddressSpaceRefusal, THREADS_MIN_ADDRESS_SPACE,
} from '../src/backends/address-space.ts';
import { EXIT } from '../src/errors.ts';
import { REPO_ROOT } from './helpers/cli.ts';

const GiB = 1024 ** 3;
const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max address space         17179869184          unlimited            bytes
Max open files            1048576              1048576              files
`;

test('the soft address-space limit is read from /proc/self/limits; unlimited is undefined', () => {
  assert.is(parseAddressSpaceLimit(LIMITS), 16 * GiB);
  assert.is(parseAddressSpaceLimit(LIMITS.replace('17179869184', 'unlimited  ')), undefined);
  assert.is(parseAddressSpaceLimit('no such line'), undefined);
});

test('threads are refused below the threshold with the limit and a way out; not above, not unlimited', () => {
  const r = threadsAddressSpaceRefusal(12 * GiB);
  assert.ok(r);
  assert.match(r!, /ulimit -v\) is 12\.0 GiB/);
  assert.match(r!, /--backend wasm/);
  assert.is(threadsAddressSpaceRefusal(THREADS_MIN_ADDRESS_SPACE), undefined);
  assert.is(threadsAddressSpaceRefusal(undefined), undefined);
});

test('an out-of-memory message names the limit when one is set, other messages are unchanged', () => {
  const oom = 'WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory for new instance';
  assert.match(explainWasmMemoryFailure(oom, 8 * GiB), /ulimit -v, is 8\.0 GiB/);
  assert.is(explainWasmMemoryFailure(oom, undefined), oom);
  assert.is(explainWasmMemoryFailure('unreachable executed', 8 * GiB), 'unreachable executed');
});

const BIN = join(REPO_ROOT, 'out', 'bin', 'nanobragg.mjs');
const TINY = '-cell 100 100 100 90 90 90 -default_F 100 -N 2 -detpixels 16 -noprogress -floatfile /dev/null';

function underLimit(gib: number, args: string) {
  const r = spawnSync('bash', ['-c', `ulimit -v ${gib * 1024 * 1024} && exec node ${BIN} simulate ${TINY} ${args}`], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, VK_ICD_FILENAMES: undefined },
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr ?? '' };
}

test('CLI under ulimit -v: wasm-threads refused with the reason (exit 5, no abort), wasm runs, too little for wasm says so', () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build:cli`);
  for (const gib of [12, 16, 32]) {
    const t = underLimit(gib, '--backend wasm-threads --threads 2');
    assert.is(t.signal, null, `${gib} GiB: killed by ${t.signal}`);
    assert.is(t.code, EXIT.RESOURCE, `${gib} GiB: ${t.stderr}`);
    assert.match(t.stderr, new RegExp(`^error: backend wasm-threads is unavailable here: the address-space limit \\(ulimit -v\\) is ${gib}\\.0 GiB`));
    assert.is(t.stderr.trim().split('\n').length, 1, t.stderr);
  }
  const ok = underLimit(16, '--backend wasm');
  assert.is(ok.code, EXIT.OK, ok.stderr);
  const small = underLimit(8, '--backend wasm');
  assert.is(small.code, EXIT.RESOURCE, small.stderr);
  assert.match(small.stderr, /^error: backend wasm failed to start: .*Out of memory.*ulimit -v, is 8\.0 GiB/);
});

test.run();
