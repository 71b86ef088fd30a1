import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { dockerApi, dockerTestEngine, startTestPostgres } from '../helpers/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const script = join(here, 'fixtures', 'hold-server.ts');

const engine = await dockerTestEngine();
if (!engine.ok) {
  console.warn(`SKIPPING the testcontainers cleanup test: no usable Docker engine: ${engine.reason}`);
}
const withDocker = engine.ok ? test : test.skip;

interface Held {
  database: string;
  pid?: number;
  dataDir?: string;
  containerId?: string;
}

/**
 * Runs the fixture in its own Node process, waits for its JSON line, optionally signals it, and
 * returns what it held and how it ended.
 */
async function hold(
  args: string[],
  signal?: NodeJS.Signals,
): Promise<{ held: Held; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    // Jest's process.env is the test's own copy: pass it on (DOCKER_HOST and friends).
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const held = await new Promise<Held>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) resolve(JSON.parse(line!) as Held);
    });
    void exited.then(() => reject(new Error(`fixture exited before starting a server: ${stderr}`)));
  });
  if (signal) child.kill(signal);
  const code = await exited;
  return { held, code, stderr };
}

/** Running, as opposed to gone or a zombie waiting for its new parent to reap it. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !processAlive(pid);
}

/** The data directory is removed, by the process itself or, once it is gone, by the server's supervisor (10 s at most). */
async function removed(dir: string): Promise<boolean> {
  for (let i = 0; i < 500 && existsSync(dir); i++) await new Promise((r) => setTimeout(r, 20));
  return !existsSync(dir);
}

test.each(['SIGTERM', 'SIGINT'] as const)(
  'local: %s stops the server and removes its data directory',
  async (signal) => {
    const { held, code } = await hold(['local'], signal);
    expect(code).toBe(signal === 'SIGTERM' ? 143 : 130);
    expect(held.pid).toBeGreaterThan(0);
    expect(await gone(held.pid!)).toBe(true);
    expect(await removed(held.dataDir!)).toBe(true);
  },
);

test('local: an uncaught error still kills the server and removes its data directory', async () => {
  const { held, code, stderr } = await hold(['local', 'crash']);
  expect(code).toBe(1);
  expect(stderr).toContain('crash on purpose');
  expect(await gone(held.pid!)).toBe(true);
  expect(await removed(held.dataDir!)).toBe(true);
});

describe('url', () => {
  let host: PostgresServer;
  beforeAll(async () => {
    host = await startTestPostgres();
  });
  afterAll(async () => {
    await host?.stop();
  });

  test('SIGTERM drops the throwaway database it created', async () => {
    const { held, code } = await hold(['url', 'wait', host.url()], 'SIGTERM');
    expect(code).toBe(143);
    const client = new pg.Client({ connectionString: host.url() });
    await client.connect();
    const r = await client.query('SELECT datname FROM pg_database WHERE datname = $1', [held.database]);
    const all = await client.query('SELECT count(*)::int AS n FROM pg_database');
    await client.end();
    expect(held.database).toMatch(/^schemabot_/);
    expect(r.rows).toEqual([]);
    expect(all.rows[0].n).toBe(3); // postgres, template0, template1: nothing else was touched
  });
});

withDocker('testcontainers: SIGTERM removes the container', async () => {
  const { held, code } = await hold(['testcontainers', 'wait', engine.image], 'SIGTERM');
  expect(code).toBe(143);
  expect(held.containerId).toMatch(/^[0-9a-f]{64}$/);
  const r = await dockerApi(engine.socketPath!, `/containers/${held.containerId}/json`);
  expect(r.status).toBe(404);
});
