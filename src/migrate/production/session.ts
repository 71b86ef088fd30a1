import type pg from 'pg';
import { takeSnapshot, type Snapshot } from '../../inspect/index.js';
import { discoverMigrations, type MigrationFile } from '../discover.js';
import { readAlembicVersion, readApplied } from '../meta.js';
import { alembicRevisions, loadProject, releaseProject, type Project } from '../project.js';
import { MigrationRunner } from '../runner.js';
import { PostgresUnavailableError, redactUrl } from '../../postgres/index.js';
import {
  boundedUrl,
  checkDatabaseUrl,
  connect,
  idleSessionTimeout,
  READ_BOUNDS,
  safeText,
  serverVersion,
  type SessionBounds,
} from './database.js';
import { snapshotOptions } from './rehearsal.js';
import { migrationState, revisionState, type RevisionNode } from './state.js';
import type { MigrationState } from '../../report/contract/production.js';
import type { ProductionOptions, SafetyOptions } from './options.js';
import { describeBlocker, WaitWatcher } from '../../inspect/waits.js';
import { knob } from '../../shared/wording.js';

/** SQLSTATE of a lock wait cut by `lock_timeout`, and of a statement cut by `statement_timeout` (or a cancel). */
const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';

/** A read of Schemabot's own (state, catalog) gave up waiting: what it waited for and behind whom. */
export class ReadTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadTimeoutError';
  }
}

/** The project, its migration files and a plain connection to the production database. */
export class ProductionSession implements AsyncDisposable {
  /** The role-level (or database-level) `idle_session_timeout`, when not 0. */
  idleTimeout: string | null = null;
  /** Application names (LIKE patterns) of runners this run opened on production. */
  private readonly runnerNames: string[] = [];
  private readonly watcher: WaitWatcher;

  private constructor(
    readonly url: string,
    readonly project: Project,
    readonly files: MigrationFile[],
    public client: pg.Client,
    readonly postgres: { version: string; major: number },
    private readonly options: ProductionOptions & SafetyOptions,
    private readonly applicationName: string,
    /** Alembic projects: the revision graph `alembic_version`'s rows are read against. */
    readonly revisions?: RevisionNode[],
  ) {
    this.watcher = new WaitWatcher(
      () => connect(url, 'schemabot-watch', { lockTimeoutMs: 2_000, statementTimeoutMs: 5_000 }),
      { pids: () => this.pids(), patterns: () => this.runnerNames.map((n) => `${n}%`) },
      options.log ?? (() => undefined),
    ).start();
  }

  static async open(
    options: ProductionOptions & SafetyOptions,
    applicationName: string,
  ): Promise<ProductionSession> {
    const url = checkDatabaseUrl(options.databaseUrl);
    // The production URL's password never reaches the worker that loads the project and rehearses.
    const project = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      protectedUrls: [url],
      ...(options.runner ? { runner: options.runner } : {}),
      ...(options.python ? { python: options.python } : {}),
    });
    let client: pg.Client | undefined;
    try {
      // Alembic: the revisions, parents first (the order they are applied in); Sequelize: the files.
      const revisions =
        project.runner === 'alembic' ? (await alembicRevisions(project)).revisions : undefined;
      const files = revisions
        ? revisions.map((r) => ({ name: r.id, path: r.path }))
        : discoverMigrations(project.migrationsDir);
      client = await connect(url, applicationName, ProductionSession.readBounds(options));
      const session = new ProductionSession(
        url,
        project,
        files,
        client,
        await serverVersion(client),
        options,
        applicationName,
        revisions,
      );
      session.idleTimeout = await idleSessionTimeout(client);
      if (session.idleTimeout) {
        options.log?.(
          `Note: this role's sessions get ${session.idleTimeout} (ALTER ROLE/DATABASE … SET); Schemabot sets it ` +
            'to 0 on its own sessions so that none is ended while migrations run.',
        );
      }
      return session;
    } catch (error) {
      // Nothing of the session stays: its connection, and the worker that loaded the project.
      await Promise.all([client?.end().catch(() => undefined), releaseProject(project)]);
      throw error;
    }
  }

  /** Bounds of Schemabot's own reads: the run's lock_timeout (a read must not wait longer than a migration). */
  private static readBounds(options: SafetyOptions): SessionBounds {
    return {
      lockTimeoutMs: options.lockTimeoutMs || READ_BOUNDS.lockTimeoutMs,
      statementTimeoutMs: Math.max(options.statementTimeoutMs ?? 0, READ_BOUNDS.statementTimeoutMs),
    };
  }

  private pids(): number[] {
    const pid = (this.client as unknown as { processID?: number }).processID;
    return typeof pid === 'number' ? [pid] : [];
  }

  /** The backends of this run on production (its reads and its runners), for cancelling. */
  backends(): { pids: number[]; patterns: string[] } {
    return { pids: this.pids(), patterns: this.runnerNames.map((n) => `${n}%`) };
  }

  /** The wait the watcher saw last, for messages. */
  get lastWait(): string | null {
    const w = this.watcher.last;
    return w ? `behind ${describeBlocker(w.blocker)}` : null;
  }

  get database(): string {
    return redactUrl(this.url);
  }

  file(name: string): MigrationFile | undefined {
    return this.files.find((f) => f.name === name);
  }

  /**
   * Runs `fn` on the session's connection, reconnecting once if that connection was lost, and trying
   * again (`retries`, doubling `retryDelay`) when a lock was not granted within `lock_timeout`; then
   * a `ReadTimeoutError` that says behind which session it waited.
   */
  private async query<T>(what: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 1;
    let wait = this.options.retryDelayMs ?? 1_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== LOCK_NOT_AVAILABLE && code !== QUERY_CANCELED) throw error;
        if (this.options.signal?.aborted) throw error;
        const bounds = ProductionSession.readBounds(this.options);
        const limit =
          code === LOCK_NOT_AVAILABLE
            ? `lock_timeout (${bounds.lockTimeoutMs! / 1000} s)`
            : `statement_timeout (${bounds.statementTimeoutMs! / 1000} s)`;
        const blocker = this.lastWait ?? (await this.blockerNow());
        if (code === LOCK_NOT_AVAILABLE && attempt <= retries) {
          this.options.log?.(
            `  ${what} waited longer than ${limit}${blocker ? ` ${blocker}` : ''}; trying again in ${wait / 1000} s (${attempt}/${retries})`,
          );
          await new Promise((resolve) => setTimeout(resolve, wait));
          wait *= 2;
          continue;
        }
        throw new ReadTimeoutError(
          `${what} waited longer than ${limit}${code === LOCK_NOT_AVAILABLE ? `, ${attempt} attempt(s)` : ''}` +
            `${blocker ? ` ${blocker}` : ' (another session holds a lock it needs)'}. Nothing was changed. ` +
            `Run again when that session is done, or raise ${knob('lock-timeout', this.options.frontEnd)} / ` +
            `${knob('retries', this.options.frontEnd)}.`,
        );
      }
    }
  }

  private async once<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && !/^(08|57P0)/.test(code)) throw error;
      await this.client.end().catch(() => undefined);
      this.client = await connect(this.url, this.applicationName, ProductionSession.readBounds(this.options));
      return fn(this.client);
    }
  }

  /** Who blocks a lock on the meta table or the catalog right now (when the watcher had no tick yet). */
  private async blockerNow(): Promise<string | null> {
    try {
      const waits = await this.watcher.waits();
      return waits[0] ? `behind ${describeBlocker(waits[0].blocker)}` : null;
    } catch {
      return null;
    }
  }

  /** The migration state now (read again on a fresh connection if the session's own was lost). */
  async state(): Promise<MigrationState> {
    if (this.revisions) {
      const revisions = this.revisions;
      const rows = await this.query('Reading the version table', (client) =>
        readAlembicVersion(client, this.project),
      );
      return revisionState(revisions, rows);
    }
    const applied = await this.query('Reading the migration table', (client) =>
      readApplied(client, this.project),
    );
    return migrationState(this.files, applied);
  }

  /** The live schema, without the meta table. */
  snapshot(): Promise<Snapshot> {
    return this.query('Reading the live schema', (client) =>
      takeSnapshot(client, snapshotOptions(this.project)),
    );
  }

  /**
   * A migration runner on the production database (its own pool; the caller closes it): its
   * sessions carry the run's lock_timeout, statement_timeout and idle_session_timeout = 0, and a
   * migration may run `migrationTimeoutMs` at most.
   */
  async runner(): Promise<MigrationRunner> {
    try {
      const url = boundedUrl(
        this.url,
        {
          lockTimeoutMs: this.options.lockTimeoutMs ?? READ_BOUNDS.lockTimeoutMs,
          statementTimeoutMs: this.options.statementTimeoutMs,
        },
        this.postgres.major,
      );
      const runner = await MigrationRunner.open(url, this.project, {
        timeoutMs: this.options.migrationTimeoutMs,
        target: 'production',
      });
      this.runnerNames.push(runner.applicationName);
      return runner;
    } catch (error) {
      throw new PostgresUnavailableError(
        `Cannot open the migration runner on the database given by --database-url (${this.database}): ` +
          `${safeText((error as Error).message, this.url)}.`,
      );
    }
  }

  /**
   * Cancels the running statements of this run's production sessions (`pg_cancel_backend`, found by
   * pid and by the runners' `application_name`), then waits until none of them is inside a
   * transaction any more (the rollback is done). The pids cancelled.
   */
  async cancelRunning(waitMs = 30_000): Promise<{ pids: number[]; settled: boolean }> {
    const { pids, patterns } = this.backends();
    let client: pg.Client | undefined;
    try {
      client = await connect(this.url, 'schemabot-cancel', {
        lockTimeoutMs: 1_000,
        statementTimeoutMs: 10_000,
      });
      const mine = `(pid = ANY($1::int[]) OR application_name LIKE ANY($2::text[])) AND pid <> pg_backend_pid()`;
      const r = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE ${mine} AND state <> 'idle' AND pg_cancel_backend(pid)`,
        [pids, patterns],
      );
      const deadline = Date.now() + waitMs;
      for (;;) {
        const busy = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE ${mine} AND (state = 'active' OR state LIKE 'idle in transaction%')`,
          [pids, patterns],
        );
        if (busy.rows[0]!.n === '0') return { pids: r.rows.map((row) => row.pid), settled: true };
        if (Date.now() > deadline) return { pids: r.rows.map((row) => row.pid), settled: false };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      return { pids: [], settled: false };
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.watcher.stop();
    // The worker that loaded the project waits for a throwaway database that a run without a rehearsal
    // (status without drift, stamp, a run that stopped early) never opens: it ends with the session.
    await Promise.all([this.client.end().catch(() => undefined), releaseProject(this.project)]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Milliseconds since `started`, rounded. */
export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

export function errorText(error: unknown, url: string): string {
  return safeText(error instanceof Error ? error.message : String(error), url);
}
