// Values on the command line: plain decimal numbers only (C's atof/atoi read a prefix and never complain), with
// the unit and range in every message, and C's unit conversions (docs/c-behaviour/minimal-loop.md section 1.1).

import { ArgError, MAX_DETPIXELS } from './sim-args.ts';

/** C's RTD = 180.0*M_1_PI; 1/Math.PI is bit-identical to M_1_PI. */
export const RTD = 180.0 * (1 / Math.PI);

// ---------------------------------------------------------------------------------------------------
// Value parsing

export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const INFINITE = /^[+-]?inf(?:inity)?$/i;

/** A token that can be an option's value even though it starts with '-' (a negative number). */
export function valueLike(tok: string): boolean {
  return !tok.startsWith('-') || DECIMAL.test(tok) || INFINITE.test(tok);
}

/** The unit part of messages: "(mm)", or "" when there is none. */
export function paren(unit: string): string {
  return unit ? ` (${unit})` : '';
}

export function real(flag: string, tok: string, unit: string): number {
  if (INFINITE.test(tok)) throw new ArgError(`option '${flag}' expects a finite number${paren(unit)}, got '${tok}'`, flag);
  if (!DECIMAL.test(tok)) throw new ArgError(`option '${flag}' expects a number${paren(unit)}, got '${tok}'`, flag);
  const v = Number(tok);
  if (!Number.isFinite(v)) throw new ArgError(`option '${flag}' expects a finite number${paren(unit)}, got '${tok}'`, flag);
  return v;
}

export function int(flag: string, tok: string, unit: string): number {
  const v = real(flag, tok, unit);
  if (!Number.isInteger(v)) {
    throw new ArgError(
      `option '${flag}' expects an integer${paren(unit)}, got '${tok}' (nanoBragg's atoi would silently use ${Math.trunc(v)})`,
      flag,
    );
  }
  if (Math.abs(v) > 2147483647) {
    throw new ArgError(`option '${flag}' value '${tok}' is out of range: must fit a 32-bit integer`, flag);
  }
  return v;
}

export type Check = [test: (v: number) => boolean, range: string];
export const GT0: Check = [(v) => v > 0, '> 0'];
export const GE0: Check = [(v) => v >= 0, '>= 0'];
export const GE1: Check = [(v) => v >= 1, '>= 1'];
export const DETPIX: Check = [(v) => v >= 1 && v <= MAX_DETPIXELS, `1..${MAX_DETPIXELS}`];
export const ANGLE: Check = [(v) => v > 0 && v < 180, 'in (0, 180)'];
export const KAHN: Check = [(v) => v >= -1 && v <= 1, 'in [-1, 1]'];

export function check(flag: string, tok: string, v: number, unit: string, [ok, range]: Check): number {
  if (!ok(v)) throw new ArgError(`option '${flag}' value '${tok}' is out of range: must be ${range}${paren(unit)}`, flag);
  return v;
}

/** A value that must stay positive and finite after its unit conversion (5e-324 mm is 0 m; 1e-320 eV is an infinite wavelength). */
export function positive(flag: string, tok: string, v: number, unit: string): number {
  if (!(v > 0 && v < Infinity)) {
    throw new ArgError(`option '${flag}' value '${tok}' is out of range: too ${v > 0 ? 'large' : 'small'} to convert from ${unit} to SI units`, flag);
  }
  return v;
}

export const realIn = (flag: string, tok: string, unit: string, c?: Check) =>
  c ? check(flag, tok, real(flag, tok, unit), unit, c) : real(flag, tok, unit);
export const intIn = (flag: string, tok: string, unit: string, c?: Check) =>
  c ? check(flag, tok, int(flag, tok, unit), unit, c) : int(flag, tok, unit);
/** A length given in mm, in metres (C: mm / 1000.0). */
export const metres = (flag: string, tok: string) => positive(flag, tok, realIn(flag, tok, 'mm', GT0) / 1000.0, 'mm');

