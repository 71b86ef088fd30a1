import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitHubApiServer } from '../helpers/github-server.js';
import { FixtureRepo } from '../helpers/repo.js';
import { PROJECT_ROOT, PYTHON, revision } from '../alembic/fixture.js';
import { OWNER, REPO, actionFolder, pullRequestEvent, removeRunnerTemps, runAction } from './runner.js';

let folder: string;
let server: GitHubApiServer;
let repo: FixtureRepo;

beforeAll(async () => {
  folder = actionFolder();
  server = await GitHubApiServer.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  repo?.remove();
  removeRunnerTemps();
});
afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

test('an Alembic pull request through the bundled action: the sticky comment names the enum type its downgrade leaves behind', async () => {
  repo = new FixtureRepo();
  cpSync(join(PROJECT_ROOT, 'examples', 'fastapi-alembic'), repo.dir, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__'),
  });
  const base = repo.commit({}, 'the sample');
  const file = 'alembic/versions/f1a2b3c4d5e6_add_status_to_posts.py';
  const head = repo.commit({
    [file]: revision({
      id: 'f1a2b3c4d5e6',
      down: 'c2e4a6b8d0f7',
      message: 'add status to posts',
      upgrade: [
        "post_status = sa.Enum('draft', 'live', name='post_status')",
        'post_status.create(op.get_bind())',
        "op.add_column('posts', sa.Column('status', post_status, nullable=False, server_default='draft'))",
      ].join('\n'),
      downgrade: "op.drop_column('posts', 'status')",
    }),
  });
  const run = await runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('opened', { number: 14, headSha: head, baseSha: base }),
    workspace: repo.dir,
    sha: head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token, runner: 'alembic', python: PYTHON },
  });
  expect(run.stderr).toBe('');
  // enum-left-behind is an error: the step fails, and everything is published.
  expect(run.code).toBe(1);
  expect(run.outputs).toMatchObject({ ok: 'false', changed: 'true', reversible: 'false', migrations: '1' });
  const annotation = run.commands.find((c) => c.properties.includes('title=Schemabot: enum-left-behind'));
  expect(annotation?.properties).toContain(`file=${file}`);
  const comments = server.comments(OWNER, REPO, 14);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body).toMatch(/^### ❌ Schemabot: 1 migration checked · 1 error/m);
  expect(body).toContain('<code>f1a2b3c4d5e6</code>');
  expect(body).toMatch(/❌ <code>enum-left-behind<\/code> · .*post_status/);
  expect(body).toContain('+   enum public.post_status');

  // The python input is the interpreter that runs the project: one that does not exist is a setup error.
  const missing = await runAction(folder, {
    eventName: 'pull_request',
    event: pullRequestEvent('synchronize', { number: 14, headSha: head, baseSha: base }),
    workspace: repo.dir,
    sha: head,
    apiUrl: server.url,
    inputs: { postgres: 'local', 'github-token': server.token, python: '/nonexistent/bin/python3' },
  });
  expect(missing.code).toBe(1);
  expect(missing.stdout).toMatch(/Check that \/nonexistent\/bin\/python3 runs/);
});
