import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubApiServer } from '../helpers/github-server.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import {
  OWNER,
  REPO,
  actionFolder,
  pullRequestEvent,
  removeRunnerTemps,
  runAction,
  workflowRunEvent,
} from './runner.js';

let folder: string;
let server: GitHubApiServer;
let downloads: string;
const repos: FixtureRepo[] = [];

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
  downloads = mkdtempSync(join(tmpdir(), 'schemabot-download-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  rmSync(downloads, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  removeRunnerTemps();
});
afterEach(() => {
  server.clearFailures();
  expect(server.violations.splice(0)).toEqual([]);
});

/** A fork's pull request: checked with the read-only token GitHub gives it; returns what it uploads. */
async function forkCheck(number: number) {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  const head = repo.commit({
    'migrations/20260102000000-add-phone.js': migration(
      `await queryInterface.addColumn('users', 'phone', { type: Sequelize.STRING(20) });`,
      `await queryInterface.removeColumn('users', 'phone');`,
    ),
  });
  // A read-only token: every write is refused.
  server.failNext(Infinity, 'forbidden', { method: 'POST' });
  server.failNext(Infinity, 'forbidden', { method: 'PATCH' });
  const run = await runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('opened', { number, headSha: head, baseSha: base, fork: true }),
    workspace: repo.dir,
    sha: head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token },
  });
  server.clearFailures();
  // What actions/upload-artifact uploads and actions/download-artifact puts in a folder.
  const artifact = mkdtempSync(join(downloads, 'artifact-'));
  copyFileSync(run.outputs['report-path']!, join(artifact, 'schemabot-report.json'));
  return { repo, base, head, run, artifact };
}

function comment(artifact: string, headSha: string) {
  return runAction(folder, {
    eventName: 'workflow_run',
    event: workflowRunEvent({ headSha, fork: true }),
    workspace: mkdtempSync(join(downloads, 'workspace-')),
    apiUrl: server.url,
    inputs: { 'github-token': server.token, 'report-path': artifact },
  });
}

test('fork pull requests: check warns instead of failing on a read-only token, then comment mode posts the same report', async () => {
  const { base, head, run, artifact } = await forkCheck(21);
  expect(run.code).toBe(0);
  // The hazard rules' warning annotation comes first; then the publishing warnings.
  const warnings = run.commands
    .filter((c) => c.level === 'warning' && !c.properties.includes('title=Schemabot: '))
    .map((c) => c.message);
  expect(warnings).toEqual([
    expect.stringContaining('could not post the pull request comment: GitHub answered 403'),
    expect.stringContaining('could not set the commit status: GitHub answered 403'),
  ]);
  expect(warnings[0]).toContain('pull-requests: write');
  expect(warnings[0]).toContain('workflow_run');
  expect(server.comments(OWNER, REPO, 21)).toEqual([]);
  expect(run.outputs['comment-id']).toBe('');
  const uploaded = JSON.parse(readFileSync(join(artifact, 'schemabot-report.json'), 'utf8')) as {
    pr: unknown;
  };
  expect(uploaded.pr).toEqual({ number: 21, headSha: head, baseSha: base, repo: `${OWNER}/${REPO}` });

  // The workflow_run job (mode from the event: comment) posts it with its write token.
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 21,
    headSha: head,
    baseSha: base,
    headRepo: `forker/${REPO}`,
  });
  const posted = await comment(artifact, head);
  expect(posted.commands.filter((c) => c.level !== 'notice')).toEqual([]);
  expect(posted.code).toBe(0);
  const comments = server.comments(OWNER, REPO, 21);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body.split('\n')[0]).toBe('<!-- schemabot:check folder=migrations pg=15 -->');
  // Exactly what the check job rendered, rebuilt from the validated artifact: the same summary, and the
  // comment is the reviewer's cut of it (the lock list stays in the summary).
  expect(posted.summary).toBe(run.summary);
  const posted_ = body.slice(body.indexOf('\n') + 1);
  expect(posted_).toContain(
    `head [<code>${head.slice(0, 7)}</code>](https://github.com/${OWNER}/${REPO}/commit/${head})`,
  );
  expect(run.summary).toContain('#### What it locks and rewrites');
  expect(posted_).not.toContain('#### What it locks and rewrites');
  expect(posted_.replace(/\n\n#### Schema changes[\s\S]*/, '')).toBe(
    run.summary
      .replace(/\n\n#### What it locks and rewrites[\s\S]*/, '')
      .replace(/\n\n#### Schema changes[\s\S]*/, ''),
  );
  expect(server.statuses(OWNER, REPO, head)).toEqual([
    expect.objectContaining({ context: 'schemabot/check (migrations, pg 15)', state: 'success' }),
  ]);
  expect(posted.outputs).toMatchObject({
    ok: 'true',
    changed: 'true',
    'comment-id': String(comments[0]!.id),
  });

  // Run again (a re-run of the workflow): the same comment, not a second one.
  const again = await comment(artifact, head);
  expect(again.code).toBe(0);
  expect(server.comments(OWNER, REPO, 21)).toHaveLength(1);
});

test('comment mode refuses an artifact whose pull request is not at the run’s head commit', async () => {
  const { base, head, artifact } = await forkCheck(22);
  // The fork's job claims to be about pull request 23, which is somewhere else.
  const file = join(artifact, 'schemabot-report.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as { pr: { number: number } };
  data.pr.number = 23;
  writeFileSync(file, JSON.stringify(data));
  server.seedPullRequest({ owner: OWNER, repo: REPO, number: 23, headSha: 'a'.repeat(40), baseSha: base });
  const refused = await comment(artifact, head);
  expect(refused.code).toBe(1);
  expect(refused.commands).toEqual([
    expect.objectContaining({
      level: 'error',
      message: expect.stringMatching(/^The report artifact was rejected: pull request #23 is at a{40}/),
    }),
  ]);
  expect(server.comments(OWNER, REPO, 23)).toEqual([]);
  expect(server.statuses(OWNER, REPO, head)).toEqual([]);

  // An artifact made for another commit than the run built is refused before asking GitHub anything.
  const other = await comment(artifact, 'b'.repeat(40));
  expect(other.code).toBe(1);
  expect(other.commands[0]!.message).toMatch(
    /was made for commit [0-9a-f]{40}, but the workflow run built b{40}/,
  );

  // Not JSON data of the expected shape: rejected, with the field named.
  const bad = mkdirSync(join(artifact, 'bad'), { recursive: true })!;
  writeFileSync(join(bad, 'schemabot-report.json'), JSON.stringify({ ...data, ok: 'yes' }));
  const invalid = await comment(bad, head);
  expect(invalid.code).toBe(1);
  expect(invalid.commands[0]!.message).toContain('artifact.ok must be true or false');
});

test('one comment job posts the artifacts of several matrix cells, each to its own sticky comment', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({
    'db/app/20260101000000-create-users.js': CREATE_USERS,
    'db/audit/20260101000000-create-users.js': CREATE_USERS,
  });
  const head = repo.commit({
    'db/app/20260102000000-add-phone.js': migration(
      `await queryInterface.addColumn('users', 'phone', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'phone');`,
    ),
    'db/audit/20260102000000-add-note.js': migration(
      `await queryInterface.addColumn('users', 'note', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'note');`,
    ),
  });
  // actions/download-artifact with `pattern:` puts each cell's artifact in a folder of its own.
  const downloaded = mkdtempSync(join(downloads, 'cells-'));
  server.failNext(Infinity, 'forbidden', { method: 'POST' });
  for (const [i, cell] of ['db/app', 'db/audit'].entries()) {
    const run = await runAction(folder, {
      eventName: 'pull_request',
      event: pullRequestEvent('opened', { number: 24, headSha: head, baseSha: base, fork: true }),
      workspace: repo.dir,
      sha: head,
      apiUrl: server.url,
      inputs: { postgres: 'local', 'github-token': server.token, 'migrations-path': cell },
    });
    expect(run.code).toBe(0);
    mkdirSync(join(downloaded, `schemabot-report-${i}`));
    copyFileSync(
      run.outputs['report-path']!,
      join(downloaded, `schemabot-report-${i}`, 'schemabot-report.json'),
    );
  }
  server.clearFailures();
  expect(server.comments(OWNER, REPO, 24)).toEqual([]);
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 24,
    headSha: head,
    baseSha: base,
    headRepo: `forker/${REPO}`,
  });
  const posted = await comment(downloaded, head);
  expect(posted.code).toBe(0);
  const comments = server.comments(OWNER, REPO, 24);
  expect(comments.map((c) => c.body.split('\n')[0])).toEqual([
    '<!-- schemabot:check folder=db/app pg=15 -->',
    '<!-- schemabot:check folder=db/audit pg=15 -->',
  ]);
  expect(comments[0]!.body).toContain('+   column phone text');
  expect(comments[1]!.body).toContain('+   column note text');
  expect(
    server
      .statuses(OWNER, REPO, head)
      .map((s) => s.context)
      .sort(),
  ).toEqual(['schemabot/check (db/app, pg 15)', 'schemabot/check (db/audit, pg 15)']);
  expect(posted.outputs).toMatchObject({
    ok: 'true',
    migrations: '2',
    'comment-id': String(comments[1]!.id),
  });
});

test('a tampered artifact cannot break or spoof the comment: every text is escaped again when posted', async () => {
  const { base, head, artifact } = await forkCheck(25);
  server.seedPullRequest({ owner: OWNER, repo: REPO, number: 25, headSha: head, baseSha: base });
  // A fork controls everything its job uploads: here, texts crafted to close the comment's marker,
  // open a second one, break the table, ping people and inject HTML.
  const file = join(artifact, 'schemabot-report.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as {
    findings: { rule: string; severity: string; message: string; file?: string; fix?: string }[];
    migrations: { name: string }[];
  };
  const hostile =
    '--> <!-- schemabot:check folder=migrations pg=15 --> | `x` @octocat #1 <img src=x onerror=alert(1)>';
  data.findings.push({
    rule: 'out-of-order',
    severity: 'error',
    message: hostile,
    file: `migrations/${hostile}.js`,
    fix: hostile,
  });
  data.migrations[data.migrations.length - 1]!.name = `20260102000000-${hostile}.js`;
  writeFileSync(file, JSON.stringify(data));
  const posted = await comment(artifact, head);
  expect(posted.stderr).toBe('');
  const comments = server.comments(OWNER, REPO, 25);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  // One marker, on the first line; no other HTML comment can open or close.
  expect(body.split('\n')[0]).toBe('<!-- schemabot:check folder=migrations pg=15 -->');
  expect(body.indexOf('<!--', 1)).toBe(-1);
  expect(body.slice(body.indexOf('\n')).includes('-->')).toBe(false);
  // No raw HTML, mentions or references survive.
  expect(body).not.toContain('<img');
  expect(body).not.toContain('@octocat');
  expect(body).not.toMatch(/(^|\s)#1\b/);
  // The text is still there for a reader, as text.
  expect(body).toContain('&#60;img src=x onerror=alert(1)&#62;');
});
