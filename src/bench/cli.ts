// `bench kernels|tricubic|absorption|loop|startup|compare`: measure, check, and write the evidence (README "Benchmarks").
//
// Exit codes (src/errors.ts): 0 everything requested was measured or skipped with a reason; 1 a measurement
// failed (it threw, leaked, or its output was wrong) - the reports are still written; 2 bad command line;
// 3 unreadable or invalid report given to compare; 4 a report file could not be written; 5 nothing could be
// measured because every requested backend is unavailable here.

import os from 'node:os';
import { estimatePeakBytes, formatBytes } from './memory.ts';
import { join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { EXIT } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { findSameFile } from '../io/targets.ts';
import { allBackends, BACKEND_NAMES } from './backends.ts';
import type { BenchBackend, MeasurementRequest } from './backend.ts';
import { C_BINARY_ENV } from './c-reference.ts';
import { collectEnv, localMachineTag, summarizeEnv, type EnvReport } from './env.ts';
import { packageRoot } from '../util/package-root.ts';
import { CompareInputError, describeSources, loadReports, renderCompare } from './compare.ts';
import { kernelTargets, loopTargets } from './interpret.ts';
import { chartFor, renderMarkdown, table, ms } from './markdown.ts';
import { absorptionPlan, kernelsPlan, loopPlan, tricubicPlan } from './plans.ts';
import { DEFAULT_LOOP_CASES, LOOP_CASE_SPECS, LOOP_CASES, type LoopCase } from './workloads.ts';
import { createRunDir, json, RunLog, RunStatus, writeRunFile } from './report.ts';
import { runRequests } from './runner.ts';
import { SCHEMA_VERSION, validateReport, type BenchmarkName, type Dtype, type Report } from './schema.ts';

/** Replaceable parts, for tests (fake backends, a fixed environment, a fake clock). */
export interface BenchDeps {
  backends?: BenchBackend[];
  env?: () => EnvReport | Promise<EnvReport>;
  clock?: () => number;
  print?: (line: string) => void;
  printError?: (line: string) => void;
  now?: () => Date;
  /** Bytes of memory of this machine (default os.totalmem()): the run is refused when its estimate exceeds it. */
  totalMemory?: number;
}

export const USAGE = `usage: npx tsx src/cli.ts bench <command> [options]

commands:
  kernels      tricubic and capture-fraction evaluations/s, scalar and SIMD variants, in one run
  tricubic     batched tricubic kernel over size^2 Miller indices, and a whole size x size image with -interpolate
  absorption   whole images per layer count (-detector_thicksteps), with and without -oversample_thick
  loop         whole images of the loop workloads (--cases), the C program and the bin as whole processes
               beside the engines; ratios per core against C net of start-up, time-vs-size chart
  startup      a tiny (8x8) image as a whole process: the C program and the bin (out/bin/nanobragg.mjs)
  compare      side-by-side table of the same measurements from report folders or JSON files

options (kernels, tricubic, absorption, loop, startup):
  --sizes N...          detector sizes (pixels per side)       default 256 512 (kernels: 512)
  --repeats N           warm invocations after the cold one     default 5
  --backend B...|all    ${BACKEND_NAMES.join(', ')}
                        default all (kernels: wasm-scalar wasm); c-reference is the C program,
                        whole images only, timed as a process: set ${C_BINARY_ENV} to a serial
                        nanoBragg build (gcc -O2 -ffp-contract=off nanoBragg.c -lm, no OpenMP)
  --dtype f32|f64...    precision(s)                            default f32 f64
  --threads N           threads for wasm-threads                default: available cores
  --thicksteps N...     absorption: layer counts (default 1 2 5 10); tricubic: also time the image with N layers (default none)
  --layers N            kernels: capture-fraction layers        default 5
  --cases NAME...       loop: ${LOOP_CASES.filter((c) => c !== 'tiny').join(', ')}
                        default ${DEFAULT_LOOP_CASES.join(' ')} (startup: tiny)
  --out DIR             parent folder of the run folder         default reports
  --json PATH           also write the JSON report to PATH
  --md PATH             also write the Markdown report to PATH
compare: bench compare <folder|report.json>... [--out DIR] [--md PATH]
`;

class UsageError extends Error {}

type Arity = 'one' | 'list';
const COMMON: Record<string, Arity> = { sizes: 'list', repeats: 'one', backend: 'list', dtype: 'list', out: 'one', json: 'one', md: 'one' };
const OPTIONS: Record<string, Record<string, Arity>> = {
  kernels: { ...COMMON, layers: 'one' },
  tricubic: { ...COMMON, threads: 'one', thicksteps: 'list' },
  absorption: { ...COMMON, threads: 'one', thicksteps: 'list' },
  loop: { ...COMMON, threads: 'one', cases: 'list' },
  startup: { ...COMMON, threads: 'one', cases: 'list' },
  compare: { out: 'one', md: 'one' },
};

export interface ParsedArgs {
  command: string;
  options: Map<string, string[]>;
  positional: string[];
}

export function parseBenchArgs(argv: string[]): ParsedArgs {
  const args = argv[0] === 'bench' ? argv.slice(1) : argv;
  const [command, ...rest] = args;
  if (!command || !(command in OPTIONS)) throw new UsageError(command ? `unknown bench command '${command}'` : 'missing bench command');
  const allowed = OPTIONS[command];
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) {
      if (command !== 'compare') throw new UsageError(`unexpected argument '${a}'`);
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    const arity = allowed[name];
    if (!arity) throw new UsageError(`unknown option --${name} for bench ${command}`);
    const values: string[] = inline !== undefined ? inline.split(/[ ,]+/).filter(Boolean) : [];
    if (inline === undefined) while (i + 1 < rest.length && !rest[i + 1].startsWith('--')) values.push(rest[++i]);
    if (!values.length) throw new UsageError(`--${name} needs a value`);
    if (arity === 'one' && values.length > 1) throw new UsageError(`--${name} takes one value, got ${values.join(' ')}`);
    if (options.has(name)) throw new UsageError(`--${name} given twice`);
    options.set(name, values);
  }
  return { command, options, positional };
}

function ints(name: string, vs: string[], min: number, max: number): number[] {
  return vs.map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name}: '${v}' is not an integer in ${min}..${max}`);
    return n;
  });
}

export interface BenchOptions {
  benchmark: BenchmarkName;
  sizes: number[];
  repeats: number;
  backends: string[];
  /** --backend all (or no --backend): every backend of the registry, whatever its names. */
  allBackends: boolean;
  dtypes: Dtype[];
  threads: number;
  threadsExplicit: boolean;
  thicksteps: number[];
  layers: number;
  /** loop / startup: the whole-image workloads. */
  cases: LoopCase[];
  out: string;
  json?: string;
  md?: string;
}

export function benchOptions(p: ParsedArgs): BenchOptions {
  const o = p.options;
  const benchmark = p.command as BenchmarkName;
  const backendArgs = o.get('backend') ?? (benchmark === 'kernels' ? ['wasm-scalar', 'wasm'] : ['all']);
  const backends = backendArgs.includes('all') ? [...BACKEND_NAMES] : backendArgs;
  for (const b of backends) {
    if (!(BACKEND_NAMES as readonly string[]).includes(b)) throw new UsageError(`--backend: unknown backend '${b}' (${BACKEND_NAMES.join(', ')}, all)`);
  }
  const dtypes = (o.get('dtype') ?? ['f32', 'f64']) as Dtype[];
  for (const d of dtypes) if (d !== 'f32' && d !== 'f64') throw new UsageError(`--dtype: '${d}' is not f32 or f64`);
  return {
    benchmark,
    sizes: [...new Set(ints('sizes', o.get('sizes') ?? (benchmark === 'kernels' ? ['512'] : benchmark === 'startup' ? ['8'] : ['256', '512']), 2, 8192))],
    repeats: ints('repeats', o.get('repeats') ?? ['5'], 1, 10_000)[0],
    backends: [...new Set(backends)],
    allBackends: backendArgs.includes('all'),
    dtypes: [...new Set(dtypes)],
    threads: o.has('threads') ? ints('threads', o.get('threads')!, 1, 1024)[0] : os.availableParallelism(),
    threadsExplicit: o.has('threads'),
    // absorption: layer counts to sweep; tricubic: optional absorption layers added to the image case (none by default)
    thicksteps: [...new Set(ints('thicksteps', o.get('thicksteps') ?? (benchmark === 'absorption' ? ['1', '2', '5', '10'] : []), 1, 1000))],
    layers: ints('layers', o.get('layers') ?? ['5'], 2, 1000)[0],
    cases: loopCases(benchmark, o.get('cases')),
    out: o.get('out')?.[0] ?? 'reports',
    json: o.get('json')?.[0],
    md: o.get('md')?.[0],
  };
}

const COLD_DEFINITION =
  'the first invocation on a fresh backend instance, timed from the start of instance creation (WebAssembly ' +
  'instantiation, or adapter/device/pipeline creation on a GPU, plus uploading the inputs) to the end of the first ' +
  'run; the module is compiled once per process before any measurement and that compile time is reported ' +
  'separately (compile_s). V8 compiles WebAssembly function bodies lazily (baseline code on first call, optimised ' +
  'code once hot), so the first run also carries that. Each result names what its cold time includes ' +
  '(cold_includes) and splits it into instance creation and first run (cold_split).';

/** Times WebAssembly.compile of each binary from its bytes (not cached), so cold times need not include it. */
async function timeCompile(binaries: Set<string>, clock: () => number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const b of binaries) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(packageRoot(), 'build', `${b}.wasm`));
    } catch {
      continue; // the measurements report the missing build
    }
    const t0 = clock();
    try {
      await WebAssembly.compile(bytes as BufferSource);
      out[b] = clock() - t0;
    } catch {
      // invalid binary: the measurements report it
    }
  }
  return out;
}

function loopCases(benchmark: BenchmarkName, given: string[] | undefined): LoopCase[] {
  if (benchmark !== 'loop' && benchmark !== 'startup') return [];
  const names = given ?? (benchmark === 'startup' ? ['tiny'] : [...DEFAULT_LOOP_CASES]);
  for (const n of names) {
    if (!(n in LOOP_CASE_SPECS)) throw new UsageError(`--cases: unknown workload '${n}' (${LOOP_CASES.join(', ')})`);
  }
  return [...new Set(names)] as LoopCase[];
}

function planFor(o: BenchOptions): MeasurementRequest[] {
  const p = { sizes: o.sizes, dtypes: o.dtypes, threads: o.threads, thicksteps: o.thicksteps, layers: o.layers, cases: o.cases };
  if (o.benchmark === 'loop' || o.benchmark === 'startup') return loopPlan(p, o.benchmark);
  return o.benchmark === 'tricubic' ? tricubicPlan(p) : o.benchmark === 'absorption' ? absorptionPlan(p) : kernelsPlan(p);
}

function commandLine(argv: string[]): string[] {
  return ['npx', 'tsx', 'src/cli.ts', 'bench', ...(argv[0] === 'bench' ? argv.slice(1) : argv)];
}

async function measureCommand(o: BenchOptions, argv: string[], deps: BenchDeps): Promise<number> {
  const print = deps.print ?? ((l: string) => process.stdout.write(l + '\n'));
  const clock = deps.clock ?? (() => performance.now() / 1000);
  const env = await (deps.env ?? (() => collectEnv()))();
  const summary = summarizeEnv(env);
  const printError = deps.printError ?? ((l: string) => process.stderr.write(l + '\n'));
  const clash = await findSameFile([], [['--json', o.json], ['--md', o.md]]);
  if (clash) {
    printError(`error: ${clash}`);
    return EXIT.USAGE;
  }
  const plan = planFor(o);
  const peak = estimatePeakBytes(plan);
  const memory = deps.totalMemory ?? os.totalmem();
  if (peak > memory) {
    printError(`error: this run needs about ${formatBytes(peak)} of memory at its largest size (estimate, src/bench/memory.ts), more than the ${formatBytes(memory)} of this machine: give smaller --sizes`);
    return EXIT.RESOURCE;
  }
  const runDir = runFolder(o.out, env.machine_tag, deps);
  if (runDir === null) return EXIT.OUTPUT;
  const status = new RunStatus(runDir);
  const log = new RunLog(join(runDir, 'run_log.txt'), print);
  const command = commandLine(argv);
  log.line(`$ ${command.join(' ')}`);
  log.line(`run folder: ${runDir}`);
  log.line(`machine ${summary.machine_tag}: ${summary.cpu_model}, ${summary.cores} cores, Node ${summary.node}, git ${summary.git_sha ?? '?'}${summary.git_dirty ? ' (dirty)' : ''}`);
  log.line(`WebAssembly SIMD ${summary.wasm_simd ? 'yes' : 'no'}, threads ${summary.wasm_threads ? 'yes' : 'no'}; GPU: ${summary.gpu}`);
  log.line(`estimated peak memory: about ${formatBytes(peak)} (largest size ${Math.max(...plan.map((r) => r.size))}^2; this machine has ${formatBytes(memory)})`);

  let code: number = EXIT.OK;
  let failure: string | undefined;
  try {
    await writeRunFile(runDir, 'env.json', json(env));
    const registry = deps.backends ?? allBackends(() => env.gpu);
    // registry order, not command-line order: a backend that compares its output with another's runs after it
    const backends = o.allBackends ? registry : registry.filter((b) => o.backends.includes(b.name));
    const compile_s = await timeCompile(new Set(backends.flatMap((b) => b.binaries ?? [])), clock);
    for (const [b, s] of Object.entries(compile_s)) log.line(`WebAssembly.compile build/${b}.wasm: ${ms(s)} ms`);
    const gc = (globalThis as { gc?: () => void }).gc;

    const outcome = await runRequests(backends, plan, {
      repeats: o.repeats, clock, log: log.line, threadsExplicit: o.threadsExplicit, ...(gc ? { betweenRuns: gc } : {}),
    });
    for (const b of o.allBackends ? [] : o.backends.filter((n) => !registry.some((r) => r.name === n))) {
      outcome.skipped.push({ backend: b, reason: 'not in this benchmark registry' });
    }
    const report = assembleReport(o, command, env, summary, outcome, compile_s, !!gc, deps.now?.() ?? new Date());
    const problems = validateReport(report);
    if (problems.length) {
      report.notes.push(`report does not validate: ${problems.join('; ')}`);
      log.line(`BUG: the report does not validate against its schema: ${problems.join('; ')}`);
      code = EXIT.INTERNAL;
    }

    const name = await writeReports(report, runDir, o);
    logSummary(report, log.line);
    log.line(`wrote ${join(runDir, name)}.json, .md, .svg, env.json${o.json ? `, ${o.json}` : ''}${o.md ? `, ${o.md}` : ''}`);
    log.line(`${report.results.length} measured, ${report.skipped.length} skipped, ${report.failures.length} failed`);
    if (report.failures.length) code = EXIT.INTERNAL;
    else if (!report.results.length && code === EXIT.OK) {
      code = EXIT.RESOURCE;
      log.line('nothing could be measured: every requested backend is unavailable here (see skipped)');
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    failure = `error: ${String(err.message).split('\n')[0]}`;
    log.line(failure);
    code = /^cannot (write|append)/.test(err.message ?? '') ? EXIT.OUTPUT : EXIT.INTERNAL;
  }
  try {
    await log.flush();
  } catch (e) {
    failure ??= `error: ${(e as Error).message}`;
    if (code === EXIT.OK) code = EXIT.OUTPUT;
  }
  // one line on stderr: the first thing that went wrong (a full disk also fails the log appends after it)
  if (failure) printError(failure);
  try {
    status.finish(code, failure ?? (code === EXIT.OK ? 'complete' : 'see run_log.txt'));
  } catch {
    // a folder that cannot take the status file has already failed the log above
  }
  return code;
}

/** The report of one run: the options, the environment, the outcome and the targets measured in it. */
function assembleReport(
  o: BenchOptions, command: string[], env: EnvReport, summary: Report['env'], outcome: Awaited<ReturnType<typeof runRequests>>,
  compile_s: Record<string, number>, gcBetweenRuns: boolean, created: Date,
): Report {
  const report: Report = {
    schema_version: SCHEMA_VERSION,
    benchmark: o.benchmark,
    command,
    created: created.toISOString(),
    machine_tag: env.machine_tag,
    env: summary,
    options: {
      sizes: o.sizes, repeats: o.repeats, backends: o.backends, dtypes: o.dtypes, threads: o.threads,
      ...((o.benchmark === 'tricubic' || o.benchmark === 'absorption') && o.thicksteps.length ? { thicksteps: o.thicksteps } : {}),
      ...(o.cases.length ? { cases: o.cases } : {}),
      ...(o.benchmark === 'kernels' ? { layers: o.layers } : {}),
      gc_between_runs: gcBetweenRuns,
    },
    cold_definition: COLD_DEFINITION,
    results: outcome.results,
    skipped: outcome.skipped,
    failures: outcome.failures,
    notes: outcome.notes,
    ...(o.benchmark === 'kernels' ? { targets: kernelTargets(outcome.results) } : {}),
    ...(Object.keys(compile_s).length ? { compile_s } : {}),
  };
  if (o.benchmark === 'loop' || o.benchmark === 'startup') report.targets = loopTargets(report);
  return report;
}

/** The report as JSON, Markdown and SVG in the run folder (and the --json/--md copies); returns the files' stem. */
async function writeReports(report: Report, runDir: string, o: BenchOptions): Promise<string> {
  const name = `${o.benchmark}_baseline`;
  const md = renderMarkdown(report, { svgFile: `${name}.svg` });
  await writeRunFile(runDir, `${name}.svg`, chartFor(report));
  await writeRunFile(runDir, `${name}.json`, json(report));
  await writeRunFile(runDir, `${name}.md`, md);
  if (o.json) await writeFileAtomic(resolve(o.json), json(report));
  if (o.md) await writeFileAtomic(resolve(o.md), md);
  return name;
}

/** The results table and the targets, as the run's last lines. */
function logSummary(report: Report, line: (text: string) => void): void {
  if (report.results.length) {
    line('');
    line(table(
      ['backend', 'dtype', 'size', 'workload', 'warm median ms', 'M evals/s'],
      report.results.map((r) => [r.backend + (r.variant ? ` ${r.variant}` : ''), r.dtype, r.size,
        r.workload === 'kernel' ? `${r.kernel} kernel` : r.case ? `image ${r.case}` : r.thicksteps !== undefined ? `image n=${r.thicksteps}${r.oversample_thick ? ' ovthick' : ''}` : 'image',
        ms(r.stats.median), (r.throughput.evals_per_s / 1e6).toFixed(2)]),
    ));
  }
  for (const t of report.targets ?? []) {
    line(`target ${t.name}: ${t.measured === null ? 'not measured' : `${t.measured.toFixed(2)} ${t.unit}`} (goal ${t.at_most ? '<=' : '>='} ${t.goal} ${t.unit}: ${t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met'}; ${t.detail})`);
  }
}

/** A new run folder under `out`, or null after one line on stderr when it cannot be created. */
function runFolder(out: string, tag: string, deps: BenchDeps): string | null {
  try {
    return createRunDir(resolve(out), tag, deps.now?.() ?? new Date());
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOTDIR' ? 'a component of the path is not a directory'
      : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
      : err.code === 'ENOSPC' ? 'no space left on device (disk full)'
      : err.code === 'EROFS' ? 'read-only file system'
      : String(err.message).split('\n')[0];
    (deps.printError ?? ((l: string) => process.stderr.write(l + '\n')))(`error: cannot create a report folder under ${out}: ${why}`);
    return null;
  }
}

async function compareCommand(p: ParsedArgs, argv: string[], deps: BenchDeps): Promise<number> {
  const print = deps.print ?? ((l: string) => process.stdout.write(l + '\n'));
  if (!p.positional.length) throw new UsageError('compare needs report folders or JSON files');
  const clash = await findSameFile(p.positional.map((f) => ['the compare input', f] as [string, string]), [['--md', p.options.get('md')?.[0]]]);
  if (clash) {
    (deps.printError ?? ((l: string) => process.stderr.write(l + '\n')))(`error: ${clash}`);
    return EXIT.USAGE;
  }
  let sources;
  try {
    sources = loadReports(p.positional);
  } catch (e) {
    if (e instanceof CompareInputError) {
      (deps.printError ?? ((l: string) => process.stderr.write(l + '\n')))(`error: ${e.message}`);
      return EXIT.INPUT;
    }
    throw e;
  }
  const command = commandLine(argv);
  const md = renderCompare(sources, command);
  const tag = deps.env ? (await deps.env()).machine_tag : localMachineTag();
  const runDir = runFolder(p.options.get('out')?.[0] ?? 'reports', tag, deps);
  if (runDir === null) return EXIT.OUTPUT;
  const log = new RunLog(join(runDir, 'run_log.txt'), print);
  log.line(`$ ${command.join(' ')}`);
  log.line(`sources: ${describeSources(sources)}`);
  log.line(md);
  try {
    await writeRunFile(runDir, 'compare.md', md);
    const mdPath = p.options.get('md')?.[0];
    if (mdPath) await writeFileAtomic(resolve(mdPath), md);
    log.line(`wrote ${join(runDir, 'compare.md')}${mdPath ? ` and ${mdPath}` : ''}`);
    await log.flush();
  } catch (e) {
    (deps.printError ?? ((l: string) => process.stderr.write(l + '\n')))(`error: ${(e as Error).message}`);
    return EXIT.OUTPUT;
  }
  return EXIT.OK;
}

/** Entry point of `npx tsx src/cli.ts bench ...`; `argv` starts with the bench command. Returns the exit code. */
export async function benchMain(argv: string[], deps: BenchDeps = {}): Promise<number> {
  const printError = deps.printError ?? ((l: string) => process.stderr.write(l + '\n'));
  const print = deps.print ?? ((l: string) => process.stdout.write(l + '\n'));
  const args = argv[0] === 'bench' ? argv.slice(1) : argv;
  if (!args.length || args[0] === '--help' || args[0] === '-h' || args[0] === 'help' || args.includes('--help')) {
    print(USAGE);
    if (args.length) return EXIT.OK;
    printError('error: missing bench command: kernels, tricubic, absorption, loop, startup or compare');
    return EXIT.USAGE;
  }
  try {
    const p = parseBenchArgs(args);
    if (p.command === 'compare') return await compareCommand(p, args, deps);
    return await measureCommand(benchOptions(p), args, deps);
  } catch (e) {
    if (e instanceof UsageError) {
      printError(`error: ${e.message} (see 'bench --help')`);
      return EXIT.USAGE;
    }
    throw e;
  }
}
