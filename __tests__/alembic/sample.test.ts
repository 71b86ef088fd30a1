import { join } from 'node:path';
import pg from 'pg';
import { diffSnapshots } from '../../src/diff/index.js';
import { takeSnapshot } from '../../src/inspect/index.js';
import { startAlembicWorker } from '../../src/migrate/alembic/index.js';
import { fillPlaceholders } from '../../src/migrate/environment.js';
import type {
  AlembicModelDifference,
  AlembicRevisions,
  ProjectInfo,
  WorkerStepResult,
} from '../../src/migrate/protocol.js';
import { readRunnerSettings } from '../../src/migrate/settings.js';
import { WorkerRequestError, type WorkerProcess } from '../../src/migrate/worker-process.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { PROJECT_ROOT, PYTHON } from './fixture.js';

const SAMPLE = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');

let server: PostgresServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  for (const w of workers) await w.kill();
  await server?.stop();
});

async function snapshot(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await takeSnapshot(client, { exclude: [{ schema: 'public', name: 'alembic_version' }] });
  } finally {
    await client.end();
  }
}

/** The sample's worker, with the `env:` mapping of its .schemabot.yml filled in for `url`. */
async function sampleWorker(url: string): Promise<WorkerProcess> {
  const settings = readRunnerSettings(SAMPLE);
  const env = Object.fromEntries(Object.entries(settings.env).map(([k, v]) => [k, fillPlaceholders(v, url)]));
  // The worker's environment has none of the variables: only `open` sets them, as Schemabot does.
  const worker = startAlembicWorker({
    python: PYTHON,
    cwd: SAMPLE,
    env: { PATH: process.env.PATH ?? '/usr/bin' },
  });
  workers.push(worker);
  const info = await worker.request<ProjectInfo>({ op: 'load', cwd: SAMPLE });
  expect(info).toMatchObject({ runner: 'alembic', migrationsDir: join(SAMPLE, 'alembic', 'versions') });
  await worker.request({ op: 'open', url, env, applicationName: 'schemabot-sample-test', timeoutMs: 60_000 });
  return worker;
}

test('the sample maps every setting its env.py reads', () => {
  expect(readRunnerSettings(SAMPLE).env).toEqual({
    DATABASE_HOSTNAME: '{host}',
    DATABASE_PORT: '{port}',
    DATABASE_USERNAME: '{user}',
    DATABASE_PASSWORD: '{password}',
    DATABASE_NAME: '{database}',
  });
});

test("the sample's revisions run up, down and up again, each down restoring the schema exactly", async () => {
  const url = server.url(await server.createDatabase());
  const worker = await sampleWorker(url);
  const { revisions, heads } = await worker.request<AlembicRevisions>({ op: 'revisions' });
  expect(revisions.length).toBeGreaterThanOrEqual(5);
  expect(revisions.length).toBeLessThanOrEqual(8);
  expect(heads).toEqual([revisions.at(-1)!.id]);

  const enumStatements: string[] = [];
  for (const rev of revisions) {
    const before = await snapshot(url);
    const up = await worker.request<WorkerStepResult>({
      op: 'step',
      migration: { name: rev.id, path: rev.path },
      direction: 'up',
    });
    expect({ rev: rev.id, error: up.error }).toEqual({ rev: rev.id, error: null });
    expect(up.statements.length).toBeGreaterThan(0);
    const after = await snapshot(url);
    const down = await worker.request<WorkerStepResult>({
      op: 'step',
      migration: { name: rev.id, path: rev.path },
      direction: 'down',
    });
    expect({ rev: rev.id, error: down.error }).toEqual({ rev: rev.id, error: null });
    expect({ rev: rev.id, residue: diffSnapshots(before, await snapshot(url)) }).toEqual({
      rev: rev.id,
      residue: [],
    });
    const reup = await worker.request<WorkerStepResult>({
      op: 'step',
      migration: { name: rev.id, path: rev.path },
      direction: 'up',
    });
    expect({ rev: rev.id, error: reup.error }).toEqual({ rev: rev.id, error: null });
    expect(diffSnapshots(after, await snapshot(url))).toEqual([]);
    enumStatements.push(
      ...[...up.statements, ...down.statements].map((s) => s.sql).filter((s) => /TYPE user_role/.test(s)),
    );
  }
  expect(enumStatements).toEqual([
    "CREATE TYPE user_role AS ENUM ('member', 'moderator', 'admin')",
    'DROP TYPE user_role',
  ]);
  // The env.py built its URL from the mapped settings: the throwaway database has the tables.
  const final = await snapshot(url);
  expect(Object.keys(final.tables).sort()).toEqual(['public.posts', 'public.users', 'public.votes']);
  expect(Object.keys(final.enums)).toEqual(['public.user_role']);
  expect(await worker.request({ op: 'applied' })).toEqual([heads[0]]);

  // The models agree with the migrated schema (`alembic check` finds nothing to generate).
  expect(await worker.request<AlembicModelDifference[]>({ op: 'compare-models' })).toEqual([]);
  await worker.close();
});

test('without the env: mapping, env.py fails and the failure names the variables to map', async () => {
  const url = server.url(await server.createDatabase());
  const worker = startAlembicWorker({
    python: PYTHON,
    cwd: SAMPLE,
    env: { PATH: process.env.PATH ?? '/usr/bin' },
  });
  workers.push(worker);
  await worker.request({ op: 'load', cwd: SAMPLE });
  // `open` runs env.py once: the problem is told before any revision runs.
  const error = (await worker
    .request({ op: 'open', url, env: {}, applicationName: 'schemabot-sample-test', timeoutMs: 60_000 })
    .catch((e: unknown) => e)) as WorkerRequestError;
  expect(error).toBeInstanceOf(WorkerRequestError);
  expect(error.failure).toMatchObject({
    kind: 'project',
    setting: 'env.py',
    unsetEnv: ['DATABASE_HOSTNAME'],
  });
  expect(error.message).toMatch(
    /^Alembic's env\.py failed before any revision ran \(app\/config\.py:\d+\): MissingSetting: DATABASE_HOSTNAME is not set\./,
  );
  expect(error.message).toContain('.schemabot.yml (env: { DATABASE_HOSTNAME: "{host}"');
  await worker.close();
});
