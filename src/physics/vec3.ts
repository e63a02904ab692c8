// Lab-frame vector arithmetic in C's operation order (nanoBragg.c's dot_product, cross_product, magnitude):
// the same expressions everywhere, so results stay bit-identical to C's wherever they are used.

export type Vec3 = [number, number, number];

export const dot = (x: readonly number[], y: readonly number[]): number => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
export const cross = (x: readonly number[], y: readonly number[]): Vec3 => [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
export const magnitude = (v: readonly number[]): number => Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

/** C's rotate_axis (Rodrigues rotation of v about a unit axis by phi radians). */
export function rotateAxis(v: Vec3, axis: Vec3, phi: number): Vec3 {
  const sinphi = Math.sin(phi);
  const cosphi = Math.cos(phi);
  const d = (axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2]) * (1.0 - cosphi);
  return [
    axis[0] * d + v[0] * cosphi + (-axis[2] * v[1] + axis[1] * v[2]) * sinphi,
    axis[1] * d + v[1] * cosphi + (+axis[2] * v[0] - axis[0] * v[2]) * sinphi,
    axis[2] * d + v[2] * cosphi + (-axis[1] * v[0] + axis[0] * v[1]) * sinphi,
  ];
}
