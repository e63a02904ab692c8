// Exit codes of the command line (README "Errors and exit codes") and the error type that
// carries one. Library code throws ordinary Errors (ArgError, HklError, SetupError, ...);
// the CLI maps them to these codes and prints their one-line message.

export const EXIT = {
  OK: 0,
  /** a bug: an unexpected exception (rerun with --debug for the stack) */
  INTERNAL: 1,
  /** bad command line: unknown/missing/invalid flag or value, impossible geometry */
  USAGE: 2,
  /** bad or unreadable input file (-hkl, -mat, -mask, -img, -sourcefile, -stol, --batch, dataset description) */
  INPUT: 3,
  /** an output file or report could not be written (nothing earlier is lost) */
  OUTPUT: 4,
  /** a backend or resource is unavailable: no GPU, no threads, not enough memory */
  RESOURCE: 5,
  /** interrupted by SIGINT (Ctrl-C) */
  INTERRUPTED: 130,
  /** ended by SIGHUP (the terminal closed) */
  HANGUP: 129,
  /** ended by SIGTERM (kill, timeout) */
  TERMINATED: 143,
} as const;

/** An error meant for the user: one line, and the exit code the CLI ends with. */
export class UserError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}
