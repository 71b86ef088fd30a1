/**
 * The fork-safe comment job posts what a fork's own run uploaded. A fork controls that run, so the job
 * must never show a verdict better than the run's own conclusion, nor any commit that is not the pull
 * request's; and a fork's status says whose verdict it is.
 */
import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
let repo: FixtureRepo;
let base: string;
let head: string;
let other: string;
/** The report a fork's check job really uploaded: its down leaves an enum type behind (a failure). */
let genuine: Record<string, unknown>;

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
  downloads = mkdtempSync(join(tmpdir(), 'schemabot-download-'));
  repo = new FixtureRepo();
  base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  // A commit of another pull request, not on this one's branch.
  other = repo.commit({ 'README.md': 'another pull request' });
  repo.git('reset', '-q', '--hard', base);
  head = repo.commit({
    'migrations/20260102000000-add-status.js': migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.ENUM('active', 'gone') });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  // The fork's own pull_request run, with the read-only token GitHub gives it.
  server.failNext(Infinity, 'forbidden', { method: 'POST' });
  server.failNext(Infinity, 'forbidden', { method: 'PATCH' });
  const run = await runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('opened', { number: 31, headSha: head, baseSha: base, fork: true }),
    workspace: repo.dir,
    sha: head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token },
  });
  server.clearFailures();
  genuine = JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')) as Record<string, unknown>;
  expect(genuine.ok).toBe(false);
  server.seedPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 31,
    headSha: head,
    baseSha: base,
    headRepo: `forker/${REPO}`,
  });
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  rmSync(downloads, { recursive: true, force: true });
  repo.remove();
  removeRunnerTemps();
});
afterEach(() => {
  server.clearFailures();
  expect(server.violations.splice(0)).toEqual([]);
});

/** Uploads `report` as the artifact and runs the workflow_run job for a run that concluded `conclusion`. */
async function commentJob(
  report: Record<string, unknown>,
  conclusion: string,
  inputs: Record<string, string> = {},
) {
  const artifact = mkdtempSync(join(downloads, 'artifact-'));
  writeFileSync(join(artifact, 'schemabot-report.json'), JSON.stringify(report));
  const event = workflowRunEvent({ headSha: head, fork: true });
  (event.workflow_run as { conclusion: string }).conclusion = conclusion;
  const run = await runAction(folder, {
    eventName: 'workflow_run',
    event,
    workspace: mkdtempSync(join(downloads, 'workspace-')),
    apiUrl: server.url,
    inputs: { 'github-token': server.token, 'report-path': artifact, ...inputs },
  });
  return { run, artifact };
}

/** What a fork can upload instead: its report edited to pass. */
function forged(): Record<string, unknown> {
  const report = structuredClone(genuine) as Record<string, unknown> & {
    findings: unknown[];
    migrations: { reversible: boolean; residue: unknown[] }[];
    summary: Record<string, number>;
  };
  report.ok = true;
  report.findings = [];
  for (const m of report.migrations) Object.assign(m, { reversible: true, residue: [] });
  Object.assign(report.summary, { failed: 0, irreversible: 0, errors: 0, warnings: 0 });
  return report;
}

/** The newest status (GitHub lists them newest first). */
function latestStatus() {
  return server.statuses(OWNER, REPO, head)[0];
}

test('a failing fork run whose uploaded report says ok: true gets a failure status and a failing comment', async () => {
  const { run } = await commentJob(forged(), 'failure');
  expect(run.code).toBe(0);
  expect(latestStatus()).toMatchObject({ state: 'failure', context: 'schemabot/check (migrations, pg 15)' });
  const [comment] = server.comments(OWNER, REPO, 31);
  expect(comment!.body).toMatch(/^### ❌ Schemabot/m);
  expect(comment!.body).toContain('concluded failure, not success');
  expect(run.outputs.ok).toBe('false');
  expect(run.commands).toContainEqual(
    expect.objectContaining({ level: 'warning', message: expect.stringContaining('concluded failure') }),
  );
});

test('a cancelled run cannot pass either, even with fail-on: never in the comment job', async () => {
  const { run } = await commentJob(forged(), 'cancelled', { 'fail-on': 'never' });
  expect(run.code).toBe(0);
  expect(latestStatus()).toMatchObject({ state: 'failure' });
});

test("a fork's status says it is the fork's own run's verdict", async () => {
  const { run } = await commentJob(forged(), 'success');
  expect(run.code).toBe(0);
  expect(latestStatus()).toMatchObject({
    state: 'success',
    description: expect.stringMatching(/^Schemabot \(as reported by the fork's own run\): /),
  });
});

test('a report naming another commit than the pull request’s head is not shown; a notice names the file', async () => {
  const before = server.comments(OWNER, REPO, 31).map((c) => c.body);
  const statuses = server.statuses(OWNER, REPO, head).length;
  const report = forged() as { head: { sha: string } };
  report.head.sha = other;
  const { run, artifact } = await commentJob(report, 'success');
  expect(run.code).toBe(0);
  expect(run.commands).toEqual([
    expect.objectContaining({
      level: 'notice',
      message: expect.stringContaining(
        `${join(artifact, 'schemabot-report.json')} was not posted: the report names head commit ${other}, but pull request #31 is at ${head}.`,
      ),
    }),
  ]);
  expect(server.comments(OWNER, REPO, 31).map((c) => c.body)).toEqual(before);
  expect(server.comments(OWNER, REPO, 31).some((c) => c.body.includes(other.slice(0, 7)))).toBe(false);
  expect(server.statuses(OWNER, REPO, head)).toHaveLength(statuses);
});

test('a report naming another base commit is not shown either', async () => {
  const report = forged() as { base: { sha: string } };
  report.base.sha = other;
  const { run } = await commentJob(report, 'success');
  expect(run.commands.map((c) => c.message)).toEqual([
    expect.stringContaining(
      `the report names base commit ${other}, but pull request #31 is based on ${base}.`,
    ),
  ]);
});

test('the genuine report of a failed run is posted as it is, failing', async () => {
  const artifact = mkdtempSync(join(downloads, 'plain-'));
  writeFileSync(join(artifact, 'schemabot-report.json'), JSON.stringify(genuine));
  copyFileSync(join(artifact, 'schemabot-report.json'), join(artifact, 'copy.json.bak'));
  const { run } = await commentJob(genuine, 'failure');
  expect(run.code).toBe(0);
  expect(latestStatus()).toMatchObject({ state: 'failure' });
  expect(server.comments(OWNER, REPO, 31)[0]!.body).toContain('enum');
});
