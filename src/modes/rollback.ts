import type pg from 'pg';
import { UsageError } from '../cli/errors.js';
import { diffSnapshots, type Change } from '../diff/index.js';
import type { Snapshot } from '../inspect/index.js';
import { migrationFunctions } from '../migrate/project.js';
import { applyStep, DEFAULTS } from './production/apply.js';
import { LockLostError, takeLock, type MigrationLock } from './production/lock.js';
import { Rehearsal } from './production/rehearsal.js';
import { elapsed, errorText, ProductionSession } from './production/session.js';
import { appliedFiles } from './production/state.js';
import type {
  DataLoss,
  ProductionOptions,
  RehearsalServerOptions,
  RehearsalReport,
  RehearsedStep,
  RollbackReport,
  SafetyOptions,
} from './production/types.js';

export interface RollbackOptions extends ProductionOptions, RehearsalServerOptions, SafetyOptions {
  /** Revert everything applied after this migration (it stays applied). */
  to?: string;
  /** Revert the newest N applied migrations. */
  steps?: number;
  dryRun?: boolean;
  /** Run downs that drop tables or columns (their data is lost). */
  allowDataLoss?: boolean;
}

/** Counts stop here: enough to say "there is data", cheap enough for production. */
const ROW_COUNT_CAP = 1_000_000;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Tables and columns the downs remove (their data goes with them), from the rehearsal's diff. */
export function dataLossOf(changes: Change[]): DataLoss[] {
  return changes
    .filter((c) => c.action === 'removed' && (c.kind === 'table' || c.kind === 'column'))
    .map((c) => ({ kind: c.kind as 'table' | 'column', name: c.name, rows: null }));
}

/** Rows (tables) or non-null values (columns) in production, capped; null when unknown. */
async function countRows(client: pg.Client, loss: DataLoss): Promise<number | null> {
  const parts = loss.name.split('.');
  const [schema, table, column] =
    loss.kind === 'table'
      ? [parts[0], parts.slice(1).join('.'), undefined]
      : [parts[0], parts[1], parts.slice(2).join('.')];
  if (!schema || !table) return null;
  const where = column ? ` WHERE ${quoteIdent(column)} IS NOT NULL` : '';
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL statement_timeout = '5s'");
    const r = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(schema)}.${quoteIdent(table)}${where} LIMIT ${ROW_COUNT_CAP}) s`,
    );
    return Number(r.rows[0]!.n);
  } catch {
    return null;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
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
  await using session = await ProductionSession.open(options, 'schemabot-rollback');
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
    report.state = await session.state();
    report.current = report.state.current;
    report.ok = error === null && report.failed === null;
    report.durationMs = elapsed(started);
    return report;
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
      for (const m of revertFiles) {
        const step = await rehearsal.step(m, 'down');
        rep.steps.push(step);
        plan.set(m.name, step);
        log(`  rehearsed ${m.name} down: ${step.ok ? 'ok' : 'FAILED'}`);
        if (!step.ok) {
          rep.error = `${m.name} (down) failed: ${step.error?.message ?? 'failed'}`;
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
    report.dataLoss = dataLossOf(report.changes);
    for (const loss of report.dataLoss) loss.rows = await countRows(session.client, loss);
    if (options.dryRun) return await done(null);
    // A table or column that is empty in production loses nothing; unknown counts are treated as data.
    const losing = report.dataLoss.filter((l) => l.rows !== 0);
    if (losing.length && !options.allowDataLoss) {
      return await done(
        `Refusing to roll back: the downs delete data in ${losing
          .map(
            (l) =>
              `${l.kind} ${l.name}${l.rows === null ? '' : ` (${l.rows} row${l.rows === 1 ? '' : 's'})`}`,
          )
          .join(', ')}. Back it up, then rerun with --allow-data-loss.`,
      );
    }

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
          stopped = `${error.message} Stopped before reverting ${m.name}.`;
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
          continue;
        }
        let undone = rolledBack === true;
        if (commitUnknown) undone = (await session.state()).applied.includes(m.name);
        report.failed = { migration: m.name, rolledBack: undone, error: step.error!, step: production };
        stopped =
          `${m.name} (down) failed: ${step.error?.message ?? 'failed'}. ` +
          (undone
            ? 'Its transaction was rolled back: it is still applied. '
            : 'It ran outside a transaction: the statements before the failing one stay; fix them by hand. ') +
          (report.reverted.length ? `The ${report.reverted.length} down(s) before it stay reverted.` : '');
        break;
      }
    } finally {
      await runner.close();
    }
    try {
      report.changes = diffSnapshots(before, await session.snapshot());
    } catch (error) {
      log(`Could not read the schema after the run: ${errorText(error, session.url)}`);
    }
    return await done(stopped);
  } finally {
    await lock?.release();
  }
}
