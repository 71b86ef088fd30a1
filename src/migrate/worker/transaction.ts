import type { Direction, PinnedOptions, WorkerMigration, WorkerStepResult } from '../protocol.js';
import { redact } from './redact.js';
import type { LocalRunner } from './runner.js';

type MigrationRunner = LocalRunner;
type MigrationFile = WorkerMigration;
type StepResult = WorkerStepResult;

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

interface PgConnection {
  query: (...args: unknown[]) => unknown;
  _ending?: boolean;
  _invalid?: boolean;
  processID?: number;
  _connected?: boolean;
}

interface ConnectionManager {
  getConnection: (options?: unknown) => Promise<PgConnection>;
  releaseConnection: (connection: PgConnection) => void;
  destroyConnection: (connection: PgConnection) => Promise<void>;
}

const START = /^\s*START TRANSACTION\s*;?\s*$/i;
const COMMIT = /^\s*COMMIT\s*;?\s*$/i;
const ROLLBACK = /^\s*ROLLBACK\s*;?\s*$/i;
const ISOLATION = /^\s*SET TRANSACTION ISOLATION LEVEL\b/i;

/**
 * While `fn` runs, every query of the runner's Sequelize (the migration's own, its nested
 * `sequelize.transaction()`s and the meta-table bookkeeping) goes to one connection taken from the pool.
 * Top-level transactions the migration opens become savepoints on that connection, so its own COMMIT
 * cannot end the enclosing transaction. `raw` sends SQL on that connection without rewriting.
 */
async function withPinnedConnection<T>(
  runner: MigrationRunner,
  fn: (raw: (sql: string) => Promise<void>, connection: PgConnection) => Promise<T>,
): Promise<T> {
  const sequelize = runner.sequelize as unknown as { connectionManager: ConnectionManager };
  const manager = sequelize.connectionManager;
  const connection = await manager.getConnection({ type: 'write' });
  // Idle in its transaction between statements on purpose: not work the migration left running.
  const pid = connection.processID;
  if (typeof pid === 'number') runner.exemptPids.add(pid);
  const original = connection.query;
  const saved = {
    getConnection: manager.getConnection,
    releaseConnection: manager.releaseConnection,
    destroyConnection: manager.destroyConnection,
  };
  const savepoints: string[] = [];
  let counter = 0;
  const rewrite = (sql: string): string => {
    if (START.test(sql)) {
      const name = `schemabot_nested_${++counter}`;
      savepoints.push(name);
      return `SAVEPOINT ${name}`;
    }
    if (COMMIT.test(sql)) {
      const name = savepoints.pop();
      return name ? `RELEASE SAVEPOINT ${name}` : sql;
    }
    if (ROLLBACK.test(sql)) {
      const name = savepoints.pop();
      return name ? `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}` : sql;
    }
    // The isolation level belongs to the enclosing transaction, which has already begun.
    if (ISOLATION.test(sql)) return 'SELECT 1';
    return sql;
  };
  // Statements a migration issues at once (Promise.all) are sent one after another, as pg 9 requires.
  let tail: Promise<void> = Promise.resolve();
  connection.query = function (this: unknown, ...args: unknown[]): unknown {
    if (typeof args[0] === 'string') args[0] = rewrite(args[0]);
    else if (
      args[0] &&
      typeof args[0] === 'object' &&
      typeof (args[0] as { text?: unknown }).text === 'string'
    ) {
      const config = args[0] as { text: string };
      args[0] = { ...config, text: rewrite(config.text) };
    }
    const callback = args.at(-1);
    if (typeof callback !== 'function') return original.apply(connection, args);
    tail = tail.then(
      () =>
        new Promise<void>((resolve) => {
          args[args.length - 1] = (...results: unknown[]) => {
            resolve();
            (callback as (...r: unknown[]) => void)(...results);
          };
          try {
            original.apply(connection, args);
          } catch (error) {
            resolve();
            (callback as (e: unknown) => void)(error);
          }
        }),
    );
    return undefined;
  };
  const raw = (sql: string): Promise<void> =>
    new Promise((resolve, reject) =>
      original.call(connection, sql, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  manager.getConnection = async () => connection;
  manager.releaseConnection = () => undefined;
  manager.destroyConnection = async () => undefined;
  try {
    return await fn(raw, connection);
  } finally {
    if (typeof pid === 'number') runner.exemptPids.delete(pid);
    Object.assign(manager, saved);
    connection.query = original;
    if (connection._invalid || connection._ending) {
      await saved.destroyConnection.call(manager, connection).catch(() => undefined);
    } else {
      // Session settings must not leak into the pool's next user.
      try {
        await raw('RESET lock_timeout; RESET statement_timeout');
        saved.releaseConnection.call(manager, connection);
      } catch {
        await saved.destroyConnection.call(manager, connection).catch(() => undefined);
      }
    }
  }
}

function settings(options: PinnedStepOptions, local: boolean): string {
  const scope = local ? 'SET LOCAL' : 'SET';
  const parts: string[] = [];
  if (options.lockTimeoutMs) parts.push(`${scope} lock_timeout = ${Math.round(options.lockTimeoutMs)}`);
  if (options.statementTimeoutMs) {
    parts.push(`${scope} statement_timeout = ${Math.round(options.statementTimeoutMs)}`);
  }
  return parts.join('; ');
}

function messageOf(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

/**
 * Runs one migration step (`up` records, `down` removes its meta-table row) on a single connection, by
 * default inside one transaction: BEGIN, the migration's statements, the meta-table row, COMMIT; on any
 * failure ROLLBACK, so nothing of the migration stays. Migrations that open their own Sequelize
 * transactions get savepoints inside it. With `transaction: false` the statements run one by one
 * (autocommit) on that connection, for SQL PostgreSQL refuses inside a transaction block.
 */
export async function runPinnedStep(
  runner: MigrationRunner,
  m: MigrationFile,
  direction: Direction,
  options: PinnedStepOptions = {},
): Promise<PinnedStepResult> {
  const transaction = options.transaction ?? true;
  return withPinnedConnection(runner, async (raw) => {
    const setup = settings(options, transaction);
    try {
      if (transaction) await raw('BEGIN');
      if (setup) await raw(setup);
    } catch (error) {
      if (transaction) await raw('ROLLBACK').catch(() => undefined);
      return {
        ok: false,
        ms: 0,
        statements: [],
        error: { message: `Could not start the migration's transaction: ${messageOf(error)}` },
        transaction,
        rolledBack: transaction ? true : false,
      };
    }
    const step = direction === 'up' ? await runner.up(m) : await runner.down(m);
    if (!transaction) return { ...step, transaction, rolledBack: step.ok ? null : false };
    if (!step.ok) {
      // A lost connection rolls back its open transaction too: either way nothing was committed.
      await raw('ROLLBACK').catch(() => undefined);
      return { ...step, transaction, rolledBack: true };
    }
    try {
      await raw('COMMIT');
      return { ...step, transaction, rolledBack: null };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const lost = typeof code !== 'string' || /^(08|57P0)/.test(code);
      return {
        ...step,
        ok: false,
        error: {
          message: lost
            ? `The connection was lost while committing: ${messageOf(error)}`
            : `COMMIT failed, the transaction was rolled back: ${messageOf(error)}`,
          ...(typeof code === 'string' ? { code } : {}),
        },
        transaction,
        rolledBack: !lost,
        ...(lost ? { commitUnknown: true } : {}),
      };
    }
  });
}

/** Runs `fn` with the runner's queries inside one transaction on one connection (e.g. several meta rows). */
export async function runInTransaction<T>(runner: MigrationRunner, fn: () => Promise<T>): Promise<T> {
  return withPinnedConnection(runner, async (raw) => {
    await raw('BEGIN');
    try {
      const result = await fn();
      await raw('COMMIT');
      return result;
    } catch (error) {
      await raw('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
