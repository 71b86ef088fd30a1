import { diffSnapshots, type Change } from '../diff/index.js';
import { Rehearsal } from '../migrate/production/rehearsal.js';
import { elapsed, ProductionSession, ReadTimeoutError } from '../migrate/production/session.js';
import { appliedFiles, revisionHeads } from '../migrate/production/state.js';
import { newestMatching, notMigratedMessage, tableCount } from '../migrate/production/adopt.js';
import type { MigrationState, RehearsalReport, StatusReport } from '../report/contract/production.js';
import type {
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';

export interface StatusOptions
  extends
    ProductionOptions,
    RehearsalServerOptions,
    Pick<SafetyOptions, 'lockTimeoutMs' | 'statementTimeoutMs' | 'retries' | 'retryDelayMs'> {
  /** Replay the applied migrations on a throwaway PostgreSQL and compare with the live schema. */
  drift?: boolean;
}

/**
 * Alembic's `current`/`history` for a Sequelize database, read-only: applied, pending, missing (recorded
 * but the file is gone) and out-of-order migrations, and with `drift` the schema changes made by hand
 * (live schema vs the applied migrations replayed on a throwaway PostgreSQL). Not ok on missing or drift.
 */
export async function runStatus(options: StatusOptions): Promise<StatusReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  await using session = await ProductionSession.open(options, 'schemabot-status');
  let state: MigrationState;
  try {
    state = await session.state();
  } catch (e) {
    if (!(e instanceof ReadTimeoutError)) throw e;
    return {
      schemaVersion: 1,
      mode: 'status',
      ok: false,
      database: session.database,
      postgres: { version: session.postgres.version },
      applied: [],
      pending: [],
      missing: [],
      outOfOrder: [],
      current: null,
      drift: null,
      error: e.message,
      durationMs: elapsed(started),
    };
  }
  let drift: Change[] | null = null;
  let rehearsal: RehearsalReport | undefined;
  let error: string | null = null;
  // Tables but no recorded migration: pending is not what `upgrade` would do here.
  let notMigrated = false;
  if (!state.applied.length) {
    const live = await session.snapshot();
    if (tableCount(live) > 0) {
      notMigrated = true;
      let match: string | null = null;
      if (options.drift) {
        log('The database has tables but no recorded migration: looking for the migration it matches');
        await using r = await Rehearsal.start(session.project, {
          ...options,
          productionMajor: session.postgres.major,
          log,
        });
        match = await newestMatching(r, session.files, live);
      }
      error = notMigratedMessage('upgrade', session.project, tableCount(live), match, options.frontEnd)
        .replace(/^Refusing to upgrade: /, '')
        .replace(
          ' Nothing was changed.',
          options.drift ? '' : ' (status --drift names the migration it matches.)',
        );
    }
  }
  if (notMigrated) {
    // Nothing else to say: the replay of the recorded migrations is an empty database.
  } else if (state.missing.length) {
    error =
      `${state.missing.length} applied migration(s) have no file in ${session.project.migrationsDir}: ` +
      `${state.missing.join(', ')}. Restore the file(s) from version control before upgrading or rolling back.`;
  }
  if (options.drift && !notMigrated) {
    if (state.missing.length) {
      error += ' Drift was not checked: the applied migrations cannot be replayed without their files.';
    } else {
      log('Replaying the applied migrations on a throwaway PostgreSQL to look for drift');
      await using r = await Rehearsal.start(session.project, {
        ...options,
        productionMajor: session.postgres.major,
        log,
      });
      const failure = await r.replay(appliedFiles(session.files, state.applied));
      rehearsal = {
        ok: !failure,
        postgres: r.postgres,
        replayed: state.applied.length,
        steps: [],
        error: null,
      };
      if (failure) {
        rehearsal.error = `Replaying ${failure.name} failed: ${failure.message}`;
        error = `Drift was not checked: ${rehearsal.error}`;
      } else {
        drift = diffSnapshots(await r.snapshot(), await session.snapshot());
        if (drift.length) {
          error =
            (error ? `${error} ` : '') +
            `The live schema differs from what the applied migrations build (${drift.length} change(s)): ` +
            'someone changed the database by hand, or a migration was edited after it ran.';
        }
      }
    }
  }
  return {
    schemaVersion: 1,
    mode: 'status',
    ok:
      !notMigrated &&
      state.missing.length === 0 &&
      (drift === null || drift.length === 0) &&
      !rehearsal?.error,
    database: session.database,
    postgres: { version: session.postgres.version },
    ...state,
    ...(session.revisions ? { heads: revisionHeads(session.revisions) } : {}),
    drift,
    ...(rehearsal ? { rehearsal } : {}),
    error,
    durationMs: elapsed(started),
  };
}
