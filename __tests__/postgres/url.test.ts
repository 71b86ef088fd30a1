import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, PostgresUnavailableError, type PostgresServer } from '../../src/postgres/index.js';
import { redactUrl, redactText } from '../../src/postgres/redact.js';
import type { UrlPostgres } from '../../src/postgres/url.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { buildBundle } from '../helpers/bundle.js';
import { killCliWhen, untilNoProcessIn } from '../helpers/processes.js';
import { FixtureRepo, migration } from '../helpers/repo.js';

const PASSWORD = `${process.env.SCHEMABOT_PASSWORD_CANARY ?? ''}Tr0ub4dor-s3cret`;
const ROLE = 'schemabot_ci';

let host: PostgresServer;
let port: string;
let roleUrl: string;

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function databaseNames(): Promise<string[]> {
  const rows = await sql<{ datname: string }>(host.url(), 'SELECT datname FROM pg_database ORDER BY datname');
  return rows.map((r) => r.datname);
}

/** Starts the url provider and returns it with every log line it wrote. */
async function startUrl(url: string, version?: number): Promise<{ server: UrlPostgres; logs: string[] }> {
  const logs: string[] = [];
  const server = (await startPostgres({
    provider: 'url',
    url,
    version,
    log: (m) => logs.push(m),
  })) as UrlPostgres;
  return { server, logs };
}

async function failure(
  url: string,
  version?: number,
  frontEnd?: 'cli' | 'action',
): Promise<{ error: Error; logs: string[] }> {
  const logs: string[] = [];
  const error = await startPostgres({
    provider: 'url',
    url,
    version,
    frontEnd,
    log: (m) => logs.push(m),
  }).then(
    () => new Error('started unexpectedly'),
    (e: Error) => e,
  );
  return { error, logs };
}

beforeAll(async () => {
  host = await startTestPostgres();
  port = new URL(host.url()).port;
  await sql(host.url(), `CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  await sql(host.url(), "CREATE ROLE nocreate LOGIN PASSWORD 'nocreate-pw-1'");
  await sql(host.url(), `CREATE DATABASE pre_existing OWNER ${ROLE}`);
  // The throwaway cluster trusts every connection: make this role log in with its password.
  const [hba] = await sql<{ f: string }>(host.url(), "SELECT current_setting('hba_file') AS f");
  const rules = readFileSync(hba!.f, 'utf8');
  writeFileSync(hba!.f, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${rules}`);
  await sql(host.url(), 'SELECT pg_reload_conf()');
  roleUrl = `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${port}/postgres`;
});

afterAll(async () => {
  await host?.stop();
});

test('url() returns the maintenance URL as given and databases get unique names', async () => {
  const { server, logs } = await startUrl(roleUrl);
  try {
    expect(server.provider).toBe('url');
    expect(server.url()).toBe(roleUrl);
    expect(server.major).toBe(host.major);
    expect(server.version).toBe(host.version);
    const a = await server.createDatabase();
    const b = await server.createDatabase();
    expect(a).not.toBe(b);
    expect(server.url(a)).toBe(`postgres://${ROLE}:${PASSWORD}@127.0.0.1:${port}/${a}`);
    const [row] = await sql<{ db: string; who: string }>(
      server.url(a),
      'SELECT current_database() AS db, current_user AS who',
    );
    expect(row).toEqual({ db: a, who: ROLE });
    expect(await databaseNames()).toEqual(expect.arrayContaining([a, b]));
    expect(logs.join('\n')).toContain(`Using the existing PostgreSQL ${host.version}`);
  } finally {
    await server.stop();
  }
});

test('stop() drops exactly the databases it created (even with sessions open), and nothing else', async () => {
  const before = await databaseNames();
  const { server } = await startUrl(roleUrl);
  const source = await server.createDatabase();
  await sql(server.url(source), 'CREATE TABLE t (id int)');
  const copy = await server.createDatabase({ template: source });
  const fromExisting = await server.createDatabase({ template: 'pre_existing' });
  const busy = new pg.Client({ connectionString: server.url(copy) });
  await busy.connect();
  busy.on('error', () => undefined); // terminated by the forced drop
  expect(server.databases().sort()).toEqual([source, copy, fromExisting].sort());

  await server.stop();
  await busy.end().catch(() => undefined);
  const after = await databaseNames();
  expect(after).toEqual(before);
  expect(after).toContain('pre_existing');
  expect(server.databases()).toEqual([]);
  await server.stop(); // idempotent
});

/** Databases a run must never drop: not named by a lease, or of another role (the host's superuser). */
const DISTRACTORS = [
  'schemabot_l00000001_manual',
  'schemabot_mx00000_0000abcd',
  'schemabot_l00000002_mx00000_0000abcd',
];

/** Polls `query` on the host until `done` holds of its rows (at most 60 s). */
async function until<T extends pg.QueryResultRow>(text: string, done: (rows: T[]) => boolean): Promise<T[]> {
  for (const deadline = Date.now() + 60_000; ;) {
    const rows = await sql<T>(host.url(), text);
    if (done(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`still not done: ${text} → ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a run killed with SIGKILL mid-step: its worker ends after the step; the next run drops the databases it left, and only those', async () => {
  // A check of two migrations whose second waits: it is killed while the workspace and a copy exist.
  const repo = new FixtureRepo({
    'migrations/20260101000000-a.js': migration(
      "await queryInterface.createTable('a', { id: Sequelize.INTEGER });",
      "await queryInterface.dropTable('a');",
    ),
    'migrations/20260101000001-b.js': migration(
      "require('fs').writeFileSync(require('path').join(__dirname, '..', 'b-started'), '');\n" +
        '    await new Promise((r) => setTimeout(r, 1500));',
      'await new Promise((r) => setTimeout(r, 1500));',
    ),
  });
  const bundle = buildBundle();
  const leased = "SELECT datname FROM pg_database WHERE datname LIKE 'schemabot\\_l%' ORDER BY datname";
  const before = await databaseNames();
  try {
    let left: { datname: string }[] = [];
    const args = ['check', '--cwd', repo.dir, '--postgres', 'url', '--postgres-url', roleUrl];
    // Killed in the middle of a step: the worker's answer then finds nobody to read it.
    await killCliWhen(bundle, args, join(repo.dir, 'b-started'), async () => {
      left = await until<{ datname: string }>(leased, (rows) => rows.length >= 2);
    });
    // Its worker ends once the step it runs is over (Schemabot is gone): then nobody uses them.
    await untilNoProcessIn(repo.dir, 10_000, 'the worker outlived its Schemabot');
    await until(
      "SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'schemabot%'",
      (r) => !r.length,
    );
    const abandoned = (await databaseNames()).filter((d) => !before.includes(d));
    expect(abandoned).toEqual(expect.arrayContaining(left.map((r) => r.datname)));

    // The next run on the server drops them, and says so.
    const live = await startUrl(roleUrl);
    expect(live.logs.join('\n')).toContain(
      `Dropped ${abandoned.length} database(s) that Schemabot runs which ended without cleaning up`,
    );
    for (const name of abandoned) expect(live.logs.join('\n')).toContain(name);
    expect(await databaseNames()).toEqual(expect.arrayContaining(before));
    for (const gone of abandoned) expect(await databaseNames()).not.toContain(gone);

    // What a run leaves alone: a live run's database (its lease is held), one in use, one of another
    // role, and names no lease gave.
    const alive = await live.server.createDatabase();
    const other = (await startUrl(roleUrl)).server;
    const busy = await other.createDatabase();
    const user = new pg.Client({ connectionString: other.url(busy) });
    user.on('error', () => undefined);
    await user.connect();
    // `other` loses its lease as a killed run does; its database stays in use.
    await (other as unknown as { lease: pg.Client }).lease.end();
    await sql(host.url(), `CREATE DATABASE schemabot_l00000001_manual OWNER ${ROLE}`);
    await sql(host.url(), `CREATE DATABASE schemabot_mx00000_0000abcd OWNER ${ROLE}`);
    await sql(host.url(), 'CREATE DATABASE schemabot_l00000002_mx00000_0000abcd');
    const next = await startUrl(roleUrl);
    expect(next.logs.join('\n')).not.toContain('Dropped');
    expect(await databaseNames()).toEqual(expect.arrayContaining([alive, busy, ...DISTRACTORS]));
    // Once nobody uses it, the database of the run that lost its lease goes with the next run.
    await user.end();
    const last = await startUrl(roleUrl);
    expect(last.logs.join('\n')).toContain(`Dropped 1 database(s) that Schemabot runs`);
    expect(await databaseNames()).not.toContain(busy);
    expect(await databaseNames()).toContain(alive);
    for (const server of [last.server, next.server, live.server, other]) await server.stop();
  } finally {
    repo.remove();
    for (const name of [
      'schemabot_l00000001_manual',
      'schemabot_mx00000_0000abcd',
      'schemabot_l00000002_mx00000_0000abcd',
    ]) {
      await sql(host.url(), `DROP DATABASE IF EXISTS ${name}`);
    }
  }
  expect((await databaseNames()).filter((d) => !before.includes(d))).toEqual([]);
}, 120_000);

test('dropDatabase refuses a database it did not create', async () => {
  const { server } = await startUrl(roleUrl);
  try {
    await expect(server.dropDatabase('pre_existing')).rejects.toThrow(
      /Refusing to drop database "pre_existing".*--postgres-url.*did not create it/,
    );
    const mine = await server.createDatabase();
    await server.dropDatabase(mine);
    expect(await databaseNames()).not.toContain(mine);
    await expect(server.dropDatabase(mine)).rejects.toThrow(/Refusing/);
  } finally {
    await server.stop();
  }
  expect(await databaseNames()).toContain('pre_existing');
});

test('renameDatabase renames only what it created, and what it renamed is still its own to drop', async () => {
  const { server } = await startUrl(roleUrl);
  try {
    await expect(server.renameDatabase('pre_existing', 'taken_over')).rejects.toThrow(
      /Refusing to rename database "pre_existing".*--postgres-url.*did not create it/,
    );
    const mine = await server.createDatabase();
    const staged = await server.createDatabase({ template: mine });
    await server.dropDatabase(mine);
    await server.renameDatabase(staged, mine);
    expect(server.databases()).toEqual([mine]);
    expect(await databaseNames()).toContain(mine);
    expect(await databaseNames()).not.toContain(staged);
  } finally {
    await server.stop();
  }
  expect(await databaseNames()).toContain('pre_existing');
  expect(server.databases()).toEqual([]);
});

test('a name that already exists on the server is not adopted and so never dropped', async () => {
  const { server } = await startUrl(roleUrl);
  await expect(server.createDatabase({ name: 'pre_existing' })).rejects.toThrow(/already exists/);
  expect(server.databases()).toEqual([]);
  await server.stop();
  expect(await databaseNames()).toContain('pre_existing');
});

test('a wrong password fails clearly, naming the setting, without the password', async () => {
  const wrong = 'not-the-Right-one';
  const { error, logs } = await failure(`postgres://${ROLE}:${wrong}@127.0.0.1:${port}/postgres`);
  expect(error).toBeInstanceOf(PostgresUnavailableError);
  expect(error.message).toMatch(/^--postgres-url /);
  expect(error.message).toMatch(/could not connect: password authentication failed for user "schemabot_ci"/);
  // The action's run names its input, not the CLI's flag.
  const inAction = await failure(
    `postgres://${ROLE}:${wrong}@127.0.0.1:${port}/postgres`,
    undefined,
    'action',
  );
  expect(inAction.error.message).toMatch(/^the input `postgres-url` /);
  expect(inAction.error.message).not.toContain('--postgres');
  const version = await failure(host.url(), 13, 'action');
  expect(version.error.message).toBe(
    'the input `postgres-version: 13` is not supported: use a major version from 14 to 18.',
  );
  expect(error.message).toContain(`postgres://${ROLE}:***@127.0.0.1:${port}/postgres`);
  for (const text of [error.message, String(error.stack), ...logs]) {
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(PASSWORD);
  }
});

test('an unreachable server fails clearly without the password', async () => {
  const closed = await new Promise<number>((resolve) => {
    // A port nothing listens on: bind, read it, close.
    import('node:net').then(({ createServer }) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  });
  const { error } = await failure(`postgres://${ROLE}:${PASSWORD}@127.0.0.1:${closed}/postgres`);
  expect(error).toBeInstanceOf(PostgresUnavailableError);
  expect(error.message).toMatch(/--postgres-url .* could not connect: .*ECONNREFUSED/);
  expect(error.message).not.toContain(PASSWORD);
});

test('a role that may not create databases is refused before anything is created', async () => {
  const before = await databaseNames();
  const { error } = await failure(`postgres://nocreate:nocreate-pw-1@127.0.0.1:${port}/postgres`);
  expect(error).toBeInstanceOf(PostgresUnavailableError);
  expect(error.message).toMatch(/--postgres-url .*role "nocreate" may not create databases.*CREATEDB/);
  expect(await databaseNames()).toEqual(before);
});

test('a version other than the server runs is an error naming the version found', async () => {
  const other = host.major === 17 ? 16 : 17;
  const { error } = await failure(roleUrl, other);
  expect(error.message).toContain(`PostgreSQL ${other} was requested`);
  expect(error.message).toContain(`this server runs ${host.version}`);
  expect(error.message).not.toContain(PASSWORD);
});

test('malformed and missing URLs name the setting and never echo the password', async () => {
  const { error: bad } = await failure(`postgres://${ROLE}:${PASSWORD}@127.0.0.1:notaport/postgres`);
  expect(bad).toBeInstanceOf(PostgresUnavailableError);
  expect(bad.message).toContain('--postgres-url');
  expect(bad.message).toContain('not a valid URL');
  expect(bad.message).not.toContain(PASSWORD);

  const { error: scheme } = await failure(`mysql://${ROLE}:${PASSWORD}@127.0.0.1:${port}/x`);
  expect(scheme.message).toContain('unsupported scheme "mysql:"');
  expect(scheme.message).not.toContain(PASSWORD);

  const missing = await startPostgres({ provider: 'url' }).catch((e: Error) => e);
  expect(missing).toBeInstanceOf(PostgresUnavailableError);
  expect((missing as Error).message).toContain('--postgres-url');
});

test('auto uses the url provider when a URL is given', async () => {
  const logs: string[] = [];
  const server = await startPostgres({ provider: 'auto', url: roleUrl, log: (m) => logs.push(m) });
  try {
    expect(server.provider).toBe('url');
    expect(logs.join('\n')).toContain('PostgreSQL provider: url (auto: --postgres-url is set)');
    expect(logs.join('\n')).not.toContain(PASSWORD);
  } finally {
    await server.stop();
  }
});

describe('redactUrl', () => {
  test('masks the password and keeps everything else', () => {
    expect(redactUrl('postgres://u:p%40ss@db.example:5432/app?sslmode=require')).toBe(
      'postgres://u:***@db.example:5432/app?sslmode=require',
    );
    expect(redactUrl('postgres://u@db:5432/app')).toBe('postgres://u@db:5432/app');
    expect(redactUrl('postgres://db/app?user=u&password=hunter2')).toBe(
      'postgres://db/app?user=u&password=***',
    );
  });

  test('masks what looks like credentials in text that is not a valid URL', () => {
    expect(redactUrl('postgres://u:hunter2@db:port/app')).toBe('postgres://u:***@db:port/app');
  });

  test('redactText masks URLs inside messages and the given secrets anywhere', () => {
    expect(redactText('failed for postgres://u:hunter2@h/db: boom', [])).toBe(
      'failed for postgres://u:***@h/db: boom',
    );
    expect(redactText('echoed hunter2 and hunter%402', ['hunter2', 'hunter@2'])).toBe('echoed *** and ***');
  });
});
