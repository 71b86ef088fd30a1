import { knob, type FrontEnd } from '../shared/wording.js';
import pg from 'pg';
import { randomInt } from 'node:crypto';
import {
  createDatabase,
  dropDatabase,
  quoteIdent,
  releaseAdmin,
  renameDatabase,
  throwawayName,
  withDatabase,
} from './admin.js';
import { track } from './cleanup.js';
import { registerUrl } from '../shared/secrets.js';
import { passwordOf, redactText, redactUrl } from './redact.js';
import { PostgresUnavailableError, type PostgresServer } from './types.js';

const SETTING = '--postgres-url (action input `postgres-url`)';

/**
 * The lease of a run: a session-level advisory lock `(LEASE_SPACE, id)` held on a connection of its
 * own for as long as the run uses the server, and the id in the name of every database it creates
 * (`leasedName`). A run that ended without dropping its databases (killed with SIGKILL, its machine
 * gone) holds no lease any more, and the next run on the server drops them (`dropAbandoned`).
 */
const LEASE_SPACE = 0x5cb07;
/** A name `leasedName` makes; its one group is the lease's id, in hex. */
const LEASED = /^schemabot_l([0-9a-f]{8})_[0-9a-z]+_[0-9a-f]{8}$/;

function leasedName(lease: number): string {
  return throwawayName(`schemabot_l${lease.toString(16).padStart(8, '0')}`);
}

/**
 * Drops the databases of ended runs: named by a lease that no session holds, connected to by nobody,
 * and owned by this role (or a role it belongs to). Anything else — another run's, a busy one, one of
 * another role, one not named by a lease — is left as it is. Returns the names dropped.
 */
async function dropAbandoned(client: pg.Client, url: string, major: number): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT d.datname AS name FROM pg_database d
      WHERE d.datname ~ $1 AND pg_has_role(d.datdba, 'USAGE')
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)
        AND NOT EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'advisory' AND l.classid = $2::oid AND l.objsubid = 2
                           AND l.objid = ('x' || substring(d.datname from $1))::bit(32)::int::oid)`,
    [LEASED.source, LEASE_SPACE],
  );
  const dropped: string[] = [];
  for (const { name } of rows) {
    // Without FORCE: a session that connected since is left alone, and so is its database.
    await dropDatabase(url, name, major, { force: false })
      .then(() => dropped.push(name))
      .catch(() => undefined);
  }
  return dropped;
}

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
 * `stop()` drops exactly those. The one other thing it drops is what an ended run left (`dropAbandoned`):
 * databases named by a lease nobody holds, that nobody uses, of the same role.
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
    /** The connection that holds the run's lease, and its id. */
    private readonly lease: pg.Client,
    private readonly leaseId: number,
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
    let leaseId = 0;
    const lease = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 10_000,
      application_name: 'schemabot-lease',
      keepAlive: true,
    });
    lease.on('error', () => undefined);
    try {
      await lease.connect();
      // Idle for the whole run: a role's idle_session_timeout must not end it (and with it the lease).
      if (major >= 14) await lease.query('SET idle_session_timeout = 0');
      // A random id, never waited for: one another run holds (one chance in a billion) is drawn again.
      for (let held = false; !held;) {
        leaseId = randomInt(1, 2 ** 31);
        const { rows } = await lease.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [
          LEASE_SPACE,
          leaseId,
        ]);
        held = rows[0]!.held;
      }
      const dropped = await dropAbandoned(lease, url, major);
      if (dropped.length) {
        options.log?.(
          `Dropped ${dropped.length} database(s) that Schemabot runs which ended without cleaning up ` +
            `(killed, or their machine gone) had left on this server: ${dropped.join(', ')}`,
        );
      }
    } catch (err) {
      await lease.end().catch(() => undefined);
      throw fail(`connected, but could not take the run's lease: ${(err as Error).message}`, err);
    }
    // A server without fsync (a CI service container or a test server run for speed) copies databases
    // faster file by file; with fsync on, the checkpoints that strategy needs would cost more.
    return new UrlPostgres(url, version, major, major >= 15 && row.fsync === 'off', lease, leaseId);
  }

  /** With no argument: the maintenance URL exactly as given. */
  url(database?: string): string {
    return database === undefined ? this.maintenanceUrl : withDatabase(this.maintenanceUrl, database);
  }

  async createDatabase(options: { name?: string; template?: string } = {}): Promise<string> {
    if (this.stopped) throw new Error('This PostgreSQL handle is stopped.');
    const name = options.name ?? leasedName(this.leaseId);
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
    this.refuseUnlessCreated('drop', name);
    try {
      await dropDatabase(this.maintenanceUrl, name, this.major);
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.delete(name);
  }

  /** Renames a database this handle created; any other name is refused. */
  async renameDatabase(from: string, to: string): Promise<void> {
    this.refuseUnlessCreated('rename', from);
    try {
      await renameDatabase(this.maintenanceUrl, from, to);
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.delete(from);
    this.created.add(to);
  }

  private refuseUnlessCreated(action: 'drop' | 'rename', name: string): void {
    if (!this.created.has(name)) {
      throw new Error(
        `Refusing to ${action} database "${name}" on the server given by ${SETTING}: Schemabot did not create it.`,
      );
    }
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
    // What could not be dropped now goes with the next run on this server, once the lease is gone.
    await this.lease.end().catch(() => undefined);
    if (errors.length) {
      throw new AggregateError(
        errors,
        `Could not drop ${errors.length} throwaway database(s) on ${redactUrl(this.maintenanceUrl)}: ${[...this.created].join(', ')}`,
      );
    }
  }

  /**
   * Nothing to kill synchronously: the databases are dropped by `stop()` on a signal, and a process
   * that ends without it (SIGKILL) ends its lease with it, so the next run drops them.
   */
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
