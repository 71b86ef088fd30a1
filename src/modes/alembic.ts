import { dirname, join, relative } from 'node:path';
import { alembicDriftChanges, declaredTableCount } from '../assess/alembic-models.js';
import { modelDriftFindings } from '../assess/models.js';
import type { Finding, ModelsSection } from '../report/contract/check.js';
import type { Snapshot } from '../inspect/index.js';
import type { MigrationFile } from '../migrate/discover.js';
import { alembicRevisions, type Project } from '../migrate/project.js';
import { ProjectError } from '../migrate/project.js';
import type { MigrationRunner } from '../migrate/runner.js';

/** Every revision of an Alembic project, parents before children, as the files a runner steps. */
export async function revisionFiles(project: Project): Promise<MigrationFile[]> {
  const { revisions } = await alembicRevisions(project);
  return revisions.map((r) => ({ name: r.id, path: r.path }));
}

/** Where `target_metadata` is set: the project's `env.py`, relative to the project. */
export function alembicModelsSource(project: Project): string {
  return relative(project.cwd, join(dirname(project.migrationsDir), 'env.py'));
}

/**
 * `target_metadata` compared with the database the runner is on (all revisions applied), as
 * `alembic check` compares them: one `model-drift` finding per difference.
 */
export async function alembicModelsSection(
  runner: MigrationRunner,
  project: Project,
  migrated: Snapshot,
  severity: Finding['severity'],
): Promise<{ section: ModelsSection; findings: Finding[] }> {
  const diffs = await runner.compareModels();
  const changes = alembicDriftChanges(diffs);
  return {
    section: {
      source: alembicModelsSource(project),
      tables: declaredTableCount(Object.keys(migrated.tables).length, diffs),
      changes,
    },
    findings: modelDriftFindings(changes, [], severity),
  };
}

/** A model comparison that cannot run: `env.py` sets no `target_metadata` is exit 2, said in these words. */
export function isMissingMetadata(error: unknown): boolean {
  return error instanceof ProjectError && /target_metadata/.test(error.message);
}
