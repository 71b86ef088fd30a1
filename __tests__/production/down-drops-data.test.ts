import { afterAll, expect, test } from '@jest/globals';
import { runCheck } from '../../src/modes/check.js';
import { FixtureRepo, migration } from '../helpers/repo.js';
import { onSharedServer } from '../helpers/shared-server.js';

/**
 * `check` warns (rule `down-drops-data`) about a down that destroys data its up did not create, even
 * when the down restores the schema exactly (so the migration is "reversible").
 */

const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

test('a "rename" down and a drop-and-re-create down are reported; a down dropping what its up created is not', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit(
    {
      'migrations/20260101000000-create-users.js': migration(
        `await queryInterface.createTable('users', {
          id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
          phone: { type: Sequelize.STRING },
        });
    await queryInterface.createTable('votes', {
          id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
          score: { type: Sequelize.INTEGER },
        });`,
        `await queryInterface.dropTable('votes'); await queryInterface.dropTable('users');`,
      ),
    },
    'base',
  );
  repo.commit({
    'migrations/20260102000000-rename-phone.js': migration(
      `await queryInterface.renameColumn('users', 'phone', 'phone_number');`,
      `await queryInterface.removeColumn('users', 'phone_number');
    await queryInterface.addColumn('users', 'phone', { type: Sequelize.STRING });`,
    ),
    'migrations/20260103000000-index-votes.js': migration(
      `await queryInterface.addIndex('votes', ['score']);`,
      `await queryInterface.dropTable('votes');
    await queryInterface.createTable('votes', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      score: { type: Sequelize.INTEGER },
    });`,
    ),
    'migrations/20260104000000-create-tags.js': migration(
      `await queryInterface.createTable('tags', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    await queryInterface.addColumn('users', 'nickname', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'nickname'); await queryInterface.dropTable('tags');`,
    ),
  });
  const r = await runCheck({ cwd: repo.dir, base, ...(await onSharedServer()), timeoutMs: 20_000 });
  const found = r.findings.filter((f) => f.rule === 'down-drops-data');
  expect(found.map((f) => [f.severity, f.migration, f.message])).toEqual([
    [
      'warning',
      '20260102000000-rename-phone.js',
      expect.stringContaining('down drops column public.users.phone_number, which its up did not create'),
    ],
    ['warning', '20260103000000-index-votes.js', expect.stringContaining('down drops table votes')],
  ]);
  // Why a rule is needed: the schema diff calls both downs reversible.
  const reversible = Object.fromEntries(r.migrations.map((m) => [m.name, m.reversible]));
  expect(reversible).toMatchObject({
    '20260102000000-rename-phone.js': true,
    '20260103000000-index-votes.js': true,
    '20260104000000-create-tags.js': true,
  });
  // A warning, not an error: the check still passes with the default fail-on: error.
  expect(r.ok).toBe(true);
}, 120_000);
