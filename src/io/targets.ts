// What a path on the command line really names (Node only), so that two spellings of one file are caught
// (./x.hkl, $PWD/x.hkl, sub/../x.hkl, a symlink) and a stream (/dev/stdout, /proc/self/fd/1, a symlink to
// either) is written through the open descriptor instead of being replaced by a regular file.
//
// resolveTarget follows a symlink chain by hand (readlink, at most MAX_LINKS hops) because realpath cannot:
// realpath of /proc/self/fd/1 is "pipe:[1234]" or fails, and a dangling link has no realpath at all.

import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, basename, isAbsolute, join } from 'node:path';

const MAX_LINKS = 40;

export type TargetKind =
  /** a regular file, or a path that does not exist yet (written atomically) */
  | 'file'
  /** one of this process's open descriptors (/dev/stdout, /dev/fd/N, /proc/self/fd/N): written to `fd` */
  | 'stream'
  /** a device, FIFO or socket that is not one of our descriptors: written in place, never renamed over */
  | 'special'
  | 'directory';

export interface Target {
  kind: TargetKind;
  /** The path after following every symlink (for 'file' the atomic write goes here). */
  path: string;
  /** For 'stream': the descriptor to write. */
  fd?: number;
  /** `${dev}:${ino}` of an existing file or node, else the resolved path: equal keys = the same file. */
  key: string;
  /** For 'special': a named pipe (FIFO). */
  fifo?: boolean;
  /** For 'special': a character device (/dev/null, a terminal). */
  charDevice?: boolean;
}

/** Our own descriptor behind a /dev/std*, /dev/fd/N or /proc/<self>/fd/N path, else undefined. */
function descriptorOf(path: string): number | undefined {
  const std = /^\/dev\/(stdin|stdout|stderr)$/.exec(path);
  if (std) return { stdin: 0, stdout: 1, stderr: 2 }[std[1] as 'stdin' | 'stdout' | 'stderr'];
  const fd = /^\/dev\/fd\/(\d+)$/.exec(path) ?? new RegExp(`^/proc/(?:self|thread-self|${process.pid})/fd/(\\d+)$`).exec(path);
  return fd ? Number(fd[1]) : undefined;
}

function loopError(path: string): Error {
  return Object.assign(new Error(`too many levels of symbolic links in ${path}`), { code: 'ELOOP' });
}

/** `rel` taken from `base` without folding `..` (the kernel's meaning), runs of slashes collapsed. */
function unfolded(base: string, rel: string): string {
  return (isAbsolute(rel) ? rel : `${base}/${rel}`).replace(/\/{2,}/g, '/');
}

/**
 * realpath of a folder; for a missing one (the caller reports it), the realpath of its deepest existing ancestor
 * followed by the rest, so that `link/../missing/x` is still taken up from the link's target. A loop or an
 * over-long name is thrown.
 */
async function realDirectory(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(dir) === dir) throw e;
    return join(await realDirectory(dirname(dir)), basename(dir));
  }
}

/**
 * Follows `path` through its symlinks (absolute result). Stops at our descriptors (returned as `fd`), at a
 * missing final component (a new file, or a dangling link's target: the link is followed, not replaced),
 * and at anything else that exists.
 */
export async function resolveTarget(path: string): Promise<Target> {
  // not path.resolve: it folds `link/..` by the text, where the kernel (and C's fopen) goes up from the link's
  // target; realpath of the unfolded directory part below does it physically (a fuzz find, tests/fuzz-targets.test.ts)
  // (runs of slashes are one slash on Linux: collapsed so that dirname has no trailing slash for realpath)
  let p = unfolded(process.cwd(), path);
  for (let hop = 0; hop <= MAX_LINKS; hop++) {
    const fd = descriptorOf(p);
    if (fd !== undefined) return { kind: 'stream', path: p, fd, key: `fd:${fd}` };
    // resolve the directory part (its own links, .., //) so that only the last component is left to follow
    p = join(await realDirectory(dirname(p)), basename(p));
    const fd2 = descriptorOf(p);
    if (fd2 !== undefined) return { kind: 'stream', path: p, fd: fd2, key: `fd:${fd2}` };
    let l;
    try {
      l = await lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
        return { kind: 'file', path: p, key: `path:${p}` };
      }
      throw e;
    }
    if (l.isSymbolicLink()) {
      const to = await readlink(p);
      p = unfolded(dirname(p), to);
      continue;
    }
    const st = await stat(p);
    const key = `${st.dev}:${st.ino}`;
    if (st.isDirectory()) return { kind: 'directory', path: p, key };
    if (st.isFile()) return { kind: 'file', path: p, key };
    return { kind: 'special', path: p, key, fifo: st.isFIFO(), charDevice: st.isCharacterDevice() };
  }
  throw loopError(path);
}

/** True when two targets are one file a second write would destroy (the same device node twice is harmless). */
export function sameFile(a: Target, b: Target): boolean {
  if (a.key !== b.key) return false;
  return !(a.kind === 'special' && a.charDevice); // /dev/null twice: both writes land, nothing is lost
}

/**
 * The message refusing an output that is an input, or two outputs that are one file, however the paths are
 * spelled (./x, $PWD/x, sub/../x, a symlink on either side): targets are compared by device and inode.
 * null when every output is its own file. Entries are [flag, path]; undefined paths are skipped.
 */
export async function findSameFile(
  inputs: readonly [string, string | undefined][],
  outputs: readonly [string, string | undefined][],
): Promise<string | null> {
  const seen: [flag: string, path: string, t: Target, input: boolean][] = [];
  for (const [list, input] of [[inputs, true], [outputs, false]] as const) {
    for (const [flag, path] of list) {
      if (path === undefined) continue;
      let t: Target;
      try {
        t = await resolveTarget(path);
      } catch {
        continue; // an unreadable path is reported by its reader or writer, with the reason
      }
      for (const [oflag, opath, ot, oinput] of seen) {
        if (oinput && input) continue;
        if (!sameFile(ot, t)) continue;
        const same = opath === path ? `name the same file '${path}'` : `name the same file ('${opath}' and '${path}')`;
        const why = oinput ? 'the output would overwrite the input' : 'one output would overwrite the other';
        const who = oflag.startsWith('-') ? `options '${oflag}' and '${flag}'` : `${oflag} and option '${flag}'`;
        return `${who} ${same}: ${why}`;
      }
      seen.push([flag, path, t, input]);
    }
  }
  return null;
}
