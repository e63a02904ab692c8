// nanoBragg's multi-column text reader (read_text_file, nanoBragg.c:3851-3949), as it behaves, for the
// -sourcefile (5 columns) and -stol/-4stol/-Q (2 columns) files. docs/c-behaviour/beam.md "Source file"
// says what it does in words; this module reproduces it byte for byte. Pure (no Node built-ins).
//
// The reader works on C strings that fgets fills from a 10240-byte buffer: a "record" is at most 10239 bytes
// and ends after a '\n' when there is one, and a NUL byte ends its text early. A record is blank (skipped) when
// only delimiters come before exactly "\n". Otherwise it is one row: columns missing from it stay NaN, except
// where the scanner runs off the end of the text (no final "\n", a "\r\n" ending, a last token that is not
// purely numeric) - there C reads atof("") = 0 into every remaining column.

/** C's delimiters and the characters it skips after a number (nanoBragg.c:3855-3856). */
const DELIMITERS = ' \t,;:!';
const NUMBER_STUFF = '0123456789-+.EGeg';
/** fgets(text, 10240, ...) reads at most this many bytes per call. */
const FGETS_MAX = 10239;

export interface TextColumns {
  /** columns[c][row]: the value C stores (NaN = missing, for the caller's defaults). */
  columns: Float64Array[];
  rows: number;
  /** the 1-based line of the file each row comes from */
  lineOf: number[];
  /** the row's text after its leading delimiters (up to 40 characters), for messages */
  textOf: string[];
}

/** strspn / strcspn on a JS string from `at`. */
function span(s: string, at: number, set: string, inSet: boolean): number {
  let i = at;
  while (i < s.length && set.includes(s[i]) === inSet) i++;
  return i;
}

const SPACE = ' \t\n\v\f\r';

/**
 * C's atof (glibc strtod in the C locale) on `s` from `at`: leading white space, a sign, then a decimal or
 * hexadecimal number, inf/infinity or nan/nan(...); 0 when nothing converts. Overflow gives +-inf.
 */
export function cAtof(s: string, at = 0): number {
  let i = at;
  while (i < s.length && SPACE.includes(s[i])) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') { if (s[i] === '-') sign = -1; i++; }
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) return sign * Infinity;
  if (rest.startsWith('nan')) return NaN;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    const m = /^0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*)|(?:\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/.exec(s.slice(i));
    if (m) return sign * hexValue(m[1], m[2]);
    return sign * 0; // "0x" with no hex digit: strtod reads the "0"
  }
  const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(i));
  return m ? sign * Number(m[0]) : 0;
}

/** A hexadecimal significand "h.hhh" times 2^exp, rounded once to the nearest double (as strtod rounds). */
function hexValue(digits: string, exp: string | undefined): number {
  const dot = digits.indexOf('.');
  const frac = dot < 0 ? 0 : digits.length - dot - 1;
  const mant = BigInt('0x' + (digits.replace('.', '') || '0'));
  let e = (exp === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(exp)))) - 4 * frac;
  if (mant === 0n) return 0;
  // scale the integer to 64+ significant bits, then let Number() round it; multiplying by 2^e is exact
  // except in the subnormal range (rare enough for a source file to accept a second rounding there)
  let v = Number(mant);
  while (e > 0) { const k = Math.min(e, 1000); v *= 2 ** k; e -= k; }
  while (e < 0) { const k = Math.min(-e, 1000); v /= 2 ** k; e += k; }
  return v;
}

/** The file as fgets records: C strings (latin-1 text, cut at a NUL byte) with their 1-based line numbers. */
function fgetsRecords(bytes: Uint8Array): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    let end = i;
    while (end < bytes.length && end - i < FGETS_MAX && bytes[end] !== 0x0a) end++;
    if (end < bytes.length && bytes[end] === 0x0a && end - i < FGETS_MAX) end++;
    let text = '';
    for (let j = i; j < end && bytes[j] !== 0; j++) text += String.fromCharCode(bytes[j]);
    out.push({ text, line });
    if (bytes[end - 1] === 0x0a) line++;
    i = end;
  }
  return out;
}

/** nanoBragg's read_text_file with `nargs` columns. */
export function readTextColumns(bytes: Uint8Array, nargs: number): TextColumns {
  const rows: number[][] = [];
  const lineOf: number[] = [], textOf: string[] = [];
  for (const { text, line } of fgetsRecords(bytes)) {
    let at = span(text, 0, DELIMITERS, true);
    if (text.slice(at) === '\n') continue; // blank
    const row = new Array<number>(nargs).fill(NaN);
    lineOf.push(line);
    textOf.push(text.slice(at, at + 40).replace(/[\r\n]+$/, ''));
    let i = 0;
    for (;;) {
      row[i] = cAtof(text, at);
      at = span(text, at, NUMBER_STUFF, true);
      if (text.slice(at) === '\n') break;
      at = span(text, at, DELIMITERS, false);
      at = span(text, at, DELIMITERS, true);
      if (text.slice(at) === '\n') break;
      if (++i >= nargs) break;
    }
    rows.push(row);
  }
  const columns = Array.from({ length: nargs }, (_, c) => Float64Array.from(rows, (r) => r[c]));
  return { columns, rows: rows.length, lineOf, textOf };
}
