import type { MigrationFile } from './discover.js';
import type { Direction, PinnedOptions } from './protocol.js';
import type { MigrationRunner, StepResult } from './runner.js';

/** SQLSTATEs meaning "this statement cannot run inside a transaction block" (or not in this one). */
export const OUTSIDE_TRANSACTION_CODES: Record<string, string> = {
  '25001': 'a statement that cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...)',
  '55P04': 'a new enum value used in the transaction that added it (ALTER TYPE ... ADD VALUE)',
};

/**
 * `transaction` (default true): BEGIN before the migration and COMMIT it together with its meta-table
 * row; `lockTimeoutMs`/`statementTimeoutMs` for the migration's statements (0 or absent: the server's).
 */
export type PinnedStepOptions = PinnedOptions;

/** A step run on one pinned connection, with what happened to its transaction. */
export interface PinnedStepResult extends StepResult {
  /** The migration and its meta-table row ran in one transaction. */
  transaction: boolean;
  /**
   * On failure: the transaction was rolled back (nothing of the migration stays); false when it ran
   * outside a transaction or the COMMIT outcome is unknown. null on success.
   */
  rolledBack: boolean | null;
  /** The COMMIT was sent but its answer never came back (connection lost): the caller must check the meta table. */
  commitUnknown?: boolean;
}

/**
 * Runs one migration step (`up` records, `down` removes its meta-table row) on a single connection of
 * the worker, by default inside one transaction: BEGIN, the migration's statements, the meta-table
 * row, COMMIT; on any failure ROLLBACK, so nothing of the migration stays. Migrations that open their
 * own Sequelize transactions get savepoints inside it. With `transaction: false` the statements run one
 * by one (autocommit), for SQL PostgreSQL refuses inside a transaction block.
 */
export async function runPinnedStep(
  runner: MigrationRunner,
  m: MigrationFile,
  direction: Direction,
  options: PinnedStepOptions = {},
): Promise<PinnedStepResult> {
  const transaction = options.transaction ?? true;
  const step = await runner.step(m, direction, { ...options, transaction });
  // A worker that died or was stopped mid-step took its connection and open transaction with it.
  return {
    ...step,
    transaction: step.transaction ?? transaction,
    rolledBack: step.rolledBack !== undefined ? step.rolledBack : step.ok ? null : transaction,
    ...(step.commitUnknown ? { commitUnknown: true } : {}),
  };
}
