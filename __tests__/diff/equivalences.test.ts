import pg from 'pg';
import { diffSnapshots } from '../../src/diff/index.js';
import { takeSnapshot, type Snapshot } from '../../src/inspect/index.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';

/**
 * Differences PostgreSQL keeps but that change nothing: a default of NULL (with any cast) equals no
 * default, and a function body differing only in trailing whitespace or line endings is the same body.
 * Each has a control: a real change must still count.
 */
let server: PostgresServer;
let client: pg.Client;

beforeAll(async () => {
  server = await startTestPostgres();
  client = new pg.Client({ connectionString: server.url(await server.createDatabase()) });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.stop();
});

async function around(setup: string, change: string): Promise<{ a: Snapshot; b: Snapshot }> {
  await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
  await client.query(setup);
  const a = await takeSnapshot(client);
  await client.query(change);
  return { a, b: await takeSnapshot(client) };
}

const SETUP = `CREATE TABLE users (id bigserial PRIMARY KEY, nick varchar(30), age integer, note text DEFAULT 'x');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.age = 1;
  RETURN NEW;
END
$$;`;

test.each([
  [
    'DEFAULT NULL::character varying after none',
    'ALTER TABLE users ALTER COLUMN nick SET DEFAULT NULL::character varying',
  ],
  ['DEFAULT NULL on an integer', 'ALTER TABLE users ALTER COLUMN age SET DEFAULT NULL'],
  ['DEFAULT (NULL)::text after none', 'ALTER TABLE users ALTER COLUMN nick SET DEFAULT (NULL)::text'],
  [
    'a body with trailing spaces and CRLF line endings',
    'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\r\nBEGIN   \r\n  NEW.age = 1;\t\r\n  RETURN NEW;\r\nEND\r\n\r\n$$',
  ],
])('no change: %s', async (_name, change) => {
  const { a, b } = await around(SETUP, change);
  expect(diffSnapshots(a, b)).toEqual([]);
});

test.each([
  [
    "a real default ('anon')",
    "ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'anon'",
    'column changed public.users.nick',
  ],
  [
    'a default of NULL replacing a real one',
    'ALTER TABLE users ALTER COLUMN note SET DEFAULT NULL',
    'column changed public.users.note',
  ],
  [
    'a real body change',
    'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.age = 2;\n  RETURN NEW;\nEND\n$$',
    'function changed public.touch()',
  ],
  [
    'whitespace inside a line of the body',
    'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.age  =  1;\n  RETURN NEW;\nEND\n$$',
    'function changed public.touch()',
  ],
])('still a change: %s', async (_name, change, expected) => {
  const { a, b } = await around(SETUP, change);
  expect(diffSnapshots(a, b).map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([expected]);
});
