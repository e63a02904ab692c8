// Every input file the program reads (-hkl, -mat, -mask, -img, -sourcefile, -stol/-4stol/-Q, --batch, the dataset
// description) is read here, whole and safely: a directory, device or socket is refused, a named pipe too (it may
// never end or never start) except this process's own standard input, which is read with a size cap; a regular
// file over its kind's cap is refused before reading. Every problem is one InputFileError line naming the file and
// the reason; the CLI ends with exit code 3 (EXIT.INPUT). docs/reliability.md lists the rules. Node/Deno only.

/** Most bytes read from a small input file (a source list of a few million lines). */
export const INPUT_MAX_BYTES = 256 * 1024 * 1024;

/** A file that cannot be read (or, from the callers, is malformed): the message is the whole line to show. */
export class InputFileError extends Error {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = 'InputFileError';
  }

  /** From a whole line `<flag> <path>: <reason>` (a malformed file's content, found by its reader). */
  static fromLine(message: string): InputFileError {
    return new InputFileError(message, message.slice(message.indexOf(': ') + 2));
  }
}

const STDIN = /^\/dev\/stdin$|^\/dev\/fd\/0$|^\/proc\/self\/fd\/0$/;

export interface InputFileOptions {
  /** Most bytes accepted (default INPUT_MAX_BYTES). */
  maxBytes?: number;
  /** What the message starts with (default `${flag} ${path}`); the reason follows after ': '. */
  label?: string;
}

/**
 * The bytes of `path`, given to `flag` (for messages: `-sourcefile x.txt: source file not found`); `what` names
 * the file's kind ("HKL file", "mask file"). Throws InputFileError, never a raw Node error.
 */
export async function readInputFile(path: string, flag: string, what: string, opts: InputFileOptions = {}): Promise<Uint8Array> {
  const { readFile, stat } = await import('node:fs/promises');
  const max = opts.maxBytes ?? INPUT_MAX_BYTES;
  const label = opts.label ?? `${flag} ${path}`;
  const fail = (why: string) => new InputFileError(`${label}: ${why}`, why);
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw fail(`is a directory, not ${article(what)}`);
    // a device never ends (/dev/zero) or waits for typing (/dev/stdin on a terminal)
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isSocket()) throw fail(`is a device or socket, not ${article(what)}`);
    if (st.isFIFO()) {
      if (!STDIN.test(path)) throw fail(`is a named pipe (FIFO), not a regular file: give a regular file (or ${flag.startsWith('-') ? `${flag} ` : ''}/dev/stdin for a pipe)`);
      return await readCapped(path, max, fail);
    }
    if (st.size > max) throw fail(`is ${st.size} bytes: more than the ${max} bytes a ${what} may have here`);
    // a file that grew since stat, or one that reports size 0 but has content (/proc, /sys): the cap still holds
    const bytes = await readFile(path);
    if (bytes.length > max) throw fail(`is ${bytes.length} bytes: more than the ${max} bytes a ${what} may have here`);
    return bytes;
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOENT: `${what} not found`, EACCES: `permission denied reading the ${what}`, EPERM: `permission denied reading the ${what}`,
      EISDIR: `is a directory, not ${article(what)}`, ENOTDIR: 'a component of the path is not a directory',
      ENAMETOOLONG: 'file name too long', ELOOP: 'too many levels of symbolic links',
      ERR_FS_FILE_TOO_LARGE: `${what} too large to read (over 2 GiB)`,
    };
    throw fail(why[err.code ?? ''] ?? `cannot read the ${what}: ${String(err.message).split('\n')[0]}`);
  }
}

/** "an HKL file", "a mask file". */
function article(what: string): string {
  return `${/^[aeiouH]/.test(what) ? 'an' : 'a'} ${what}`;
}

/** `readInputFile` as text (UTF-8). */
export async function readInputText(path: string, flag: string, what: string, opts: InputFileOptions = {}): Promise<string> {
  return new TextDecoder().decode(await readInputFile(path, flag, what, opts));
}

/** Reads standard input to its end, refusing more than `max` bytes (an endless writer must not fill the memory). */
async function readCapped(path: string, max: number, fail: (why: string) => Error): Promise<Uint8Array> {
  const { createReadStream } = await import('node:fs');
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    n += (chunk as Uint8Array).length;
    if (n > max) throw fail(`more than ${max} bytes on the pipe`);
    parts.push(chunk as Uint8Array);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
