import pg from 'pg';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresServer } from '../../src/postgres/index.js';
import {
  discoverMigrations,
  loadProject,
  MigrationError,
  MigrationRunner,
  throwIfFailed,
  type StepResult,
} from '../../src/migrate/index.js';
import { releaseProject, warmSpareWorker } from '../../src/migrate/project.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { cjsMigration, fixtureProject, type FixtureProject } from './fixture.js';

let server: PostgresServer;
const projects: FixtureProject[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  for (const p of projects) p.remove();
  await server?.stop();
});

function project(files: Record<string, string>): FixtureProject {
  const p = fixtureProject(files);
  projects.push(p);
  return p;
}

async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function columns(url: string, table: string): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    url,
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/** Opens a runner on a fresh database for the fixture project. */
async function open(
  p: FixtureProject,
  timeoutMs?: number,
): Promise<{ runner: MigrationRunner; url: string }> {
  const url = server.url(await server.createDatabase());
  const loaded = await loadProject({ cwd: p.dir });
  return { runner: await MigrationRunner.open(url, loaded, { timeoutMs }), url };
}

function expectOk(result: StepResult): void {
  expect(result.error).toBeNull();
  expect(result.ok).toBe(true);
}

test('runs CommonJS, ES module, async and promise-returning migrations in file order, then reverts them', async () => {
  const p = project({
    'migrations/20260101000000-create-users.js': cjsMigration(
      `await queryInterface.createTable('users', { id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true } });`,
      `await queryInterface.dropTable('users');`,
    ),
    'migrations/20260102000000-add-email.cjs': [
      'module.exports = {',
      "  up: (queryInterface, Sequelize) => queryInterface.addColumn('users', 'email', { type: Sequelize.STRING }),",
      "  down: (queryInterface) => queryInterface.removeColumn('users', 'email'),",
      '};',
    ].join('\n'),
    'migrations/20260103000000-posts.mjs': [
      'export default {',
      "  async up(queryInterface, Sequelize) { await queryInterface.createTable('posts', { id: Sequelize.INTEGER }); },",
      "  async down(queryInterface) { await queryInterface.dropTable('posts'); },",
      '};',
    ].join('\n'),
    'migrations/20260104000000-named.mjs': [
      "export async function up(queryInterface) { await queryInterface.sequelize.query('CREATE TABLE tags (id int)'); }",
      "export async function down(queryInterface) { await queryInterface.sequelize.query('DROP TABLE tags'); }",
    ].join('\n'),
    'migrations/types.d.ts': 'export {};\n',
    'migrations/README.md': 'not a migration\n',
  });
  const { runner, url } = await open(p);
  await using _r = runner;
  const loaded = await loadProject({ cwd: p.dir });
  await releaseProject(loaded); // only its migrations folder is needed
  const migrations = discoverMigrations(loaded.migrationsDir);
  expect(migrations.map((m) => m.name)).toEqual([
    '20260101000000-create-users.js',
    '20260102000000-add-email.cjs',
    '20260103000000-posts.mjs',
    '20260104000000-named.mjs',
  ]);
  expect(await runner.applied()).toEqual([]);
  for (const m of migrations) expectOk(await runner.up(m));
  expect(await runner.applied()).toEqual(migrations.map((m) => m.name));
  expect(await columns(url, 'users')).toEqual(['id', 'email']);
  expect(await columns(url, 'posts')).toEqual(['id']);
  expect(await columns(url, 'tags')).toEqual(['id']);
  const rows = await query<{ name: string }>(url, 'SELECT name FROM "SequelizeMeta" ORDER BY name');
  expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));

  for (const m of [...migrations].reverse()) expectOk(await runner.down(m));
  expect(await runner.applied()).toEqual([]);
  expect(await columns(url, 'users')).toEqual([]);
  expect(await columns(url, 'tags')).toEqual([]);
});

test('captures every statement in order with its duration, but not the meta-table bookkeeping', async () => {
  const p = project({
    'migrations/20260101000000-statements.js': cjsMigration(
      [
        "await queryInterface.sequelize.query('CREATE TABLE items (id int PRIMARY KEY, label text)');",
        "await queryInterface.sequelize.query('INSERT INTO items VALUES (?, ?)', { replacements: [1, 'one'] });",
        "await queryInterface.addIndex('items', ['label'], { name: 'items_label' });",
        "await queryInterface.sequelize.query('SELECT pg_sleep(0.05)', { logging: false });",
      ].join('\n'),
    ),
  });
  const { runner } = await open(p);
  await using _r = runner;
  const [m] = discoverMigrations(runner.project.migrationsDir);
  const result = await runner.up(m!);
  expectOk(result);
  expect(result.statements.map((s) => s.sql)).toEqual([
    'CREATE TABLE items (id int PRIMARY KEY, label text)',
    "INSERT INTO items VALUES (1, 'one')",
    'CREATE INDEX "items_label" ON "items" ("label")',
    'SELECT pg_sleep(0.05)',
  ]);
  for (const s of result.statements) {
    expect(typeof s.ms).toBe('number');
    expect(s.ms).toBeGreaterThanOrEqual(0);
  }
  expect(result.statements[3]!.ms).toBeGreaterThanOrEqual(45);
  expect(result.ms).toBeGreaterThanOrEqual(result.statements[3]!.ms);
  expect(JSON.stringify(result.statements)).not.toContain('SequelizeMeta');
  expect(await runner.applied()).toEqual([m!.name]);
});

test('supports transactions the migration opens itself, managed and unmanaged', async () => {
  const p = project({
    'migrations/20260101000000-managed.js': cjsMigration(
      [
        'await queryInterface.sequelize.transaction(async (transaction) => {',
        "  await queryInterface.createTable('accounts', { id: Sequelize.INTEGER }, { transaction });",
        "  await queryInterface.addColumn('accounts', 'owner', Sequelize.TEXT, { transaction });",
        '});',
      ].join('\n'),
    ),
    'migrations/20260102000000-unmanaged.js': cjsMigration(
      [
        'const transaction = await queryInterface.sequelize.transaction();',
        'try {',
        "  await queryInterface.addColumn('accounts', 'balance', Sequelize.INTEGER, { transaction });",
        '  await transaction.commit();',
        '} catch (error) {',
        '  await transaction.rollback();',
        '  throw error;',
        '}',
      ].join('\n'),
    ),
    'migrations/20260103000000-rolled-back.js': cjsMigration(
      [
        'await queryInterface.sequelize.transaction(async (transaction) => {',
        "  await queryInterface.addColumn('accounts', 'note', Sequelize.TEXT, { transaction });",
        "  await queryInterface.addColumn('accounts', 'owner', Sequelize.TEXT, { transaction });",
        '});',
      ].join('\n'),
    ),
  });
  const { runner, url } = await open(p);
  await using _r = runner;
  const [managed, unmanaged, rolledBack] = discoverMigrations(runner.project.migrationsDir);
  const first = await runner.up(managed!);
  expectOk(first);
  expect(first.statements[0]!.sql).toMatch(/^START TRANSACTION/);
  expect(first.statements.at(-1)!.sql).toBe('COMMIT;');
  expectOk(await runner.up(unmanaged!));
  expect(await columns(url, 'accounts')).toEqual(['id', 'owner', 'balance']);

  const failed = await runner.up(rolledBack!);
  expect(failed.ok).toBe(false);
  expect(failed.error).toMatchObject({
    code: '42701',
    line: 6,
    file: 'migrations/20260103000000-rolled-back.js',
  });
  expect(failed.statements.at(-1)!.sql).toBe('ROLLBACK;');
  expect(await columns(url, 'accounts')).toEqual(['id', 'owner', 'balance']);
  expect(await runner.applied()).toEqual([managed!.name, unmanaged!.name]);
});

test('migrations can require helpers relative to their own folder', async () => {
  const p = project({
    'lib/columns.js':
      "exports.audit = (S) => ({ created_by: { type: S.TEXT, allowNull: false, defaultValue: 'system' } });\n",
    'migrations/20260101000000-audited.js': [
      "const { audit } = require('../lib/columns');",
      cjsMigration(
        `await queryInterface.createTable('audited', { id: Sequelize.INTEGER, ...audit(Sequelize) });`,
      ),
    ].join('\n'),
  });
  const { runner, url } = await open(p);
  await using _r = runner;
  expectOk(await runner.up(discoverMigrations(runner.project.migrationsDir)[0]!));
  expect(await columns(url, 'audited')).toEqual(['id', 'created_by']);
});

test('an up failing halfway reports the second statement, PostgreSQL code, position and line', async () => {
  const p = project({
    'migrations/20260101000000-users.js': cjsMigration(
      `await queryInterface.createTable('users', { id: Sequelize.INTEGER });`,
    ),
    'migrations/20260102000000-halfway.js': cjsMigration(
      [
        "await queryInterface.addColumn('users', 'status', Sequelize.TEXT);",
        "await queryInterface.sequelize.query('UPDATE users SET missing_column = 1');",
      ].join('\n'),
    ),
  });
  const { runner, url } = await open(p);
  await using _r = runner;
  const [users, halfway] = discoverMigrations(runner.project.migrationsDir);
  expectOk(await runner.up(users!));
  const result = await runner.up(halfway!);
  expect(result.ok).toBe(false);
  expect(result.error).toEqual({
    message: 'column "missing_column" of relation "users" does not exist',
    code: '42703',
    sql: 'UPDATE users SET missing_column = 1',
    position: 18,
    file: 'migrations/20260102000000-halfway.js',
    line: 5,
  });
  expect(result.statements.map((s) => [s.sql, s.failed ?? false])).toEqual([
    ['ALTER TABLE "public"."users" ADD COLUMN "status" TEXT;', false],
    ['UPDATE users SET missing_column = 1', true],
  ]);
  let thrown: unknown;
  try {
    throwIfFailed(halfway!, 'up', result);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MigrationError);
  expect(thrown).toMatchObject({
    message:
      'Migration 20260102000000-halfway.js (up) failed: Original error: column "missing_column" of relation "users" does not exist',
    migration: halfway!.name,
    direction: 'up',
    info: result.error,
  });
  // The first statement stays applied (no transaction), and the migration is not recorded.
  expect(await columns(url, 'users')).toEqual(['id', 'status']);
  expect(await runner.applied()).toEqual([users!.name]);
});

test('a throwing up, a non-promise up, a missing down and a syntax error are reported', async () => {
  const p = project({
    'migrations/20260101000000-throws.js': cjsMigration(`  throw new Error('refusing to run on a Tuesday');`),
    'migrations/20260102000000-sync.js': 'module.exports = { up() { return 42; }, down() {} };\n',
    'migrations/20260103000000-no-down.js': cjsMigration(
      `await queryInterface.createTable('t', { id: Sequelize.INTEGER });`,
    ),
    'migrations/20260104000000-syntax.js':
      "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.createTable('x' {});\n  },\n};\n",
  });
  const { runner } = await open(p);
  await using _r = runner;
  const [throws, sync, noDown, syntax] = discoverMigrations(runner.project.migrationsDir);

  const thrown = await runner.up(throws!);
  expect(thrown).toMatchObject({ ok: false, statements: [] });
  expect(thrown.error).toEqual({
    message: 'refusing to run on a Tuesday',
    file: 'migrations/20260101000000-throws.js',
    line: 4,
  });

  const notPromise = await runner.up(sync!);
  expect(notPromise.ok).toBe(false);
  expect(notPromise.error!.message).toMatch(/20260102000000-sync\.js \(or wrapper\) didn't return a promise/);

  expectOk(await runner.up(noDown!));
  const down = await runner.down(noDown!);
  expect(down.ok).toBe(false);
  expect(down.error!.message).toContain('has no down function');
  expect(await runner.applied()).toEqual([noDown!.name]);

  const bad = await runner.up(syntax!);
  expect(bad.ok).toBe(false);
  expect(bad.error).toMatchObject({ file: 'migrations/20260104000000-syntax.js', line: 3 });
  expect(bad.error!.message).toMatch(/Syntax error .* at line 3: .*Fix the syntax/);
  expect(await runner.applied()).toEqual([noDown!.name]);
});

test('a migration that never settles is stopped after the timeout, its backend ends, and the next one runs', async () => {
  const p = project({
    'migrations/20260101000000-table.js': cjsMigration(
      `await queryInterface.createTable('jobs', { id: Sequelize.INTEGER });`,
    ),
    'migrations/20260102000000-sleeps.js': cjsMigration(
      [
        'const transaction = await queryInterface.sequelize.transaction();',
        "await queryInterface.sequelize.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE', { transaction });",
        "await queryInterface.sequelize.query('SELECT pg_sleep(60)', { transaction });",
      ].join('\n'),
    ),
    'migrations/20260103000000-hangs.js': cjsMigration('await new Promise(() => {});'),
    'migrations/20260104000000-after.js': cjsMigration(
      `await queryInterface.addColumn('jobs', 'state', Sequelize.TEXT);`,
    ),
  });
  const { runner, url } = await open(p, 1000);
  await using _r = runner;
  const [table, sleeps, hangs, after] = discoverMigrations(runner.project.migrationsDir);
  expectOk(await runner.up(table!));

  const started = Date.now();
  const slept = await runner.up(sleeps!);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(slept.ok).toBe(false);
  expect(slept.error).toMatchObject({
    sql: 'SELECT pg_sleep(60)',
    file: 'migrations/20260102000000-sleeps.js',
    line: 6,
  });
  expect(slept.error!.message).toMatch(/did not finish within 1 s and was stopped/);
  expect(slept.statements.at(-1)).toMatchObject({ sql: 'SELECT pg_sleep(60)', unfinished: true });
  const left = await query(
    url,
    'SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()',
    ['%pg_sleep(60)%'],
  );
  expect(left).toEqual([]);

  const hung = await runner.up(hangs!);
  expect(hung.ok).toBe(false);
  expect(hung.error!.message).toMatch(/never settles/);

  // The lock of the stopped transaction is gone: the next migration alters the same table.
  expectOk(await runner.up(after!));
  expect(await columns(url, 'jobs')).toEqual(['id', 'state']);
  expect(await runner.applied()).toEqual([table!.name, after!.name]);
});

test('keeps the meta table where .sequelizerc and the config say, and never shows a password', async () => {
  // LEAK_URL holds a password of the step's environment: the worker of a throwaway run never sees it.
  const p = project({
    '.sequelizerc': [
      "const path = require('path');",
      'module.exports = {',
      "  'migrations-path': path.resolve(__dirname, 'db', 'migrate'),",
      "  config: path.resolve(__dirname, 'db', 'config.js'),",
      '};',
    ].join('\n'),
    'db/config.js': [
      'module.exports = async () => ({',
      "  development: { dialect: 'postgres', use_env_variable: 'DATABASE_URL', migrationStorageTableName: 'schema_migrations', migrationStorageTableSchema: 'ops' },",
      '});',
    ].join('\n'),
    'db/migrate/20260101000000-leak.js': cjsMigration(
      "  throw new Error('cannot reach ' + queryInterface.sequelize.config.password + ' at ' + process.env.LEAK_URL);",
    ),
    'db/migrate/20260102000000-ok.js': cjsMigration(
      `await queryInterface.createTable('ok', { id: Sequelize.INTEGER });`,
    ),
  });
  const db = await server.createDatabase();
  const admin = server.url(db);
  await query(admin, "CREATE ROLE schemabot_app LOGIN PASSWORD 'pw-Tr0ub4dor-3'");
  await query(
    admin,
    `GRANT ALL ON DATABASE "${db}" TO schemabot_app; GRANT ALL ON SCHEMA public TO schemabot_app`,
  );
  const url = new URL(admin);
  url.username = 'schemabot_app';
  url.password = 'pw-Tr0ub4dor-3';
  process.env.LEAK_URL = url.toString();
  try {
    const loaded = await loadProject({ cwd: p.dir, env: 'development' });
    expect(loaded.meta).toEqual({ schema: 'ops', table: 'schema_migrations' });
    expect(loaded.urlEnvVariable).toBe('DATABASE_URL');
    await using runner = await MigrationRunner.open(url.toString(), loaded);
    const [leak, ok] = discoverMigrations(loaded.migrationsDir);
    const failed = await runner.up(leak!);
    expect(failed.ok).toBe(false);
    expect(failed.error!.message).toBe('cannot reach ***** at undefined');
    expect(JSON.stringify(failed)).not.toContain('Tr0ub4dor');

    expectOk(await runner.up(ok!));
    expect(await runner.applied()).toEqual([ok!.name]);
    const tables = await query<{ t: string }>(
      admin,
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name IN ('schema_migrations', 'SequelizeMeta')",
    );
    expect(tables).toEqual([{ t: 'ops.schema_migrations' }]);
  } finally {
    delete process.env.LEAK_URL;
  }
});

test('a database that cannot be reached is reported without the password', async () => {
  const p = project({ 'migrations/.keep': '' });
  const loaded = await loadProject({ cwd: p.dir });
  const error = await MigrationRunner.open('postgres://app:Sw0rdfish-77@127.0.0.1:1/app', loaded).catch(
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/^Could not connect to the database: .*ECONNREFUSED/);
  expect(
    JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) }),
  ).not.toContain('Sw0rdfish');
});

test("connects with the project's dialectOptions and its own application_name, whatever the URL says", async () => {
  const p = project({
    'migrations/.keep': '',
    'config/config.json': JSON.stringify({
      test: {
        dialect: 'postgres',
        host: 'ignored.example',
        database: 'ignored',
        dialectOptions: { statement_timeout: 4321 },
      },
    }),
  });
  const db = await server.createDatabase();
  const loaded = await loadProject({ cwd: p.dir, env: 'test' });
  await using runner = await MigrationRunner.open(`${server.url(db)}?application_name=someone-else`, loaded);
  const probe = join(p.dir, 'migrations', '20260101000000-probe.js');
  writeFileSync(
    probe,
    cjsMigration(
      "await queryInterface.sequelize.query('CREATE TABLE probe AS SELECT current_database() AS db, " +
        'current_setting($$statement_timeout$$) AS timeout, application_name AS app FROM pg_stat_activity ' +
        "WHERE pid = pg_backend_pid()');",
    ),
  );
  expectOk(await runner.up({ name: '20260101000000-probe.js', path: probe }));
  const rows = await query(server.url(db), 'SELECT * FROM probe');
  expect(rows).toEqual([{ db, timeout: '4321ms', app: runner.applicationName }]);
  expect(runner.applicationName).toMatch(/^schemabot-migrate-/);
});

test("the worker's watch of its own backends stays open on another database through a copy", async () => {
  const p = project({
    'config/config.json': JSON.stringify({ development: { dialect: 'postgres' } }),
    'migrations/20240101000000-a.js': cjsMigration(
      `await queryInterface.createTable('a', { id: Sequelize.INTEGER });`,
      `await queryInterface.dropTable('a');`,
    ),
    'migrations/20240102000000-b.js': cjsMigration(
      `await queryInterface.createTable('b', { id: Sequelize.INTEGER });`,
      `await queryInterface.dropTable('b');`,
    ),
  });
  const loaded = await loadProject({ cwd: p.dir });
  const [a, b] = discoverMigrations(loaded.migrationsDir);
  const backends = (name: string) =>
    query<{ pid: number; datname: string; app: string }>(
      server.url(),
      'SELECT pid, datname, application_name AS app FROM pg_stat_activity WHERE application_name LIKE $1 ORDER BY app',
      [`${name}%`],
    );
  const maintenance = decodeURIComponent(new URL(server.url()).pathname.slice(1));
  for (const watchUrl of [server.url(), undefined]) {
    const db = await server.createDatabase();
    await using runner = await MigrationRunner.open(server.url(db), loaded, { watchUrl });
    expectOk(await runner.up(a!));
    const watcher = (await backends(runner.applicationName)).find((r) => r.app.endsWith('-watch'));
    expect(watcher?.datname).toBe(watchUrl ? maintenance : db);
    await runner.disconnect();
    // Nothing of the worker is left on its database, so it can be copied at once.
    expect((await backends(runner.applicationName)).filter((r) => r.datname === db)).toEqual([]);
    const copy = await server.createDatabase({ template: db });
    expectOk(await runner.up(b!));
    const after = (await backends(runner.applicationName)).find((r) => r.app.endsWith('-watch'));
    // The watch on another database is the same connection; one on the database itself is a new one.
    if (watchUrl) expect(after).toEqual(watcher);
    else expect(after?.pid).not.toBe(watcher?.pid);
    await runner.close();
    await server.dropDatabase(copy);
  }
});

test('a spare worker started ahead loads the project, serves the next database, and ends when it is not used', async () => {
  const p = project({
    'config/config.json': JSON.stringify({ development: { dialect: 'postgres' } }),
    'migrations/20240101000000-a.js': cjsMigration(
      `await queryInterface.createTable('a', { id: Sequelize.INTEGER });`,
      `await queryInterface.dropTable('a');`,
    ),
  });
  // The migration workers this test process started (Jest runs one test file at a time in it).
  const workers = (): number => {
    const r = spawnSync('pgrep', ['-P', String(process.pid), '-f', 'worker'], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).length;
  };
  const before = workers();
  const loaded = await loadProject({ cwd: p.dir });
  expect(workers()).toBe(before + 1); // the one that loaded it waits for a database
  await releaseProject(loaded);
  expect(workers()).toBe(before);

  warmSpareWorker(loaded);
  expect(workers()).toBe(before + 1);
  const url = server.url(await server.createDatabase());
  const runner = await MigrationRunner.open(url, loaded);
  expect(workers()).toBe(before + 1); // the spare took the database: no second process
  const [file] = discoverMigrations(loaded.migrationsDir);
  expectOk(await runner.up(file!));
  expect(await columns(url, 'a')).toEqual(['id']);
  await runner.close();
  expect(workers()).toBe(before);

  warmSpareWorker(loaded);
  await releaseProject(loaded);
  expect(workers()).toBe(before);

  // A spare whose loading fails is not used: the runner starts a worker of its own, which says why.
  p.write('config/config.json', '{ not json');
  warmSpareWorker(loaded);
  await expect(MigrationRunner.open(server.url(await server.createDatabase()), loaded)).rejects.toThrow(
    /config\.json/,
  );
  expect(workers()).toBe(before);
});
