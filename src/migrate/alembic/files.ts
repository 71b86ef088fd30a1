import { dirname, join, relative } from 'node:path';
import type { MigrationFile } from '../discover.js';
import { alembicRevisions, type Project } from '../project.js';

/** Every revision of an Alembic project, parents before children, as the files a runner steps. */
export async function revisionFiles(project: Project): Promise<MigrationFile[]> {
  const { revisions } = await alembicRevisions(project);
  return revisions.map((r) => ({ name: r.id, path: r.path }));
}

/** Where `target_metadata` is set: the project's `env.py`, relative to the project. */
export function alembicModelsSource(project: Project): string {
  return relative(project.cwd, join(dirname(project.migrationsDir), 'env.py'));
}
