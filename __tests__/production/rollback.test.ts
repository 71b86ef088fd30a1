import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CREATE_USERS, migration } from '../helpers/repo.js';
import {
  buildCli,
  cli,
  expectNoPasswordLeak,
  metaRows,
  ProductionServer,
  project,
  removeCli,
  sequelizeCliStatus,
  sql,
} from './fixture.js';

let prod: ProductionServer;
let bundle: string;

beforeAll(async () => {
  [prod, bundle] = await Promise.all([ProductionServer.start(), buildCli()]);
});

afterAll(async () => {
  await prod?.stop();
  removeCli(bundle);
});

const USERS = '20260101000000-create-users.js';
const NAME = '20260102000000-add-name.js';
const INDEX = '20260103000000-index-name.js';
const POSTS = '20260104000000-create-posts.js';
const MIGRATIONS = {
  [USERS]: CREATE_USERS,
  [NAME]: migration(
    `await queryInterface.addColumn('users', 'name', { type: Sequelize.STRING });`,
    `await queryInterface.removeColumn('users', 'name');`,
  ),
  [INDEX]: migration(
    `await queryInterface.addIndex('users', ['name'], { concurrently: true, name: 'users_name_idx' });`,
    `await queryInterface.removeIndex('users', 'users_name_idx', { concurrently: true });`,
  ),
  [POSTS]: migration(
    `await queryInterface.createTable('posts', { id: { type: Sequelize.INTEGER, primaryKey: true }, title: Sequelize.TEXT });`,
    `await queryInterface.dropTable('posts');`,
  ),
};

interface RollbackJson {
  ok: boolean;
  error: string | null;
  target: string | null;
  plan: string[];
  reverted: { name: string; direction: string; transaction: boolean; outsideTransaction?: string }[];
  dataLoss: { kind: string; name: string; rows: number | null }[];
  failed: unknown;
  state: { applied: string[]; pending: string[] };
  rehearsal: { ok: boolean; error: string | null } | null;
}

async function upgraded(files: Record<string, string>) {
  const repo = project(files);
  const db = await prod.database();
  const up = await cli(bundle, [
    'upgrade',
    '--database-url',
    db.url,
    '--cwd',
    repo.dir,
    ...prod.rehearsalFlags,
  ]);
  expect(up.code).toBe(0);
  return { repo, db };
}

function rollback(url: string, dir: string, ...extra: string[]) {
  return cli(bundle, ['rollback', '--database-url', url, '--cwd', dir, ...prod.rehearsalFlags, ...extra], {
    json: true,
  });
}

describe('rollback', () => {
  test('--steps: names the data the downs delete and refuses without --allow-data-loss', async () => {
    const { repo, db } = await upgraded(MIGRATIONS);
    await sql(
      db.adminUrl,
      "INSERT INTO posts VALUES (1, 'a'), (2, 'b'); INSERT INTO users (email) VALUES ('a@x')",
    );

    const refused = await rollback(db.url, repo.dir, '--steps', '1');
    expect(refused.code).toBe(1);
    const r = refused.report as unknown as RollbackJson;
    expect(r.plan).toEqual([POSTS]);
    expect(r.target).toBe(INDEX);
    expect(r.dataLoss).toEqual([
      {
        kind: 'table',
        name: 'public.posts',
        rows: 2,
        migration: POSTS,
        operation: 'drops table posts',
        sql: 'DROP TABLE IF EXISTS "posts";',
      },
    ]);
    expect(r.error).toBe(
      `Refusing to roll back: the downs destroy data in production: ${POSTS} drops table posts (public.posts: 2 rows). ` +
        'Nothing was changed. Back the data up, then rerun with --allow-data-loss.',
    );
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, INDEX, POSTS]);

    const done = await rollback(db.url, repo.dir, '--steps', '1', '--allow-data-loss');
    expect(done.code).toBe(0);
    const d = done.report as unknown as RollbackJson;
    expect(d.reverted.map((s) => [s.name, s.direction, s.transaction])).toEqual([[POSTS, 'down', true]]);
    expect(d.state).toMatchObject({ applied: [USERS, NAME, INDEX], pending: [POSTS] });
    expect(await sql(db.adminUrl, "SELECT to_regclass('posts')::text AS t")).toEqual([{ t: null }]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME, INDEX], down: [POSTS] });
    repo.remove();
  });

  test('--to NAME keeps NAME; --dry-run prints the plan and SQL and changes nothing; downs outside a transaction when needed', async () => {
    const { repo, db } = await upgraded(MIGRATIONS);
    const dry = await rollback(db.url, repo.dir, '--to', USERS, '--dry-run');
    expect(dry.code).toBe(0);
    const r = dry.report as unknown as RollbackJson;
    expect(r.plan).toEqual([POSTS, INDEX, NAME]);
    // Empty in production: listed, with 0 rows, and no flag needed.
    expect(r.dataLoss).toEqual([
      expect.objectContaining({
        kind: 'table',
        name: 'public.posts',
        rows: 0,
        operation: 'drops table posts',
      }),
      expect.objectContaining({
        kind: 'column',
        name: 'public.users.name',
        rows: 0,
        operation: 'drops column public.users.name',
      }),
    ]);
    expect(dry.stdout).toContain(`-- ${POSTS} (down, in a transaction)`);
    expect(dry.stdout).toContain('DROP TABLE IF EXISTS "posts";');
    expect(dry.stdout).toMatch(/-- 20260103000000-index-name\.js \(down, outside a transaction: .*25001/);
    expect(dry.stdout).toContain('DROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";');
    expect(dry.stdout).toContain('ALTER TABLE "public"."users" DROP COLUMN "name";');
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, INDEX, POSTS]);

    const run = await rollback(db.url, repo.dir, '--to', USERS);
    expect(run.code).toBe(0);
    const d = run.report as unknown as RollbackJson;
    expect(d.reverted.map((s) => [s.name, s.transaction])).toEqual([
      [POSTS, true],
      [INDEX, false],
      [NAME, true],
    ]);
    expect(d.state.applied).toEqual([USERS]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS], down: [NAME, INDEX, POSTS] });
    const cols = await sql<{ c: string }>(
      db.adminUrl,
      "SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
    );
    expect(cols.map((c) => c.c)).toEqual(['id', 'email']);
    repo.remove();
  });

  test('the rehearsal catches a failing down before production is touched', async () => {
    const BROKEN = '20260105000000-broken-down.js';
    const { repo, db } = await upgraded({
      ...MIGRATIONS,
      [BROKEN]: migration(
        `await queryInterface.addColumn('users', 'age', { type: Sequelize.INTEGER });`,
        `await queryInterface.removeColumn('users', 'agee');`,
      ),
    });
    const run = await rollback(db.url, repo.dir, '--steps', '2', '--allow-data-loss');
    expect(run.code).toBe(1);
    const r = run.report as unknown as RollbackJson;
    expect(r.error).toMatch(
      /^The rehearsal failed, production was not touched: 20260105000000-broken-down\.js \(down\) failed: .*agee/,
    );
    expect(r.reverted).toEqual([]);
    expect(r.rehearsal).toMatchObject({ ok: false });
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, INDEX, POSTS, BROKEN]);
    expect(await sql(db.adminUrl, "SELECT to_regclass('posts')::text AS t")).toEqual([{ t: 'posts' }]);
    repo.remove();
  });

  test('refuses downs that leave residue, a migration without down(), and one whose file is gone', async () => {
    const NODOWN = '20260105000000-no-down.js';
    const LEAKY = '20260106000000-leaky.js';
    const { repo, db } = await upgraded({
      [USERS]: CREATE_USERS,
      [NODOWN]: migration(`await queryInterface.createTable('notes', { id: Sequelize.INTEGER });`, null),
      [LEAKY]: migration(
        `await queryInterface.addColumn('users', 'mood', { type: Sequelize.ENUM('happy', 'sad') });`,
        `await queryInterface.removeColumn('users', 'mood');`,
      ),
    });
    const leaky = await rollback(db.url, repo.dir, '--steps', '1');
    expect(leaky.code).toBe(1);
    expect(leaky.report!.error).toMatch(
      /^The rehearsal failed, production was not touched: the downs did not restore the schema the kept migrations build \(1 difference\(s\): enum public\.enum_users_mood added\)/,
    );

    const noDown = await rollback(db.url, repo.dir, '--steps', '2', '--allow-data-loss');
    expect(noDown.code).toBe(1);
    expect(noDown.report!.error).toBe(
      `Refusing to roll back: ${NODOWN} has no down(): it cannot be reverted.`,
    );

    repo.write({ [`migrations/${NODOWN}`]: null });
    const gone = await rollback(db.url, repo.dir, '--steps', '2');
    expect(gone.code).toBe(1);
    expect(gone.report!.error).toContain(`no file for ${NODOWN}`);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NODOWN, LEAKY]);
    expect(await sql(db.adminUrl, "SELECT to_regtype('enum_users_mood')::text AS t")).toEqual([
      { t: 'enum_users_mood' },
    ]);

    const usage = await rollback(db.url, repo.dir, '--to', '20990101000000-nope.js');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--to 20990101000000-nope.js is not a migration of this database');
    repo.remove();
  });
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
