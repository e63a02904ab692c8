// `simulate`: parse, set up, run on the chosen backend, print C's summary, write the outputs.

import type { SimArgs } from './args.ts';
import { createEngine, prepareSimulation, type EngineBackend } from './engine.ts';
import { encodeOutputs } from './outputs.ts';
import { maxPosition } from '../io/stats.ts';
import { formatG } from '../util/cformat.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { wasmSimdSupported } from '../wasm/loader.ts';
import { EXIT, UserError } from '../errors.ts';
import { HklError } from '../hkl.ts';

/** Picks the backend for `--backend`, saying why; refuses ones that cannot run here. */
export function chooseBackend(requested: SimArgs['backend']): { backend: EngineBackend; reason: string } {
  switch (requested) {
    case 'wasm':
      if (!wasmSimdSupported()) throw new UserError('backend wasm needs WebAssembly SIMD, which this runtime lacks: use --backend wasm-scalar', EXIT.RESOURCE);
      return { backend: 'wasm', reason: 'requested' };
    case 'wasm-scalar':
      return { backend: 'wasm-scalar', reason: 'requested' };
    case 'auto':
      return wasmSimdSupported()
        ? { backend: 'wasm', reason: 'auto: no GPU backend yet; WebAssembly SIMD available' }
        : { backend: 'wasm-scalar', reason: 'auto: no GPU backend yet; no WebAssembly SIMD in this runtime' };
    default:
      throw new UserError(`backend ${requested} is not available in this version: use --backend wasm, wasm-scalar or auto`, EXIT.RESOURCE);
  }
}

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
  const { backend, reason } = chooseBackend(args.backend);
  if (args.threads !== undefined && args.threads > 1) {
    console.log(`note: --threads ${args.threads} requested; this version runs single-threaded`);
  }
  let prepared;
  try {
    prepared = await prepareSimulation(argv);
  } catch (e) {
    if (e instanceof HklError) throw e;
    throw e;
  }
  const sim = prepared.sim;
  for (const m of sim.messages) console.log(m);
  for (const w of args.warnings) console.log(w);
  const engine = await createEngine({ backend, dtype: args.dtype });
  console.log(`backend: ${backend} (${engine.binary} binary, ${reason}), dtype ${args.dtype}`);
  const bar = progressBar(!args.noprogress && process.stderr.isTTY === true);
  const r = await engine.simulate(prepared, { onProgress: (f) => bar.update(f) });
  engine.dispose();
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
