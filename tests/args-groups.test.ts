// SimArgs = PhysicsArgs & OutputArgs & HostArgs (src/simulator/options/sim-args.ts): the three key lists split the
// parsed command line, and every option of the table (src/simulator/options/table.ts) touches only the keys of the
// group it is tagged with, plus the parse's notes (warnings, noops). The sample values come from the table itself,
// so a new option is covered as soon as it has a row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDeepStrictEqual } from 'node:util';
import {
  ArgError, HOST_ARG_KEYS, OUTPUT_ARG_KEYS, PHYSICS_ARG_KEYS, defaultSimArgs, parseSimArgs, type ArgGroup, type SimArgs,
} from '../src/simulator/args.ts';
import { NANOBRAGG_OPTIONS, OWN_OPTIONS, type OptionSpec } from '../src/simulator/options/table.ts';

const GROUP_KEYS: Record<ArgGroup, readonly string[]> = { physics: PHYSICS_ARG_KEYS, output: OUTPUT_ARG_KEYS, host: HOST_ARG_KEYS };
/** What any setter may write besides its group (HostArgs keys the host prints). */
const NOTES = ['warnings', 'noops'];
const OPTIONS: readonly OptionSpec[] = [...NANOBRAGG_OPTIONS, ...OWN_OPTIONS];
const DEFAULT = parseSimArgs([]);

/** Value lists to try after an option, from its row: plain numbers and a path on every value, and each word of a `a|b` value. */
function samples(o: OptionSpec): string[][] {
  const n = o.values.length;
  const least = o.minValues ?? n;
  const tails: string[][] = [];
  if (least === 0) tails.push([]);
  if (n === 0) return tails;
  for (const t of ['2', '90', '1', '0', '0.5', '-1', 'args-groups-sample.bin']) tails.push(Array(n).fill(t));
  for (const word of o.values[0].split('|')) tails.push(least <= 1 ? [word] : [word, ...Array(n - 1).fill('2')]);
  return tails;
}

/** The keys whose values differ between two parses. */
function changedKeys(a: SimArgs, b: SimArgs): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !isDeepStrictEqual((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
}

/** The top-level keys a setter reads or writes, when applied to the defaults (a nested write reads its key). */
function touchedKeys(o: OptionSpec, tail: readonly string[], flag: string): string[] {
  const seen = new Set<string>();
  const target = defaultSimArgs();
  const args = new Proxy(target, {
    get(t, k, r) {
      if (typeof k === 'string') seen.add(k);
      return Reflect.get(t, k, r);
    },
    set(t, k, v, r) {
      if (typeof k === 'string') seen.add(k);
      return Reflect.set(t, k, v, r);
    },
  });
  o.apply(args, tail, flag);
  return [...seen];
}

interface Sampled { argv: string[]; changed: string[]; touched: string[] }

/** Every sample command line of the option that parses, with what it changed and what its setter touched. */
function sampled(o: OptionSpec): Sampled[] {
  const out: Sampled[] = [];
  for (const flag of o.names) {
    for (const tail of samples(o)) {
      const argv = [flag, ...tail];
      let parsed: SimArgs;
      try {
        parsed = parseSimArgs(argv);
      } catch (e) {
        if (e instanceof ArgError) continue; // a sample value this option refuses
        throw e;
      }
      out.push({ argv, changed: changedKeys(DEFAULT, parsed), touched: touchedKeys(o, tail, flag) });
    }
  }
  return out;
}

const SAMPLES = new Map(OPTIONS.map((o) => [o, sampled(o)]));

test('the physics, output and host key lists are disjoint and together are every key of SimArgs', () => {
  const all = [...PHYSICS_ARG_KEYS, ...OUTPUT_ARG_KEYS, ...HOST_ARG_KEYS];
  assert.is(new Set(all).size, all.length, `a key is in two groups: ${all.filter((k, i) => all.indexOf(k) !== i).join(', ')}`);
  const union = new Set<string>(all);
  for (const k of Object.keys(DEFAULT)) assert.ok(union.has(k), `parsed default key '${k}' is in no group`);
  for (const k of Object.keys(defaultSimArgs())) assert.ok(union.has(k), `default key '${k}' is in no group`);
  // the optional keys (absent from the defaults) are each set by some option
  const reached = new Set([...Object.keys(DEFAULT), ...[...SAMPLES.values()].flat().flatMap((s) => s.changed)]);
  for (const k of all) assert.ok(reached.has(k), `key '${k}' is neither a default nor set by any option: not a SimArgs key?`);
});

test('every option of the table has a group and at least one sample value it accepts', () => {
  for (const [o, s] of SAMPLES) {
    assert.ok(o.group in GROUP_KEYS, `${o.names[0]}: group '${o.group}'`);
    assert.ok(s.length > 0, `${o.names[0]}: no sample value from its row (${o.values.join(' ')}) parses; add one to samples()`);
  }
});

test('parsing each option changes only keys of its group (plus warnings and noops)', () => {
  let lines = 0;
  for (const [o, s] of SAMPLES) {
    const allowed = new Set([...GROUP_KEYS[o.group], ...NOTES]);
    for (const { argv, changed } of s) {
      lines++;
      const stray = changed.filter((k) => !allowed.has(k));
      assert.equal(stray, [], `'${argv.join(' ')}' (${o.group}) changed ${stray.join(', ')}`);
    }
  }
  assert.ok(lines > OPTIONS.length, `${lines} sample command lines`);
});

test("each option's setter reads and writes only keys of its group (plus warnings and noops)", () => {
  // catches what a diff cannot: a setter that writes the default value again (-progress, -square_xtal), or reads
  for (const [o, s] of SAMPLES) {
    const allowed = new Set([...GROUP_KEYS[o.group], ...NOTES]);
    for (const { argv, touched } of s) {
      const stray = touched.filter((k) => !allowed.has(k));
      assert.equal(stray, [], `'${argv.join(' ')}' (${o.group}): its setter touched ${stray.join(', ')}`);
    }
    assert.ok(s.some((x) => x.touched.length > 0), `${o.names[0]}: its setter touched nothing`);
  }
});

test.run();
