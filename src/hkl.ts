// Structure-factor input: the text HKL file (`-hkl`), one reflection "h k l F" per line, into the dense grid
// the lookups index (docs/c-behaviour/minimal-loop.md section 2.1).
//
// What the C reader (nanoBragg.c M:2137-2240) accepts, and we accept identically: four numbers per
// reflection separated by any whitespace, negative indices, '+' signs, exponents in F; duplicates: the last
// one wins; cells without a reflection hold default_F.
//
// Where this reader differs from C (C reads the file as a stream of numbers, four at a time; see T-5):
//  * Line based: each line holds one reflection. A `#` starts a comment (to the end of the line, anywhere on
//    it); blank lines are skipped. C stops reading at the first `#`, so a commented file is empty to C.
//  * A line with more than four numbers (h k l F sigma, h k l F phase, h k l F sigma phase): only the first
//    four are read, the rest are ignored (a warning says how many lines). C regroups such files four numbers
//    at a time across lines and reads nonsense.
//  * A reflection split over several lines, or two reflections on one line, which C's stream reading accepts,
//    is rejected (fewer than 4 numbers) or read as one reflection plus ignored columns respectively.
//  * Miller indices written as integer-valued decimals (`1.0`, `2.000000e+00` as numpy.savetxt writes) are
//    read as the integers they denote, with a warning: C's second pass reads them with `%d`, stops at the `.`
//    and silently stores nothing. Non-integer indices (`1.5`) are rejected.
//  * Rejected with an HklError naming the source and line: no reflections (C: "not enough HKL indices",
//    exit 9), tokens that are not decimal numbers (incl. hex floats, which C's %lg would take), F that is not
//    finite (nan, inf, 1e999), indices beyond the C int range, and a grid over the memory limit (checked
//    before anything is allocated).
//
// The grid has no padding planes (C allocates (range+1)^3 with zero padding that the lookups never read;
// Fdump.bin writers must add them back).
//
// Pure module: no Node built-ins at top level (readHklFile imports node:fs on demand).

import { readInputFile, InputFileError } from './io/input-file.ts';

/** Dense structure-factor grid, h outermost and l fastest: F(h,k,l) = data[((h-hMin)*kRange + (k-kMin))*lRange + (l-lMin)]. */
export interface HklGrid {
  hMin: number;
  hMax: number;
  kMin: number;
  kMax: number;
  lMin: number;
  lMax: number;
  /** hMax - hMin + 1: the number of h values (C's h_range). */
  hRange: number;
  kRange: number;
  lRange: number;
  data: Float64Array;
  /** The value of every cell no reflection set (C: default_F prefill, or 0 when default_F is 0). */
  defaultF: number;
  /** Reflections read, duplicates included (C's `hkls`). */
  count: number;
}

export interface HklParseOptions {
  /** Fill value for cells without a reflection (C `-default_F`, default 0). */
  defaultF?: number;
  /** Largest grid allowed, in bytes of float64 data (default DEFAULT_HKL_MAX_BYTES = 512 MiB). */
  maxBytes?: number;
  /** Name used in messages (a file path); default "HKL input". */
  source?: string;
}

export interface HklParseResult {
  grid: HklGrid;
  /** Non-fatal findings, one line each: duplicates, ignored extra columns, decimal-written indices. */
  warnings: string[];
}

/** Default memory limit for the float64 grid: 512 MiB (64 Mi cells, e.g. 400 x 400 x 400 indices). */
export const DEFAULT_HKL_MAX_BYTES = 512 * 1024 * 1024;

/** A rejected HKL input. The message is one line naming the source (and line, when there is one). */
export class HklError extends Error {
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, problem: string) {
    super(line === undefined ? `${source}: ${problem}` : `${source}:${line}: ${problem}`);
    this.name = 'HklError';
    this.source = source;
    this.line = line;
  }
}

const INT_MAX = 2147483647;
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const AXES = ['h', 'k', 'l'];

// character codes
const TAB = 9, LF = 10, VT = 11, FF = 12, CR = 13, SPACE = 32, HASH = 35, PLUS = 43, MINUS = 45, DOT = 46;
const ZERO = 48, NINE = 57, UPPER_E = 69, LOWER_E = 101;

/** Result slots of scanNumber (module-level to keep the hot loop allocation-free). */
let numValue = 0;
/** True when the token has a '.' or an exponent (i.e. is not written as a plain integer). */
let numDecimal = false;

/**
 * Scans bytes[s..e) as a decimal number `[+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?`; on success sets
 * numValue / numDecimal and returns true. Values are correctly rounded (as C's strtod): a mantissa below 2^53
 * with a power of ten up to 22 is exact in one IEEE multiply/divide, anything longer goes to Number().
 */
function scanNumber(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  let neg = false;
  let c = b[i];
  if (c === PLUS || c === MINUS) {
    neg = c === MINUS;
    i++;
  }
  let mant = 0;
  let sigDigits = 0; // digits accumulated into mant (leading zeros excluded)
  let exp10 = 0; // value = mant * 10^exp10
  let digits = 0;
  let decimal = false;
  while (i < e && (c = b[i]) >= ZERO && c <= NINE) {
    if (mant !== 0 || c !== ZERO) {
      if (sigDigits < 19) {
        mant = mant * 10 + (c - ZERO);
        sigDigits++;
      } else {
        exp10++;
        sigDigits = 99; // inexact mantissa: force the slow path
      }
    }
    digits++;
    i++;
  }
  if (i < e && b[i] === DOT) {
    decimal = true;
    i++;
    while (i < e && (c = b[i]) >= ZERO && c <= NINE) {
      if (mant !== 0 || c !== ZERO) {
        if (sigDigits < 19) {
          mant = mant * 10 + (c - ZERO);
          sigDigits++;
          exp10--;
        } else sigDigits = 99;
      } else exp10--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return false;
  if (i < e && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    decimal = true;
    i++;
    let eneg = false;
    if (i < e && (b[i] === PLUS || b[i] === MINUS)) {
      eneg = b[i] === MINUS;
      i++;
    }
    if (i >= e) return false;
    let ev = 0;
    while (i < e && (c = b[i]) >= ZERO && c <= NINE) {
      if (ev < 100000) ev = ev * 10 + (c - ZERO);
      i++;
    }
    exp10 += eneg ? -ev : ev;
  }
  if (i !== e) return false;
  numDecimal = decimal;
  let v: number;
  if (mant === 0) v = 0;
  else if (mant <= 9007199254740992 && sigDigits <= 16 && exp10 >= -22 && exp10 <= 22) {
    v = exp10 >= 0 ? mant * POW10[exp10] : mant / POW10[-exp10];
  } else {
    v = Number(latin1(b, s + (neg || b[s] === PLUS ? 1 : 0), e));
  }
  numValue = neg ? -v : v;
  return true;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]);
  return out;
}

/** A token for a message: decoded, control characters escaped, long ones shortened. */
function showToken(b: Uint8Array, s: number, e: number): string {
  const text = new TextDecoder().decode(b.subarray(s, Math.min(e, s + 40)));
  const shown = JSON.stringify(text);
  const odd = oddSeparator(text);
  return (e - s > 40 ? shown.slice(0, -1) + '..."' : shown) + (odd ? ` (it holds ${odd}, which is not a separator: use spaces or tabs)` : '');
}

/** A Unicode space or other invisible character inside a token (a NO-BREAK SPACE from a word processor). */
function oddSeparator(text: string): string | undefined {
  const m = /[\u0080-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/.exec(text);
  if (!m) return undefined;
  const names: Record<string, string> = { '\u00a0': 'NO-BREAK SPACE', '\u202f': 'NARROW NO-BREAK SPACE', '\u200b': 'ZERO WIDTH SPACE', '\ufeff': 'ZERO WIDTH NO-BREAK SPACE', '\u3000': 'IDEOGRAPHIC SPACE' };
  const cp = m[0].codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}${names[m[0]] ? ` ${names[m[0]]}` : ''}`;
}

/** A token as shown in a message: at most 40 characters (a 10-million-digit F must not make a 10 MB line). */
function shownText(b: Uint8Array, s: number, e: number): string {
  return e - s > 40 ? `${latin1(b, s, s + 40)}... (${e - s} characters)` : latin1(b, s, e);
}

const NON_FINITE_WORD = /^[+-]?(nan(\([0-9a-z_]*\))?|inf(inity)?)$/i;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === VT || c === FF;
}

/**
 * Parses HKL text (a string, or the file's bytes, UTF-8/ASCII) into the dense grid. Throws HklError for
 * anything it cannot read faithfully (see the header of this file).
 */
export function parseHkl(text: string | Uint8Array, opts: HklParseOptions = {}): HklParseResult {
  const source = opts.source ?? 'HKL input';
  const defaultF = opts.defaultF ?? 0;
  const maxBytes = opts.maxBytes ?? DEFAULT_HKL_MAX_BYTES;
  const b = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const n = b.length;

  let cap = 1024;
  let hs = new Int32Array(cap), ks = new Int32Array(cap), ls = new Int32Array(cap);
  let fs = new Float64Array(cap);
  let lines = new Int32Array(cap);
  let count = 0;
  let extraColumnLines = 0, firstExtraLine = 0;
  let decimalIndexCount = 0, firstDecimalLine = 0, firstDecimalToken = '';
  let hMin = INT_MAX, hMax = -INT_MAX - 1, kMin = INT_MAX, kMax = -INT_MAX - 1, lMin = INT_MAX, lMax = -INT_MAX - 1;
  const idx = [0, 0, 0];

  let i = 0;
  // skip a UTF-8 byte-order mark
  if (n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  let line = 1;
  while (i < n) {
    // one line: tokens until LF / CR / CRLF; '#' comments out the rest
    let numbers = 0;
    let f = 0;
    let c = 0;
    for (;;) {
      while (i < n && isSpace((c = b[i]))) i++;
      if (i >= n) break;
      c = b[i];
      if (c === LF || c === CR) break;
      if (c === HASH) {
        while (i < n && (c = b[i]) !== LF && c !== CR) i++;
        break;
      }
      const s = i;
      while (i < n && (c = b[i]) !== SPACE && c !== TAB && c !== LF && c !== CR && c !== VT && c !== FF && c !== HASH) i++;
      if (!scanNumber(b, s, i)) {
        const shown = showToken(b, s, i);
        if (numbers === 3 && NON_FINITE_WORD.test(latin1(b, s, i))) {
          throw new HklError(source, line, `F = ${shownText(b, s, i)} is not a finite number`);
        }
        throw new HklError(source, line, `${shown} is not a number (expected "h k l F" on each line)`);
      }
      if (numbers < 3) {
        const v = numValue;
        if (!Number.isInteger(v)) {
          throw new HklError(source, line, `Miller index ${AXES[numbers]} = ${shownText(b, s, i)} is not an integer`);
        }
        if (v > INT_MAX || v < -INT_MAX - 1) {
          throw new HklError(source, line, `Miller index ${AXES[numbers]} = ${shownText(b, s, i)} is out of range (|index| must fit a C int)`);
        }
        if (numDecimal) {
          if (decimalIndexCount === 0) {
            firstDecimalLine = line;
            firstDecimalToken = shownText(b, s, i);
          }
          decimalIndexCount++;
        }
        idx[numbers] = v === 0 ? 0 : v; // -0 -> 0
      } else if (numbers === 3) {
        if (!Number.isFinite(numValue)) {
          throw new HklError(source, line, `F = ${shownText(b, s, i)} is not a finite number`);
        }
        f = numValue;
      }
      numbers++;
    }
    if (numbers > 0) {
      if (numbers < 4) {
        throw new HklError(source, line, `expected 4 numbers "h k l F", found ${numbers}`);
      }
      if (numbers > 4) {
        if (extraColumnLines === 0) firstExtraLine = line;
        extraColumnLines++;
      }
      if (count === cap) {
        cap *= 2;
        const grow = <T extends Int32Array | Float64Array>(a: T, make: (m: number) => T): T => {
          const out = make(cap);
          out.set(a);
          return out;
        };
        hs = grow(hs, (m) => new Int32Array(m));
        ks = grow(ks, (m) => new Int32Array(m));
        ls = grow(ls, (m) => new Int32Array(m));
        lines = grow(lines, (m) => new Int32Array(m));
        fs = grow(fs, (m) => new Float64Array(m));
      }
      const h = idx[0], k = idx[1], l = idx[2];
      hs[count] = h;
      ks[count] = k;
      ls[count] = l;
      fs[count] = f;
      lines[count] = line;
      count++;
      if (h < hMin) hMin = h;
      if (h > hMax) hMax = h;
      if (k < kMin) kMin = k;
      if (k > kMax) kMax = k;
      if (l < lMin) lMin = l;
      if (l > lMax) lMax = l;
    }
    // end of line: CRLF, LF or a lone CR (old Mac files) each end one line
    if (i < n) {
      if (b[i] === CR && i + 1 < n && b[i + 1] === LF) i++;
      i++;
      line++;
    }
  }

  if (count === 0) {
    throw new HklError(source, undefined, 'no reflections found (expected lines "h k l F"; C: "not enough HKL indices")');
  }

  const hRange = hMax - hMin + 1, kRange = kMax - kMin + 1, lRange = lMax - lMin + 1;
  const cells = hRange * kRange * lRange; // exact: below 2^53 for any int32 ranges that pass the check below
  const bytes = cells * 8;
  if (bytes > maxBytes) {
    throw new HklError(
      source,
      undefined,
      `HKL grid h ${hMin}..${hMax}, k ${kMin}..${kMax}, l ${lMin}..${lMax} (${hRange} x ${kRange} x ${lRange} = ${cells} cells) ` +
        `needs ${bytes} bytes (${mib(bytes)} MiB) of float64, over the limit of ${maxBytes} bytes (${mib(maxBytes)} MiB)`,
    );
  }
  let data: Float64Array;
  let seen: Uint32Array;
  try {
    data = new Float64Array(cells);
    seen = new Uint32Array(Math.ceil(cells / 32));
  } catch (e) {
    throw new HklError(source, undefined, `cannot allocate the HKL grid of ${cells} cells (${mib(bytes)} MiB): ${(e as Error).message}`);
  }
  if (defaultF !== 0) data.fill(defaultF);

  let duplicates = 0, firstDuplicate = -1;
  for (let r = 0; r < count; r++) {
    const cell = ((hs[r] - hMin) * kRange + (ks[r] - kMin)) * lRange + (ls[r] - lMin);
    const word = cell >>> 5, bit = 1 << (cell & 31);
    if (seen[word] & bit) {
      if (duplicates === 0) firstDuplicate = r;
      duplicates++;
    } else seen[word] |= bit;
    data[cell] = fs[r];
  }

  const warnings: string[] = [];
  if (duplicates > 0) {
    const r = firstDuplicate;
    warnings.push(
      `${source}: ${duplicates} duplicate reflection${duplicates === 1 ? '' : 's'}; the last value in the file is used, as in C ` +
        `(first duplicate: ${hs[r]} ${ks[r]} ${ls[r]} at line ${lines[r]})`,
    );
  }
  if (extraColumnLines > 0) {
    warnings.push(
      `${source}: ${extraColumnLines} line${extraColumnLines === 1 ? ' has' : 's have'} more than 4 numbers (first at line ${firstExtraLine}); ` +
        'only "h k l F" is read, the extra columns (sigma, phase) are ignored; the C nanoBragg misreads such files',
    );
  }
  if (decimalIndexCount > 0) {
    warnings.push(
      `${source}: ${decimalIndexCount} Miller ${decimalIndexCount === 1 ? 'index is' : 'indices are'} written as decimals ` +
        `(first at line ${firstDecimalLine}: "${firstDecimalToken}"); read as integers here, but the C nanoBragg silently stores no F values for such files`,
    );
  }

  return {
    grid: { hMin, hMax, kMin, kMax, lMin, lMax, hRange, kRange, lRange, data, defaultF, count },
    warnings,
  };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** F(h,k,l) from the grid, or undefined outside the grid's index ranges. */
export function hklValue(grid: HklGrid, h: number, k: number, l: number): number | undefined {
  if (h < grid.hMin || h > grid.hMax || k < grid.kMin || k > grid.kMax || l < grid.lMin || l > grid.lMax) return undefined;
  return grid.data[((h - grid.hMin) * grid.kRange + (k - grid.kMin)) * grid.lRange + (l - grid.lMin)];
}

/** Reads and parses an HKL file (Node only). File-system problems become one-line HklErrors naming the path. */
export async function readHklFile(path: string, opts: HklParseOptions = {}): Promise<HklParseResult> {
  const source = opts.source ?? path;
  let bytes: Uint8Array;
  try {
    bytes = await readInputFile(path, '-hkl', 'HKL file', { label: source, maxBytes: HKL_MAX_BYTES });
  } catch (e) {
    if (e instanceof InputFileError) throw new HklError(source, undefined, e.reason);
    throw e;
  }
  return parseHkl(bytes, { ...opts, source });
}

/** Most bytes read as an HKL file (from disk or a pipe): 1 GiB of text is far beyond the largest grid allowed. */
export const HKL_MAX_BYTES = 1024 * 1024 * 1024;
