/**
 * A migration worker outlives a Schemabot killed with SIGKILL only as long as its step may take: the
 * guard (a shell Schemabot feeds the workers it starts) kills what is left once the step's time limit
 * and a margin have passed. This is what stops a worker stuck in a synchronous loop, which nothing else
 * would, and whose connections would otherwise stay open (in production, with their locks).
 */
import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { ORPHAN_MARGIN_MS } from '../../src/migrate/orphan-guard.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { killCliWhen, processesIn, untilNoProcessIn, untilNoProcessWith } from '../helpers/processes.js';
import { FixtureRepo, migration } from '../helpers/repo.js';

const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

test('a worker stuck in a synchronous loop when Schemabot is killed is killed after its time limit and a margin', async () => {
  const repo = new FixtureRepo({
    'migrations/20260101000000-spin.js': migration(
      "require('fs').writeFileSync(require('path').join(__dirname, '..', 'spinning'), '');\n" +
        '    for (;;) {}',
      '',
    ),
  });
  repos.push(repo);
  const args = ['check', '--cwd', repo.dir, '--postgres', 'local', '--timeout', '1'];
  await killCliWhen(buildBundle(), args, join(repo.dir, 'spinning'));
  // Spinning, it cannot see that Schemabot is gone: it is still there right after.
  expect(processesIn(repo.dir).length).toBeGreaterThan(0);
  const ms = await untilNoProcessIn(
    repo.dir,
    1000 + ORPHAN_MARGIN_MS + 10_000,
    'the spinning worker was never killed',
  );
  // Not before its step's time limit (1 s) and the margin have passed.
  expect(ms).toBeGreaterThan(1000 + ORPHAN_MARGIN_MS - 1500);
  process.stdout.write(`spinning worker killed ${ms} ms after its Schemabot\n`);
}, 60_000);

test.each([
  { what: 'a check that passes', args: ['check', '--postgres', 'local'], code: 0 },
  // Its worker is still loading the project when the run ends on the unreachable database.
  {
    what: 'a status whose database is unreachable',
    args: ['status', '--database-url', 'postgres://app:pw@127.0.0.1:1/app'],
    code: 2,
  },
])('$what leaves no process of its own behind: no worker, and no guard waiting', async ({ args, code }) => {
  const repo = new FixtureRepo({
    'migrations/20260101000000-t.js': migration(
      "await queryInterface.createTable('t', { id: Sequelize.INTEGER });",
      "await queryInterface.dropTable('t');",
    ),
  });
  repos.push(repo);
  // Every process the run starts inherits this variable: the worker, the guard, the server's supervisor.
  const tag = `run-${process.pid}-${Date.now()}`;
  const r = runCli(buildBundle(), [args[0]!, '--cwd', repo.dir, ...args.slice(1)], {
    env: { SCHEMABOT_TEST_RUN_TAG: tag },
  });
  expect(r.code).toBe(code);
  await untilNoProcessWith(`SCHEMABOT_TEST_RUN_TAG=${tag}`, 5000, 'a process of the run outlived it');
});
