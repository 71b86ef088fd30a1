import { GitError } from '../plan/git.js';
import { PostgresUnavailableError } from '../postgres/index.js';
import { ProjectError } from '../migrate/project.js';
import { ConfigError } from '../assess/config.js';
import { ModelsError } from '../migrate/models.js';
import { EnvironmentError } from '../shared/errors.js';

/** A bad flag or value: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Usage, configuration and environment problems are exit code 2; everything else is a bug. */
export function isEnvironmentError(err: unknown): boolean {
  return (
    err instanceof EnvironmentError ||
    err instanceof UsageError ||
    err instanceof ProjectError ||
    err instanceof PostgresUnavailableError ||
    err instanceof GitError ||
    err instanceof ConfigError ||
    err instanceof ModelsError
  );
}
