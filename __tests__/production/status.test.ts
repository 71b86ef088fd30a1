import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runStamp } from '../../src/modes/stamp.js';
import { runStatus } from '../../src/modes/status.js';
import { processesIn } from '../helpers/processes.js';
import { CREATE_USERS, migration } from '../helpers/repo.js';
import {
  buildCli,
  cli,
  expectNoPasswordLeak,
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

function status(url: string, dir: string, ...extra: string[]) {
  return cli(bundle, ['status', '--database-url', url, '--cwd', dir, ...extra], { json: true });
}

describe('status', () => {
  test('applied, pending, missing and out-of-order migrations, read-only', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();

    const fresh = await status(db.url, repo.dir);
    expect(fresh.code).toBe(0);
    expect(fresh.report).toMatchObject({
      schemaVersion: 1,
      mode: 'status',
      ok: true,
      applied: [],
      pending: [USERS, NAME],
      missing: [],
      outOfOrder: [],
      current: null,
      drift: null,
    });
    // Read-only: not even the meta table was created.
    expect(await sql(db.adminUrl, `SELECT to_regclass('"SequelizeMeta"')::text AS t`)).toEqual([{ t: null }]);

    const up = await cli(bundle, [
      'upgrade',
      '--database-url',
      db.url,
      '--cwd',
      repo.dir,
      ...prod.rehearsalFlags,
    ]);
    expect(up.code).toBe(0);
    const EARLY = '20251231000000-early.js';
    const LATER = '20260105000000-later.js';
    repo.write({
      [`migrations/${EARLY}`]: migration(
        `await queryInterface.createTable('early', { id: Sequelize.INTEGER });`,
      ),
      [`migrations/${LATER}`]: migration(
        `await queryInterface.createTable('later', { id: Sequelize.INTEGER });`,
      ),
    });
    const ordered = await status(db.url, repo.dir);
    expect(ordered.code).toBe(0);
    expect(ordered.report).toMatchObject({
      ok: true,
      applied: [USERS, NAME],
      pending: [EARLY, LATER],
      outOfOrder: [EARLY],
      missing: [],
      current: NAME,
    });
    expect(ordered.stdout).toContain(`${EARLY} (out of order: sorts before the current one)`);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME], down: [EARLY, LATER] });

    repo.write({ [`migrations/${NAME}`]: null });
    const missing = await status(db.url, repo.dir);
    expect(missing.code).toBe(1);
    expect(missing.report).toMatchObject({ ok: false, missing: [NAME], applied: [USERS, NAME] });
    expect(missing.stdout).toContain(`${NAME} (file missing)`);
    // sequelize-cli lists it as up, without a word about the missing file.
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, NAME], down: [EARLY, LATER] });
    repo.remove();
  });

  test('--drift replays the applied migrations and finds the changes made by hand', async () => {
    const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
    const db = await prod.database();
    expect(
      (await cli(bundle, ['upgrade', '--database-url', db.url, '--cwd', repo.dir, ...prod.rehearsalFlags]))
        .code,
    ).toBe(0);

    // The throwaway server of the replay: PostgreSQL of the production major version, found locally.
    const clean = await status(db.url, repo.dir, '--drift', '--postgres', 'local');
    expect(clean.code).toBe(0);
    expect(clean.report).toMatchObject({ ok: true, drift: [], rehearsal: { ok: true, replayed: 2 } });
    const production = clean.report!.postgres as { version: string };
    const replay = (clean.report!.rehearsal as { postgres: { version: string } }).postgres;
    expect(replay.version.split('.')[0]).toBe(production.version.split('.')[0]);

    await sql(db.adminUrl, 'CREATE INDEX users_name_idx ON users (name); ALTER TABLE users DROP COLUMN name');
    await sql(db.adminUrl, 'CREATE INDEX users_email_lower ON users (lower(email))');
    const drifted = await status(db.url, repo.dir, '--drift', ...prod.rehearsalFlags);
    expect(drifted.code).toBe(1);
    const drift = drifted.report!.drift as { kind: string; name: string; action: string }[];
    expect(drift.map((c) => `${c.kind} ${c.name} ${c.action}`)).toEqual([
      'column public.users.name removed',
      'index public.users_email_lower added',
    ]);
    expect(drifted.report!.error).toMatch(/someone changed the database by hand/);
    expect(drifted.stdout).toContain('Drift (live schema vs replayed migrations) (2):');
    repo.remove();
  });
});

test('status and stamp run in-process (the library) end the worker that loaded the project: no rehearsal took it', async () => {
  const repo = project({ [USERS]: CREATE_USERS, [NAME]: ADD_NAME });
  const db = await prod.database();
  const common = { databaseUrl: db.url, cwd: repo.dir };
  expect(await runStatus(common)).toMatchObject({ ok: true, pending: [USERS, NAME] });
  expect(processesIn(repo.dir)).toEqual([]);
  expect(await runStamp({ ...common, to: USERS })).toMatchObject({ ok: true });
  expect(processesIn(repo.dir)).toEqual([]);
  // A session that cannot open (the database refuses the role) ends its worker too.
  const refused = new URL(db.url);
  refused.password = 'not-the-password';
  await expect(runStatus({ ...common, databaseUrl: refused.toString() })).rejects.toThrow();
  expect(processesIn(repo.dir)).toEqual([]);
  repo.remove();
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
