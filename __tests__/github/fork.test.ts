import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { CheckReport } from '../../src/report/contract/check.js';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import {
  ARTIFACT_LIMITS,
  ArtifactError,
  artifactPayload,
  loadArtifact,
  verifyArtifactTarget,
  verifyPullRequest,
  workflowRunContext,
  type PullRequestRef,
} from '../../src/github/fork.js';
import { pullRequestsForCommit } from '../../src/github/pulls.js';
import { GitHubApiServer } from '../helpers/github-server.js';

const webhooks: unknown = createRequire(import.meta.url)('@octokit/webhooks-examples');
const dir = mkdtempSync(join(tmpdir(), 'schemabot-artifact-'));
let server: GitHubApiServer;
let client: GitHubClient;

beforeAll(async () => {
  server = await GitHubApiServer.start();
  client = createGitHubClient({ token: server.token, baseUrl: server.url, writeSpacing: false });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

/** A real `workflow_run` delivery from GitHub's examples; fork pull requests come with no `pull_requests`. */
function workflowRunEvent(): Record<string, unknown> & { workflow_run: Record<string, unknown> } {
  const definition = (webhooks as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (d) => d.name === 'workflow_run',
  );
  const example = definition?.examples.find(
    (e) =>
      e.action === 'completed' && (e.workflow_run as { pull_requests: unknown[] }).pull_requests.length === 0,
  );
  if (!example) throw new Error('no workflow_run example');
  return structuredClone(example) as ReturnType<typeof workflowRunEvent>;
}

function report(): CheckReport {
  return {
    schemaVersion: 1,
    mode: 'check',
    ok: false,
    postgres: { version: '16.4', provider: 'local' },
    base: { ref: 'main', sha: '1'.repeat(40) },
    head: { sha: '2'.repeat(40) },
    migrationsPath: 'migrations',
    baseReplay: { migrations: 3, ms: 41.5, statementMs: 12.25 },
    migrations: [
      {
        name: '20260101000000-add-status.js',
        file: 'migrations/20260101000000-add-status.js',
        change: 'added',
        up: {
          ok: true,
          ms: 12.3,
          statements: [{ sql: "CREATE TYPE enum_posts_status AS ENUM ('draft', 'live')", ms: 1.2 }],
          error: null,
        },
        down: {
          ok: true,
          ms: 4.1,
          statements: [{ sql: 'ALTER TABLE posts DROP COLUMN status', ms: 0.8 }],
          error: null,
        },
        reup: {
          ok: false,
          ms: 2,
          statements: [{ sql: 'CREATE TYPE enum_posts_status', ms: 0.5, failed: true }],
          error: {
            message: 'type "enum_posts_status" already exists',
            file: 'migrations/20260101000000-add-status.js',
            line: 7,
            sql: 'CREATE TYPE enum_posts_status',
            code: '42710',
            position: 13,
          },
        },
        reversible: false,
        residue: [
          {
            kind: 'enum',
            action: 'added',
            name: 'public.enum_posts_status',
            before: null,
            after: { values: ['draft', 'live'] },
          },
        ],
      },
      {
        name: '20260102000000-old.js',
        file: 'migrations/20260102000000-old.js',
        change: 'unchanged',
        up: null,
        down: null,
        reup: null,
        reversible: null,
        residue: [],
        skipped: 'already on the base branch',
      },
    ],
    changes: [
      {
        kind: 'column',
        action: 'changed',
        name: 'public.posts.title',
        before: { type: 'character varying(255)', nullable: true },
        after: { type: 'text', nullable: false },
        details: {
          type: { from: 'character varying(255)', to: 'text' },
          nullable: { from: true, to: false },
        },
      },
      {
        kind: 'table',
        action: 'renamed',
        name: 'public.articles',
        from: 'public.posts_old',
        evidence: 'same columns',
        before: null,
        after: null,
      },
    ],
    findings: [
      {
        rule: 'enum-left-behind',
        severity: 'error',
        migration: '20260101000000-add-status.js',
        file: 'migrations/20260101000000-add-status.js',
        line: 7,
        message: 'down leaves enum_posts_status behind',
        fix: 'DROP TYPE "enum_posts_status" in down',
      },
    ],
    summary: { checked: 1, failed: 1, irreversible: 1, changes: 2, errors: 1, warnings: 0 },
    durationMs: 812.5,
  };
}

const pr: PullRequestRef = {
  number: 2,
  headSha: '5779607b49aab1200488439f02372c57b4f75444',
  baseSha: 'a'.repeat(40),
  repo: 'Codertocat/Hello-World',
};

let fileCount = 0;
function writeArtifact(data: unknown): string {
  const path = join(dir, `report-${(fileCount += 1)}.json`);
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
}

describe('report artifact', () => {
  test('round-trips: what the pull_request job writes, the comment job reads back identically', async () => {
    const payload = artifactPayload(report(), pr);
    expect(payload.pr).toEqual(pr);
    const loaded = await loadArtifact(writeArtifact(payload));
    expect(loaded).toEqual(payload);
    // Still a JSON report: the artifact is the report plus `pr`.
    const { pr: _pr, ...rest } = loaded;
    expect(rest).toEqual(report());
  });

  test('unknown fields are dropped, never passed through', async () => {
    const data = JSON.parse(JSON.stringify(artifactPayload(report(), pr)));
    data.injected = '<script>';
    data.migrations[0].extra = { a: 1 };
    data.pr.token = 'ghp_x';
    const loaded = (await loadArtifact(writeArtifact(data))) as unknown as Record<string, unknown>;
    expect(loaded.injected).toBeUndefined();
    expect((loaded.migrations as Record<string, unknown>[])[0].extra).toBeUndefined();
    expect(loaded.pr).toEqual(pr);
  });

  // The tampering edits arbitrary JSON, so it is typed loosely on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tamper: [string, (d: Record<string, any>) => void, RegExp][] = [
    ['schemaVersion 2', (d) => (d.schemaVersion = 2), /schemaVersion must be 1/],
    ['ok as a string', (d) => (d.ok = 'yes'), /artifact\.ok must be true or false/],
    [
      'a step time as a string',
      (d) => (d.migrations[0].up.ms = '12'),
      /artifact\.migrations\[0\]\.up\.ms must be a finite number/,
    ],
    [
      'an unknown severity',
      (d) => (d.findings[0].severity = 'fatal'),
      /findings\[0\]\.severity must be one of/,
    ],
    ['a missing changes list', (d) => delete d.changes, /artifact\.changes is missing/],
    [
      'a change that is not an object',
      (d) => (d.changes[0] = 'DROP TABLE'),
      /changes\[0\] must be an object/,
    ],
    ['a PR number as a string', (d) => (d.pr.number = '2'), /artifact\.pr\.number must be an integer ≥ 1/],
    ['a negative PR number', (d) => (d.pr.number = -2), /pr\.number must be an integer ≥ 1/],
    [
      'a head that is not a SHA',
      (d) => (d.pr.headSha = 'refs/heads/main'),
      /pr\.headSha must be a commit SHA/,
    ],
    ['a repository path', (d) => (d.pr.repo = '../../etc/passwd'), /pr\.repo must be "owner\/name"/],
    ['no pr at all', (d) => delete d.pr, /artifact\.pr is missing/],
    [
      'migrations that are not a list',
      (d) => Object.assign(d, { migrations: {} }),
      /migrations must be an array/,
    ],
    [
      'an over-long message',
      (d) => (d.findings[0].message = 'x'.repeat(ARTIFACT_LIMITS.text + 1)),
      /findings\[0\]\.message must be at most 262144 characters/,
    ],
    [
      'too many findings',
      (d) => (d.findings = Array.from({ length: ARTIFACT_LIMITS.findings + 1 }, () => d.findings[0])),
      /findings must be an array of at most 50000 items/,
    ],
    [
      'deeply nested snapshot data',
      (d) => {
        let deep: unknown = 1;
        for (let i = 0; i < 40; i += 1) deep = { x: deep };
        d.changes[0].after = deep;
      },
      /nested at most 24 levels/,
    ],
  ];

  test.each(tamper)('rejects %s', async (_name, change, message) => {
    const data = JSON.parse(JSON.stringify(artifactPayload(report(), pr)));
    change(data);
    const path = writeArtifact(data);
    await expect(loadArtifact(path)).rejects.toThrow(ArtifactError);
    await expect(loadArtifact(path)).rejects.toThrow(message);
  });

  test('rejects a file that is not JSON, not a file, or too big before reading it', async () => {
    await expect(loadArtifact(writeArtifact('{"schemaVersion": 1,'))).rejects.toThrow(/is not valid JSON/);
    await expect(loadArtifact(dir)).rejects.toThrow(/is not a file/);
    await expect(loadArtifact(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(ARTIFACT_LIMITS.bytes + 1));
    await expect(loadArtifact(big)).rejects.toThrow(/at most 33554432 are accepted/);
  });

  test('artifactPayload refuses a bad pull request reference', () => {
    expect(() => artifactPayload(report(), { ...pr, headSha: 'abc' })).toThrow(
      /pr\.headSha must be a commit SHA/,
    );
  });
});

describe('the workflow_run side', () => {
  test('reads the run from a real workflow_run delivery', () => {
    const run = workflowRunContext(workflowRunEvent());
    expect(run).toMatchObject({
      owner: 'Codertocat',
      repo: 'Hello-World',
      headSha: '5779607b49aab1200488439f02372c57b4f75444',
      pullRequests: [],
    });
    expect(() => workflowRunContext({ action: 'opened' })).toThrow(/not a workflow_run event/);
  });

  test('accepts the artifact when the pull request is at the run’s head commit', async () => {
    const run = workflowRunContext(workflowRunEvent());
    server.seedPullRequest({
      owner: run.owner,
      repo: run.repo,
      number: 2,
      headSha: run.headSha,
      baseSha: pr.baseSha,
      headRepo: 'fork-owner/Hello-World',
    });
    const artifact = await loadArtifact(writeArtifact(artifactPayload(report(), pr)));
    const verified = await verifyArtifactTarget(client, artifact, run);
    expect(verified).toEqual({
      number: 2,
      headSha: run.headSha,
      baseSha: pr.baseSha,
      state: 'open',
      htmlUrl: 'https://github.com/Codertocat/Hello-World/pull/2',
      headRepository: 'fork-owner/Hello-World',
    });
  });

  test('rejects an artifact naming a pull request that is at another commit', async () => {
    const run = workflowRunContext(workflowRunEvent());
    server.seedPullRequest({
      owner: run.owner,
      repo: run.repo,
      number: 3,
      headSha: 'f'.repeat(40),
      baseSha: pr.baseSha,
    });
    const artifact = await loadArtifact(writeArtifact(artifactPayload(report(), { ...pr, number: 3 })));
    await expect(verifyArtifactTarget(client, artifact, run)).rejects.toThrow(
      /pull request #3 is at f{40}, but the workflow run that produced the artifact built 5779607b/,
    );
    await expect(
      verifyPullRequest(client, { owner: run.owner, repo: run.repo, number: 3, headSha: run.headSha }),
    ).rejects.toThrow(ArtifactError);
  });

  test('rejects an artifact made for another commit or another repository, before asking GitHub', async () => {
    const run = workflowRunContext(workflowRunEvent());
    const requests = server.requests.length;
    const otherCommit = await loadArtifact(
      writeArtifact(artifactPayload(report(), { ...pr, headSha: 'e'.repeat(40) })),
    );
    await expect(verifyArtifactTarget(client, otherCommit, run)).rejects.toThrow(
      /made for commit e{40}, but the workflow run built 5779607b/,
    );
    const otherRepo = await loadArtifact(
      writeArtifact(artifactPayload(report(), { ...pr, repo: 'evil/Hello-World' })),
    );
    await expect(verifyArtifactTarget(client, otherRepo, run)).rejects.toThrow(
      /about evil\/Hello-World, but this workflow runs in Codertocat\/Hello-World/,
    );
    expect(server.requests.length).toBe(requests);
  });

  test('a commit leads to its open pull requests (same-repository runs)', async () => {
    const head = '9'.repeat(40);
    server.seedPullRequest({ owner: 'acme', repo: 'shop', number: 11, headSha: head, baseSha: pr.baseSha });
    server.seedPullRequest({
      owner: 'acme',
      repo: 'shop',
      number: 12,
      headSha: head,
      baseSha: pr.baseSha,
      state: 'closed',
    });
    server.seedPullRequest({
      owner: 'acme',
      repo: 'shop',
      number: 13,
      headSha: '8'.repeat(40),
      baseSha: pr.baseSha,
    });
    expect(await pullRequestsForCommit(client, { owner: 'acme', repo: 'shop', sha: head })).toEqual([
      {
        number: 11,
        state: 'open',
        headSha: head,
        baseRef: 'main',
        htmlUrl: 'https://github.com/acme/shop/pull/11',
      },
    ]);
    expect(await pullRequestsForCommit(client, { owner: 'acme', repo: 'shop', sha: '7'.repeat(40) })).toEqual(
      [],
    );
  });

  test('rejects a pull request number that does not exist', async () => {
    const run = workflowRunContext(workflowRunEvent());
    const artifact = await loadArtifact(writeArtifact(artifactPayload(report(), { ...pr, number: 999 })));
    await expect(verifyArtifactTarget(client, artifact, run)).rejects.toThrow(
      /pull request #999 does not exist in Codertocat\/Hello-World/,
    );
  });
});
