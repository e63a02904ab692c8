// What must happen, synchronously, when the command line is ended by a signal (src/cli.ts `stop`) before the
// process exits: a bench run marks its folder as interrupted, for instance. Hooks run in the order registered;
// one that throws does not keep the others from running.

const hooks = new Set<(why: string) => void>();

/** Registers `hook` (called with the reason, e.g. "interrupted (SIGINT)"); returns the function that removes it. */
export function onInterrupt(hook: (why: string) => void): () => void {
  hooks.add(hook);
  return () => void hooks.delete(hook);
}

/** Runs every registered hook once (the signal handler, right before it exits). */
export function runInterruptHooks(why: string): void {
  for (const h of [...hooks]) {
    hooks.delete(h);
    try {
      h(why);
    } catch {
      // the process is ending: nothing better to do with a failing hook
    }
  }
}
