import pg from 'pg';
import { startTestPostgres } from '../helpers/postgres.js';
import { SchemaWatch, takeFingerprint, WATCH_SCHEMA } from '../../src/inspect/fingerprint.js';
import { takeSnapshot } from '../../src/inspect/index.js';
import type { PostgresServer } from '../../src/postgres/index.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

const META = { schema: 'public', name: 'SequelizeMeta' };

/**
 * `client`, noting in `reads` each read the watch sends through it: `step` for its incremental read
 * (a prepared statement), `all` for a read of the whole catalog (session settings and transaction
 * boundaries are not reads).
 */
const recorders = new WeakMap<pg.Client, pg.Client>();
function recording(client: pg.Client, reads: string[]): pg.Client {
  let proxy = recorders.get(client);
  if (!proxy) {
    proxy = new Proxy(client, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop !== 'query') return typeof value === 'function' ? value.bind(target) : value;
        return (q: unknown, ...rest: unknown[]) => {
          if (typeof q === 'object' && q && 'name' in q) reads.push('step');
          else if (typeof q === 'string' && !/^\s*(SET|BEGIN|ROLLBACK)\b/.test(q)) reads.push('all');
          return (target.query as (...a: unknown[]) => unknown)(q, ...rest);
        };
      },
    });
    recorders.set(client, proxy);
  }
  return proxy;
}

/**
 * Every kind of DDL a migration runs, one step at a time. After each step the watched fingerprint
 * (which re-reads only what the step touched) must equal a full fingerprint read from scratch.
 */
const STEPS = [
  'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)',
  "CREATE TYPE status AS ENUM ('draft', 'live')",
  "CREATE TABLE users (id serial PRIMARY KEY, s status DEFAULT 'draft', name text, email text UNIQUE)",
  'CREATE TABLE posts (id serial PRIMARY KEY, user_id int REFERENCES users(id), body text)',
  'CREATE INDEX posts_user ON posts (user_id)',
  "COMMENT ON COLUMN users.name IS 'full name'",
  'GRANT SELECT ON users TO PUBLIC',
  'ALTER TABLE users RENAME TO people',
  'ALTER TABLE people RENAME COLUMN id TO pk',
  "ALTER TYPE status ADD VALUE 'gone'",
  "ALTER TYPE status RENAME VALUE 'draft' TO 'new'",
  'CREATE VIEW recent AS SELECT pk, name FROM people',
  'ALTER TABLE people RENAME COLUMN name TO full_name',
  'DROP INDEX posts_user',
  'ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey',
  'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
  'CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch()',
  "COMMENT ON TRIGGER posts_touch ON posts IS 'keeps it fresh'",
  'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := NEW.body; RETURN NEW; END $$',
  'DROP TRIGGER posts_touch ON posts',
  'CREATE DOMAIN positive AS int CHECK (VALUE > 0)',
  'ALTER TABLE posts ADD COLUMN score positive',
  'ALTER DOMAIN positive RENAME TO above_zero',
  'CREATE SCHEMA audit',
  'CREATE TABLE audit.log (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz DEFAULT now())',
  'ALTER SCHEMA audit RENAME TO history',
  'CREATE SEQUENCE counter',
  'ALTER SEQUENCE counter OWNED BY posts.id',
  'ALTER TABLE posts RENAME COLUMN id TO post_id',
  'ALTER TABLE people ENABLE ROW LEVEL SECURITY',
  'CREATE POLICY mine ON people USING (pk > 0)',
  'CREATE RULE no_delete AS ON DELETE TO posts DO INSTEAD NOTHING',
  'CREATE INDEX CONCURRENTLY people_email ON people (email)',
  'ALTER INDEX people_email RENAME TO people_email_idx',
  'ALTER TABLE posts ALTER COLUMN body SET NOT NULL',
  'ALTER TABLE posts ALTER COLUMN body TYPE varchar(200)',
  'DROP VIEW recent',
  'DROP TABLE posts',
  'BEGIN; CREATE TABLE rolled_back (id int); ROLLBACK',
  'CREATE EXTENSION IF NOT EXISTS pgcrypto',
  'DROP TYPE status CASCADE',
  'DROP SCHEMA history CASCADE',
];

describe('the watched fingerprint', () => {
  it('equals a full read after every kind of step, and changes when the schema does', async () => {
    const db = await server.createDatabase();
    const client = await connect(server.url(db));
    const watch = await SchemaWatch.start(() => client, META);
    expect(watch.watching).toBe(true);
    try {
      let previous = await watch.take();
      for (const step of STEPS) {
        await client.query(step);
        const watched = await watch.take();
        const full = await takeFingerprint(client, META);
        expect({ step, fingerprint: watched }).toEqual({ step, fingerprint: full });
        // The meta table is not part of the schema; a rolled-back step changed nothing.
        if (step.startsWith('BEGIN') || step.includes('SequelizeMeta')) expect(watched).toBe(previous);
        else expect({ step, changed: watched !== previous }).toEqual({ step, changed: true });
        previous = watched;
      }
    } finally {
      await watch.stop();
      await client.end();
    }
  });

  it('comes back to the same value when a step is undone, and leaves nothing behind when stopped', async () => {
    const db = await server.createDatabase();
    const client = await connect(server.url(db));
    await client.query('CREATE TABLE users (id serial PRIMARY KEY, name text)');
    const before = await takeSnapshot(client);
    const watch = await SchemaWatch.start(() => client, META);
    try {
      const start = await watch.take();
      await client.query(
        'ALTER TABLE users ADD COLUMN email text; CREATE INDEX users_email ON users (email)',
      );
      const added = await watch.take();
      expect(added).not.toBe(start);
      await client.query('DROP INDEX users_email; ALTER TABLE users DROP COLUMN email');
      expect(await watch.take()).toBe(start);
      // A down that re-adds a dropped column: it comes back last, which is no difference.
      await client.query('ALTER TABLE users DROP COLUMN id');
      await client.query('ALTER TABLE users ADD COLUMN id serial PRIMARY KEY');
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
      // A table dropped by a migration that runs as another role is seen too.
      await client.query('CREATE ROLE app_owner; GRANT CREATE, USAGE ON SCHEMA public TO app_owner');
      await client.query('SET ROLE app_owner; CREATE TABLE mine (id int); RESET ROLE');
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
      // The snapshot never shows the watch's own schema.
      const after = await takeSnapshot(client);
      expect(Object.keys(after.schemas)).toEqual(Object.keys(before.schemas));
      expect(Object.keys(after.functions)).toEqual(Object.keys(before.functions));
    } finally {
      await watch.stop();
    }
    const { rows } = await client.query(
      "SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) + (SELECT count(*)::int FROM pg_event_trigger WHERE evtname LIKE 'schemabot%') AS left",
      [WATCH_SCHEMA],
    );
    expect(rows[0].left).toBe(0);
    await client.end();
  });

  it('reads everything again when its triggers are dropped or disabled, and after a reset', async () => {
    const db = await server.createDatabase();
    const client = await connect(server.url(db));
    const watch = await SchemaWatch.start(() => client, META);
    expect(watch.watching).toBe(true);
    try {
      await watch.take();
      await client.query(`ALTER EVENT TRIGGER ${WATCH_SCHEMA}_ended DISABLE`);
      await client.query('CREATE TABLE unseen_by_triggers (id int)');
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
      await client.query(`DROP SCHEMA ${WATCH_SCHEMA} CASCADE`);
      await client.query('ALTER TABLE unseen_by_triggers ADD COLUMN name text');
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
      watch.reset();
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
    } finally {
      await watch.stop();
      await client.end();
    }
  });

  it('resumes from a saved state on a copy of the database: only what changed since is read, and it is exact', async () => {
    const db = await server.createDatabase();
    let client = await connect(server.url(db));
    const reads: string[] = [];
    const watch = await SchemaWatch.start(() => recording(client, reads), META);
    expect(watch.watching).toBe(true);
    try {
      await client.query('CREATE TABLE users (id serial PRIMARY KEY, name text)');
      await watch.take();
      await client.query("CREATE TYPE kind AS ENUM ('a', 'b'); ALTER TABLE users ADD COLUMN k kind");
      const atCopy = await watch.take();
      const state = watch.save();
      expect(state).toBeDefined();
      // A copy is made as the full audit makes it: nobody connected to the source.
      await client.end();
      const copy = await server.createDatabase({ template: db });
      client = await connect(server.url(db));
      // The audit goes on past the copy, then puts the database back as the copy holds it.
      await client.query('DROP TABLE users; DROP TYPE kind; CREATE TABLE other (id int)');
      expect(await watch.take()).not.toBe(atCopy);
      await client.end();
      await server.dropDatabase(db);
      await server.createDatabase({ name: db, template: copy });
      client = await connect(server.url(db));
      reads.length = 0;
      watch.resume(state);
      expect(await watch.take()).toBe(atCopy);
      expect(atCopy).toBe(await takeFingerprint(client, META));
      // Steps after the restore are read incrementally from the copy's own triggers.
      await client.query("ALTER TYPE kind ADD VALUE 'c'; ALTER TABLE users RENAME COLUMN name TO full_name");
      expect(await watch.take()).toBe(await takeFingerprint(client, META));
      // Neither the resume nor the step after it read the whole catalog.
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.filter((r) => r !== 'step')).toEqual([]);
      await server.dropDatabase(copy);
    } finally {
      await watch.stop();
      await client.end();
    }
  });

  it('readies a new connection ahead of its next fingerprint without taking what the log holds', async () => {
    const db = await server.createDatabase();
    let client = await connect(server.url(db));
    const reads: string[] = [];
    const listeners = new Set<(c: pg.ClientBase) => void>();
    const watch = await SchemaWatch.start(
      () => recording(client, reads),
      META,
      (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    );
    expect(listeners.size).toBe(1);
    const other = await connect(server.url(db));
    try {
      await client.query('CREATE TABLE users (id serial PRIMARY KEY, name text)');
      await watch.take();
      // A step the watch has not read yet, then the connection replaced as a copy or restore does.
      await other.query('CREATE TABLE posts (id int, title text)');
      await client.end();
      client = await connect(server.url(db));
      reads.length = 0;
      for (const listener of listeners) listener(recording(client, reads));
      const mark = await watch.take();
      // The warm-up prepared the step's statement on the new connection and ran it once, before the
      // fingerprint's own step...
      expect(reads).toEqual(['step', 'step']);
      const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
      expect(rows.map((r) => r.name)).toEqual([expect.stringMatching(/^schemabot-watch-/)]);
      // ...rolled back: the fingerprint after it still read the new table, as a full read does.
      expect(mark).toBe(await takeFingerprint(other, META));
      await watch.stop();
      expect(listeners.size).toBe(0);
    } finally {
      await watch.stop();
      await other.end();
      await client.end();
    }
  });
});
