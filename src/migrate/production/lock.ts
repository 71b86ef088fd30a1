import { createHash } from 'node:crypto';
import type pg from 'pg';
import { metaTableSql } from '../meta.js';
import type { Project } from '../project.js';
import { connect } from './database.js';
import type { LockReport } from '../../report/contract/production.js';

/** Another job holds the migration lock of this database (the run stops with exit code 1). */
export class LockBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockBusyError';
  }
}

/** The lock connection died or the lock is no longer held: no further migration may run. */
export class LockLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockLostError';
  }
}

/** The advisory lock key of a meta table: the same for every Schemabot job on the same database. */
export function lockKey(project: Project): bigint {
  const digest = createHash('sha256')
    .update(`schemabot:migrations:${metaTableSql(project.meta)}`)
    .digest();
  return digest.readBigInt64BE(0);
}

const POLL_MS = 250;

/**
 * A session advisory lock on the production database, held by a connection of its own for the whole
 * run, so two upgrade (or rollback, stamp) jobs never run migrations at the same time.
 */
export class MigrationLock {
  private lost: string | null = null;

  private constructor(
    private readonly client: pg.Client,
    readonly key: bigint,
    readonly waitedMs: number,
  ) {
    client.on('error', (error) => (this.lost = error.message));
    client.on('end', () => (this.lost ??= 'the connection ended'));
  }

  /** Polls `pg_try_advisory_lock` until it is granted or `waitMs` has passed (then `LockBusyError`). */
  static async acquire(
    url: string,
    project: Project,
    options: { waitMs: number; log?: (line: string) => void },
  ): Promise<MigrationLock> {
    const key = lockKey(project);
    const client = await connect(url, 'schemabot-lock');
    const started = performance.now();
    let told = false;
    try {
      for (;;) {
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
          key.toString(),
        ]);
        if (r.rows[0]?.ok) return new MigrationLock(client, key, Math.round(performance.now() - started));
        const holder = await describeHolder(client, key);
        if (performance.now() - started >= options.waitMs) {
          throw new LockBusyError(
            `Another Schemabot job holds the migration lock of this database${holder}; waited ` +
              `${Math.round(options.waitMs / 100) / 10} s (--lock-wait). Nothing was changed. Let that job ` +
              'finish (or stop it), then run again.',
          );
        }
        if (!told) {
          options.log?.(`Waiting for the migration lock: another job holds it${holder}`);
          told = true;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  report(): LockReport {
    return { key: this.key.toString(), waitedMs: this.waitedMs };
  }

  /** Throws `LockLostError` unless the lock connection is alive and still holds the lock. */
  async assertHeld(): Promise<void> {
    if (this.lost) throw new LockLostError(`The migration lock was lost: ${this.lost}.`);
    try {
      const r = await this.client.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
           AND granted AND classid = $1 AND objid = $2 AND objsubid = 1) AS held`,
        splitKey(this.key),
      );
      if (!r.rows[0]?.held) throw new Error('the lock is not held by this session any more');
    } catch (error) {
      this.lost ??= (error as Error).message;
      throw new LockLostError(`The migration lock was lost: ${this.lost}.`);
    }
  }

  async release(): Promise<void> {
    if (!this.lost) {
      await this.client
        .query('SELECT pg_advisory_unlock($1::bigint)', [this.key.toString()])
        .catch(() => undefined);
    }
    await this.client.end().catch(() => undefined);
  }
}

/** pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits). */
function splitKey(key: bigint): [string, string] {
  const unsigned = BigInt.asUintN(64, key);
  return [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()];
}

async function describeHolder(client: pg.Client, key: bigint): Promise<string> {
  try {
    const r = await client.query<{ pid: number; app: string | null; since: Date | null }>(
      `SELECT l.pid, a.application_name AS app, a.backend_start AS since
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      splitKey(key),
    );
    const row = r.rows[0];
    if (!row) return '';
    const app = row.app ? `, application "${row.app}"` : '';
    const since = row.since ? `, connected since ${row.since.toISOString()}` : '';
    return ` (backend pid ${row.pid}${app}${since})`;
  } catch {
    return '';
  }
}

/**
 * Takes the migration lock for a mode. Another job holding it is not an error but the run's
 * answer: `busy` carries the message that says who holds it and that nothing was changed.
 */
export async function takeLock(
  url: string,
  project: Project,
  options: { waitMs: number; log?: (line: string) => void },
): Promise<{ lock: MigrationLock; busy?: undefined } | { lock?: undefined; busy: string }> {
  try {
    return { lock: await MigrationLock.acquire(url, project, options) };
  } catch (error) {
    if (error instanceof LockBusyError) return { busy: error.message };
    throw error;
  }
}
