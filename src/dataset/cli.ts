// `nanobragg dataset plan|run|verify FILE [options]` (README "Datasets"). Loaded only for `dataset`.
// Relative paths in the description are relative to its folder: the command works from there.

import { dirname, resolve, basename } from 'node:path';
import { BACKEND_CHOICES, type Backend } from '../backends/names.ts';
import { EXIT, UserError } from '../errors.ts';
import { readDescription, type DatasetDescription } from './description.ts';
import { planDataset } from './plan.ts';
import { resolveShard, type Shard } from './shard.ts';
import { runShard } from './run.ts';
import { verifyDataset } from './verify.ts';

const HELP = `usage:
  nanobragg dataset plan FILE [--gpu] [--calibrate-seconds S] [--threads N]
      image count, evaluations and the estimated time per backend here (a short calibration run)
  nanobragg dataset run FILE [--shard I/N | --shard N] [--backend B] [--threads N]
      makes shard I of N (I from 0; with --shard N, I from SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN
      or JOB_COMPLETION_INDEX); skips images already made; writes manifest-shard-I-of-N.json
  nanobragg dataset verify FILE
      checks every image against the manifests (missing, corrupt), writes the merged manifest.json
`;

/** The options each subcommand takes, and whether they take a value. */
const OPTIONS: Record<string, Record<string, boolean>> = {
  plan: { '--gpu': false, '--calibrate-seconds': true, '--threads': true },
  run: { '--shard': true, '--backend': true, '--threads': true, '--quiet': false },
  verify: {},
};

function parseOptions(sub: string, argv: string[]): { file: string; opts: Map<string, string | true> } {
  const known = OPTIONS[sub];
  const opts = new Map<string, string | true>();
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    let tok = argv[i];
    let inline: string | undefined;
    if (tok.startsWith('--') && tok.includes('=')) [tok, inline] = [tok.slice(0, tok.indexOf('=')), tok.slice(tok.indexOf('=') + 1)];
    if (tok === '--debug') continue;
    if (tok.startsWith('-') && tok !== '-') {
      if (!(tok in known)) throw new UserError(`dataset ${sub}: unknown option '${tok}' (${Object.keys(known).join(', ') || 'none'})`, EXIT.USAGE);
      if (!known[tok]) opts.set(tok, true);
      else {
        const v = inline ?? argv[++i];
        if (v === undefined || v === '') throw new UserError(`dataset ${sub}: option '${tok}' needs a value`, EXIT.USAGE);
        opts.set(tok, v);
      }
    } else if (file === undefined) file = tok;
    else throw new UserError(`dataset ${sub}: unexpected argument '${tok}' (one description file)`, EXIT.USAGE);
  }
  if (file === undefined) throw new UserError(`dataset ${sub}: give the dataset description (a JSON file)`, EXIT.USAGE);
  return { file, opts };
}

function positiveInt(name: string, v: string | true | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`option '${name}' must be an integer >= 1, got '${v}'`, EXIT.USAGE);
  return Number(v);
}

export async function datasetMain(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    process.stdout.write(HELP);
    throw new UserError('dataset: give a command: plan, run or verify (see dataset --help)', EXIT.USAGE);
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return EXIT.OK;
  }
  if (!(sub in OPTIONS)) throw new UserError(`unknown dataset command '${sub}': use plan, run or verify`, EXIT.USAGE);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return EXIT.OK;
  }
  const { file, opts } = parseOptions(sub, rest);
  const threads = positiveInt('--threads', opts.get('--threads'));
  const backend = opts.get('--backend');
  if (backend !== undefined && !(BACKEND_CHOICES as readonly unknown[]).includes(backend)) {
    throw new UserError(`option '--backend' value '${String(backend)}' is not one of ${BACKEND_CHOICES.join(', ')}`, EXIT.USAGE);
  }
  // resolve the shard before reading anything: a bad --shard or scheduler variable fails at once
  const shard = sub === 'run' ? resolveShard(opts.get('--shard') as string | undefined) : undefined;
  const path = resolve(file);
  const desc = await readDescription(file);
  desc.file = basename(path);
  const cwd = process.cwd();
  process.chdir(dirname(path));
  try {
    return await subcommand(sub, desc, opts, shard, backend as Backend | undefined, threads);
  } finally {
    process.chdir(cwd); // in-process callers (tests, main()) keep their folder
  }
}

async function subcommand(
  sub: string, desc: DatasetDescription, opts: Map<string, string | true>, shard: Shard | undefined, backend: Backend | undefined, threads: number | undefined,
): Promise<number> {
  switch (sub) {
    case 'plan': {
      const s = opts.get('--calibrate-seconds');
      const seconds = s === undefined ? undefined : Number(s);
      if (seconds !== undefined && !(seconds >= 0 && seconds <= 600)) throw new UserError(`option '--calibrate-seconds' must be 0..600, got '${String(s)}'`, EXIT.USAGE);
      await planDataset(desc, { gpu: opts.has('--gpu'), ...(seconds !== undefined ? { seconds } : {}), ...(threads ? { threads } : {}) });
      return EXIT.OK;
    }
    case 'run': {
      await runShard(desc, {
        shard: shard!, ...(backend ? { backend } : {}), ...(threads ? { threads } : {}),
        ...(opts.has('--quiet') ? { log: (l: string) => (l.startsWith('image ') ? undefined : console.log(l)) } : {}),
      });
      return EXIT.OK;
    }
    default: {
      const r = await verifyDataset(desc);
      const bad = [...r.problems].map(([p, l]) => `${l.length} ${p}`);
      if (bad.length) throw new UserError(`dataset ${desc.file} is not complete: ${bad.join(', ')} (see above)`, EXIT.INPUT);
      return EXIT.OK;
    }
  }
}
