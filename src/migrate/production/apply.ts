import type { MigrationFile } from '../discover.js';
import { projectRelative } from '../errors.js';
import type { MigrationRunner } from '../runner.js';
import { runPinnedStep, type PinnedStepResult } from '../transaction.js';
import { LockLostError } from './lock.js';
import { outsideTransactionReason } from './rehearsal.js';
import type { ProductionRun } from './run.js';
import type { Failure, ProductionStep, RehearsedStep } from '../../report/contract/production.js';
import type { SafetyOptions } from './options.js';

export const DEFAULTS = {
  lockWaitMs: 60_000,
  lockTimeoutMs: 5_000,
  retries: 3,
  retryDelayMs: 1_000,
} as const;

/** SQLSTATE of a statement that gave up waiting for a lock (`lock_timeout`). */
const LOCK_NOT_AVAILABLE = '55P03';

/** Only the failing statement ran: nothing before it changed the database (safe to retry outside a transaction). */
function failedOnFirstStatement(step: PinnedStepResult): boolean {
  const index = step.statements.findIndex((s) => s.failed);
  return index === 0 || (index === -1 && step.statements.length === 0);
}

/**
 * Runs one migration step on production: in one transaction with its meta-table row unless the
 * rehearsal (or PostgreSQL, SQLSTATE 25001/55P04) says it cannot, with `lock_timeout` and
 * `statement_timeout`, retrying with doubling waits when a lock is not granted in time.
 */
export async function applyStep(
  runner: MigrationRunner,
  m: MigrationFile,
  direction: 'up' | 'down',
  options: SafetyOptions & {
    transaction: boolean;
    outsideTransaction?: string;
    log?: (line: string) => void;
  },
): Promise<ProductionStep & { rolledBack: boolean | null; commitUnknown?: boolean }> {
  const log = options.log ?? (() => undefined);
  const retries = options.retries ?? DEFAULTS.retries;
  let wait = options.retryDelayMs ?? DEFAULTS.retryDelayMs;
  let transaction = options.transaction;
  let outsideTransaction = options.outsideTransaction;
  let attempts = 0;
  for (;;) {
    attempts++;
    const startedAt = new Date();
    const step = await runPinnedStep(runner, m, direction, {
      transaction,
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs,
    });
    const finishedAt = new Date();
    const reason = transaction ? outsideTransactionReason(step) : null;
    if (reason && step.rolledBack) {
      log(`  ${m.name}: ${reason}; running it again outside a transaction`);
      transaction = false;
      outsideTransaction = reason;
      attempts--;
      continue;
    }
    const lockTimedOut = !step.ok && step.error?.code === LOCK_NOT_AVAILABLE;
    const retryable = lockTimedOut && (step.rolledBack === true || failedOnFirstStatement(step));
    if (retryable && attempts <= retries) {
      log(
        `  ${m.name}: a lock was not granted within lock_timeout (the table is busy); ` +
          `nothing was changed, retrying in ${Math.round(wait / 100) / 10} s (${attempts}/${retries})`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait *= 2;
      continue;
    }
    return {
      name: m.name,
      file: projectRelative(m.path, runner.project.cwd),
      direction,
      ok: step.ok,
      ms: step.ms,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      attempts,
      transaction: step.transaction,
      ...(outsideTransaction && !step.transaction ? { outsideTransaction } : {}),
      statements: step.statements,
      error:
        lockTimedOut && step.error
          ? {
              ...step.error,
              message:
                `${step.error.message} (lock_timeout ${Math.round((options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs) / 100) / 10} s, ` +
                `${attempts} attempt${attempts === 1 ? '' : 's'}: another session kept the table locked; ` +
                'run again when it is quieter, or raise --lock-timeout / --retries)',
            }
          : step.error,
      rolledBack: step.rolledBack,
      ...(step.commitUnknown ? { commitUnknown: true } : {}),
    };
  }
}

/** Why applying a plan stopped before its end (a cancellation is not one: the run's signal says so). */
export type ApplyStop =
  /** The lock was lost before `before` ran. */
  | { kind: 'lock-lost'; message: string; before: string }
  /** The lock was lost while `after` ran (it is done); `next` did not run. */
  | { kind: 'lock-lost-after'; message: string; after: string; next: string | null }
  | { kind: 'failed'; failure: Failure };

/**
 * Runs `files` on production in order, each as the rehearsal ran it (in a transaction or not), with
 * the run's lock checked before and after each; the steps that succeed are pushed to `done`. Stops at
 * the first failure, a lost lock, or a cancellation.
 */
export async function applyAll(
  run: ProductionRun,
  files: MigrationFile[],
  direction: 'up' | 'down',
  rehearsed: Map<string, RehearsedStep>,
  options: SafetyOptions & { log?: (line: string) => void },
  done: ProductionStep[],
): Promise<ApplyStop | null> {
  const log = options.log ?? (() => undefined);
  const { session, cancel } = run;
  const lock = run.lock!;
  const runner = await session.runner();
  try {
    for (const m of files) {
      try {
        await lock.assertHeld();
      } catch (error) {
        if (!(error instanceof LockLostError)) throw error;
        return { kind: 'lock-lost', message: error.message, before: m.name };
      }
      const plan = rehearsed.get(m.name)!;
      const step = await applyStep(runner, m, direction, {
        ...options,
        transaction: plan.transaction,
        outsideTransaction: plan.outsideTransaction,
        log,
      });
      const { rolledBack, commitUnknown, ...production } = step;
      if (step.ok) {
        log(
          direction === 'up'
            ? `  applied ${m.name} (${Math.round(step.ms)} ms${step.transaction ? '' : ', outside a transaction'})`
            : `  reverted ${m.name} (${Math.round(step.ms)} ms)`,
        );
        done.push(production);
        if (cancel.requested) return null;
        try {
          await lock.assertHeld();
        } catch (error) {
          if (!(error instanceof LockLostError)) throw error;
          const next = files[files.indexOf(m) + 1];
          return { kind: 'lock-lost-after', message: error.message, after: m.name, next: next?.name ?? null };
        }
        continue;
      }
      if (cancel.requested) return null;
      let undone = rolledBack === true;
      if (commitUnknown) {
        // The COMMIT's answer was lost: the meta table says whether it happened.
        const recorded = (await session.state()).applied.includes(m.name);
        undone = direction === 'up' ? !recorded : recorded;
      }
      return {
        kind: 'failed',
        failure: { migration: m.name, rolledBack: undone, error: step.error!, step: production },
      };
    }
    return null;
  } finally {
    await runner.close();
  }
}
