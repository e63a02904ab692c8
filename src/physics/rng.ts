// nanoBragg's uniform random numbers: Numerical Recipes' ran1 with the C program's quirks (docs/c-behaviour/rng.md).
//
// One table (iy, iv[32]) is shared by every stream of a run, as C keeps it in static variables; each stream
// owns only its seed variable (C's `long *idum`). The streams of a run, in C's order: `-misset random`
// (3 draws), the mosaic domains (3 per domain, always), the noise image (poidev per ROI pixel). A stream whose
// seed variable is <= 0 re-initialises the table at its first draw; a positive one (the user typed a negative
// seed: C stores -atoi) continues whatever table the previous stream left. The result is a float32 value
// in (0, 1), returned here as the double it converts to exactly.
//
// Integers: seeds are C longs (64-bit); every intermediate of the LCG step stays below 2^31 in magnitude once
// 0 < idum < 2^31 - 1, so JS numbers with Math.trunc are exact.

const IA = 16807;
const IM = 2147483647;
const AM = 1.0 / IM;
const IQ = 127773;
const IR = 2836;
const NTAB = 32;
const NDIV = 1 + Math.trunc((IM - 1) / NTAB); // 67108864
const RNMX = 1.0 - 1.2e-7;
const RNMX_F32 = Math.fround(RNMX);

/** A stream's seed variable (C: the `long` whose address is passed to ran1), updated in place. */
export interface SeedVar {
  idum: number;
}

/** The table every stream of one run shares (C's static iy and iv). */
export class Ran1Table {
  iy = 0;
  readonly iv = new Float64Array(NTAB);

  /** An independent copy of the shared state (a second use of one simulation must not see the first's draws). */
  clone(): Ran1Table {
    const t = new Ran1Table();
    t.iy = this.iy;
    t.iv.set(this.iv);
    return t;
  }

  /** One draw on `seed`'s stream: C's ran1(&seed). */
  next(seed: SeedVar): number {
    let idum = seed.idum;
    if (idum <= 0 || this.iy === 0) {
      idum = -idum < 1 ? 1 : -idum;
      for (let j = NTAB + 7; j >= 0; j--) {
        idum = lcgStep(idum);
        if (j < NTAB) this.iv[j] = idum;
      }
      this.iy = this.iv[0];
    }
    idum = lcgStep(idum);
    const j = Math.trunc(this.iy / NDIV);
    this.iy = this.iv[j];
    this.iv[j] = idum;
    seed.idum = idum;
    const temp = Math.fround(AM * this.iy);
    return temp > RNMX ? RNMX_F32 : temp;
  }
}

/** idum * 16807 mod (2^31 - 1) by Schrage's method, as C writes it (trunc division, then the sign fix). */
function lcgStep(idum: number): number {
  const k = Math.trunc(idum / IQ);
  let x = IA * (idum - k * IQ) - IR * k;
  if (x < 0) x += IM;
  return x;
}

/** C's `seed = -atoi(text)` for -seed, -mosaic_seed and -misset_seed (glibc atoi wraps to 32 bits). */
export function seedFromFlag(value: number): number {
  const wrapped = (Math.trunc(value) | 0);
  return wrapped === 0 ? 0 : -wrapped;
}

/** nanoBragg's default seed: -time(NULL) (epoch seconds, negated). */
export function timeSeed(nowMs = Date.now()): number {
  return -Math.floor(nowMs / 1000);
}
