// The exit code of an error a user can cause (README "Errors and exit codes"), one mapping for the command line,
// the lines of a --batch file and the images of a dataset: a bad flag or set-up is 2, a bad or unreadable input
// file 3, a UserError carries its own code; anything else is not the user's (undefined: a bug).

import { ArgError } from './args.ts';
import { SetupError } from './setup.ts';
import { HklError } from '../hkl.ts';
import { InputFileError } from '../io/input-file.ts';
import { EXIT, UserError } from '../errors.ts';

export function userErrorCode(e: unknown): number | undefined {
  if (e instanceof UserError) return e.code;
  if (e instanceof HklError || e instanceof InputFileError) return EXIT.INPUT;
  if (e instanceof ArgError || e instanceof SetupError) return EXIT.USAGE;
  return undefined;
}
