import pg from 'pg';
import { lockBlocks, LOCK_MODES, observeStatements } from '../../src/inspect/locks.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { observeOnCopy, templateDatabase } from './fixture.js';

let server: PostgresServer;
let template: string;

beforeAll(async () => {
  server = await startTestPostgres();
  template = await templateDatabase(
    server,
    `CREATE TABLE "userEvents" (id bigserial PRIMARY KEY, kind text, at timestamptz DEFAULT now());
     CREATE TABLE accounts (id serial PRIMARY KEY, name text);
     INSERT INTO accounts (name) SELECT 'a' || i FROM generate_series(1, 20) i;`,
  );
});

afterAll(async () => {
  await server?.stop();
});

test('what each lock mode blocks follows PostgreSQL’s conflict table', () => {
  expect(LOCK_MODES.map((m) => [m, lockBlocks(m)])).toEqual([
    ['AccessShareLock', []],
    ['RowShareLock', []],
    ['RowExclusiveLock', []],
    ['ShareUpdateExclusiveLock', []],
    ['ShareLock', ['writes']],
    ['ShareRowExclusiveLock', ['writes']],
    ['ExclusiveLock', ['writes']],
    ['AccessExclusiveLock', ['reads', 'writes']],
  ]);
});

test('locks, rewrites and scans per statement, on relations that existed before', async () => {
  const o = await observeOnCopy(server, template, [
    'ALTER TABLE "userEvents" ADD COLUMN source text',
    'CREATE INDEX accounts_name ON accounts (name)',
    'ALTER TABLE accounts ALTER COLUMN id TYPE bigint',
    'CREATE TABLE notes (id int)',
    'ALTER TABLE notes ADD COLUMN body text',
    'SELECT count(*) FROM accounts',
  ]);
  expect(o.postgresMajor).toBe(server.major);
  const [addColumn, index, typeChange, createTable, alterNew, select] = o.statements;
  expect(addColumn!.locks).toEqual([
    expect.objectContaining({
      relation: 'public."userEvents"',
      kind: 'table',
      mode: 'AccessExclusiveLock',
      blocks: ['reads', 'writes'],
    }),
  ]);
  expect(addColumn!.rewrites).toEqual([]);
  expect(index!.locks.map((l) => [l.relation, l.mode])).toEqual([['public.accounts', 'ShareLock']]);
  expect(index!.scans).toEqual(['public.accounts']);
  // The table gets a new data file; the index on the changed column is rebuilt as a new relation
  // under the same name, and counts as rebuilt.
  expect(typeChange!.rewrites).toEqual(['public.accounts', 'public.accounts_pkey']);
  expect(typeChange!.locks).toContainEqual(
    expect.objectContaining({ relation: 'public.accounts_pkey', kind: 'index', mode: 'AccessExclusiveLock' }),
  );
  // Relations created by the migration itself are not reported.
  expect(createTable!.locks).toEqual([]);
  expect(alterNew!.locks).toEqual([]);
  expect(select!.locks.map((l) => l.mode)).toEqual(['AccessShareLock']);
  expect(select!.scans).toEqual(['public.accounts']);
  for (const s of o.statements) {
    expect(s.inTransaction).toBe(true);
    expect(s.ms).toBeGreaterThan(0);
    for (const l of s.locks) expect(l.ms).toBeGreaterThanOrEqual(s.ms);
  }
  expect(o.created.sort()).toEqual(['public.accounts_name', 'public.notes']);
  expect(o.dropped).toEqual([]);
  expect(o.before.map((r) => r.name).sort()).toEqual([
    'public."userEvents"',
    'public."userEvents_id_seq"',
    'public."userEvents_pkey"',
    'public.accounts',
    'public.accounts_id_seq',
    'public.accounts_pkey',
  ]);
});

test('in a transaction the migration opened, locks are held until its COMMIT', async () => {
  const o = await observeOnCopy(server, template, [
    'START TRANSACTION;',
    'ALTER TABLE accounts ADD COLUMN email text',
    'SELECT pg_sleep(0.05)',
    'ALTER TABLE accounts ADD COLUMN phone text',
    'COMMIT;',
    'ALTER TABLE "userEvents" ADD COLUMN source text',
  ]);
  const [begin, first, sleep, second, commit, after] = o.statements;
  expect(begin!.control).toBe(true);
  expect(commit!.control).toBe(true);
  expect(first!.migrationTransaction).toBe(true);
  const lock = first!.locks[0]!;
  expect(lock).toMatchObject({ relation: 'public.accounts', mode: 'AccessExclusiveLock', releasedBy: 4 });
  // Held across the sleep: at least the statements from the one that took it to the COMMIT.
  expect(lock.ms).toBeGreaterThanOrEqual(first!.ms + sleep!.ms + second!.ms + commit!.ms - 0.01);
  expect(sleep!.ms).toBeGreaterThanOrEqual(50);
  // Already held: the second ALTER takes nothing new.
  expect(second!.locks).toEqual([]);
  expect(after!.migrationTransaction).toBeUndefined();
  expect(after!.locks[0]!.ms).toBeLessThan(50);
});

test('statements refused inside a transaction block run on their own and are marked', async () => {
  const o = await observeOnCopy(server, template, [
    'CREATE INDEX CONCURRENTLY accounts_name ON accounts (name)',
    'VACUUM FULL accounts',
  ]);
  const [cic, vacuum] = o.statements;
  expect(cic).toMatchObject({ inTransaction: false, locks: [], rewrites: [] });
  expect(cic!.error).toBeUndefined();
  expect(o.created).toEqual(['public.accounts_name']);
  // Rewrites are still measured outside a transaction.
  expect(vacuum!.inTransaction).toBe(false);
  expect(vacuum!.rewrites).toEqual(expect.arrayContaining(['public.accounts', 'public.accounts_pkey']));
});

test('a rejected statement is recorded and the replay goes on, also inside the migration’s transaction', async () => {
  const o = await observeOnCopy(server, template, [
    'INSERT INTO nowhere VALUES (1)',
    'ALTER TABLE accounts ADD COLUMN a int',
    'BEGIN',
    'SELECT 1/0',
    'ALTER TABLE accounts ADD COLUMN b int',
    'COMMIT',
    'DROP TABLE "userEvents"',
  ]);
  const s = o.statements;
  expect(s[0]).toMatchObject({ code: '42P01', locks: [] });
  expect(s[1]!.locks[0]!.mode).toBe('AccessExclusiveLock');
  expect(s[3]).toMatchObject({ code: '22012', migrationTransaction: true });
  expect(s[4]!.error).toBeUndefined();
  expect(s[4]!.locks[0]).toMatchObject({ relation: 'public.accounts', releasedBy: 5 });
  expect(s[5]!.error).toBeUndefined();
  expect(o.dropped.sort()).toEqual([
    'public."userEvents"',
    'public."userEvents_id_seq"',
    'public."userEvents_pkey"',
  ]);
  // The copy really got the migration: both columns exist.
  const client = new pg.Client({ connectionString: server.url(template) });
  await client.connect();
  try {
    const cols = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts'",
    );
    expect(cols.rows.map((r) => r.column_name).sort()).toEqual(['id', 'name']);
  } finally {
    await client.end();
  }
});

test('observeStatements replays on the database it is given', async () => {
  const db = await server.createDatabase({ template });
  try {
    await observeStatements(server.url(db), ['ALTER TABLE accounts ADD COLUMN note text']);
    const client = new pg.Client({ connectionString: server.url(db) });
    await client.connect();
    const r = await client.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'note'");
    await client.end();
    expect(r.rowCount).toBe(1);
  } finally {
    await server.dropDatabase(db);
  }
});
