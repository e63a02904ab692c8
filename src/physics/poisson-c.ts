// nanoBragg's Poisson and Gaussian deviates, reproduced to the bit (docs/c-behaviour/noise.md; nanoBragg.c
// M:3600-3740): Numerical Recipes' poidev (direct method below 12, Lorentzian rejection up to 1e6, a normal
// approximation above), gaussdev (polar Box-Muller that keeps its second value for the next call) and gammln,
// with C's float variables modelled by Math.fround at exactly the points C stores to a float, and every
// transcendental evaluated in double (C's exp/log/tan/sqrt) before that rounding.
//
// State: the uniform table is the run's shared Ran1Table (rng.ts); gaussdev's spare is program-wide in C and
// lives here in one PoissonC object per run, together with the seed variable of the noise stream.

import { Ran1Table, type SeedVar } from './rng.ts';

const f32 = Math.fround;

const COF = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];

/** ln Γ(xx): float argument, double interior, float result (M:3725-3740). */
export function gammlnC(xx: number): number {
  const x = f32(xx);
  let y = x;
  let tmp = x + 5.5;
  tmp -= (x + 0.5) * Math.log(tmp);
  let ser = 1.000000000190015;
  for (let j = 0; j < 6; j++) {
    y += 1;
    ser += COF[j] / y;
  }
  return f32(-tmp + Math.log((2.5066282746310005 * ser) / x));
}

/** One run's deviate generator: the shared ran1 table, the noise seed variable and gaussdev's spare. */
export class PoissonC {
  private iset = 0;
  private gset = 0;
  /** ran1 calls made through this generator (for tests and diagnostics). */
  draws = 0;

  constructor(
    readonly table: Ran1Table,
    readonly seed: SeedVar,
  ) {}

  private ran1(): number {
    this.draws++;
    return this.table.next(this.seed);
  }

  /** C's gaussdev (M:3657-3685): the v2-based value first, the v1-based one on the next call. */
  gauss(): number {
    if (this.iset === 0) {
      let v1: number, v2: number, rsq: number;
      do {
        v1 = f32(2.0 * this.ran1() - 1.0);
        v2 = f32(2.0 * this.ran1() - 1.0);
        rsq = f32(f32(v1 * v1) + f32(v2 * v2));
      } while (rsq >= 1.0 || rsq === 0.0);
      const fac = f32(Math.sqrt((-2.0 * Math.log(rsq)) / rsq));
      this.gset = f32(v1 * fac);
      this.iset = 1;
      return f32(v2 * fac);
    }
    this.iset = 0;
    return this.gset;
  }

  /** C's poidev(xm) (M:3600-3653); xm is rounded to float as C's parameter is. Returns a float32 value. */
  poisson(xmIn: number): number {
    const xm = f32(xmIn);
    if (xm > 1.0e6) return f32(xm + Math.sqrt(xm) * this.gauss());
    if (xm < 12.0) {
      const g = f32(Math.exp(-xm));
      let em = -1;
      let t = 1.0;
      do {
        em += 1;
        t = f32(t * this.ran1());
      } while (t > g);
      return em;
    }
    // rejection method (also NaN: every comparison is false, NaN after 2 draws)
    const sq = f32(Math.sqrt(2.0 * xm));
    const alxm = f32(Math.log(xm));
    const g = f32(f32(xm * alxm) - gammlnC(xm + 1.0));
    let em: number, y: number, t: number;
    do {
      do {
        y = f32(Math.tan(Math.PI * this.ran1()));
        em = f32(f32(sq * y) + xm);
      } while (em < 0.0);
      em = Math.floor(em);
      const a = f32(f32(f32(em * alxm) - gammlnC(em + 1.0)) - g);
      t = f32(0.9 * (1.0 + f32(y * y)) * Math.exp(a));
    } while (this.ran1() > t);
    return em;
  }
}
