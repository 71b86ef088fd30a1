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
const ADD_NAME = migration(
  `await queryInterface.addColumn('users', 'name', { type: Sequelize.STRING });`,
  `await queryInterface.removeColumn('users', 'name');`,
);

interface StepJson {
  name: string;
  transaction: boolean;
  attempts: number;
  outsideTransaction?: string;
  statements: { sql: string; failed?: boolean }[];
}

async function tables(url: string): Promise<string[]> {
  const rows = await sql<{ t: string }>(
    url,
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.t);
}

async function columns(url: string, table: string): Promise<string[]> {
  const rows = await sql<{ c: string }>(
    url,
    'SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
    [table],
  );
  return rows.map((r) => r.c);
}

function upgrade(url: string, dir: string, ...extra: string[]) {
  return cli(bundle, ['upgrade', '--database-url', url, '--cwd', dir, ...prod.rehearsalFlags, ...extra], {
    json: true,
  });
}

describe('upgrade', () => {
  test('applies the pending migrations, each in a transaction, and sequelize-cli agrees', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();
    const run = await upgrade(db.url, repo.dir);
    expect(run.stdout).toContain(`applied ${NAME}`);
    expect(run.code).toBe(0);
    const report = run.report!;
    expect(report).toMatchObject({
      schemaVersion: 1,
      mode: 'upgrade',
      ok: true,
      failed: null,
      current: NAME,
      pending: { before: [USERS, NAME], after: [] },
      state: { applied: [USERS, NAME], pending: [], missing: [] },
    });
    const applied = report.applied as StepJson[];
    expect(applied.map((a) => [a.name, a.transaction, a.attempts])).toEqual([
      [USERS, true, 1],
      [NAME, true, 1],
    ]);
    expect(applied[1]!.statements.map((s) => s.sql).join('\n')).toMatch(
      /ALTER TABLE "public"."users" ADD COLUMN "name"/,
    );
    const changes = report.changes as { kind: string; name: string; action: string }[];
    expect(changes.map((c) => `${c.kind} ${c.name} ${c.action}`)).toEqual(['table public.users added']);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME], down: [] });

    // Nothing left to do: a second run changes nothing and says so.
    const again = await upgrade(db.url, repo.dir);
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({ ok: true, applied: [], pending: { before: [], after: [] } });
    repo.remove();
  });

  test('--dry-run prints the plan and the SQL of each migration and changes nothing', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();
    const run = await upgrade(db.url, repo.dir, '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`-- ${USERS} (up, in a transaction)`);
    expect(run.stdout).toMatch(
      /CREATE TABLE IF NOT EXISTS "users" \(.*"email" VARCHAR\(255\) NOT NULL UNIQUE/,
    );
    expect(run.stdout).toContain('ALTER TABLE "public"."users" ADD COLUMN "name" VARCHAR(255);');
    expect(run.report).toMatchObject({ ok: true, dryRun: true, applied: [], lock: null });
    expect((run.report!.rehearsal as { steps: unknown[] }).steps).toHaveLength(2);
    expect(await tables(db.adminUrl)).toEqual([]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [], down: [USERS, NAME] });
    repo.remove();
  });

  test('a migration failing on its second statement is rolled back whole; earlier ones stay applied', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    // Production data the rehearsal (an empty copy) does not have: two users with the same name.
    await sql(db.adminUrl, "INSERT INTO users (email, name) VALUES ('a@x', 'ann'), ('b@x', 'ann')");
    const AGE = '20260103000000-add-age.js';
    const UNIQUE = '20260104000000-unique-name.js';
    const LATER = '20260105000000-add-bio.js';
    repo.write({
      [`migrations/${AGE}`]: migration(
        `await queryInterface.addColumn('users', 'age', { type: Sequelize.INTEGER });`,
      ),
      [`migrations/${UNIQUE}`]: migration(
        `await queryInterface.addColumn('users', 'nickname', { type: Sequelize.STRING });
    await queryInterface.addIndex('users', ['name'], { unique: true, name: 'users_name_unique' });`,
      ),
      [`migrations/${LATER}`]: migration(
        `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
      ),
    });
    const run = await upgrade(db.url, repo.dir);
    expect(run.code).toBe(1);
    const report = run.report!;
    expect(report.ok).toBe(false);
    expect((report.applied as StepJson[]).map((a) => a.name)).toEqual([AGE]);
    expect(report.failed).toMatchObject({
      migration: UNIQUE,
      rolledBack: true,
      error: { code: '23505', sql: expect.stringContaining('CREATE UNIQUE INDEX') },
    });
    const failedStep = (report.failed as { step: StepJson }).step;
    expect(failedStep.statements.map((s) => Boolean(s.failed))).toEqual([false, true]);
    expect(report.state).toMatchObject({ applied: [USERS, NAME, AGE], pending: [UNIQUE, LATER] });
    expect(report.current).toBe(AGE);
    // The first statement of the failed migration was rolled back with it: one transaction.
    expect(await columns(db.adminUrl, 'users')).toEqual(['id', 'email', 'name', 'age']);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, AGE]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME, AGE], down: [UNIQUE, LATER] });
    expect(run.stdout).toContain(`${UNIQUE} FAILED (its transaction was rolled back)`);
    repo.remove();
  });

  test('CREATE INDEX CONCURRENTLY runs outside a transaction, and the report says so', async () => {
    const INDEX = '20260103000000-index-name.js';
    const repo = project({
      [USERS]: CREATE_USERS,
      [NAME]: ADD_NAME,
      [INDEX]: migration(
        `await queryInterface.addIndex('users', ['name'], { concurrently: true, name: 'users_name_idx' });`,
        `await queryInterface.removeIndex('users', 'users_name_idx', { concurrently: true });`,
      ),
    });
    const db = await prod.database();
    const run = await upgrade(db.url, repo.dir);
    expect(run.code).toBe(0);
    const steps = run.report!.applied as StepJson[];
    expect(steps.map((s) => [s.name, s.transaction])).toEqual([
      [USERS, true],
      [NAME, true],
      [INDEX, false],
    ]);
    expect(steps[2]!.outsideTransaction).toContain('25001');
    expect(steps[2]!.statements.map((s) => s.sql).join('\n')).toContain('CREATE INDEX CONCURRENTLY');
    expect(run.stdout).toMatch(/applied 20260103000000-index-name\.js .*outside a transaction/);
    const index = await sql<{ valid: boolean }>(
      db.adminUrl,
      "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'users_name_idx'::regclass",
    );
    expect(index).toEqual([{ valid: true }]);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, INDEX]);
    repo.remove();
  });

  test('a failing rehearsal stops before production is touched', async () => {
    const BROKEN = '20260103000000-broken.js';
    const repo = project({
      [USERS]: CREATE_USERS,
      [BROKEN]: migration(
        `await queryInterface.createTable('posts', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    await queryInterface.sequelize.query('ALTER TABLE posts ADD COLUMN title textt');`,
      ),
    });
    const db = await prod.database();
    const run = await upgrade(db.url, repo.dir);
    expect(run.code).toBe(1);
    expect(run.report!.error).toMatch(
      /rehearsal failed, production was not touched: 20260103000000-broken\.js failed: .*textt/,
    );
    expect(run.report).toMatchObject({ applied: [], failed: null, rehearsal: { ok: false } });
    expect(await tables(db.adminUrl)).toEqual([]);
    repo.remove();
  });

  test('refuses missing migrations and, without --allow-out-of-order, out-of-order ones', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);

    const EARLY = '20251231000000-early.js';
    repo.write({
      [`migrations/${EARLY}`]: migration(
        `await queryInterface.createTable('early', { id: Sequelize.INTEGER });`,
      ),
    });
    const refused = await upgrade(db.url, repo.dir);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toContain(`sort before the newest applied one (${NAME}): ${EARLY}`);
    expect(refused.report!.state).toMatchObject({ outOfOrder: [EARLY], pending: [EARLY] });
    expect(await tables(db.adminUrl)).not.toContain('early');

    const allowed = await upgrade(db.url, repo.dir, '--allow-out-of-order');
    expect(allowed.code).toBe(0);
    expect((allowed.report!.applied as StepJson[]).map((s) => s.name)).toEqual([EARLY]);

    repo.write({ [`migrations/${USERS}`]: null });
    const missing = await upgrade(db.url, repo.dir);
    expect(missing.code).toBe(1);
    expect(missing.report!.error).toContain(`have no file: ${USERS}`);
    expect(missing.report!.state).toMatchObject({ missing: [USERS] });
    repo.remove();
  });

  test('drift: the default (fail) refuses a hand-changed schema, --drift warn names it and proceeds', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    expect((await upgrade(db.url, repo.dir)).code).toBe(0);
    await sql(db.adminUrl, 'ALTER TABLE users ADD COLUMN hotfix integer');
    repo.write({ [`migrations/${NAME}`]: ADD_NAME });

    const refused = await upgrade(db.url, repo.dir);
    expect(refused.code).toBe(1);
    expect(refused.report!.error).toMatch(
      /^Refusing to upgrade: The live schema differs .*column public\.users\.hotfix added/,
    );
    expect(refused.report!.error).toContain('or accept it with --drift warn');
    expect(refused.report!.drift).toEqual([
      expect.objectContaining({ kind: 'column', name: 'public.users.hotfix', action: 'added' }),
    ]);
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);

    const warned = await upgrade(db.url, repo.dir, '--drift', 'warn');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning (--drift warn): The live schema differs');
    expect(warned.stderr).toContain('drift: column public.users.hotfix added');
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME]);
    repo.remove();
  });

  test('an unreachable database is exit code 2, names --database-url and never shows the password', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const url = new URL((await prod.database()).url);
    url.port = '1';
    const run = await cli(bundle, ['upgrade', '--database-url', url.toString(), '--cwd', repo.dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Cannot connect to the database given by --database-url');
    expect(run.stderr).toContain('schemabot_app:***@');
    const bad = await cli(bundle, [
      'status',
      '--database-url',
      'mysql://u:Pr0d-s3cret-Pa55word@h/db',
      '--cwd',
      repo.dir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--database-url');
    repo.remove();
  });
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
