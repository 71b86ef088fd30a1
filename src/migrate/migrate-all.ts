import { relative } from 'node:path';
import type { MigrationFile } from './discover.js';
import type { Workspace } from './workspace.js';

/** The migration whose `up` failed, with PostgreSQL's message. */
export interface MigrationFailure {
  name: string;
  message: string;
  /** Its file, relative to the project. */
  file: string;
  line?: number;
}

/**
 * Applies `files` in order on the workspace (a project's migrations, or an Alembic project's
 * revisions), stopping at the first that fails: how many were applied, and that failure.
 */
export async function migrateAll(
  ws: Workspace,
  files: MigrationFile[],
): Promise<{ applied: number; failure: MigrationFailure | null }> {
  let applied = 0;
  for (const file of files) {
    const step = await ws.runner.up(file);
    if (!step.ok) {
      const failure: MigrationFailure = {
        name: file.name,
        message: step.error?.message ?? 'failed',
        file: relative(ws.project.cwd, file.path),
        ...(step.error?.line ? { line: step.error.line } : {}),
      };
      return { applied, failure };
    }
    applied++;
  }
  return { applied, failure: null };
}
