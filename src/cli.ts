#!/usr/bin/env -S npx tsx
// nanobragg-wasm command line.
//   npx tsx src/cli.ts simulate <nanoBragg flags> [--backend ...] [--dtype f32|f64]
//   npx tsx src/cli.ts bench <kernels|tricubic|absorption|compare> ...
// Every failure a user can cause ends with one line on stderr and a documented exit code
// (README "Errors and exit codes"); --debug adds the stack trace.

import { ArgError, parseSimArgs, usage } from './simulator/args.ts';
import { SetupError } from './simulator/setup.ts';
import { HklError } from './hkl.ts';
import { runSimulate } from './simulator/run.ts';
import { EXIT, UserError } from './errors.ts';
import { removePendingTempFiles } from './io/atomic.ts';


function exitCodeOf(e: unknown): number {
  if (e instanceof UserError) return e.code;
  if (e instanceof ArgError || e instanceof SetupError) return EXIT.USAGE;
  if (e instanceof HklError) return EXIT.INPUT;
  return EXIT.INTERNAL;
}

const HELP = `nanobragg-wasm: nanoBragg's diffraction image simulator on WebAssembly

usage:
  npx tsx src/cli.ts simulate <nanoBragg flags>    simulate an image (see 'simulate --help')
  npx tsx src/cli.ts bench kernels|tricubic|absorption|compare ...   benchmarks and reports
  npx tsx src/cli.ts serve [--port N] [--host H]   the web page on http://127.0.0.1:8080/
  npx tsx src/cli.ts bundle [--out dist]            the library bundled for browsers, Node and Deno
`;

export async function main(argv: string[]): Promise<number> {
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
        return await runSimulate(rest, args);
      }
      case 'serve': {
        const { serveMain } = await import('./serve.ts');
        return await serveMain(rest);
      }
      case 'bundle': {
        const { bundleMain } = await import('./serve.ts');
        return await bundleMain(rest);
      }
      case 'bench': {
        const { benchMain } = await import('./bench/cli.ts');
        return await benchMain(rest);
      }
      case undefined:
        process.stdout.write(HELP);
        throw new UserError('missing command: use simulate, bench, serve or bundle (see --help)', EXIT.USAGE);
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return EXIT.OK;
      default:
        throw new UserError(`unknown command '${cmd}': use simulate, bench, serve or bundle (see --help)`, EXIT.USAGE);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${msg.split('\n')[0]}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return exitCodeOf(e);
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (invokedDirectly) {
  // serve handles Ctrl-C itself (closes the server, exit 0)
  if (process.argv[2] !== 'serve') process.on('SIGINT', () => {
    removePendingTempFiles();
    // on a terminal, erase a progress bar so that the message starts its own line
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}error: interrupted (SIGINT)\n`);
    process.exit(EXIT.INTERRUPTED);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
