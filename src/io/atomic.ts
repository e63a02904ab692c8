// Output files that are either complete or absent (Node only): a crash, a full disk or a kill mid-write never
// leaves a truncated image where a reader expects one, and never damages the previous file of that name.
// writeFileAtomic writes `<path>.<pid>.<random>.tmp` in the target's directory (same file system, so the
// rename is atomic), fsyncs it, renames it over the target, then fsyncs the directory. On failure the
// temporary file is removed and the Error's message is one line naming the path and the reason.

import { open, rename, unlink, stat, chmod, appendFile, realpath, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
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

/**
 * Writes `data` (bytes, or a string as UTF-8) to `path` atomically: readers see the old file or the new one.
 * A symlink is followed (the file it points to is replaced, the link stays); a device, FIFO or socket
 * (/dev/null, /dev/stdout, a pipe) is written in place, since renaming over it would replace the node itself.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new Error(`cannot write ${path}: data must be a string or a Uint8Array`);
  }
  let mode: number | undefined;
  let target = path;
  let special = false;
  try {
    target = await realpath(path);
    const st = await stat(target);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    special = !st.isFile();
    mode = st.mode & 0o7777; // keep an existing file's permissions
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw failure('write', path, e);
  }
  if (special) {
    try {
      await writeFile(target, data);
    } catch (e) {
      throw failure('write', path, e);
    }
    return;
  }
  const tmp = join(dirname(target), `${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  pendingTemps.add(tmp);
  try {
    const fh = await open(tmp, 'wx', 0o666);
    created = true;
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, target);
    created = false;
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw failure('write', path, e);
  } finally {
    pendingTemps.delete(tmp);
  }
  await syncDirectory(dirname(target));
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
