import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { LocalPostgres } from './local.js';
import { PostgresUnavailableError, type PostgresRequest, type PostgresServer } from './types.js';

export * from './types.js';

/** Where Schemabot itself is installed: its node_modules may hold the embedded PostgreSQL. */
function ownPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"schemabot"/.test(readFileSync(pkg, 'utf8'))) return dir;
  }
  return dirname(fileURLToPath(import.meta.url));
}

/** Starts a throwaway PostgreSQL with the requested provider. The caller must `stop()` it. */
export async function startPostgres(request: PostgresRequest & { cwd?: string }): Promise<PostgresServer> {
  const searchFrom = [request.cwd ?? process.cwd(), ownPackageRoot()];
  switch (request.provider) {
    case 'local':
    case 'auto':
      return LocalPostgres.start({ version: request.version, searchFrom, log: request.log });
    default:
      throw new PostgresUnavailableError(`Provider ${request.provider} is not available yet.`);
  }
}
