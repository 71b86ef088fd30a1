/**
 * The action with a mistyped connection URL: the step fails with a message that names the input and
 * shows the URL with its password masked, and the password goes to the runner's own masking.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubApiServer } from '../helpers/github-server.js';
import { actionFolder, pullRequestEvent, removeRunnerTemps, runAction } from './runner.js';

const CANARY = process.env.SCHEMABOT_PASSWORD_CANARY ?? 'SbCanaryPw';
let folder: string;
let server: GitHubApiServer;
let workspace: string;

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
  workspace = mkdtempSync(join(tmpdir(), 'schemabot-workspace-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
  removeRunnerTemps();
});

const SHA = 'a'.repeat(40);

test.each([
  { input: 'database-url', mode: 'status', url: `app:${CANARY}-act-1@127.0.0.1:55432/prod` },
  { input: 'database-url', mode: 'status', url: `postgres:app:${CANARY}%40act%2F2@127.0.0.1/prod` },
  { input: 'postgres-url', mode: 'check', url: `postgres:/app:${CANARY}-act-3@127.0.0.1/postgres` },
])('$input $url: an ::error:: line with the password masked', async ({ input, mode, url }) => {
  const run = await runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('opened', { number: 41, headSha: SHA, baseSha: SHA }),
    workspace,
    apiUrl: server.url,
    inputs: { mode, [input]: url, ...(input === 'postgres-url' ? { postgres: 'url' } : {}) },
  });
  expect(run.code).toBe(1);
  const errors = run.commands.filter((c) => c.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(
    new RegExp(`^Input "${input}" .*(must start with postgres://|must be followed by "//")`),
  );
  expect(errors[0]!.message).toContain(':***@127.0.0.1');
  const shown = run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr;
  expect(shown).not.toContain(CANARY);
  // The runner is told to mask the password in each form it can appear in.
  // (The workflow command escapes % as %25, which the runner undoes.)
  const masks = [...run.stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1]!.replace(/%25/g, '%'));
  const password = /:([^@]*)@/.exec(url.replace(/^postgres:\/?/, ''))![1]!;
  expect(masks).toEqual(expect.arrayContaining([password, decodeURIComponent(password)]));
});

test.each([
  {
    unset: ['GITHUB_ACTIONS', 'GITHUB_EVENT_NAME', 'GITHUB_EVENT_PATH', 'GITHUB_REPOSITORY'],
    named: 'GITHUB_EVENT_NAME and GITHUB_REPOSITORY are',
  },
  { unset: ['GITHUB_REPOSITORY'], named: 'GITHUB_REPOSITORY is' },
])(
  'started outside a job ($unset unset), the action says what is missing and points at the CLI',
  async ({ unset, named }) => {
    const requests = server.requests.length;
    const run = await runAction(folder, {
      eventName: 'pull_request',
      event: pullRequestEvent('opened', { number: 42, headSha: SHA, baseSha: SHA }),
      workspace,
      apiUrl: server.url,
      inputs: {},
      env: Object.fromEntries(unset.map((name) => [name, null])),
    });
    expect(run.code).toBe(1);
    const errors = run.commands.filter((c) => c.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('runs as a step of a GitHub Actions job');
    expect(errors[0]!.message).toContain(`${named} not set here`);
    expect(errors[0]!.message).toContain('npx schemabot check --base origin/main');
    expect(errors[0]!.message).not.toMatch(/Unexpected error|\n\s+at /);
    // Nothing was started or published: no server, no request to the GitHub API.
    expect(server.requests).toHaveLength(requests);
  },
);
