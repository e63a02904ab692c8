// The drop-in `nanoBragg` package bin (src/nanobragg-cli.ts: C's default output files and exit codes),
// compiled to JavaScript by scripts/build-cli.mjs, with the same signal and stdout handling as `nanobragg`.
import { runCli } from '../cli.ts';
import { nanoBraggMain } from '../nanobragg-cli.ts';

runCli(process.argv.slice(2), nanoBraggMain);
