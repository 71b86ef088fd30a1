import { afterAll } from '@jest/globals';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from './postgres.js';

let shared: Promise<PostgresServer> | undefined;

afterAll(async () => {
  await (await shared?.catch(() => undefined))?.stop();
});

/**
 * The server choice of in-process runs whose subject is not the provider (checks, models, generate):
 * each run gets a throwaway database on one real server per test file, as with `--postgres url` on a CI
 * service container, instead of starting a server of its own (about a fifth of a second of the machine
 * per run). The `local` and `testcontainers` providers have tests of their own, and every run of the
 * bundled CLI and action still starts the server a user's run would.
 */
export async function onSharedServer(): Promise<{ postgres: 'url'; postgresUrl: string }> {
  return { postgres: 'url', postgresUrl: (await sharedServer()).url() };
}

/** The test file's shared server itself (started on first use). */
export function sharedServer(): Promise<PostgresServer> {
  return (shared ??= startTestPostgres());
}
