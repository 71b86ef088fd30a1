import { knob, type FrontEnd } from '../shared/wording.js';
import pg from 'pg';
import {
  createDatabase,
  dropDatabase,
  quoteIdent,
  releaseAdmin,
  throwawayName,
  withDatabase,
} from './admin.js';
import { track } from './cleanup.js';
import { registerUrl } from '../shared/secrets.js';
import { passwordOf, redactText, redactUrl } from './redact.js';
import { PostgresUnavailableError, type PostgresServer } from './types.js';

const SETTING = '--postgres-url (action input `postgres-url`)';

/** A connection URL that is not one: a usage error (exit code 2), raised before any connection. */
export class UrlError extends PostgresUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'UrlError';
  }
}

const EXPECTED = 'expected postgres://USER:PASSWORD@HOST:PORT/DATABASE';

/**
 * Checks that `url` is a PostgreSQL connection URL a person meant: the `postgres:` or `postgresql:`
 * scheme, `//` after it, and a host (or a `host=` parameter naming a socket directory). Anything else
 * would let the driver fall back to 127.0.0.1:5432, a different server than the one meant. The URL and
 * its password are registered as secrets first; every message shows the URL with its password masked.
 * `setting` names where the URL came from (`--database-url`, `DATABASE_URL`, ...).
 */
export function parsePostgresUrl(url: string, setting: string): URL {
  registerUrl(url);
  const fail = (what: string): UrlError => new UrlError(`${setting} ${redactUrl(url)}: ${what}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
  if (!scheme || !/^postgres(ql)?$/i.test(scheme)) {
    throw fail(
      `must start with postgres:// or postgresql://${scheme ? ` (unsupported scheme "${scheme}:")` : ''}; ${EXPECTED}.`,
    );
  }
  if (!url.slice(scheme.length + 1).startsWith('//')) {
    throw fail(`"${scheme}:" must be followed by "//"; ${EXPECTED}.`);
  }
  const authority = /^\/\/([^/?#]*)/.exec(url.slice(scheme.length + 1))![1]!;
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  if (!host && !/[?&]host=[^&]/.test(url)) {
    throw fail(`has no host; ${EXPECTED}.`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fail(`is not a valid URL; ${EXPECTED} (percent-encode special characters in the password).`);
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw fail(`has no host; ${EXPECTED}.`);
  }
  return parsed;
}

/**
 * An existing PostgreSQL server given by URL (for example a GitHub Actions `services: postgres`
 * container). Schemabot only creates throwaway databases on it, each with a unique name, and
 * `stop()` drops exactly those: nothing else on the server is ever touched.
 */
export class UrlPostgres implements PostgresServer {
  readonly provider = 'url' as const;
  private readonly created = new Set<string>();
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    private readonly maintenanceUrl: string,
    readonly version: string,
    readonly major: number,
    /** Copies go file by file (see `createDatabase`): the server runs without fsync, on 15 or later. */
    private readonly fileCopy: boolean,
  ) {
    this.untrack = track(this);
  }

  /**
   * Connects to `url`, checks that the role may create databases on a writable server, and returns
   * the handle. Every error names the setting and never contains the password.
   */
  static async start(options: {
    url: string;
    version?: number;
    log?: (m: string) => void;
    frontEnd?: FrontEnd;
  }): Promise<UrlPostgres> {
    const { url } = options;
    const setting = knob('postgres-url', options.frontEnd);
    const secret = passwordOf(url);
    const shown = redactUrl(url);
    const fail = (what: string, cause?: unknown): PostgresUnavailableError =>
      new PostgresUnavailableError(redactText(`${setting} ${shown}: ${what}`, [secret]), { cause });

    parsePostgresUrl(url, setting);

    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    let row: { v: string; n: string; createdb: boolean; recovery: boolean; who: string; fsync: string };
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw fail(
        `could not connect: ${(err as Error).message || String(err)}. Check the host, port, user and password, ` +
          'and that the server accepts connections from here.',
        err,
      );
    }
    try {
      const r = await client.query<typeof row>(
        `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n,
                (r.rolcreatedb OR r.rolsuper) AS createdb, pg_is_in_recovery() AS recovery, current_user AS who,
                current_setting('fsync') AS fsync
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      row = r.rows[0]!;
    } catch (err) {
      throw fail(`connected, but could not read the server's settings: ${(err as Error).message}`, err);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (row.recovery) {
      throw fail(
        'the server is a read-only standby; Schemabot needs a primary where it can create databases.',
      );
    }
    if (!row.createdb) {
      throw fail(
        `role "${row.who}" may not create databases. Grant it (ALTER ROLE ${quoteIdent(row.who)} CREATEDB) ` +
          'or use a role that has CREATEDB.',
      );
    }
    const version = row.v.split(' ')[0]!;
    const major = Math.floor(Number(row.n) / 10000);
    if (options.version !== undefined && options.version !== major) {
      throw fail(
        `PostgreSQL ${options.version} was requested (${knob('postgres-version', options.frontEnd)}) but this ` +
          `server runs ${version}. Point the URL at a server of that version or drop ` +
          `${knob('postgres-version', options.frontEnd)}.`,
      );
    }
    options.log?.(`Using the existing PostgreSQL ${version} at ${shown} (throwaway databases only)`);
    // A server without fsync (a CI service container or a test server run for speed) copies databases
    // faster file by file; with fsync on, the checkpoints that strategy needs would cost more.
    return new UrlPostgres(url, version, major, major >= 15 && row.fsync === 'off');
  }

  /** With no argument: the maintenance URL exactly as given. */
  url(database?: string): string {
    return database === undefined ? this.maintenanceUrl : withDatabase(this.maintenanceUrl, database);
  }

  async createDatabase(options: { name?: string; template?: string } = {}): Promise<string> {
    if (this.stopped) throw new Error('This PostgreSQL handle is stopped.');
    const name = options.name ?? throwawayName();
    try {
      await createDatabase(this.maintenanceUrl, name, options.template, { fileCopy: this.fileCopy });
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.add(name);
    return name;
  }

  /** Drops a database this handle created; any other name is refused. */
  async dropDatabase(name: string): Promise<void> {
    if (!this.created.has(name)) {
      throw new Error(
        `Refusing to drop database "${name}" on the server given by ${SETTING}: Schemabot did not create it.`,
      );
    }
    try {
      await dropDatabase(this.maintenanceUrl, name, this.major);
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.delete(name);
  }

  /** Names of the databases created through this handle and not dropped yet. */
  databases(): string[] {
    return [...this.created];
  }

  /** Drops every database this handle created (with FORCE on PostgreSQL 13+), and nothing else. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    const errors: unknown[] = [];
    for (const name of [...this.created]) {
      try {
        if (this.major < 13) await this.terminateSessions(name);
        await dropDatabase(this.maintenanceUrl, name, this.major);
        this.created.delete(name);
      } catch (err) {
        errors.push(this.scrubbed(err));
      }
    }
    await releaseAdmin(this.maintenanceUrl);
    if (errors.length) {
      throw new AggregateError(
        errors,
        `Could not drop ${errors.length} throwaway database(s) on ${redactUrl(this.maintenanceUrl)}: ${[...this.created].join(', ')}`,
      );
    }
  }

  /** Nothing to kill synchronously: the databases are dropped by `stop()` on a signal. */
  killNow(): void {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async terminateSessions(name: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.maintenanceUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private scrubbed(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    const secret = passwordOf(this.maintenanceUrl);
    const message = redactText(e.message, [secret]);
    if (message === e.message) return e;
    return new Error(message);
  }
}
