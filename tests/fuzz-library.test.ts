// Fuzzing the library's friendly config (src/index.ts SimulationConfig, configToArgv, prepareInput and
// Simulator.simulate with its call options): thousands of mutations of a valid tiny config (8 x 8 detector) -
// fields replaced by values of the wrong type (the string 'false', arrays of the wrong length, null, NaN,
// Infinity, objects, an ArrayBuffer, a BigInt, a Symbol, a function, 'toString') or by unusual values of the right
// type (negative, zero, huge), fields deleted, unknown fields added. An oracle written from the SimulationConfig
// documentation says which fields have a wrong type. Then:
//   - a field of the wrong type (or an unknown field) is a TypeError, one line, naming `config.<field>` (or the
//     unknown key) of one of the wrong fields - never coerced: 'false' is not true, [16] is not a detector size;
//   - a config of the right types becomes an argv of strings in which every field given appears as its flag and
//     its value as String(value) reads it back (no silent change of meaning);
//   - its setup (prepareInput) ends in a simulation or a clean one-line ArgError / SetupError / HklError /
//     InputFileError / UserError (an ArgError names its flag), never another exception (a RangeError such as a stack
//     overflow included);
//   - a bounded subset of the small ones is simulated (wasm backend) with random call options (borrow, into,
//     outputs, onProgress, also of the wrong type): the image has the requested width x height and only finite,
//     non-negative pixels, or the call options are refused with a one-line TypeError/RangeError naming the option;
//   - simulator options (createSimulator: backend, dtype, threads) mutated the same way: a one-line TypeError
//     naming the wrong option (a misspelt key included) before any backend starts.
//
//   FUZZ_SEED=123 FUZZ_N=20000 npx tsx node_modules/uvu/bin.js tests fuzz-library    another seed / more inputs

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgError, configToArgv, createSimulator, HklError, InputFileError, prepareInput, type SimulationConfig, type Simulator } from '../src/index.ts';
import { SetupError, resolvePhi } from '../src/simulator/setup.ts';
import { parseSimArgs } from '../src/simulator/args.ts';
import { resolveSpread } from '../src/physics/sources.ts';
import { UserError } from '../src/errors.ts';
import { evaluationCount } from '../src/simulator/engine.ts';
import { XorShift32 } from './helpers/cli.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x11b5_2025) >>> 0;
const N = Number(process.env.FUZZ_N ?? 10_000);
/** Setup is skipped for configs with more sources or crystal orientations than this (legal, but slow to set up). */
const MAX_SETUP_WORK = 20_000;
/** Configs simulated, and the most evaluations one of them may take. */
const RUNS = Math.max(40, Math.round(N / 25));
const MAX_EVALUATIONS = 20_000;

// ------------------------------------------------------------------------------------------------ the config's types

type Kind = 'num' | 'bool' | 'numOrFalse' | 'cell' | 'detpixels' | 'pair' | 'triple' | 'missetDeg' | 'absUm' | 'shape' | 'convention'
  | 'hkl' | 'str' | 'roi' | 'strings';

/** Each field of SimulationConfig and the flag(s) it becomes (src/index.ts). */
const FIELDS: Record<keyof SimulationConfig, [Kind, ...string[]]> = {
  cell: ['cell', '-cell'], N: ['num', '-N'], Na: ['num', '-Na'], Nb: ['num', '-Nb'], Nc: ['num', '-Nc'], lambdaA: ['num', '-lambda'],
  distanceMm: ['num', '-distance'], pixelMm: ['num', '-pixel'], detpixels: ['detpixels', '-detpixels', '-detpixels_f', '-detpixels_s'],
  beamMm: ['pair', '-Xbeam', '-Ybeam'], hkl: ['hkl', '-hkl'], hklPath: ['str', '-hkl'], defaultF: ['num', '-default_F'],
  interpolate: ['bool', '-interpolate', '-nointerpolate'], oversample: ['num', '-oversample'], detectorThickUm: ['num', '-detector_thick'],
  detectorAbsUm: ['absUm', '-detector_abs'], thicksteps: ['num', '-detector_thicksteps'], oversampleThick: ['bool', '-oversample_thick'],
  polarization: ['numOrFalse', '-polar', '-nopolar'], pointPixel: ['bool', '-point_pixel'], shape: ['shape'], phiDeg: ['num', '-phi'],
  oscDeg: ['num', '-osc'], phistepDeg: ['num', '-phistep'], phisteps: ['num', '-phisteps'], mat: ['str', '-mat'], matPath: ['str', '-mat'],
  missetDeg: ['missetDeg', '-misset'], missetSeed: ['num', '-misset_seed'], mosaicDeg: ['num', '-mosaic'], mosaicDomains: ['num', '-mosaic_domains'],
  mosaicSeed: ['num', '-mosaic_seed'], hdivrangeMrad: ['num', '-hdivrange'], vdivrangeMrad: ['num', '-vdivrange'], hdivsteps: ['num', '-hdivsteps'],
  vdivsteps: ['num', '-vdivsteps'], dispersionPct: ['num', '-dispersion'], dispsteps: ['num', '-dispsteps'], fluence: ['num', '-fluence'],
  flux: ['num', '-flux'], exposureS: ['num', '-exposure'], beamsizeMm: ['num', '-beamsize'], waterUm: ['num', '-water'],
  convention: ['convention'], detectorRotDeg: ['triple', '-detector_rotx', '-detector_roty', '-detector_rotz'], twothetaDeg: ['num', '-twotheta'],
  seed: ['num', '-seed'], adc: ['num', '-adc'], roi: ['roi', '-roi'], extraArgs: ['strings'],
};
const KEYS = Object.keys(FIELDS) as (keyof SimulationConfig)[];

const OUTPUT_FLAGS = ['-floatfile', '-floatimage', '-intfile', '-intimage', '-pgmfile', '-pgmimage', '--pngfile', '-noisefile', '-noiseimage', '-cbffile'];
const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const tuple = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every(finite);

/** Whether `v` has a type the documentation allows for `key` (the values themselves are the parser's business). */
function typeOk(key: keyof SimulationConfig, v: unknown): boolean {
  switch (FIELDS[key][0]) {
    case 'num': return finite(v);
    case 'bool': return typeof v === 'boolean';
    case 'numOrFalse': return v === false || finite(v);
    case 'cell': return tuple(v, 6);
    case 'detpixels': return finite(v) || tuple(v, 2);
    case 'pair': return tuple(v, 2);
    case 'triple': return tuple(v, 3);
    case 'missetDeg': return v === 'random' || tuple(v, 3);
    case 'absUm': return v === 'inf' || finite(v);
    case 'shape': return typeof v === 'string' && ['square', 'round', 'gauss', 'tophat'].includes(v);
    case 'convention': return typeof v === 'string' && ['mosflm', 'xds', 'adxv', 'denzo', 'dials'].includes(v);
    case 'hkl': return typeof v === 'string' || v instanceof Uint8Array;
    case 'str': return typeof v === 'string';
    case 'roi': return !!v && typeof v === 'object' && !Array.isArray(v) && ['xmin', 'xmax', 'ymin', 'ymax'].every((k) => finite((v as Record<string, unknown>)[k]));
    // a flag that writes a file is refused: the library writes none
    case 'strings': return Array.isArray(v) && v.every((t) => typeof t === 'string' && !OUTPUT_FLAGS.includes(t));
  }
}

// ------------------------------------------------------------------------------------------------ mutations

const BASE: SimulationConfig = { cell: [100, 100, 100, 90, 90, 90], defaultF: 100, detpixels: 8, N: 2, distanceMm: 100, pixelMm: 0.1, oversample: 1 };

const WRONG: unknown[] = [
  'false', 'true', '', '1', '16', 'inf', 'NaN', null, NaN, Infinity, -Infinity, {}, { valueOf: () => 3 }, [], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4],
  [1, 2, 3, 4, 5, 6, 7], ['1', '2'], [NaN, 1], [null, null, null], new ArrayBuffer(8), new Uint8Array(2), new Float32Array(6), 1n, Symbol('x'),
  () => 1, true, false, 'toString', '__proto__', 'constructor', new Date(0), /x/, new Number(3), new String('x'),
];
const NUMBERS = [0, -0, 1, -1, 2, 3, 0.5, -0.5, 1e-300, 5e-324, 1e308, -1e308, 2 ** 31, 2 ** 53, 1e9, 90, 180, 360, -90, 1e6, 16, 7.5];

/** A value of the right type for `key` (sometimes unusual: negative, zero, huge). */
function rightType(r: XorShift32, key: keyof SimulationConfig): unknown {
  const n = () => (r.chance(0.5) ? r.pick(NUMBERS) : (r.next() * 2 - 1) * 10 ** r.range(-3, 4));
  switch (FIELDS[key][0]) {
    case 'num': return n();
    case 'bool': return r.chance(0.5);
    case 'numOrFalse': return r.chance(0.3) ? false : r.next();
    case 'cell': return r.chance(0.7) ? [r.range(20, 200), r.range(20, 200), r.range(20, 200), r.pick([90, 80, 100]), 90, r.pick([90, 120])] : [n(), n(), n(), n(), n(), n()];
    case 'detpixels': return r.chance(0.5) ? r.range(1, 12) : r.chance(0.8) ? [r.range(1, 12), r.range(1, 12)] : n();
    case 'pair': return [r.next() * 2, r.next() * 2];
    case 'triple': return [r.range(-10, 10), r.range(-10, 10), r.range(-10, 10)];
    case 'missetDeg': return r.chance(0.3) ? 'random' : [r.range(-30, 30), r.range(-30, 30), r.range(-30, 30)];
    case 'absUm': return r.chance(0.3) ? 'inf' : r.range(0, 500);
    case 'shape': return r.pick(['square', 'round', 'gauss', 'tophat']);
    case 'convention': return r.pick(['mosflm', 'xds', 'adxv', 'denzo', 'dials']);
    case 'hkl': return r.chance(0.5) ? '0 0 0 100\n1 0 0 50\n-1 2 0 30\n' : r.chance(0.5) ? new TextEncoder().encode('0 0 0 7\n') : r.pick(['', 'x y z', '1 2 3\n']);
    case 'str': return key === 'mat' ? r.pick(['', '1 0 0 0 1 0 0 0 1\n', '0.01 0 0\n0 0.01 0\n0 0 0.01\n', 'abc']) : r.pick(['missing-file.hkl', 'false', '']);
    case 'roi': return { xmin: r.range(-1, 8), xmax: r.range(-1, 8), ymin: r.range(-1, 8), ymax: r.range(-1, 8) };
    case 'strings': return r.pick([[], ['-fudge', '2'], ['-nonoise'], ['-floatfile', 'x.bin'], ['-bogus'], ['-phisteps'], ['-roi', '1', '2']]);
  }
}

const UNKNOWN = ['detpixel', 'Detpixels', 'lambda', 'distance', 'pixel', 'cells', 'foo', '', ' ', 'constructor', 'toString', 'hasOwnProperty', 'detpixels ', 'N_a', '🙂'];

function mutate(r: XorShift32, base: SimulationConfig): { config: Record<string, unknown>; touched: string[] } {
  const config: Record<string, unknown> = { ...base };
  const touched: string[] = [];
  for (let m = r.chance(0.6) ? 1 : 2 + r.int(2); m > 0; m--) {
    const key = r.pick(KEYS);
    touched.push(key);
    switch (r.int(8)) {
      case 0: case 1: case 2: config[key] = r.pick(WRONG); break;
      case 3: case 4: case 5: config[key] = rightType(r, key); break;
      case 6: delete config[r.chance(0.5) ? key : r.pick(Object.keys(config))]; break;
      default: Object.defineProperty(config, r.pick(UNKNOWN), { value: r.pick([1, 'x', true]), enumerable: true, configurable: true, writable: true });
    }
  }
  return { config, touched };
}

// ------------------------------------------------------------------------------------------------ checks

function show(config: Record<string, unknown>): string {
  const s = JSON.stringify(config, (_, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? String(v) : typeof v === 'function' ? 'fn' :
    v instanceof ArrayBuffer ? 'ArrayBuffer' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  return s.length > 500 ? s.slice(0, 500) + '...' : s;
}

function oneLine(e: Error, what: string): void {
  if (!e.message || /[\u0000-\u001f\u007f\u2028\u2029]/.test(e.message)) assert.unreachable(`${what}: not a one-line message: ${JSON.stringify(e.message)}`);
}

/** The fields given with a wrong type, and the unknown keys. */
function problems(config: Record<string, unknown>): { wrong: string[]; unknown: string[] } {
  const unknown = Object.keys(config).filter((k) => !(k in FIELDS) || !Object.prototype.hasOwnProperty.call(FIELDS, k));
  const wrong = KEYS.filter((k) => Object.prototype.hasOwnProperty.call(config, k) && config[k] !== undefined && !typeOk(k, config[k]));
  // a cell is required unless a matrix gives the crystal
  const hasMat = config.mat !== undefined || config.matPath !== undefined;
  if (config.cell === undefined && !hasMat) wrong.push('cell');
  return { wrong, unknown };
}

/** Every field given appears in the argv as its flag, followed (for numbers) by String(value). */
function meaningKept(config: Record<string, unknown>, argv: string[]): string | null {
  const has = (flag: string, ...vals: string[]) => argv.some((t, i) => t === flag && vals.every((v, k) => argv[i + 1 + k] === v));
  for (const key of KEYS) {
    const v = config[key];
    if (v === undefined) continue;
    const [kind, ...flags] = FIELDS[key];
    let ok: boolean;
    switch (kind) {
      case 'num': ok = has(flags[0], String(v)); break;
      case 'bool':
        ok = key === 'interpolate' ? has(v ? '-interpolate' : '-nointerpolate') : v === argv.includes(flags[0]);
        break;
      case 'numOrFalse': ok = v === false ? has('-nopolar') : has('-polar', String(v)); break;
      case 'cell': ok = has('-cell', ...(v as number[]).map(String)); break;
      case 'detpixels': ok = Array.isArray(v) ? has('-detpixels_f', String(v[0])) && has('-detpixels_s', String(v[1])) : has('-detpixels', String(v)); break;
      case 'pair': ok = has('-Xbeam', String((v as number[])[0])) && has('-Ybeam', String((v as number[])[1])); break;
      case 'triple': ok = flags.every((f, i) => has(f, String((v as number[])[i]))); break;
      case 'missetDeg': ok = v === 'random' ? has('-misset', 'random') : has('-misset', ...(v as number[]).map(String)); break;
      case 'absUm': ok = has('-detector_abs', String(v)); break;
      case 'shape': ok = argv.includes({ square: '-square_xtal', round: '-round_xtal', gauss: '-gauss_xtal', tophat: '-tophat_spots' }[v as 'square']); break;
      case 'convention': ok = argv.includes(`-${v as string}`); break;
      case 'hkl': case 'str': ok = argv.includes(flags[0]); break;
      case 'roi': { const o = v as Record<string, number>; ok = has('-roi', String(o.xmin), String(o.xmax), String(o.ymin), String(o.ymax)); break; }
      case 'strings': ok = (v as string[]).every((t) => argv.includes(t)); break;
    }
    if (!ok) return `${key} = ${show({ v })} is not in the argv`;
  }
  if (config.hklPath !== undefined && !has('-hkl', config.hklPath as string)) return 'hklPath is not the -hkl file';
  if (config.matPath !== undefined && !has('-mat', config.matPath as string)) return 'matPath is not the -mat file';
  return null;
}

const SETUP_ERRORS = [ArgError, SetupError, HklError, InputFileError, UserError];

/** Random call options: mostly valid, sometimes of the wrong type. */
function callOptions(r: XorShift32, pixels: number): { options: Record<string, unknown>; bad: string[] } {
  const o: Record<string, unknown> = {};
  const bad: string[] = [];
  if (r.chance(0.3)) o.borrow = r.chance(0.7) ? r.chance(0.5) : (bad.push('borrow'), r.pick(['false', 1, null, {}]));
  if (r.chance(0.3)) {
    o.into = r.chance(0.7) ? new Float32Array(pixels) : (bad.push('into'), r.pick([new Float32Array(pixels + 1), new Float64Array(pixels), [], 'x', null]));
  }
  if (r.chance(0.3)) o.outputs = r.chance(0.7) ? r.pick([[], ['float'], ['smv', 'png'], ['noise']]) : (bad.push('outputs'), r.pick(['float', ['tiff'], [null], {}]));
  if (r.chance(0.2)) o.onProgress = r.chance(0.7) ? () => {} : (bad.push('onProgress'), r.pick(['yes', 1, {}]));
  return { options: o, bad };
}

// ------------------------------------------------------------------------------------------------ the run

let simulator: Simulator | undefined;
test.after(async () => simulator?.dispose());

test(`fuzz-library: ${N} mutated configs through configToArgv, prepareInput and ${RUNS} simulations (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED);
  simulator = await createSimulator({ backend: 'wasm', dtype: 'f32' });
  const c = { bigSetup: 0, typeErrors: 0, unknownKeys: 0, argvs: 0, prepared: 0, setupErrors: 0, tooBig: 0, runs: 0, optionErrors: 0, overflows: 0, pixels: 0 };
  const setupKinds = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const { config } = mutate(r, BASE);
    const { wrong, unknown } = problems(config);
    let argv: string[];
    try {
      argv = configToArgv(config as SimulationConfig);
    } catch (e) {
      const ctx = `${i}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${show(config)} (oracle: wrong ${wrong}, unknown ${unknown})`;
      if (!(e instanceof TypeError)) return assert.unreachable(`not a TypeError: ${ctx}`);
      oneLine(e, ctx);
      if (unknown.length) {
        if (!unknown.some((k) => e.message.includes(`unknown config key '${k}'`))) assert.unreachable(`an unknown key is not named: ${ctx}`);
        c.unknownKeys++;
      } else {
        if (!wrong.length) assert.unreachable(`a config of the right types refused: ${ctx}`);
        if (!wrong.some((k) => new RegExp(`config\\.${k}\\b`).test(e.message))) assert.unreachable(`the message names none of the wrong fields: ${ctx}`);
        c.typeErrors++;
      }
      continue;
    }
    const ctx = `${i}: ${show(config)} -> ${JSON.stringify(argv).slice(0, 400)}`;
    if (unknown.length || wrong.length) assert.unreachable(`accepted (wrong ${wrong}, unknown ${unknown}): ${ctx}`);
    if (argv.some((t) => typeof t !== 'string')) assert.unreachable(`the argv holds a non-string: ${ctx}`);
    const lost = meaningKept(config, argv);
    if (lost) assert.unreachable(`${lost}: ${ctx}`);
    c.argvs++;

    // the size of the setup (sources, phi steps x domains), from the parsed argv: big legal ones are left out
    let work = 0;
    try {
      const a = parseSimArgs(argv);
      const d = a.div;
      const sources = resolveSpread(d.hsteps, d.hrange, d.hstep).steps * resolveSpread(d.vsteps, d.vrange, d.vstep).steps * resolveSpread(d.dispsteps, d.dispersion, -1).steps;
      const phi = resolvePhi(a.phi_rad, a.osc_rad, a.phistep_rad, a.phisteps).phisteps * Math.max(1, a.mosaicDomains);
      work = Math.max(sources, phi);
    } catch {
      // an ArgError: prepareInput must throw it too
    }
    if (work > MAX_SETUP_WORK && work <= 1_000_000) {
      c.bigSetup++;
      continue;
    }
    let prepared;
    try {
      prepared = await prepareInput(config as SimulationConfig);
    } catch (e) {
      if (!SETUP_ERRORS.some((T) => e instanceof T)) return assert.unreachable(`setup threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${ctx}\n${(e as Error)?.stack}`);
      oneLine(e as Error, ctx);
      if (e instanceof ArgError && e.flag && !/[\u0000-\u001f]/.test(e.flag) && !e.message.includes(e.flag)) assert.unreachable(`the ArgError does not name ${e.flag}: ${ctx}`);
      const name = (e as Error).constructor.name;
      setupKinds.set(name, (setupKinds.get(name) ?? 0) + 1);
      c.setupErrors++;
      continue;
    }
    c.prepared++;
    const { fpixels, spixels } = prepared.sim.detector;
    const d = config.detpixels;
    if (Number.isInteger(d) && (d as number) > 0 && (fpixels !== d || spixels !== d)) assert.unreachable(`detpixels ${d} gave ${fpixels}x${spixels}: ${ctx}`);
    if (c.runs >= RUNS) continue;
    if (evaluationCount(prepared.sim) > MAX_EVALUATIONS) {
      c.tooBig++;
      continue;
    }
    const { options, bad } = callOptions(r, fpixels * spixels);
    c.runs++;
    let res;
    try {
      res = await simulator.simulate(config as SimulationConfig, options);
    } catch (e) {
      const msg = `${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for ${ctx} with options ${show(options)}`;
      if (e instanceof RangeError && /^the image has pixels that are not finite, non-negative numbers/.test(e.message)) {
        oneLine(e, msg);
        c.overflows++;
        continue;
      }
      if (!bad.length) return assert.unreachable(`simulate refused valid call options: ${msg}`);
      if (!(e instanceof TypeError || e instanceof RangeError)) return assert.unreachable(`not a TypeError/RangeError: ${msg}`);
      oneLine(e, msg);
      if (!bad.some((b) => new RegExp(`\\b${b}\\b`).test(e.message))) assert.unreachable(`the message does not name any of ${bad}: ${msg}`);
      c.optionErrors++;
      continue;
    }
    if (bad.length) assert.unreachable(`call options ${bad} of the wrong type accepted: ${show(options)} for ${ctx}`);
    if (res.width !== fpixels || res.height !== spixels || res.image.length !== fpixels * spixels) {
      assert.unreachable(`the image is ${res.width}x${res.height} (${res.image.length}) for a ${fpixels}x${spixels} detector: ${ctx}`);
    }
    for (let k = 0; k < res.image.length; k++) {
      if (!Number.isFinite(res.image[k]) || res.image[k] < 0) assert.unreachable(`pixel ${k} = ${res.image[k]}: ${ctx}`);
    }
    if (options.into && res.image !== options.into) assert.unreachable(`the image is not the 'into' array: ${ctx}`);
    c.pixels += res.image.length;
  }
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `  fuzz-library: ${N} configs (seed ${SEED}): ${c.typeErrors} TypeErrors naming a wrong field, ${c.unknownKeys} unknown keys named, ` +
      `${c.argvs} argvs that keep every field's meaning -> ${c.bigSetup} left out (over ${MAX_SETUP_WORK} sources or orientations), ${c.prepared} prepared, ${c.setupErrors} clean setup errors ` +
      `(${[...setupKinds].map(([k, v]) => `${k} ${v}`).join(', ')}); ${c.runs} simulated (${c.optionErrors} call options refused, ${c.overflows} overflowing images refused, ${c.pixels} pixels checked), ` +
      `${c.tooBig} skipped (over ${MAX_EVALUATIONS} evaluations); ${s} s`,
  );
  assert.ok(c.typeErrors > N / 20 && c.argvs > N / 20 && c.prepared > 0 && c.runs > 0, 'every outcome is represented');
});

test('fuzz-library: an image that overflows is a RangeError, as on the command line, not a result with Infinity (found at the default seed)', async () => {
  const sim = await createSimulator({ backend: 'wasm', dtype: 'f32' });
  try {
    let err: unknown;
    // (found at the default seed as waterUm 2147483648, which overflowed the f32 path's old f32 sum; with the f64 sum
    // that image is C's finite one, so an F whose square overflows float32 stands in)
    await sim.simulate({ ...BASE, defaultF: 1e30 }).catch((e) => (err = e));
    assert.instance(err, RangeError);
    assert.match((err as Error).message, /^the image has pixels that are not finite, non-negative numbers \(pixel slow 0, fast 0 = Infinity\)/);
    err = undefined;
    await sim.simulate(BASE, { borrow: 'false' as never }).catch((e) => (err = e));
    assert.instance(err, TypeError);
    assert.match((err as Error).message, /options\.borrow must be true or false, got "false"/);
  } finally {
    await sim.dispose();
  }
});

const BACKENDS = ['auto', 'webgpu', 'wasm-threads', 'wasm', 'wasm-scalar'];

test(`fuzz-library: ${Math.round(N / 5)} mutated simulator options through createSimulator (seed ${SEED})`, async () => {
  const t0 = performance.now();
  const r = new XorShift32(SEED ^ 0x5bd1_e995);
  const c = { refused: 0, valid: 0, started: 0 };
  for (let i = 0; i < Math.round(N / 5); i++) {
    const o: Record<string, unknown> = { backend: 'wasm', dtype: 'f32' };
    for (let m = 1 + r.int(2); m > 0; m--) {
      const key = r.pick(['backend', 'dtype', 'threads']);
      switch (r.int(5)) {
        case 0: case 1: o[key] = r.pick(WRONG); break;
        case 2: o[key] = key === 'backend' ? r.pick(BACKENDS) : key === 'dtype' ? r.pick(['f32', 'f64', 'F64', 'float64']) : r.pick([1, 2, 0, -1, 1.5, 1e9]); break;
        case 3: delete o[key]; break;
        default: o[r.pick(['dtpe', 'Backend', 'thread', 'threads ', 'passover', 'hkl'])] = r.pick(['f64', 'wasm', 2]);
      }
    }
    // the oracle: null and undefined backend/dtype take the default; threads only with a backend that has workers
    const wrong: string[] = [];
    for (const k of Object.keys(o)) if (!['backend', 'dtype', 'threads', 'passOver'].includes(k)) wrong.push(`'${k}'`);
    if (o.backend != null && !BACKENDS.includes(o.backend as string)) wrong.push('backend');
    if (o.dtype != null && o.dtype !== 'f32' && o.dtype !== 'f64') wrong.push('dtype');
    if (o.threads !== undefined && !(Number.isInteger(o.threads) && (o.threads as number) >= 1 && (o.backend == null || o.backend === 'auto' || o.backend === 'wasm-threads'))) wrong.push('threads');
    if (!wrong.length) {
      c.valid++;
      // start only a few, on the backends every machine has
      if (c.started < 5 && (o.backend === 'wasm' || o.backend === 'wasm-scalar') && o.threads === undefined) {
        const sim = await createSimulator(o as never);
        assert.is(sim.backend, o.backend);
        assert.is(sim.dtype, (o.dtype ?? 'f32') as string);
        await sim.dispose();
        c.started++;
      }
      continue;
    }
    let err: unknown;
    await createSimulator(o as never).then((sim) => sim.dispose().then(() => (err = 'started')), (e) => (err = e));
    const ctx = `${i}: ${show(o)} (oracle: wrong ${wrong}) -> ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`;
    if (!(err instanceof TypeError)) return assert.unreachable(`not a TypeError: ${ctx}`);
    oneLine(err, ctx);
    if (!wrong.some((w) => err instanceof Error && err.message.includes(w))) assert.unreachable(`the message names none of ${wrong}: ${ctx}`);
    c.refused++;
  }
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(`  fuzz-library: ${Math.round(N / 5)} simulator options (seed ${SEED}): ${c.refused} TypeErrors naming the option, ${c.valid} valid (${c.started} started); ${s} s`);
  assert.ok(c.refused > 0 && c.valid > 0);
});

test('fuzz-library: the finds at the default seed stay fixed (hklPath object, shape __proto__, a BigInt, a misspelt simulator option, -hdivsteps 1e9)', async () => {
  const refuses = (c: unknown, re: RegExp) => assert.throws(() => configToArgv(c as never), (e: Error) => e instanceof TypeError && re.test(e.message));
  refuses({ ...BASE, hklPath: { 0: 0 } }, /^config\.hklPath must be a file name \(a string\), got \{"0":0\}$/);
  refuses({ ...BASE, matPath: 5 }, /^config\.matPath must be a file name/);
  refuses({ ...BASE, shape: '__proto__' }, /^config\.shape must be one of/);
  refuses({ ...BASE, shape: 'toString' }, /^config\.shape must be one of/);
  refuses({ ...BASE, pointPixel: 1n }, /^config\.pointPixel must be true or false, got 1n$/);
  for (const [o, re] of [[{ backend: 'wasm', dtpe: 'f64' }, /^unknown simulator option 'dtpe'/], [{ backend: Symbol('x') }, /^unknown backend 'Symbol\(x\)'/]] as const) {
    let e: unknown;
    await createSimulator(o as never).catch((x) => (e = x));
    assert.instance(e, TypeError);
    assert.match((e as Error).message, re);
  }
  let err: unknown;
  const t0 = performance.now();
  await prepareInput({ ...BASE, hdivsteps: 1e9 }).catch((e) => (err = e));
  assert.instance(err, SetupError);
  assert.match((err as Error).message, /^1e\+09 sources \(from -hdivsteps, -vdivsteps, -dispsteps or their ranges and steps\) are too many: at most 1000000$/);
  assert.ok(performance.now() - t0 < 2000, 'refused at once');
});

test('fuzz-library: 150 000 divergence sources set up without a stack overflow (a spread of their lines into push(), found by this fuzzer)', async () => {
  const p = await prepareInput({ ...BASE, hdivsteps: 150_000 });
  assert.is(p.sim.sources.count, 150_000);
});

test.run();
