import pg from 'pg';
import { diffSnapshots } from '../diff/index.js';
import type { DiffResult } from '../report/contract/diff.js';
import { takeSnapshot } from '../inspect/index.js';
import { redactUrl } from '../postgres/redact.js';
import { PostgresUnavailableError } from '../postgres/index.js';

/**
 * Migration bookkeeping that is not schema: sequelize-cli's default tables for migrations and seeders,
 * and Alembic's default version table.
 */
export const DEFAULT_META_TABLES = [
  { schema: 'public', name: 'SequelizeMeta' },
  { schema: 'public', name: 'SequelizeData' },
  { schema: 'public', name: 'alembic_version' },
];

/** The snapshot of the database at `url`, without the `exclude`d tables; an unreachable URL is exit code 2. */
async function snapshotAt(url: string, exclude: { schema: string; name: string }[]) {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new PostgresUnavailableError(
      `Cannot connect to ${redactUrl(url)}: ${(err as Error).message}. Check the URL, that the server is running, and the credentials.`,
      { cause: err },
    );
  }
  try {
    return await takeSnapshot(client, { exclude });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Schema of FROM vs schema of TO, as typed changes. The migration bookkeeping tables (`exclude`,
 * by default sequelize-cli's `SequelizeMeta` and `SequelizeData`) are not part of the schema.
 */
export async function runDiff(
  fromUrl: string,
  toUrl: string,
  exclude: { schema: string; name: string }[] = DEFAULT_META_TABLES,
): Promise<DiffResult> {
  const [a, b] = await Promise.all([snapshotAt(fromUrl, exclude), snapshotAt(toUrl, exclude)]);
  return {
    schemaVersion: 1,
    mode: 'diff',
    from: redactUrl(fromUrl),
    to: redactUrl(toUrl),
    changes: diffSnapshots(a, b),
  };
}
