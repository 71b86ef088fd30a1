import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { discoverMigrations, loadProject, MigrationRunner } from '../../src/migrate/index.js';
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

/** A project whose .sequelizerc moves migrations and config; `meta` sets the storage table and schema. */
function project(meta?: { table: string; schema: string }): FixtureProject {
  const section: Record<string, unknown> = { dialect: 'postgres', use_env_variable: 'DATABASE_URL' };
  if (meta) {
    Object.assign(section, {
      migrationStorageTableName: meta.table,
      migrationStorageTableSchema: meta.schema,
      migrationTimestamps: true,
    });
  }
  const p = fixtureProject({
    '.sequelizerc': [
      "const path = require('path');",
      "module.exports = { 'migrations-path': path.resolve('database', 'migrations'), config: path.resolve('database', 'config.json') };",
    ].join('\n'),
    'database/config.json': JSON.stringify({ development: section }),
    'database/migrations/20260101000000-create-users.js': cjsMigration(
      "await queryInterface.createTable('users', { id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true }, email: Sequelize.STRING });",
      "await queryInterface.dropTable('users');",
    ),
    'database/migrations/20260102000000-add-status.cjs': [
      'module.exports = {',
      "  up: (queryInterface, Sequelize) => queryInterface.addColumn('users', 'status', { type: Sequelize.STRING, defaultValue: 'new' }),",
      "  down: (queryInterface) => queryInterface.removeColumn('users', 'status'),",
      '};',
    ].join('\n'),
    'database/migrations/20260103000000-Index.js': cjsMigration(
      "await queryInterface.addIndex('users', ['email'], { unique: true });",
      "await queryInterface.removeIndex('users', ['email']);",
    ),
    'database/migrations/2026-01-04-lowercase.js': cjsMigration(
      "await queryInterface.sequelize.query('SELECT 1');",
    ),
  });
  projects.push(p);
  return p;
}

/** Runs the real sequelize-cli from the project folder, as its users do. */
async function sequelizeCli(p: FixtureProject, url: string, args: string[]): Promise<string> {
  const cli = join(p.dir, 'node_modules', 'sequelize-cli', 'lib', 'sequelize');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], {
    cwd: p.dir,
    env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: url },
    timeout: 60_000,
  });
  return stdout;
}

function statusLines(stdout: string): [string, string][] {
  return stdout
    .split('\n')
    .map((line) => /^(up|down) (\S+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]);
}

/** The meta table as the catalog describes it: columns, constraints, indexes and rows. */
async function describeTable(url: string, schema: string, table: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rel = `"${schema}"."${table}"`;
    const columns = await client.query(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS def,
              a.attcollation::regcollation::text AS collation
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [rel],
    );
    const constraints = await client.query(
      `SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = to_regclass($1) ORDER BY conname`,
      [rel],
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`,
      [schema, table],
    );
    const kind = await client.query(
      `SELECT relkind, relpersistence, relhasindex FROM pg_class WHERE oid = to_regclass($1)`,
      [rel],
    );
    const rows = await client.query(`SELECT name FROM ${rel} ORDER BY 1`);
    return {
      columns: columns.rows,
      constraints: constraints.rows,
      indexes: indexes.rows,
      kind: kind.rows,
      rows: rows.rows,
    };
  } finally {
    await client.end();
  }
}

describe.each([
  ['the default SequelizeMeta table', undefined],
  ['a custom table in its own schema, with timestamps', { table: 'migrations_log', schema: 'bookkeeping' }],
])('sequelize-cli compatibility with %s', (_label, meta) => {
  test('sequelize-cli db:migrate:status agrees with a database the runner migrated, and the reverse', async () => {
    const p = project(meta);
    const loaded = await loadProject({ cwd: p.dir, env: 'development' });
    expect(loaded.migrationsDir).toBe(join(p.dir, 'database', 'migrations'));
    expect(loaded.meta).toEqual(meta ?? { table: 'SequelizeMeta' });
    const migrations = discoverMigrations(loaded.migrationsDir);
    const names = migrations.map((m) => m.name);
    // Plain string order, as umzug sorts: digits and '-' before letters, upper case before lower case.
    expect(names).toEqual([
      '2026-01-04-lowercase.js',
      '20260101000000-create-users.js',
      '20260102000000-add-status.cjs',
      '20260103000000-Index.js',
    ]);

    // Migrated by Schemabot, read by sequelize-cli.
    const ours = server.url(await server.createDatabase());
    {
      await using runner = await MigrationRunner.open(ours, loaded);
      for (const m of migrations.slice(0, 3)) expect((await runner.up(m)).error).toBeNull();
    }
    const args = meta ? [] : ['--url', ours];
    const status = statusLines(await sequelizeCli(p, ours, ['db:migrate:status', ...args]));
    expect(status).toEqual([
      ['up', names[0]],
      ['up', names[1]],
      ['up', names[2]],
      ['down', names[3]],
    ]);

    // Migrated by sequelize-cli, read by Schemabot.
    const theirs = server.url(await server.createDatabase());
    const migrateArgs = meta ? [] : ['--url', theirs];
    await sequelizeCli(p, theirs, ['db:migrate', '--to', names[2]!, ...migrateArgs]);
    {
      await using runner = await MigrationRunner.open(theirs, loaded);
      expect(await runner.applied()).toEqual(names.slice(0, 3));
      // Both continue from there identically.
      expect((await runner.up(migrations[3]!)).error).toBeNull();
    }
    {
      await using runner = await MigrationRunner.open(ours, loaded);
      expect((await runner.up(migrations[3]!)).error).toBeNull();
    }
    const schema = meta?.schema ?? 'public';
    const table = meta?.table ?? 'SequelizeMeta';
    const mine = await describeTable(ours, schema, table);
    expect(mine).toEqual(await describeTable(theirs, schema, table));
    const timestamps = meta
      ? ['createdAt', 'updatedAt'].map((attname) => ({
          attname,
          type: 'timestamp with time zone',
          attnotnull: true,
        }))
      : [];
    expect(mine).toMatchObject({
      columns: [
        { attname: 'name', type: 'character varying(255)', attnotnull: true, def: null },
        ...timestamps,
      ],
      constraints: [{ conname: `${table}_pkey`, contype: 'p', def: 'PRIMARY KEY (name)' }],
      rows: names.map((name) => ({ name })),
    });
    const cliStatus = statusLines(await sequelizeCli(p, ours, ['db:migrate:status', ...args]));
    expect(cliStatus).toEqual(names.map((n) => ['up', n]));

    // Undone by sequelize-cli on our database, then seen by Schemabot.
    await sequelizeCli(p, ours, ['db:migrate:undo', ...args]);
    {
      await using runner = await MigrationRunner.open(ours, loaded);
      expect(await runner.applied()).toEqual(names.slice(0, 3));
    }
  });
});

test('a migration that drops the meta table: the table is made again and the step recorded, as sequelize-cli does', async () => {
  const p = fixtureProject({
    'config/config.json': JSON.stringify({
      development: { dialect: 'postgres', use_env_variable: 'DATABASE_URL' },
    }),
    'migrations/20260101000000-create-users.js': cjsMigration(
      "await queryInterface.createTable('users', { id: { type: Sequelize.INTEGER, primaryKey: true } });",
      "await queryInterface.dropTable('users');",
    ),
    // A "reset the history" migration, as some projects squash theirs; its down drops the table again.
    'migrations/20260102000000-reset-history.js': cjsMigration(
      "await queryInterface.dropTable('SequelizeMeta');",
      "await queryInterface.dropTable('SequelizeMeta');",
    ),
    'migrations/20260103000000-index-users.js': cjsMigration(
      "await queryInterface.addIndex('users', ['id'], { name: 'users_id_again' });",
      "await queryInterface.removeIndex('users', 'users_id_again');",
    ),
  });
  projects.push(p);
  const theirs = server.url(await server.createDatabase());
  const ours = server.url(await server.createDatabase());
  await sequelizeCli(p, theirs, ['db:migrate']);
  const runner = await MigrationRunner.open(ours, await loadProject({ cwd: p.dir }));
  await using _r = runner;
  const migrations = discoverMigrations(runner.project.migrationsDir);
  for (const m of migrations) expect((await runner.up(m)).error).toBeNull();
  const after = await describeTable(theirs, 'public', 'SequelizeMeta');
  expect(after).toMatchObject({ rows: [{ name: migrations[1]!.name }, { name: migrations[2]!.name }] });
  expect(await describeTable(ours, 'public', 'SequelizeMeta')).toEqual(after);

  // Undone twice: the second down drops the table, and its row is removed from the table made again.
  await sequelizeCli(p, theirs, ['db:migrate:undo']);
  await sequelizeCli(p, theirs, ['db:migrate:undo']);
  for (const m of migrations.slice(1).reverse()) expect((await runner.down(m)).error).toBeNull();
  const undone = await describeTable(theirs, 'public', 'SequelizeMeta');
  expect(undone).toMatchObject({ rows: [] });
  expect(await describeTable(ours, 'public', 'SequelizeMeta')).toEqual(undone);
  expect(await runner.applied()).toEqual([]);
});
