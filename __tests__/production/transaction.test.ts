import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadProject } from '../../src/migrate/project.js';
import { MigrationRunner } from '../../src/migrate/runner.js';
import { runPinnedStep } from '../../src/migrate/transaction.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { migration } from '../helpers/repo.js';
import { project, sql } from './fixture.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startTestPostgres();
});

afterAll(async () => {
  await server?.stop();
});

async function setup(files: Record<string, string>) {
  const repo = project(files);
  const url = server.url(await server.createDatabase());
  const runner = await MigrationRunner.open(url, await loadProject({ cwd: repo.dir }));
  const file = (name: string) => ({ name, path: `${repo.dir}/migrations/${name}` });
  return { repo, url, runner, file };
}

async function exists(url: string, name: string): Promise<boolean> {
  return (await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name]))[0]!.t !== null;
}

describe('one transaction per migration on a pinned connection', () => {
  test('statements issued concurrently without a transaction option all run in one transaction', async () => {
    const { repo, url, runner, file } = await setup({
      'a.js': migration(`await queryInterface.sequelize.query('CREATE TABLE txids (x bigint)');
    const q = () => queryInterface.sequelize.query('INSERT INTO txids SELECT txid_current()');
    await Promise.all([q(), q(), q(), q()]);`),
    });
    const step = await runPinnedStep(runner, file('a.js'), 'up');
    expect(step).toMatchObject({ ok: true, transaction: true, rolledBack: null });
    const rows = await sql<{ n: string }>(url, 'SELECT count(DISTINCT x) AS n, count(*) AS total FROM txids');
    expect(rows[0]).toEqual({ n: '1', total: '4' });
    expect(await runner.applied()).toEqual(['a.js']);
    await runner.close();
    repo.remove();
  });

  test("a migration's own committed Sequelize transaction is rolled back with it when it fails later", async () => {
    const { repo, url, runner, file } = await setup({
      'a.js': migration(`await queryInterface.sequelize.transaction(async (t) => {
      await queryInterface.createTable('inner_t', { id: Sequelize.INTEGER }, { transaction: t });
    });
    await queryInterface.createTable('outer_t', { id: Sequelize.INTEGER });
    await queryInterface.sequelize.query('SELECT * FROM no_such_table');`),
      'b.js': migration(`const t = await queryInterface.sequelize.transaction();
    await queryInterface.createTable('discarded', { id: Sequelize.INTEGER }, { transaction: t });
    await t.rollback();
    await queryInterface.sequelize.transaction(async (t2) => {
      await queryInterface.createTable('kept', { id: Sequelize.INTEGER }, { transaction: t2 });
    });`),
    });
    const failed = await runPinnedStep(runner, file('a.js'), 'up');
    expect(failed).toMatchObject({
      ok: false,
      transaction: true,
      rolledBack: true,
      error: { code: '42P01' },
    });
    expect(await exists(url, 'inner_t')).toBe(false);
    expect(await exists(url, 'outer_t')).toBe(false);
    expect(await runner.applied()).toEqual([]);

    const ok = await runPinnedStep(runner, file('b.js'), 'up');
    expect(ok).toMatchObject({ ok: true, transaction: true });
    expect(await exists(url, 'discarded')).toBe(false);
    expect(await exists(url, 'kept')).toBe(true);
    expect(await runner.applied()).toEqual(['b.js']);
    await runner.close();
    repo.remove();
  });

  test('timeouts apply to the migration only; the pool is clean afterwards; several rows in one transaction', async () => {
    const { repo, url, runner, file } = await setup({
      'a.js': migration(`await queryInterface.sequelize.query(
      "CREATE TABLE settings AS SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st")`),
      'b.js': migration(`await queryInterface.sequelize.query(
      "CREATE TABLE after_settings AS SELECT current_setting('lock_timeout') AS lt")`),
      'c.js': migration(`await queryInterface.sequelize.query('SELECT pg_sleep(1)');`),
    });
    expect(
      await runPinnedStep(runner, file('a.js'), 'up', { lockTimeoutMs: 1234, statementTimeoutMs: 5000 }),
    ).toMatchObject({
      ok: true,
    });
    expect(await sql(url, 'SELECT lt, st FROM settings')).toEqual([{ lt: '1234ms', st: '5s' }]);
    expect((await runner.up(file('b.js'))).ok).toBe(true);
    expect(await sql(url, 'SELECT lt FROM after_settings')).toEqual([{ lt: '0' }]);

    const slow = await runPinnedStep(runner, file('c.js'), 'up', { statementTimeoutMs: 200 });
    expect(slow).toMatchObject({ ok: false, rolledBack: true, error: { code: '57014' } });

    // Several names are recorded in one transaction: one unique violation records none of them.
    await expect(runner.record(['x.js', 'a.js'])).rejects.toThrow();
    expect(await runner.applied()).toEqual(['a.js', 'b.js']);
    await runner.close();
    repo.remove();
  });
});
