import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { GitHubApiServer } from '../helpers/github-server.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import {
  OWNER,
  REPO,
  actionFolder,
  removeRunnerTemps,
  runAction,
  type ActionRun,
  type RunOptions,
} from './runner.js';

const USERS = '20260101000000-create-users.js';
const POSTS = '20260102000000-create-posts.js';
const STATUS = '20260103000000-add-status.js';
const FILES = {
  [`migrations/${USERS}`]: CREATE_USERS,
  [`migrations/${POSTS}`]: migration(
    `await queryInterface.createTable('posts', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      title: { type: Sequelize.TEXT, allowNull: false },
    });`,
    `await queryInterface.dropTable('posts');`,
  ),
  [`migrations/${STATUS}`]: migration(
    `await queryInterface.addColumn('users', 'status', { type: Sequelize.TEXT, allowNull: true });`,
    `await queryInterface.removeColumn('users', 'status');`,
  ),
};

type Payload = Record<string, unknown>;
const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: Payload[];
}[];

function example(event: string, match: (e: Payload) => boolean): Payload {
  const found = webhooks.find((d) => d.name === event)?.examples.find(match);
  if (!found) throw new Error(`no ${event} example`);
  const payload = structuredClone(found);
  const r = payload.repository as Payload & { owner: Payload };
  Object.assign(r, { name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: 'main' });
  r.owner.login = OWNER;
  return payload;
}

/** GitHub's `push` delivery of a branch push, pointed at the fixture's commit on main. */
function pushEvent(sha: string): Payload {
  const payload = example('push', (e) => String(e.ref).startsWith('refs/heads/') && !e.deleted);
  Object.assign(payload, { ref: 'refs/heads/main', after: sha });
  Object.assign(payload.head_commit as Payload, { id: sha });
  return payload;
}

/** GitHub's `workflow_dispatch` delivery with the typed inputs of the rollback workflow. */
function dispatchEvent(inputs: Record<string, string>): Payload {
  const payload = example('workflow_dispatch', (e) => e.ref === 'refs/heads/main');
  payload.inputs = inputs;
  return payload;
}

const ROLE = 'deployer';
const PASSWORD = `${process.env.SCHEMABOT_PASSWORD_CANARY ?? ''}pw-${Math.random().toString(36).slice(2)}-Zq9`;

let folder: string;
let server: GitHubApiServer;
let postgres: PostgresServer;
const repos: FixtureRepo[] = [];

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
  postgres = await startTestPostgres();
  const admin = new pg.Client({ connectionString: postgres.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.end();
}, 60_000);
afterAll(async () => {
  await server.stop();
  await postgres.stop();
  rmSync(folder, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  removeRunnerTemps();
});
afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

/** A "production" database owned by the deploy role, and its URL with the role's password. */
async function production(): Promise<{ name: string; url: string }> {
  const name = await postgres.createDatabase();
  const admin = new pg.Client({ connectionString: postgres.url('postgres') });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${name}" OWNER TO ${ROLE}`);
  await admin.end();
  const url = new URL(postgres.url(name));
  url.username = ROLE;
  url.password = PASSWORD;
  return { name, url: url.toString() };
}

async function applied(database: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.url(database) });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM "SequelizeMeta" WHERE to_regclass('"SequelizeMeta"') IS NOT NULL ORDER BY name`,
    );
    return rows.map((r) => r.name);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  } finally {
    await client.end();
  }
}

function fixture(): { repo: FixtureRepo; sha: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  return { repo, sha: repo.commit(FILES, 'merge migrations') };
}

function run(
  repo: FixtureRepo,
  eventName: 'push' | 'workflow_dispatch',
  event: Payload,
  sha: string,
  inputs: Record<string, string>,
): Promise<ActionRun> {
  return runAction(folder, {
    // The runner speaks GitHub's event names; workflow_dispatch is one of them.
    eventName: eventName as RunOptions['eventName'],
    event,
    workspace: repo.dir,
    sha,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token, ...inputs },
  });
}

async function setStatus(sha: string, context: string, state: string, description: string): Promise<void> {
  const res = await fetch(`${server.url}/repos/${OWNER}/${REPO}/statuses/${sha}`, {
    method: 'POST',
    headers: { authorization: `token ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ state, context, description }),
  });
  expect(res.status).toBe(201);
}

/** The password appears only in the runner's own `::add-mask::` commands, nowhere people can read. */
function expectNoPassword(r: ActionRun, url: string): void {
  const visible = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(r.stdout).toContain(`::add-mask::${PASSWORD}`);
  for (const text of [visible, r.stderr, r.summary, JSON.stringify(r.outputs)]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(url);
  }
  const report = readFileSync(r.outputs['report-path']!, 'utf8');
  expect(report).not.toContain(PASSWORD);
}

test('upgrade on push: the merge gate refuses without a merged pull request, with a missing or failing check, then applies the pending migrations when every check passed', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const upgrade = () => run(repo, 'push', pushEvent(sha), sha, { 'database-url': db.url });

  // A direct push: no pull request brought the commit.
  const direct = await upgrade();
  expect(direct.code).toBe(1);
  expect(direct.commands).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: expect.stringMatching(/^Merge gate: no merged pull request brought commit \w{7} to main/),
    }),
  );
  expect(direct.outputs.ok).toBe('false');
  expect(await applied(db.name)).toEqual([]);

  // Merged, but its head commit carries no check status.
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 31,
    headSha: sha,
    baseSha: sha,
    state: 'closed',
  });
  const missing = await upgrade();
  expect(missing.code).toBe(1);
  const missingError = missing.commands.find((c) => c.level === 'error')!.message;
  expect(missingError).toContain('pull request #31');
  expect(missingError).toContain(`its head commit ${sha.slice(0, 7)} has no schemabot/check… status`);
  expect(missing.summary).toContain('Schemabot upgrade refused');
  expect(await applied(db.name)).toEqual([]);

  // One check failed, another passed: every one must pass.
  await setStatus(sha, 'schemabot/check (migrations, pg 15)', 'failure', 'Schemabot: 1 error');
  await setStatus(sha, 'schemabot/check (other, pg 17)', 'success', 'Schemabot: ok');
  await setStatus(sha, 'ci/lint', 'failure', 'not ours');
  const failing = await upgrade();
  expect(failing.code).toBe(1);
  const failingError = failing.commands.find((c) => c.level === 'error')!.message;
  expect(failingError).toContain('pull request #31');
  expect(failingError).toContain(
    `on its head commit ${sha.slice(0, 7)}, schemabot/check (migrations, pg 15) is failure ("Schemabot: 1 error")`,
  );
  expect(failingError).not.toContain('ci/lint');
  expect(await applied(db.name)).toEqual([]);

  // The check passed (a re-run set success): the upgrade applies all three migrations.
  await setStatus(sha, 'schemabot/check (migrations, pg 15)', 'success', 'Schemabot: ok');
  const ok = await upgrade();
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('Merge gate: pull request #31 passed schemabot/check (migrations, pg 15)');
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);
  expect(ok.outputs).toMatchObject({
    ok: 'true',
    'applied-count': '3',
    'pending-count': '0',
    current: STATUS,
  });
  const report = JSON.parse(readFileSync(ok.outputs['report-path']!, 'utf8')) as Record<string, unknown>;
  expect(report).toMatchObject({ mode: 'upgrade', ok: true, dryRun: false, current: STATUS });
  expect(ok.summary).toMatch(/^### ✅ Schemabot upgrade\n/);
  expect(ok.summary).toContain(STATUS);
  expectNoPassword(ok, db.url);

  // The merged pull request hears about it.
  const comments = server.comments(OWNER, REPO, 31);
  expect(comments).toHaveLength(1);
  expect(comments[0]!.body).toMatch(/^### ✅ Schemabot upgrade: 3 migrations applied to /);
  expect(comments[0]!.body).toContain(`<code>${STATUS}</code>`);
  expect(comments[0]!.body).not.toContain(PASSWORD);
  // The target is named by its environment, never by its connection (the pull request may be public).
  expect(comments[0]!.body).toContain('applied to <code>production</code>');
  for (const part of [db.name, ROLE, new URL(db.url).hostname, `:${new URL(db.url).port}`]) {
    expect(comments[0]!.body).not.toContain(part);
  }

  // Nothing left: a second run applies nothing and comments nothing.
  const again = await upgrade();
  expect(again.code).toBe(0);
  expect(again.outputs).toMatchObject({ 'applied-count': '0', 'pending-count': '0', current: STATUS });
  expect(server.comments(OWNER, REPO, 31)).toHaveLength(1);
}, 60_000);

test('upgrade with dry-run rehearses and applies nothing', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const r = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'dry-run': 'true',
    'require-check': 'false',
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Merge gate: off');
  expect(await applied(db.name)).toEqual([]);
  expect(r.outputs).toMatchObject({ ok: 'true', 'applied-count': '0', 'pending-count': '3', current: '' });
  expect(r.summary).toMatch(/^### ✅ Schemabot upgrade \(dry run\)/);
  expect(r.summary).toContain(STATUS);
  expectNoPassword(r, db.url);
}, 30_000);

test('rollback on workflow_dispatch with steps: 1 reverts the newest migration; status then reports it pending', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const up = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'require-check': 'false',
  });
  expect(up.code).toBe(0);
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);

  // Neither to nor steps: a usage error that says what to give.
  const neither = await run(repo, 'workflow_dispatch', dispatchEvent({}), sha, { 'database-url': db.url });
  expect(neither.code).toBe(1);
  expect(neither.commands).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: expect.stringContaining('exactly one of the inputs to'),
    }),
  );

  const back = await run(repo, 'workflow_dispatch', dispatchEvent({ steps: '1' }), sha, {
    'database-url': db.url,
    steps: '1',
  });
  expect(back.stderr).toBe('');
  expect(back.code).toBe(0);
  expect(await applied(db.name)).toEqual([USERS, POSTS]);
  expect(back.outputs).toMatchObject({
    ok: 'true',
    'applied-count': '1',
    'pending-count': '1',
    current: POSTS,
  });
  expect(back.summary).toMatch(/^### ✅ Schemabot rollback\n/);
  expectNoPassword(back, db.url);

  const status = await run(repo, 'workflow_dispatch', dispatchEvent({}), sha, {
    mode: 'status',
    'database-url': db.url,
  });
  expect(status.stderr).toBe('');
  expect(status.code).toBe(0);
  expect(status.outputs).toMatchObject({
    ok: 'true',
    'applied-count': '2',
    'pending-count': '1',
    current: POSTS,
  });
  expect(status.summary).toContain('Pending (1):');
  expect(status.summary).toContain(STATUS);
  expect(await applied(db.name)).toEqual([USERS, POSTS]);
  expectNoPassword(status, db.url);
}, 60_000);

test('an upgrade that fails in production tells the merged pull request where it stopped and what stays', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const first = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'require-check': 'false',
  });
  expect(first.code).toBe(0);
  // Production has rows the rehearsal's empty copy does not: a NOT NULL column without a default fails there only.
  const admin = new pg.Client({ connectionString: postgres.url(db.name) });
  await admin.connect();
  await admin.query("INSERT INTO users (email) VALUES ('a@example.com')");
  await admin.end();
  const nickname = '20260104000000-require-nickname.js';
  const head = repo.commit({
    [`migrations/${nickname}`]: migration(
      `await queryInterface.addColumn('users', 'nickname', { type: Sequelize.TEXT, allowNull: false });`,
      `await queryInterface.removeColumn('users', 'nickname');`,
    ),
  });
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 33,
    headSha: head,
    baseSha: sha,
    state: 'closed',
  });
  await setStatus(head, 'schemabot/check (migrations, pg 15)', 'success', 'Schemabot: ok');
  const r = await run(repo, 'push', pushEvent(head), head, {
    'database-url': db.url,
    environment: 'production-eu',
  });
  expect(r.code).toBe(1);
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);
  const comments = server.comments(OWNER, REPO, 33);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body.split('\n')[0]).toMatch(
    new RegExp(
      `^### ❌ Schemabot upgrade stopped at <code>${nickname.replace(/[.-]/g, '\\$&')}</code> on <code>production-eu</code>$`,
    ),
  );
  expect(body).toContain('its transaction was rolled back: nothing of it stays in the database');
  expect(body).toContain('contains null values');
  expect(body).toContain(`Now at <code>${STATUS}</code>, 1 still pending.`);
  expect(body).not.toContain(PASSWORD);
}, 60_000);

test('a refused comment on the merged pull request is a warning: the upgrade stands', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 32,
    headSha: sha,
    baseSha: sha,
    state: 'closed',
  });
  await setStatus(sha, 'schemabot/check (migrations, pg 15)', 'success', 'Schemabot: ok');
  server.failNext(1, 'forbidden', { method: 'POST', path: /\/issues\/32\/comments$/ });
  const r = await run(repo, 'push', pushEvent(sha), sha, { 'database-url': db.url });
  server.clearFailures();
  expect(r.code).toBe(0);
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);
  expect(r.outputs).toMatchObject({ ok: 'true', 'applied-count': '3' });
  expect(r.commands).toContainEqual(
    expect.objectContaining({
      level: 'warning',
      message: expect.stringMatching(/^Schemabot could not comment on pull request #32: GitHub answered 403/),
    }),
  );
  expect(server.comments(OWNER, REPO, 32)).toEqual([]);
}, 30_000);

test('status with drift: a column added by hand fails with drift: fail and is a warning with drift: warn', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const up = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'require-check': 'false',
  });
  expect(up.code).toBe(0);
  const admin = new pg.Client({ connectionString: postgres.url(db.name) });
  await admin.connect();
  await admin.query('ALTER TABLE posts ADD COLUMN hotfix integer');
  await admin.end();
  const status = (drift: string) =>
    run(repo, 'workflow_dispatch', dispatchEvent({}), sha, { mode: 'status', 'database-url': db.url, drift });

  const failed = await status('fail');
  expect(failed.code).toBe(1);
  expect(failed.outputs).toMatchObject({ ok: 'false', 'pending-count': '0', current: STATUS });
  expect(failed.summary).toMatch(/^### ❌ Schemabot status\n/);
  expect(failed.summary).toContain('public.posts.hotfix');
  expect(failed.commands.filter((c) => c.level === 'error')).toHaveLength(1);

  const warned = await status('warn');
  expect(warned.code).toBe(0);
  expect(warned.outputs.ok).toBe('false');
  expect(warned.commands).toContainEqual(
    expect.objectContaining({
      level: 'warning',
      message: expect.stringMatching(/^Schemabot status: The live schema differs .*\(1 change\(s\)\)/),
    }),
  );
  expectNoPassword(warned, db.url);
}, 30_000);

test('a direct push with nothing pending: exit 0, "nothing to migrate", whatever the merge gate would say', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const first = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'require-check': 'false',
  });
  expect(first.code).toBe(0);
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);
  // No pull request brought this commit: the gate would refuse, but there is nothing to migrate.
  const direct = await run(repo, 'push', pushEvent(sha), sha, { 'database-url': db.url });
  expect(direct.stderr).toBe('');
  expect(direct.code).toBe(0);
  expect(direct.stdout).toContain('Nothing to migrate');
  expect(direct.stdout).not.toContain('Merge gate');
  expect(direct.outputs).toMatchObject({
    ok: 'true',
    'applied-count': '0',
    'pending-count': '0',
    current: STATUS,
  });
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);
}, 60_000);

test('rollback refused for data loss names the allow-data-loss input; the dry run fails the same way; the input allows it', async () => {
  const { repo, sha } = fixture();
  const db = await production();
  const up = await run(repo, 'push', pushEvent(sha), sha, {
    'database-url': db.url,
    'require-check': 'false',
  });
  expect(up.code).toBe(0);
  const admin = new pg.Client({ connectionString: postgres.url(db.name) });
  await admin.connect();
  await admin.query("INSERT INTO users (email, status) VALUES ('a@example.com', 'active')");
  await admin.end();
  const rollback = (extra: Record<string, string>) =>
    run(repo, 'workflow_dispatch', dispatchEvent({ steps: '1' }), sha, {
      'database-url': db.url,
      steps: '1',
      ...extra,
    });

  const dry = await rollback({ 'dry-run': 'true' });
  expect(dry.code).toBe(1);
  const dryError = dry.commands.find((c) => c.level === 'error')!.message;
  expect(dryError).toContain('Dry run: the real run would be refused');
  expect(dryError).toContain('run again with the input `allow-data-loss: true`');
  expect(dryError).not.toContain('--allow-data-loss');

  const refused = await rollback({});
  expect(refused.code).toBe(1);
  const error = refused.commands.find((c) => c.level === 'error')!.message;
  expect(error).toContain('drops column public.users.status');
  expect(error).toContain('1 non-null value');
  expect(error).toContain('the input `allow-data-loss: true`');
  expect(await applied(db.name)).toEqual([USERS, POSTS, STATUS]);

  const allowed = await rollback({ 'allow-data-loss': 'true' });
  expect(allowed.code).toBe(0);
  expect(await applied(db.name)).toEqual([USERS, POSTS]);
}, 90_000);

test('a merged pull request from a fork is re-proved after the merge: its forged success does not let a leaky down reach production', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ [`migrations/${USERS}`]: CREATE_USERS }, 'base');
  const ENUM = '20260104000000-add-role.js';
  const merged = repo.commit(
    {
      // Its down drops the column and leaves the enum type behind: up fails when it runs again.
      [`migrations/${ENUM}`]: migration(
        `await queryInterface.addColumn('users', 'role', { type: Sequelize.ENUM('admin', 'member') });`,
        `await queryInterface.removeColumn('users', 'role');`,
      ),
    },
    'merge pull request #41 from forker/add-role',
  );
  const db = await production();
  // Production is at the base: the users table, recorded.
  const admin = new pg.Client({ connectionString: postgres.url(db.name) });
  await admin.connect();
  await admin.query('CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE)');
  await admin.query(
    `CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY); INSERT INTO "SequelizeMeta" VALUES ('${USERS}')`,
  );
  await admin.query(`ALTER TABLE users OWNER TO ${ROLE}; ALTER TABLE "SequelizeMeta" OWNER TO ${ROLE}`);
  await admin.end();
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 41,
    headSha: merged,
    baseSha: base,
    headRepo: `forker/${REPO}`,
    state: 'closed',
  });
  // The fork's own run set this: it proves nothing.
  await setStatus(merged, 'schemabot/check (migrations, pg 15)', 'success', 'Schemabot: ok');
  const event = { ...pushEvent(merged), before: base };
  const refused = await run(repo, 'push', event, merged, { 'database-url': db.url });
  expect(refused.code).toBe(1);
  const error = refused.commands.find((c) => c.level === 'error')!.message;
  expect(error).toMatch(
    /^Merge gate: pull request #41 comes from a fork, whose check status is only what the fork's own run reported; re-proved here, its migrations fail: /,
  );
  expect(error).toContain(`(${ENUM})`);
  expect(error).toContain('Production was not touched');
  expect(await applied(db.name)).toEqual([USERS]);

  // The same fork pull request with a down that drops the type too passes the re-proof and is applied.
  const fixed = repo.commit({
    [`migrations/${ENUM}`]: migration(
      `await queryInterface.addColumn('users', 'role', { type: Sequelize.ENUM('admin', 'member') });`,
      `await queryInterface.removeColumn('users', 'role');
    await queryInterface.sequelize.query('DROP TYPE "enum_users_role"');`,
    ),
  });
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 42,
    headSha: fixed,
    baseSha: base,
    headRepo: `forker/${REPO}`,
    state: 'closed',
  });
  const ok = await run(repo, 'push', { ...pushEvent(fixed), before: base }, fixed, {
    'database-url': db.url,
  });
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain(
    'pull request #42 comes from a fork: its status is advisory, its migrations are re-proved here',
  );
  expect(ok.stdout).toMatch(
    /Re-proof of pull request #42: 1 migration\(s\) went up, down and up again cleanly/,
  );
  expect(await applied(db.name)).toEqual([USERS, ENUM]);
}, 120_000);
