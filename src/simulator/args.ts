// nanoBragg's command line -> a typed SimArgs, with the C program's semantics (docs/c-behaviour/minimal-loop.md §1.1, §1.3,
// §3.1, §4.1, §5.1, §5.8, §5.10; traps T-4, T-8, T-14..T-18, T-23), and one clear line for anything else.
//
// Pure module (no Node built-ins): the browser front end uses it too.
//
// What is kept from C (main:nanoBragg.c M:470-990):
//  * options act in command-line order, so the last of -lambda/-wave/-energy wins, -N and -Na/-Nb/-Nc
//    overwrite each other, -interpolate/-nointerpolate: last wins, and `-detector_abs inf|0` zeroes the
//    thickness at that point: a later -detector_thick sets it again, with mu = 0 (T-8);
//  * unit conversions in C's exact arithmetic form: λ = Å / 1.0e10, E -> (12398.42/E) / 1.0e10,
//    mm / 1000.0, µm * 1e-6, mu = 1.0 / (µm * 1e-6), degrees / RTD with RTD = 180.0 * M_1_PI;
//  * sentinels: detectorMu -1 (unset), thicksteps -1 (auto), oversample -1 (auto), osc/phistep/phisteps -1
//    (auto, §5.10), interpolate 2 (auto). Na/Nb/Nc are stored raw (0 allowed): the interpolation
//    auto-selection looks at them before the clamp to >= 1 (T-4), which the physics code applies;
//  * -polar K also switches -nopolar off again (C sets nopolar = 0), -pgmfile after -nopgm switches the
//    PGM back on and -nopgm after -pgmfile switches it off (C's write_pgm), -progress after -noprogress.
//
// Where we are deliberately stricter than C (C never complains, it silently does something):
//  * exact option names, no strstr() substring matching (T-18); the explicit alternative names C tests for
//    are aliases (-wave, -detector_absorb, -thicksteps, -detpixels_x/_y, -floatimage, ...), and the
//    spellings scripts use that C matches by substring (-wavelength, -adcoffset, -pixel_size, ...) are
//    mapped in C_SPELLINGS; words C ignores (-hdiv, -vdiv, -dispstep, ...: C_IGNORED) are accepted with a
//    warning; anything else unknown is an error with a suggestion;
//  * unknown options and stray words are errors (C ignores them); known nanoBragg options that this port
//    does not implement are errors naming the option, never ignored;
//  * a value is required after every value option; a following token that starts with '-' and is not a
//    number is taken as a missing value (C would use it as the value AND as an option), so a file named
//    `-x.bin` must be written `./-x.bin`;
//  * numbers: the whole token must be a plain decimal number (C's atof reads a prefix: "12abc" -> 12);
//    integer options (C atoi: "2.7" -> 2) need an integer-valued number ("2", "2.0", "1e3");
//  * ranges are checked (see RANGE notes in the table); C's "<= 0 means auto" for -oversample is refused
//    (leave the option out for auto), while -thicksteps 0 and -phisteps 0 are accepted with C's meaning
//    (thicksteps <= 0: auto, §4.2; phisteps 0: one step with the user-steps rules, §5.10);
//  * -cell needs all six numbers (C silently stops at the first missing/negative one);
//  * outputs are written only when asked for (C writes floatimage.bin, intimage.img, image.pgm and a
//    noise image by default; the drop-in `nanoBragg` command, src/nanobragg-cli.ts, does that).

import { backendDescriptor, backendsWith } from '../backends/names.ts';
import { ArgError, MAX_DETPIXELS, MAX_IMAGE_BYTES, defaultSimArgs, type SimArgs } from './options/sim-args.ts';
import { DECIMAL, RTD, valueLike } from './options/values.ts';
import {
  BY_NAME, C_IGNORED, C_SPELLINGS, NANOBRAGG_OPTIONS, NOT_IMPLEMENTED, NOT_IMPLEMENTED_FLAGS, OWN_OPTIONS, PIVOT_SIDE_EFFECT,
  SPREAD_FLAGS, atof, detArgs, ignoredWarning, type OptionSpec,
} from './options/table.ts';
import { unknownOption } from './options/suggest.ts';

// The parser's parts (src/simulator/options/), re-exported: importers keep using this module
export * from './options/sim-args.ts';
export { C_IGNORED, C_SPELLINGS, NANOBRAGG_FLAGS, NOT_IMPLEMENTED_FLAGS, OWN_FLAGS, ignoredWarning } from './options/table.ts';
export { suggestFlag } from './options/suggest.ts';


// ---------------------------------------------------------------------------------------------------
// Parsing

function needs(flag: string, spec: OptionSpec, got: number): ArgError {
  const n = spec.values.length;
  const what = n === 1 ? `a value (${spec.unit})` : `${n} values: ${spec.values.join(' ')} (${spec.unit})`;
  return new ArgError(`option '${flag}' needs ${what}` + (n > 1 && got > 0 ? `, got ${got}` : ''), flag);
}

/**
 * Parses nanoBragg's flags plus ours. `argv` excludes the program name and the subcommand.
 * Throws ArgError (one line) on anything it cannot take exactly as C would, or that C would silently
 * misread.
 */
/** Flags that set the same quantity: a later one overrides an earlier one of the group (-energy sets lambda). */
const COMPETING: Record<string, string> = { '-energy': '-lambda' };

export function parseSimArgs(argv: readonly string[]): SimArgs {
  const a = defaultSimArgs();
  if (argv.some((t) => t === '--help' || t === '-help' || t === '-h')) {
    a.help = true;
    return a;
  }
  let zeroingAbs = ''; // the last `-detector_abs inf|0`, for the T-8 warning
  const given = new Map<string, { text: string }>(); // the last use of each value flag, for the override warning

  for (let i = 0; i < argv.length; ) {
    let tok = argv[i];
    let inline: string | undefined;
    if (tok.startsWith('--') && tok.includes('=')) {
      inline = tok.slice(tok.indexOf('=') + 1);
      tok = tok.slice(0, tok.indexOf('='));
    }
    if (!tok.startsWith('-') || tok === '-' || DECIMAL.test(tok)) {
      throw new ArgError(`unexpected argument '${tok}': values go right after their option (see --help)`, tok);
    }
    if (!BY_NAME.has(tok) && !NOT_IMPLEMENTED.has(tok)) {
      // C's other spellings (spellings.ts): a known option under another name, or a word C ignores
      const canon = C_SPELLINGS[tok];
      if (canon !== undefined && (BY_NAME.has(canon) || NOT_IMPLEMENTED.has(canon))) tok = canon;
      else if (Object.hasOwn(C_IGNORED, tok) && inline === undefined) {
        a.warnings.push(ignoredWarning(tok));
        let k = 0;
        while (k < C_IGNORED[tok] && i + 1 + k < argv.length && valueLike(argv[i + 1 + k])) k++;
        i += 1 + k;
        continue;
      }
    }
    if (NOT_IMPLEMENTED.has(tok)) throw new ArgError(`option '${tok}' is not implemented yet`, tok);
    const spec = BY_NAME.get(tok);
    if (!spec) {
      const eq = tok.indexOf('=');
      if (eq > 0 && BY_NAME.has(tok.slice(0, eq))) {
        const name = tok.slice(0, eq);
        throw new ArgError(`option '${tok}': write the value as the next argument ('${name} ${tok.slice(eq + 1)}')`, name);
      }
      throw unknownOption(tok);
    }
    const n = spec.values.length;
    let vals: string[];
    if (inline !== undefined) {
      if (n !== 1) throw new ArgError(`option '${tok}' takes ${n === 0 ? 'no value' : `${n} values`}`, tok);
      if (inline === '') throw needs(tok, spec, 0);
      vals = [inline];
      i += 1;
    } else {
      vals = [];
      while (vals.length < n && i + 1 + vals.length < argv.length && valueLike(argv[i + 1 + vals.length])) {
        vals.push(argv[i + 1 + vals.length]);
      }
      if (vals.length < (spec.minValues ?? n)) {
        const next = argv[i + 1 + vals.length];
        if (next === '-' && spec.values[vals.length] === 'file') {
          throw new ArgError(`option '${tok}' got '-': for standard input or output write /dev/stdin or /dev/stdout`, tok);
        }
        throw needs(tok, spec, vals.length);
      }
      if (vals.some((v) => v === '')) throw new ArgError(`option '${tok}' got an empty value`, tok);
      i += 1 + vals.length;
    }
    const at = i - 1 - vals.length;
    if (spec.names[0] === '-curved_det' && at === argv.length - 1) {
      // C tests `argc > i+1` for -curved_det as for a value option (M:806): as the last argument it does nothing
      a.warnings.push(`'-curved_det' is the last argument: nanoBragg ignores it there (it needs another argument after it), so the detector stays flat; put it before another option to curve the detector`);
      continue;
    }
    spec.apply(a, vals, tok);
    const pivotSet = PIVOT_SIDE_EFFECT[spec.names[0]];
    if (pivotSet && (a.det || pivotSet !== 'beam')) detArgs(a).pivot = pivotSet; // 'beam' is the default: no need to record it
    if (n > 0) {
      // C keeps the last of repeated or competing flags; we do too, and say so (a script may not mean it)
      const key = COMPETING[spec.names[0]] ?? spec.names[0];
      const before = given.get(key);
      if (before !== undefined && before.text !== `${tok} ${vals.join(' ')}`) {
        a.warnings.push(`warning: '${before.text}' is overridden by the later '${tok} ${vals.join(' ')}' (the last one wins, as in nanoBragg)`);
      }
      given.set(key, { text: `${tok} ${vals.join(' ')}` });
    }
    if (spec.names[0] === '-misset_seed' && inline === undefined) missetSeedQuirk(a, argv, at);

    if (spec.names[0] === '-detector_abs' && a.detectorMu === 0) zeroingAbs = `${tok} ${vals[0]}`;
  }

  const { fpixels, spixels } = detectorPixelCounts(a);
  const sizeFlag = a.detpixels_f !== undefined || a.detpixels_s !== undefined ? '-detpixels' : '-detsize';
  if (!(fpixels >= 1 && spixels >= 1)) {
    throw new ArgError(`option '${sizeFlag}': the detector has ${fpixels} x ${spixels} pixels; it needs at least 1 x 1`, sizeFlag);
  }
  checkImageSize(fpixels, spixels, sizeFlag);
  if (a.roi && (a.roi.xmin >= fpixels || a.roi.ymin >= spixels)) {
    const r = a.roi;
    throw new ArgError(
      `option '-roi' ${r.xmin} ${r.xmax} ${r.ymin} ${r.ymax} lies outside the ${fpixels} x ${spixels} detector (indices from 0)`,
      '-roi',
    );
  }

  checkConflicts(a);
  if (a.sourcePath !== undefined) {
    // C resolves and prints the divergence and dispersion but builds no source from them (nanoBragg.c:2315-2344)
    const spread = argv.filter((t) => SPREAD_FLAGS.includes(t));
    if (spread.length) {
      a.warnings.push(`${[...new Set(spread)].map((n) => `'${n}'`).join(', ')} ${spread.length > 1 ? 'are' : 'is'} ignored with '-sourcefile', as in nanoBragg: the file is the whole source list`);
    }
  }
  if (a.noops.length) a.warnings.push(`${a.noops.map((n) => `'${n}'`).join(', ')}: accepted as nanoBragg accepts ${a.noops.length > 1 ? 'them' : 'it'}; ${a.noops.length > 1 ? 'they do' : 'it does'} not change the image`);

  // mu == 0 comes only from `-detector_abs inf|0`, which also zeroed the thickness: a later
  // -detector_thick gave it back, with no absorption at all (T-8).
  if (a.detectorMu === 0 && a.detectorThick_m > 0) {
    a.warnings.push(
      `'-detector_thick' after '${zeroingAbs}' leaves a thick sensor with mu = 0: the image is all zeros (as in nanoBragg; put -detector_abs last)`,
    );
  }
  if (a.oversampleThick && a.detectorThick_m === 0) {
    a.warnings.push(`'-oversample_thick' without a sensor thickness multiplies by a capture fraction of 0: the image is all zeros (as in nanoBragg)`);
  }
  if (a.pgmfile !== undefined && a.nopgm) {
    // -pgmfile clears nopgm, so a true nopgm here came after it.
    a.warnings.push(`'-pgmfile ${a.pgmfile}' is not written because '-nopgm' comes after it (as in nanoBragg)`);
  }
  if (a.noisefile !== undefined && a.nonoise) {
    a.warnings.push(`'-noisefile ${a.noisefile}' is not written because '-nonoise' comes after it (as in nanoBragg)`);
  }
  return a;
}

/** The canonical name of an option token (aliases and C's other spellings resolved), or undefined. */
function canonicalFlag(tok: string): string | undefined {
  const name = tok.startsWith('--') && tok.includes('=') ? tok.slice(0, tok.indexOf('=')) : tok;
  const spec = BY_NAME.get(name) ?? BY_NAME.get(C_SPELLINGS[name] ?? '');
  return spec?.names[0];
}

/**
 * `argv` without every occurrence (and its values, counted as the parser counts them) of the options named in
 * `drop` (canonical names: '-phi', '-floatfile', '--batch' ...), with `append` added at the end. Batches,
 * series and datasets derive each image's command line this way, so that the image is exactly what a
 * single run of the derived argv gives, without "overridden by the later" warnings for the replaced flags.
 * A trailing -misset_seed stays trailing (C's quirk would read the appended flags as -misset angles).
 */
export function replaceFlags(argv: readonly string[], drop: readonly string[], append: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; ) {
    const tok = argv[i];
    const canon = canonicalFlag(tok);
    let n = 1;
    if (canon !== undefined && !(tok.startsWith('--') && tok.includes('='))) {
      const spec = BY_NAME.get(canon)!;
      while (n <= spec.values.length && i + n < argv.length && valueLike(argv[i + n])) n++;
    }
    if (canon === undefined || !drop.includes(canon)) out.push(...argv.slice(i, i + n));
    i += n;
  }
  const result = [...out, ...append];
  // nanoBragg reads the 3 tokens after '-misset_seed' as -misset angles too when there are 3 (missetSeedQuirk,
  // docs/c-behaviour/crystal.md, "The -misset_seed substring quirk"):
  // flags appended after a -misset_seed that had fewer behind it would switch that on; it moves to the end instead
  const seedAt = (a: readonly string[]) => {
    for (let k = a.length - 1; k >= 0; k--) if (canonicalFlag(a[k]) === '-misset_seed') return k;
    return -1;
  };
  const before = seedAt(argv), after = seedAt(result);
  if (after >= 0 && before >= 0 && argv.length <= before + 3 && result.length > after + 3) {
    const pair = result.splice(after, valueLike(result[after + 1] ?? '-') ? 2 : 1);
    result.push(...pair);
  }
  return result;
}

/** The value tokens of the last occurrence of option `flag` (canonical name) in argv, or undefined. */
export function lastFlagValues(argv: readonly string[], flag: string): string[] | undefined {
  let found: string[] | undefined;
  for (let i = 0; i < argv.length; ) {
    const tok = argv[i];
    const canon = canonicalFlag(tok);
    let n = 1;
    if (canon !== undefined && tok.startsWith('--') && tok.includes('=')) {
      if (canon === flag) found = [tok.slice(tok.indexOf('=') + 1)];
    } else if (canon !== undefined) {
      const spec = BY_NAME.get(canon)!;
      while (n <= spec.values.length && i + n < argv.length && valueLike(argv[i + n])) n++;
      if (canon === flag) found = argv.slice(i + 1, i + n);
    }
    i += n;
  }
  return found;
}


/**
 * C's substring quirk (docs/c-behaviour/crystal.md, trap X-1): '-misset_seed' also passes C's '-misset' test, so with 3 or more
 * arguments after it C sets the misset angles to atof() of the next three (the seed value first) and cancels
 * -misset random. Reproduced, with a warning, so a C command line gives C's image.
 */
function missetSeedQuirk(a: SimArgs, argv: readonly string[], at: number): void {
  if (argv.length <= at + 3) return;
  const t = argv.slice(at + 1, at + 4);
  a.misset = [atof(t[0]) / RTD, atof(t[1]) / RTD, atof(t[2]) / RTD];
  a.warnings.push(
    `'-misset_seed' is followed by 3 or more arguments: as in nanoBragg it also sets -misset ${t.map(atof).join(' ')} (degrees), ` +
      `cancelling any earlier -misset; put -misset_seed last`,
  );
}


/**
 * Combinations no order of the flags can make sense of: f64 on the f32-only WebGPU backend, --threads for a
 * backend without threads, two outputs (or an output and the HKL input) naming the same file. Paths are compared
 * as written here (this module has no file system); the CLI compares the resolved files too
 * (src/simulator/run.ts checkSameFiles: `./x`, `x` and a symlink to it are one file).
 */
function checkConflicts(a: SimArgs): void {
  if (a.water_m !== 0 && a.backend === 'webgpu') {
    throw new ArgError("option '-water' is not implemented on --backend webgpu (use --backend wasm, wasm-scalar or wasm-threads)", '-water');
  }
  if (a.backend !== 'auto') {
    // what each backend computes and whether it takes --threads: the one backend list (src/backends/names.ts)
    const b = backendDescriptor(a.backend);
    if (!b.dtypes.includes(a.dtype)) {
      const can = backendsWith(a.dtype);
      const list = can.length > 1 ? `${can.slice(0, -1).join(', ')} or ${can[can.length - 1]}` : can[0];
      throw new ArgError(
        `options '--backend ${b.name}' and '--dtype ${a.dtype}' conflict: ${b.dtypeRefusal ?? `${b.name} does not compute in ${a.dtype}`} (use --backend ${list} for ${a.dtype})`,
        '--dtype',
      );
    }
    if (a.threads !== undefined && !b.threads) {
      throw new ArgError(`option '--threads' applies to --backend wasm-threads (or auto), not to --backend ${a.backend}`, '--threads');
    }
  }
  const files: [flag: string, path: string | undefined][] = [
    ['-hkl', a.hklPath],
    ['-mask', a.maskPath],
    ['-img', a.imgPath],
    ['-sourcefile', a.sourcePath],
    [a.stolFlag ?? '-stol', a.stolPath],
    ['-floatfile', a.floatfile],
    ['-intfile', a.intfile],
    ['-pgmfile', a.nopgm ? undefined : a.pgmfile],
    ['-noisefile', a.nonoise ? undefined : a.noisefile],
    ['--pngfile', a.pngfile],
    ['-cbffile', a.cbffile],
  ];
  const seen = new Map<string, string>();
  for (const [flag, path] of files) {
    if (path === undefined || path === '/dev/null') continue; // discarding twice loses nothing
    const other = seen.get(path);
    const inputs = ['-hkl', '-mask', '-img', '-sourcefile', '-stol', '-4stol', '-Q'];
    if (other !== undefined && inputs.includes(flag)) continue; // two inputs may read one file
    if (other !== undefined) {
      const why = inputs.includes(other) ? 'the output would overwrite the input' : 'one output would overwrite the other';
      throw new ArgError(`options '${other}' and '${flag}' name the same file '${path}': ${why}`, flag);
    }
    seen.set(path, flag);
  }
}

/**
 * Detector pixel counts exactly as C derives them (M:1116-1124): a pixel count, when given, sets
 * detsize = pixel*count; then count = ceil(detsize/pixel - 0.5).
 */
export function detectorPixelCounts(a: Pick<SimArgs, 'pixel_m' | 'detpixels_f' | 'detpixels_s' | 'detsize_f_m' | 'detsize_s_m'>): {
  fpixels: number;
  spixels: number;
} {
  const p = a.pixel_m;
  const detsizeF = a.detpixels_f ? p * a.detpixels_f : (a.detsize_f_m ?? 102.4e-3);
  const detsizeS = a.detpixels_s ? p * a.detpixels_s : (a.detsize_s_m ?? 102.4e-3);
  return { fpixels: Math.ceil(detsizeF / p - 0.5), spixels: Math.ceil(detsizeS / p - 0.5) };
}

/** Refuses a detector whose float32 image would exceed MAX_IMAGE_BYTES (or a side above MAX_DETPIXELS). */
export function checkImageSize(fpixels: number, spixels: number, flag = '-detpixels'): void {
  if (fpixels > MAX_DETPIXELS || spixels > MAX_DETPIXELS) {
    throw new ArgError(`option '${flag}': a ${fpixels} x ${spixels} detector exceeds ${MAX_DETPIXELS} pixels per side`, flag);
  }
  const bytes = fpixels * spixels * 4;
  if (bytes > MAX_IMAGE_BYTES) {
    const gib = (bytes / 1024 ** 3).toFixed(1);
    throw new ArgError(`option '${flag}': a ${fpixels} x ${spixels} detector needs ${gib} GiB for the float image; the limit is 2 GiB`, flag);
  }
}

// ---------------------------------------------------------------------------------------------------
// Help

/** Help text: every option with its value, unit and default, then the refused C options. */
export function usage(): string {
  const row = (o: OptionSpec) => {
    const head = [o.names[0], ...o.values.map((v) => `<${v}>`)].join(' ');
    const alias = o.names.length > 1 ? ` (also ${o.names.slice(1).join(', ')})` : '';
    const dflt = o.dflt && o.values.length ? ` [default: ${o.dflt}]` : '';
    return `  ${head.padEnd(34)} ${o.help}${alias}${dflt}`;
  };
  const wrap = (words: readonly string[]) => {
    const lines: string[] = [];
    let line = ' ';
    for (const w of words) {
      if (line.length + w.length + 1 > 100) [lines[lines.length], line] = [line, ' '];
      line += ' ' + w;
    }
    return [...lines, line].join('\n');
  };
  return [
    'usage: nanobragg-wasm simulate <options>',
    '',
    'nanoBragg options (exact names, one dash; values follow as separate arguments; lengths in mm unless noted):',
    ...NANOBRAGG_OPTIONS.map(row),
    '',
    'Options of this port (two dashes):',
    ...OWN_OPTIONS.map(row),
    '',
    'Outputs are written only when asked for (nanoBragg writes several by default).',
    'nanoBragg options not implemented yet (refused):',
    wrap(NOT_IMPLEMENTED_FLAGS),
  ].join('\n');
}

