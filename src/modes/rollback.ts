import { UsageError } from '../shared/errors.js';
import { diffSnapshots } from '../diff/index.js';
import type { Snapshot } from '../inspect/index.js';
import { migrationFunctions } from '../migrate/project.js';
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
  ProductionOptions,
  RehearsalServerOptions,
  SafetyOptions,
} from '../migrate/production/options.js';
import type { RehearsalReport, RehearsedStep, RollbackReport } from '../report/contract/production.js';
import { knob, withHint } from '../shared/wording.js';
import { rerunWith } from '../report/production-wording.js';

export interface RollbackOptions extends ProductionOptions, RehearsalServerOptions, SafetyOptions {
  /** What a live schema that differs from the replayed migrations does (default fail). */
  drift?: 'fail' | 'warn' | 'ignore';
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
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  if ((options.to === undefined) === (options.steps === undefined)) {
    throw new UsageError('rollback needs exactly one of --to NAME (keep NAME applied) or --steps N.');
  }
  if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
    throw new UsageError('--steps must be a whole number of migrations, 1 or more.');
  }
  const fe = options.frontEnd;
  await using session = await ProductionSession.open(options, 'schemabot-rollback');
  const cancel = new Cancellation(options.signal, session);
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
    state: { applied: [], pending: [], missing: [], outOfOrder: [], current: null },
    rehearsal: null,
    lock: null,
    error: null,
    durationMs: 0,
  };
  const done = async (error: string | null): Promise<RollbackReport> => {
    report.error = error;
    try {
      report.state = await session.state();
    } catch (e) {
      report.error ??= errorText(e, session.url);
    }
    report.current = report.state.current;
    report.ok = report.error === null && report.failed === null && !report.cancelled;
    report.durationMs = elapsed(started);
    return report;
  };
  const cancelled = async (): Promise<RollbackReport> => {
    const reverted = report.reverted.filter((s) => s.ok).map((s) => s.name);
    report.cancelled = await cancel.settle(
      reverted.length
        ? `${reverted.length} migration(s) were reverted before: ${reverted.join(', ')}; the rest stay applied.`
        : 'No migration was reverted: production is as it was.',
    );
    return done(report.cancelled.message);
  };

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
    const state = await session.state();
    const applied = state.applied;
    if (!applied.length) {
      const live = await session.snapshot();
      if (tableCount(live) > 0) {
        log('The database has tables but no recorded migration: looking for the migration it matches');
        await using rehearsal = await Rehearsal.start(session.project, {
          ...options,
          productionMajor: session.postgres.major,
          log,
        });
        const match = await newestMatching(rehearsal, session.files, live);
        return await done(notMigratedMessage('rollback', session.project, tableCount(live), match, fe));
      }
    }
    let keep: number;
    if (options.to !== undefined) {
      keep = applied.indexOf(options.to) + 1;
      if (keep === 0) {
        throw new UsageError(
          session.file(options.to)
            ? `--to ${options.to} is not applied on this database: nothing to roll back to. Applied: ${applied.at(-1) ?? 'none'} is the newest.`
            : `--to ${options.to} is not a migration of this database (use the file name as stored in the meta table, e.g. ${applied.at(-1) ?? '20260101000000-name.js'}).`,
        );
      }
    } else {
      if (options.steps! > applied.length) {
        throw new UsageError(`--steps ${options.steps}: only ${applied.length} migration(s) are applied.`);
      }
      keep = applied.length - options.steps!;
    }
    report.target = keep > 0 ? applied[keep - 1]! : null;
    const revert = applied.slice(keep).reverse();
    report.plan = revert;
    if (!revert.length) {
      log('Nothing to roll back');
      return await done(null);
    }
    const noFile = revert.filter((name) => !session.file(name));
    if (noFile.length) {
      return await done(
        `Refusing to roll back: no file for ${noFile.join(', ')}, so their down() cannot run. Restore the file(s) from version control.`,
      );
    }
    const noDown: string[] = [];
    const functions = await migrationFunctions(
      session.project,
      revert.map((name) => session.file(name)!),
    );
    for (const f of functions) {
      if (f.error) {
        return await done(
          `Refusing to roll back: ${f.name} cannot be loaded: ${errorText(f.error, session.url)}`,
        );
      }
      if (!f.down) noDown.push(f.name);
    }
    if (noDown.length) {
      return await done(
        `Refusing to roll back: ${noDown.join(', ')} ha${noDown.length === 1 ? 's' : 've'} no down(): it cannot be reverted.`,
      );
    }
    if (state.missing.length) {
      return await done(
        `Refusing to roll back: applied migration(s) ${state.missing.join(', ')} have no file, so the production ` +
          'schema cannot be rebuilt for the rehearsal. Restore them from version control.',
      );
    }

    const revertFiles = revert.map((name) => session.file(name)!);
    const plan = new Map<string, RehearsedStep>();
    log(`Rehearsing ${revert.length} down(s) on a throwaway PostgreSQL`);
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
        replayed: applied.length,
        steps: [],
        error: null,
      });
      let kept: Snapshot | null = report.target === null ? await rehearsal.snapshot() : null;
      const failure = await rehearsal.replay(appliedFiles(session.files, applied), async (m) => {
        if (m.name === report.target) kept = await rehearsal.snapshot();
      });
      if (failure) {
        rep.error = `Replaying the applied migration ${failure.name} failed: ${failure.message}`;
        return await done(
          `The rehearsal could not rebuild the production schema: ${rep.error}. Production was not touched.`,
        );
      }
      const full = await rehearsal.snapshot();
      const policy = options.drift ?? 'fail';
      if (policy !== 'ignore') {
        const drift = diffSnapshots(full, await session.snapshot());
        if (drift.length) {
          const list = drift.map((c) => `${c.kind} ${c.name} ${c.action}`);
          const text =
            `The live schema differs from what the applied migrations build (${drift.length} change(s): ` +
            `${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}): someone changed the database ` +
            'by hand, or a migration was edited after it ran.';
          if (policy === 'fail') {
            rep.error = 'drift';
            return await done(
              `Refusing to roll back: ${text} Nothing was changed. Run \`schemabot status --drift\` to see each ` +
                `difference; fix the database or the migrations, or accept it with ${knob('drift', fe)} warn.`,
            );
          }
          log(`Warning (${knob('drift', fe)} warn): ${text}`);
          for (const line of list) log(`  drift: ${line}`);
        }
      }
      // Rehearse as production will run: with the production user's privileges, not as superuser.
      await rehearsal.actAs(await readPrivileges(session.client), log);
      for (const m of revertFiles) {
        if (cancel.requested) return await cancelled();
        const step = await rehearsal.step(m, 'down');
        rep.steps.push(step);
        plan.set(m.name, step);
        log(`  rehearsed ${m.name} down: ${step.ok ? 'ok' : 'FAILED'}`);
        if (!step.ok) {
          if (cancel.requested) return await cancelled();
          rep.error = `${m.name} (down) failed: ${withHint(step.error)}`;
          return await done(`The rehearsal failed, production was not touched: ${rep.error}`);
        }
      }
      const after = await rehearsal.snapshot();
      const residue = diffSnapshots(kept!, after);
      if (residue.length) {
        rep.error =
          `the downs did not restore the schema the kept migrations build (${residue.length} difference(s): ` +
          `${residue
            .slice(0, 5)
            .map((c) => `${c.kind} ${c.name} ${c.action}`)
            .join(', ')})`;
        return await done(
          `The rehearsal failed, production was not touched: ${rep.error}. Fix the down() functions.`,
        );
      }
      rep.ok = true;
      report.changes = diffSnapshots(full, after);
    }
    report.dataLoss = await dataLossOf(session.client, report.rehearsal.steps, report.changes);
    // A table or column that is empty in production loses nothing; unknown counts are treated as data.
    const lost = losing(report.dataLoss);
    if (lost.length && !options.allowDataLoss) {
      return await done(
        `${options.dryRun ? 'Dry run: the real run would be refused' : 'Refusing to roll back'}: the downs ` +
          `destroy data in production: ${describeLosses(lost)}. Nothing was changed. Back the data up, then ` +
          `${rerunWith('allow-data-loss', fe)}.`,
      );
    }
    if (options.dryRun) return await done(null);
    if (cancel.requested) return await cancelled();

    const before = await session.snapshot();
    log(`Reverting ${revert.length} migration(s)`);
    const runner = await session.runner();
    let stopped: string | null = null;
    try {
      for (const m of revertFiles) {
        try {
          await lock!.assertHeld();
        } catch (error) {
          if (!(error instanceof LockLostError)) throw error;
          stopped = `${error.message} Stopped before reverting ${m.name}.${session.idleTimeout ? ` This role's sessions get ${session.idleTimeout} (set with ALTER ROLE/DATABASE); it ends idle connections.` : ''}`;
          break;
        }
        const rehearsed = plan.get(m.name)!;
        const step = await applyStep(runner, m, 'down', {
          ...options,
          transaction: rehearsed.transaction,
          outsideTransaction: rehearsed.outsideTransaction,
          log,
        });
        const { rolledBack, commitUnknown, ...production } = step;
        if (step.ok) {
          log(`  reverted ${m.name} (${Math.round(step.ms)} ms)`);
          report.reverted.push(production);
          if (cancel.requested) break;
          try {
            await lock!.assertHeld();
          } catch (error) {
            if (!(error instanceof LockLostError)) throw error;
            stopped = `${error.message} It was lost while ${m.name} was reverted (it is reverted); stopped before the next down.`;
            break;
          }
          continue;
        }
        if (cancel.requested) break;
        let undone = rolledBack === true;
        if (commitUnknown) undone = (await session.state()).applied.includes(m.name);
        report.failed = { migration: m.name, rolledBack: undone, error: step.error!, step: production };
        stopped =
          `${m.name} (down) failed: ${withHint(step.error)}. ` +
          (undone
            ? 'Its transaction was rolled back: it is still applied. '
            : 'It ran outside a transaction: the statements before the failing one stay; fix them by hand. ') +
          (report.reverted.length ? `The ${report.reverted.length} down(s) before it stay reverted.` : '');
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
