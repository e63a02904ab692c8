#!/usr/bin/env -S npx tsx
// nanobragg-wasm command line.
//   npx tsx src/cli.ts simulate <nanoBragg flags> [--backend ...] [--dtype f32|f64]
//   npx tsx src/cli.ts bench <kernels|tricubic|absorption|loop|startup|compare> ...
// Every failure a user can cause ends with one line on stderr and a documented exit code
// (README "Errors and exit codes"); --debug adds the stack trace.

import { parseSimArgs, usage } from './simulator/args.ts';
import { userErrorCode } from './simulator/user-errors.ts';
import { runSimulate, type RunOptions } from './simulator/run.ts';
import { EXIT, UserError } from './errors.ts';
import { removePendingTempFiles } from './io/atomic.ts';
import { runInterruptHooks } from './util/interrupt.ts';


/** The message on one line: control characters (a newline in a path) escaped as \\n, \\t, \\uXXXX. */
function oneLine(msg: string): string {
  const esc: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return msg.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => esc[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function exitCodeOf(e: unknown): number {
  return userErrorCode(e) ?? EXIT.INTERNAL;
}

const HELP = `nanobragg-wasm: nanoBragg's diffraction image simulator on WebAssembly

usage:
  npx tsx src/cli.ts simulate <nanoBragg flags>    simulate an image (see 'simulate --help')
  npx tsx src/cli.ts simulate --batch FILE | <flags> --series N   many images, one engine
  npx tsx src/cli.ts dataset plan|run|verify FILE  a sharded, resumable image dataset (README "Datasets")
  npx tsx src/cli.ts bench kernels|tricubic|absorption|loop|startup|compare ...   benchmarks and reports
  npx tsx src/cli.ts serve [--port N] [--host H]   the web page on http://127.0.0.1:8080/
  npx tsx src/cli.ts bundle [--out dist]            the library bundled for browsers, Node and Deno
`;

/** Runs one command line; `opts` are the drop-in command's (src/nanobragg-cli.ts: C's stdout). */
export async function main(argv: string[], opts: RunOptions = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  const debug = rest.includes('--debug');
  try {
    switch (cmd) {
      case 'simulate': {
        const args = parseSimArgs(rest);
        if (args.help) {
          process.stdout.write(usage());
          return EXIT.OK;
        }
        if (args.batch !== undefined || args.series !== undefined) {
          const { runBatch } = await import('./simulator/batch.ts');
          return await runBatch(rest, args);
        }
        return await runSimulate(rest, args, opts);
      }
      case 'serve': {
        const { serveMain } = await import('./serve.ts');
        return await serveMain(rest);
      }
      case 'bundle': {
        const { bundleMain } = await import('./serve.ts');
        return await bundleMain(rest);
      }
      case 'dataset': {
        const { datasetMain } = await import('./dataset/cli.ts');
        return await datasetMain(rest);
      }
      case 'bench': {
        const { benchMain } = await import('./bench/cli.ts');
        return await benchMain(rest);
      }
      case undefined:
        process.stdout.write(HELP);
        throw new UserError('missing command: use simulate, dataset, bench, serve or bundle (see --help)', EXIT.USAGE);
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return EXIT.OK;
      default:
        throw new UserError(`unknown command '${cmd}': use simulate, dataset, bench, serve or bundle (see --help)`, EXIT.USAGE);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // one line always: a line break inside (a path holding a newline) is shown escaped, not cut or obeyed
    process.stderr.write(`error: ${oneLine(msg)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return exitCodeOf(e);
  }
}

let stdoutFailure: string | undefined;

function safeStderr(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // stderr closed too: nothing left to tell
  }
}

/** Ends the process after a signal: temporary files removed, one line on stderr, the documented code. */
function stop(why: string, code: number): never {
  runInterruptHooks(why);
  removePendingTempFiles();
  // on a terminal, erase a progress bar so that the message starts its own line
  safeStderr(`${process.stderr.isTTY ? '\r\x1b[K' : ''}error: ${why}\n`);
  process.exit(code);
}

/** Runs the command line as this process: signals, a closed stdout and the exit code handled. */
export function runCli(argv: string[], run: (argv: string[]) => Promise<number> = main): void {
  // serve handles its own signals (closes the server, exit 0)
  if (argv[0] !== 'serve') {
    const codes = { SIGINT: EXIT.INTERRUPTED, SIGHUP: EXIT.HANGUP, SIGTERM: EXIT.TERMINATED } as const;
    for (const sig of Object.keys(codes) as (keyof typeof codes)[]) {
      process.on(sig, () => stop(`interrupted (${sig})`, codes[sig]));
    }
    // started through npx/tsx, a parent killed with -9 cannot forward a signal: a run whose parent is gone
    // stops instead of writing its outputs long after the caller saw it end
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('the parent process is gone', EXIT.HANGUP);
    }, 500).unref();
  }
  // a closed pipe (`| head -1`) or a full device on stdout stops the printing, not the run: the files are
  // still written; only a failure other than a closed pipe changes the exit code (to 4, an output failed)
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (stream === process.stdout && e.code !== 'EPIPE') stdoutFailure ??= e.code ?? String(e.message);
    });
  }
  run(argv).then((code) => {
    if (stdoutFailure && code === EXIT.OK) {
      safeStderr(`error: cannot write to standard output (${stdoutFailure}); the output files were written\n`);
      code = EXIT.OUTPUT;
    }
    process.exitCode = code;
  });
}

// run as `tsx src/cli.ts` (the compiled bin, src/bin/nanobragg.ts, calls runCli itself; its bundle holds this
// module under another file name, hence the check of this module's own name)
const invokedDirectly =
  /\/cli\.ts$/.test(import.meta.url) && !!process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (invokedDirectly) runCli(process.argv.slice(2));
