// C printf number formatting (glibc behaviour) for reproducing nanoBragg's printed text and SMV/PGM headers
// byte for byte: `%g`/`%.Ng` (formatG), `%.Ne` (formatE), `%.Nf` (formatF).
//
// Why not Number.prototype.toExponential/toPrecision: JavaScript rounds exact decimal ties away from zero
// ((2.5).toExponential(0) is "3e+0"), glibc rounds them to even (printf("%.0e", 2.5) is "2e+00"), and
// JavaScript writes exponents as "e+0" where C writes "e+00". So the digits are taken from the exact decimal
// expansion of the double (every finite double is a finite decimal fraction) and rounded half-to-even, which
// is what glibc does in the default rounding mode. Pure: no platform APIs, usable in browsers.

/** Exact decimal digits of |x| (x finite, non-zero): |x| = 0.d1d2d3... * 10^(point). */
function exactDigits(x: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) {
    e2 = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  // |x| = mant * 2^e2
  if (e2 >= 0) {
    const digits = (mant << BigInt(e2)).toString();
    return { digits, point: digits.length };
  }
  // mant * 2^e2 = mant * 5^-e2 / 10^-e2
  const digits = (mant * 5n ** BigInt(-e2)).toString();
  return { digits, point: digits.length + e2 };
}

/**
 * Rounds 0.digits * 10^point to its first `nKeep` digits (nKeep may be <= 0: everything is rounded away),
 * half-to-even on exact ties. A carry out of the leading digit (999 -> 1000) raises `point` by one and
 * still returns nKeep digits (the dropped last digit is a zero).
 */
function roundDigits(digits: string, point: number, nKeep: number): { digits: string; point: number } {
  if (nKeep >= digits.length) return { digits: digits.padEnd(nKeep, '0'), point };
  if (nKeep < 0) return { digits: '', point };
  const kept = digits.slice(0, nKeep);
  const first = digits.charCodeAt(nKeep) - 48;
  let up: boolean;
  if (first > 5) up = true;
  else if (first < 5) up = false;
  else {
    let tail = false;
    for (let i = nKeep + 1; i < digits.length; i++) {
      if (digits.charCodeAt(i) !== 48) {
        tail = true;
        break;
      }
    }
    // exact tie: round to even (the digit before is 0 when nothing is kept)
    up = tail || (nKeep > 0 && (kept.charCodeAt(nKeep - 1) - 48) % 2 === 1);
  }
  if (!up) return { digits: kept, point };
  if (nKeep === 0) return { digits: '1', point: point + 1 };
  const inc = (BigInt(kept) + 1n).toString();
  if (inc.length > nKeep) return { digits: inc.slice(0, nKeep), point: point + 1 };
  return { digits: inc.padStart(nKeep, '0'), point };
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** glibc spellings of the non-finite values ("-nan" when the NaN's sign bit is set). */
function nonFinite(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getUint8(0) & 0x80 ? '-nan' : 'nan';
}

function expSuffix(e: number): string {
  const a = Math.abs(e);
  return (e < 0 ? 'e-' : 'e+') + (a < 10 ? '0' + a : String(a));
}

/** Significant digits (exactly `p` of them) and decimal exponent of x rounded to p significant digits. */
function significant(x: number, p: number): { sig: string; exp10: number } {
  if (x === 0) return { sig: '0'.repeat(p), exp10: 0 };
  if (p <= 100) {
    // Fast path (a --batch prints the cell block of every image). toExponential rounds the exact binary value
    // correctly but breaks ties upward, glibc to even; a tie at p digits is a value with exactly p+1 significant
    // digits, the last a 5, so when x to p+1 digits does not end in 5 there is no tie and the p-digit rounding
    // is glibc's. Otherwise the exact expansion below decides.
    const longer = x.toExponential(p);
    if (longer.charCodeAt(longer.indexOf('e') - 1) !== 53) {
      const s = x.toExponential(p - 1);
      const e = s.indexOf('e');
      return { sig: p > 1 ? s[0] + s.slice(2, e) : s[0], exp10: Number(s.slice(e + 1)) };
    }
  }
  const { digits, point } = exactDigits(x);
  // leading digit of `digits` is non-zero (BigInt toString), so its position is point-1
  const r = roundDigits(digits, point, p);
  return { sig: r.digits, exp10: r.point - 1 };
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/** C `printf("%.<precision>g", x)` as glibc prints it (default precision 6, as `%g`; a negative precision means 6, 0 means 1). */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const p = precision < 0 ? 6 : precision === 0 ? 1 : Math.trunc(precision);
  const sign = signOf(x);
  const { sig, exp10: X } = significant(Math.abs(x), p);
  if (X < p && X >= -4) {
    // style f with precision p-1-X, trailing zeros removed
    let intPart: string;
    let frac: string;
    if (X >= 0) {
      intPart = sig.slice(0, X + 1);
      frac = sig.slice(X + 1);
    } else {
      intPart = '0';
      frac = '0'.repeat(-X - 1) + sig;
    }
    frac = stripZeros(frac);
    return sign + intPart + (frac ? '.' + frac : '');
  }
  const frac = stripZeros(sig.slice(1));
  return sign + sig[0] + (frac ? '.' + frac : '') + expSuffix(X);
}

/** `%lg` is `%g` for a double (C99). */
export const formatLg = formatG;

/** C `printf("%.<precision>e", x)` (default precision 6). */
export function formatE(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const p = precision < 0 ? 6 : Math.trunc(precision);
  const { sig, exp10 } = significant(Math.abs(x), p + 1);
  return signOf(x) + sig[0] + (p > 0 ? '.' + sig.slice(1) : '') + expSuffix(exp10);
}

/** C `printf("%.<precision>f", x)` (default precision 6). */
export function formatF(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const p = precision < 0 ? 6 : Math.trunc(precision);
  const sign = signOf(x);
  let digits: string;
  let point: number;
  if (x === 0) {
    digits = '';
    point = 0;
  } else {
    const exact = exactDigits(Math.abs(x));
    const r = roundDigits(exact.digits, exact.point, exact.point + p);
    digits = r.digits;
    point = r.point;
  }
  // 0.digits * 10^point; a carry (9.99 -> 10.0) drops a trailing zero digit, put it back: point+p digits
  const all = digits.padEnd(point + p, '0').padStart(p + Math.max(point, 1), '0');
  const intLen = all.length - p;
  const intPart = all.slice(0, intLen).replace(/^0+(?=\d)/, '');
  return sign + (intPart || '0') + (p > 0 ? '.' + all.slice(intLen) : '');
}
