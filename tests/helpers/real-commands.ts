// Small synthesized inputs for the real command lines of tests/fixtures/real-commands.json (their scripts read
// files we do not have: a P1 HKL list from an MTZ, a MOSFLM matrix from UBtoA.awk). Deterministic, so that the
// fixture's C results (made by scripts/real-commands.ts with the C reference) stay valid.

/** `h k l F` for every h, k, l in [-n, n]: F from a fixed integer hash (1..97), F000 = 500. */
export function hklText(n: number): string {
  const lines: string[] = [];
  for (let h = -n; h <= n; h++) {
    for (let k = -n; k <= n; k++) {
      for (let l = -n; l <= n; l++) {
        const F = h === 0 && k === 0 && l === 0 ? 500 : 1 + (((h * h * 3 + k * 5 + l * l * 7 + 11 * h * k + 13 * l) % 97) + 97) % 97;
        lines.push(`${h} ${k} ${l} ${F}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A MOSFLM-style A matrix (what UBtoA.awk prints: the reciprocal vectors a*, b*, c* as columns, times lambda) for a
 * cell (Å, degrees) turned by misset angles about x, then y, then z (degrees).
 */
export function matText(cell: readonly number[], misset: readonly number[], lambda: number): string {
  const R = Math.PI / 180;
  const [a, b, c] = cell;
  const [al, be, ga] = cell.slice(3).map((x) => x * R);
  const A = [a, 0, 0];
  const B = [b * Math.cos(ga), b * Math.sin(ga), 0];
  const cx = c * Math.cos(be), cy = (c * (Math.cos(al) - Math.cos(be) * Math.cos(ga))) / Math.sin(ga);
  const C = [cx, cy, Math.sqrt(c * c - cx * cx - cy * cy)];
  const cross = (u: number[], v: number[]) => [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const V = A[0] * cross(B, C)[0] + A[1] * cross(B, C)[1] + A[2] * cross(B, C)[2];
  let stars = [cross(B, C), cross(C, A), cross(A, B)].map((v) => v.map((x) => x / V));
  const rot = (v: number[], axis: number, t: number) => {
    const [i, j] = [[1, 2], [2, 0], [0, 1]][axis];
    const out = [...v];
    out[i] = v[i] * Math.cos(t) - v[j] * Math.sin(t);
    out[j] = v[i] * Math.sin(t) + v[j] * Math.cos(t);
    return out;
  };
  for (let ax = 0; ax < 3; ax++) stars = stars.map((v) => rot(v, ax, misset[ax] * R));
  const f = (x: number) => (x * lambda).toFixed(8).padStart(12);
  return [0, 1, 2].map((row) => stars.map((v) => f(v[row])).join('')).join('\n') + '\n';
}

/** The files a command needs, from the fixture's recipes. */
export function makeInputs(spec: Record<string, { hkl?: number; mat?: { cell: number[]; misset: number[]; lambda: number } }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, r] of Object.entries(spec)) {
    if (r.hkl !== undefined) out[name] = hklText(r.hkl);
    else if (r.mat) out[name] = matText(r.mat.cell, r.mat.misset, r.mat.lambda);
  }
  return out;
}
