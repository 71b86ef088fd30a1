import type { HazardConfig } from './config.js';
import type { Snapshot } from '../inspect/index.js';
import { alembicModelsSource } from '../migrate/alembic/files.js';
import { ModelsError, modelsSource, type ModelsEntry } from '../migrate/models.js';
import type { Project } from '../migrate/project.js';
import type { Workspace } from '../migrate/workspace.js';
import type { PostgresServer } from '../postgres/index.js';
import type { Finding, ModelsSection } from '../report/contract/check.js';
import { alembicModelsSection, isMissingMetadata } from './alembic-models.js';
import { compareWithModels, modelDriftFindings, resolveModelsEntry } from './models.js';

/**
 * The models section of a check: the project's models (Sequelize) or `env.py`'s `target_metadata`
 * (Alembic) compared with the head's schema (`final`), as warnings. Nothing when the project has no
 * models or they are turned off; models that cannot be loaded are a warning of their own.
 */
export async function checkModels(
  ws: Workspace,
  final: Snapshot,
  options: ModelsOptions,
): Promise<{ section: ModelsSection; findings: Finding[] } | undefined> {
  return ws.project.runner === 'alembic'
    ? alembicModels(ws, final, options.config.models !== false, options.log)
    : sequelizeModels(ws.server, ws.project, final, options);
}

interface ModelsOptions {
  config: HazardConfig;
  scope?: 'on' | 'strict';
  log: (line: string) => void;
  /** Sequelize: the models' own workspace, opened while the migrations ran (else opened when needed). */
  workspace?: Promise<Workspace>;
}

/**
 * The project's models compared with the head's migrations (`final`), when it has models. A model
 * that cannot be loaded is a warning of its own, never a failed check of the migrations.
 */
async function sequelizeModels(
  server: PostgresServer,
  project: Project,
  final: Snapshot,
  { config, scope, log, workspace }: ModelsOptions,
): Promise<{ section: ModelsSection; findings: Finding[] } | undefined> {
  let entry: ModelsEntry | null;
  try {
    entry = await resolveModelsEntry(project, undefined, config);
  } catch (error) {
    if (!(error instanceof ModelsError)) throw error;
    return notLoaded('.', error);
  }
  if (!entry) return undefined;
  const source = modelsSource(project, entry);
  log(`Comparing the models (${source}) with the migrations`);
  try {
    const { comparison, schema } = await compareWithModels(
      server,
      project,
      entry,
      final,
      scope && (scope === 'on' ? 'migrated' : 'strict'),
      config,
      workspace,
    );
    return {
      section: { source, tables: schema.tables.length, changes: comparison.changes },
      findings: modelDriftFindings(comparison.changes, schema.tables, 'warning'),
    };
  } catch (error) {
    if (!(error instanceof ModelsError)) throw error;
    return notLoaded(source, error);
  }
}

/**
 * Alembic: `env.py`'s `target_metadata` against the head's schema, on the workspace the revisions ran
 * on (`alembic check`'s comparison); nothing when env.py sets no `target_metadata` or models are off.
 */
async function alembicModels(
  ws: Workspace,
  final: Snapshot,
  enabled: boolean,
  log: (line: string) => void,
): Promise<{ section: ModelsSection; findings: Finding[] } | undefined> {
  if (!enabled) return undefined;
  log(`Comparing target_metadata (${alembicModelsSource(ws.project)}) with the migrations`);
  try {
    return await alembicModelsSection(ws.runner, ws.project, final, 'warning');
  } catch (error) {
    if (isMissingMetadata(error)) return undefined;
    return notLoaded(alembicModelsSource(ws.project), new ModelsError((error as Error).message));
  }
}

function notLoaded(source: string, error: ModelsError): { section: ModelsSection; findings: Finding[] } {
  return {
    section: { source, tables: 0, changes: [], error: error.message },
    findings: [
      {
        rule: 'models-not-loaded',
        severity: 'warning',
        message: `The models were not compared with the migrations: ${error.message}`,
        fix: 'Make the models loadable without the app running, point .schemabot.yml "models" at the module that exports the Sequelize instance, or set "models: false".',
      },
    ],
  };
}
