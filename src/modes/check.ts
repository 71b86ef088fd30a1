import { relative } from 'node:path';
import { assess } from '../assess/index.js';
import { loadConfig } from '../assess/config.js';
import { migrationHazards } from '../assess/hazards.js';
import { loadSqlParser } from '../assess/sql.js';
import type { CheckReport, MigrationReport, ReplayFailure } from '../report/contract/check.js';
import { checkModels } from '../assess/check-models.js';
import { resolveModelsEntry } from '../assess/models.js';
import { diffSnapshots } from '../diff/index.js';
import { notRun, roundTrip } from '../assess/round-trip.js';
import { alembicRevisions, loadProject, releaseProject, warmSpareWorker } from '../migrate/project.js';
import { Workspace } from '../migrate/workspace.js';
import { clusterFolder } from '../migrate/cache.js';
import { planMigrations, type Plan } from '../plan/index.js';
import { planRevisions, revisionPlan } from '../plan/alembic.js';
import { startThrowawayWhile, type CheckOptions } from './options.js';

/**
 * `schemabot check`: the plan from git, a throwaway server, the round trip of the new migrations
 * (`roundTrip`), the schema diff, the hazard rules on what each new migration ran, the models, and
 * the verdict.
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  // The server boots while the worker loads the project and git works out the plan.
  // A local server starts on the cluster the last check kept, when it kept one (see `clusterFolder`).
  const choice = { ...options, cluster: options.cacheDir && clusterFolder(options.cacheDir, options.cwd) };
  const { starting, prepared } = await startThrowawayWhile(choice, options.cwd, log, async () => {
    const project = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      loader: options.loader,
      runner: options.runner,
      python: options.python,
      log,
    });
    if (options.base) void loadSqlParser().catch(() => undefined);
    let plan: Plan | undefined;
    try {
      plan =
        project.runner === 'alembic'
          ? revisionPlan(
              await planRevisions({
                cwd: project.cwd,
                baseRef: options.base,
                listRevisions: (dir) => alembicRevisions(project, dir),
              }),
            )
          : await planMigrations({
              cwd: project.cwd,
              migrationsDir: project.migrationsDir,
              baseRef: options.base,
              log,
            });
      return { project, plan, config: await loadConfig(project.cwd) };
    } catch (error) {
      await releaseProject(project);
      await plan?.baseTree?.remove();
      throw error;
    }
  });
  const { project, plan, config } = prepared;
  let removingTree: Promise<void> | undefined;
  try {
    await using server = await starting;
    const reports = new Map<string, MigrationReport>(plan.migrations.map((m) => [m.name, notRun(m)]));
    const replayFailures: ReplayFailure[] = [];
    const ws = await Workspace.open(server, project, {
      timeoutMs: options.timeoutMs,
      cacheDir: options.cacheDir,
      base: plan.baseMigrations,
      log,
    });
    // The models are compared in a workspace of their own, opened while the migrations run: a new
    // database, and a worker that loads the project meanwhile.
    let modelsWorkspace: Promise<Workspace> | undefined;
    if (options.modelsMode !== 'off' && config.models !== false && project.runner === 'sequelize') {
      if (await resolveModelsEntry(project, undefined, config).catch(() => null)) {
        warmSpareWorker(project);
        // Should it fail to open, the comparison fails with its error, as if it had opened it then.
        modelsWorkspace = Workspace.open(server, project, { baseline: false });
        modelsWorkspace.catch(() => undefined);
      }
    }
    try {
      const baseReplay = { migrations: 0, ms: 0, statementMs: 0 };
      const { initial, final } = await roundTrip(ws, plan, reports, replayFailures, baseReplay, log);
      const changes = diffSnapshots(initial, final);
      const migrations = plan.migrations.map((m) => reports.get(m.name)!);
      const { hazards, sources } = await migrationHazards(plan, migrations, server.major, config);
      const models =
        !allRan(migrations, replayFailures) || options.modelsMode === 'off'
          ? undefined
          : await checkModels(ws, final, {
              config,
              scope: options.modelsMode,
              log,
              workspace: modelsWorkspace,
            });
      return assess({
        hazards,
        models,
        config,
        sources,
        plan,
        migrations,
        changes,
        replayFailures,
        baseReplay: {
          ...baseReplay,
          ms: Math.round(baseReplay.ms),
          statementMs: Math.round(baseReplay.statementMs),
        },
        postgres: { version: server.version, provider: server.provider },
        migrationsPath: relative(project.cwd, project.migrationsDir) || '.',
        durationMs: performance.now() - started,
      });
    } finally {
      // The server's stop() drops every database it created (and a local or container server goes
      // whole); the base checkout goes meanwhile.
      // The models' workspace is closed already when the comparison ran (closing it again does nothing);
      // its database, like the others, goes with the server.
      const closingModels = modelsWorkspace?.then(
        (models) => models.close({ keepDatabase: true }),
        () => undefined,
      );
      await Promise.all([ws.close({ keepDatabase: true }), releaseProject(project), closingModels]);
      removingTree = plan.baseTree?.remove();
    }
  } finally {
    await (removingTree ?? plan.baseTree?.remove());
  }
}

/** Every new migration went up and nothing failed to replay: the database holds the head's schema. */
function allRan(migrations: MigrationReport[], replayFailures: ReplayFailure[]): boolean {
  return !replayFailures.length && migrations.every((m) => m.change !== 'added' || m.up?.ok);
}
