import { relative } from 'node:path';
import type pg from 'pg';
import { alembicDriftChanges } from '../assess/alembic-models.js';
import { compareModels, compareWithModels } from '../assess/models.js';
import { loadSqlParser } from '../assess/sql.js';
import type { Change } from '../diff/index.js';
import { assignableTypeChanges } from '../inspect/names.js';
import { takeSnapshot, type Snapshot } from '../inspect/index.js';
import { modelsSource, type ModelsEntry } from '../migrate/models.js';
import type { Workspace } from '../migrate/workspace.js';
import type { PostgresServer } from '../postgres/index.js';
import { fileStyle, writeMigrationFile } from './file.js';
import { generateMigration } from './migration.js';

/** A migration written from the difference between the models and the migrations, not yet proven. */
export interface Draft {
  /** Migrated schema → models: what the migration covers. */
  changes: Change[];
  /** What was written; null when there was no difference (nothing to write). */
  written: { name: string; path: string; operations: number; todos: string[] } | null;
  /** The differences left between the models and the workspace's schema as it is now. */
  remaining: () => Promise<Change[]>;
}

/** Which column type changes PostgreSQL makes without USING, asked of the migrated database. */
async function assignableTypes(client: pg.ClientBase, changes: Change[]): Promise<Set<string>> {
  const pairs = changes
    .filter((c) => c.kind === 'column' && c.action === 'changed' && c.details?.type)
    .flatMap((c): [string, string][] => {
      const { from, to } = c.details!.type as { from: string; to: string };
      return [
        [from, to],
        [to, from],
      ];
    });
  if (!pairs.length) return new Set();
  return assignableTypeChanges(client, pairs);
}

/**
 * Sequelize: the models synced on a database of their own and compared with the workspace's migrated
 * schema (`before`); the migration that brings one to the other, written into the migrations folder.
 */
export async function draftMigration(
  ws: Workspace,
  server: PostgresServer,
  entry: ModelsEntry,
  before: Snapshot,
  options: { name: string; now?: Date },
  log: (line: string) => void,
): Promise<Draft> {
  const project = ws.project;
  log(`Syncing the models from ${modelsSource(project, entry)}`);
  const { comparison, schema, scope } = await compareWithModels(server, project, entry, before);
  const { changes } = comparison;
  const remaining = async () =>
    compareModels(
      await takeSnapshot(ws.client, { exclude: [ws.meta] }),
      schema.snapshot,
      schema.tables,
      scope,
    ).changes;
  if (!changes.length) return { changes, written: null, remaining };
  await loadSqlParser();
  const style = fileStyle(project);
  const generated = generateMigration({
    changes,
    from: before,
    to: schema.snapshot,
    assignableTypes: await assignableTypes(ws.client, changes),
    format: style.format,
  });
  const file = writeMigrationFile(
    project,
    options.name,
    style.ext,
    generated.source,
    options.now ?? new Date(),
  );
  log(`Wrote ${relative(project.cwd, file.path)}: ${generated.operations} operations`);
  return {
    changes,
    written: { ...file, operations: generated.operations, todos: generated.todos },
    remaining,
  };
}

/** Alembic: `alembic revision --autogenerate -m NAME` against the workspace, at the head. */
export async function draftRevision(
  ws: Workspace,
  name: string,
  log: (line: string) => void,
): Promise<Draft> {
  const diffs = await ws.runner.compareModels();
  const changes = alembicDriftChanges(diffs);
  const remaining = async () => alembicDriftChanges(await ws.runner.compareModels());
  if (!changes.length) return { changes, written: null, remaining };
  const written = await ws.runner.autogenerate(name);
  log(
    `Wrote ${relative(ws.project.cwd, written.path)} (alembic revision --autogenerate): ${diffs.length} operations`,
  );
  return {
    changes,
    written: { name: written.id, path: written.path, operations: diffs.length, todos: [] },
    remaining,
  };
}
