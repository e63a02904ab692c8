// `simulate`: parse, set up, run on the chosen backend, print C's summary, write the outputs.

import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
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

/**
 * Refuses, before any work, an output whose folder is missing or not writable, or that names a folder: such a run
 * would otherwise fail after the simulation, with the outputs before it already replaced. (Failures while writing,
 * e.g. a full disk, remain possible: each file is still all-or-nothing.)
 */
async function checkOutputs(a: SimArgs): Promise<void> {
  const outputs: [string, string | undefined][] = [
    ['-floatfile', a.floatfile], ['-intfile', a.intfile], ['-pgmfile', a.nopgm ? undefined : a.pgmfile],
    ['-noisefile', a.nonoise ? undefined : a.noisefile], ['--pngfile', a.pngfile],
  ];
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    const dir = dirname(path);
    const problem = await stat(dir).then(
      async (st) => {
        if (!st.isDirectory()) return `${dir} is not a directory`;
        if ((await stat(path).catch(() => null))?.isDirectory()) return 'is a directory';
        return access(dir, constants.W_OK).then(() => null, () => `permission denied (cannot create files in ${dir})`);
      },
      (e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' ? `directory ${dir} does not exist`
        : e.code === 'ENOTDIR' ? 'a component of the path is not a directory'
        : e.code === 'EACCES' ? 'permission denied'
        : String(e.message).split('\n')[0],
    );
    if (problem) throw new UserError(`cannot write ${flag} ${path}: ${problem}`, EXIT.OUTPUT);
  }
}

/** The first pixel that is not a finite, non-negative number, or -1. */
function firstBadPixel(image: Float32Array): number {
  for (let i = 0; i < image.length; i++) if (!(image[i] >= 0 && image[i] < Infinity)) return i;
  return -1;
}

export async function runSimulate(argv: string[], args: SimArgs): Promise<number> {
  const prepared = await prepareSimulation(argv);
  await checkOutputs(args);
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
  const bad = firstBadPixel(r.image);
  if (bad >= 0) {
    throw new UserError(
      `the image has pixels that are not finite, non-negative numbers (pixel slow ${Math.floor(bad / r.width)}, fast ${bad % r.width} = ${r.image[bad]}): ` +
        'the flag values overflow floating point (check -distance, -Xbeam/-Ybeam, -cell, -N, -default_F); no file written',
      EXIT.USAGE,
    );
  }
  for (const w of r.warnings) console.log(w.trimEnd());
  console.log(`interpolation: ${r.interpolation}`);
  const [mx, my] = r.stats.maxIndex >= 0 ? maxPosition(r.stats.maxIndex, r.width, sim.detector.pixel, sim.oversample) : [0, 0];
  console.log(`max_I = ${formatG(r.stats.maxI)}  at ${formatG(mx)} ${formatG(my)}`);
  console.log(`mean= ${formatG(r.stats.mean)} rms= ${formatG(r.stats.rms)} rmsd= ${formatG(r.stats.rmsd)}`);
  console.log(`${r.evaluations} evaluations in ${r.timings.loop_s.toFixed(3)} s`);
  const gpu = (r as { gpuTimings?: Record<string, number | string> }).gpuTimings;
  if (gpu) {
    const ms = (k: string) => `${(Number(gpu[k]) * 1000).toFixed(2)} ms`;
    console.log(`gpu: upload ${ms('upload_s')}, pre-pass ${ms('prepass_s')}, kernel ${ms('kernel_s')} (${gpu.kernel_clock}), ` +
      `statistics ${ms('stats_s')}, readback ${ms('readback_s')}; ${ms('wall_s')} in all`);
  }
  const { files, lines } = await encodeOutputs(sim, r);
  for (const l of lines) console.log(l);
  for (const f of files) {
    try {
      await writeFileAtomic(f.path, f.bytes);
    } catch (e) {
      const msg = (e as Error).message;
      const prefix = `cannot write ${f.path}: `;
      throw new UserError(`cannot write ${f.flag} ${f.path}: ${msg.startsWith(prefix) ? msg.slice(prefix.length) : msg}`, EXIT.OUTPUT);
    }
    console.log(`wrote ${f.path} (${f.bytes.length} bytes)`);
  }
  return EXIT.OK;
}
