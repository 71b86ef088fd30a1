import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { CREATE_USERS, migration } from '../helpers/repo.js';
import {
  buildCli,
  cli,
  expectNoPasswordLeak,
  metaRows,
  ProductionServer,
  project,
  removeCli,
  sequelizeCliStatus,
  sql,
  type Run,
} from './fixture.js';

let prod: ProductionServer;
let bundle: string;

beforeAll(async () => {
  [prod, bundle] = await Promise.all([ProductionServer.start(), buildCli()]);
});

afterAll(async () => {
  await prod?.stop();
  removeCli(bundle);
});

const USERS = '20260101000000-create-users.js';
const AUDIT = '20260102000000-audit-and-flag.js';
/** Two statements: a new table, then a change to the (busy) users table. */
const AUDIT_AND_FLAG = migration(
  `await queryInterface.createTable('audit', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });`,
);

/** A statement that sleeps only on the database named `db` (production), not in the rehearsal. */
function sleepOn(db: string, seconds: number): string {
  return `await queryInterface.sequelize.query(\`DO $$ BEGIN IF current_database() = '${db}' THEN PERFORM pg_sleep(${seconds}); END IF; END $$\`);`;
}

function upgrade(url: string, dir: string, ...extra: string[]): Promise<Run> {
  return cli(bundle, ['upgrade', '--database-url', url, '--cwd', dir, ...prod.rehearsalFlags, ...extra], {
    json: true,
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function tableExists(url: string, name: string): Promise<boolean> {
  const rows = await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name]);
  return rows[0]!.t !== null;
}

/** A session that holds a lock on `users` (a long report running in a transaction). */
async function holdUsersLock(url: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE users IN ACCESS SHARE MODE');
  return holder;
}

describe('lock_timeout and retries', () => {
  test('a table locked by another session: bounded waits, retries, clean failure, nothing half-applied', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    repo.write({ [`migrations/${AUDIT}`]: AUDIT_AND_FLAG });
    const holder = await holdUsersLock(db.adminUrl);
    // Production traffic: reads of users while the migration waits for its lock. They queue behind the
    // migration's ACCESS EXCLUSIVE request, so lock_timeout bounds how long they stall.
    let reading = true;
    let slowestRead = 0;
    const reader = new pg.Client({ connectionString: db.adminUrl });
    await reader.connect();
    const reads = (async () => {
      while (reading) {
        const t = performance.now();
        await reader.query('SELECT count(*) FROM users');
        slowestRead = Math.max(slowestRead, performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      const started = performance.now();
      const run = await upgrade(
        db.url,
        repo.dir,
        '--lock-timeout',
        '0.3',
        '--retries',
        '2',
        '--retry-delay',
        '0.2',
      );
      const took = performance.now() - started;
      expect(run.code).toBe(1);
      expect(run.report!.failed).toMatchObject({
        migration: AUDIT,
        rolledBack: true,
        error: { code: '55P03', message: expect.stringContaining('lock_timeout 0.3 s, 3 attempts') },
        step: { attempts: 3, transaction: true },
      });
      expect(run.stderr).toContain('retrying in 0.2 s (1/2)');
      expect(run.stderr).toContain('retrying in 0.4 s (2/2)');
      expect(took).toBeLessThan(15_000);
      expect(await tableExists(db.adminUrl, 'audit')).toBe(false);
      expect(await metaRows(db.adminUrl)).toEqual([USERS]);
      expect(run.report!.state).toMatchObject({ applied: [USERS], pending: [AUDIT] });
      expect(slowestRead).toBeLessThan(1500);
      console.log(
        `slowest read of the locked table while the migration waited: ${Math.round(slowestRead)} ms`,
      );
    } finally {
      reading = false;
      await reads;
      await reader.end();
      await holder.end();
    }
    repo.remove();
  });

  test('a lock released while it retries: the migration goes through on a later attempt', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    repo.write({ [`migrations/${AUDIT}`]: AUDIT_AND_FLAG });
    const holder = await holdUsersLock(db.adminUrl);
    const running = upgrade(
      db.url,
      repo.dir,
      '--lock-timeout',
      '0.3',
      '--retries',
      '5',
      '--retry-delay',
      '0.3',
    );
    // Release the lock once the migration has waited for it longer than its lock_timeout.
    await waitFor(async () => {
      const rows = await sql(
        db.adminUrl,
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return rows.length ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await holder.end();
    const run = await running;
    expect(run.code).toBe(0);
    const step = (run.report!.applied as { name: string; attempts: number }[]).find((s) => s.name === AUDIT)!;
    expect(step.attempts).toBeGreaterThanOrEqual(2);
    expect(await tableExists(db.adminUrl, 'audit')).toBe(true);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, AUDIT]);
    repo.remove();
  });
});

describe('connections lost mid-run', () => {
  test('the migration connection killed (pg_terminate_backend): clean error and the exact state', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    const FLAG = '20260102000000-add-flag.js';
    const SLOW = '20260103000000-slow.js';
    const LATER = '20260104000000-later.js';
    repo.write({
      [`migrations/${FLAG}`]: migration(
        `await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });`,
      ),
      [`migrations/${SLOW}`]: migration(
        `await queryInterface.createTable('t1', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    ${sleepOn(db.name, 30)}`,
      ),
      [`migrations/${LATER}`]: migration(
        `await queryInterface.createTable('t2', { id: Sequelize.INTEGER });`,
      ),
    });
    const running = upgrade(db.url, repo.dir);
    const pid = await waitFor(async () => {
      const rows = await sql<{ pid: number }>(
        db.adminUrl,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
      );
      return rows[0]?.pid;
    });
    await sql(db.adminUrl, 'SELECT pg_terminate_backend($1)', [pid]);
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.report!.failed).toMatchObject({ migration: SLOW, rolledBack: true, error: { code: '57P01' } });
    expect(run.report!.error).toMatch(
      /20260103000000-slow\.js failed: terminating connection due to administrator command/,
    );
    expect((run.report!.applied as { name: string }[]).map((s) => s.name)).toEqual([FLAG]);
    expect(run.report!.state).toMatchObject({
      applied: [USERS, FLAG],
      pending: [SLOW, LATER],
      current: FLAG,
    });
    expect(await tableExists(db.adminUrl, 't1')).toBe(false);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, FLAG]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, FLAG], down: [SLOW, LATER] });
    repo.remove();
  });

  test('the lock connection killed: the running migration finishes, no further one starts', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    const SLOW = '20260102000000-slow.js';
    const LATER = '20260103000000-later.js';
    repo.write({
      [`migrations/${SLOW}`]: migration(
        `await queryInterface.createTable('t1', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    ${sleepOn(db.name, 1.5)}`,
      ),
      [`migrations/${LATER}`]: migration(
        `await queryInterface.createTable('t2', { id: Sequelize.INTEGER });`,
      ),
    });
    const running = upgrade(db.url, repo.dir);
    const pid = await waitFor(async () => {
      const rows = await sql<{ pid: number }>(
        db.adminUrl,
        `SELECT l.pid FROM pg_stat_activity l WHERE l.datname = current_database() AND l.application_name = 'schemabot-lock'
           AND EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.datname = current_database() AND s.query LIKE '%pg_sleep(1.5)%' AND s.pid <> pg_backend_pid())`,
      );
      return rows[0]?.pid;
    });
    await sql(db.adminUrl, 'SELECT pg_terminate_backend($1)', [pid]);
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.report!.error).toMatch(
      /The migration lock was lost: .*Stopped before 20260103000000-later\.js/,
    );
    expect(run.report!.failed).toBeNull();
    expect(run.report!.state).toMatchObject({ applied: [USERS, SLOW], pending: [LATER] });
    expect(await metaRows(db.adminUrl)).toEqual([USERS, SLOW]);
    expect(await tableExists(db.adminUrl, 't2')).toBe(false);
    repo.remove();
  });
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
