// The process's address-space limit (RLIMIT_AS, `ulimit -v`) and what it does to WebAssembly, so that a
// failure under a limit is reported as what it is, not as a missing feature.
//
// V8 reserves address space, not memory: about 10 GiB for each WebAssembly memory (its size plus guard
// regions) and a code range for every isolate (each worker thread is one). Measured here (Node 20, x64,
// docs/reliability.md "Address-space limits"): under `ulimit -v` below 12 GiB no WebAssembly memory can be
// made at all; at 12 GiB, and again at exactly 32 GiB, starting the worker threads aborts the whole process
// (SIGTRAP, exit 133: "Fatal process OOM in Failed to reserve virtual memory for CodeRange"), which no
// try/catch can see. Every other limit tried from 14 to 512 GiB ran. So under a finite limit below
// THREADS_MIN_ADDRESS_SPACE the threaded backend is refused with this reason, before any worker starts.

const GiB = 1024 ** 3;

/** The smallest finite address-space limit under which the threaded backend is started. */
export const THREADS_MIN_ADDRESS_SPACE = 64 * GiB;

/** The soft RLIMIT_AS in bytes, or undefined when unlimited or unknown (not Linux, not Node, a browser). */
export function addressSpaceLimit(): number | undefined {
  const proc = (globalThis as { process?: { platform?: string; versions?: { node?: string }; getBuiltinModule?: (m: string) => unknown } }).process;
  if (proc?.platform !== 'linux' || !proc.versions?.node) return undefined;
  let text: string;
  try {
    // synchronous, as the probes that ask are; a runtime without process.getBuiltinModule reports no limit
    const fs = (proc.getBuiltinModule?.('node:fs') ?? undefined) as typeof import('node:fs') | undefined;
    if (!fs) return undefined;
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  return parseAddressSpaceLimit(text);
}

/** The soft limit of the "Max address space" line of /proc/self/limits (bytes), undefined for "unlimited". */
export function parseAddressSpaceLimit(limits: string): number | undefined {
  const m = /^Max address space\s+(\S+)/m.exec(limits);
  if (!m || m[1] === 'unlimited') return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** "11.0 GiB". */
function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}

/** Why the threaded backend is not started under `limit` (undefined: no objection). */
export function threadsAddressSpaceRefusal(limit: number | undefined = addressSpaceLimit()): string | undefined {
  if (limit === undefined || limit >= THREADS_MIN_ADDRESS_SPACE) return undefined;
  return `the address-space limit (ulimit -v) is ${gib(limit)}: under limits below ${gib(THREADS_MIN_ADDRESS_SPACE)} V8 can abort the ` +
    'whole process while reserving address space for worker threads (about 10 GiB per WebAssembly memory plus a code range per thread); ' +
    'raise it (ulimit -v unlimited) or use --backend wasm';
}

/** A WebAssembly allocation failure's message, with the limit named when one is set (else unchanged). */
export function explainWasmMemoryFailure(message: string, limit: number | undefined = addressSpaceLimit()): string {
  if (limit === undefined || !/out of memory|could not allocate|cannot allocate/i.test(message)) return message;
  return `${message} (the address-space limit, ulimit -v, is ${gib(limit)}: V8 reserves about 10 GiB of address space for each ` +
    'WebAssembly memory; raise the limit, e.g. ulimit -v unlimited)';
}
