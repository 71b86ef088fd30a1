import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { assess } from '../assess/index.js';
import { loadConfig, type HazardConfig } from '../assess/config.js';
import { hazardFindings } from '../assess/hazards.js';
import { loadSqlParser } from '../assess/sql.js';
import type { Finding } from '../assess/types.js';
import { observeStatements, type MigrationObservation } from '../inspect/locks.js';
import type {
  CheckReport,
  MigrationReport,
  ModelsSection,
  ReplayFailure,
  StepReport,
} from '../assess/types.js';
import { modelDriftFindings } from '../assess/models.js';
import { ModelsError, type ModelsEntry } from '../migrate/models.js';
import { compareWithModels, resolveModelsEntry } from './models.js';
import { diffSnapshots, type Change } from '../diff/index.js';
import { takeSnapshot, type Snapshot } from '../inspect/index.js';
import { takeFingerprint } from '../inspect/fingerprint.js';
import type { MigrationFile } from '../migrate/discover.js';
import { alembicRevisions, loadProject, releaseProject, type Project } from '../migrate/project.js';
import { Workspace } from '../migrate/workspace.js';
import { replayBase } from '../migrate/cache.js';
import { planMigrations, type Plan, type PlannedMigration } from '../plan/index.js';
import { planRevisions, revisionPlan } from '../plan/alembic.js';
import type { PostgresServer } from '../postgres/index.js';
import { startThrowaway, type CheckOptions } from './options.js';
import { alembicModelsSection, alembicModelsSource, isMissingMetadata } from './alembic.js';

/** The workspace's schema now, without the meta table. */
function snapshot(ws: Workspace): Promise<Snapshot> {
  return takeSnapshot(ws.client, { exclude: [ws.meta] });
}

/** A cheap "is the schema exactly as it was?" check (see `takeFingerprint`). */
function fingerprint(ws: Workspace): Promise<string> {
  return takeFingerprint(ws.client, ws.meta);
}

/**
 * Replays statements on a copy made by `ws.copy()`, observing locks and rewrites. The replay changes
 * the copy as the migration changed the database, so the next migration's statements can follow on it.
 */
async function observe(
  ws: Workspace,
  copy: string,
  statements: string[],
): Promise<MigrationObservation | undefined> {
  try {
    return await observeStatements(ws.urlOf(copy), statements);
  } catch {
    return undefined;
  }
}

function notRun(m: PlannedMigration, reason?: string): MigrationReport {
  return {
    name: m.name,
    file: m.file,
    change: m.change,
    up: null,
    down: null,
    reup: null,
    reversible: null,
    residue: [],
    ...(reason ? { skipped: reason } : {}),
  };
}

/**
 * The round trip: replay the base migrations, then for each new migration `up`, `down` (must
 * restore the exact pre-`up` schema) and `up` again (must succeed and produce the same schema).
 * A failed or leaky `down` does not poison later verdicts: the database is rebuilt to the exact
 * state after that migration's `up` before the next one runs.
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  // The server's start does not depend on the project: it boots while the worker loads the project
  // and git works out the plan.
  const starting = startThrowaway(options, options.cwd, log);
  starting.catch(() => undefined);
  let project: Project;
  let plan: Plan;
  try {
    project = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      loader: options.loader,
      runner: options.runner,
      python: options.python,
      log,
    });
    if (options.base) void loadSqlParser().catch(() => undefined);
    const loaded = project;
    plan =
      project.runner === 'alembic'
        ? revisionPlan(
            await planRevisions({
              cwd: project.cwd,
              baseRef: options.base,
              listRevisions: (dir) => alembicRevisions(loaded, dir),
            }),
          )
        : await planMigrations({
            cwd: project.cwd,
            migrationsDir: project.migrationsDir,
            baseRef: options.base,
          });
  } catch (error) {
    await starting.then((server) => server.stop()).catch(() => undefined);
    throw error;
  }
  const config = await loadConfig(project.cwd).catch(async (error: unknown) => {
    await releaseProject(project);
    await starting.then((server) => server.stop()).catch(() => undefined);
    await plan.baseTree?.remove();
    throw error;
  });
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
    try {
      const baseReplay = { migrations: 0, ms: 0, statementMs: 0 };
      const { initial, final } = await roundTrip(ws, plan, reports, replayFailures, baseReplay, log);
      const changes = diffSnapshots(initial, final);
      const migrations = plan.migrations.map((m) => reports.get(m.name)!);
      const { hazards, sources } = await readHazards(plan, migrations, server.major, config);
      const models =
        !allRan(migrations, replayFailures) || options.modelsMode === 'off'
          ? undefined
          : project.runner === 'alembic'
            ? await alembicModels(ws, final, config.models !== false, log)
            : await modelsSection(server, project, final, log, options.modelsMode);
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
      await ws.close({ keepDatabase: true });
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

/**
 * The project's models compared with the head's migrations (`final`), when it has models. A model
 * that cannot be loaded is a warning of its own, never a failed check of the migrations.
 */
async function modelsSection(
  server: PostgresServer,
  project: Project,
  final: Snapshot,
  log: (line: string) => void,
  scope?: 'on' | 'strict',
): Promise<{ section: ModelsSection; findings: Finding[] } | undefined> {
  let entry: ModelsEntry | null;
  try {
    entry = await resolveModelsEntry(project);
  } catch (error) {
    if (!(error instanceof ModelsError)) throw error;
    return notLoaded('.', error);
  }
  if (!entry) return undefined;
  const source = relative(project.cwd, entry.path) || '.';
  log(`Comparing the models (${source}) with the migrations`);
  try {
    const { comparison, schema } = await compareWithModels(
      server,
      project,
      entry,
      final,
      scope && (scope === 'on' ? 'migrated' : 'strict'),
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

/**
 * The hazard rules for a PR's new migrations, on the measured replay of each one's statements
 * against the schema it finds (the SQL alone where the replay could not run).
 */
async function readHazards(
  plan: Plan,
  migrations: MigrationReport[],
  postgresMajor: number,
  config: HazardConfig,
): Promise<{ hazards: Finding[]; sources: Map<string, string> }> {
  const sources = new Map<string, string>();
  for (const m of plan.migrations) {
    const path = m.head?.path ?? m.base?.path;
    if (path) sources.set(m.file, readFileSync(path, 'utf8'));
  }
  // A full audit starts from an empty database: there is no live table for a lock to block.
  if (!plan.base) return { hazards: [], sources };
  const judged = migrations.filter((m) => m.up?.ok && m.up.statements.length);
  if (!judged.length) return { hazards: [], sources };
  const parser = await loadSqlParser();
  const hazards = judged.flatMap((m) =>
    hazardFindings(
      {
        parser,
        migration: m.name,
        file: m.file,
        statements: m.up!.statements.map((s) => ({ sql: s.sql, line: s.line })),
        observation: m.observation,
        postgresMajor,
      },
      config,
    ),
  );
  return { hazards, sources };
}

/**
 * A full audit in three passes over the whole set: every `up`, every `down` in reverse, every
 * `up` again, with a catalog fingerprint after each `up` of the first pass compared with one after
 * each `down` of the second, so that each `down` is checked against the exact schema before its own
 * `up` (a later `down` dropping a table cannot hide an earlier `down` that did nothing). It costs
 * about what `db:migrate`, `db:migrate:undo:all` and `db:migrate` cost by hand. The fingerprint
 * ignores column order as the schema diff does, so a `down` that re-adds a column (which comes back
 * last) passes as it does in the per-migration round trip. A `down` that fails or leaves something
 * behind is explained on the spot — its residue, and `up` run again on what it left, as the
 * per-migration round trip does — and the pass goes on from the state before that migration's `up`,
 * restored from a copy of the database saved during the first pass (one every few migrations) and
 * the few `up`s since: only the migrations at fault cost more than the pass. Returns null, leaving
 * the reports untouched, when something else is off (an `up` fails, a restored state or the second
 * pass differs): the caller then runs the per-migration round trip, which pinpoints and explains it.
 */
async function fastAudit(
  ws: Workspace,
  added: PlannedMigration[],
  reports: Map<string, MigrationReport>,
  log: (line: string) => void,
): Promise<{ initial: Snapshot; final: Snapshot } | null> {
  const files = added.map((m) => m.head!);
  const ups: StepReport[] = [];
  const downs: StepReport[] = [];
  const reups: StepReport[] = [];
  /** Migrations whose down was not clean, explained during the reverse pass. */
  const explained = new Map<number, Pick<MigrationReport, 'reup' | 'reversible' | 'residue' | 'reupDiff'>>();
  /** Copies of the database after the first `j` ups, by `j`: where a restore starts. */
  const saved = new Map<number, string>();
  // A copy costs about as much as a few dozen ups (the worker and the inspection connection must let go
  // of the database); a restore replays half the distance between copies on average. Copies every
  // 2·√N migrations keep both small next to the passes, clean history or not.
  const every = Math.max(20, Math.ceil(2 * Math.sqrt(files.length)));
  /** Brings the database to the state after the first `j` ups (checked against the first pass). */
  const restoreTo = async (j: number): Promise<boolean> => {
    const from = Math.max(...[...saved.keys()].filter((k) => k <= j));
    await ws.restore(saved.get(from)!);
    for (let k = from; k < j; k++) {
      if (!(await ws.runner.up(files[k]!)).ok) return false;
    }
    return (await fingerprint(ws)) === marks[j];
  };
  const initial = await snapshot(ws);
  const marks = [await fingerprint(ws)];
  try {
    saved.set(0, await ws.copy());
    log(`Applying ${files.length} migrations`);
    for (const [i, f] of files.entries()) {
      log(`[${i + 1}/${files.length}] ${f.name}`);
      const step = await ws.runner.up(f);
      if (!step.ok) return null;
      ups.push(step);
      marks.push(await fingerprint(ws));
      if ((i + 1) % every === 0 && i + 1 < files.length) saved.set(i + 1, await ws.copy());
    }
    const final = await snapshot(ws);
    log(`Reverting ${files.length} migrations`);
    for (let i = files.length - 1; i >= 0; i--) {
      const step = await ws.runner.down(files[i]!);
      downs[i] = step;
      if (step.ok && (await fingerprint(ws)) === marks[i]) continue;
      // Not clean: what did it leave, and does up run again on that (the enum-left-behind trap)?
      log(
        `${files[i]!.name}: down did not restore the schema; explaining it and restoring the state before it`,
      );
      const afterDown = await snapshot(ws);
      const reup = step.ok ? await ws.runner.up(files[i]!) : null;
      let reupDiff: Change[] = [];
      if (reup?.ok && (await fingerprint(ws)) !== marks[i + 1]) {
        // Up went through on the leftovers to something else than the first time: by how much?
        const again = await snapshot(ws);
        if (!(await restoreTo(i + 1))) return null;
        reupDiff = diffSnapshots(await snapshot(ws), again);
      }
      if (!(await restoreTo(i))) return null;
      const residue = diffSnapshots(await snapshot(ws), afterDown);
      explained.set(i, {
        reup,
        reversible: step.ok && residue.length === 0,
        residue,
        ...(reupDiff.length ? { reupDiff } : {}),
      });
      // The copies past this point are of no more use: the pass only goes further back.
      for (const [j, copy] of saved) {
        if (j > i) {
          saved.delete(j);
          await ws.dropCopy(copy);
        }
      }
    }
    log(`Applying ${files.length} migrations again`);
    for (const [i, f] of files.entries()) {
      const step = await ws.runner.up(f);
      if (!step.ok) return null;
      reups[i] = step;
    }
    if (diffSnapshots(final, await snapshot(ws)).length) return null;
    added.forEach((m, i) => {
      Object.assign(reports.get(m.name)!, {
        up: ups[i],
        down: downs[i],
        ...(explained.get(i) ?? { reup: reups[i], reversible: true, residue: [] }),
      });
    });
    return { initial, final };
  } finally {
    for (const copy of saved.values()) await ws.dropCopy(copy);
  }
}

async function roundTrip(
  ws: Workspace,
  plan: Plan,
  reports: Map<string, MigrationReport>,
  replayFailures: ReplayFailure[],
  baseReplay: CheckReport['baseReplay'],
  log: (line: string) => void,
): Promise<{ initial: Snapshot; final: Snapshot }> {
  // The base state: restored from the base-state cache where it holds some of it, the rest replayed.
  const baseFailure = await replayBase(ws, plan.baseMigrations, baseReplay, log);
  if (baseFailure) {
    replayFailures.push({ ...baseFailure, phase: 'base' });
    const initial = await snapshot(ws);
    return { initial, final: initial };
  }
  const added = plan.migrations.filter((m) => m.change === 'added');
  if (!plan.base && added.length > 1) {
    const fast = await fastAudit(ws, added, reports, log);
    if (fast) return fast;
    log('Something did not round-trip cleanly: checking each migration on its own');
    const failure = await ws.rebuild(plan.baseMigrations);
    if (failure) throw new Error(`Could not rebuild an empty database: ${failure.name} failed`);
  }
  const initial = await snapshot(ws);
  const applied: MigrationFile[] = [...plan.baseMigrations];
  let current = initial;
  // Locks and rewrites are measured against the tables a PR's migration finds in place: its statements
  // are replayed on a copy of the database as it was before its `up`. One copy serves them all: taken
  // before the first new migration, it follows each one's replay. If a replay does not go through as
  // the migration did, the copy no longer matches and the later migrations are judged by their SQL.
  let observer = plan.base && added.length ? await ws.copy() : undefined;
  const stopObserving = async () => {
    if (observer) await ws.dropCopy(observer);
    observer = undefined;
  };
  try {
    for (const [i, m] of added.entries()) {
      const file = m.head!;
      const report = reports.get(m.name)!;
      log(`[${i + 1}/${added.length}] ${m.name}`);
      const up = (report.up = await ws.runner.up(file));
      if (observer && up.ok) {
        report.observation = await observe(
          ws,
          observer,
          up.statements.map((s) => s.sql),
        );
        if (!report.observation || report.observation.statements.some((s) => s.error)) await stopObserving();
      }
      if (!up.ok) {
        for (const rest of added.slice(i + 1)) {
          reports.set(rest.name, notRun(rest, `not run: ${m.name} failed its up`));
        }
        current = await snapshot(ws);
        break;
      }
      const afterUp = await snapshot(ws);
      const down = (report.down = await ws.runner.down(file));
      const afterDown = await snapshot(ws);
      report.residue = diffSnapshots(current, afterDown);
      report.reversible = down.ok && report.residue.length === 0;
      // After a failed down the migration is still recorded as applied: running up again would only
      // measure that, so re-up is judged only when down itself succeeded.
      const reup = down.ok ? (report.reup = await ws.runner.up(file)) : null;
      let reupDiff: Change[] = [];
      if (reup?.ok) {
        reupDiff = diffSnapshots(afterUp, await snapshot(ws));
        if (reupDiff.length) report.reupDiff = reupDiff;
      }
      applied.push(file);
      current = afterUp;
      if (!report.reversible || !reup?.ok || reupDiff.length) {
        // Continue from the exact schema this migration's first `up` produced.
        const failure = await ws.rebuild(applied);
        if (failure) {
          replayFailures.push({ ...failure, phase: 'rebuild' });
          break;
        }
        // A migration that is not deterministic rebuilds differently: judge the next one against
        // the database it will actually run on.
        current = await snapshot(ws);
      }
    }
  } finally {
    await stopObserving();
  }
  return { initial, final: current };
}
