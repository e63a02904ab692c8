// The nearest valid option for a word the parser does not know (an edit distance, then what C's strstr()
// would have matched).

import { ArgError } from './sim-args.ts';
import { ALL_FLAGS } from './table.ts';

// ---------------------------------------------------------------------------------------------------
// Suggestions for unknown options

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(x: string, y: string): number {
  const a = x.toLowerCase();
  const b = y.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The closest option name: a small edit distance first; else the longest option that the token contains
 * (what C's strstr() would have matched, e.g. -wavelength -> -wave); else an option containing the token.
 */
export function suggestFlag(tok: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of ALL_FLAGS) {
    const d = editDistance(tok, f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(tok.length / 3))) return best;
  const inside = ALL_FLAGS.filter((f) => f.length > 2 && tok.includes(f)).sort((p, q) => q.length - p.length);
  if (inside.length) return inside[0];
  const body = tok.replace(/^-+/, '');
  if (body.length >= 3) return ALL_FLAGS.find((f) => f.includes(body));
  return undefined;
}

export function unknownOption(tok: string): ArgError {
  const s = suggestFlag(tok);
  return new ArgError(`unknown option '${tok}' ` + (s ? `(did you mean '${s}'?)` : `(see --help for the options)`), tok);
}

