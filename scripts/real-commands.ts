// Fills tests/fixtures/real-commands.json's and tests/fixtures/c-printout.json's 'c' fields with the C reference's results for each real command line:
// its exit code, stdout and the sha256 of every file it writes, run in an empty folder holding only the inputs.
//   npx tsx scripts/real-commands.ts [/path/to/nanoBragg]   (default /work/cref/nanoBragg-ref)
import { readFileSync, writeFileSync } from 'node:fs';
import { runC, FIXTURE, PRINTOUT_FIXTURE } from '../tests/helpers/real-commands-run.ts';

const bin = process.argv[2] ?? '/work/cref/nanoBragg-ref';
for (const file of [FIXTURE, PRINTOUT_FIXTURE]) {
  const fx = JSON.parse(readFileSync(file, 'utf8'));
  for (const c of fx.commands) {
    c.c = runC(bin, c);
    console.log(`${c.name}: rc ${c.c.rc}, ${Object.keys(c.c.files).join(' ')}`);
  }
  writeFileSync(file, JSON.stringify(fx, null, 1) + '\n');
}
