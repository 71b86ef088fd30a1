import { relative } from 'node:path';
import { proofFindings, todoFindings } from '../assess/generate.js';
import { upFailedFinding } from '../assess/models.js';
import type { Change } from '../diff/index.js';
import { draftMigration, draftRevision } from '../generate/draft.js';
import { keepOnlyProven } from '../generate/file.js';
import { prove } from '../generate/prove.js';
import { takeSnapshot } from '../inspect/index.js';
import { migrateAll } from '../migrate/migrate-all.js';
import { warmSpareWorker } from '../migrate/project.js';
import { ModelsError } from '../migrate/models.js';
import { Workspace } from '../migrate/workspace.js';
import type { Finding } from '../report/contract/check.js';
import type { GenerateReport } from '../report/contract/models.js';
import { loadModelsRun, type ModelsOptions } from './models.js';
import { startThrowawayWhile } from './options.js';

export interface GenerateOptions extends ModelsOptions {
  /** The migration's name after the timestamp (`add-status-to-posts`). */
  name: string;
  /** The clock for the file name's timestamp (tests). */
  now?: Date;
  /** Keep the migration on disk even when its proof fails (`--keep-unproven`); by default it is removed. */
  keepUnproven?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * `schemabot generate NAME` (Alembic's `--autogenerate`): write the migration that brings the
 * migrated schema to the models' schema (an Alembic project: `alembic revision --autogenerate`),
 * then prove it on a throwaway PostgreSQL: up, down (must restore the schema), up again, and no drift
 * left between the models and the migrations. An unproven file is removed unless `keepUnproven`.
 */
export async function runGenerate(options: GenerateOptions): Promise<GenerateReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  if (!NAME.test(options.name)) {
    throw new ModelsError(
      `"${options.name}" is not a usable migration name: use letters, digits, "-", "_" and ".", for example add-status-to-posts.`,
    );
  }
  // The server boots while the worker loads the project.
  const { starting, prepared } = await startThrowawayWhile(options, options.cwd, log, () =>
    loadModelsRun(
      options,
      'generate writes the migration from your models. Pass --models with the module that exports your ' +
        'Sequelize instance, or set "models-path" in .sequelizerc.',
    ),
  );
  const { project, alembic, entry, files } = prepared;
  await using server = await starting;
  const done = (
    report: Omit<GenerateReport, 'schemaVersion' | 'mode' | 'postgres' | 'durationMs'>,
  ): GenerateReport => ({
    schemaVersion: 1,
    mode: 'generate',
    postgres: { version: server.version, provider: server.provider },
    ...report,
    durationMs: Math.round(performance.now() - started),
  });
  const nothing = (ok: boolean, changes: Change[], findings: Finding[]) =>
    done({ ok, file: null, changes, operations: 0, todos: [], proof: null, findings });
  await using ws = await Workspace.open(server, project, { timeoutMs: options.timeoutMs });
  // The models sync in a workspace of their own: its worker loads the project while the migrations run.
  await using _spare = warmSpareWorker(project);
  const what = alembic ? 'revision' : 'migration';
  log(`Applying ${files.length} ${what}s`);
  const { failure } = await migrateAll(ws, files);
  if (failure) {
    const consequence = `Nothing was generated: the ${what}s must run first.`;
    return nothing(false, [], [upFailedFinding(failure, consequence, what)]);
  }
  const before = await takeSnapshot(ws.client, { exclude: [ws.meta] });
  const draft = alembic
    ? await draftRevision(ws, options.name, log)
    : await draftMigration(ws, server, entry!, before, options, log);
  if (!draft.written) return nothing(true, draft.changes, []);
  const { name, path, operations, todos } = draft.written;
  const file = relative(project.cwd, path);
  const proof = await prove(ws, { name, path }, before, draft.remaining);
  const findings = [
    ...todoFindings(todos, name, file),
    ...proofFindings(proof, name, file, todos.length > 0),
  ];
  const unproven = keepOnlyProven(path, file, findings, options, log);
  return done({
    ok: findings.length === 0,
    file: unproven && !options.keepUnproven ? null : file,
    changes: draft.changes,
    operations,
    todos,
    proof,
    findings,
  });
}
