// No import cycles in src/ (issue 12 item 2): a cycle makes module initialisation order depend on which file is
// imported first (a class or constant read before its module ran is undefined), and it ties layers that should
// depend one way only (the bench's backend list and the backends; the engine contract and the engines).
//
// The graph is read from the source text: static `import ... from '...'`, side-effect `import '...'` and
// `export ... from '...'` with a relative specifier, `import type` and `export type` included. TypeScript erases a
// type-only import, so it cannot change the order modules initialise in; it is counted all the same because a
// cycle through types still ties two layers both ways (the bench's cycle of issue 12, backends.ts <->
// c-reference.ts <-> run-context.ts, ran one way at run time and back through the BenchBackend type), and the
// contract a type names belongs in a module of its own below both. Dynamic `import()` is left out: it runs
// after every static import has finished initialising (the lazy loading of engines and of the GPU relies on it).
//
// KNOWN lists accepted cycles (none now: the engine contract, the registry and vec3 broke the last ones): the test
// fails when a cycle appears that is not in KNOWN, and when a KNOWN cycle is gone (so the list only shrinks).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/** Cycles present when this test was written, each as its files in order starting from the smallest name. */
const KNOWN: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|js|mjs)$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** Comments removed (so an import in a comment does not count); strings are kept, specifiers live in them. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Relative specifiers of the static imports and re-exports of one file (type-only ones included). */
export function staticImports(src: string): string[] {
  const text = stripComments(src);
  // import x from '...'; import { a, type B } from '...'; import type { C } from '...'; import * as m from '...';
  // export { a } from '...'; export * from '...'; import '...'
  const re = /(?:^|[;\n}])\s*(?:import|export)\s+[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2]).filter((s) => s.startsWith('.'));
}

function resolveSpecifier(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** Every elementary cycle through the graph's strongly connected parts, each rotated to start at its smallest file. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  const nodes = [...graph.keys()].sort();
  // a cycle is found from its smallest node only, walking nodes greater than it (Johnson's idea, without blocking;
  // the graph is small)
  for (const start of nodes) {
    const path: string[] = [start];
    const onPath = new Set(path);
    const walk = (n: string) => {
      for (const next of graph.get(n) ?? []) {
        if (next === start) {
          const c = [...path];
          cycles.set(c.join(' -> '), c);
        } else if (next > start && !onPath.has(next) && path.length < 12) {
          path.push(next);
          onPath.add(next);
          walk(next);
          onPath.delete(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return [...cycles.values()];
}

function srcGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    const deps = staticImports(readFileSync(f, 'utf8')).map((s) => resolveSpecifier(f, s)).filter((p): p is string => !!p && p.startsWith(SRC));
    graph.set(relative(ROOT, f), [...new Set(deps.map((d) => relative(ROOT, d)))]);
  }
  return graph;
}

test('the parser sees static imports and re-exports (type-only ones too), not comments or dynamic import()', () => {
  const src = [
    "import { a } from './a.ts';",
    "import type { B } from './b.ts';",
    "import { type C, type D } from './c.ts';",
    "import { type E, f } from './e.ts';",
    "export { g } from './g.ts';",
    "export type { H } from './h.ts';",
    "export * from './i.ts';",
    "import './j.ts';",
    "// import { k } from './k.ts';",
    "/* import { l } from './l.ts'; */",
    "import {\n  m,\n  n,\n} from './m.ts';",
    "import fs from 'node:fs';",
    "const x = await import('./dyn.ts');",
  ].join('\n');
  assert.equal(staticImports(src).sort(), ['./a.ts', './b.ts', './c.ts', './e.ts', './g.ts', './h.ts', './i.ts', './j.ts', './m.ts']);
});

test('the cycle finder reports each cycle once, from its smallest file', () => {
  const g = new Map([['a', ['b']], ['b', ['c', 'a']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
  assert.equal(findCycles(g).map((c) => c.join(' -> ')).sort(), ['a -> b', 'a -> b -> c', 'd']);
});

test('no import cycles in src/ beyond the known ones, and every known one still exists (the list only shrinks)', () => {
  const found = findCycles(srcGraph()).map((c) => c.join(' -> '));
  const fresh = found.filter((c) => !KNOWN.includes(c));
  const gone = KNOWN.filter((c) => !found.includes(c));
  assert.ok(!fresh.length, `new import cycle(s) in src/ (break them: move the shared part into its own module):\n  ${fresh.join('\n  ')}`);
  assert.ok(!gone.length, `known cycle(s) no longer there; delete them from KNOWN in tests/import-cycles.test.ts:\n  ${gone.join('\n  ')}`);
  assert.ok(!found.some((c) => c.includes('src/bench/')), 'src/bench has no cycle at all');
});

test.run();
