import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** Quotes an identifier the way PostgreSQL's quote_ident does (always quoted: safe for any name). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A database name unique enough for parallel runs on one shared server. */
export function throwawayName(prefix = 'schemabot'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/**
 * Admin connections, one small pool per server URL: creating, copying and dropping throwaway databases
 * happens dozens of times in a long run, and a new connection (SCRAM authentication included) costs
 * about ten times the statement it runs. Idle connections close after a few seconds and never keep the
 * process alive.
 */
const pools = new Map<string, pg.Pool>();

function adminPool(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 3000, allowExitOnIdle: true });
    // A server stopped under an idle connection: the pool drops it; the next call connects anew.
    pool.on('error', () => undefined);
    pools.set(url, pool);
  }
  return pool;
}

/**
 * Runs `fn` on an admin connection to `url`: pooled per URL and released afterwards, or (`pooled:
 * false`, for a database the run does not own) one connection, closed afterwards.
 */
export async function withClient<T>(
  url: string,
  fn: (client: pg.ClientBase) => Promise<T>,
  options: { pooled?: boolean } = {},
): Promise<T> {
  if (options.pooled === false) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const client = await adminPool(url).connect();
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (error) {
    // A connection that failed mid-statement is not reused.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Closes the admin connections to `url` (its server is going away). */
export async function releaseAdmin(url: string): Promise<void> {
  const pool = pools.get(url);
  pools.delete(url);
  await pool?.end().catch(() => undefined);
}

export interface ServerInfo {
  version: string;
  major: number;
}

export async function serverInfo(url: string): Promise<ServerInfo> {
  return withClient(url, (c) => serverVersion(c));
}

/** `server_version` without the distributor suffix ("15.18"), and the major version, on a connection. */
export async function serverVersion(client: pg.ClientBase): Promise<ServerInfo> {
  const r = await client.query<{ v: string; n: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n",
  );
  const row = r.rows[0]!;
  return { version: row.v.split(' ')[0]!, major: Math.floor(Number(row.n) / 10000) };
}

/**
 * Creates `name`, empty or as a copy of `template`. `fileCopy`: the server is a throwaway one run
 * without fsync (PostgreSQL 15 and later), where copying the template's files is about twice as fast as
 * the default of writing every block through the WAL (whose gain, no checkpoint, is nil without fsync).
 */
export async function createDatabase(
  adminUrl: string,
  name: string,
  template?: string,
  options: { fileCopy?: boolean } = {},
): Promise<void> {
  await withClient(adminUrl, (c) =>
    c.query(
      `CREATE DATABASE ${quoteIdent(name)}` +
        (template ? ` TEMPLATE ${quoteIdent(template)}` : ' TEMPLATE template0') +
        (template && options.fileCopy ? ' STRATEGY FILE_COPY' : ''),
    ),
  );
}

/** Renames the database `from` to `to` (nobody may be connected to `from`). */
export async function renameDatabase(adminUrl: string, from: string, to: string): Promise<void> {
  await withClient(adminUrl, (c) =>
    c.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`),
  );
}

/**
 * Drops `name`, ending its sessions first (PostgreSQL 13 and later) unless `force` is false: then a
 * database someone is connected to stays, and the call fails.
 */
export async function dropDatabase(
  adminUrl: string,
  name: string,
  major: number,
  options: { force?: boolean } = {},
): Promise<void> {
  const force = (options.force ?? true) && major >= 13;
  await withClient(adminUrl, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}` + (force ? ' WITH (FORCE)' : '')),
  );
}

/**
 * Before a server's cluster is kept for the next run: every database dropped but `keep` and the
 * server's own three (`postgres`, `template0`, `template1`).
 */
export async function dropAllBut(adminUrl: string, keep: string, major: number): Promise<void> {
  const others = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1', $1)`,
      [keep],
    );
    return rows.map((r) => r.name);
  });
  for (const name of others) await dropDatabase(adminUrl, name, major);
}

/**
 * The superuser `postgres` left with no password: nobody logs in with one until a password is set
 * again. VACUUM FULL rewrites the table, so the row that held the old one is gone from its file, not
 * only out of sight (a plain VACUUM leaves its bytes in the page).
 */
export async function removeSuperuserPassword(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    await c.query('ALTER ROLE postgres PASSWORD NULL');
    await c.query('VACUUM FULL pg_catalog.pg_authid');
  });
}

/**
 * Polls until the server accepts a connection. Polling a real connection every few milliseconds is
 * much faster than `pg_ctl -w` (which sleeps in 100 ms steps) and proves the server is usable.
 */
export async function waitForConnection(
  url: string,
  options: {
    timeoutMs: number;
    stillStarting?: () => string | undefined;
    /** An error that means the server is up all the same (a refused password, say). */
    answered?: (error: Error & { code?: string }) => boolean;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 50)) {
    const reason = options.stillStarting?.();
    if (reason) throw new Error(reason);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      if (options.answered?.(err as Error)) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs} ms`, {
        cause: last,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Ends the sessions of one database (all of them, so it can be copied or dropped) or of one
 * application (`application_name` and its `-suffix`ed helpers), on the server at `url`, and waits
 * until they are gone. Never throws: a server that is gone or refuses has no session left to end.
 */
export async function terminateSessions(
  url: string,
  target: { database: string } | { applicationName: string },
  options: { pooled?: boolean } = {},
): Promise<void> {
  const byDatabase = 'database' in target;
  const where = byDatabase ? 'datname = $1' : "(application_name = $1 OR application_name LIKE $1 || '-%')";
  const value = byDatabase ? target.database : target.applicationName;
  try {
    await withClient(
      url,
      async (c) => {
        await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`,
          [value],
        );
        // Terminated backends leave a moment later.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`,
            [value],
          );
          if (!rows[0]?.n) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      options,
    );
  } catch {
    // nothing left to end
  }
}
