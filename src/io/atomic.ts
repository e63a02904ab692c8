// Output files that are either complete or absent (Node only): a crash, a full disk or a kill mid-write never
// leaves a truncated image where a reader expects one, and never damages the previous file of that name.
// writeFileAtomic writes `<path>.<pid>.<random>.tmp` in the target's directory (same file system, so the
// rename is atomic), fsyncs it, renames it over the target, then fsyncs the directory. On failure the
// temporary file is removed and the Error's message is one line naming the path and the reason.

import { open, unlink, stat, chmod, appendFile, writeFile } from 'node:fs/promises';
import { unlinkSync, renameSync, writeSync, openSync, closeSync, constants as fsConstants, writeFile as writeFileCb, fsync as fsyncCb, close as closeCb } from 'node:fs';
import { promisify } from 'node:util';
import { resolveTarget, type Target } from './targets.ts';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

function reason(e: NodeJS.ErrnoException, path: string): string {
  switch (e.code) {
    case 'ENOENT':
      return `directory ${dirname(path)} does not exist`;
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on device (disk full)';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EFBIG':
      return 'file too large (EFBIG: file size limit)';
    default:
      return String(e.message ?? e).split('\n')[0];
  }
}

function failure(action: string, path: string, e: unknown): Error {
  const err = new Error(`cannot ${action} ${path}: ${reason(e as NodeJS.ErrnoException, path)}`, { cause: e });
  (err as NodeJS.ErrnoException).code = (e as NodeJS.ErrnoException)?.code;
  return err;
}

/** Temporary files of the writes in progress (removePendingTempFiles deletes them when the process is interrupted). */
const pendingTemps = new Set<string>();

/** Deletes the temporary files of unfinished writes; synchronous, for a signal handler that exits right after. */
export function removePendingTempFiles(): void {
  for (const tmp of pendingTemps) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed into place or removed
    }
  }
  pendingTemps.clear();
}

/** One file of an all-or-nothing set: `label` names it in messages (e.g. the flag that asked for it). */
export interface PendingWrite {
  path: string;
  data: Uint8Array | string;
  label?: string;
}

/** A failure of one file of a set; `write.label` says which. */
export class WriteError extends Error {
  constructor(message: string, readonly write: PendingWrite, readonly code?: string) {
    super(message);
  }
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** Writes all of `bytes` to an open descriptor, waiting out EAGAIN (a non-blocking pipe that is full). */
function writeAllToFd(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 20));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/** Writes a device, FIFO or one of our descriptors in place (renaming over such a node would replace it). */
async function writeInPlace(t: Target, data: Uint8Array | string): Promise<void> {
  if (t.kind === 'stream') return writeAllToFd(t.fd!, bytesOf(data));
  if (t.fifo) {
    // a FIFO nobody reads would block the open for ever: a non-blocking open fails at once instead (ENXIO)
    const fd = openSync(t.path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    try {
      writeAllToFd(fd, bytesOf(data));
    } finally {
      closeSync(fd);
    }
    return;
  }
  await writeFile(t.path, data);
}

/**
 * The start of a temporary file's name: the target's name, cut short when the suffix would push it past the
 * 255 bytes a file name may have (a valid 250-byte output name must not fail with ENAMETOOLONG).
 */
function tempStem(name: string): string {
  return new TextEncoder().encode(name).length > 200 ? Array.from(name).slice(0, 50).join('') : name;
}

const writeFd = promisify(writeFileCb) as (fd: number, data: Uint8Array | string) => Promise<void>;
const fsyncFd = promisify(fsyncCb);
const closeFd = promisify(closeCb);

interface Prepared {
  w: PendingWrite;
  target: Target;
  tmp?: string;
}

async function prepare(w: PendingWrite): Promise<Prepared> {
  const { path, data } = w;
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new Error(`cannot write ${path}: data must be a string or a Uint8Array`);
  }
  let target: Target;
  try {
    target = await resolveTarget(path);
  } catch (e) {
    throw failure('write', path, e);
  }
  if (target.kind === 'directory') throw failure('write', path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  if (target.kind !== 'file') return { w, target };
  // a misspelt device (/dev/stdot) must not become a file in /dev; /dev/shm is a tmpfs for files (fuzz-signals)
  if ((target.path === '/dev' || target.path.startsWith('/dev/')) && !target.path.startsWith('/dev/shm/')) {
    throw new Error(`cannot write ${path}: will not create a regular file in /dev (${target.path} does not exist)`);
  }
  let mode: number | undefined;
  try {
    mode = (await stat(target.path)).mode & 0o7777; // keep an existing file's permissions
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw failure('write', path, e);
  }
  const tmp = join(dirname(target.path), `${tempStem(basename(target.path))}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  pendingTemps.add(tmp);
  let created = false;
  try {
    // created synchronously: an asynchronous open still in flight on the thread pool when a signal handler runs
    // removePendingTempFiles would create the file after its removal, and the exit would leave it (fuzz-signals)
    const fd = openSync(tmp, 'wx', 0o666);
    created = true;
    try {
      await writeFd(fd, data);
      await fsyncFd(fd);
    } finally {
      await closeFd(fd);
    }
    if (mode !== undefined) await chmod(tmp, mode);
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    pendingTemps.delete(tmp);
    throw failure('write', path, e);
  }
  return { w, target, tmp };
}

async function discard(p: Prepared[]): Promise<void> {
  for (const { tmp } of p) {
    if (!tmp) continue;
    await unlink(tmp).catch(() => undefined);
    pendingTemps.delete(tmp);
  }
}

/**
 * Writes every file of `writes` or, as far as a failure can be undone, none: each regular file goes to a
 * temporary file in its directory first (fsynced); only when all of them and every in-place target (a stream,
 * device or FIFO) were written are the temporary files renamed over their targets. A symlink is followed (the
 * file it points to is replaced, the link stays, a dangling link's target is created); /dev/stdout,
 * /proc/self/fd/N and links to them are written through the open descriptor.
 */
export async function writeFilesAtomic(writes: readonly PendingWrite[]): Promise<void> {
  const done: Prepared[] = [];
  try {
    for (const w of writes) {
      try {
        done.push(await prepare(w));
      } catch (e) {
        throw new WriteError((e as Error).message, w, (e as NodeJS.ErrnoException).code);
      }
    }
    for (const p of done) {
      if (p.tmp) continue;
      try {
        await writeInPlace(p.target, p.w.data);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENXIO' ? 'the named pipe (FIFO) has no reader' : undefined;
        const err = why ? new Error(`cannot write ${p.w.path}: ${why}`) : failure('write', p.w.path, e);
        throw new WriteError(err.message, p.w, (e as NodeJS.ErrnoException).code);
      }
    }
  } catch (e) {
    await discard(done);
    throw e;
  }
  // synchronous renames: a signal handler (JavaScript, on this thread) cannot run between two of them, so an
  // interrupted run leaves the old set or the new one, never half of each
  const dirs = new Set<string>();
  for (let i = 0; i < done.length; i++) {
    const p = done[i];
    if (!p.tmp) continue;
    try {
      renameSync(p.tmp, p.target.path);
      pendingTemps.delete(p.tmp);
      dirs.add(dirname(p.target.path));
    } catch (e) {
      await discard(done.slice(i));
      throw new WriteError(failure('write', p.w.path, e).message, p.w, (e as NodeJS.ErrnoException).code);
    }
  }
  for (const d of dirs) await syncDirectory(d);
}

/**
 * Writes `data` (bytes, or a string as UTF-8) to `path` atomically: readers see the old file or the new one.
 * Targets as in writeFilesAtomic.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFilesAtomic([{ path, data }]);
  } catch (e) {
    if (e instanceof WriteError) {
      const err = new Error(e.message, { cause: e });
      (err as NodeJS.ErrnoException).code = e.code;
      throw err;
    }
    throw e;
  }
}

/** Makes a completed rename durable; some platforms and file systems cannot fsync a directory (ignored). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // EISDIR/EINVAL/EPERM on Windows and some file systems: the data itself is already synced
  }
}

/**
 * Appends one line (a trailing newline is added) to an append-only log, creating it if needed. The line is
 * written with a single O_APPEND write, so lines from concurrent writers do not interleave. `text` must not
 * contain line breaks (apart from one trailing newline, which is dropped).
 */
export async function appendLine(path: string, text: string): Promise<void> {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (/[\r\n]/.test(line)) throw new Error(`cannot append to ${path}: the text contains a line break`);
  try {
    await appendFile(path, line + '\n', { encoding: 'utf8', flag: 'a' });
  } catch (e) {
    throw failure('append to', path, e);
  }
}
