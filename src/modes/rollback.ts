import { dataLossOf, losing } from '../assess/data-loss.js';
import { tableCount } from '../migrate/production/adopt.js';
import { applyAll } from '../migrate/production/apply.js';
import type {
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';
import { matchLive, rehearse, type DriftPolicy } from '../migrate/production/rehearse.js';
import { emptyState } from '../migrate/production/state.js';
import { checkRevertChoice, keptCount, revertBlocker } from '../migrate/production/revert.js';
import { CANCELLED, ProductionRun } from '../migrate/production/run.js';
import type { RollbackReport } from '../report/contract/production.js';
import {
  applyStopped,
  cancelledState,
  dataLossRefused,
  notMigratedMessage,
  rehearsalStopped,
  revertRefused,
} from '../report/production-wording.js';

export interface RollbackOptions extends ProductionOptions, RehearsalServerOptions, SafetyOptions {
  /** What a live schema that differs from the replayed migrations does (default fail). */
  drift?: DriftPolicy;
  /** Revert everything applied after this migration (it stays applied). */
  to?: string;
  /** Revert the newest N applied migrations. */
  steps?: number;
  dryRun?: boolean;
}

/**
 * Alembic's `downgrade` for Sequelize migrations: plans the downs (`--to NAME` keeps NAME applied;
 * `--steps N` reverts the newest N), refuses a migration without file or `down`, rehearses the downs on
 * a throwaway PostgreSQL rebuilt from the applied migrations (they must restore exactly the schema the
 * kept migrations build), names the tables and columns whose data they delete (refused unless
 * `allowDataLoss`), then runs each down in one transaction with its meta-table row deleted.
 */
export async function runRollback(options: RollbackOptions): Promise<RollbackReport> {
  const log = options.log ?? (() => undefined);
  checkRevertChoice(options);
  const fe = options.frontEnd;
  await using run = await ProductionRun.open(options, 'schemabot-rollback');
  const { session } = run;
  const report: RollbackReport = {
    schemaVersion: 1,
    mode: 'rollback',
    ok: false,
    database: session.database,
    postgres: { version: session.postgres.version },
    dryRun: Boolean(options.dryRun),
    target: null,
    plan: [],
    reverted: [],
    current: null,
    changes: [],
    dataLoss: [],
    failed: null,
    state: emptyState(),
    rehearsal: null,
    lock: null,
    error: null,
    durationMs: 0,
  };
  const rollback = async () => {
    const state = await session.state();
    const applied = state.applied;
    if (!applied.length) {
      const live = await session.snapshot();
      if (tableCount(live) > 0) {
        log('The database has tables but no recorded migration: looking for the migration it matches');
        const match = await matchLive(session, live, options, log);
        return notMigratedMessage('rollback', session.project, tableCount(live), match, fe);
      }
    }
    const keep = keptCount(applied, options, (name) => session.file(name) !== undefined);
    report.target = keep > 0 ? applied[keep - 1]! : null;
    const revert = (report.plan = applied.slice(keep).reverse());
    if (!revert.length) {
      log('Nothing to roll back');
      return null;
    }
    const blocker = await revertBlocker(session, revert, state.missing);
    if (blocker) return revertRefused(blocker);

    const downs = revert.map((name) => session.file(name)!);
    log(`Rehearsing ${revert.length} down(s) on a throwaway PostgreSQL`);
    const plan = { applied, steps: downs, direction: 'down' as const, target: report.target };
    const drift = options.drift ?? 'fail';
    const rehearsed = await rehearse(
      run,
      { ...plan, live: () => session.snapshot(), drift },
      report,
      options,
      log,
    );
    if (rehearsed.stop?.kind === 'cancelled') return CANCELLED;
    if (rehearsed.stop)
      return rehearsalStopped('rollback', rehearsed.stop, report.rehearsal!.error, session.project, fe);
    report.changes = rehearsed.changes;
    report.dataLoss = await dataLossOf(session.client, report.rehearsal!.steps, report.changes);
    // A table or column that is empty in production loses nothing; unknown counts are treated as data.
    const lost = losing(report.dataLoss);
    if (lost.length && !options.allowDataLoss) return dataLossRefused('rollback', options.dryRun, lost, fe);
    if (options.dryRun) return null;
    if (run.cancel.requested) return CANCELLED;

    const before = await session.snapshot();
    log(`Reverting ${revert.length} migration(s)`);
    const stop = await applyAll(run, downs, 'down', rehearsed.steps, { ...options, log }, report.reverted);
    if (stop?.kind === 'failed') report.failed = stop.failure;
    if (run.cancel.requested) return CANCELLED;
    report.changes = (await run.changesSince(before)) ?? report.changes;
    return stop && applyStopped('rollback', stop, report.reverted.length, session.idleTimeout);
  };
  return await run.run(report, rollback, () => cancelledState('rollback', report.reverted));
}
