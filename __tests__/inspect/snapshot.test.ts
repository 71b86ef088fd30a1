import pg from 'pg';
import { startTestPostgres } from '../helpers/postgres.js';
import { takeSnapshot, type Snapshot, type SnapshotOptions } from '../../src/inspect/index.js';
import { diffSnapshots, summarizeChange } from '../../src/diff/index.js';
import type { PostgresServer } from '../../src/postgres/index.js';

const brief = (s: Snapshot, t: Snapshot): string[] =>
  diffSnapshots(s, t).map((c) => `${c.kind} ${c.action} ${c.name}`);

let server: PostgresServer;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function withDatabase<T>(
  sql: string | string[],
  fn: (client: pg.Client) => Promise<T>,
  on = server,
): Promise<T> {
  const db = await on.createDatabase();
  const client = new pg.Client({ connectionString: on.url(db) });
  await client.connect();
  try {
    for (const text of Array.isArray(sql) ? sql : [sql]) await client.query(text);
    return await fn(client);
  } finally {
    await client.end();
    await on.dropDatabase(db);
  }
}

const snapshotOf = (sql: string | string[], options?: SnapshotOptions, on = server): Promise<Snapshot> =>
  withDatabase(sql, (c) => takeSnapshot(c, options), on);

/** One schema written twice: different statement order, columns and constraints added later. */
const inOrder = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL, mood mood DEFAULT 'ok');
CREATE TABLE books (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, author_id integer REFERENCES authors (id),
                    title text NOT NULL, pages integer CHECK (pages > 0), isbn text UNIQUE);
CREATE INDEX books_author_idx ON books (author_id);
CREATE INDEX books_title_idx ON books (lower(title));
CREATE VIEW long_books AS SELECT id, title FROM books WHERE pages > 500;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER books_f BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION f();
COMMENT ON TABLE books IS 'Books';
COMMENT ON COLUMN books.title IS 'Title';
`;
const shuffled = [
  `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
   CREATE TYPE mood AS ENUM ('sad', 'happy');
   ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';`,
  `CREATE TABLE authors (name text NOT NULL);
ALTER TABLE authors ADD COLUMN id serial;
CREATE TABLE books (isbn text, title text);
COMMENT ON COLUMN books.title IS 'Title';
ALTER TABLE books ALTER COLUMN title SET NOT NULL;
ALTER TABLE authors ADD PRIMARY KEY (id);
ALTER TABLE authors ADD COLUMN mood mood DEFAULT 'ok';
ALTER TABLE books ADD COLUMN pages integer, ADD COLUMN author_id integer;
ALTER TABLE books ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE INDEX books_title_idx ON books (lower(title));
ALTER TABLE books ADD CONSTRAINT books_isbn_key UNIQUE (isbn);
CREATE TRIGGER books_f BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE books ADD CONSTRAINT books_pages_check CHECK (pages > 0);
ALTER TABLE books ADD CONSTRAINT books_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id);
CREATE INDEX books_author_idx ON books (author_id);
COMMENT ON TABLE books IS 'Books';
CREATE VIEW long_books AS SELECT id, title FROM books WHERE pages > 500;`,
];

test('the same schema built in a different statement and column order diffs empty', async () => {
  const a = await snapshotOf(inOrder);
  const b = await snapshotOf(shuffled);
  expect(a.tables['public.books'].columns.title.position).not.toBe(
    b.tables['public.books'].columns.title.position,
  );
  expect(diffSnapshots(a, b)).toEqual([]);
  expect(diffSnapshots(b, a)).toEqual([]);
});

test('two servers built from the same SQL give equal snapshots with no server-specific numbers', async () => {
  const other = await startTestPostgres();
  try {
    const a = await snapshotOf(inOrder);
    const b = await snapshotOf(inOrder, undefined, other);
    expect(b).toEqual(a);
    const json = JSON.stringify(a);
    expect(json).not.toMatch(/"oid"|relfilenode|"owner"/i);
  } finally {
    await other.stop();
  }
});

test('a snapshot survives a JSON round trip unchanged', async () => {
  const a = await snapshotOf(inOrder);
  const copy = JSON.parse(JSON.stringify(a)) as Snapshot;
  expect(copy).toEqual(a);
  expect(diffSnapshots(a, copy)).toEqual([]);
  expect(diffSnapshots(copy, a)).toEqual([]);
});

test('excluded bookkeeping tables leave no trace: table, sequence, index, constraints, comment, grants', async () => {
  const sql = `
    CREATE TABLE "SequelizeMeta" (id serial, name varchar(255) NOT NULL PRIMARY KEY);
    CREATE INDEX "SequelizeMeta_id" ON "SequelizeMeta" (id);
    COMMENT ON TABLE "SequelizeMeta" IS 'migrations';
    GRANT SELECT ON "SequelizeMeta" TO PUBLIC;
    CREATE TABLE posts (id serial PRIMARY KEY);`;
  const options = { exclude: [{ schema: 'public', name: 'SequelizeMeta' }] };
  const snapshot = await snapshotOf(sql, options);
  expect(Object.keys(snapshot.tables)).toEqual(['public.posts']);
  expect(JSON.stringify(snapshot)).not.toContain('SequelizeMeta');

  const full = await snapshotOf(sql);
  expect(Object.keys(full.tables)).toEqual(['public."SequelizeMeta"', 'public.posts']);
  expect(full.tables['public."SequelizeMeta"'].sequences).toHaveProperty(['public."SequelizeMeta_id_seq"']);
  expect(brief(snapshot, full)).toEqual(['table added public."SequelizeMeta"']);
});

test('objects that belong to an extension are not part of the schema', async () => {
  const withExtension = await snapshotOf('CREATE EXTENSION hstore; CREATE EXTENSION pg_trgm');
  const without = await snapshotOf('SELECT 1');
  expect(Object.keys(withExtension.extensions).sort()).toEqual(['hstore', 'pg_trgm', 'plpgsql']);
  expect(withExtension.functions).toEqual({});
  expect(withExtension.types).toEqual({});
  expect(withExtension.domains).toEqual({});
  expect(brief(without, withExtension)).toEqual(['extension added hstore', 'extension added pg_trgm']);
});

test('taking a snapshot leaves the session as it was', async () => {
  await withDatabase('CREATE SCHEMA s; CREATE TABLE s.t (id int)', async (client) => {
    await client.query('SET search_path = s, public');
    await takeSnapshot(client);
    const r = await client.query(
      "SELECT current_setting('search_path') AS p, now() = statement_timestamp() AS idle",
    );
    expect(r.rows[0]).toEqual({ p: 's, public', idle: true });
    await client.query('SELECT count(*) FROM t'); // unqualified name still resolves through s
  });
});

test("inside a caller's transaction a snapshot sees its DDL and leaves the transaction open", async () => {
  await withDatabase('CREATE TABLE t (id int)', async (client) => {
    await client.query('BEGIN');
    await client.query('ALTER TABLE t ADD COLUMN n text');
    const snapshot = await takeSnapshot(client);
    expect(Object.keys(snapshot.tables['public.t'].columns).sort()).toEqual(['id', 'n']);
    expect(client.getTransactionStatus()).toBe('T');
    const r = await client.query("SELECT current_setting('search_path') AS p");
    expect(r.rows[0].p).toBe('"$user", public');
    await client.query('ROLLBACK');
    expect(Object.keys((await takeSnapshot(client)).tables['public.t'].columns)).toEqual(['id']);

    // A failed caller transaction stays the caller's to end; the error says what was being done.
    await client.query('BEGIN');
    await expect(client.query('SELECT 1/0')).rejects.toThrow();
    await expect(takeSnapshot(client)).rejects.toThrow(
      /^Reading the schema from the PostgreSQL catalog failed: /,
    );
    expect(client.getTransactionStatus()).toBe('E');
    await client.query('ROLLBACK');
  });
});

test('an index left invalid by a failed concurrent build is recorded as invalid', async () => {
  await withDatabase(['CREATE TABLE t (v int)', 'INSERT INTO t VALUES (1), (1)'], async (client) => {
    const before = await takeSnapshot(client);
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v)')).rejects.toThrow(
      /could not create unique index/,
    );
    const after = await takeSnapshot(client);
    expect(after.tables['public.t'].indexes['public.t_v']).toMatchObject({ valid: false, unique: true });
    expect(diffSnapshots(before, after).map(summarizeChange)).toEqual([
      '+ index public.t_v CREATE UNIQUE INDEX t_v ON public.t USING btree (v) INVALID',
    ]);
  });
});

test('names are quoted exactly as PostgreSQL quotes them', async () => {
  const snapshot = await snapshotOf(`
    CREATE SCHEMA "My Schema";
    CREATE TABLE "My Schema"."Tab.le" ("Col" int, "we""ird" int, "ünï" int, plain_col int, "select" int);
    CREATE FUNCTION "My Schema"."Fn"(a "My Schema"."Tab.le", b text) RETURNS int LANGUAGE sql AS 'SELECT 1';`);
  expect(Object.keys(snapshot.schemas)).toContain('"My Schema"');
  const table = snapshot.tables['"My Schema"."Tab.le"'];
  expect(Object.keys(table.columns).sort()).toEqual(['"Col"', '"select"', '"we""ird"', '"ünï"', 'plain_col']);
  expect(Object.keys(snapshot.functions)).toEqual(['"My Schema"."Fn"("My Schema"."Tab.le", text)']);
});

test('a column change carries exactly the changed fields, and summarizes on one line', async () => {
  const before = await snapshotOf('CREATE TABLE posts (id int, status text)');
  const after = await snapshotOf("CREATE TABLE posts (id int, status text NOT NULL DEFAULT 'draft')");
  const [change] = diffSnapshots(before, after);
  expect(change.details).toEqual({
    default: { from: null, to: "'draft'::text" },
    nullable: { from: true, to: false },
  });
  expect(summarizeChange(change)).toBe(
    "~ column public.posts.status: default null → 'draft'::text; nullable true → false",
  );

  const added = diffSnapshots(await snapshotOf('CREATE TABLE posts (id int)'), after);
  expect(added.map(summarizeChange)).toEqual([
    "+ column public.posts.status text NOT NULL DEFAULT 'draft'::text",
  ]);
  expect(added[0].after).toMatchObject({ type: 'text', nullable: false, default: "'draft'::text" });
});

test('renames are reported only when unambiguous', async () => {
  const before = await snapshotOf(
    'CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (x text)',
  );
  const after = await snapshotOf(
    'CREATE TABLE a2 (id int); CREATE TABLE b2 (id int); CREATE TABLE c2 (x text)',
  );
  expect(brief(before, after)).toEqual([
    'table removed public.a',
    'table added public.a2',
    'table removed public.b',
    'table added public.b2',
    'table renamed public.c2',
  ]);
  const renamed = diffSnapshots(before, after).find((c) => c.action === 'renamed')!;
  expect(renamed).toMatchObject({ from: 'public.c', name: 'public.c2' });
  expect(renamed.evidence).toBe('same 1 column, 0 constraints, 0 indexes');
});

test('output order is deterministic: by name, then kind', async () => {
  const before = await snapshotOf('CREATE TABLE z (id int); CREATE TABLE a (id int)');
  const after = await snapshotOf(`CREATE TABLE z (id int, n int); CREATE TABLE a (id int NOT NULL);
                                  CREATE TABLE m (id int); COMMENT ON TABLE a IS 'x'; CREATE SCHEMA b`);
  expect(brief(before, after)).toEqual([
    'schema added b',
    'comment added public.a',
    'column changed public.a.id',
    'table added public.m',
    'column added public.z.n',
  ]);
});

test('a large schema snapshot is taken in one round trip and diffs quickly', async () => {
  const tables = Array.from(
    { length: 200 },
    (_, i) => `CREATE TABLE t${i} (id serial PRIMARY KEY, ref integer, name text NOT NULL DEFAULT 'x');
               CREATE INDEX t${i}_ref ON t${i} (ref);`,
  ).join('\n');
  await withDatabase(tables, async (client) => {
    let queries = 0;
    const original = client.query.bind(client);
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      queries++;
      return (original as (...a: unknown[]) => unknown)(...args);
    };
    const snapshot = await takeSnapshot(client);
    expect(queries).toBe(1);
    expect(Object.keys(snapshot.tables)).toHaveLength(200);
    // Timing belongs to `npm run bench`; here only that an identical copy diffs empty.
    expect(diffSnapshots(snapshot, JSON.parse(JSON.stringify(snapshot)))).toEqual([]);
  });
});

test('PostgreSQL 17: a snapshot works and a small diff is right', async () => {
  const pg17 = await startTestPostgres(17);
  try {
    expect(pg17.major).toBe(17);
    const base = `CREATE TYPE s AS ENUM ('a'); CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v s);
                  CREATE VIEW v AS SELECT id FROM t; CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x;`;
    const before = await snapshotOf(base, undefined, pg17);
    const after = await snapshotOf(
      `${base} ALTER TABLE t ADD COLUMN n text NOT NULL DEFAULT ''; ALTER TYPE s ADD VALUE 'b';
       CREATE INDEX t_n ON t (n) NULLS NOT DISTINCT; ALTER VIEW v RENAME TO v2; COMMENT ON FUNCTION f(int) IS 'id';`,
      undefined,
      pg17,
    );
    expect(Object.keys(before.tables)).toEqual(['public.t']);
    expect(before.tables['public.t'].columns.id.identity).toBe('always');
    expect(brief(before, after)).toEqual([
      'comment added public.f(integer)',
      'enum changed public.s',
      'column added public.t.n',
      'index added public.t_n',
      'view renamed public.v2',
    ]);
    // Across versions only deparsing differs: PostgreSQL 16 stopped prefixing columns in view queries.
    const pg15 = await snapshotOf(base);
    expect(brief(pg15, before)).toEqual(['view changed public.v']);
  } finally {
    await pg17.stop();
  }
});
