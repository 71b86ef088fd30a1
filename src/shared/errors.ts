/**
 * The base of every usage, configuration and environment problem: a person must act (fix a flag, a
 * setting, a file, install something). Fronts map it to exit code 2 and print its message alone.
 */
export class EnvironmentError extends Error {
  /** The setting, flag or input involved, when one is. */
  readonly setting?: string;
  constructor(message: string, options?: { cause?: unknown; setting?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EnvironmentError';
    if (options?.setting) this.setting = options.setting;
  }
}

/** A bad flag or value: exit code 2. */
export class UsageError extends EnvironmentError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Usage, configuration and environment problems are exit code 2 (every one extends
 * `EnvironmentError`); everything else is a bug.
 */
export function isEnvironmentError(err: unknown): boolean {
  return err instanceof EnvironmentError;
}
