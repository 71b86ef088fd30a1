import { EnvironmentError } from '../shared/errors.js';

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
