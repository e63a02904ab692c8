// Which images a shard makes. Shard I of N (I 0-based) makes the images whose index i has i % N == I: a
// round robin, so that images whose cost grows along the dataset (rising energies, more domains) spread
// evenly. The split never changes an image (its command line depends on the description and i only).
//
// I and N come from `--shard I/N`, or `--shard N` with I from the scheduler:
//   Slurm job arrays: I = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (so --array=0-11 and --array=1-12 both
//     give 0..11), N defaults to SLURM_ARRAY_TASK_COUNT; the array must have step 1.
//   Kubernetes Indexed Jobs: I = JOB_COMPLETION_INDEX (0-based already); N must be given (--shard N, the
//     Job's completions), since Kubernetes does not put the count in the environment.
// No --shard and no scheduler variable: shard 0/1, every image.

import { EXIT, UserError } from '../errors.ts';

export interface Shard {
  index: number;
  count: number;
  /** Where I came from: 'command line', 'SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX' or 'default'. */
  source: string;
}

const bad = (what: string) => new UserError(what, EXIT.USAGE);

function intOf(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw bad(`${what} must be an integer >= 0, got '${text}'`);
  return Number(text);
}

/** The shard of this process, from the --shard value (or undefined) and the environment. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard {
  let index: number | undefined;
  let count: number | undefined;
  let source = 'command line';
  if (flag !== undefined) {
    const m = /^(?:([^/]*)\/)?([^/]+)$/.exec(flag);
    if (!m) throw bad(`--shard '${flag}': write I/N (shard I of N, I from 0) or N (I from the scheduler)`);
    count = intOf(m[2], `--shard '${flag}': N`);
    if (m[1] !== undefined) index = intOf(m[1], `--shard '${flag}': I`);
  }
  if (index === undefined) {
    const slurm = env.SLURM_ARRAY_TASK_ID;
    const k8s = env.JOB_COMPLETION_INDEX;
    if (slurm !== undefined && slurm !== '') {
      if (env.SLURM_ARRAY_TASK_STEP !== undefined && env.SLURM_ARRAY_TASK_STEP !== '1') {
        throw bad(`SLURM_ARRAY_TASK_STEP is ${env.SLURM_ARRAY_TASK_STEP}: use an array with step 1 (e.g. --array=0-${(count ?? 2) - 1})`);
      }
      const min = env.SLURM_ARRAY_TASK_MIN ? intOf(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
      index = intOf(slurm, 'SLURM_ARRAY_TASK_ID') - min;
      if (count === undefined && env.SLURM_ARRAY_TASK_COUNT) count = intOf(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT');
      source = 'SLURM_ARRAY_TASK_ID';
    } else if (k8s !== undefined && k8s !== '') {
      index = intOf(k8s, 'JOB_COMPLETION_INDEX');
      if (count === undefined) throw bad('JOB_COMPLETION_INDEX is set but not the shard count: give --shard N (the Job\'s completions)');
      source = 'JOB_COMPLETION_INDEX';
    } else if (count !== undefined) {
      throw bad(`--shard ${flag}: no shard index (no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX here): write --shard I/${count}`);
    } else {
      return { index: 0, count: 1, source: 'default' };
    }
  }
  if (count === undefined || count < 1) throw bad(`the shard count must be >= 1, got ${count}`);
  if (index < 0 || index >= count) throw bad(`shard index ${index} (from ${source}) is not in 0..${count - 1} for ${count} shards`);
  return { index, count, source };
}

/** The image indices of a shard, ascending. */
export function shardImages(images: number, shard: Pick<Shard, 'index' | 'count'>): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < images; i += shard.count) out.push(i);
  return out;
}
