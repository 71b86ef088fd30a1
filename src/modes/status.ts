import type { Change } from '../diff/index.js';
import { tableCount } from '../migrate/production/adopt.js';
import type {
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';
import { matchLive, replayDrift } from '../migrate/production/rehearse.js';
import { elapsed, ProductionSession, ReadTimeoutError } from '../migrate/production/session.js';
import { emptyState, revisionHeads } from '../migrate/production/state.js';
import type { MigrationState, RehearsalReport, StatusReport } from '../report/contract/production.js';
import { notMigratedMessage } from '../report/production-wording.js';

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
  const report = (
    state: MigrationState,
    fields: Pick<StatusReport, 'ok' | 'heads' | 'drift' | 'rehearsal' | 'error'>,
  ): StatusReport => ({
    schemaVersion: 1,
    mode: 'status',
    ok: fields.ok,
    database: session.database,
    postgres: { version: session.postgres.version },
    ...state,
    ...(fields.heads ? { heads: fields.heads } : {}),
    drift: fields.drift,
    ...(fields.rehearsal ? { rehearsal: fields.rehearsal } : {}),
    error: fields.error,
    durationMs: elapsed(started),
  });
  let state: MigrationState;
  try {
    state = await session.state();
  } catch (e) {
    if (!(e instanceof ReadTimeoutError)) throw e;
    const none = emptyState();
    return report(none, { ok: false, drift: null, error: e.message });
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
        match = await matchLive(session, live, options, log);
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
      ({ rehearsal, drift } = await replayDrift(session, state.applied, options, log));
      if (!drift) {
        error = `Drift was not checked: ${rehearsal.error}`;
      } else if (drift.length) {
        error =
          (error ? `${error} ` : '') +
          `The live schema differs from what the applied migrations build (${drift.length} change(s)): ` +
          'someone changed the database by hand, or a migration was edited after it ran.';
      }
    }
  }
  const ok = !notMigrated && !state.missing.length && (drift === null || !drift.length) && !rehearsal?.error;
  const heads = session.revisions ? revisionHeads(session.revisions) : undefined;
  return report(state, { ok, heads, drift, rehearsal, error });
}
