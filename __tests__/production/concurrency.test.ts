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
const SLOW = '20260102000000-slow-backfill.js';
const COUNTER = '20260103000000-count-runs.js';

/** Migrations whose second one is slow in production only, and whose third counts how often it ran. */
function migrations(db: string): Record<string, string> {
  return {
    [USERS]: CREATE_USERS,
    [SLOW]: migration(
      `await queryInterface.sequelize.query(\`DO $$ BEGIN IF current_database() = '${db}' THEN PERFORM pg_sleep(2); END IF; END $$\`);`,
    ),
    [COUNTER]: migration(
      `await queryInterface.sequelize.query('CREATE TABLE IF NOT EXISTS runs (n integer)');
    await queryInterface.sequelize.query('INSERT INTO runs VALUES (1)');`,
    ),
  };
}

interface UpgradeJson {
  ok: boolean;
  error: string | null;
  applied: { name: string }[];
  lock: { waitedMs: number } | null;
}

describe('two upgrade jobs at once (separate processes)', () => {
  test('the second one waits for the lock, then fails cleanly; migrations run once', async () => {
    const db = await prod.database();
    const repo = project(migrations(db.name));
    const args = [
      'upgrade',
      '--database-url',
      db.url,
      '--cwd',
      repo.dir,
      ...prod.rehearsalFlags,
      '--lock-wait',
      '0.5',
    ];
    const runs = await Promise.all([cli(bundle, args, { json: true }), cli(bundle, args, { json: true })]);
    const codes = runs.map((r) => r.code).sort();
    expect(codes).toEqual([0, 1]);
    const winner = runs.find((r) => r.code === 0)!;
    const loser = runs.find((r) => r.code === 1)!;
    expect((winner.report as unknown as UpgradeJson).applied.map((a) => a.name)).toEqual([
      USERS,
      SLOW,
      COUNTER,
    ]);
    const lost = loser.report as unknown as UpgradeJson;
    expect(lost.applied).toEqual([]);
    expect(lost.error).toMatch(
      /^Another Schemabot job holds the migration lock of this database \(backend pid \d+, application "schemabot-lock", connected since .*\); waited 0.5 s \(--lock-wait\)\. Nothing was changed\./,
    );
    expect(loser.stdout).toContain('FAILED: Another Schemabot job holds the migration lock');
    expect(await metaRows(db.adminUrl)).toEqual([USERS, SLOW, COUNTER]);
    expect(await sql(db.adminUrl, 'SELECT n FROM runs')).toEqual([{ n: 1 }]);
    expect(sequelizeCliStatus(repo.dir, db.url)).toEqual({ up: [USERS, SLOW, COUNTER], down: [] });
    repo.remove();
  });

  test('with a long enough --lock-wait the second one waits, then finds nothing left to apply', async () => {
    const db = await prod.database();
    const repo = project(migrations(db.name));
    const args = [
      'upgrade',
      '--database-url',
      db.url,
      '--cwd',
      repo.dir,
      ...prod.rehearsalFlags,
      '--lock-wait',
      '60',
    ];
    const runs = await Promise.all([cli(bundle, args, { json: true }), cli(bundle, args, { json: true })]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const reports = runs.map((r) => r.report as unknown as UpgradeJson);
    const applied = reports.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, 3]);
    const waiter = reports.find((r) => r.applied.length === 0)!;
    expect(waiter.lock!.waitedMs).toBeGreaterThan(1500);
    expect(await metaRows(db.adminUrl)).toEqual([USERS, SLOW, COUNTER]);
    expect(await sql(db.adminUrl, 'SELECT n FROM runs')).toEqual([{ n: 1 }]);
    repo.remove();
  });
});

test('no output, log or report of these runs contains the password', () => {
  expectNoPasswordLeak();
});
