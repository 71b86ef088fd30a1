import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMENT_BODY_LIMIT } from '../../src/github/index.js';
import { GitHubApiServer } from '../helpers/github-server.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import { OWNER, REPO, actionFolder, pullRequestEvent, removeRunnerTemps, runAction } from './runner.js';

let folder: string;
let server: GitHubApiServer;
const repos: FixtureRepo[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeRunnerTemps();
});
afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

function check(
  workspace: string,
  pr: { number: number; base: string; head: string },
  inputs: Record<string, string> = {},
) {
  return runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('synchronize', { number: pr.number, headSha: pr.head, baseSha: pr.base }),
    workspace,
    sha: pr.head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token, ...inputs },
  });
}

const addColumn = (table: string, column: string) =>
  migration(
    `await queryInterface.addColumn('${table}', '${column}', { type: Sequelize.TEXT });`,
    `await queryInterface.removeColumn('${table}', '${column}');`,
  );

test('two matrix cells (two migrations folders) keep one sticky comment and one status each', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({
    'db/app/20260101000000-create-users.js': CREATE_USERS,
    'db/audit/20260101000000-create-users.js': CREATE_USERS,
  });
  const head1 = repo.commit({
    'db/app/20260102000000-add-phone.js': addColumn('users', 'phone'),
    'db/audit/20260102000000-add-note.js': addColumn('users', 'note'),
  });
  const cells = ['db/app', 'db/audit'];
  for (const cell of cells) {
    const run = await check(repo.dir, { number: 31, base, head: head1 }, { 'migrations-path': cell });
    expect(run.code).toBe(0);
  }
  const first = server.comments(OWNER, REPO, 31);
  expect(first.map((c) => c.body.split('\n')[0])).toEqual([
    '<!-- schemabot:check folder=db/app pg=15 -->',
    '<!-- schemabot:check folder=db/audit pg=15 -->',
  ]);
  expect(first[0]!.body).toContain('+   column phone text');
  expect(first[1]!.body).toContain('+   column note text');

  // The next push: each cell edits its own comment, in either order.
  const head2 = repo.commit({ 'db/audit/20260103000000-add-extra.js': addColumn('users', 'extra') });
  for (const cell of [...cells].reverse()) {
    const run = await check(repo.dir, { number: 31, base, head: head2 }, { 'migrations-path': cell });
    expect(run.code).toBe(0);
  }
  const second = server.comments(OWNER, REPO, 31);
  expect(second.map((c) => c.id)).toEqual(first.map((c) => c.id));
  expect(second[0]!.body).not.toContain('extra');
  expect(second[1]!.body).toContain('+   column extra text');
  expect(second[1]!.body).toContain('+   column note text');
  expect(
    server
      .statuses(OWNER, REPO, head2)
      .map((s) => s.context)
      .sort(),
  ).toEqual(['schemabot/check (db/app, pg 15)', 'schemabot/check (db/audit, pg 15)']);
});

test('a shallow clone (actions/checkout’s default depth 1) gets its base commit fetched', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  repo.commit({ 'README.md': 'between\n' });
  const head = repo.commit({ 'migrations/20260102000000-add-phone.js': addColumn('users', 'phone') });
  const parent = mkdtempSync(join(tmpdir(), 'schemabot-shallow-'));
  dirs.push(parent);
  const clone = join(parent, 'clone');
  execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone]);
  const has = () => {
    try {
      execFileSync('git', ['cat-file', '-e', `${base}^{commit}`], { cwd: clone, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  expect(has()).toBe(false);
  const run = await check(clone, { number: 32, base, head });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`The base commit ${base} is not in this shallow clone`);
  expect(run.stdout).toContain(`git fetch --no-tags --depth=1 origin ${base}`);
  expect(has()).toBe(true);
  const report = JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')) as {
    base: { sha: string };
    migrations: { name: string; change: string }[];
  };
  expect(report.base.sha).toBe(base);
  expect(report.migrations.map((m) => `${m.name} ${m.change}`)).toEqual([
    '20260101000000-create-users.js unchanged',
    '20260102000000-add-phone.js added',
  ]);
  expect(server.comments(OWNER, REPO, 32)).toHaveLength(1);
});

test('a base that cannot be fetched is a clear failure', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const head = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  const run = await check(repo.dir, { number: 33, base: 'c'.repeat(40), head });
  expect(run.code).toBe(1);
  const error = run.commands.find((c) => c.level === 'error')!;
  expect(error.message).toMatch(
    /^The base commit c{40} is not in the clone and could not be fetched from origin/,
  );
  expect(error.message).toContain('fetch-depth: 0');
  expect(error.message).not.toMatch(/\n\s+at /);
});

test('a report too long for a comment is trimmed under GitHub’s limit; the summary keeps it whole', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  // Three wide tables (3,000 columns): the diff, the SQL and the diagram together are far over 65,536 characters.
  const columns = Array.from({ length: 1000 }, (_, i) => `column_number_${i}: { type: Sequelize.TEXT }`).join(
    ', ',
  );
  const head = repo.commit({
    'migrations/20260102000000-wide.js': migration(
      ['wide_a', 'wide_b', 'wide_c']
        .map((t) => `await queryInterface.createTable('${t}', { ${columns} });`)
        .join('\n    '),
      null,
    ),
  });
  const run = await check(repo.dir, { number: 34, base, head });
  expect(run.code).toBe(1); // missing-down is an error
  const [comment] = server.comments(OWNER, REPO, 34);
  expect(comment!.body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
  expect(comment!.body).toMatch(/^### ❌ Schemabot: 1 migration checked · 1 error/m);
  expect(comment!.body).toContain('- ❌ <code>missing-down</code>');
  expect(comment!.body).toContain(
    'This report was shortened to fit GitHub’s 65,536-character comment limit: the SQL and the per-object detail of the schema diff were left out.',
  );
  expect(comment!.body).toContain('+ table public.wide_a (1000 columns)');
  expect(comment!.body).not.toContain('column_number_999');
  // The job summary has room for all of it.
  expect(run.summary.length).toBeGreaterThan(COMMENT_BODY_LIMIT);
  expect(run.summary).toContain('+   column column_number_999 text');
  expect(run.summary).toContain('<details><summary>SQL run by');
  expect(run.summary).not.toContain('shortened');
});
