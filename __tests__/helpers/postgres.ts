import { startPostgres, type PostgresServer } from '../../src/postgres/index.js';

/**
 * A real throwaway PostgreSQL for a test file (local provider: Debian's server or the embedded
 * package). `SCHEMABOT_TEST_PG_VERSION` picks the major version; default: the preferred local one.
 */
export async function startTestPostgres(version?: number): Promise<PostgresServer> {
  const env = process.env.SCHEMABOT_TEST_PG_VERSION;
  return startPostgres({ provider: 'local', version: version ?? (env ? Number(env) : undefined) });
}
