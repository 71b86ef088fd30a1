import { dataLossOf, losing } from '../assess/data-loss.js';
import type {
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';
import { applyAll } from '../migrate/production/apply.js';
import { rehearse, type DriftPolicy } from '../migrate/production/rehearse.js';
import { emptyState } from '../migrate/production/state.js';
import { CANCELLED, ProductionRun } from '../migrate/production/run.js';
import type { UpgradeReport } from '../report/contract/production.js';
import {
  applyStopped,
  cancelledState,
  dataLossRefused,
  rehearsalStopped,
  upgradeRefused,
} from '../report/production-wording.js';

export type { DriftPolicy };

export interface UpgradeOptions extends ProductionOptions, RehearsalServerOptions, SafetyOptions {
  /** Rehearse and print the plan and SQL; change nothing. */
  dryRun?: boolean;
  /** Apply pending migrations that sort before the newest applied one. */
  allowOutOfOrder?: boolean;
  /** What a live schema that differs from the replayed migrations does (default fail). */
  drift?: DriftPolicy;
}

/**
 * Alembic's `upgrade head` for Sequelize migrations, made safe for production: under an advisory lock,
 * refusing missing and out-of-order migrations, rehearsed first on a throwaway PostgreSQL rebuilt from
 * the applied migrations (a failing rehearsal leaves production untouched), then each pending migration
 * applied in one transaction with its meta-table row, with `lock_timeout`, retries and
 * `statement_timeout`. Stops at the first failure; every earlier migration stays applied and recorded.
 */
export async function runUpgrade(options: UpgradeOptions): Promise<UpgradeReport> {
  const log = options.log ?? (() => undefined);
  const fe = options.frontEnd;
  await using run = await ProductionRun.open(options, 'schemabot-upgrade');
  const { session } = run;
  const report: UpgradeReport = {
    schemaVersion: 1,
    mode: 'upgrade',
    ok: false,
    database: session.database,
    postgres: { version: session.postgres.version },
    dryRun: Boolean(options.dryRun),
    pending: { before: [], after: [] },
    applied: [],
    current: null,
    changes: [],
    failed: null,
    state: emptyState(),
    drift: null,
    dataLoss: [],
    rehearsal: null,
    lock: null,
    error: null,
    durationMs: 0,
  };
  const upgrade = async () => {
    // Read under the lock: a job that waited sees what the previous one applied.
    const state = await session.state();
    report.pending.before = state.pending;
    const refused = upgradeRefused(state, options.allowOutOfOrder, fe);
    if (refused) return refused;
    if (!state.pending.length) {
      log('Nothing to upgrade: every migration is applied');
      return null;
    }
    const pending = state.pending.map((name) => session.file(name)!);
    const before = await session.snapshot();
    if (run.cancel.requested) return CANCELLED;

    log(`Rehearsing ${pending.length} pending migration(s) on a throwaway PostgreSQL`);
    const plan = { applied: state.applied, steps: pending, direction: 'up' as const };
    const drift = options.drift ?? 'fail';
    const rehearsed = await rehearse(run, { ...plan, live: async () => before, drift }, report, options, log);
    if (rehearsed.stop?.kind === 'cancelled') return CANCELLED;
    if (rehearsed.stop)
      return rehearsalStopped('upgrade', rehearsed.stop, report.rehearsal!.error, session.project, fe);
    report.changes = rehearsed.changes;
    report.dataLoss = await dataLossOf(session.client, report.rehearsal!.steps, report.changes);
    const lost = losing(report.dataLoss);
    if (lost.length && !options.allowDataLoss) return dataLossRefused('upgrade', options.dryRun, lost, fe);
    if (options.dryRun) return null;
    if (run.cancel.requested) return CANCELLED;

    log(`Applying ${pending.length} migration(s)`);
    const stop = await applyAll(run, pending, 'up', rehearsed.steps, { ...options, log }, report.applied);
    if (stop?.kind === 'failed') report.failed = stop.failure;
    if (run.cancel.requested) return CANCELLED;
    report.changes = (await run.changesSince(before)) ?? report.changes;
    return stop && applyStopped('upgrade', stop, report.applied.length, session.idleTimeout);
  };
  return await run.run(report, upgrade, () => cancelledState('upgrade', report.applied));
}
