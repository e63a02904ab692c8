// `simulate`: parse, set up, run on the chosen backend, print C's summary, write the outputs.

import type { SimArgs } from './args.ts';
import { prepareSimulation } from './engine.ts';
import { startBackend, closeEngine } from '../index.ts';
import { encodeOutputs } from './outputs.ts';
import { maxPosition } from '../io/stats.ts';
import { formatG } from '../util/cformat.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { EXIT, UserError } from '../errors.ts';

function progressBar(enabled: boolean) {
  const start = Date.now();
  let last = 0;
  return {
    update(f: number) {
      if (!enabled) return;
      const now = Date.now();
      if (f < 1 && now - last < 200) return;
      last = now;
      const elapsed = (now - start) / 1000;
      const eta = f > 0 ? elapsed * (1 - f) / f : 0;
      const width = 30;
      const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
      process.stderr.write(`\r[${bar}] ${(f * 100).toFixed(0).padStart(3)}%  ${elapsed.toFixed(1)} s, ~${eta.toFixed(1)} s left `);
      if (f >= 1) process.stderr.write('\n');
    },
  };
}

export async function runSimulate(argv: string[], args: SimArgs): Promise<number> {
  const prepared = await prepareSimulation(argv);
  const sim = prepared.sim;
  for (const m of sim.messages) console.log(m);
  for (const w of args.warnings) console.log(w);
  let started;
  try {
    started = await startBackend({ backend: args.backend, dtype: args.dtype, threads: args.threads });
  } catch (e) {
    throw new UserError((e as Error).message, EXIT.RESOURCE);
  }
  const { engine, reason } = started;
  console.log(`backend: ${engine.backend} (${engine.binary}), dtype ${args.dtype}; ${reason}`);
  const bar = progressBar(!args.noprogress && process.stderr.isTTY === true);
  let r;
  try {
    r = await engine.simulate(prepared, { onProgress: (f) => bar.update(f) });
  } finally {
    await closeEngine(engine);
  }
  for (const w of r.warnings) console.log(w.trimEnd());
  console.log(`interpolation: ${r.interpolation}`);
  const [mx, my] = r.stats.maxIndex >= 0 ? maxPosition(r.stats.maxIndex, r.width, sim.detector.pixel, sim.oversample) : [0, 0];
  console.log(`max_I = ${formatG(r.stats.maxI)}  at ${formatG(mx)} ${formatG(my)}`);
  console.log(`mean= ${formatG(r.stats.mean)} rms= ${formatG(r.stats.rms)} rmsd= ${formatG(r.stats.rmsd)}`);
  console.log(`${r.evaluations} evaluations in ${r.timings.loop_s.toFixed(3)} s`);
  const { files, lines } = await encodeOutputs(sim, r);
  for (const l of lines) console.log(l);
  for (const f of files) {
    try {
      await writeFileAtomic(f.path, f.bytes);
    } catch (e) {
      throw new UserError(`cannot write ${f.flag} ${f.path}: ${(e as Error).message}`, EXIT.OUTPUT);
    }
    console.log(`wrote ${f.path} (${f.bytes.length} bytes)`);
  }
  return EXIT.OK;
}
