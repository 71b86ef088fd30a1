import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { GitHubApiServer } from '../helpers/github-server.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import {
  OWNER,
  REPO,
  actionFolder,
  pullRequestEvent,
  removeRunnerTemps,
  runAction,
  type ActionRun,
} from './runner.js';

const USERS = 'migrations/20260101000000-create-users.js';
const ADD_STATUS = 'migrations/20260102000000-add-status.js';

let folder: string;
let server: GitHubApiServer;
const repos: FixtureRepo[] = [];

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  removeRunnerTemps();
});
afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

function fixture(): { repo: FixtureRepo; base: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  return { repo, base: repo.commit({ [USERS]: CREATE_USERS }, 'base') };
}

function check(
  repo: FixtureRepo,
  pr: { number: number; base: string; head: string; action?: 'opened' | 'synchronize' },
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent(pr.action ?? 'opened', { number: pr.number, headSha: pr.head, baseSha: pr.base }),
    workspace: repo.dir,
    sha: pr.head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token, ...inputs },
  });
}

const stripMarker = (body: string) => body.slice(body.indexOf('\n') + 1);

test('a pull request run comments once, updates that comment on the next push, and sets status, outputs, summary', async () => {
  const { repo, base } = fixture();
  const head1 = repo.commit({
    [ADD_STATUS]: migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.ENUM('active', 'banned'), allowNull: false, defaultValue: 'active' });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  const first = await check(repo, { number: 7, base, head: head1 });
  expect(first.stderr).toBe('');
  // enum-left-behind is an error: the step fails (fail-on: error), but everything is published.
  expect(first.code).toBe(1);
  expect(first.commands).toContainEqual(
    expect.objectContaining({ level: 'error', message: expect.stringMatching(/^Schemabot: 1 error/) }),
  );
  const annotation = first.commands.find((c) => c.properties.includes('title=Schemabot: enum-left-behind'));
  expect(annotation?.properties).toContain(`file=${ADD_STATUS}`);

  const comments = server.comments(OWNER, REPO, 7);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body.split('\n')[0]).toBe('<!-- schemabot:check folder=migrations pg=15 -->');
  expect(body).toMatch(
    /^### ❌ Schemabot: 1 migration checked · 1 error · 1 warning · \d+ schema changes? · PostgreSQL 15\.\d+ · /m,
  );
  // The header names the pull request's head commit (not the merge commit checked), linked.
  expect(body).toContain(
    `head [<code>${head1.slice(0, 7)}</code>](https://github.com/${OWNER}/${REPO}/commit/${head1})`,
  );
  expect(body).toContain(
    'Errors fail this check; warnings and info do not (`fail-on: error`). Here 1 error fails it.',
  );
  // Findings by migration, one line each, the file and line linked at the head commit.
  const fileLink = `https://github.com/${OWNER}/${REPO}/blob/${head1}/migrations/20260102000000-add-status.js`;
  expect(body).toContain(
    `**<code>20260102000000-add-status.js</code>**\n\n- ❌ <code>enum-left-behind</code> · [<code>${ADD_STATUS}</code>](${fileLink})`,
  );
  expect(body).toMatch(
    /- ⚠️ <code>missing-lock-timeout<\/code> · \[[^\]]+\]\([^)]+#L\d+\) · takes AccessExclusiveLock on public\.users/,
  );
  // Lock facts are in the finding that names the table, not in a list of their own.
  expect(body).not.toContain('#### What it locks and rewrites');
  expect(body).toContain('+   enum public.enum_users_status');
  expect(body).toContain(
    '<details><summary>Diagram: 1 table that gains or loses columns, keys or foreign keys</summary>\n\n```mermaid\nerDiagram',
  );
  expect(body).toContain('<details><summary>SQL run by <code>20260102000000-add-status.js</code></summary>');

  // The summary is the same report in full: the lock facts too; the outputs say what the report says.
  expect(first.summary).toContain(
    `- ❌ <code>enum-left-behind</code> · [<code>${ADD_STATUS}</code>](${fileLink})`,
  );
  expect(first.summary).toMatch(
    /#### What it locks and rewrites\n\n- <code>20260102000000-add-status.js<\/code>: 🔒 AccessExclusiveLock on public.users/,
  );
  expect(first.outputs).toMatchObject({
    ok: 'false',
    changed: 'true',
    reversible: 'false',
    migrations: '1',
    'comment-id': String(comments[0]!.id),
    'comment-url': `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-${comments[0]!.id}`,
  });
  const report = JSON.parse(readFileSync(first.outputs['report-path']!, 'utf8')) as Record<string, unknown>;
  expect(report).toMatchObject({
    schemaVersion: 1,
    ok: false,
    pr: { number: 7, headSha: head1, baseSha: base },
  });

  expect(server.statuses(OWNER, REPO, head1)).toEqual([
    expect.objectContaining({
      context: 'schemabot/check (migrations, pg 15)',
      state: 'failure',
      description: expect.stringMatching(/^Schemabot: 1 migration checked · 1 error/),
      targetUrl: `https://github.com/${OWNER}/${REPO}/actions/runs/4242`,
    }),
  ]);

  // The next push fixes the down: the same comment is edited in place.
  const head2 = repo.commit({
    [ADD_STATUS]: migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.ENUM('active', 'banned'), allowNull: false, defaultValue: 'active' });`,
      `await queryInterface.removeColumn('users', 'status');
    await queryInterface.sequelize.query('DROP TYPE "enum_users_status"');`,
    ),
  });
  const second = await check(repo, { number: 7, base, head: head2, action: 'synchronize' });
  expect(second.code).toBe(0);
  const after = server.comments(OWNER, REPO, 7);
  expect(after).toHaveLength(1);
  expect(after[0]!.id).toBe(comments[0]!.id);
  expect(after[0]!.body).toMatch(/^### ⚠️ Schemabot: 1 migration checked · 0 errors · 1 warning/m);
  expect(second.outputs).toMatchObject({
    ok: 'true',
    reversible: 'true',
    'comment-id': String(comments[0]!.id),
  });
  expect(server.statuses(OWNER, REPO, head2)[0]).toMatchObject({
    state: 'success',
    context: 'schemabot/check (migrations, pg 15)',
  });

  // A later push takes the migration out again: the comment says so instead of going stale.
  const head3 = repo.commit({ [ADD_STATUS]: null, 'README.md': 'docs only\n' });
  const third = await check(repo, { number: 7, base, head: head3, action: 'synchronize' });
  expect(third.code).toBe(0);
  const last = server.comments(OWNER, REPO, 7);
  expect(last).toHaveLength(1);
  expect(stripMarker(last[0]!.body)).toMatch(/^### ✅ Schemabot: no migration changes any more\n/);
  expect(last[0]!.body).toContain(`as of <code>${head3.slice(0, 7)}</code>`);
  expect(third.outputs).toMatchObject({ changed: 'false', migrations: '0' });
  expect(server.statuses(OWNER, REPO, head3)[0]).toMatchObject({
    state: 'success',
    description: 'Schemabot: no migration changes',
  });
});

test('comment: on-change creates no comment for a pull request without migration changes', async () => {
  const { repo, base } = fixture();
  const head = repo.commit({ 'README.md': 'hello\n' });
  const run = await check(repo, { number: 8, base, head });
  expect(run.code).toBe(0);
  expect(server.comments(OWNER, REPO, 8)).toEqual([]);
  expect(run.outputs['comment-id']).toBe('');
  expect(run.summary).toContain('Schemabot');
});

test('a configuration error still posts an error status and a short comment, and names the unset variable', async () => {
  const { repo, base } = fixture();
  const head = repo.commit({
    'config/config.js':
      'const uri = process.env.DB_URI;\nmodule.exports = { development: { url: uri.trim() } };\n',
    'migrations/20260102000000-add-status.js': migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.STRING });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  const run = await check(repo, { number: 12, base, head }, { 'postgres-version': '15' });
  expect(run.code).toBe(1);
  const errors = run.commands.filter((c) => c.level === 'error');
  expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('DB_URI') })]);
  expect(errors[0]!.message).not.toMatch(/Unexpected error|\n\s+at /);
  const statuses = server.statuses(OWNER, REPO, head);
  expect(statuses).toEqual([
    expect.objectContaining({
      state: 'error',
      context: 'schemabot/check (migrations, pg 15)',
      description: expect.stringMatching(/^Schemabot could not run: config\/config\.js failed while loading/),
    }),
  ]);
  const [comment] = server.comments(OWNER, REPO, 12);
  expect(comment!.body).toContain('Schemabot could not check the migrations');
  expect(comment!.body).toContain('DB_URI');
});

test('comment: on-change: a finding about something else than migrations goes to the job summary only', async () => {
  const { repo, base } = fixture();
  // A model that cannot be loaded: a models-not-loaded warning, but no migration changed.
  const head = repo.commit({ 'models/index.js': "throw new Error('needs the app running');\n" });
  const run = await check(repo, { number: 10, base, head });
  expect(run.code).toBe(0);
  expect(server.comments(OWNER, REPO, 10)).toEqual([]);
  expect(run.summary).toContain('models-not-loaded');
});

test('a production mode without its database input fails with a message naming the input', async () => {
  const { repo, base } = fixture();
  const run = await check(repo, { number: 9, base, head: base }, { mode: 'upgrade' });
  expect(run.code).toBe(1);
  expect(run.commands).toEqual([
    expect.objectContaining({ level: 'error', message: expect.stringContaining('database-url') }),
  ]);
  expect(server.comments(OWNER, REPO, 9)).toEqual([]);
});

test('working-directory, postgres url with postgres-url, fail-on, comment always/never and migration-timeout work as documented', async () => {
  // A monorepo: the Sequelize project lives in services/api.
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ [`services/api/${USERS}`]: CREATE_USERS }, 'base');
  const head = repo.commit({
    // A warning-level hazard (no lock_timeout before locking an existing table), and nothing worse.
    [`services/api/${ADD_STATUS}`]: migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  const postgres = await startTestPostgres();
  try {
    const inputs = {
      'working-directory': 'services/api',
      postgres: 'url',
      'postgres-url': postgres.url('postgres'),
      'migration-timeout': '30',
    };
    // fail-on: warning turns the warning into a failed step; comment: never posts nothing.
    const strict = await check(
      repo,
      { number: 41, base, head },
      { ...inputs, 'fail-on': 'warning', comment: 'never' },
    );
    expect(strict.code).toBe(1);
    expect(strict.outputs.ok).toBe('true');
    expect(strict.outputs.migrations).toBe('1');
    expect(server.comments(OWNER, REPO, 41)).toHaveLength(0);
    expect(server.statuses(OWNER, REPO, head)[0]).toMatchObject({ state: 'failure' });
    // The throwaway databases on the given server were created and dropped by the run.
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    const left = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'schemabot%'");
    await admin.end();
    expect(left.rows).toEqual([]);

    // fail-on: error passes the same report; comment: always comments even without an error.
    const lenient = await check(
      repo,
      { number: 42, base, head },
      { ...inputs, 'fail-on': 'error', comment: 'always' },
    );
    expect(lenient.code).toBe(0);
    expect(server.comments(OWNER, REPO, 42)).toHaveLength(1);
    expect(server.comments(OWNER, REPO, 42)[0]!.body.split('\n')[0]).toBe(
      '<!-- schemabot:check folder=services/api/migrations pg=15 -->',
    );

    // A bad value is named with what is allowed.
    const bad = await check(repo, { number: 43, base, head }, { ...inputs, 'migration-timeout': 'soon' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'Input "migration-timeout" is "soon"; expected a number of seconds greater than 0.',
    );
  } finally {
    await postgres.stop();
  }
});
