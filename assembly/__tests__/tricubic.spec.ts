// Unit tests of the tricubic kernel against docs/c-behaviour/minimal-loop.md 7.2-7.3 (values computed with C's operation order),
// the cubic-reproduction property, the range-rule edges, the serial switch-off and scalar/SIMD agreement.
import {
  polint, tricubicInRange, tricubicF64, tricubicF32, nearestF64, nearestF32,
  tricubicBatchF64, tricubicBatchF64x2, tricubicBatchF32, tricubicBatchF32x4,
} from '../tricubic';

/** A dense grid min..max on every axis, f64 and f32 copies, filled by `field`. */
class Grid {
  range: i32;
  f64: usize;
  f32: usize;
  constructor(public min: i32, public max: i32, field: (h: i32, k: i32, l: i32) => f64) {
    this.range = max - min + 1;
    const n = this.range * this.range * this.range;
    this.f64 = heap.alloc(<usize>n << 3);
    this.f32 = heap.alloc(<usize>n << 2);
    let i = 0;
    for (let h = min; h <= max; h++) for (let k = min; k <= max; k++) for (let l = min; l <= max; l++) {
      const v = field(h, k, l);
      store<f64>(this.f64 + (<usize>i << 3), v);
      store<f32>(this.f32 + (<usize>i << 2), <f32>v);
      i++;
    }
  }
  inRange(h: f64, k: f64, l: f64): bool {
    return tricubicInRange(h, k, l, this.min, this.min, this.min, this.range, this.range, this.range);
  }
  interp(h: f64, k: f64, l: f64): f64 {
    return tricubicF64(this.f64, this.min, this.min, this.min, this.range, this.range, h, k, l);
  }
  interpF32(h: f64, k: f64, l: f64): f32 {
    const hf = Math.floor(h), kf = Math.floor(k), lf = Math.floor(l);
    return tricubicF32(this.f32, this.min, this.min, this.min, this.range, this.range,
      <i32>hf, <i32>kf, <i32>lf, <f32>(h - hf), <f32>(k - kf), <f32>(l - lf));
  }
  nearest(h: f64, k: f64, l: f64, defaultF: f64): f64 {
    return nearestF64(this.f64, this.min, this.min, this.min, this.range, this.range, this.range, h, k, l, defaultF);
  }
}

const linear = (h: i32, k: i32, l: i32): f64 => 100.0 + 10.0 * h + 5.0 * k + 2.0 * l;
const grid15field = (h: i32, k: i32, l: i32): f64 => <f64>(200 + 3 * h - 2 * k + l + (h * h + 2 * k * k + 3 * l * l) % 17);
const small = (h: i32, k: i32, l: i32): f64 => <f64>(100 + h + k + l);
// degree 3 in each axis separately (mixed terms of total degree up to 5): reproduced exactly by polin3
function cubic(h: f64, k: f64, l: f64): f64 {
  return h * h * h - 2.0 * k * k * l + 0.5 * h * k * l + 3.0 * l * l * l - h * h + 0.25 * h * k * k * l * l + 7.0;
}
const cubicField = (h: i32, k: i32, l: i32): f64 => cubic(<f64>h, <f64>k, <f64>l);

/** C's polin3 literally: polint along l for each (i,j), then along k for each i, then along h. */
function polin3Reference(g: Grid, h: f64, k: f64, l: f64): f64 {
  const hf = <i32>Math.floor(h), kf = <i32>Math.floor(k), lf = <i32>Math.floor(l);
  const x0 = <f64>(hf - 1), x1 = <f64>hf, x2 = <f64>(hf + 1), x3 = <f64>(hf + 2);
  const y0 = <f64>(kf - 1), y1 = <f64>kf, y2 = <f64>(kf + 1), y3 = <f64>(kf + 2);
  const z0 = <f64>(lf - 1), z1 = <f64>lf, z2 = <f64>(lf + 1), z3 = <f64>(lf + 2);
  const hk = new StaticArray<f64>(4);
  for (let i = 0; i < 4; i++) {
    const kk = new StaticArray<f64>(4);
    for (let j = 0; j < 4; j++) {
      const base = (((hf - 1 + i - g.min) * g.range + (kf - 1 + j - g.min)) * g.range + (lf - 1 - g.min));
      const p = g.f64 + (<usize>base << 3);
      kk[j] = polint(z0, z1, z2, z3, load<f64>(p), load<f64>(p, 8), load<f64>(p, 16), load<f64>(p, 24), l);
    }
    hk[i] = polint(y0, y1, y2, y3, kk[0], kk[1], kk[2], kk[3], k);
  }
  return polint(x0, x1, x2, x3, hk[0], hk[1], hk[2], hk[3], h);
}

/** Batch of evaluations: h, k, l (f64) and outputs for both precisions. */
class Batch {
  h: usize; k: usize; l: usize; out64: usize; out32: usize;
  constructor(public n: i32) {
    this.h = heap.alloc(<usize>n << 3);
    this.k = heap.alloc(<usize>n << 3);
    this.l = heap.alloc(<usize>n << 3);
    this.out64 = heap.alloc(<usize>n << 3);
    this.out32 = heap.alloc(<usize>n << 2);
  }
  set(i: i32, h: f64, k: f64, l: f64): void {
    store<f64>(this.h + (<usize>i << 3), h);
    store<f64>(this.k + (<usize>i << 3), k);
    store<f64>(this.l + (<usize>i << 3), l);
  }
  o64(i: i32): f64 { return load<f64>(this.out64 + (<usize>i << 3)); }
  o32(i: i32): f32 { return load<f32>(this.out32 + (<usize>i << 2)); }
  // variant: 0 f64, 1 f64x2, 2 f32, 3 f32x4
  run(variant: i32, g: Grid, defaultF: f64, interpolate: bool): i32 {
    const r = g.range, m = g.min;
    if (variant == 0) return tricubicBatchF64(g.f64, m, m, m, r, r, r, defaultF, this.h, this.k, this.l, this.n, this.out64, interpolate);
    if (variant == 1) return tricubicBatchF64x2(g.f64, m, m, m, r, r, r, defaultF, this.h, this.k, this.l, this.n, this.out64, interpolate);
    if (variant == 2) return tricubicBatchF32(g.f32, m, m, m, r, r, r, defaultF, this.h, this.k, this.l, this.n, this.out32, interpolate);
    return tricubicBatchF32x4(g.f32, m, m, m, r, r, r, defaultF, this.h, this.k, this.l, this.n, this.out32, interpolate);
  }
  out(variant: i32, i: i32): f64 { return variant < 2 ? this.o64(i) : <f64>this.o32(i); }
}

let seed: u64 = 12345;
function rand(): f64 { // 64-bit LCG, uniform in [0,1) with all 53 bits random (low-precision points hide rounding)
  seed = seed * 6364136223846793005 + 1442695040888963407;
  return <f64>(seed >>> 11) / 9007199254740992.0;
}

function relErr(a: f64, b: f64): f64 { return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300); }

describe('polint (docs/c-behaviour/minimal-loop.md 7.2)', () => {
  it('reproduces the C values exactly', () => {
    expect(polint(-1, 0, 1, 2, 1, 4, 2, 8, 0.25)).toBe(3.4609375);
    expect(polint(-1, 0, 1, 2, 1, 4, 2, 8, 0.0)).toBe(4.0);
    expect(polint(3, 4, 5, 6, 10, -2, 7, 1, 4.6)).toBe(3.1839999999999957);
  });
});

describe('tricubicF64 = C polin3', () => {
  it('linear field on grid -4..4 is exact', () => {
    const g = new Grid(-4, 4, linear);
    expect(g.inRange(0.5, 0.5, 0.5)).toBe(true);
    expect(g.inRange(-0.25, 0.75, -0.5)).toBe(true);
    expect(g.interp(0.5, 0.5, 0.5)).toBe(108.5);
    expect(g.interp(-0.25, 0.75, -0.5)).toBe(100.25);
  });
  it('grid15 values and nearest neighbours', () => {
    const g = new Grid(-15, 15, grid15field);
    expect(g.interp(0.3, -1.7, 2.45)).toBe(211.29693168332815);
    expect(g.nearest(0.3, -1.7, 2.45, 0)).toBe(209.0);
    expect(g.interp(1.0, 2.0, 3.0)).toBe(204.0);
    expect(g.interp(-0.5, 0.5, 0.0)).toBe(198.25);
    expect(g.nearest(-0.5, 0.5, 0.0, 0)).toBe(198.0);
    expect(g.interp(4.999, -3.2, 0.01)).toBe(229.5169321824317);
    expect(g.nearest(4.999, -3.2, 0.01, 0)).toBe(230.0);
  });
  it('is bitwise C polin3 built from 21 polint calls (random points; grid15 and a rough grid)', () => {
    // rough: random values over 12 decades, so that every Lagrange term dominates somewhere and a
    // one-ulp change in any factor shows
    seed = 3;
    const rough = new Grid(-6, 6, (h: i32, k: i32, l: i32): f64 => (rand() - 0.5) * Math.pow(10.0, Math.floor(12.0 * rand()) - 6.0));
    const grids = [new Grid(-15, 15, grid15field), rough];
    seed = 5;
    let mismatches = 0;
    for (let gi = 0; gi < 2; gi++) {
      const g = grids[gi];
      const lo = <f64>g.min + 2.0, span = <f64>(g.range - 5);
      for (let n = 0; n < 3000; n++) {
        const h = lo + span * rand(), k = lo + span * rand(), l = lo + span * rand();
        if (reinterpret<u64>(g.interp(h, k, l)) != reinterpret<u64>(polin3Reference(g, h, k, l))) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });
  it('reproduces a polynomial of degree 3 per axis (f64 to 1e-9 relative, f32 to 1e-6 of max|F|)', () => {
    const g = new Grid(-6, 6, cubicField);
    seed = 7;
    let maxAbs = 0.0;
    for (let i = 0; i < 13 * 13 * 13; i++) maxAbs = Math.max(maxAbs, Math.abs(load<f64>(g.f64 + (<usize>i << 3))));
    let worst64 = 0.0, worst32 = 0.0;
    for (let i = 0; i < 2000; i++) {
      const h = -4.0 + 8.0 * rand(), k = -4.0 + 8.0 * rand(), l = -4.0 + 8.0 * rand();
      const exact = cubic(h, k, l);
      worst64 = Math.max(worst64, Math.abs(g.interp(h, k, l) - exact) / Math.max(1.0, Math.abs(exact)));
      worst32 = Math.max(worst32, Math.abs(<f64>g.interpF32(h, k, l) - exact) / maxAbs);
    }
    expect(worst64).toBeLessThan(1e-9);
    expect(worst32).toBeLessThan(1e-6);
  });
});

describe('nearest neighbour (docs/c-behaviour/minimal-loop.md 3.2)', () => {
  it('rounds with ceil(x-0.5) and falls back to default_F outside the grid', () => {
    const g = new Grid(-1, 1, small);
    expect(g.nearest(0.5, 0, 0, 999)).toBe(100.0); // exact halves go down
    expect(g.nearest(-0.5, 0, 0, 999)).toBe(99.0);
    expect(g.nearest(0.6, -0.4, 0.4, 999)).toBe(101.0);
    expect(g.nearest(1.5, 0, 0, 999)).toBe(101.0);
    expect(g.nearest(1.5000001, 0, 0, 999)).toBe(999.0);
    expect(g.nearest(-1.5, 0, 0, 999)).toBe(999.0);
    expect(g.nearest(-1.4999999, 0, 0, 999)).toBe(99.0);
    expect(g.nearest(NaN, 0, 0, 999)).toBe(999.0);
    expect(g.nearest(1e300, 0, 0, 999)).toBe(999.0);
    expect(nearestF32(g.f32, -1, -1, -1, 3, 3, 3, 1, 1, 1, <f32>999)).toBe(<f32>103);
  });
});

describe('range rule (docs/c-behaviour/minimal-loop.md 3.5, T-1)', () => {
  it('grid -2..2: only exactly 0 is in range', () => {
    const g = new Grid(-2, 2, linear);
    expect(g.inRange(0, 0, 0)).toBe(true);
    expect(g.inRange(0.5, 0.5, 0.5)).toBe(false);
    expect(g.inRange(1e-9, 0, 0)).toBe(false);
    expect(g.inRange(-1e-9, 0, 0)).toBe(false);
    expect(g.inRange(0, 1e-9, 0)).toBe(false);
    expect(g.inRange(0, 0, -1e-9)).toBe(false);
  });
  it('grid -10..10: [-8, 8] inclusive on every axis', () => {
    const g = new Grid(-10, 10, linear);
    expect(g.inRange(8, 8, 8)).toBe(true);
    expect(g.inRange(-8, -8, -8)).toBe(true);
    expect(g.inRange(7.9999999, -7.9999999, 0)).toBe(true);
    expect(g.inRange(-8.0000001, 0, 0)).toBe(false);
    expect(g.inRange(8.0000001, 0, 0)).toBe(false);
    expect(g.inRange(0, -8.0000001, 0)).toBe(false);
    expect(g.inRange(0, 8.0000001, 0)).toBe(false);
    expect(g.inRange(0, 0, -8.0000001)).toBe(false);
    expect(g.inRange(0, 0, 8.0000001)).toBe(false);
    expect(g.inRange(NaN, 0, 0)).toBe(false);
    expect(g.inRange(Infinity, 0, 0)).toBe(false);
  });
});

describe('batched kernels: serial switch-off (docs/c-behaviour/minimal-loop.md 7.3, T-2)', () => {
  it('(1.5,0,0),(0,0,0),(5,0,0) on grid -1..1 -> 101, 100, 999, first out of range 0', () => {
    const g = new Grid(-1, 1, small);
    const b = new Batch(3);
    b.set(0, 1.5, 0, 0); b.set(1, 0, 0, 0); b.set(2, 5, 0, 0);
    for (let v = 0; v < 4; v++) {
      expect(b.run(v, g, 999, true)).toBe(0);
      expect(b.out(v, 0)).toBe(101.0);
      expect(b.out(v, 1)).toBe(100.0);
      expect(b.out(v, 2)).toBe(999.0);
    }
  });
  it('switches off mid-batch: interpolated before, nearest neighbour from the trigger on', () => {
    const g = new Grid(-4, 4, linear);
    const b = new Batch(11);
    for (let i = 0; i < 11; i++) b.set(i, 0.5, 0.5, 0.5);   // interpolated: 108.5, NN: F(0,0,0) = 100
    b.set(1, -0.25, 0.75, -0.5);                              // interpolated: 100.25, NN: F(0,1,-1) = 103
    b.set(6, 0, 2.5, 0);                                      // out of range (k > 2): NN F(0,2,0) = 110
    b.set(9, 3.7, -2.2, 9.0);                                 // NN out of grid (l0 = 9): default
    for (let v = 0; v < 4; v++) {
      expect(b.run(v, g, 7.5, true)).toBe(6);
      for (let i = 0; i < 6; i++) expect(relErr(b.out(v, i), i == 1 ? 100.25 : 108.5)).toBeLessThanOrEqual(v < 2 ? 0.0 : 1e-6);
      expect(b.out(v, 6)).toBe(110.0);
      expect(b.out(v, 9)).toBe(7.5);
      for (let i = 7; i < 11; i++) if (i != 9) expect(b.out(v, i)).toBe(100.0);
    }
  });
  it('interpolate = false: all nearest neighbour, returns -1', () => {
    const g = new Grid(-4, 4, linear);
    const b = new Batch(5);
    b.set(0, 0.5, 0.5, 0.5); b.set(1, -0.25, 0.75, -0.5); b.set(2, 0, 2.5, 0); b.set(3, 4.5, 0, 0); b.set(4, 1.2, 1.2, 1.2);
    for (let v = 0; v < 4; v++) {
      expect(b.run(v, g, -1, false)).toBe(-1);
      expect(b.out(v, 0)).toBe(100.0);
      expect(b.out(v, 1)).toBe(103.0);
      expect(b.out(v, 2)).toBe(110.0);
      expect(b.out(v, 3)).toBe(140.0);
      expect(b.out(v, 4)).toBe(117.0);
    }
  });
  it('all in range: returns -1; n = 0 is a no-op', () => {
    const g = new Grid(-4, 4, linear);
    const b = new Batch(7);
    for (let i = 0; i < 7; i++) b.set(i, -2.0 + 0.6 * i, 2.0 - 0.6 * i, 0.3 * i - 1.0);
    for (let v = 0; v < 4; v++) {
      expect(b.run(v, g, 0, true)).toBe(-1);
      for (let i = 0; i < 7; i++) {
        const exact = 100.0 + 10.0 * (-2.0 + 0.6 * i) + 5.0 * (2.0 - 0.6 * i) + 2.0 * (0.3 * i - 1.0);
        expect(relErr(b.out(v, i), exact)).toBeLessThan(v < 2 ? 1e-14 : 1e-6);
      }
    }
    const e = new Batch(0);
    for (let v = 0; v < 4; v++) expect(e.run(v, g, 0, true)).toBe(-1);
  });
});

describe('scalar vs SIMD', () => {
  it('f64x2 bitwise = f64 = tricubicF64; f32x4 bitwise = f32 = tricubicF32; f32 within 1e-6 of f64', () => {
    const g = new Grid(-15, 15, grid15field);
    const n = 1003; // odd: exercises the vector tails
    const b = new Batch(n);
    seed = 99;
    for (let i = 0; i < n; i++) b.set(i, -13.0 + 26.0 * rand(), -13.0 + 26.0 * rand(), -13.0 + 26.0 * rand());
    b.set(500, 13.0, -13.0, 13.0); // window edges
    expect(b.run(0, g, 0, true)).toBe(-1);
    const ref64 = heap.alloc(<usize>n << 3), ref32 = heap.alloc(<usize>n << 2);
    memory.copy(ref64, b.out64, <usize>n << 3);
    expect(b.run(2, g, 0, true)).toBe(-1);
    memory.copy(ref32, b.out32, <usize>n << 2);
    expect(b.run(1, g, 0, true)).toBe(-1);
    expect(b.run(3, g, 0, true)).toBe(-1);
    let mism64 = 0, mism32 = 0, mismOne64 = 0, mismOne32 = 0;
    let worst = 0.0;
    for (let i = 0; i < n; i++) {
      const r64 = load<f64>(ref64 + (<usize>i << 3)), r32 = load<f32>(ref32 + (<usize>i << 2));
      const h = load<f64>(b.h + (<usize>i << 3)), k = load<f64>(b.k + (<usize>i << 3)), l = load<f64>(b.l + (<usize>i << 3));
      if (reinterpret<u64>(b.o64(i)) != reinterpret<u64>(r64)) mism64++;
      if (reinterpret<u32>(b.o32(i)) != reinterpret<u32>(r32)) mism32++;
      if (reinterpret<u64>(g.interp(h, k, l)) != reinterpret<u64>(r64)) mismOne64++;
      if (reinterpret<u32>(g.interpF32(h, k, l)) != reinterpret<u32>(r32)) mismOne32++;
      worst = Math.max(worst, relErr(<f64>r32, r64));
    }
    expect(mism64).toBe(0);
    expect(mism32).toBe(0);
    expect(mismOne64).toBe(0);
    expect(mismOne32).toBe(0);
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThan(0.0); // f32 really is f32
  });
});
