// A fixed environment report for bench tests (no probing of this machine's CPU, GPU or git).
import type { EnvReport } from '../../src/bench/env.ts';

export function fakeEnv(machineTag = 'linux-x64-test-cpu-2c'): EnvReport {
  return {
    created: '2026-11-28T12:00:00.000Z',
    machine_tag: machineTag,
    git: { sha: '0123456789abcdef', dirty: false },
    node: '20.20.2',
    v8: '11.3',
    node_flags: [],
    os: { platform: 'linux', release: '6', version: '#1', arch: 'x64' },
    cpu: { model: 'Test CPU', cores: 2, available_parallelism: 2 },
    memory_bytes: 2 ** 31,
    wasm: { simd: true, threads: false, threads_detail: 'test', binary_chosen: 'simd', binaries: { scalar: null, simd: null } },
    gpu: { available: false, reason: 'no GPU in tests' },
    packages: {},
  };
}
