/**
 * The kept cluster, the `local` and `testcontainers` providers' form of the base-state cache for large
 * bases: a check that saved a base state of 1,000 relations or more keeps its server's cluster, a data
 * directory or a container's archive, with that state's database in it (a smaller one is not kept:
 * cache.test.ts); the next check starts its server on a copy of it and takes that database instead of
 * restoring the dump, and reports what a check without the cache reports. Anything wrong with a kept
 * cluster costs the dump's restore (or a replay), never the check, and a kept cluster lets nobody in
 * with an earlier run's password.
 */
import { expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { KEEP_CLUSTER_FROM } from '../../src/migrate/cache.js';
import { startPostgres, type PostgresRequest } from '../../src/postgres/index.js';
import { BASE, check, entries, newRepo, project, PULL, tempDir } from '../helpers/cache-fixture.js';
import { dockerTestEngine, refusal } from '../helpers/postgres.js';
import { migration } from '../helpers/repo.js';
import { comparable } from '../helpers/report-schema.js';

const local = { postgres: 'local' } as const;

// A real Docker engine (started by .ci/testcontainers.sh in CI). Without one the container cases are
// reported as skipped, with the reason printed, never passed.
const engine = await dockerTestEngine();
if (!engine.ok) console.warn(`SKIPPING the kept cluster tests in a container: ${engine.reason}`);
const withDocker = engine.ok ? test : test.skip;
const container = { postgres: 'testcontainers', postgresImage: engine.image } as const;

/**
 * The cache fixture's base with 340 more tables first (each with its sequence and key index: 1,020
 * relations), large enough for its cluster to be kept (`KEEP_CLUSTER_FROM`).
 */
const LARGE_BASE: Record<string, string> = {
  'migrations/20251231000000-fillers.js': migration(
    `await queryInterface.sequelize.query(\`DO $$ BEGIN FOR i IN 1..340 LOOP
      EXECUTE format('CREATE TABLE filler_%s (id serial PRIMARY KEY)', i);
    END LOOP; END $$\`);`,
    `await queryInterface.sequelize.query(\`DO $$ BEGIN FOR i IN 1..340 LOOP
      EXECUTE format('DROP TABLE filler_%s', i);
    END LOOP; END $$\`);`,
  ),
  ...BASE,
};

/** The kept clusters in a cache folder. */
const clustersIn = (cache: string) =>
  readdirSync(cache)
    .filter((f) => /^cluster-[0-9a-f]{16}-1[4-8]$/.test(f))
    .map((f) => join(cache, f));

/** The clusters kept from containers in a cache folder (one per project folder and image). */
const containerClustersIn = (cache: string) =>
  readdirSync(cache)
    .filter((f) => /^cluster-[0-9a-f]{16}-c[0-9a-f]{8}$/.test(f))
    .map((f) => join(cache, f));

/** A login with `password` to `database` on `url`'s server: 'connected', else PostgreSQL's refusal. */
function login(url: string, password: string, database = 'postgres'): Promise<string> {
  const target = new URL(url);
  target.password = password;
  target.pathname = `/${database}`;
  return refusal({ connectionString: target.toString() });
}

/**
 * A server keeps a cluster holding one database with one row (another database of its run is
 * dropped): what it asked to keep, its password and the dropped database's name.
 */
async function keepOne(
  request: PostgresRequest,
): Promise<{ keep: string; drop: string; earlier: string; major: number }> {
  const first = await startPostgres(request);
  const earlier = new URL(first.url()).password;
  const keep = await first.createDatabase();
  const drop = await first.createDatabase();
  const client = new pg.Client({ connectionString: first.url(keep) });
  await client.connect();
  await client.query('CREATE TABLE kept_table (id int); INSERT INTO kept_table VALUES (7)');
  await client.end();
  expect(first.keepAtStop!(keep, 'the note')).toBe(true);
  await first.stop();
  return { keep, drop, earlier, major: first.major };
}

/** A server started on what `keepOne` kept lets in only its own password and holds only that database. */
async function expectStartsOnIt(
  request: PostgresRequest,
  kept: Awaited<ReturnType<typeof keepOne>>,
): Promise<void> {
  const { keep, drop, earlier } = kept;
  const second = await startPostgres(request);
  try {
    expect(second.kept).toEqual({ database: keep, note: 'the note' });
    expect(await login(second.url(), earlier)).toMatch(/password authentication failed/);
    expect(await login(second.url(), new URL(second.url()).password, keep)).toBe('connected');
    const reader = new pg.Client({ connectionString: second.url(keep) });
    await reader.connect();
    const { rows } = await reader.query<{ id: number }>('SELECT id FROM kept_table');
    const { rows: names } = await reader.query<{ datname: string }>(
      'SELECT datname FROM pg_database ORDER BY datname',
    );
    await reader.end();
    expect(rows).toEqual([{ id: 7 }]);
    expect(names.map((r) => r.datname)).toEqual([keep, 'postgres', 'template0', 'template1'].sort());
    expect(names.map((r) => r.datname)).not.toContain(drop);
  } finally {
    await second.stop();
  }
}

test('a cold check keeps its cluster; a warm one starts on a copy of it, takes its database and reports the same', async () => {
  expect(KEEP_CLUSTER_FROM).toBe(1000);
  const { repo, base } = project(LARGE_BASE);
  const cache = tempDir('schemabot-kept-');
  const plain = await check(repo, base, undefined, [], local);

  const coldLogs: string[] = [];
  const cold = await check(repo, base, cache, coldLogs, local);
  expect(coldLogs.join('\n')).toMatch(/Cluster kept for the next run in \d+ ms/);
  const [folder, ...more] = clustersIn(cache);
  expect(more).toEqual([]);
  expect(statSync(folder!).mode & 0o777).toBe(0o700);
  expect(readdirSync(folder!).sort()).toEqual(['data', 'kept.json']);
  const data = join(folder!, 'data');
  // A clean shutdown (no pid file: it starts without recovery), one or two WAL files of 1 MB, and no
  // database of the run but the base state's beside the server's own three.
  expect(existsSync(join(data, 'postmaster.pid'))).toBe(false);
  const wal = readdirSync(join(data, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f));
  expect(wal.length).toBeGreaterThanOrEqual(1);
  expect(wal.length).toBeLessThanOrEqual(2);
  expect(statSync(join(data, 'pg_wal', wal[0]!)).size).toBe(1024 * 1024);
  expect(readdirSync(join(data, 'base'))).toHaveLength(4);
  const kept = readFileSync(join(folder!, 'kept.json'), 'utf8');

  for (let run = 1; run <= 2; run++) {
    const logs: string[] = [];
    const warm = await check(repo, base, cache, logs, local);
    const text = logs.join('\n');
    expect(text).toMatch(/Started PostgreSQL .* on the cluster kept by an earlier run/);
    expect(text).toMatch(
      /Base state restored from the cache \(4 of 4 migrations\) in \d+ ms: the database of the kept cluster/,
    );
    expect(text).not.toMatch(/Replaying|Cluster kept/); // nothing replayed, nothing new to keep
    expect(warm.baseReplay).toMatchObject({
      migrations: 0,
      cache: { hit: true, restored: 4, key: cold.baseReplay.cache!.key, source: 'cluster' },
    });
    expect(comparable(warm)).toEqual(comparable(plain));
    // A run on a copy leaves the kept cluster as it was: the second warm run takes it again.
    expect(readFileSync(join(folder!, 'kept.json'), 'utf8')).toBe(kept);
  }
  expect(comparable(cold)).toEqual(comparable(plain));
});

test('a base that gained migrations starts on the kept state and keeps the newer one; an edited base does not use it', async () => {
  const repo = newRepo();
  const cache = tempDir('schemabot-kept-');
  const older = repo.commit(LARGE_BASE, 'base');
  const newer = repo.commit(
    {
      'migrations/20260101000003-add-bio.js': migration(
        `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
        `await queryInterface.removeColumn('users', 'bio');`,
      ),
    },
    'the base moves on',
  );
  repo.commit(PULL, 'pull request');
  await check(repo, older, cache, [], local);
  for (const entry of entries(cache)) rmSync(join(cache, entry)); // only the kept cluster holds the state

  const logs: string[] = [];
  const moved = await check(repo, newer, cache, logs, local);
  expect(logs.join('\n')).toMatch(/\(4 of 5 migrations\) in \d+ ms: the database of the kept cluster/);
  expect(logs.join('\n')).toMatch(/Replaying the 1 base migration after the cached state/);
  expect(logs.join('\n')).toMatch(/Cluster kept for the next run/);
  expect(moved.baseReplay).toMatchObject({
    migrations: 1,
    cache: { hit: true, restored: 4, source: 'cluster' },
  });
  expect(comparable(moved)).toEqual(comparable(await check(repo, newer, undefined, [], local)));
  const [folder] = clustersIn(cache);
  expect(JSON.parse(JSON.parse(readFileSync(join(folder!, 'kept.json'), 'utf8')).note)).toMatchObject({
    migrations: 5,
  });

  // The same pull request on a base whose last migration is another: neither the kept state nor a
  // dump is of these migrations.
  repo.git('checkout', '-q', '--detach', older);
  const edited = repo.commit(
    {
      'migrations/20260101000003-add-bio.js': migration(
        `await queryInterface.addColumn('users', 'about', { type: Sequelize.TEXT });`,
        `await queryInterface.removeColumn('users', 'about');`,
      ),
    },
    'an edited base migration',
  );
  repo.commit(PULL, 'pull request');
  const editedLogs: string[] = [];
  const fresh = await check(repo, edited, cache, editedLogs, local);
  expect(editedLogs.join('\n')).toMatch(/the kept cluster holds the state of other base migrations/);
  expect(fresh.baseReplay).toMatchObject({ migrations: 5, cache: { hit: false, restored: 0 } });
});

test('a kept cluster that does not verify, does not start or is of another installation costs only the restore of the dump', async () => {
  const { repo, base } = project(LARGE_BASE);
  const cache = tempDir('schemabot-kept-');
  const cold = await check(repo, base, cache, [], local);
  const [folder] = clustersIn(cache);
  const keptFile = join(folder!, 'kept.json');
  const kept = readFileSync(keptFile, 'utf8');
  const fromTheDump = /Base state restored from the cache \(4 of 4 migrations\) in \d+ ms$/m;

  // Its meta table does not list what was noted (as if its database had been changed since).
  const record = JSON.parse(kept) as { note: string };
  const note = JSON.parse(record.note) as { meta: string[] };
  writeFileSync(
    keptFile,
    JSON.stringify({ ...record, note: JSON.stringify({ ...note, meta: note.meta.slice(1) }) }),
  );
  const altered: string[] = [];
  const unverified = await check(repo, base, cache, altered, local);
  expect(altered.join('\n')).toMatch(
    /the kept cluster's base state is unusable \(its meta table does not list what was saved\)/,
  );
  expect(altered.join('\n')).toMatch(fromTheDump);
  expect(unverified.baseReplay).toMatchObject({
    migrations: 0,
    cache: { hit: true, restored: 4, source: 'dump' },
  });
  expect(comparable(unverified)).toEqual(comparable(cold));

  // A data directory the server cannot start on: a new cluster, and the folder goes.
  writeFileSync(keptFile, kept);
  rmSync(join(folder!, 'data', 'global', 'pg_control'));
  const damaged: string[] = [];
  const restarted = await check(repo, base, cache, damaged, local);
  expect(damaged.join('\n')).toMatch(
    /The kept cluster in \S+ did not start \([\s\S]*pg_control[\s\S]*\); starting a new one/,
  );
  expect(damaged.join('\n')).toMatch(fromTheDump);
  expect(existsSync(folder!)).toBe(false);
  expect(comparable(restarted)).toEqual(comparable(cold));

  // Kept by another PostgreSQL installation: not started on at all.
  for (const entry of entries(cache)) rmSync(join(cache, entry));
  await check(repo, base, cache, [], local); // a miss: replayed and kept again
  writeFileSync(
    keptFile,
    readFileSync(keptFile, 'utf8').replace(/"binDir":"[^"]*"/, '"binDir":"/elsewhere/bin"'),
  );
  const foreign: string[] = [];
  const other = await check(repo, base, cache, foreign, local);
  expect(foreign.join('\n')).not.toMatch(/kept cluster/);
  expect(foreign.join('\n')).toMatch(fromTheDump);
  expect(comparable(other)).toEqual(comparable(cold));
});

test('a server started on a kept cluster lets in only its own password, and holds only the kept database', async () => {
  const folder = join(tempDir('schemabot-kept-'), 'cluster');
  const request = { provider: 'local', cluster: folder } as const;
  const kept = await keepOne(request);
  await expectStartsOnIt(request, kept);
  // Nothing asked to keep this time: the kept cluster is as the first server left it. One per major.
  expect(JSON.parse(readFileSync(join(`${folder}-${kept.major}`, 'kept.json'), 'utf8'))).toMatchObject({
    note: 'the note',
  });
});

withDocker(
  'in a container: a cold check keeps the cluster as an archive; a warm one starts on it and reports the same; a damaged one costs only the restore of the dump',
  async () => {
    const { repo, base } = project(LARGE_BASE);
    const cache = tempDir('schemabot-kept-');
    const coldLogs: string[] = [];
    const cold = await check(repo, base, cache, coldLogs, container);
    expect(coldLogs.join('\n')).toMatch(/Cluster kept for the next run in \d+ ms/);
    expect(clustersIn(cache)).toEqual([]);
    const [folder, ...more] = containerClustersIn(cache);
    expect(more).toEqual([]);
    expect(statSync(folder!).mode & 0o777).toBe(0o700);
    expect(readdirSync(folder!).sort()).toEqual(['data.tar', 'kept.json']);
    expect(statSync(join(folder!, 'data.tar')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(folder!, 'kept.json'), 'utf8'))).toMatchObject({
      image: engine.image,
      version: expect.stringMatching(/^\d+\.\d+/),
    });

    const logs: string[] = [];
    const warm = await check(repo, base, cache, logs, container);
    const text = logs.join('\n');
    expect(text).toMatch(/Started PostgreSQL .* in container .* on the cluster kept by an earlier run/);
    expect(text).toMatch(
      /Base state restored from the cache \(4 of 4 migrations\) in \d+ ms: the database of the kept cluster/,
    );
    expect(text).not.toMatch(/Replaying|Cluster kept/);
    expect(warm.baseReplay).toMatchObject({
      migrations: 0,
      cache: { hit: true, restored: 4, key: cold.baseReplay.cache!.key, source: 'cluster' },
    });
    expect(comparable(warm)).toEqual(comparable(cold));

    // An archive that does not unpack: the container exits, a new one starts and the dump is restored.
    writeFileSync(join(folder!, 'data.tar'), 'not an archive');
    const damaged: string[] = [];
    const restarted = await check(repo, base, cache, damaged, container);
    expect(damaged.join('\n')).toMatch(/The cluster kept in \S+ did not start \(.+\); starting a new one/);
    expect(damaged.join('\n')).toMatch(
      /Base state restored from the cache \(4 of 4 migrations\) in \d+ ms$/m,
    );
    expect(existsSync(folder!)).toBe(false);
    expect(restarted.baseReplay).toMatchObject({ cache: { hit: true, restored: 4, source: 'dump' } });
    expect(comparable(restarted)).toEqual(comparable(cold));
  },
);

withDocker(
  'in a container: a server started on a kept cluster lets in only its own password (the archive holds none), and holds only the kept database',
  async () => {
    const folder = join(tempDir('schemabot-kept-'), 'cluster');
    const request = { provider: 'testcontainers', image: engine.image, cluster: folder } as const;
    const kept = await keepOne(request);
    const parent = join(folder, '..');
    const [archived] = readdirSync(parent).filter((f) => /^cluster-c[0-9a-f]{8}$/.test(f));
    // Neither this run's password nor its verifier is in the archive.
    const archive = readFileSync(join(parent, archived!, 'data.tar'));
    expect(archive.includes(kept.earlier)).toBe(false);
    expect(archive.includes('SCRAM-SHA-256$')).toBe(false);

    await expectStartsOnIt(request, kept);
  },
);
