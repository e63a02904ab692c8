// nanoBragg's -printout / -printout_pixel trace (nanoBragg.c M:3035-3055): for a rendered pixel, the values C's
// loop variables hold when the pixel is finished (the last evaluation's stol, position, h k l, F_cell, F_latt, the
// running sum I, polarization, solid angle, capture fraction, the pixel, the last crystal vectors).
//
// Those are values from inside the pixel loop, which the kernels do not return: the traced pixel is evaluated
// again here, on the host, in f64, in C's operation order (the same order as assembly/loop-f64.ts pixelF64), and
// its pixel value is checked against the kernel's (docs/c-behaviour/stdout.md). Variables C leaves untouched in a
// pixel (every evaluation cut by -dmin, or by a zero lattice factor) keep the previous rendered pixel's values,
// as in C. Not covered: tricubic interpolation (the host has no tricubic code; refused by name with -printout).

import type { Simulation } from './setup.ts';
import { R_E_SQR } from './setup.ts';
import { formatF, formatG } from '../util/cformat.ts';
import { forEachRenderedPixel, subpixelPosition } from './c-report.ts';
import { hklValue } from '../hkl.ts';

/** C's variables that carry over from pixel to pixel (a pixel may not touch them). */
interface LoopState {
  stol?: number;
  h?: number; k?: number; l?: number;
  Fcell?: number; Flatt?: number;
  abc?: number[];
}

export interface PixelTrace {
  fpixel: number;
  spixel: number;
  state: LoopState;
  pixelPos: [number, number, number];
  I: number;
  polar: number;
  omega: number;
  capture: number;
  /** The pixel as C stores it: f32 of r_e^2 fluence I / steps times the last-value factors. */
  value: number;
}

/** Why -printout cannot be traced for this simulation, or undefined. */
export function traceRefusal(sim: Simulation): string | undefined {
  if (sim.interpolate) return '-printout/-printout_pixel with tricubic interpolation is not implemented (the trace is evaluated on the host, which has no tricubic code): add -nointerpolate';
  return undefined;
}

const sincg = (x: number, N: number) => (x === 0.0 ? N : Math.sin(x * N) / Math.sin(x));
const sinc3 = (x: number) => (x === 0.0 ? 1.0 : (3.0 * (Math.sin(x) / x - Math.cos(x))) / (x * x));

/** C's polarization_factor (M:3543-3590) on unit vectors; returns the factor and the re-unitized diffracted vector. */
function polarization(kahn: number, inc: readonly number[], d: number[], axis: readonly number[]): number {
  let m = Math.sqrt(inc[0] * inc[0] + inc[1] * inc[1] + inc[2] * inc[2]);
  const iu = [inc[0] / m, inc[1] / m, inc[2] / m];
  m = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  d[0] /= m; d[1] /= m; d[2] /= m;
  const cos2theta = iu[0] * d[0] + iu[1] * d[1] + iu[2] * d[2];
  const cos2 = cos2theta * cos2theta;
  const sin2 = 1 - cos2;
  let psi = 0;
  if (kahn !== 0.0) {
    let b = [axis[1] * iu[2] - axis[2] * iu[1], axis[2] * iu[0] - axis[0] * iu[2], axis[0] * iu[1] - axis[1] * iu[0]];
    m = Math.sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
    if (m !== 0.0) b = [b[0] / m, b[1] / m, b[2] / m];
    let e = [iu[1] * b[2] - iu[2] * b[1], iu[2] * b[0] - iu[0] * b[2], iu[0] * b[1] - iu[1] * b[0]];
    m = Math.sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
    if (m !== 0.0) e = [e[0] / m, e[1] / m, e[2] / m];
    const Eout = d[0] * e[0] + d[1] * e[1] + d[2] * e[2];
    const Bout = d[0] * b[0] + d[1] * b[1] + d[2] * b[2];
    psi = -Math.atan2(Bout, Eout);
  }
  return 0.5 * (1.0 + cos2 - kahn * Math.cos(2 * psi) * sin2);
}

/** One rendered pixel of C's loop in f64 (tricubic excluded: traceRefusal), with the variables C prints. */
export function evaluatePixel(sim: Simulation, f: number, s: number, prev: LoopState = {}): PixelTrace {
  const a = sim.args;
  const d = sim.detector;
  const c = sim.crystal;
  const os = sim.oversample;
  const st: LoopState = { ...prev };
  const pixel = s * d.fpixels + f;
  const src = sim.sources.table;
  const table = sim.phi.table;
  const N = [c.Na, c.Nb, c.Nc];
  const shape = sim.shape;
  let I = sim.Ibg;
  let polar = a.nopolar ? 1.0 : 0.0;
  let omega = 0.0;
  let capture = 0.0;
  let pos: [number, number, number] = [0, 0, 0];
  for (let t = 0; t < sim.layers.nLayers; t++) {
    capture = sim.layers.thick === 0.0 ? 1.0 : 0.0;
    for (let subS = 0; subS < os; subS++) {
      for (let subF = 0; subF < os; subF++) {
        pos = subpixelPosition(sim, f, s, subF, subS, t);
        const R = Math.sqrt(pos[0] * pos[0] + pos[1] * pos[1] + pos[2] * pos[2]);
        const dv = R !== 0 ? [pos[0] / R, pos[1] / R, pos[2] / R] : [0, 0, 0];
        if (omega === 0.0 || a.oversampleOmega) {
          omega = ((d.pixel * d.pixel) / R / R) * d.closeDistance / R;
          if (a.pointPixel) omega = 1.0 / R / R;
        }
        if (capture === 0.0 || a.oversampleThick) {
          const parallax = dv[0] * d.odet[0] + dv[1] * d.odet[1] + dv[2] * d.odet[2];
          // C: exp(-t*thickstep*mu/parallax) - exp(-(t+1)*thickstep*mu/parallax), left to right
          capture = Math.exp(-t * sim.layers.thickstep * sim.layers.mu / parallax) - Math.exp(-(t + 1) * sim.layers.thickstep * sim.layers.mu / parallax);
        }
        for (let k = 0; k < sim.sources.count; k++) {
          const inc = [src[4 * k], src[4 * k + 1], src[4 * k + 2]];
          const lambda = src[4 * k + 3];
          const q = [(dv[0] - inc[0]) / lambda, (dv[1] - inc[1]) / lambda, (dv[2] - inc[2]) / lambda];
          const stol = 0.5 * Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
          st.stol = stol;
          if (a.dmin_m > 0.0 && stol > 0.0 && a.dmin_m > 0.5 / stol) continue;
          if (polar === 0.0 || a.oversamplePolar) polar = polarization(a.polarization, inc, dv, d.polarAxis);
          const first = pixel === sim.firstPixel && ((t * sim.oversample + subS) * sim.oversample + subF) * sim.sources.count + k === sim.firstSub;
          for (let e = 0; e < sim.phi.entries; e++) {
            const slot = e < sim.phi.staleSlots && first ? sim.phi.entries + e : e;
            const v = table.subarray(slot * 9, slot * 9 + 9);
            st.abc = [...v];
            const h = v[0] * q[0] + v[1] * q[1] + v[2] * q[2];
            const kk = v[3] * q[0] + v[4] * q[1] + v[5] * q[2];
            const l = v[6] * q[0] + v[7] * q[1] + v[8] * q[2];
            st.h = h; st.k = kk; st.l = l;
            const h0 = Math.ceil(h - 0.5), k0 = Math.ceil(kk - 0.5), l0 = Math.ceil(l - 0.5);
            let Flatt = 1.0;
            if (shape === 0) {
              if (N[0] > 1) Flatt *= sincg(Math.PI * h, N[0]);
              if (N[1] > 1) Flatt *= sincg(Math.PI * kk, N[1]);
              if (N[2] > 1) Flatt *= sincg(Math.PI * l, N[2]);
            } else if (shape === 1) {
              const hrad = (h - h0) * (h - h0) * N[0] * N[0] + (kk - k0) * (kk - k0) * N[1] * N[1] + (l - l0) * (l - l0) * N[2] * N[2];
              Flatt = N[0] * N[1] * N[2] * 0.723601254558268 * sinc3(Math.PI * Math.sqrt(hrad * a.fudge));
            } else {
              const as = c.aStar, bs = c.bStar, cs = c.cStar;
              const dx = (h - h0) * as[0] + (kk - k0) * bs[0] + (l - l0) * cs[0];
              const dy = (h - h0) * as[1] + (kk - k0) * bs[1] + (l - l0) * cs[1];
              const dz = (h - h0) * as[2] + (kk - k0) * bs[2] + (l - l0) * cs[2];
              const rad = (dx * dx + dy * dy + dz * dz) * N[0] * N[0] * N[1] * N[1] * N[2] * N[2];
              Flatt = shape === 2 ? N[0] * N[1] * N[2] * Math.exp(-((rad / 0.63) * a.fudge)) : rad * a.fudge < 0.3969 ? N[0] * N[1] * N[2] : 0.0;
            }
            st.Flatt = Flatt;
            if (Flatt === 0.0 && a.water_m === 0.0) continue;
            const F = sim.grid && sim.grid.count > 0 ? hklValue(sim.grid, h0, k0, l0) ?? sim.defaultF : sim.defaultF;
            st.Fcell = F;
            I += F * F * Flatt * Flatt;
            if (a.oversampleThick) I *= capture;
            if (a.oversamplePolar) I *= polar;
            if (a.oversampleOmega) I *= omega;
          }
        }
      }
    }
  }
  let test = (R_E_SQR * sim.fluence * I) / sim.steps;
  if (!a.oversampleThick) test *= capture;
  if (!a.oversamplePolar) test *= polar;
  if (!a.oversampleOmega) test *= omega;
  return { fpixel: f, spixel: s, state: st, pixelPos: pos, I, polar, omega, capture, value: Math.fround(test) };
}

/** C's trace block for one pixel (M:3039-3054); `pixelValue` is the image's (the kernel's) value. */
export function traceLines(sim: Simulation, t: PixelTrace, pixelValue: number): string[] {
  const p = t.pixelPos;
  const twotheta = Math.atan2(Math.sqrt(p[1] * p[1] + p[2] * p[2]), p[0]);
  const test = Math.sin(twotheta / 2.0) / (sim.lambda * 1e10);
  const st = t.state;
  const n = (x: number | undefined) => x ?? 0;
  const nearest = (x: number | undefined) => Math.ceil(n(x) - 0.5) | 0;
  const g15 = (x: number) => formatG(x, 10).padStart(15);
  const v = st.abc ?? [...sim.crystal.a0, ...sim.crystal.b0, ...sim.crystal.c0];
  const f8 = (x: number) => formatF(x * 1e10, 8).padStart(11);
  return [
    `${String(t.fpixel).padStart(4)} ${String(t.spixel).padStart(4)} : stol = ${formatG(n(st.stol))} or ${formatG(test)}`,
    `at ${formatG(p[0])} ${formatG(p[1])} ${formatG(p[2])}`,
    `hkl= ${formatF(n(st.h))} ${formatF(n(st.k))} ${formatF(n(st.l))}  hkl0= ${nearest(st.h)} ${nearest(st.k)} ${nearest(st.l)}`,
    ` F_cell=${formatG(n(st.Fcell))}  F_latt=${formatG(n(st.Flatt))}   I = ${formatG(t.I)}`,
    `I/steps ${g15(t.I / sim.steps)}`,
    `polar   ${g15(t.polar)}`,
    `omega   ${g15(t.omega)}`,
    `capfrac ${g15(t.capture)}`,
    `pixel   ${g15(pixelValue)}`,
    'real-space cell vectors (Angstrom):',
    `     ${'a'.padEnd(10)}  ${'b'.padEnd(10)}  ${'c'.padEnd(10)}`,
    `X: ${f8(v[0])} ${f8(v[3])} ${f8(v[6])}`,
    `Y: ${f8(v[1])} ${f8(v[4])} ${f8(v[7])}`,
    `Z: ${f8(v[2])} ${f8(v[5])} ${f8(v[8])}`,
  ];
}

/**
 * The trace blocks C prints: every rendered pixel with -printout, one with -printout_pixel F S (C: F < 0 means
 * every pixel). Pixels are evaluated in C's order with C's carried-over state; with one pixel asked, only that
 * pixel (and, when it leaves a variable untouched, the pixels before it, back to the one that set it).
 * `mismatch` receives the pixels whose host value differs from the image's (reported, never hidden).
 */
export function traceBlocks(
  sim: Simulation, image: Float32Array, only: { f: number; s: number } | undefined, mismatch: (f: number, s: number) => void,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const W = sim.detector.fpixels;
  const order: [number, number][] = [];
  forEachRenderedPixel(sim, (f, s) => order.push([f, s]));
  const emit = (t: PixelTrace) => {
    const v = image[t.spixel * W + t.fpixel];
    if (!Object.is(t.value, v) && !(Number.isNaN(t.value) && Number.isNaN(v))) mismatch(t.fpixel, t.spixel);
    out.set(t.spixel * W + t.fpixel, traceLines(sim, t, v));
  };
  if (!only) {
    let state: LoopState = {};
    for (const [f, s] of order) {
      const t = evaluatePixel(sim, f, s, state);
      state = t.state;
      emit(t);
    }
    return out;
  }
  const at = order.findIndex(([f, s]) => f === only.f && s === only.s);
  if (at < 0) return out; // not rendered (outside the ROI, masked, off the detector): C prints nothing
  const t = evaluatePixel(sim, only.f, only.s);
  const keys: (keyof LoopState)[] = ['stol', 'h', 'Fcell', 'Flatt', 'abc'];
  for (let i = at - 1; i >= 0 && keys.some((k) => t.state[k] === undefined); i--) {
    const before = evaluatePixel(sim, order[i][0], order[i][1]).state;
    for (const k of keys) {
      if (t.state[k] !== undefined || before[k] === undefined) continue;
      if (k === 'h') { t.state.h = before.h; t.state.k = before.k; t.state.l = before.l; }
      else (t.state as Record<string, unknown>)[k] = before[k];
    }
  }
  emit(t);
  return out;
}
