import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pg from 'pg';
import { runDiff } from '../../src/modes/diff.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function database(sql: string): Promise<string> {
  const url = server.url(await server.createDatabase());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
  return url;
}

test("diff leaves Alembic's version table out by default, as it does SequelizeMeta: it is state, not schema", async () => {
  const users = 'CREATE TABLE users (id integer PRIMARY KEY);';
  const migrated = await database(
    `${users} CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('c2e4a6b8d0f7');`,
  );
  const byHand = await database(`${users} ALTER TABLE users ADD COLUMN email text;`);
  const result = await runDiff(migrated, byHand);
  expect(result.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
    'added column public.users.email',
  ]);
});
