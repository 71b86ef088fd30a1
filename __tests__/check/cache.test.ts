/**
 * The base-state cache (`src/migrate/cache.ts`) on real PostgreSQL servers: a check that restores the
 * base branch's state from the cache reports what a check that replays it reports, a prefix of the base
 * is reused, anything that could change the state misses, and a broken entry only costs a replay.
 */
import { afterAll, expect, test } from '@jest/globals';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../../src/report/contract/check.js';
import { loadConfig } from '../../src/assess/config.js';
import { readRunnerSettings } from '../../src/migrate/settings.js';
import { KEEP_CLUSTERS, KEEP_PER_PROJECT, KEEP_TOTAL } from '../../src/migrate/cache.js';
import { runCheck } from '../../src/modes/check.js';
import type { CheckOptions } from '../../src/modes/options.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { dockerTestEngine, startTestPostgres } from '../helpers/postgres.js';
import { migration, PROJECT_ROOT } from '../helpers/repo.js';
import { PYTHON } from '../alembic/fixture.js';
import { comparable, expectValidReport } from '../helpers/report-schema.js';
import { onSharedServer } from '../helpers/shared-server.js';
import { BASE, check, entries, newRepo, project, PULL, tempDir } from '../helpers/cache-fixture.js';

// A real Docker engine (started by .ci/testcontainers.sh in CI). Without one the testcontainers case is
// reported as skipped, with the reason printed, never passed.
const engine = await dockerTestEngine();
if (!engine.ok) console.warn(`SKIPPING the testcontainers base-state cache test: ${engine.reason}`);
const withDocker = engine.ok ? test : test.skip;

let bundle: string | undefined;
afterAll(() => {
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

test('a cold check saves the base state; a warm one restores it and reports what a check without the cache reports', async () => {
  const { repo, base } = project();
  const cache = join(tempDir('schemabot-cache-'), 'cache');
  // On the provider a user's machine starts (the other tests share one server: see onSharedServer).
  const local = { postgres: 'local' } as const;
  const plain = await check(repo, base, undefined, [], local);
  expect(plain.baseReplay).toEqual(expect.objectContaining({ migrations: 3 }));
  expect(plain.baseReplay.cache).toBeUndefined();
  // What the pull request proves depends on the base's rows and sequence being there.
  const byName = (r: CheckReport, n: string) => r.migrations.find((m) => m.name === n)!;
  expect(byName(plain, '20260201000000-add-admin.js').up?.ok).toBe(true);
  expect(byName(plain, '20260201000002-require-name.js').up).toMatchObject({
    ok: false,
    error: { message: expect.stringContaining('contains null values') },
  });

  const coldLogs: string[] = [];
  const cold = await check(repo, base, cache, coldLogs, local);
  expect(cold.baseReplay).toMatchObject({
    migrations: 3,
    cache: { hit: false, restored: 0, key: expect.stringMatching(/^[0-9a-f]{32}$/) },
  });
  expect(coldLogs.join('\n')).toMatch(/Base state of 3 base migrations saved to the cache/);
  expect(coldLogs.join('\n')).toMatch(/Checking out the base commit [0-9a-f]{7} to run base migrations/);
  const saved = entries(cache);
  expect(saved).toEqual([expect.stringMatching(/^base-[0-9a-f]{16}-3-[0-9a-f]{32}\.sql$/)]);
  expect(saved[0]).toContain(cold.baseReplay.cache!.key);
  expect(statSync(cache).mode & 0o777).toBe(0o700);
  expect(statSync(join(cache, saved[0]!)).mode & 0o777).toBe(0o600);
  // No temporary file left, and no kept cluster: a state this small restores as fast as a cluster is
  // copied (kept-cluster.test.ts).
  expect(readdirSync(cache)).toEqual(saved);

  const warmLogs: string[] = [];
  const warm = await check(repo, base, cache, warmLogs, local);
  expect(warm.baseReplay).toMatchObject({
    migrations: 0,
    ms: 0,
    statementMs: 0,
    cache: { hit: true, restored: 3, key: cold.baseReplay.cache!.key, source: 'dump' },
  });
  expect(cold.baseReplay.cache).not.toHaveProperty('source'); // a miss came from nowhere
  expect(warmLogs.join('\n')).toMatch(/Base state restored from the cache \(3 of 3 migrations\)/);
  expect(warmLogs.join('\n')).not.toMatch(/Replaying/);
  // Nothing of the base runs: its files are never checked out (names and blob ids come from git).
  expect(warmLogs.join('\n')).not.toMatch(/Checking out the base commit/);
  expect(renderMarkdown(warm)).toContain(' · base state restored from cache (3 of 3 migrations) · ');
  expect(renderMarkdown(cold)).toMatch(/ · 3 base migrations replayed in \d/);
  expect(comparable(cold)).toEqual(comparable(plain));
  expect(comparable(warm)).toEqual(comparable(plain));
  expect(entries(cache)).toEqual(saved);
});

test('a base that gained migrations restores the older state and replays only the new ones', async () => {
  const repo = newRepo();
  const cache = tempDir('schemabot-cache-');
  const older = repo.commit(BASE, 'base');
  const newer = repo.commit(
    {
      'migrations/20260101000003-add-bio.js': migration(
        `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
        `await queryInterface.removeColumn('users', 'bio');`,
      ),
      'migrations/20260101000004-seed-posts.js': migration(
        `await queryInterface.bulkInsert('posts', [{ user_id: 1, state: 'draft' }, { user_id: 2, state: 'live' }]);`,
        `await queryInterface.bulkDelete('posts', null, {});`,
      ),
    },
    'the base moves on',
  );
  repo.commit(PULL, 'pull request');
  const first = await check(repo, older, cache);
  expect(first.baseReplay).toMatchObject({ migrations: 3, cache: { restored: 0 } });

  const logs: string[] = [];
  const moved = await check(repo, newer, cache, logs);
  expect(moved.baseReplay).toMatchObject({ migrations: 2, cache: { hit: true, restored: 3 } });
  expect(moved.migrations.filter((m) => m.up).map((m) => m.up!.ok)).toEqual([true, true, false]);
  expect(renderMarkdown(moved)).toMatch(
    / · base state restored from cache \(3 of 5 migrations\), 2 migrations replayed in \d/,
  );
  expect(logs.join('\n')).toMatch(/restored from the cache \(3 of 5 migrations\)/);
  expect(logs.join('\n')).toMatch(/Replaying the 2 base migrations after the cached state/);
  expect(
    entries(cache)
      .map((f) => f.split('-')[2])
      .sort(),
  ).toEqual(['3', '5']);

  const again = await check(repo, newer, cache);
  expect(again.baseReplay).toMatchObject({ migrations: 0, cache: { restored: 5 } });
  expect(comparable(moved)).toEqual(comparable(await check(repo, newer, undefined)));
  expect(comparable(again)).toEqual(comparable(moved));
});

test('after a down that leaves something behind, the rebuild restores the base state from the cache too', async () => {
  const repo = newRepo();
  const base = repo.commit(BASE, 'base');
  repo.commit({
    'migrations/20260201000000-add-bio.js': migration(
      `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
      '',
    ),
    'migrations/20260201000001-add-title.js': PULL['migrations/20260201000001-add-title.js']!,
  });
  const cache = tempDir('schemabot-cache-');
  const plain = await check(repo, base, undefined);
  expect(plain.migrations.find((m) => m.name === '20260201000000-add-bio.js')!.reversible).toBe(false);
  await check(repo, base, cache);
  const logs: string[] = [];
  const warm = await check(repo, base, cache, logs);
  // Once for the base, once for the rebuild after the leaky down (the base, then the first new migration).
  expect(logs.filter((l) => l.startsWith('Base state restored from the cache'))).toEqual([
    expect.stringContaining('(3 of 3 migrations)'),
    expect.stringContaining('(3 of 3 migrations)'),
  ]);
  expect(comparable(warm)).toEqual(comparable(plain));
});

test('the key is the content: a copy of the project hits, an edited base migration or config misses', async () => {
  const cache = tempDir('schemabot-cache-');
  const original = project();
  await check(original.repo, original.base, cache);

  const copy = project();
  expect((await check(copy.repo, copy.base, cache)).baseReplay.cache).toMatchObject({ restored: 3 });

  const edited = project({
    ...BASE,
    'migrations/20260101000001-seed-users.js': BASE['migrations/20260101000001-seed-users.js']!.replace(
      "{ email: 'b@example.com' }",
      "{ email: 'b@example.com' }, { email: 'c@example.com' }",
    ),
  });
  const logs: string[] = [];
  const missed = await check(edited.repo, edited.base, cache, logs);
  expect(missed.baseReplay).toMatchObject({ migrations: 3, cache: { hit: false, restored: 0 } });
  expect(logs.join('\n')).toMatch(/no state saved for these 3 migrations/);

  const configured = project({
    ...BASE,
    'config/config.json': JSON.stringify({
      development: { dialect: 'postgres', logging: false, define: {} },
    }),
  });
  expect((await check(configured.repo, configured.base, cache)).baseReplay).toMatchObject({
    migrations: 3,
    cache: { restored: 0 },
  });
  // Only whole bases are saved: three bases of three migrations, three keys.
  expect(new Set(entries(cache).map((f) => f.split('-')[3])).size).toBe(3);
});

test('a truncated or altered entry is not used: every base migration is replayed, the check passes, and the state is saved again', async () => {
  const { repo, base } = project();
  const cache = tempDir('schemabot-cache-');
  const plain = await check(repo, base, cache);
  const [entry] = entries(cache);
  const file = join(cache, entry!);

  truncateSync(file, Math.floor(statSync(file).size / 2));
  const logs: string[] = [];
  const truncated = await check(repo, base, cache, logs);
  expect(logs.join('\n')).toMatch(
    /Base-state cache: the state saved for 3 migrations \(base-.*\.sql\) is unusable \(.*bytes instead of.*\); replaying every migration instead/,
  );
  expect(truncated.baseReplay).toMatchObject({ migrations: 3, cache: { hit: false, restored: 0 } });
  expect(comparable(truncated)).toEqual(comparable(plain));

  // Saved again, whole: the next check restores it.
  expect(entries(cache)).toEqual([entry]);
  const restored = await check(repo, base, cache);
  expect(restored.baseReplay.cache).toMatchObject({ restored: 3 });

  // The same length, one row changed: the checksum refuses it.
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('b@example.com');
  writeFileSync(file, text.replace('b@example.com', 'x@example.com'));
  const altered: string[] = [];
  const again = await check(repo, base, cache, altered);
  expect(altered.join('\n')).toMatch(/is unusable \(checksum mismatch\)/);
  expect(comparable(again)).toEqual(comparable(plain));

  // An entry whose SQL does not restore (a valid header over SQL that fails): a failed restore.
  const bad = readFileSync(file, 'utf8');
  const header = JSON.parse(bad.slice(bad.indexOf(' {') + 1, bad.indexOf('\n'))) as Record<string, unknown>;
  const body = Buffer.from('CREATE TABLE public.users (id integer);\nSELECT 1/0;\n');
  const { createHash } = await import('node:crypto');
  Object.assign(header, { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  writeFileSync(file, `-- schemabot base state ${JSON.stringify(header)}\n${body.toString()}`);
  const failing: string[] = [];
  const failed = await check(repo, base, cache, failing);
  expect(failing.join('\n')).toMatch(/is unusable \(division by zero\)/);
  expect(comparable(failed)).toEqual(comparable(plain));
});

test('base migrations that create a role are replayed every time: a dump does not hold roles', async () => {
  const { repo, base } = project({
    ...BASE,
    'migrations/20260101000003-reader-role.js': migration(
      `await queryInterface.sequelize.query('CREATE ROLE schemabot_reader');
    await queryInterface.sequelize.query('GRANT SELECT ON users TO schemabot_reader');`,
      `await queryInterface.sequelize.query('REVOKE SELECT ON users FROM schemabot_reader');
    await queryInterface.sequelize.query('DROP ROLE schemabot_reader');`,
    ),
  });
  const cache = tempDir('schemabot-cache-');
  const logs: string[] = [];
  // A server of its own: a role belongs to the whole server.
  const report = await check(repo, base, cache, logs, { postgres: 'local' });
  expect(report.ok).toBe(false); // the required column, as above
  expect(logs.join('\n')).toMatch(
    /this base state is not saved: the base migrations create roles \(schemabot_reader\)/,
  );
  expect(entries(cache)).toEqual([]);
});

test('a baseline dump is part of the cached state and of its key', async () => {
  const baseline = [
    'CREATE TABLE public.settings (key text PRIMARY KEY, value text NOT NULL);',
    'COPY public.settings (key, value) FROM stdin;',
    'theme\tdark',
    '\\.',
    '',
  ].join('\n');
  const files = {
    ...BASE,
    '.schemabot.yml': 'baseline: db/schema.sql\n',
    'db/schema.sql': baseline,
    'migrations/20260101000003-more-settings.js': migration(
      `await queryInterface.bulkInsert('settings', [{ key: 'lang', value: 'en' }]);`,
      `await queryInterface.bulkDelete('settings', { key: 'lang' });`,
    ),
  };
  const { repo, base } = project(files);
  repo.commit({
    'migrations/20260301000000-settings-once.js': migration(
      `await queryInterface.addIndex('settings', ['value'], { unique: true, name: 'settings_value' });`,
      `await queryInterface.removeIndex('settings', 'settings_value');`,
    ),
  });
  const cache = tempDir('schemabot-cache-');
  const plain = await check(repo, base, undefined);
  await check(repo, base, cache);
  const warm = await check(repo, base, cache);
  expect(warm.baseReplay).toMatchObject({ migrations: 0, cache: { restored: 4 } });
  expect(comparable(warm)).toEqual(comparable(plain));

  // Another baseline, the same migrations: another key.
  const other = project({ ...files, 'db/schema.sql': baseline.replace('theme\tdark', 'theme\tlight') });
  expect((await check(other.repo, other.base, cache)).baseReplay.cache).toMatchObject({ restored: 0 });
});

test('the CLI keeps the state in $XDG_CACHE_HOME/schemabot; --no-cache and cache: false in .schemabot.yml write nothing', () => {
  bundle = buildBundle();
  const { repo, base } = project();
  const xdg = tempDir('schemabot-xdg-');
  const run = (...args: string[]) =>
    runCli(bundle!, ['check', '--cwd', repo.dir, '--base', base, '--postgres', 'local', ...args], {
      env: { XDG_CACHE_HOME: xdg },
    });
  const off = run('--no-cache');
  expect(off.code).toBe(1); // the required column
  expect(off.stderr).not.toMatch(/cache/i);
  expect(readdirSync(xdg)).toEqual([]);

  repo.commit({ '.schemabot.yml': 'cache: false\n' });
  expect(run().code).toBe(1);
  expect(readdirSync(xdg)).toEqual([]);

  repo.commit({ '.schemabot.yml': 'cache: true\n' });
  const on = run();
  expect(on.code).toBe(1);
  expect(on.stderr).toMatch(/Base state of 3 base migrations saved to the cache/);
  expect(entries(join(xdg, 'schemabot'))).toHaveLength(1);

  const elsewhere = tempDir('schemabot-cache-dir-');
  const json = join(elsewhere, 'report.json');
  const warm = run('--cache-dir', join(elsewhere, 'cache'), '--json', json);
  expect(warm.stderr).toMatch(/no state saved/);
  const again = run('--cache-dir', join(elsewhere, 'cache'), '--json', json);
  expect(again.stderr).toMatch(/Base state restored from the cache \(3 of 3 migrations\)/);
  expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({
    baseReplay: { migrations: 0, cache: { hit: true, restored: 3 } },
  });

  // A folder that cannot be made (where Node's recursive mkdir would spin for ever) costs only the save.
  const nowhere = run('--cache-dir', '/proc/schemabot-cache');
  expect(nowhere.code).toBe(1);
  expect(nowhere.stderr).toContain(
    "Base-state cache: could not save the base state: ENOENT: no such file or directory, mkdir '/proc/schemabot-cache'",
  );
});

/** Cold, warm and without the cache on one provider: the same report, the state restored when warm. */
async function provesTheSame(server: Pick<CheckOptions, 'postgres' | 'postgresUrl' | 'postgresImage'>) {
  const { repo, base } = project();
  const cache = tempDir('schemabot-cache-');
  const plain = await check(repo, base, undefined, [], server);
  const logs: string[] = [];
  const cold = await check(repo, base, cache, logs, server);
  expect(logs.join('\n')).toMatch(/Base state of 3 base migrations saved to the cache/);
  const warm = await check(repo, base, cache, [], server);
  expect(warm.postgres.provider).toBe(server.postgres);
  expect(warm.baseReplay).toMatchObject({ migrations: 0, cache: { hit: true, restored: 3 } });
  expect(comparable(cold)).toEqual(comparable(plain));
  expect(comparable(warm)).toEqual(comparable(plain));
}

test('a throwaway database on an existing server (url provider) is cached the same way', async () => {
  const server = await startTestPostgres();
  try {
    await provesTheSame({ postgres: 'url', postgresUrl: server.url() });
  } finally {
    await server.stop();
  }
});

withDocker(
  'a server in a container dumps with its own pg_dump; a warm check restores its state',
  async () => {
    await provesTheSame({ postgres: 'testcontainers', postgresImage: engine.image });
  },
);

test('.schemabot.yml: cache is true or false, and the rest of the file still reads with it', async () => {
  const dir = tempDir('schemabot-settings-');
  writeFileSync(join(dir, '.schemabot.yml'), 'fail-on: warning\ncache: false\n');
  expect(readRunnerSettings(dir).cache).toBe(false);
  expect((await loadConfig(dir)).failOn).toBe('warning');
  writeFileSync(join(dir, '.schemabot.yml'), 'cache: true\n');
  expect(readRunnerSettings(dir).cache).toBeUndefined();
  writeFileSync(join(dir, '.schemabot.yml'), 'cache: sometimes\n');
  expect(() => readRunnerSettings(dir)).toThrow(
    '.schemabot.yml: "cache" accepts true or false (false: keep no base state in the cache folder).',
  );
});

test('an Alembic project: the state after the base revisions (alembic_version included) is restored', async () => {
  const sample = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');
  // The sample's last three revisions are the pull request (as in the documentation's workflow test).
  const newer = [
    'e4f6a8c0b2d5_add_votes_table.py',
    '7a9c1e3f5b84_add_phone_number_to_users.py',
    'c2e4a6b8d0f7_add_role_to_users.py',
  ].map((f) => `alembic/versions/${f}`);
  const repo = newRepo();
  cpSync(sample, repo.dir, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !newer.some((f) => src.endsWith(f)),
  });
  const base = repo.commit({}, 'base');
  repo.commit(Object.fromEntries(newer.map((f) => [f, readFileSync(join(sample, f), 'utf8')])), 'head');
  const cache = tempDir('schemabot-cache-');
  const server = await onSharedServer();
  const run = (cacheDir?: string, logs: string[] = []) =>
    runCheck({ cwd: repo.dir, base, ...server, python: PYTHON, cacheDir, log: (l) => logs.push(l) });
  const plain = await run();
  const coldLogs: string[] = [];
  const cold = await run(cache, coldLogs);
  expect(coldLogs.join('\n')).toMatch(/Base state of \d+ base migrations saved to the cache/);
  const warm = await run(cache);
  expectValidReport(warm);
  expect(warm.baseReplay).toMatchObject({
    migrations: 0,
    cache: { hit: true, restored: cold.baseReplay.migrations },
  });
  expect(cold.baseReplay.migrations).toBeGreaterThan(2);
  expect(comparable(warm)).toEqual(comparable(plain));
});

test('the folder is bounded: the newest 3 states of a project, 12 in all, 2 kept clusters; temporary files of ended runs go', async () => {
  const { repo, base } = project();
  const cache = tempDir('schemabot-cache-');
  await check(repo, base, cache);
  const [real] = entries(cache);
  const projectKey = real!.split('-')[1]!;
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
  const plant = (name: string, age: number) => {
    writeFileSync(join(cache, name), 'planted');
    utimesSync(join(cache, name), hoursAgo(age), hoursAgo(age));
  };
  // Four older states of this project, twelve of other projects (older still), two temporary files.
  for (let i = 1; i <= 4; i++) plant(`base-${projectKey}-${i}-${hex(i, 32)}.sql`, i);
  for (let i = 1; i <= 12; i++) plant(`base-${hex(i, 16)}-7-${hex(i, 32)}.sql`, 10 + i);
  plant('.tmp-1-stale', 2);
  plant('.tmp-2-fresh', 0);
  // Three kept clusters (by the last use of their kept.json), and two folders of runs that were
  // keeping one when they ended (or are keeping one now).
  const plantCluster = (name: string, age: number) => {
    mkdirSync(join(cache, name, 'data'), { recursive: true });
    plant(join(name, 'kept.json'), age);
    utimesSync(join(cache, name), hoursAgo(age), hoursAgo(age));
  };
  // A local server's (`-<major>`) and containers' (`-c<image hash>`) count alike.
  plantCluster(`cluster-${hex(1, 16)}-15`, 1);
  for (let i = 2; i <= 3; i++) plantCluster(`cluster-${hex(i, 16)}-c${hex(i, 8)}`, i);
  plantCluster(`cluster-${hex(9, 16)}-15.tmp-1-stale`, 2);
  plantCluster(`cluster-${hex(9, 16)}-15.tmp-2-fresh`, 0);
  rmSync(join(cache, real!)); // a miss: the state is saved again, and the folder trimmed
  await check(repo, base, cache);
  const left = entries(cache);
  expect(left.filter((f) => f.includes(`-${projectKey}-`)).sort()).toEqual(
    [real!, `base-${projectKey}-1-${hex(1, 32)}.sql`, `base-${projectKey}-2-${hex(2, 32)}.sql`].sort(),
  );
  expect(left).toHaveLength(KEEP_TOTAL);
  expect(KEEP_PER_PROJECT).toBe(3);
  // The other projects' newest states fill the rest.
  expect(left.filter((f) => !f.includes(`-${projectKey}-`))).toHaveLength(KEEP_TOTAL - 3);
  expect(left).toContain(`base-${hex(1, 16)}-7-${hex(1, 32)}.sql`);
  expect(left).not.toContain(`base-${hex(12, 16)}-7-${hex(12, 32)}.sql`);
  expect(readdirSync(cache).filter((f) => f.startsWith('.tmp-'))).toEqual(['.tmp-2-fresh']);
  expect(
    readdirSync(cache)
      .filter((f) => f.startsWith('cluster-'))
      .sort(),
  ).toEqual(
    [
      `cluster-${hex(1, 16)}-15`,
      `cluster-${hex(2, 16)}-c${hex(2, 8)}`,
      `cluster-${hex(9, 16)}-15.tmp-2-fresh`,
    ].sort(),
  );
  expect(KEEP_CLUSTERS).toBe(2);
});
