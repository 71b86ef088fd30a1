import type pg from 'pg';
import { takeSnapshot, type Snapshot } from '../../inspect/index.js';
import { discoverMigrations, type MigrationFile } from '../../migrate/discover.js';
import { loadProject, type Project } from '../../migrate/project.js';
import { MigrationRunner } from '../../migrate/runner.js';
import { PostgresUnavailableError, redactUrl } from '../../postgres/index.js';
import { checkDatabaseUrl, connect, readApplied, safeText, serverVersion } from './database.js';
import { snapshotOptions } from './rehearsal.js';
import { migrationState } from './state.js';
import type { MigrationState, ProductionOptions } from './types.js';

/** The project, its migration files and a plain connection to the production database. */
export class ProductionSession implements AsyncDisposable {
  private constructor(
    readonly url: string,
    readonly project: Project,
    readonly files: MigrationFile[],
    public client: pg.Client,
    readonly postgres: { version: string; major: number },
  ) {}

  static async open(options: ProductionOptions, applicationName: string): Promise<ProductionSession> {
    const url = checkDatabaseUrl(options.databaseUrl);
    // The production URL's password never reaches the worker that loads the project and rehearses.
    const project = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      protectedUrls: [url],
    });
    const files = discoverMigrations(project.migrationsDir);
    const client = await connect(url, applicationName);
    try {
      return new ProductionSession(url, project, files, client, await serverVersion(client));
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  get database(): string {
    return redactUrl(this.url);
  }

  file(name: string): MigrationFile | undefined {
    return this.files.find((f) => f.name === name);
  }

  /** Runs `fn` on the session's connection, reconnecting once if that connection was lost. */
  private async query<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && !/^(08|57P0)/.test(code)) throw error;
      await this.client.end().catch(() => undefined);
      this.client = await connect(this.url, 'schemabot-state');
      return fn(this.client);
    }
  }

  /** The migration state now (read again on a fresh connection if the session's own was lost). */
  async state(): Promise<MigrationState> {
    const applied = await this.query((client) => readApplied(client, this.project));
    return migrationState(this.files, applied);
  }

  /** The live schema, without the meta table. */
  snapshot(): Promise<Snapshot> {
    return this.query((client) => takeSnapshot(client, snapshotOptions(this.project)));
  }

  /** A migration runner on the production database (its own pool; the caller closes it). */
  async runner(): Promise<MigrationRunner> {
    try {
      return await MigrationRunner.open(this.url, this.project, { target: 'production' });
    } catch (error) {
      throw new PostgresUnavailableError(
        `Cannot open the migration runner on the database given by --database-url (${this.database}): ` +
          `${safeText((error as Error).message, this.url)}.`,
      );
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
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
