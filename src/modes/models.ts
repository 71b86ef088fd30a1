import { alembicModelsSection } from '../assess/alembic-models.js';
import {
  compareWithModels,
  modelDriftFindings,
  resolveModelsEntry,
  upFailedFinding,
} from '../assess/models.js';
import type { Change } from '../diff/index.js';
import { takeSnapshot } from '../inspect/index.js';
import { alembicModelsSource, revisionFiles } from '../migrate/alembic/files.js';
import { discoverMigrations, type MigrationFile } from '../migrate/discover.js';
import { migrateAll } from '../migrate/migrate-all.js';
import { ModelsError, modelsSource, type ModelsEntry } from '../migrate/models.js';
import { loadProject, releaseProject, warmSpareWorker, type Project } from '../migrate/project.js';
import { Workspace } from '../migrate/workspace.js';
import type { Finding } from '../report/contract/check.js';
import type { ModelsReport } from '../report/contract/models.js';
import { startThrowawayWhile, type CheckOptions } from './options.js';

export interface ModelsOptions extends Omit<CheckOptions, 'base'> {
  /** The models module or folder (overrides `.schemabot.yml` `models` and `.sequelizerc`). */
  models?: string;
}

/** The project of `models` and `generate`: `--models` names Sequelize models, never an Alembic project's. */
export async function loadModelsProject(options: ModelsOptions): Promise<Project> {
  const project = await loadProject({
    cwd: options.cwd,
    migrationsPath: options.migrationsPath,
    loader: options.loader,
    runner: options.runner,
    python: options.python,
    log: options.log,
  });
  if (project.runner === 'alembic' && options.models) {
    await releaseProject(project);
    throw new ModelsError(
      `--models names Sequelize models; the models of an Alembic project are the target_metadata its ${alembicModelsSource(project)} sets. Leave --models out.`,
    );
  }
  return project;
}

/** What `models` and `generate` start from: the project, its models and its migrations or revisions. */
export interface ModelsRun {
  project: Project;
  alembic: boolean;
  /** The Sequelize models (null for an Alembic project: its env.py names them). */
  entry: ModelsEntry | null;
  files: MigrationFile[];
}

/**
 * Loads the project of `models` or `generate` and finds its models and migrations; `noModels` says
 * what to do when a Sequelize project has none (a `ModelsError`, the project released).
 */
export async function loadModelsRun(options: ModelsOptions, noModels: string): Promise<ModelsRun> {
  const project = await loadModelsProject(options);
  try {
    const alembic = project.runner === 'alembic';
    const entry = alembic ? null : await resolveModelsEntry(project, options.models);
    if (!alembic && !entry) throw new ModelsError(`No models found in ${project.cwd}: ${noModels}`);
    const files = alembic ? await revisionFiles(project) : discoverMigrations(project.migrationsDir);
    return { project, alembic, entry, files };
  } catch (error) {
    await releaseProject(project);
    throw error;
  }
}

/**
 * `schemabot models`: run every migration on one throwaway database, sync the models into another,
 * and report where they disagree (Alembic's `check`; for an Alembic project, `env.py`'s
 * `target_metadata` compared by Alembic's `compare_metadata`). Drift is exit code 1.
 */
export async function runModels(options: ModelsOptions): Promise<ModelsReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  // The server boots while the worker loads the project.
  const { starting, prepared } = await startThrowawayWhile(options, options.cwd, log, () =>
    loadModelsRun(
      options,
      'there is no models folder (.sequelizerc "models-path", default models/) with model files or an ' +
        'index loader, or .schemabot.yml sets "models: false". Pass --models with the module that exports ' +
        'your Sequelize instance.',
    ),
  );
  const { project, alembic, entry, files } = prepared;
  const source = entry ? modelsSource(project, entry) : alembicModelsSource(project);
  await using server = await starting;
  await using ws = await Workspace.open(server, project, { timeoutMs: options.timeoutMs });
  // The models sync in a workspace of their own: its worker loads the project while the migrations run
  // (and is ended with the run if they fail).
  await using _spare = warmSpareWorker(project);
  log(`Applying ${files.length} ${alembic ? 'revisions' : 'migrations'}`);
  const { applied, failure } = await migrateAll(ws, files);
  const report = (tables: number, changes: Change[], findings: Finding[]): ModelsReport => ({
    schemaVersion: 1,
    mode: 'models',
    postgres: { version: server.version, provider: server.provider },
    migrations: { applied, failed: failure?.name ?? null },
    ok: !failure && changes.length === 0,
    models: { source, tables },
    changes,
    findings,
    durationMs: Math.round(performance.now() - started),
  });
  if (failure) {
    const consequence = 'The models cannot be compared with migrations that do not run.';
    return report(0, [], [upFailedFinding(failure, consequence)]);
  }
  const migrated = await takeSnapshot(ws.client, { exclude: [ws.meta] });
  if (alembic) {
    log(`Comparing target_metadata (${source}) with the migrated schema`);
    const { section, findings } = await alembicModelsSection(ws.runner, project, migrated, 'error');
    return report(section.tables, section.changes, findings);
  }
  // The models sync on a database of their own: this one is done.
  await ws.close();
  log(`Syncing the models from ${source}`);
  const { comparison, schema } = await compareWithModels(server, project, entry!, migrated);
  const findings = modelDriftFindings(comparison.changes, schema.tables, 'error');
  return report(schema.tables.length, comparison.changes, findings);
}
