// The `nanobragg` package bin: the same command line as src/cli.ts, compiled to JavaScript by
// scripts/build-cli.mjs. `bench` gets the engine module through a static-free dynamic import here, because
// the compiled chunks have no src/simulator/engine.ts to import by URL.
import { runCli } from '../cli.ts';

const argv = process.argv.slice(2);
if (argv[0] === 'bench') {
  const [{ provideEngine }, engine] = await Promise.all([import('../bench/image-case.ts'), import('../simulator/engine.ts')]);
  provideEngine(engine);
}
runCli(argv);
