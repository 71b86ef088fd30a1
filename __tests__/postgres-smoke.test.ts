import pg from 'pg';
import { startTestPostgres } from './helpers/postgres.js';

test('a local throwaway PostgreSQL starts, creates databases and stops', async () => {
  const server = await startTestPostgres();
  try {
    const db = await server.createDatabase();
    const client = new pg.Client({ connectionString: server.url(db) });
    await client.connect();
    const r = await client.query('SELECT current_database() AS d');
    await client.end();
    expect(r.rows[0].d).toBe(db);
    expect(server.major).toBeGreaterThanOrEqual(14);
  } finally {
    await server.stop();
  }
});
