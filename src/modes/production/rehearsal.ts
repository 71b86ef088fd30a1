import { join } from 'node:path';
import pg from 'pg';
import { takeSnapshot, type Snapshot } from '../../inspect/index.js';
import type { MigrationFile } from '../../migrate/discover.js';
import { applyBaseline } from '../../migrate/baseline.js';
import { metaTableOf } from '../../migrate/meta.js';
import type { Project } from '../../migrate/project.js';
import { MigrationRunner } from '../../migrate/runner.js';
import { OUTSIDE_TRANSACTION_CODES, runPinnedStep } from '../../migrate/transaction.js';
import { PostgresUnavailableError, startPostgres, type PostgresServer } from '../../postgres/index.js';
import type { RehearsalServerOptions, RehearsedStep } from './types.js';

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
    private readonly project: Project,
    readonly runner: MigrationRunner,
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  static async start(
    project: Project,
    options: RehearsalServerOptions & { productionMajor?: number; log?: (line: string) => void },
  ): Promise<Rehearsal> {
    const log = options.log ?? (() => undefined);
    const server = await startServer(project, options, options.productionMajor, log);
    try {
      const database = await server.createDatabase();
      // A history that starts from a dump starts there in the rehearsal too.
      if (project.settings.baseline) {
        await applyBaseline(server.url(database), join(project.cwd, project.settings.baseline), project.cwd);
      }
      const runner = await MigrationRunner.open(server.url(database), project);
      const client = new pg.Client({ connectionString: server.url(database) });
      client.on('error', () => undefined);
      await client.connect();
      return new Rehearsal(server, project, runner, client, database);
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
      if (!step.ok) return { name: m.name, message: step.error?.message ?? 'failed' };
      if (after) await after(m);
    }
    return null;
  }

  snapshot(): Promise<Snapshot> {
    return takeSnapshot(this.client, snapshotOptions(this.project));
  }

  /** Runs one step in a transaction, or outside one when PostgreSQL refuses it inside. */
  async step(m: MigrationFile, direction: 'up' | 'down'): Promise<RehearsedStep> {
    const first = await runPinnedStep(this.runner, m, direction, { transaction: true });
    const reason = outsideTransactionReason(first);
    const result = reason ? await runPinnedStep(this.runner, m, direction, { transaction: false }) : first;
    return {
      name: m.name,
      direction,
      ok: result.ok,
      ms: result.ms,
      transaction: result.transaction,
      ...(reason ? { outsideTransaction: reason } : {}),
      statements: result.statements,
      error: result.error,
    };
  }

  async close(): Promise<void> {
    await this.runner.close().catch(() => undefined);
    await this.client.end().catch(() => undefined);
    await this.server.dropDatabase(this.database).catch(() => undefined);
    await this.server.stop().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
