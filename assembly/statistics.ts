// The image statistics C prints after the loop (max_I and where, mean, rms, rmsd), over the f32 image in
// WebAssembly memory: one pass for the sums, one for the deviations, in C's pixel order.

/**
 * C's image statistics (docs/c-behaviour/minimal-loop.md 6; src/io/stats.ts is the same in TypeScript): over the pixels
 * fast x0..x1, slow y0..y1 of the f32 image, max_I (strict >, from 0) and the index of its first
 * pixel (-1 if none is > 0), the sum, the sum of float32 squares, the count, and the sum of squared
 * deviations from the mean. Writes 6 f64 to `out`: maxI, maxIndex, sum, sumsqr, count, dev.
 */
export function imageStatistics(image: usize, width: i32, x0: i32, x1: i32, y0: i32, y1: i32, out: usize): void {
  let maxI: f64 = 0, maxIndex: f64 = -1, sum: f64 = 0, sumsqr: f64 = 0, n: f64 = 0;
  for (let slow = y0; slow <= y1; slow++) {
    const row = image + (<usize>(slow * width) << 2);
    for (let fast = x0; fast <= x1; fast++) {
      const v = load<f32>(row + (<usize>fast << 2));
      const d = <f64>v;
      if (d > maxI) {
        maxI = d;
        maxIndex = <f64>(slow * width + fast);
      }
      sum += d;
      sumsqr += <f64>(v * v);
      n += 1;
    }
  }
  const mean = sum / (n <= 0 ? 1 : n);
  let dev: f64 = 0;
  for (let slow = y0; slow <= y1; slow++) {
    const row = image + (<usize>(slow * width) << 2);
    for (let fast = x0; fast <= x1; fast++) {
      const e = <f64>load<f32>(row + (<usize>fast << 2)) - mean;
      dev += e * e;
    }
  }
  store<f64>(out, maxI);
  store<f64>(out, maxIndex, 8);
  store<f64>(out, sum, 16);
  store<f64>(out, sumsqr, 24);
  store<f64>(out, n, 32);
  store<f64>(out, dev, 40);
}
