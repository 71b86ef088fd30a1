import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../src/postgres/index.js';
import { probeDocker } from '../../src/postgres/docker.js';

/**
 * A real throwaway PostgreSQL for a test file (local provider: Debian's server or the embedded
 * package). `SCHEMABOT_TEST_PG_VERSION` picks the major version; default: the preferred local one.
 */
export async function startTestPostgres(version?: number): Promise<PostgresServer> {
  const env = process.env.SCHEMABOT_TEST_PG_VERSION;
  return startPostgres({ provider: 'local', version: version ?? (env ? Number(env) : undefined) });
}

/** 'connected' when a login with `config` gets in (and closes again), else PostgreSQL's refusal. */
export async function refusal(config: pg.ClientConfig): Promise<string> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return (err as Error).message;
  }
  await client.end();
  return 'connected';
}

/** The env file `.ci/testcontainers.sh` writes (DOCKER_HOST, TESTCONTAINERS_*, SCHEMABOT_TEST_PG_IMAGE). */
export const DOCKER_ENV_FILE = process.env.SCHEMABOT_DOCKER_ENV_FILE ?? '/tmp/schemabot-testcontainers.env';

export interface DockerTestEngine {
  ok: boolean;
  /** Why the engine is or is not usable, for the loud warning when it is not. */
  reason: string;
  /** The PostgreSQL image the tests start (present on the engine when `ok`). */
  image: string;
  /** unix socket path of the engine, when it is one. */
  socketPath?: string;
}

/** A GET on the engine's HTTP API over its unix socket: status and parsed JSON body. */
export function dockerApi(socketPath: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 5000 }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => {
        let body: unknown = data;
        try {
          body = JSON.parse(data);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('Docker API timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The Docker engine the testcontainers tests use: the environment's own settings, else those written
 * by `.ci/testcontainers.sh` (applied to `process.env` so testcontainers sees them). Not `ok` when no
 * engine answers or the test image is missing.
 */
export async function dockerTestEngine(): Promise<DockerTestEngine> {
  if (!process.env.DOCKER_HOST && existsSync(DOCKER_ENV_FILE)) {
    for (const line of readFileSync(DOCKER_ENV_FILE, 'utf8').split('\n')) {
      const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m && process.env[m[1]!] === undefined) process.env[m[1]!] = m[2]!;
    }
  }
  const image = process.env.SCHEMABOT_TEST_PG_IMAGE ?? 'schemabot-test/postgres:15';
  const probe = await probeDocker({ timeoutMs: 2000 });
  if (!probe.ok) {
    return { ok: false, image, reason: `${probe.reason} (run .ci/testcontainers.sh to start one)` };
  }
  const uri = probe.endpoint!.uri;
  if (!uri.startsWith('unix://')) return { ok: true, image, reason: probe.reason };
  const socketPath = uri.slice('unix://'.length);
  const inspect = await dockerApi(socketPath, `/images/${image}/json`);
  if (inspect.status !== 200) {
    return {
      ok: false,
      image,
      socketPath,
      reason: `the engine at ${uri} answers but has no image ${image} (run .ci/testcontainers.sh to build it)`,
    };
  }
  return { ok: true, image, socketPath, reason: probe.reason };
}

/** The System V segment a running postmaster holds (its pid file's seventh line: key and id). */
export function sysvSegment(dataDir: string): string {
  return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[6]!.trim().split(/\s+/)[1]!;
}

/** Whether System V segment `id` still exists (a killed postmaster leaves its own behind). */
export function sysvSegmentExists(id: string): boolean {
  return readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .some((l) => l.trim().split(/\s+/)[1] === id);
}
