import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CREATE_USERS, migration } from '../helpers/repo.js';
import {
  buildCli,
  cli,
  expectNoPasswordLeak,
  metaRows,
  outputs,
  ProductionServer,
  project,
  removeCli,
  sql,
  type Run,
} from './fixture.js';

/**
 * The production modes tried as an adversarial user would: each case failed before the data-loss
 * guard, the bounded waits, the cancel and the lock keeping, and holds now, checked on the database.
 */

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
const VOTES = '20260101000001-create-votes.js';

function run(mode: string, url: string, dir: string, ...extra: string[]): Promise<Run> {
  return cli(bundle, [mode, '--database-url', url, '--cwd', dir, ...prod.rehearsalFlags, ...extra], {
    json: true,
  });
}

/** Runs only on the database named `db` (production), not in the rehearsal. */
function onlyOn(db: string, sqlText: string): string {
  return `await queryInterface.sequelize.query(\`DO $$ BEGIN IF current_database() = '${db}' THEN ${sqlText}; END IF; END $$\`);`;
}

async function advisoryLocks(url: string): Promise<number> {
  const rows = await sql<{ n: string }>(
    url,
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return Number(rows[0]!.n);
}

async function count(url: string, table: string, where = ''): Promise<number> {
  const rows = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM ${table} ${where}`);
  return Number(rows[0]!.n);
}

async function columnExists(url: string, table: string, column: string): Promise<boolean> {
  const rows = await sql(
    url,
    'SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2',
    [table, column],
  );
  return rows.length > 0;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('1, 9: data loss is judged from the statements, not the schema diff', () => {
  test('a down that drops a column and adds another (a "rename") is refused, the dry run says so, allow-data-loss runs it', async () => {
    const RENAME = '20260102000000-rename-phone.js';
    const repo = project({
      [USERS]: migration(
        `await queryInterface.createTable('users', {
          id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
          phone: { type: Sequelize.STRING },
        });`,
        `await queryInterface.dropTable('users');`,
      ),
      [RENAME]: migration(
        `await queryInterface.renameColumn('users', 'phone', 'phone_number');`,
        `await queryInterface.removeColumn('users', 'phone_number');
    await queryInterface.addColumn('users', 'phone', { type: Sequelize.STRING });`,
      ),
    });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(db.adminUrl, "INSERT INTO users (phone_number) VALUES ('+1 555 0100'), ('+1 555 0101')");

    const dry = await run('rollback', db.url, repo.dir, '--steps', '1', '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.report!.error).toMatch(/^Dry run: the real run would be refused: the downs destroy data/);
    expect(dry.report!.error).toContain('drops column public.users.phone_number');
    expect(dry.report!.error).toContain('2 non-null values');
    expect(dry.report!.error).toContain('--allow-data-loss');

    const refused = await run('rollback', db.url, repo.dir, '--steps', '1');
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toMatch(/^Refusing to roll back: the downs destroy data in production/);
    expect(refused.report!.dataLoss).toEqual([
      expect.objectContaining({
        kind: 'column',
        name: 'public.users.phone_number',
        rows: 2,
        migration: RENAME,
      }),
    ]);
    expect(await count(db.adminUrl, 'users', 'WHERE phone_number IS NOT NULL')).toBe(2);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, RENAME]);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);

    const allowed = await run('rollback', db.url, repo.dir, '--steps', '1', '--allow-data-loss');
    expect(allowed.code).toBe(0);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await count(db.adminUrl, 'users', 'WHERE phone IS NOT NULL')).toBe(0);
  }, 120_000);

  test('a down that drops and re-creates a table with the same shape is a drop: its 6 rows are counted and kept', async () => {
    const INDEX = '20260102000000-index-votes.js';
    const repo = project({
      [VOTES]: migration(
        `await queryInterface.createTable('votes', {
          id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
          score: { type: Sequelize.INTEGER },
        });`,
        `await queryInterface.dropTable('votes');`,
      ),
      [INDEX]: migration(
        `await queryInterface.addIndex('votes', ['score']);`,
        `await queryInterface.dropTable('votes');
    await queryInterface.createTable('votes', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      score: { type: Sequelize.INTEGER },
    });`,
      ),
    });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(db.adminUrl, 'INSERT INTO votes (score) SELECT g FROM generate_series(1, 6) g');
    const refused = await run('rollback', db.url, repo.dir, '--to', VOTES);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toContain('drops table votes');
    expect(refused.report!.error).toContain('6 rows');
    expect(await count(db.adminUrl, 'votes')).toBe(6);
    expect(await metaRows(db.adminUrl)).toEqual([VOTES, INDEX]);
  }, 120_000);

  test('upgrade: a DELETE without WHERE and a narrowing type change on tables with rows are refused', async () => {
    const NARROW = '20260102000000-narrow-email.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(
      db.adminUrl,
      "INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com')",
    );
    repo.write({
      [`migrations/${NARROW}`]: migration(
        `await queryInterface.changeColumn('users', 'email', { type: Sequelize.STRING(20), allowNull: false });
    await queryInterface.sequelize.query('DELETE FROM users');`,
      ),
    });
    const refused = await run('upgrade', db.url, repo.dir);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toContain('changes the type of users.email to varchar(20)');
    expect(refused.report!.error).toContain('deletes every row of users (DELETE without WHERE)');
    expect(refused.report!.error).toContain('3 rows');
    expect(await count(db.adminUrl, 'users')).toBe(3);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
  }, 120_000);
});

describe('2: never build on a schema that was not verified', () => {
  test('a database with tables but no meta table is refused, naming the migration to stamp', async () => {
    const POSTS = '20260102000000-create-posts.js';
    const LATER = '20260103000000-create-tags.js';
    const repo = project({
      [USERS]: CREATE_USERS,
      [POSTS]: migration(
        `await queryInterface.sequelize.query('CREATE TABLE IF NOT EXISTS posts (id serial PRIMARY KEY, title text)');`,
        `await queryInterface.dropTable('posts');`,
      ),
    });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(db.adminUrl, 'DROP TABLE "SequelizeMeta"');
    repo.write({
      [`migrations/${LATER}`]: migration(
        `await queryInterface.sequelize.query('CREATE TABLE IF NOT EXISTS tags (id serial PRIMARY KEY)');`,
      ),
    });
    const status = await run('status', db.url, repo.dir);
    expect(status.code).toBe(1);
    expect(status.report!.error).toContain('this database was not migrated by these migrations');

    const refused = await run('upgrade', db.url, repo.dir);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toContain(
      `this database was not migrated by these migrations: it has 2 table(s) but no migration is recorded`,
    );
    expect(refused.report!.error).toContain(`Adopt it with \`stamp --to ${POSTS}\``);
    expect((await sql(db.adminUrl, `SELECT to_regclass('"SequelizeMeta"')::text AS t`))[0]!.t).toBeNull();
    expect((await sql(db.adminUrl, `SELECT to_regclass('tags')::text AS t`))[0]!.t).toBeNull();
  }, 120_000);

  test('drift fails an upgrade by default and names each difference; --drift warn goes on', async () => {
    const FLAG = '20260102000000-add-flag.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(db.adminUrl, 'ALTER TABLE users ADD COLUMN nickname text');
    repo.write({
      [`migrations/${FLAG}`]: migration(
        `await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });`,
      ),
    });
    const refused = await run('upgrade', db.url, repo.dir);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toMatch(/^Refusing to upgrade: The live schema differs/);
    expect(refused.report!.error).toContain('column public.users.nickname added');
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await columnExists(db.adminUrl, 'users', 'flag')).toBe(false);
    const warned = await run('upgrade', db.url, repo.dir, '--drift', 'warn');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('drift: column public.users.nickname added');
    expect(await metaRows(db.adminUrl)).toEqual([USERS, FLAG]);
  }, 120_000);
});

describe('3: bounded waits, with the blocker named', () => {
  test('upgrade and status behind a lock give up within their timeouts, naming the pid and query that blocks them', async () => {
    const FLAG = '20260102000000-add-flag.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({
      [`migrations/${FLAG}`]: migration(
        `await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });`,
      ),
    });
    // Another session of the application's role (its query is visible to the same role).
    const holder = new pg.Client({ connectionString: db.url, application_name: 'report-job' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE users, "SequelizeMeta" IN ACCESS EXCLUSIVE MODE');
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const started = Date.now();
      const upgrade = await run(
        'upgrade',
        db.url,
        repo.dir,
        '--lock-timeout',
        '1',
        '--retries',
        '1',
        '--retry-delay',
        '0.2',
      );
      const upgradeMs = Date.now() - started;
      expect(upgrade.code).toBe(1);
      expect(upgrade.report!.error).toContain('waited longer than lock_timeout (1 s)');
      expect(upgrade.report!.error).toContain(`pid ${holderPid}`);
      expect(upgrade.report!.error).toContain('application "report-job", idle in transaction');
      expect(upgradeMs).toBeLessThan(20_000);
      const statusStarted = Date.now();
      // status's reads have their own bounds, and the flags its message names are its own.
      const status = await run('status', db.url, repo.dir, '--lock-timeout', '3', '--retries', '0');
      const statusMs = Date.now() - statusStarted;
      expect(status.code).toBe(1);
      expect(status.report!.error).toContain(`pid ${holderPid}`);
      expect(status.report!.error).toContain('waited longer than lock_timeout (3 s), 1 attempt(s)');
      expect(status.report!.error).toContain('raise --lock-timeout / --retries');
      // Never silent: progress lines while it waits, naming the blocker.
      expect(status.stderr).toMatch(
        new RegExp(
          `waiting \\d+ s for a lock: ".*SequelizeMeta.*" \\(pid \\d+\\) is blocked by pid ${holderPid} \\(application "report-job"`,
        ),
      );
      expect(statusMs).toBeLessThan(20_000);
      outputs.push(`measured: upgrade ${upgradeMs} ms, status ${statusMs} ms behind the lock`);
      process.stdout.write(`measured: upgrade ${upgradeMs} ms, status ${statusMs} ms behind the lock\n`);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);
  }, 120_000);
});

describe('4: a cancelled job cancels what it started', () => {
  test('SIGTERM during a migration: its statement is cancelled and rolled back, the lock released, the report written, exit 143', async () => {
    const SLOW = '20260102000000-slow.js';
    const repo = project({
      [USERS]: CREATE_USERS,
    });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({
      [`migrations/${SLOW}`]: migration(
        `await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });
    ${onlyOn(db.name, 'PERFORM pg_sleep(30)')}`,
      ),
    });
    const dir = mkdtempSync(join(tmpdir(), 'schemabot-cancel-'));
    const jsonFile = join(dir, 'report.json');
    const child = spawn(
      process.execPath,
      [
        bundle,
        'upgrade',
        '--database-url',
        db.url,
        '--cwd',
        repo.dir,
        ...prod.rehearsalFlags,
        '--json',
        jsonFile,
      ],
      { env: { ...process.env, NODE_ENV: '', NO_COLOR: '1' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor(async () => {
      const rows = await sql(
        db.adminUrl,
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()",
      );
      return rows.length ? true : undefined;
    });
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const exitMs = Date.now() - signalled;
    outputs.push(stderr);
    expect(code).toBe(143);
    const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
      ok: boolean;
      cancelled: { signal: string; rolledBack: boolean; cancelledBackends: number[]; message: string };
    };
    outputs.push(JSON.stringify(report));
    expect(report.ok).toBe(false);
    expect(report.cancelled).toMatchObject({ signal: 'SIGTERM', rolledBack: true });
    expect(report.cancelled.cancelledBackends.length).toBeGreaterThan(0);
    expect(report.cancelled.message).toContain('No migration was applied');
    // The application is not held up: the cancelled ALTER rolled back and released its lock.
    const appStarted = Date.now();
    expect(await count(db.adminUrl, 'users')).toBe(0);
    const appMs = Date.now() - appStarted;
    expect(appMs).toBeLessThan(1_000);
    expect(await columnExists(db.adminUrl, 'users', 'flag')).toBe(false);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);
    const left = await sql(
      db.adminUrl,
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'schemabot%'",
    );
    expect(left).toEqual([]);
    process.stdout.write(`measured: exit ${exitMs} ms after SIGTERM, application count ${appMs} ms\n`);
  }, 120_000);
});

describe('5: the lock is kept', () => {
  test('a role-level idle_session_timeout ends none of the run’s sessions; it is named', async () => {
    const A = '20260102000000-slow-a.js';
    const B = '20260103000000-slow-b.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    await sql(
      db.adminUrl,
      `ALTER ROLE schemabot_app IN DATABASE "${db.name}" SET idle_session_timeout = '1s'`,
    );
    repo.write({
      [`migrations/${A}`]: migration(`${onlyOn(db.name, 'PERFORM pg_sleep(2.5)')}
    await queryInterface.addColumn('users', 'a', { type: Sequelize.BOOLEAN });`),
      [`migrations/${B}`]: migration(`${onlyOn(db.name, 'PERFORM pg_sleep(2.5)')}
    await queryInterface.addColumn('users', 'b', { type: Sequelize.BOOLEAN });`),
    });
    const r = await run('upgrade', db.url, repo.dir);
    expect(r.stderr).toContain('idle_session_timeout = 1000ms');
    expect(r.code).toBe(0);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, A, B]);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);
  }, 120_000);

  test('the lock connection terminated during a migration: the run stops before the next one and says what is applied', async () => {
    const A = '20260102000000-slow-a.js';
    const B = '20260103000000-b.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({
      [`migrations/${A}`]: migration(`${onlyOn(db.name, 'PERFORM pg_sleep(3)')}
    await queryInterface.addColumn('users', 'a', { type: Sequelize.BOOLEAN });`),
      [`migrations/${B}`]: migration(
        `await queryInterface.addColumn('users', 'b', { type: Sequelize.BOOLEAN });`,
      ),
    });
    const running = run('upgrade', db.url, repo.dir);
    await waitFor(async () => {
      const rows = await sql(
        db.adminUrl,
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(3)%' AND state = 'active' AND pid <> pg_backend_pid()",
      );
      return rows.length ? true : undefined;
    });
    await sql(
      db.adminUrl,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'schemabot-lock'",
    );
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.report!.error).toContain('The migration lock was lost');
    expect(r.report!.error).toContain(`${A} is applied and recorded`);
    expect(r.report!.error).toContain(`Stopped before ${B}`);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, A]);
    expect(await columnExists(db.adminUrl, 'users', 'b')).toBe(false);
  }, 120_000);
});

describe('6, 7, 11: the rehearsal catches what would hang or fail in production', () => {
  test('a migration whose second connection waits on its first is reported by name; production is never reached', async () => {
    const SELF = '20260102000000-self-wait.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({
      [`migrations/${SELF}`]: migration(
        `await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });
    const c = queryInterface.sequelize.config;
    const other = new Sequelize(c.database, c.username, c.password, { host: c.host, port: c.port, dialect: 'postgres', logging: false });
    try {
      await other.query("INSERT INTO users (email) VALUES ('x@example.com')");
    } finally {
      await other.close();
    }`,
      ),
    });
    const started = Date.now();
    const r = await run('upgrade', db.url, repo.dir);
    expect(r.code).toBe(1);
    expect(r.report!.error).toContain(`${SELF} (up) waits on itself`);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await columnExists(db.adminUrl, 'users', 'flag')).toBe(false);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);
  }, 120_000);

  test('--migration-timeout stops a never-settling up in the rehearsal; the lock is released', async () => {
    const HANG = '20260102000000-hang.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({ [`migrations/${HANG}`]: migration('await new Promise(() => undefined);') });
    const started = Date.now();
    const r = await run('upgrade', db.url, repo.dir, '--migration-timeout', '2');
    expect(r.code).toBe(1);
    expect(r.report!.error).toContain('The rehearsal failed, production was not touched');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    expect(await advisoryLocks(db.adminUrl)).toBe(0);
  }, 120_000);

  test("PostgreSQL's HINT is shown with the error (max_locks_per_transaction)", async () => {
    const MANY = '20260102000000-many-tables.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    repo.write({
      [`migrations/${MANY}`]: migration(
        `await queryInterface.sequelize.query(\`DO $$ BEGIN RAISE EXCEPTION 'out of shared memory' USING ERRCODE = '53200', HINT = 'You might need to increase max_locks_per_transaction.'; END $$\`);`,
      ),
    });
    const r = await run('upgrade', db.url, repo.dir);
    expect(r.code).toBe(1);
    expect(r.report!.error).toContain('out of shared memory');
    expect(r.report!.error).toContain('HINT: You might need to increase max_locks_per_transaction.');
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
  }, 120_000);
});

describe("12: the rehearsal runs with the production user's privileges", () => {
  test('a role without CREATE on the schema fails in the rehearsal, not in production', async () => {
    const TAGS = '20260102000000-create-tags.js';
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await run('upgrade', db.url, repo.dir)).code).toBe(0);
    // The DBA keeps the schema: the application's role owns its tables but may not create new ones.
    await sql(
      db.adminUrl,
      'ALTER SCHEMA public OWNER TO CURRENT_USER; REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    );
    repo.write({
      [`migrations/${TAGS}`]: migration(
        `await queryInterface.createTable('tags', { id: { type: Sequelize.INTEGER, primaryKey: true } });`,
      ),
    });
    const r = await run('upgrade', db.url, repo.dir);
    expect(r.code).toBe(1);
    expect(r.report!.error).toContain('The rehearsal failed, production was not touched');
    expect(r.report!.error).toContain('permission denied for schema public');
    expect(r.report!.failed).toBeNull();
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    // Still allowed: what the role may do (it owns users) passes the rehearsal and production.
    repo.remove();
    const FLAG = '20260102000000-add-flag.js';
    const allowed = project({
      [USERS]: CREATE_USERS,
      [FLAG]: migration(`await queryInterface.addColumn('users', 'flag', { type: Sequelize.BOOLEAN });`),
    });
    const ok = await run('upgrade', db.url, allowed.dir);
    expect(ok.code).toBe(0);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, FLAG]);
    const roles = await sql(
      db.adminUrl,
      "SELECT rolname FROM pg_roles WHERE rolname LIKE 'schemabot_rehearsal_%'",
    );
    expect(roles).toEqual([]);
  }, 120_000);
});

test('no output contains the production password', () => {
  expectNoPasswordLeak();
});
