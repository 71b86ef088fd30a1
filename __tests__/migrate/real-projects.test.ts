/**
 * The shapes real Sequelize projects have, each in a real git project checked on a real PostgreSQL:
 * pool settings, configs that need the app's environment or a build, loaders, migrations that use the
 * app's models, do not await their work, never yield or end the process, and histories that start
 * from a dump.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { CheckReport } from '../../src/report/contract/check.js';
import { loadProject, ProjectError } from '../../src/migrate/project.js';
import { runCheck } from '../../src/modes/check.js';
import { runUpgrade } from '../../src/modes/upgrade.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';

let server: PostgresServer;
const repos: FixtureRepo[] = [];
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  repos.forEach((r) => r.remove());
  await server?.stop();
});

function repo(files: Record<string, string> = {}, options: { tsx?: boolean } = {}): FixtureRepo {
  const r = new FixtureRepo(files, options);
  repos.push(r);
  return r;
}

function check(r: FixtureRepo, base?: string, timeoutMs = 20_000): Promise<CheckReport> {
  return runCheck({ cwd: r.dir, base, postgres: 'url', postgresUrl: server.url(), timeoutMs });
}

/** The findings that judge the migrations (the lock hazards and model comparison are tested elsewhere). */
const rules = (r: CheckReport) =>
  r.findings
    .filter((f) => !['access-exclusive-lock', 'missing-lock-timeout', 'model-drift'].includes(f.rule))
    .map((f) => `${f.severity}:${f.rule}:${f.migration ?? ''}`)
    .sort();

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A checksum of every row of every table of the public schema. */
async function checksum(url: string): Promise<string> {
  const tables = await sql<{ t: string }>(
    url,
    "SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  const parts: string[] = [];
  for (const { t } of tables) {
    const [row] = await sql<{ h: string }>(
      url,
      `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`,
    );
    parts.push(`${t}:${row!.h}`);
  }
  return parts.join(',');
}

const ADD_NOTES = migration(
  `await queryInterface.addColumn('users', 'notes', { type: Sequelize.TEXT });`,
  `await queryInterface.removeColumn('users', 'notes');`,
);

/** A models/index.js as `sequelize-cli init` writes it when the app reads DATABASE_URL. */
const MODELS_INDEX = (pool: string) =>
  [
    "'use strict';",
    "const { Sequelize, DataTypes } = require('sequelize');",
    `const sequelize = new Sequelize(process.env.DATABASE_URL, { logging: false, pool: ${pool} });`,
    "const User = sequelize.define('User', { email: DataTypes.STRING, notes: DataTypes.TEXT }, { tableName: 'users', timestamps: false });",
    'module.exports = { sequelize, Sequelize, User };',
    '',
  ].join('\n');

test.each([
  ['{ min: 1 }', '1'],
  ['{ min: 5, max: 5 }', '5'],
])(
  'pool %s in the config and in the models a migration uses: a PR check and a full audit both pass',
  async (pool, min) => {
    const r = repo({
      'config/config.js': `module.exports = { development: { dialect: 'postgres', pool: { min: Number(process.env.DB_POOL_MIN || ${min}), max: ${pool.includes('max') ? 5 : 10} } } };\n`,
      'models/index.js': MODELS_INDEX(pool),
    });
    const base = r.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS }, 'base');
    r.commit({
      'migrations/20260102000000-add-notes.js': ADD_NOTES,
      // Backfills through the app's own models, whose pool keeps idle connections open.
      'migrations/20260103000000-backfill.js': migration(
        "const { User } = require('../models'); await User.update({ notes: 'n/a' }, { where: {} });",
        '',
      ),
    });
    const pr = await check(r, base);
    expect(rules(pr)).toEqual([]);
    expect(pr.migrations.map((m) => [m.name, m.reversible])).toEqual([
      ['20260101000000-create-users.js', null],
      ['20260102000000-add-notes.js', true],
      ['20260103000000-backfill.js', true],
    ]);
    const audit = await check(r);
    expect(audit.ok).toBe(true);
    expect(audit.migrations.every((m) => m.reversible)).toBe(true);
  },
);

test('a config that parses unset variables names them; the env: mapping of .schemabot.yml makes it pass', async () => {
  const r = repo({
    'config/config.js': [
      'const uri = process.env.DB_URI;',
      "const ssl = uri.charAt(0) === 'x';",
      "module.exports = { development: { url: uri, dialect: 'postgres', pool: { min: parseInt(process.env.DB_POOL_MIN, 10) }, ssl } };",
      '',
    ].join('\n'),
  });
  r.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  const error = await loadProject({ cwd: r.dir }).then(
    () => new Error('it loaded'),
    (e: unknown) => e as ProjectError,
  );
  expect(error).toBeInstanceOf(ProjectError);
  expect((error as ProjectError).message).toMatch(
    /^config\/config\.js failed while loading: Cannot read properties of undefined/,
  );
  expect((error as ProjectError).unsetEnv).toEqual(['DB_URI']);
  expect((error as ProjectError).message).toContain('DB_URI');
  expect((error as ProjectError).message).toContain('env: { DB_URI: "{url}" }');
  expect((error as ProjectError).message).toContain('config: none');

  // The mapping points DB_URI at the throwaway database; DB_POOL_MIN stays unset (NaN), which the
  // worker's pool settings ignore.
  r.commit({ '.schemabot.yml': 'env:\n  DB_URI: "{url}"\n' });
  const report = await check(r);
  expect(report.ok).toBe(true);
  expect(report.migrations[0]!.reversible).toBe(true);

  // Or without the config file at all.
  r.commit({ '.schemabot.yml': 'config: none\n' });
  expect((await check(r)).ok).toBe(true);
});

test('a config that requires the build output says which build step creates it', async () => {
  const r = repo({
    'package.json': JSON.stringify({ name: 'app', private: true, scripts: { build: 'tsc -p .' } }),
    '.sequelizerc':
      "const path = require('path');\nmodule.exports = { config: path.resolve('build', 'database', 'config.js') };\n",
    'migrations/20260101000000-create-users.js': CREATE_USERS,
  });
  const error = await loadProject({ cwd: r.dir }).then(
    () => new Error('it loaded'),
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(ProjectError);
  expect(error.message).toContain('build/database/config.js');
  expect(error.message).toContain('`npm run build`, which runs `tsc -p .`');

  // A source config that requires the compiled one.
  const r2 = repo({
    'package.json': JSON.stringify({ name: 'app', private: true, scripts: { build: 'tsc' } }),
    'config/config.js': "module.exports = require('../build/database/config.js');\n",
    'migrations/20260101000000-create-users.js': CREATE_USERS,
  });
  const error2 = await loadProject({ cwd: r2.dir }).then(
    () => new Error('it loaded'),
    (e: unknown) => e as Error,
  );
  expect(error2).toBeInstanceOf(ProjectError);
  expect(error2.message).toMatch(
    /config\/config\.js requires build\/database\/config\.js, which does not exist\. It is in build\/, a build output: run the project's build \(`npm run build`/,
  );
});

test('a .sequelizerc that requires a package that is not installed says to install the dependencies', async () => {
  const r = repo({
    '.sequelizerc': "require('@dotenvx/dotenvx').config();\nmodule.exports = {};\n",
    'migrations/20260101000000-create-users.js': CREATE_USERS,
  });
  const error = await loadProject({ cwd: r.dir }).then(
    () => new Error('it loaded'),
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(ProjectError);
  expect(error.message).toBe(
    '.sequelizerc requires the package "@dotenvx/dotenvx", which is not installed. Install the project\'s dependencies (`npm ci`) in a step before Schemabot.',
  );
});

test('a migration that writes through the models with DATABASE_URL never reaches the database DATABASE_URL names', async () => {
  const r = repo({ 'models/index.js': MODELS_INDEX('{ min: 0 }') });
  r.commit({
    'migrations/20260101000000-create-users.js': CREATE_USERS,
    'migrations/20260102000000-add-notes.js': ADD_NOTES,
    'migrations/20260103000000-backfill.js': migration(
      "const { User } = require('../models'); await User.update({ notes: 'touched by a check' }, { where: {} });",
      "const { User } = require('../models'); await User.update({ notes: null }, { where: {} });",
    ),
  });
  // "Production": a database migrated up to add-notes, holding rows.
  const prod = await server.createDatabase();
  const prodUrl = server.url(prod);
  await sql(
    prodUrl,
    'CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, notes text)',
  );
  await sql(prodUrl, "INSERT INTO users (email, notes) VALUES ('a@x', 'keep'), ('b@x', NULL)");
  // Production has create-users and add-notes applied; backfill is pending.
  await sql(prodUrl, 'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)');
  await sql(
    prodUrl,
    `INSERT INTO "SequelizeMeta" VALUES ('20260101000000-create-users.js'), ('20260102000000-add-notes.js')`,
  );
  const before = await checksum(prodUrl);
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = prodUrl;
  try {
    const report = await check(r);
    expect(report.ok).toBe(true);
    expect(await checksum(prodUrl)).toBe(before);

    const dry = await runUpgrade({
      databaseUrl: prodUrl,
      cwd: r.dir,
      dryRun: true,
      postgres: 'url',
      postgresUrl: server.url(),
    });
    expect(dry.error).toBeNull();
    expect(dry.rehearsal?.steps.map((s) => [s.name, s.ok])).toEqual([['20260103000000-backfill.js', true]]);
    expect(await checksum(prodUrl)).toBe(before);
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
});

const UNAWAITED_DOWN = migration(
  `await queryInterface.addColumn('users', 'nickname', { type: Sequelize.STRING });`,
  // The transaction is started and forgotten: down resolves before its statements run.
  `queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.removeColumn('users', 'nickname', { transaction: t });
    });`,
);

const UNAWAITED_UP = migration(
  `queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.addColumn('users', 'a', { type: Sequelize.STRING }, { transaction: t });
      await queryInterface.addColumn('users', 'b', { type: Sequelize.STRING }, { transaction: t });
    });`,
  `await queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.removeColumn('users', 'b', { transaction: t });
      await queryInterface.removeColumn('users', 'a', { transaction: t });
    });`,
);

test('migrations that do not await their transactions get the same verdicts in 10 runs, and unawaited-work', async () => {
  const r = repo();
  const base = r.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS }, 'base');
  r.commit({
    'migrations/20260102000000-nickname.js': UNAWAITED_DOWN,
    'migrations/20260103000000-a-and-b.js': UNAWAITED_UP,
  });
  const verdicts = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const report = await check(r, base);
    verdicts.add(
      JSON.stringify({
        ok: report.ok,
        rules: rules(report),
        migrations: report.migrations.map((m) => [
          m.name,
          m.up?.ok,
          m.down?.ok,
          m.reup?.ok,
          m.reversible,
          m.residue.length,
        ]),
        changes: report.changes.map((c) => `${c.kind} ${c.action} ${c.name}`).sort(),
      }),
    );
  }
  expect(verdicts.size).toBe(1);
  const [only] = [...verdicts].map(
    (v) => JSON.parse(v) as { rules: string[]; migrations: unknown[]; changes: string[] },
  );
  expect(only!.rules).toEqual([
    'error:unawaited-work:20260102000000-nickname.js',
    'error:unawaited-work:20260103000000-a-and-b.js',
  ]);
  expect(only!.migrations).toEqual([
    ['20260101000000-create-users.js', null, null, null, null, 0],
    ['20260102000000-nickname.js', true, true, true, true, 0],
    ['20260103000000-a-and-b.js', true, true, true, true, 0],
  ]);
  expect(only!.changes).toEqual([
    'column added public.users.a',
    'column added public.users.b',
    'column added public.users.nickname',
  ]);
}, 300_000);

test('a synchronous busy loop is stopped at the timeout, and the run goes on with a new worker', async () => {
  const r = repo();
  r.commit({
    'migrations/20260101000000-create-users.js': CREATE_USERS,
    'migrations/20260102000000-spin.js': migration('for (;;) {}', ''),
    'migrations/20260103000000-add-notes.js': ADD_NOTES,
  });
  const started = Date.now();
  const report = await check(r, undefined, 2000);
  expect(Date.now() - started).toBeLessThan(60_000);
  const spin = report.migrations.find((m) => m.name === '20260102000000-spin.js')!;
  expect(spin.up?.ok).toBe(false);
  expect(spin.up?.error?.message).toMatch(
    /did not finish within 2 s and never gave control back \(a synchronous loop\?\)/,
  );
  expect(report.findings.map((f) => f.rule)).toContain('up-failed');
  // No worker of this project is left: the spinning one was killed, the others closed.
  const left = execFileSync('ps', ['-eo', 'pid='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => {
      try {
        return pid > 0 && realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(r.dir);
      } catch {
        return false;
      }
    });
  expect(left).toEqual([]);
});

test("process.exit(1) inside up is that migration's failure, and the next migrations still run", async () => {
  const r = repo();
  const base = r.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS }, 'base');
  r.commit({
    'migrations/20260102000000-exits.js': migration("console.log('bye'); process.exit(1);", ''),
  });
  const report = await check(r, base);
  const exits = report.migrations.find((m) => m.name === '20260102000000-exits.js')!;
  expect(exits.up?.ok).toBe(false);
  expect(exits.up?.error?.message).toMatch(
    /ended the process it ran in: it exited with code 1 \(process\.exit\(\) in the migration, or a crash\?\)/,
  );
  expect(rules(report)).toEqual(['error:up-failed:20260102000000-exits.js']);

  // A full audit goes on past it: the migration after it still runs, on a new worker.
  r.commit({ 'migrations/20260103000000-add-notes.js': ADD_NOTES });
  const audit = await check(r);
  expect(audit.migrations.map((m) => [m.name, m.up?.ok ?? null])).toEqual([
    ['20260101000000-create-users.js', true],
    ['20260102000000-exits.js', false],
    ['20260103000000-add-notes.js', null],
  ]);
});

test('a TypeScript migration and a .js migration mixing import with module.exports run under the project tsx', async () => {
  const r = repo(
    {
      'server/lib/logger.js': 'module.exports = { info: () => undefined };\n',
    },
    { tsx: true },
  );
  r.commit({
    'migrations/20260101000000-create-users.ts': [
      "import type { QueryInterface } from 'sequelize';",
      'type Sequelize = typeof import("sequelize");',
      'export async function up(queryInterface: QueryInterface, S: Sequelize): Promise<void> {',
      "  await queryInterface.createTable('users', { id: { type: S.INTEGER, primaryKey: true } });",
      '}',
      'export async function down(queryInterface: QueryInterface): Promise<void> {',
      "  await queryInterface.dropTable('users');",
      '}',
      '',
    ].join('\n'),
    // Babel-style: ES import syntax, CommonJS export, an extensionless path.
    'migrations/20260102000000-add-notes.js': [
      "import logger from '../server/lib/logger';",
      'module.exports = {',
      '  async up(queryInterface, Sequelize) {',
      "    logger.info('adding notes');",
      "    await queryInterface.addColumn('users', 'notes', { type: Sequelize.TEXT });",
      '  },',
      '  async down(queryInterface) {',
      "    await queryInterface.removeColumn('users', 'notes');",
      '  },',
      '};',
      '',
    ].join('\n'),
  });
  const report = await check(r);
  expect(rules(report)).toEqual([]);
  expect(report.migrations.map((m) => [m.name, m.reversible])).toEqual([
    ['20260101000000-create-users.ts', true],
    ['20260102000000-add-notes.js', true],
  ]);
});

test('a history that starts from a pg_dump with COPY data: the baseline is applied before the first migration', async () => {
  // The squashed history, dumped with its rows.
  const source = await server.createDatabase();
  const sourceUrl = server.url(source);
  await sql(sourceUrl, "CREATE TYPE mood AS ENUM ('ok', 'sad')");
  await sql(sourceUrl, 'CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, mood mood)');
  await sql(
    sourceUrl,
    'CREATE FUNCTION lower_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END; $$',
  );
  await sql(
    sourceUrl,
    'CREATE TRIGGER users_lower BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION lower_email()',
  );
  await sql(
    sourceUrl,
    "INSERT INTO users (email, mood) VALUES ('A@X', 'ok'), ('tab\there', NULL), ('semi;colon', 'sad')",
  );
  const r = repo();
  const dump = execFileSync('pg_dump', ['--no-owner', '--no-privileges', sourceUrl], { encoding: 'utf8' });
  expect(dump).toMatch(/^COPY public\.users .* FROM stdin;$/m);
  writeFileSync(join(r.dir, 'baseline.sql'), dump);
  const base = r.commit(
    {
      '.schemabot.yml': 'baseline: baseline.sql\n',
      'migrations/20260101000000-add-notes.js': ADD_NOTES,
    },
    'base',
  );
  r.commit({
    // Runs only if the baseline's rows are there.
    'migrations/20260102000000-backfill.js': migration(
      `const [[{ n }]] = await queryInterface.sequelize.query('SELECT count(*)::int AS n FROM users WHERE email = $$a@x$$');
      if (n !== 1) throw new Error('baseline rows missing: ' + n);
      await queryInterface.sequelize.query("UPDATE users SET notes = 'from baseline'");`,
      `await queryInterface.sequelize.query('UPDATE users SET notes = NULL');`,
    ),
  });
  const pr = await check(r, base);
  // Its down clears a column of every row of a table the baseline filled: worth a reviewer's look.
  expect(rules(pr)).toEqual(['warning:down-drops-data:20260102000000-backfill.js']);
  expect(pr.migrations.map((m) => [m.name, m.up?.ok ?? null, m.reversible])).toEqual([
    ['20260101000000-add-notes.js', null, null],
    ['20260102000000-backfill.js', true, true],
  ]);
  const audit = await check(r);
  expect(audit.ok).toBe(true);
  // The baseline's own objects are the starting point, not changes of the migrations.
  expect(audit.changes.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.users.notes',
  ]);
});
