import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { takeSnapshot, type Snapshot } from '../../inspect/index.js';
import type { ProductionPrivileges } from '../../inspect/privileges.js';
import { findSelfWait, type SelfWait } from '../../inspect/waits.js';
import type { MigrationFile } from '../discover.js';
import { metaTableOf } from '../meta.js';
import type { Project } from '../project.js';
import type { MigrationRunner } from '../runner.js';
import { Workspace } from '../workspace.js';
import { OUTSIDE_TRANSACTION_CODES, runPinnedStep } from '../transaction.js';
import {
  PostgresUnavailableError,
  quoteIdent,
  startPostgres,
  type PostgresServer,
} from '../../postgres/index.js';
import type { RehearsalServerOptions } from './options.js';
import type { RehearsedStep } from '../../report/contract/production.js';
import { mirrorStatements } from './privileges.js';
import { withHint } from '../../shared/wording.js';

/** The snapshot options that leave the meta table out (its rows are state, not schema). */
export function snapshotOptions(project: Project): { exclude: { schema: string; name: string }[] } {
  return { exclude: [metaTableOf(project)] };
}

/** Why a migration must run outside a transaction, from the error its transactional attempt got. */
export function outsideTransactionReason(step: {
  ok: boolean;
  error: { code?: string } | null;
}): string | null {
  const code = step.error?.code;
  if (step.ok || !code) return null;
  const reason = OUTSIDE_TRANSACTION_CODES[code];
  return reason ? `PostgreSQL refused it inside a transaction (${code}): ${reason}` : null;
}

/** Drops the rehearsal's role (a `--postgres url` server outlives the rehearsal). */
async function dropRole(server: PostgresServer, role: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url() });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  } catch {
    // The server goes anyway (local and container providers), or keeps an unused NOLOGIN role.
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** Starts the throwaway server: the production major version when available, else the provider's choice. */
async function startServer(
  project: Project,
  options: RehearsalServerOptions,
  productionMajor: number | undefined,
  log: (line: string) => void,
): Promise<PostgresServer> {
  const request = {
    provider: options.postgres ?? 'auto',
    url: options.postgresUrl,
    image: options.postgresImage,
    frontEnd: options.frontEnd,
    cwd: project.cwd,
    log,
  };
  const preferMajor =
    options.postgresVersion === undefined &&
    request.provider !== 'url' &&
    !options.postgresUrl &&
    productionMajor !== undefined &&
    productionMajor >= 14 &&
    productionMajor <= 18;
  if (preferMajor) {
    try {
      return await startPostgres({ ...request, version: productionMajor });
    } catch (error) {
      if (!(error instanceof PostgresUnavailableError)) throw error;
      log(
        `PostgreSQL ${productionMajor} (the production version) is not available here; rehearsing on another version`,
      );
    }
  }
  return startPostgres({ ...request, version: options.postgresVersion });
}

/**
 * A throwaway database rebuilt to the production schema by replaying the applied migrations, where
 * pending ups or planned downs run first. Each step runs like it will in production: in one
 * transaction when PostgreSQL allows it, which also tells which migrations must run outside one.
 */
export class Rehearsal implements AsyncDisposable {
  private constructor(
    readonly server: PostgresServer,
    /** The throwaway database with a worker on it (the project's baseline applied, when it has one). */
    private readonly ws: Workspace,
  ) {}

  get runner(): MigrationRunner {
    return this.ws.runner;
  }

  private get client(): pg.Client {
    return this.ws.client;
  }

  private get database(): string {
    return this.ws.database;
  }

  private get project(): Project {
    return this.ws.project;
  }

  static async start(
    project: Project,
    options: RehearsalServerOptions & {
      productionMajor?: number;
      log?: (line: string) => void;
      migrationTimeoutMs?: number;
    },
  ): Promise<Rehearsal> {
    const log = options.log ?? (() => undefined);
    const server = await startServer(project, options, options.productionMajor, log);
    try {
      // A history that starts from a dump starts there in the rehearsal too: the workspace applies it.
      const ws = await Workspace.open(server, project, { timeoutMs: options.migrationTimeoutMs });
      return new Rehearsal(server, ws);
    } catch (error) {
      await server.stop().catch(() => undefined);
      throw error;
    }
  }

  get postgres(): { version: string; provider: string } {
    return { version: this.server.version, provider: this.server.provider };
  }

  /** Replays `ups` in order (plain, like sequelize-cli); the first failure, if any. */
  async replay(
    ups: MigrationFile[],
    after?: (m: MigrationFile) => Promise<void>,
  ): Promise<{ name: string; message: string } | null> {
    for (const m of ups) {
      const step = await this.runner.up(m);
      if (!step.ok) return { name: m.name, message: withHint(step.error) };
      if (after) await after(m);
    }
    return null;
  }

  snapshot(): Promise<Snapshot> {
    return takeSnapshot(this.client, snapshotOptions(this.project));
  }

  /**
   * Runs one step in a transaction, or outside one when PostgreSQL refuses it inside. Meanwhile a
   * watchdog looks for a migration waiting on itself: a connection of the migration blocked by
   * another of its own (`pg_blocking_pids`); it cancels the waiting statement, and the step fails
   * with both named (in production it would hang holding its locks).
   */
  async step(m: MigrationFile, direction: 'up' | 'down'): Promise<RehearsedStep> {
    const watch = this.watchSelfWait();
    try {
      const first = await runPinnedStep(this.runner, m, direction, { transaction: true });
      const reason = outsideTransactionReason(first);
      const result =
        reason && !watch.found
          ? await runPinnedStep(this.runner, m, direction, { transaction: false })
          : first;
      const selfWait = watch.found;
      return {
        name: m.name,
        direction,
        ok: result.ok && !selfWait,
        ms: result.ms,
        transaction: result.transaction,
        ...(reason ? { outsideTransaction: reason } : {}),
        statements: result.statements,
        error: selfWait
          ? {
              ...(result.error ?? {}),
              message:
                `${m.name} (${direction}) waits on itself: its connection pid ${selfWait.pid} ("${selfWait.query}") ` +
                `waited for a lock held by pid ${selfWait.blockerPid}, the migration's own connection ` +
                `("${selfWait.blockerQuery}"). In production it would hang holding that lock. Run every ` +
                'statement through the queryInterface (the transaction Schemabot opens), not a second connection.',
            }
          : result.error,
      };
    } finally {
      watch.stop();
    }
  }

  /** Polls for a backend of this database blocked by one of the runner's (every backend here is the run's own). */
  private watchSelfWait(): { found: SelfWait | null; stop(): void } {
    const state: ReturnType<Rehearsal['watchSelfWait']> = {
      found: null,
      stop: () => clearInterval(timer),
    };
    let busy = false;
    const timer = setInterval(() => {
      if (busy || state.found) return;
      busy = true;
      findSelfWait(this.client, this.runner.applicationName)
        .then(async (found) => {
          if (!found) return;
          state.found = found;
          await this.client.query('SELECT pg_cancel_backend($1)', [found.pid]);
        })
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, 300);
    timer.unref();
    return state;
  }

  /** The role the steps run as (the production user's privileges), dropped with the rehearsal. */
  private role: string | null = null;

  /**
   * From now on the runner's sessions act as a role holding the production user's relevant privileges
   * (superuser or not, CREATE on the database and schemas, ownership of schemas, tables, sequences and
   * types, table grants), so a step production would refuse fails here. The replay ran as the
   * server's superuser; the database's `role` setting applies to the runner's next connections, and
   * its current ones are ended so that the pool opens new ones. False (and a log line) when the
   * server does not allow it.
   */
  async actAs(privileges: ProductionPrivileges, log: (line: string) => void): Promise<boolean> {
    if (privileges.superuser) return true;
    const role = `schemabot_rehearsal_${randomBytes(6).toString('hex')}`;
    try {
      const statements = mirrorStatements(privileges, role, this.database);
      await this.client.query(statements[0]!);
      this.role = role;
      for (const sql of statements.slice(1)) await this.client.query(sql).catch(() => undefined);
      await this.client.query(`ALTER DATABASE ${quoteIdent(this.database)} SET role = '${role}'`);
      // The worker's next connections start as that role; its open ones close now.
      await this.runner.disconnect();
      await this.client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      // The pool notices its ended connections (an 'error' each) before the next step asks for one.
      await new Promise((resolve) => setTimeout(resolve, 200));
      log(`  the steps run with the privileges of the production user ${privileges.user} (not superuser)`);
      return true;
    } catch (error) {
      log(
        `  Could not rehearse with the production user's privileges (${(error as Error).message}); the steps run as the rehearsal server's superuser`,
      );
      return false;
    }
  }

  /** Cancels what the rehearsal's runner is running (the run was cancelled). */
  async cancelRunning(): Promise<void> {
    await this.client
      .query(
        `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      )
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.ws.close();
    if (this.role) await dropRole(this.server, this.role);
    await this.server.stop().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
