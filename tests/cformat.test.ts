import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatG, formatLg, formatE, formatF } from '../src/util/cformat.ts';

// Expected strings printed by glibc printf (gcc, x86-64) for
// [x, %g, %.3g, %.0g, %.10g, %e, %.0e, %f, %.0f, %.2f]  (null: longer than 40 characters, not listed)
const GLIBC: [number, ...(string | null)[]][] = [
  [0, "0", "0", "0", "0", "0.000000e+00", "0e+00", "0.000000", "0", "0.00"],
  [-0, "-0", "-0", "-0", "-0", "-0.000000e+00", "-0e+00", "-0.000000", "-0", "-0.00"],
  [1, "1", "1", "1", "1", "1.000000e+00", "1e+00", "1.000000", "1", "1.00"],
  [-1, "-1", "-1", "-1", "-1", "-1.000000e+00", "-1e+00", "-1.000000", "-1", "-1.00"],
  [0.5, "0.5", "0.5", "0.5", "0.5", "5.000000e-01", "5e-01", "0.500000", "0", "0.50"],
  [2.5, "2.5", "2.5", "2", "2.5", "2.500000e+00", "2e+00", "2.500000", "2", "2.50"],
  [3.5, "3.5", "3.5", "4", "3.5", "3.500000e+00", "4e+00", "3.500000", "4", "3.50"],
  [0.125, "0.125", "0.125", "0.1", "0.125", "1.250000e-01", "1e-01", "0.125000", "0", "0.12"],
  [0.375, "0.375", "0.375", "0.4", "0.375", "3.750000e-01", "4e-01", "0.375000", "0", "0.38"],
  [0.00001, "1e-05", "1e-05", "1e-05", "1e-05", "1.000000e-05", "1e-05", "0.000010", "0", "0.00"],
  [0.0001, "0.0001", "0.0001", "0.0001", "0.0001", "1.000000e-04", "1e-04", "0.000100", "0", "0.00"],
  [0.00001234565, "1.23456e-05", "1.23e-05", "1e-05", "1.234565e-05", "1.234565e-05", "1e-05", "0.000012", "0", "0.00"],
  [1.25932e+29, "1.25932e+29", "1.26e+29", "1e+29", "1.25932e+29", "1.259320e+29", "1e+29", "125932000000000001256613478400.000000", "125932000000000001256613478400", "125932000000000001256613478400.00"],
  [1.2593201528622709e+29, "1.25932e+29", "1.26e+29", "1e+29", "1.259320153e+29", "1.259320e+29", "1e+29", "125932015286227086360700780544.000000", "125932015286227086360700780544", "125932015286227086360700780544.00"],
  [0.0289168, "0.0289168", "0.0289", "0.03", "0.0289168", "2.891680e-02", "3e-02", "0.028917", "0", "0.03"],
  [70099.5, "70099.5", "7.01e+04", "7e+04", "70099.5", "7.009950e+04", "7e+04", "70099.500000", "70100", "70099.50"],
  [-12.9, "-12.9", "-12.9", "-1e+01", "-12.9", "-1.290000e+01", "-1e+01", "-12.900000", "-13", "-12.90"],
  [1e-10, "1e-10", "1e-10", "1e-10", "1e-10", "1.000000e-10", "1e-10", "0.000000", "0", "0.00"],
  [0.01285, "0.01285", "0.0129", "0.01", "0.01285", "1.285000e-02", "1e-02", "0.012850", "0", "0.01"],
  [12.85, "12.85", "12.8", "1e+01", "12.85", "1.285000e+01", "1e+01", "12.850000", "13", "12.85"],
  [129.5, "129.5", "130", "1e+02", "129.5", "1.295000e+02", "1e+02", "129.500000", "130", "129.50"],
  [55000, "55000", "5.5e+04", "6e+04", "55000", "5.500000e+04", "6e+04", "55000.000000", "55000", "55000.00"],
  [123456.5, "123456", "1.23e+05", "1e+05", "123456.5", "1.234565e+05", "1e+05", "123456.500000", "123456", "123456.50"],
  [1234565, "1.23456e+06", "1.23e+06", "1e+06", "1234565", "1.234565e+06", "1e+06", "1234565.000000", "1234565", "1234565.00"],
  [999999.5, "1e+06", "1e+06", "1e+06", "999999.5", "9.999995e+05", "1e+06", "999999.500000", "1000000", "999999.50"],
  [9.9999996, "10", "10", "1e+01", "9.9999996", "1.000000e+01", "1e+01", "10.000000", "10", "10.00"],
  [99999.95, "99999.9", "1e+05", "1e+05", "99999.95", "9.999995e+04", "1e+05", "99999.950000", "100000", "99999.95"],
  [100000, "100000", "1e+05", "1e+05", "100000", "1.000000e+05", "1e+05", "100000.000000", "100000", "100000.00"],
  [1000000, "1e+06", "1e+06", "1e+06", "1000000", "1.000000e+06", "1e+06", "1000000.000000", "1000000", "1000000.00"],
  [1e+21, "1e+21", "1e+21", "1e+21", "1e+21", "1.000000e+21", "1e+21", "1000000000000000000000.000000", "1000000000000000000000", "1000000000000000000000.00"],
  [5e-324, "4.94066e-324", "4.94e-324", "5e-324", "4.940656458e-324", "4.940656e-324", "5e-324", "0.000000", "0", "0.00"],
  [2.2250738585072014e-308, "2.22507e-308", "2.23e-308", "2e-308", "2.225073859e-308", "2.225074e-308", "2e-308", "0.000000", "0", "0.00"],
  [1.7976931348623157e+308, "1.79769e+308", "1.8e+308", "2e+308", "1.797693135e+308", "1.797693e+308", "2e+308", null, null, null],
  [0.1, "0.1", "0.1", "0.1", "0.1", "1.000000e-01", "1e-01", "0.100000", "0", "0.10"],
  [0.3333333333333333, "0.333333", "0.333", "0.3", "0.3333333333", "3.333333e-01", "3e-01", "0.333333", "0", "0.33"],
  [0.6666666666666666, "0.666667", "0.667", "0.7", "0.6666666667", "6.666667e-01", "7e-01", "0.666667", "1", "0.67"],
  [-0.000123456789, "-0.000123457", "-0.000123", "-0.0001", "-0.000123456789", "-1.234568e-04", "-1e-04", "-0.000123", "-0", "-0.00"],
  [6.02214179e+23, "6.02214e+23", "6.02e+23", "6e+23", "6.02214179e+23", "6.022142e+23", "6e+23", "602214178999999989284864.000000", "602214178999999989284864", "602214178999999989284864.00"],
  [7.94079248018965e-30, "7.94079e-30", "7.94e-30", "8e-30", "7.94079248e-30", "7.940792e-30", "8e-30", "0.000000", "0", "0.00"],
  [0.95, "0.95", "0.95", "0.9", "0.95", "9.500000e-01", "9e-01", "0.950000", "1", "0.95"],
  [0.05, "0.05", "0.05", "0.05", "0.05", "5.000000e-02", "5e-02", "0.050000", "0", "0.05"],
  [0.15, "0.15", "0.15", "0.1", "0.15", "1.500000e-01", "1e-01", "0.150000", "0", "0.15"],
  [1.5, "1.5", "1.5", "2", "1.5", "1.500000e+00", "2e+00", "1.500000", "2", "1.50"],
  [-2.5, "-2.5", "-2.5", "-2", "-2.5", "-2.500000e+00", "-2e+00", "-2.500000", "-2", "-2.50"],
  [70099.50305825013, "70099.5", "7.01e+04", "7e+04", "70099.50306", "7.009950e+04", "7e+04", "70099.503058", "70100", "70099.50"],
  [376.69039816175086, "376.69", "377", "4e+02", "376.6903982", "3.766904e+02", "4e+02", "376.690398", "377", "376.69"],
  [3.141592653589793, "3.14159", "3.14", "3", "3.141592654", "3.141593e+00", "3e+00", "3.141593", "3", "3.14"],
  [-2.718281828459045e-7, "-2.71828e-07", "-2.72e-07", "-3e-07", "-2.718281828e-07", "-2.718282e-07", "-3e-07", "-0.000000", "-0", "-0.00"],
  [1e+100, "1e+100", "1e+100", "1e+100", "1e+100", "1.000000e+100", "1e+100", null, null, null],
  [123456789012345680000, "1.23457e+20", "1.23e+20", "1e+20", "1.23456789e+20", "1.234568e+20", "1e+20", "123456789012345683968.000000", "123456789012345683968", "123456789012345683968.00"],
];

test('formatG / formatE / formatF match glibc printf on a table of values (ties round to even)', () => {
  for (const [x, g, g3, g0, g10, e, e0, f, f0, f2] of GLIBC) {
    const label = `x = ${Object.is(x, -0) ? '-0' : x}`;
    assert.is(formatG(x), g, `%g ${label}`);
    assert.is(formatG(x, 3), g3, `%.3g ${label}`);
    assert.is(formatG(x, 0), g0, `%.0g ${label}`);
    assert.is(formatG(x, 10), g10, `%.10g ${label}`);
    assert.is(formatE(x), e, `%e ${label}`);
    assert.is(formatE(x, 0), e0, `%.0e ${label}`);
    if (f !== null) assert.is(formatF(x), f, `%f ${label}`);
    if (f0 !== null) assert.is(formatF(x, 0), f0, `%.0f ${label}`);
    if (f2 !== null) assert.is(formatF(x, 2), f2, `%.2f ${label}`);
  }
});

test('strings from the golden stdout', () => {
  assert.is(formatG(125932015286227086360700780544.0), '1.25932e+29'); // incident fluence
  assert.is(formatG(1.0e-10), '1e-10'); // lambda0
  assert.is(formatG(0.01285), '0.01285'); // Xbeam
  assert.is(formatG(0.0129), '0.0129'); // Fbeam
  assert.is(formatG(-12.9), '-12.9'); // dials origin
  assert.is(formatG(-150), '-150');
  assert.is(formatG(0.15), '0.15'); // distance
  assert.is(formatG(0.0001), '0.0001'); // pixel
  assert.is(formatG(0.0256), '0.0256'); // detsize
  assert.is(formatG(1e6), '1e+06'); // volume = 1e+06 A^3
  assert.is(formatG(722657.3), '722657'); // approximate MW = ...
  assert.is(formatG(70099.50305825013), '70099.5'); // intfile_scale = 55000/max_I (tricubic_on_256)
  assert.is(formatG(55000 / 0.031528), '1.74448e+06');
  assert.is(formatG(0.000909678), '0.000909678');
  assert.is(formatG(6.64716e6), '6.64716e+06');
  assert.is(formatG(0.00075), '0.00075');
  assert.is(formatG(0.008375), '0.008375');
  assert.is(formatG(-1), '-1');
  assert.is(formatG(0), '0');
});

test('exponent form: two-digit minimum exponent, three when needed', () => {
  assert.is(formatG(1e-5), '1e-05');
  assert.is(formatG(0.0001), '0.0001');
  assert.is(formatG(123456), '123456');
  assert.is(formatG(1234567), '1.23457e+06');
  assert.is(formatG(1e100), '1e+100');
  assert.is(formatG(-2.5e-300), '-2.5e-300');
  assert.is(formatE(1.5, 2), '1.50e+00');
  assert.is(formatG(1234567.0, -1), '1.23457e+06', 'negative precision: as if omitted');
});

test('-0, inf, nan as glibc prints them', () => {
  assert.is(formatG(-0), '-0');
  assert.is(formatG(Infinity), 'inf');
  assert.is(formatG(-Infinity), '-inf');
  assert.is(formatG(NaN), 'nan');
  const negNaN = new Float64Array(new BigUint64Array([0xfff8000000000000n]).buffer)[0];
  assert.is(formatG(negNaN), '-nan');
  assert.is(formatF(Infinity), 'inf');
  assert.is(formatE(-Infinity), '-inf');
  assert.is(formatLg, formatG);
});

test('rounding carries into a new digit', () => {
  assert.is(formatG(9.9999996), '10');
  assert.is(formatG(999999.5), '1e+06');
  assert.is(formatG(0.000099999996), '0.0001');
  assert.is(formatF(9.9999996), '10.000000');
  assert.is(formatF(0.9999996, 6), '1.000000');
  assert.is(formatF(0.0000006), '0.000001');
  assert.is(formatF(0.0000004), '0.000000');
  assert.is(formatE(9.9999996), '1.000000e+01');
});

test('differential check against this machine\'s C printf (skipped without a C compiler)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cformat-'));
  try {
    const src = join(dir, 'p.c');
    const exe = join(dir, 'p');
    writeFileSync(
      src,
      '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\n' +
        'int main(void){char s[64];while(fgets(s,sizeof s,stdin)){uint64_t b=strtoull(s,NULL,16);double x;memcpy(&x,&b,8);' +
        'printf("%g|%.3g|%.1g|%.12g|%.17g|%e|%.2e|%.3f\\n",x,x,x,x,x,x,x,x);}return 0;}\n',
    );
    const cc = spawnSync('cc', ['-O0', '-o', exe, src], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) {
      console.log('  (no C compiler: differential printf check skipped)');
      return;
    }
    // random doubles: bit patterns over the whole exponent range, short decimals, exact binary ties
    let seed = 2024;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const xs: number[] = [];
    const bits = new BigUint64Array(1);
    const asDouble = new Float64Array(bits.buffer);
    for (let i = 0; i < 1500; i++) {
      bits[0] = (BigInt(Math.floor(rnd() * 2 ** 31)) << 33n) | (BigInt(Math.floor(rnd() * 2 ** 31)) << 2n) | BigInt(i & 3);
      if (Number.isFinite(asDouble[0])) xs.push(asDouble[0]);
    }
    for (let i = 0; i < 1500; i++) xs.push(Math.round(rnd() * 1e7) / 10 ** Math.floor(rnd() * 12));
    for (let i = 0; i < 1500; i++) xs.push(((Math.floor(rnd() * 2e6) + 0.5) * 2 ** -Math.floor(rnd() * 8)) * (rnd() < 0.5 ? -1 : 1));
    const input = xs
      .map((x) => {
        asDouble[0] = x;
        return bits[0].toString(16);
      })
      .join('\n');
    const run = spawnSync(exe, [], { input: input + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
    const lines = run.stdout.trim().split('\n');
    assert.is(lines.length, xs.length);
    let mismatches = 0;
    xs.forEach((x, i) => {
      const ours = [formatG(x), formatG(x, 3), formatG(x, 1), formatG(x, 12), formatG(x, 17), formatE(x), formatE(x, 2), Math.abs(x) < 1e30 ? formatF(x, 3) : null];
      const theirs = lines[i].split('|');
      ours.forEach((s, j) => {
        if (s !== null && s !== theirs[j] && mismatches++ < 5) console.log(`  mismatch x=${x} #${j}: ours ${s} C ${theirs[j]}`);
      });
    });
    assert.is(mismatches, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
