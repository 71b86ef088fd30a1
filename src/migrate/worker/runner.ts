import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Sequelize } from 'sequelize';
import type {
  Direction,
  StepError,
  WorkerMigration,
  WorkerStatement,
  WorkerStepResult,
} from '../protocol.js';
import { describeError, locate, messageOf, projectRelative } from './errors.js';
import { loadMigration, MigrationLoadError, type MigrationFunction } from './loader.js';
import { MetaTable } from './meta.js';
import type { Project } from './project.js';
import { runInTransaction } from './transaction.js';
import { redact, rememberUrlSecret } from './redact.js';
import {
  resolveSequelize,
  sequelizeOptions,
  urlWithoutApplicationName,
  type ResolvedSequelize,
} from './sequelize.js';

type MigrationErrorInfo = StepError;
type Statement = WorkerStatement;
type StepResult = WorkerStepResult;
type MigrationFile = WorkerMigration;

export interface RunnerOptions {
  /** How long one migration may run before it is stopped (default 10 minutes). */
  timeoutMs?: number;
  /** The `application_name` of the runner's connections (the parent finds its backends by it). */
  applicationName: string;
  /** Where the watching connection goes when not to the migrations' database (see `OpenRequest`). */
  watchUrl?: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/** Sequelize re-reads type OIDs after creating enums: housekeeping, not the migration's SQL. */
const INTERNAL_SQL = /^WITH ranges AS \(\s*SELECT pg_range\.rngtypid/;
const CALL_STACK = Symbol.for('schemabot.migrate.callStack');

/** Options key carrying the stack of the call that sent a query. */
const CALL_SITE = Symbol('schemabot.callSite');

interface QueryLike {
  sql?: unknown;
}

interface Entry {
  query?: QueryLike;
  sql?: string;
  start: number;
  ms?: number;
  failed?: boolean;
  stack?: string;
  /** Issued after the migration's function had resolved. */
  late?: boolean;
}

/** Statements and in-flight queries of the migration that is running. */
class Capture {
  readonly entries: Entry[] = [];
  readonly byQuery = new Map<QueryLike, Entry>();
  readonly pending = new Set<Promise<unknown>>();
  /** Call stacks of queries in flight, in issue order (for the line of a timed-out statement). */
  readonly pendingStacks = new Map<Promise<unknown>, string | undefined>();
  /** Set once the migration's function has resolved: later statements are work it did not await. */
  resolved = false;

  statements(now: number, lineOf: (stack: string | undefined) => number | undefined): Statement[] {
    const out: Statement[] = [];
    for (const e of this.entries) {
      const sql = e.sql ?? (typeof e.query?.sql === 'string' ? e.query.sql : undefined);
      if (!sql || INTERNAL_SQL.test(sql)) continue;
      const s: Statement = { sql: redact(stripLogPrefix(sql)), ms: round(e.ms ?? now - e.start) };
      if (e.failed) s.failed = true;
      if (e.ms === undefined) s.unfinished = true;
      if (e.late) s.late = true;
      const line = lineOf(e.stack);
      if (line !== undefined) s.line = line;
      out.push(s);
    }
    return out;
  }

  /** The statement still running, if any (the last one issued). */
  running(): Entry | undefined {
    return [...this.entries].reverse().find((e) => e.ms === undefined);
  }
}

function stripLogPrefix(sql: string): string {
  return sql.replace(/^Execut(?:ed|ing) \([^)]*\): /, '');
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function delay(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, ms)).unref?.());
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Session {
  sequelize: Sequelize;
  meta: MetaTable;
}

type Outcome = { kind: 'done' } | { kind: 'threw'; error: unknown } | { kind: 'timeout' };

/**
 * Runs sequelize-cli migrations one at a time, in the worker process, on the database at `databaseUrl`:
 * `up`/`down` call the migration's functions with `(queryInterface, Sequelize)` from the project's own
 * Sequelize, capture every statement, and keep the applied-migrations table exactly like sequelize-cli.
 */
export class LocalRunner implements AsyncDisposable {
  /** The `application_name` of the runner's connections (unique per runner). */
  readonly applicationName: string;
  readonly sequelizeSource: 'project' | 'bundled';
  readonly sequelizeVersion?: string;
  private session?: Session;
  private capture: Capture | null = null;
  private closed = false;
  private readonly timeoutMs: number;
  /** Backends that are busy on purpose (a production step's pinned connection): not the migration's work. */
  readonly exemptPids = new Set<number>();
  /** A connection of the runner's own that watches the database's backends (never part of a migration). */
  private watcher?: pg.Client;
  private readonly watchUrl: string;

  private constructor(
    private readonly databaseUrl: string,
    readonly project: Project,
    private readonly resolved: ResolvedSequelize,
    options: RunnerOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.applicationName = options.applicationName;
    this.watchUrl = options.watchUrl ?? databaseUrl;
    this.sequelizeSource = resolved.source;
    this.sequelizeVersion = resolved.version;
  }

  /** Connects to `databaseUrl` (always the caller's: the project config never picks the target). */
  static async open(databaseUrl: string, project: Project, options: RunnerOptions): Promise<LocalRunner> {
    rememberUrlSecret(databaseUrl);
    const runner = new LocalRunner(databaseUrl, project, await resolveSequelize(project), options);
    await runner.connect();
    return runner;
  }

  /** The Sequelize instance migrations run on (for callers that need the same connection settings). */
  get sequelize(): Sequelize {
    return this.current().sequelize;
  }

  private current(): Session {
    if (this.closed || !this.session) throw new Error('The migration runner is closed.');
    return this.session;
  }

  private async connect(): Promise<void> {
    const { Sequelize: SequelizeCtor } = this.resolved;
    const options = sequelizeOptions(this.project, this.applicationName, this.resolved, this.databaseUrl);
    let sequelize: Sequelize;
    try {
      sequelize = new SequelizeCtor(urlWithoutApplicationName(this.databaseUrl), options);
    } catch (error) {
      throw safeError('Could not set up Sequelize for the project', error);
    }
    this.instrument(sequelize);
    try {
      await sequelize.authenticate({ logging: false });
    } catch (error) {
      await sequelize.close().catch(() => undefined);
      throw safeError('Could not connect to the database', error);
    }
    this.session = { sequelize, meta: new MetaTable(sequelize, SequelizeCtor, this.project) };
  }

  /** Records the statements of the running migration (query hooks) and each query's call site. */
  private instrument(sequelize: Sequelize): void {
    const hooks = sequelize as unknown as {
      addHook: (name: string, fn: (options: unknown, query: QueryLike) => void) => void;
    };
    hooks.addHook('beforeQuery', (options, query) => {
      const capture = this.capture;
      if (!capture || !query) return;
      const stack = (options as Record<symbol, unknown> | undefined)?.[CALL_SITE];
      const entry: Entry = {
        query,
        start: performance.now(),
        ...(typeof stack === 'string' ? { stack } : {}),
        ...(capture.resolved ? { late: true } : {}),
      };
      capture.entries.push(entry);
      capture.byQuery.set(query, entry);
      const run = (query as { run?: unknown }).run;
      if (typeof run === 'function') {
        (query as { run: unknown }).run = async function (this: unknown, ...args: unknown[]) {
          try {
            return await (run as (...a: unknown[]) => Promise<unknown>).apply(this, args);
          } catch (error) {
            entry.failed = true;
            throw error;
          }
        };
      }
    });
    hooks.addHook('afterQuery', (_options, query) => {
      const entry = this.capture?.byQuery.get(query);
      if (!entry) return;
      entry.ms = performance.now() - entry.start;
      entry.sql = typeof query.sql === 'string' ? query.sql : undefined;
    });
    const original = sequelize.query as unknown as (...args: unknown[]) => Promise<unknown>;
    const currentCapture = (): Capture | null => this.capture;
    const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const capture = currentCapture();
      if (!capture) return original.apply(this, args);
      const stack = new Error('query issued here').stack;
      // The call site travels with the query's options to the beforeQuery hook (statement lines).
      const [sql, options, ...rest] = args;
      const tagged =
        options && typeof options === 'object' ? { ...options, [CALL_SITE]: stack } : { [CALL_SITE]: stack };
      const inner = original.apply(this, [sql, tagged, ...rest]);
      capture.pending.add(inner);
      capture.pendingStacks.set(inner, stack);
      const done = (): void => {
        capture.pending.delete(inner);
        capture.pendingStacks.delete(inner);
      };
      inner.then(done, done);
      // The caller gets its own promise: forgetting to await it is still an unhandled rejection.
      return inner.then(undefined, (error: unknown) => {
        if (error && typeof error === 'object' && !(CALL_STACK in error)) {
          Object.defineProperty(error, CALL_STACK, { value: stack, enumerable: false });
        }
        throw error;
      });
    };
    (sequelize as unknown as { query: typeof wrapped }).query = wrapped;
  }

  /** Runs the runner's own queries (meta table) outside any migration's statements. */
  private async bookkeeping<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const saved = this.capture;
    this.capture = null;
    try {
      return await fn(this.current());
    } finally {
      this.capture = saved;
    }
  }

  /** Runs the migration's `up()`; on success records it in the meta table (created like sequelize-cli). */
  up(m: MigrationFile): Promise<StepResult> {
    return this.step(m, 'up');
  }

  /** Runs the migration's `down()`; on success deletes its meta row. */
  down(m: MigrationFile): Promise<StepResult> {
    return this.step(m, 'down');
  }

  /** Names recorded in the meta table, in umzug's order; [] when the table does not exist. */
  applied(): Promise<string[]> {
    return this.bookkeeping((s) => s.meta.executed());
  }

  /** Records `name` as applied without running it (like `stamp`). */
  record(name: string): Promise<void> {
    return this.bookkeeping((s) => s.meta.log(name));
  }

  /** Deletes the meta row of `name` without running anything. */
  unrecord(name: string): Promise<void> {
    return this.bookkeeping((s) => s.meta.unlog(name));
  }

  /** Records every name (`stamp`), all in one transaction. */
  async recordAll(names: string[]): Promise<null> {
    await runInTransaction(this, async () => {
      for (const name of names) await this.record(name);
    });
    return null;
  }

  /** Deletes the rows of every name, all in one transaction. */
  async unrecordAll(names: string[]): Promise<null> {
    await runInTransaction(this, async () => {
      for (const name of names) await this.unrecord(name);
    });
    return null;
  }

  private async step(m: MigrationFile, direction: Direction): Promise<StepResult> {
    const session = this.current();
    const started = performance.now();
    const capture = new Capture();
    const file = projectRelative(m.path, this.project.cwd);
    const finish = (error: MigrationErrorInfo | null): StepResult => {
      const statements = capture.statements(performance.now(), (stack) =>
        stack ? locate([stack], m.path, this.project.cwd)?.line : undefined,
      );
      const late = statements.find((s) => s.late);
      return {
        ok: error === null,
        ms: round(performance.now() - started),
        statements,
        error,
        ...(late ? { unawaited: { sql: late.sql, ...(late.line ? { line: late.line } : {}) } } : {}),
      };
    };

    let fn: MigrationFunction | undefined;
    let module: unknown;
    try {
      const loaded = await loadMigration(m.path, this.project.cwd);
      fn = loaded[direction];
      module = loaded.module;
    } catch (error) {
      const e = error instanceof MigrationLoadError ? error : undefined;
      return finish({
        message: redact(e ? e.message : String(error)),
        file: projectRelative(e?.file ?? m.path, this.project.cwd),
        ...(e?.line ? { line: e.line } : {}),
      });
    }
    if (!fn) {
      return finish({
        message:
          `Migration ${m.name} has no ${direction} function` +
          (direction === 'down' ? ': it cannot be reverted. Add a down() that undoes up().' : '.'),
        file,
      });
    }

    const crashes: unknown[] = [];
    let crashed: () => void = () => undefined;
    const crashSignal = new Promise<void>((resolve) => (crashed = resolve));
    const onCrash = (reason: unknown): void => {
      crashes.push(reason);
      crashed();
    };
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(stackLimit, 50);
    this.capture = capture;
    const deadline = started + this.timeoutMs;
    let outcome: Outcome;
    try {
      const call = invoke(
        fn,
        module,
        [session.sequelize.getQueryInterface(), this.resolved.Sequelize],
        m.name,
      );
      const settled: Promise<Outcome> = call.then(
        (): Outcome => ({ kind: 'done' }),
        (error: unknown): Outcome => ({ kind: 'threw', error }),
      );
      const first = await Promise.race([settled, delay(deadline - performance.now())]);
      outcome = first === 'timeout' ? { kind: 'timeout' } : first;
      if (outcome.kind !== 'timeout') {
        // Work it started but did not await still belongs to it (and may fail unhandled): the step
        // ends only when every connection of the worker is quiet, so verdicts never race with it.
        capture.resolved = true;
        if (!(await this.settle(capture, deadline))) outcome = { kind: 'timeout' };
      }
      if (outcome.kind === 'timeout') {
        const result = finish(this.timeoutInfo(m, direction, capture));
        await this.stopRunningQueries();
        await Promise.race([crashSignal, nextTurn()]);
        return result;
      }
    } finally {
      this.capture = null;
      Error.stackTraceLimit = stackLimit;
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    }

    if (outcome.kind === 'threw') {
      return finish(this.errorInfo(outcome.error, m));
    }
    if (crashes.length > 0) {
      const info = this.errorInfo(crashes[0], m);
      info.message =
        `It crashed the process: ${info.message} (an unhandled rejection or exception while the migration ran; ` +
        'is a promise not awaited, or a transaction used after commit?)';
      return finish(info);
    }
    try {
      // A pinned connection (a production step's) may hold a transaction the write must not abort.
      const outsideTransaction = this.exemptPids.size === 0;
      await this.bookkeeping((s) =>
        direction === 'up'
          ? s.meta.log(m.name, outsideTransaction)
          : s.meta.unlog(m.name, outsideTransaction),
      );
    } catch (error) {
      const table = this.project.meta.schema
        ? `${this.project.meta.schema}.${this.project.meta.table}`
        : this.project.meta.table;
      const info = describeError(error, m.path, this.project.cwd);
      info.message = `The migration ran but could not be ${direction === 'up' ? 'recorded in' : 'removed from'} ${table}: ${info.message}`;
      return finish(info);
    }
    return finish(null);
  }

  /**
   * Waits until nothing of the migration is running any more: no query of the runner's Sequelize in
   * flight, no connection borrowed from its pool, and no backend of the worker (the project's own
   * Sequelize instances and pg clients included, by `application_name`) active or inside a transaction.
   * Two quiet looks in a row, a turn of the event loop apart. False when `deadline` passes first.
   */
  private async settle(capture: Capture, deadline: number): Promise<boolean> {
    let quiet = 0;
    while (performance.now() < deadline) {
      if (capture.pending.size > 0) {
        quiet = 0;
        await Promise.race([Promise.allSettled([...capture.pending]), delay(deadline - performance.now())]);
        continue;
      }
      await nextTurn();
      if (capture.pending.size > 0 || this.poolBusy()) {
        quiet = 0;
        await delay(0);
        continue;
      }
      // The first quiet look is local only; the second one asks the server too (one query a step).
      if (quiet++ === 0) continue;
      if (!(await this.serverBusy())) return true;
      quiet = 0;
      await delay(5);
    }
    return false;
  }

  /** Connections of the runner's pool that are borrowed (a transaction in progress, a query queued). */
  private poolBusy(): boolean {
    const manager = this.session?.sequelize.connectionManager as unknown as
      { pool?: { using?: number; waiting?: number } } | undefined;
    const pool = manager?.pool;
    if (!pool || typeof pool.using !== 'number') return false;
    return pool.using - this.exemptPids.size > 0 || (pool.waiting ?? 0) > 0;
  }

  /** True when a backend of the worker is running a statement or sits inside a transaction. */
  private async serverBusy(): Promise<boolean> {
    try {
      if (!this.watcher) {
        const watcher = new pg.Client({
          connectionString: urlWithoutApplicationName(this.watchUrl),
          application_name: `${this.applicationName}-watch`,
        });
        watcher.on('error', () => undefined);
        await watcher.connect();
        this.watcher = watcher;
      }
      // Prepared once per connection: it runs after every step.
      const { rows } = await this.watcher.query<{ busy: number }>({
        name: 'schemabot-busy',
        text: `SELECT count(*)::int AS busy FROM pg_stat_activity
          WHERE application_name = $1 AND pid <> pg_backend_pid() AND NOT (pid = ANY($2::int[]))
            AND state IS NOT NULL AND state <> 'idle'`,
        values: [this.applicationName, [...this.exemptPids]],
      });
      return (rows[0]?.busy ?? 0) > 0;
    } catch {
      const watcher = this.watcher;
      this.watcher = undefined;
      await watcher?.end().catch(() => undefined);
      return false;
    }
  }

  private errorInfo(error: unknown, m: MigrationFile): MigrationErrorInfo {
    const stacks: (string | undefined)[] = [];
    let current: unknown = error;
    for (let i = 0; i < 5 && current && typeof current === 'object'; i++) {
      const stack = (current as Record<symbol, unknown>)[CALL_STACK];
      if (typeof stack === 'string') stacks.push(stack);
      const c = current as { original?: unknown; parent?: unknown; cause?: unknown };
      current = c.original ?? c.parent ?? c.cause;
    }
    return describeError(error, m.path, this.project.cwd, stacks);
  }

  private timeoutInfo(m: MigrationFile, direction: Direction, capture: Capture): MigrationErrorInfo {
    const seconds = this.timeoutMs >= 1000 ? `${round(this.timeoutMs / 1000)} s` : `${this.timeoutMs} ms`;
    const running = capture.running();
    const sql = running && typeof running.query?.sql === 'string' ? redact(running.query.sql) : undefined;
    const frame = locate([...capture.pendingStacks.values()].reverse(), m.path, this.project.cwd);
    const info: MigrationErrorInfo = {
      message:
        `Migration ${m.name} (${direction}) did not finish within ${seconds} and was stopped` +
        (sql
          ? ` while this statement was running (waiting for a lock, or a long rewrite?).`
          : ': it awaits something that never settles (a promise never resolved, or a transaction never committed?).'),
      file: projectRelative(frame?.file ?? m.path, this.project.cwd),
    };
    if (frame) info.line = frame.line;
    if (sql) info.sql = sql;
    return info;
  }

  /**
   * After a timeout: terminates the runner's backends (found by `application_name`), so nothing keeps
   * running or holds locks, and starts a fresh connection pool for the next migration.
   */
  private async stopRunningQueries(): Promise<void> {
    const old = this.session;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: `${this.applicationName}-stop`,
      connectionTimeoutMillis: 10_000,
    });
    try {
      await client.connect();
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [this.applicationName],
      );
    } catch {
      // the pool is replaced below either way
    } finally {
      await client.end().catch(() => undefined);
    }
    this.session = undefined;
    if (old) await Promise.race([old.sequelize.close().catch(() => undefined), delay(2000)]);
    await this.connect();
  }

  /**
   * Closes the pool's idle connections and keeps the runner usable: the next step connects again.
   * PostgreSQL copies a database (`CREATE DATABASE … TEMPLATE`) only while nobody is connected to it.
   */
  async disconnect(): Promise<void> {
    // A watcher on another database (`watchUrl`) stays; the connections to this one end together.
    const watcher = this.watchUrl === this.databaseUrl ? this.watcher : undefined;
    if (watcher) this.watcher = undefined;
    const manager = this.session?.sequelize.connectionManager as unknown as
      { pool?: { destroyAllNow(): Promise<void> } } | undefined;
    await Promise.all([watcher?.end().catch(() => undefined), manager?.pool?.destroyAllNow()]);
  }

  /** Closes the connection pool. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watcher?.end().catch(() => undefined);
    this.watcher = undefined;
    const session = this.session;
    this.session = undefined;
    if (session) await Promise.race([session.sequelize.close().catch(() => undefined), delay(5000)]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `prefix: message` with passwords removed; the cause is a redacted copy (see `sanitized`). */
function safeError(prefix: string, error: unknown): Error {
  return new Error(`${prefix}: ${redact(messageOf(error))}`, { cause: sanitized(error) });
}

/**
 * A copy of a connection error that is safe to log: its message redacted, its SQLSTATE/errno code kept, and
 * nothing else (driver errors may carry the connection options, `TypeError: Invalid URL` its input).
 */
function sanitized(error: unknown): Error {
  const copy = new Error(redact(messageOf(error)));
  const code =
    (error as { code?: unknown; original?: { code?: unknown } } | null)?.code ??
    (error as { original?: { code?: unknown } } | null)?.original?.code;
  if (typeof code === 'string') Object.assign(copy, { code });
  copy.name =
    (error as { name?: unknown } | null)?.name === undefined
      ? 'Error'
      : String((error as { name: unknown }).name);
  return copy;
}

/** umzug 2's `_exec`: calls the function with the module as `this` and requires a promise back. */
function invoke(fn: MigrationFunction, module: unknown, params: unknown[], name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const result = fn.apply(module, params) as { then?: unknown } | undefined;
    if (!result || typeof result.then !== 'function') {
      throw new Error(
        `Migration ${name} (or wrapper) didn't return a promise. Make the function async, or return the promise of its queries.`,
      );
    }
    (result as Promise<unknown>).then(resolve, reject);
  });
}
