// The package as a user gets it: `npm pack` of this repository, installed into an empty folder outside it.
//
// No network is needed: the install reads every tarball from the npm cache that `npm ci` filled. Resolving a
// version range needs the registry's package documents, which `npm ci` (reading the lockfile) may never have
// fetched, so the folder gets a package-lock.json first: the package's dependency closure copied from this
// repository's lockfile with each tarball's registry address, the same versions `npm ci` installed here.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.ts';

export interface Packed {
  /** File name of the tarball (in the destination folder). */
  filename: string;
  integrity: string;
  /** Paths inside the tarball. */
  files: string[];
}

/**
 * The environment of a user's shell: no npm_config_* inherited from an `npm test` around this process, and no
 * node_modules/.bin on PATH (this repository's holds an npm 6, a dependency of as-pect's glob-promise, that
 * would stand in for the npm on the machine).
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  env.PATH = (env.PATH ?? '').split(':').filter((d) => !/node_modules[/\\]\.bin/.test(d)).join(':');
  return env;
}

export function npm(args: string[], cwd: string, timeoutMs = 60_000) {
  const env = userEnv();
  return spawnSync('npm', args, { cwd, encoding: 'utf8', env, timeout: timeoutMs });
}

/** `npm pack` of the repository as built (no prepare run: `npm ci` or `npm test` built out/ already). */
export function packRepository(dest: string): Packed {
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], REPO_ROOT);
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string; integrity: string; files: { path: string }[] }[];
  return { filename: info.filename, integrity: info.integrity, files: info.files.map((f) => f.path) };
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  [k: string]: unknown;
}

/** Where Node would find `name` from the package at `from` (a lockfile path): nearest node_modules upwards. */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[path]) return path;
    if (!dir) return undefined;
  }
}

/** package.json and package-lock.json of an app that depends on the packed tarball and nothing else. */
export function writeApp(appDir: string, packed: Packed, allowScripts: Record<string, boolean>): void {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockEntry>;
  const spec = `file:${packed.filename}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version, resolved: spec, integrity: packed.integrity, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  // the closure of the package's dependencies (optional ones included: npm skips those for other platforms)
  const todo: [string, Record<string, string>, boolean][] = [['', pkg.dependencies, false]];
  while (todo.length) {
    const [from, deps, optional] = todo.pop()!;
    for (const name of Object.keys(deps)) {
      const path = locate(repoLock, from, name);
      if (!path) {
        if (optional) continue;
        throw new Error(`${name} (needed by ${from || pkg.name}) is not in package-lock.json`);
      }
      if (packages[path]) continue;
      const { dev: _dev, ...entry } = repoLock[path];
      const base = name.split('/').pop();
      packages[path] = { ...entry, resolved: `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz` };
      todo.push([path, entry.dependencies ?? {}, optional], [path, entry.optionalDependencies ?? {}, true]);
    }
  }
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { [pkg.name]: spec }, allowScripts }, null, 2));
  writeFileSync(join(appDir, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2));
}
