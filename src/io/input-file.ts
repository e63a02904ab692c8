// A small input file (-sourcefile, -stol/-4stol/-Q) read whole, safely: a directory, device or socket is refused,
// a named pipe too (it may never end or never start) except this process's own standard input, which is read
// with a size cap; every problem is one line naming the option and the file. Node/Deno only.

/** Most bytes read from one of these files (a source list of a few million lines). */
export const INPUT_MAX_BYTES = 256 * 1024 * 1024;

export class InputFileError extends Error {}

const STDIN = /^\/dev\/stdin$|^\/dev\/fd\/0$|^\/proc\/self\/fd\/0$/;

/** The bytes of `path`, given to `flag` (for messages: `-sourcefile x.txt: ...`); `what` names the file's kind. */
export async function readInputFile(path: string, flag: string, what: string): Promise<Uint8Array> {
  const { readFile, stat } = await import('node:fs/promises');
  const fail = (why: string) => new InputFileError(`${flag} ${path}: ${why}`);
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw fail(`is a directory, not a ${what}`);
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) throw fail(`is a device or socket, not a ${what}`);
    if (st.isFIFO()) {
      if (!STDIN.test(path)) throw fail(`is a named pipe (FIFO), not a ${what}: give a regular file (or /dev/stdin for a pipe)`);
      return await readCapped(path, fail);
    }
    if (st.size > INPUT_MAX_BYTES) throw fail(`is ${st.size} bytes: more than the ${INPUT_MAX_BYTES} bytes a ${what} may have here`);
    return await readFile(path);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOENT: 'file not found', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: `is a directory, not a ${what}`,
      ENOTDIR: 'a component of the path is not a directory', ENAMETOOLONG: 'file name too long', ELOOP: 'too many levels of symbolic links',
    };
    throw fail(why[err.code ?? ''] ?? `cannot read the ${what}: ${String(err.message).split('\n')[0]}`);
  }
}

async function readCapped(path: string, fail: (why: string) => Error): Promise<Uint8Array> {
  const { createReadStream } = await import('node:fs');
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    n += (chunk as Uint8Array).length;
    if (n > INPUT_MAX_BYTES) throw fail(`more than ${INPUT_MAX_BYTES} bytes on the pipe`);
    parts.push(chunk as Uint8Array);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
