import pg from 'pg';
import { relative } from 'node:path';
import { loadConfig } from '../assess/config.js';
import {
  compareModels,
  modelDriftFindings,
  type ModelsComparison,
  type ModelsScope,
} from '../assess/models.js';
import type { ModelsReport } from '../report/contract/models.js';
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
import { loadProject, releaseProject, type Project } from '../migrate/project.js';
import { alembicModelsSection, alembicModelsSource, revisionFiles } from './alembic.js';
import { MigrationRunner } from '../migrate/runner.js';
import { Workspace } from '../migrate/workspace.js';
import type { PostgresServer } from '../postgres/index.js';
import { startThrowaway, type CheckOptions } from './options.js';

export interface ModelsOptions extends Omit<CheckOptions, 'base'> {
  /** The models module or folder (overrides `.schemabot.yml` `models` and `.sequelizerc`). */
  models?: string;
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
    runner: options.runner,
    python: options.python,
    log: options.log,
  });
  if (project.runner === 'alembic') {
    if (options.models) {
      await releaseProject(project);
      throw new ModelsError(
        `--models names Sequelize models; the models of an Alembic project are the target_metadata its ${alembicModelsSource(project)} sets. Leave --models out.`,
      );
    }
    return runAlembicModels(project, options, started, log);
  }
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
  if (migrated.failure) return upFailed(base, source, migrated.failure, started);
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

type ReportBase = Pick<ModelsReport, 'schemaVersion' | 'mode' | 'postgres' | 'migrations'>;

/** The report of a comparison that could not run: a migration failed its `up`. */
function upFailed(
  base: ReportBase,
  source: string,
  f: NonNullable<MigratedDatabase['failure']>,
  started: number,
): ModelsReport {
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

/**
 * `schemabot models` for an Alembic project: every revision applied to a throwaway database, then
 * `env.py`'s `target_metadata` compared with it by Alembic's `compare_metadata` (`alembic check`).
 */
async function runAlembicModels(
  project: Project,
  options: ModelsOptions,
  started: number,
  log: (line: string) => void,
): Promise<ModelsReport> {
  const files = await revisionFiles(project);
  const source = alembicModelsSource(project);
  await using server = await startThrowaway(options, project.cwd, log);
  const ws = await Workspace.open(server, project, { timeoutMs: options.timeoutMs });
  try {
    log(`Applying ${files.length} revisions`);
    let failure: MigratedDatabase['failure'] = null;
    let applied = 0;
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
    const base: ReportBase = {
      schemaVersion: 1,
      mode: 'models',
      postgres: { version: server.version, provider: server.provider },
      migrations: { applied, failed: failure?.name ?? null },
    };
    if (failure) return upFailed(base, source, failure, started);
    log(`Comparing target_metadata (${source}) with the migrated schema`);
    const migrated = await takeSnapshot(ws.client, { exclude: [ws.meta] });
    const { section, findings } = await alembicModelsSection(ws.runner, project, migrated, 'error');
    return {
      ...base,
      ok: section.changes.length === 0,
      models: { source, tables: section.tables },
      changes: section.changes,
      findings,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await ws.close();
  }
}
