import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
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
const POSTS = '20260103000000-create-posts.js';

describe('stamp', () => {
  test('adopts a database built without Schemabot: records up to --to without running anything', async () => {
    const repo = project({
      [USERS]: CREATE_USERS,
      [NAME]: migration(`await queryInterface.addColumn('users', 'name', { type: Sequelize.STRING });`),
      [POSTS]: migration(
        `await queryInterface.createTable('posts', { id: { type: Sequelize.INTEGER, primaryKey: true } });`,
      ),
    });
    const db = await prod.database();
    // The schema the first two migrations describe, made some other way (as the application's role).
    await sql(
      db.url,
      'CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, name varchar(255))',
    );
    const run = await cli(bundle, ['stamp', '--database-url', db.url, '--cwd', repo.dir, '--to', NAME], {
      json: true,
    });
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({
      schemaVersion: 1,
      mode: 'stamp',
      ok: true,
      to: NAME,
      added: [USERS, NAME],
      current: NAME,
      state: { applied: [USERS, NAME], pending: [POSTS] },
    });
    expect(run.stdout).toContain(`+ ${USERS}`);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME], down: [POSTS] });

    const again = await cli(bundle, ['stamp', '--database-url', db.url, '--cwd', repo.dir, '--to', USERS], {
      json: true,
    });
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({ added: [] });

    // An upgrade afterwards runs only what was not stamped, and the schema shows no drift.
    const up = await cli(
      bundle,
      ['upgrade', '--database-url', db.url, '--cwd', repo.dir, '--drift', 'fail', ...prod.rehearsalFlags],
      { json: true },
    );
    expect(up.code).toBe(0);
    expect((up.report!.applied as { name: string }[]).map((a) => a.name)).toEqual([POSTS]);
    expect(up.report!.drift).toEqual([]);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, NAME, POSTS]);
    repo.remove();
  });

  test('refuses a name that is not a migration file (exit 2), adding nothing', async () => {
    const repo = project({ [USERS]: CREATE_USERS });
    const db = await prod.database();
    const run = await cli(bundle, [
      'stamp',
      '--database-url',
      db.url,
      '--cwd',
      repo.dir,
      '--to',
      '20260101000000-create-user.js',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--to 20260101000000-create-user.js is not a migration file');
    expect(await sql(db.adminUrl, `SELECT to_regclass('"SequelizeMeta"')::text AS t`)).toEqual([{ t: null }]);
    repo.remove();
  });

  test('behind a lock on the meta table, gives up within its own --lock-timeout and --retries, adding nothing', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: migration('') });
    const db = await prod.database();
    const first = await cli(bundle, ['stamp', '--database-url', db.url, '--cwd', repo.dir, '--to', USERS]);
    expect(first.code).toBe(0);
    const holder = new pg.Client({ connectionString: db.url, application_name: 'report-job' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE "SequelizeMeta" IN ACCESS EXCLUSIVE MODE');
      const args = ['--database-url', db.url, '--cwd', repo.dir, '--lock-timeout', '1', '--retries', '0'];
      const run = await cli(bundle, ['stamp', ...args, '--to', NAME], { json: true });
      expect(run.code).not.toBe(0);
      expect(run.stderr + JSON.stringify(run.report ?? {})).toContain('lock_timeout (1 s), 1 attempt(s)');
      expect(run.stderr + JSON.stringify(run.report ?? {})).toContain('raise --lock-timeout / --retries');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await metaRows(db.adminUrl)).toEqual([USERS]);
    repo.remove();
  });
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
