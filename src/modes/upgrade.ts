import { diffSnapshots } from '../diff/index.js';
import type { Snapshot } from '../inspect/index.js';
import { newestMatching, notMigratedMessage, tableCount } from '../migrate/production/adopt.js';
import { applyStep, DEFAULTS } from '../migrate/production/apply.js';
import { Cancellation } from '../migrate/production/cancel.js';
import { readPrivileges } from '../migrate/production/privileges.js';
import { dataLossOf, describeLosses, losing } from '../assess/data-loss.js';
import { LockLostError, takeLock, type MigrationLock } from '../migrate/production/lock.js';
import { Rehearsal } from '../migrate/production/rehearsal.js';
import { elapsed, errorText, ProductionSession, ReadTimeoutError } from '../migrate/production/session.js';
import { appliedFiles } from '../migrate/production/state.js';
import type {
  MigrationState,
  RehearsalReport,
  RehearsedStep,
  UpgradeReport,
} from '../report/contract/production.js';
import type {
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';
import { knob, withHint } from '../shared/wording.js';
import { rerunWith } from '../report/production-wording.js';

export type DriftPolicy = 'fail' | 'warn' | 'ignore';

export interface UpgradeOptions extends ProductionOptions, RehearsalServerOptions, SafetyOptions {
  /** Rehearse and print the plan and SQL; change nothing. */
  dryRun?: boolean;
  /** Apply pending migrations that sort before the newest applied one. */
  allowOutOfOrder?: boolean;
  /** What a live schema that differs from the replayed migrations does (default fail). */
  drift?: DriftPolicy;
}

const EMPTY_STATE: MigrationState = {
  applied: [],
  pending: [],
  missing: [],
  outOfOrder: [],
  current: null,
};

/**
 * Alembic's `upgrade head` for Sequelize migrations, made safe for production: under an advisory lock,
 * refusing missing and out-of-order migrations, rehearsed first on a throwaway PostgreSQL rebuilt from
 * the applied migrations (a failing rehearsal leaves production untouched), then each pending migration
 * applied in one transaction with its meta-table row, with `lock_timeout`, retries and
 * `statement_timeout`. Stops at the first failure; every earlier migration stays applied and recorded.
 */
export async function runUpgrade(options: UpgradeOptions): Promise<UpgradeReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const fe = options.frontEnd;
  await using session = await ProductionSession.open(options, 'schemabot-upgrade');
  const cancel = new Cancellation(options.signal, session);
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
    state: EMPTY_STATE,
    drift: null,
    dataLoss: [],
    rehearsal: null,
    lock: null,
    error: null,
    durationMs: 0,
  };
  const done = async (error: string | null): Promise<UpgradeReport> => {
    report.error = error;
    try {
      report.state = await session.state();
    } catch (e) {
      report.error ??= errorText(e, session.url);
    }
    report.pending.after = report.state.pending;
    report.current = report.state.current;
    report.ok = report.error === null && report.failed === null && !report.cancelled;
    report.durationMs = elapsed(started);
    return report;
  };
  const cancelled = async (): Promise<UpgradeReport> => {
    const applied = report.applied.filter((s) => s.ok).map((s) => s.name);
    report.cancelled = await cancel.settle(
      applied.length
        ? `${applied.length} migration(s) were applied and recorded before: ${applied.join(', ')}; the rest stay pending.`
        : 'No migration was applied: production is as it was.',
    );
    return done(report.cancelled.message);
  };
  const lockLost = (message: string): string =>
    message +
    (session.idleTimeout
      ? ` This role's sessions get ${session.idleTimeout} (set with ALTER ROLE/DATABASE); it ends idle connections.`
      : '');

  let lock: MigrationLock | undefined;
  try {
    if (!options.dryRun) {
      const taken = await takeLock(session.url, session.project, {
        waitMs: options.lockWaitMs ?? DEFAULTS.lockWaitMs,
        log,
      });
      if (taken.busy !== undefined) return await done(taken.busy);
      lock = taken.lock;
      report.lock = lock.report();
    }
    // Read under the lock: a job that waited sees what the previous one applied.
    const state = await session.state();
    report.pending.before = state.pending;
    if (state.missing.length) {
      return await done(
        `Refusing to upgrade: ${state.missing.length} applied migration(s) have no file: ${state.missing.join(', ')}. ` +
          'Restore them from version control (or, if they were removed on purpose, delete their rows from the ' +
          'meta table), then run again.',
      );
    }
    if (state.outOfOrder.length && !options.allowOutOfOrder) {
      return await done(
        `Refusing to upgrade: pending migration(s) sort before the newest applied one (${state.current}): ` +
          `${state.outOfOrder.join(', ')}. They were probably merged from an older branch; check they do not ` +
          `depend on later migrations, then ${rerunWith('allow-out-of-order', fe)}.`,
      );
    }
    if (!state.pending.length) {
      log('Nothing to upgrade: every migration is applied');
      return await done(null);
    }
    const pendingFiles = state.pending.map((name) => session.file(name)!);
    const before = await session.snapshot();
    if (cancel.requested) return await cancelled();

    log(`Rehearsing ${pendingFiles.length} pending migration(s) on a throwaway PostgreSQL`);
    const plan = new Map<string, RehearsedStep>();
    {
      await using rehearsal = await Rehearsal.start(session.project, {
        ...options,
        productionMajor: session.postgres.major,
        log,
      });
      cancel.rehearsal = rehearsal;
      const rep: RehearsalReport = (report.rehearsal = {
        ok: false,
        postgres: rehearsal.postgres,
        replayed: state.applied.length,
        steps: [],
        error: null,
      });
      // Tables but no recorded migration: the replay of nothing is an empty database, not this one.
      if (!state.applied.length && tableCount(before) > 0) {
        const match = await newestMatching(rehearsal, session.files, before);
        rep.error = 'the database has tables but no recorded migration';
        return await done(notMigratedMessage('upgrade', session.project, tableCount(before), match, fe));
      }
      const failure = await rehearsal.replay(appliedFiles(session.files, state.applied));
      if (failure) {
        rep.error = `Replaying the applied migration ${failure.name} failed: ${failure.message}`;
        return await done(
          `The rehearsal could not rebuild the production schema: ${rep.error}. Production was not touched.`,
        );
      }
      const replayed: Snapshot = await rehearsal.snapshot();
      const policy = options.drift ?? 'fail';
      if (policy !== 'ignore') {
        const drift = (report.drift = diffSnapshots(replayed, before));
        if (drift.length) {
          const list = drift.map((c) => `${c.kind} ${c.name} ${c.action}`);
          const text =
            `The live schema differs from what the applied migrations build (${drift.length} change(s): ` +
            `${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}): someone changed the database ` +
            'by hand, or a migration was edited after it ran.';
          if (policy === 'fail') {
            rep.error = 'drift';
            return await done(
              `Refusing to upgrade: ${text} Nothing was changed. Run \`schemabot status --drift\` to see each ` +
                `difference; fix the database or the migrations, or accept it with ${knob('drift', fe)} warn.`,
            );
          }
          log(`Warning (${knob('drift', fe)} warn): ${text}`);
          for (const line of list) log(`  drift: ${line}`);
        }
      }
      // Rehearse as production will run: with the production user's privileges, not as superuser.
      await rehearsal.actAs(await readPrivileges(session.client), log);
      for (const m of pendingFiles) {
        if (cancel.requested) return await cancelled();
        const step = await rehearsal.step(m, 'up');
        rep.steps.push(step);
        plan.set(m.name, step);
        log(
          `  rehearsed ${m.name}: ${step.ok ? 'ok' : 'FAILED'}${step.transaction ? '' : ' (outside a transaction)'}`,
        );
        if (!step.ok) {
          if (cancel.requested) return await cancelled();
          rep.error = `${m.name} failed: ${withHint(step.error)}`;
          return await done(`The rehearsal failed, production was not touched: ${rep.error}`);
        }
      }
      rep.ok = true;
      report.changes = diffSnapshots(replayed, await rehearsal.snapshot());
    }
    report.dataLoss = await dataLossOf(session.client, report.rehearsal.steps, report.changes);
    const lost = losing(report.dataLoss);
    if (lost.length && !options.allowDataLoss) {
      return await done(
        `${options.dryRun ? 'Dry run: the real run would be refused' : 'Refusing to upgrade'}: the pending ` +
          `migrations destroy data in production: ${describeLosses(lost)}. Nothing was changed. Back the data ` +
          `up, then ${rerunWith('allow-data-loss', fe)}.`,
      );
    }
    if (options.dryRun) return await done(null);
    if (cancel.requested) return await cancelled();

    log(`Applying ${pendingFiles.length} migration(s)`);
    const runner = await session.runner();
    let stopped: string | null = null;
    try {
      for (const m of pendingFiles) {
        try {
          await lock!.assertHeld();
        } catch (error) {
          if (!(error instanceof LockLostError)) throw error;
          stopped = lockLost(
            `${error.message} Stopped before ${m.name}; the migrations listed as applied are committed.`,
          );
          break;
        }
        const rehearsed = plan.get(m.name)!;
        const step = await applyStep(runner, m, 'up', {
          ...options,
          transaction: rehearsed.transaction,
          outsideTransaction: rehearsed.outsideTransaction,
          log,
        });
        const { rolledBack, commitUnknown, ...production } = step;
        if (step.ok) {
          log(
            `  applied ${m.name} (${Math.round(step.ms)} ms${step.transaction ? '' : ', outside a transaction'})`,
          );
          report.applied.push(production);
          if (cancel.requested) break;
          try {
            await lock!.assertHeld();
          } catch (error) {
            if (!(error instanceof LockLostError)) throw error;
            const next = pendingFiles[pendingFiles.indexOf(m) + 1];
            stopped = lockLost(
              `${error.message} It was lost while ${m.name} ran (${m.name} is applied and recorded). ` +
                (next ? `Stopped before ${next.name}: another job may have taken the lock.` : ''),
            );
            break;
          }
          continue;
        }
        if (cancel.requested) break;
        let undone = rolledBack === true;
        if (commitUnknown) undone = !(await session.state()).applied.includes(m.name);
        report.failed = { migration: m.name, rolledBack: undone, error: step.error!, step: production };
        stopped =
          `${m.name} failed: ${withHint(step.error)}. ` +
          (undone
            ? 'Its transaction was rolled back: nothing of it stays. '
            : 'It ran outside a transaction: the statements before the failing one stay applied; fix them by hand. ') +
          (report.applied.length
            ? `The ${report.applied.length} migration(s) before it stay applied and recorded.`
            : '');
        break;
      }
    } finally {
      await runner.close();
    }
    if (cancel.requested) return await cancelled();
    try {
      report.changes = diffSnapshots(before, await session.snapshot());
    } catch (error) {
      log(`Could not read the schema after the run: ${errorText(error, session.url)}`);
    }
    return await done(stopped);
  } catch (error) {
    if (error instanceof ReadTimeoutError) return await done(error.message);
    if (cancel.requested) return await cancelled();
    throw error;
  } finally {
    await lock?.release();
  }
}
