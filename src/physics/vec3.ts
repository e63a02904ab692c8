// Lab-frame vector arithmetic in C's operation order (nanoBragg.c's dot_product, cross_product, magnitude):
// the same expressions everywhere, so results stay bit-identical to C's wherever they are used.

export type Vec3 = [number, number, number];

export const dot = (x: readonly number[], y: readonly number[]): number => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
export const cross = (x: readonly number[], y: readonly number[]): Vec3 => [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
export const magnitude = (v: readonly number[]): number => Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
