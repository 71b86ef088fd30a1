import pg from 'pg';
import { relative } from 'node:path';
import { loadConfig } from '../assess/config.js';
import {
  compareModels,
  modelDriftFindings,
  type ModelsComparison,
  type ModelsScope,
} from '../assess/models.js';
import type { Finding } from '../assess/types.js';
import type { Change } from '../diff/index.js';
import { takeSnapshot, type Snapshot } from '../inspect/index.js';
import { quoteIdentifiers } from '../inspect/names.js';
import { quoteIdent } from '../postgres/admin.js';
import { snapshotAt } from './diff.js';
import { discoverMigrations } from '../migrate/discover.js';
import {
  findModels,
  ModelsError,
  type DeclaredTable,
  type ModelsEntry,
  type ModelTable,
} from '../migrate/models.js';
import { metaTableOf } from '../migrate/meta.js';
import { loadProject, type Project } from '../migrate/project.js';
import { MigrationRunner } from '../migrate/runner.js';
import { Workspace } from '../migrate/workspace.js';
import type { PostgresServer } from '../postgres/index.js';
import { startThrowaway, type CheckOptions } from './options.js';

export interface ModelsOptions extends Omit<CheckOptions, 'base'> {
  /** The models module or folder (overrides `.schemabot.yml` `models` and `.sequelizerc`). */
  models?: string;
}

/** The JSON report of `schemabot models` (`schemaVersion: 1`). */
export interface ModelsReport {
  schemaVersion: 1;
  mode: 'models';
  /** False when the models and the migrations disagree or a migration failed (exit code 1). */
  ok: boolean;
  postgres: { version: string; provider: string };
  models: { source: string; tables: number };
  migrations: { applied: number; failed: string | null };
  /** Migrated schema → models' schema: `added` only the models declare, `removed` only the migrations create. */
  changes: Change[];
  findings: Finding[];
  durationMs: number;
}

/**
 * The project's models entry: `explicit`, else `.schemabot.yml` `models`, else `.sequelizerc`
 * `models-path`. Null when there are none or the configuration turns the comparison off.
 */
export async function resolveModelsEntry(project: Project, explicit?: string): Promise<ModelsEntry | null> {
  if (explicit) return findModels(project, explicit);
  const config = await loadConfig(project.cwd);
  if (config.models === false) return null;
  return findModels(project, config.models);
}

/** A database with every migration of the project applied, and its snapshot. */
export interface MigratedDatabase {
  database: string;
  snapshot: Snapshot;
  applied: number;
  /** The migration that failed, with PostgreSQL's message; the snapshot is then of the state before it. */
  failure: { name: string; message: string; file: string; line?: number } | null;
}

/** Creates a database on `server` and applies every migration of the project in order. */
export async function migrateAll(
  server: PostgresServer,
  project: Project,
  options: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<MigratedDatabase> {
  const files = discoverMigrations(project.migrationsDir);
  options.log?.(`Applying ${files.length} migrations`);
  let applied = 0;
  let failure: MigratedDatabase['failure'] = null;
  const ws = await Workspace.open(server, project, { timeoutMs: options.timeoutMs });
  const database = ws.database;
  try {
    for (const file of files) {
      const step = await ws.runner.up(file);
      if (!step.ok) {
        failure = {
          name: file.name,
          message: step.error?.message ?? 'failed',
          file: relative(project.cwd, file.path),
          ...(step.error?.line ? { line: step.error.line } : {}),
        };
        break;
      }
      applied++;
    }
  } finally {
    await ws.close({ keepDatabase: true });
  }
  const snapshot = await snapshotAt(server.url(database), [metaTableOf(project)]);
  return { database, snapshot, applied, failure };
}

/** What `sync()` of the models built, as a snapshot, and which tables the models declare. */
export interface ModelsSchema {
  snapshot: Snapshot;
  tables: ModelTable[];
  source: string;
}

/**
 * Syncs the models into a fresh database on `server` and snapshots it. The schemas and extensions
 * the migrations create are created first: models can live in them but cannot create them.
 */
export async function syncModels(
  server: PostgresServer,
  project: Project,
  entry: ModelsEntry,
  migrated: Snapshot,
): Promise<ModelsSchema> {
  const database = await server.createDatabase();
  try {
    const client = new pg.Client({ connectionString: server.url(database) });
    await client.connect();
    try {
      for (const schema of Object.values(migrated.schemas)) {
        if (schema.name !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema.name}`);
      }
      for (const ext of Object.values(migrated.extensions)) {
        await client.query(
          `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(ext.name)} WITH SCHEMA ${ext.schema}`,
        );
      }
      let declared: DeclaredTable[];
      {
        // The models' code runs in a worker of its own, pointed at this database.
        await using runner = await MigrationRunner.open(server.url(database), project);
        declared = await runner.syncModels(entry);
      }
      // Names as the snapshot writes them, to match the models to its tables and columns.
      const quoted = await quoteIdentifiers(
        client,
        declared.flatMap((t) => [t.schema, t.table, ...t.clientDefaults]),
      );
      const q = (name: string) => quoted.get(name) ?? name;
      const tables: ModelTable[] = declared.map((t) => ({
        model: t.model,
        table: `${q(t.schema)}.${q(t.table)}`,
        clientDefaults: t.clientDefaults.map(q),
      }));
      const snapshot = await takeSnapshot(client, { exclude: [metaTableOf(project)] });
      return { snapshot, tables, source: relative(project.cwd, entry.path) || '.' };
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    await server.dropDatabase(database).catch(() => undefined);
  }
}

/** The models' schema against `migrated`, on `server`. */
export async function compareWithModels(
  server: PostgresServer,
  project: Project,
  entry: ModelsEntry,
  migrated: Snapshot,
  override?: ModelsScope,
): Promise<{ comparison: ModelsComparison; schema: ModelsSchema }> {
  const schema = await syncModels(server, project, entry, migrated);
  const scope = override ?? (await loadConfig(project.cwd)).modelsScope ?? 'declared';
  return { comparison: compareModels(migrated, schema.snapshot, schema.tables, scope), schema };
}

/**
 * `schemabot models`: sync the models into one throwaway database, run every migration on another,
 * and report where they disagree (Alembic's `check`). Drift is exit code 1.
 */
export async function runModels(options: ModelsOptions): Promise<ModelsReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const project = await loadProject({
    cwd: options.cwd,
    migrationsPath: options.migrationsPath,
    loader: options.loader,
    log: options.log,
  });
  const entry = await resolveModelsEntry(project, options.models);
  if (!entry) {
    throw new ModelsError(
      `No models found in ${project.cwd}: there is no models folder (.sequelizerc "models-path", default ` +
        'models/) with model files or an index loader, or .schemabot.yml sets "models: false". Pass --models ' +
        'with the module that exports your Sequelize instance.',
    );
  }
  await using server = await startThrowaway(options, project.cwd, log);
  const migrated = await migrateAll(server, project, { timeoutMs: options.timeoutMs, log });
  await server.dropDatabase(migrated.database).catch(() => undefined);
  const source = relative(project.cwd, entry.path) || '.';
  const base = {
    schemaVersion: 1 as const,
    mode: 'models' as const,
    postgres: { version: server.version, provider: server.provider },
    migrations: { applied: migrated.applied, failed: migrated.failure?.name ?? null },
  };
  if (migrated.failure) {
    const f = migrated.failure;
    return {
      ...base,
      ok: false,
      models: { source, tables: 0 },
      changes: [],
      findings: [
        {
          rule: 'up-failed',
          severity: 'error',
          migration: f.name,
          file: f.file,
          ...(f.line ? { line: f.line } : {}),
          message: `up failed: ${f.message.split('\n')[0]}. The models cannot be compared with migrations that do not run.`,
          fix: 'Fix the migration first (`schemabot check` shows what it does).',
        },
      ],
      durationMs: Math.round(performance.now() - started),
    };
  }
  log(`Syncing the models from ${source}`);
  const { comparison, schema } = await compareWithModels(server, project, entry, migrated.snapshot);
  return {
    ...base,
    ok: comparison.changes.length === 0,
    models: { source, tables: schema.tables.length },
    changes: comparison.changes,
    findings: modelDriftFindings(comparison.changes, schema.tables, 'error'),
    durationMs: Math.round(performance.now() - started),
  };
}
