import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fillPlaceholders } from '../../src/migrate/environment.js';
import { readRunnerSettings } from '../../src/migrate/settings.js';
import { runRollback } from '../../src/modes/rollback.js';
import { runStamp } from '../../src/modes/stamp.js';
import { runStatus } from '../../src/modes/status.js';
import { runUpgrade } from '../../src/modes/upgrade.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { AlembicProject, currentIds, PROJECT_ROOT, PYTHON, revision } from './fixture.js';

const SAMPLE = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');
const HEAD = 'c2e4a6b8d0f7';
const NEW = 'f1a2b3c4d5e6';

let server: PostgresServer;
let dir: string;
let url: string;
let bundle: string | undefined;

beforeAll(async () => {
  server = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'schemabot-alembic-production-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  url = server.url(await server.createDatabase());
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

/** Alembic's own command line in the copy of the sample, its env.py pointed at the database by its settings. */
async function alembic(...args: string[]): Promise<string> {
  const env = Object.fromEntries(
    Object.entries(readRunnerSettings(dir).env).map(([k, v]) => [k, fillPlaceholders(v, url)]),
  );
  const project = Object.assign(Object.create(AlembicProject.prototype) as AlembicProject, { dir });
  return project.alembic(args, env);
}

async function columns(table: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ c: string }>(
      'SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY 1',
      [table],
    );
    return r.rows.map((row) => row.c);
  } finally {
    await client.end();
  }
}

/** The revision of a pull request merged after the database was migrated. */
function writeNew(): void {
  writeFileSync(
    join(dir, 'alembic', 'versions', `${NEW}_add_rating_to_posts.py`),
    revision({
      id: NEW,
      down: HEAD,
      message: 'add rating to posts',
      upgrade: "op.add_column('posts', sa.Column('rating', sa.Integer(), nullable=True))",
      downgrade: "op.drop_column('posts', 'rating')",
    }),
  );
}

const common = () => ({ databaseUrl: url, cwd: dir, python: PYTHON, postgres: 'local' as const });

test('status, upgrade, rollback --steps 1 and stamp on a database Alembic migrated itself: alembic current agrees after each', async () => {
  await alembic('upgrade', 'head');
  expect(currentIds(await alembic('current'))).toEqual([HEAD]);
  // A pull request merged since: one new revision.
  writeNew();

  const status = await runStatus(common());
  expect(status).toMatchObject({
    ok: true,
    current: HEAD,
    heads: [NEW],
    pending: [NEW],
    missing: [],
    error: null,
  });
  expect(status.applied).toHaveLength(8);
  expect(status.applied.at(-1)).toBe(HEAD);
  expect(status.applied[0]).toBe('d6b4a1c0f2e1');

  const upgrade = await runUpgrade(common());
  expect(upgrade.error).toBeNull();
  expect(upgrade).toMatchObject({ ok: true, current: NEW });
  expect(upgrade.applied.map((s) => [s.name, s.ok])).toEqual([[NEW, true]]);
  // Locked, rehearsed on a throwaway copy first, the revision and its version row in one transaction.
  expect(upgrade.lock).not.toBeNull();
  expect(upgrade.rehearsal).toMatchObject({ ok: true, replayed: 8 });
  expect(upgrade.applied[0]).toMatchObject({
    file: `alembic/versions/${NEW}_add_rating_to_posts.py`,
    transaction: true,
    statements: [
      expect.objectContaining({ sql: expect.stringMatching(/ALTER TABLE posts ADD COLUMN rating INTEGER/) }),
    ],
  });
  expect(upgrade.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
    'added column public.posts.rating',
  ]);
  expect(currentIds(await alembic('current'))).toEqual([NEW]);
  expect(await columns('posts')).toContain('rating');

  const rollback = await runRollback({ ...common(), steps: 1 });
  expect(rollback.error).toBeNull();
  expect(rollback).toMatchObject({ ok: true, target: HEAD, plan: [NEW], current: HEAD });
  expect(currentIds(await alembic('current'))).toEqual([HEAD]);
  expect(await columns('posts')).not.toContain('rating');

  const stamp = await runStamp({ ...common(), to: NEW });
  expect(stamp).toMatchObject({ ok: true, added: [NEW], current: NEW });
  expect(currentIds(await alembic('current'))).toEqual([NEW]);
  // Recorded, not run.
  expect(await columns('posts')).not.toContain('rating');
  expect(await runStatus(common())).toMatchObject({ current: NEW, pending: [] });
  // status --drift replays the applied revisions: the stamped one's column is not in the live schema.
  const drift = await runStatus({ ...common(), drift: true });
  expect(drift.ok).toBe(false);
  expect(drift.drift?.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
    'removed column public.posts.rating',
  ]);
});

test('the CLI on an Alembic project: rollback --to REV keeps REV applied, status --json says what alembic current says', async () => {
  // A database Alembic brought to the head, the new revision included.
  url = server.url(await server.createDatabase());
  await alembic('upgrade', 'head');
  expect(currentIds(await alembic('current'))).toEqual([NEW]);
  bundle = buildBundle();
  const cli = (...args: string[]) =>
    runCli(bundle!, [...args, '--database-url', url, '--cwd', dir, '--python', PYTHON], { cwd: dir });

  const rollback = cli(
    'rollback',
    '--to',
    HEAD,
    '--postgres',
    'local',
    '--json',
    join(bundle, 'rollback.json'),
  );
  expect(rollback.stderr).not.toMatch(/unexpected error/i);
  expect(rollback.code).toBe(0);
  expect(JSON.parse(readFileSync(join(bundle, 'rollback.json'), 'utf8'))).toMatchObject({
    ok: true,
    target: HEAD,
    plan: [NEW],
    current: HEAD,
  });
  expect(currentIds(await alembic('current'))).toEqual([HEAD]);

  const status = cli('status', '--json', join(bundle, 'status.json'));
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`Heads (1): ${NEW}`);
  expect(status.stdout).toContain(`Current: ${HEAD}`);
  const report = JSON.parse(readFileSync(join(bundle, 'status.json'), 'utf8')) as {
    current: string;
    pending: string[];
  };
  expect(report).toMatchObject({ current: HEAD, pending: [NEW] });
  expect([report.current]).toEqual(currentIds(await alembic('current')));

  // A revision id that is not one is a usage error naming what to pass.
  const bad = cli('stamp', '--to', 'nope');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--to nope is not a revision in .*: use a full revision id/);
});

test('rollback refuses a revision whose downgrade() is only pass, before anything runs', async () => {
  url = server.url(await server.createDatabase());
  const lazy = 'a0b1c2d3e4f5';
  const file = join(dir, 'alembic', 'versions', `${lazy}_add_slug_to_posts.py`);
  writeFileSync(
    file,
    revision({
      id: lazy,
      down: NEW,
      message: 'add slug to posts',
      upgrade: "op.add_column('posts', sa.Column('slug', sa.Text(), nullable=True))",
      downgrade: 'pass',
    }),
  );
  writeNew();
  try {
    await alembic('upgrade', 'head');
    const rollback = await runRollback({ ...common(), steps: 1 });
    expect(rollback).toMatchObject({ ok: false, plan: [lazy], reverted: [], rehearsal: null });
    expect(rollback.error).toBe(`Refusing to roll back: ${lazy} has no down(): it cannot be reverted.`);
    expect(currentIds(await alembic('current'))).toEqual([lazy]);
  } finally {
    rmSync(file);
  }
});
