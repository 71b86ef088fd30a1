import pg from 'pg';
import { diffSnapshots, type Change } from '../diff/index.js';
import { takeSnapshot } from '../inspect/index.js';
import { redactUrl } from '../postgres/redact.js';
import { PostgresUnavailableError } from '../postgres/index.js';

export interface DiffResult {
  schemaVersion: 1;
  mode: 'diff';
  from: string;
  to: string;
  changes: Change[];
}

async function snapshotOf(url: string) {
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
    return await takeSnapshot(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Schema of FROM vs schema of TO, as typed changes. */
export async function runDiff(fromUrl: string, toUrl: string): Promise<DiffResult> {
  const [a, b] = await Promise.all([snapshotOf(fromUrl), snapshotOf(toUrl)]);
  return {
    schemaVersion: 1,
    mode: 'diff',
    from: redactUrl(fromUrl),
    to: redactUrl(toUrl),
    changes: diffSnapshots(a, b),
  };
}
