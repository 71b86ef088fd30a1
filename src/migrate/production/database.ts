import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { UsageError } from '../../shared/errors.js';
import { redact } from '../redact.js';
import { parsePostgresUrl, PostgresUnavailableError, redactText, redactUrl } from '../../postgres/index.js';
import { passwordOf } from '../../postgres/redact.js';

/** Checks that `url` is a PostgreSQL connection URL and remembers its password for redaction. */
export function checkDatabaseUrl(url: string | undefined): string {
  if (!url) {
    throw new UsageError(
      '--database-url is required: postgres://USER:PASSWORD@HOST:PORT/DATABASE of the database to work on.',
    );
  }
  parsePostgresUrl(url, '--database-url');
  return url;
}

/**
 * The URL with a CA certificate file for TLS: `sslrootcert=FILE`, and `sslmode=verify-full` unless the
 * URL chose a mode. Every connection (pg and the migrations' Sequelize) then verifies the server.
 */
export function withCaFile(url: string, caFile: string | undefined): string {
  if (!caFile) return url;
  if (!existsSync(caFile)) {
    throw new UsageError(
      `--database-ca ${caFile} does not exist: give the PEM file of the CA that signed the server's certificate.`,
    );
  }
  const parsed = new URL(url);
  parsed.searchParams.set('sslrootcert', caFile);
  if (!parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}

/** Writes a CA certificate given as text (an action input from a secret) to a private file. */
export function writeCaFile(pem: string, dir: string): string {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(
      'database-ca must be the PEM text of the CA certificate (-----BEGIN CERTIFICATE----- ...).',
    );
  }
  const file = join(mkdtempSync(join(dir, 'schemabot-ca-')), 'ca.pem');
  writeFileSync(file, pem.trim() + '\n', { mode: 0o600 });
  return file;
}

/** Any text with the URL's password, and any `user:password@` part, masked. */
export function safeText(text: string, url: string): string {
  return redact(redactText(text, [passwordOf(url)]));
}

/** Bounds on every wait of a production session. */
export interface SessionBounds {
  /** `lock_timeout` (ms; default 5 s, 0: none). */
  lockTimeoutMs?: number;
  /** `statement_timeout` (ms; default 60 s for Schemabot's own reads). */
  statementTimeoutMs?: number;
}

export const READ_BOUNDS = { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 } as const;

/**
 * Opens a plain connection to the production database; failures are environment errors naming the
 * flag. Every such session has `lock_timeout` and `statement_timeout` (reads included: a catalog
 * read behind a locked table gives up instead of waiting forever), `idle_session_timeout = 0` (a
 * role-level value must not end it while migrations run) and TCP keepalives.
 */
export async function connect(
  url: string,
  applicationName: string,
  bounds: SessionBounds = {},
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 15_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A terminated idle connection emits 'error': it must not crash the process (queries then fail).
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(
      "SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)",
      [
        `${bounds.lockTimeoutMs ?? READ_BOUNDS.lockTimeoutMs}ms`,
        `${bounds.statementTimeoutMs ?? READ_BOUNDS.statementTimeoutMs}ms`,
      ],
    );
    // PostgreSQL 14+ only: on older servers the setting does not exist (and ends no session).
    await client.query(
      "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout'",
    );
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new PostgresUnavailableError(
      `Cannot connect to the database given by --database-url (${redactUrl(url)}): ` +
        `${safeText((error as Error).message ?? String(error), url)}. ` +
        'Check the URL, that the server is running and reachable from here, and the credentials.',
    );
  }
  return client;
}

/**
 * The `idle_session_timeout` the server gives this role's sessions (role, database or server
 * setting), when it is not 0: it ends idle connections, such as a lock's or a pool's, mid-run.
 */
export async function idleSessionTimeout(client: pg.ClientBase): Promise<string | null> {
  try {
    const r = await client.query<{ reset_val: string; unit: string | null; source: string }>(
      "SELECT reset_val, unit, source FROM pg_settings WHERE name = 'idle_session_timeout'",
    );
    const row = r.rows[0];
    if (!row || row.reset_val === '0') return null;
    const unit = row.unit ?? '';
    return `idle_session_timeout = ${row.reset_val}${unit}`;
  } catch {
    return null;
  }
}

/**
 * The URL the migration runner connects with on production: its sessions get the same bounds
 * through the standard `options` parameter (`lock_timeout`, `statement_timeout` when given,
 * `idle_session_timeout = 0` on PostgreSQL 14+).
 */
export function boundedUrl(url: string, bounds: SessionBounds, major: number): string {
  const settings: string[] = [];
  if (bounds.lockTimeoutMs !== undefined) settings.push(`-c lock_timeout=${bounds.lockTimeoutMs}`);
  if (bounds.statementTimeoutMs !== undefined)
    settings.push(`-c statement_timeout=${bounds.statementTimeoutMs}`);
  if (major >= 14) settings.push('-c idle_session_timeout=0');
  if (!settings.length) return url;
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', [existing, ...settings].filter(Boolean).join(' '));
  return parsed.toString();
}

/** `server_version` without the distributor suffix, and the major version (one query for all stages). */
export { serverVersion } from '../../postgres/index.js';
