import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeDirs } from '../shared/fs.js';
import { UsageError } from './errors.js';

/**
 * Before the run: the folder of an output file exists (made if need be) and can be written, so that a
 * mistyped path fails at once instead of after the migrations have run. "-" is stdout.
 */
export function prepareOutput(file: string | undefined, flag: string): void {
  if (!file || file === '-') return;
  const dir = dirname(resolve(file));
  try {
    makeDirs(dir);
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${flag} ${file}: its folder cannot be written (${(error as Error).message}). Name a writable path, or "-" for stdout.`,
    );
  }
}

/**
 * Writes an output file ("-": stdout). Called once the report has been printed, so that a failure here
 * (a full disk) loses nothing: the message says so, and the exit code is 2.
 */
export function writeOutput(file: string, text: string, flag: string): void {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    makeDirs(dirname(resolve(file)));
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(
      `Could not write ${flag} ${file}: ${(error as Error).message}. The report printed above is this run's outcome.`,
    );
  }
}
