import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../../src/github/client.js';
import { commentMarker } from '../../src/github/comment.js';
import { PERMISSIONS_BLOCK, publish } from '../../src/github/permissions.js';
import { setCommitStatus } from '../../src/github/status.js';
import { GitHubApiServer } from '../helpers/github-server.js';

const owner = 'acme';
const repo = 'shop';
const marker = commentMarker({ folder: 'migrations', postgresMajor: 16 });
/** Milliseconds per second of back-off: waits stay real but short. */
const UNIT = 20;

let server: GitHubApiServer;
let logs: string[];
let sha: string;
let counter = 0;

function clientWith(options: Partial<GitHubClientOptions> = {}): GitHubClient {
  return createGitHubClient({
    token: server.token,
    baseUrl: server.url,
    writeSpacing: false,
    millisecondsPerSecond: UNIT,
    log: {
      info: (m) => logs.push(`info: ${m}`),
      warning: (m) => logs.push(`warning: ${m}`),
      debug: (m) => logs.push(`debug: ${m}`),
    },
    ...options,
  });
}

beforeAll(async () => {
  server = await GitHubApiServer.start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  logs = [];
  counter += 1;
  sha = counter.toString(16).padStart(40, 'c');
});
afterEach(() => {
  server.clearFailures();
  expect(server.violations.splice(0)).toEqual([]);
});

const statusRoute = 'POST /repos/{owner}/{repo}/statuses/{sha}' as const;

describe('setCommitStatus', () => {
  test('sets schemabot/check on the commit, with the description cut to 140 characters', async () => {
    const client = clientWith();
    const long =
      'Migrations: 3 checked, 1 irreversible (20260101-add-status.js leaves enum_posts_status). '.repeat(3);
    const result = await setCommitStatus(client, {
      owner,
      repo,
      sha,
      state: 'failure',
      description: long,
      targetUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
    expect(result.context).toBe('schemabot/check');
    const [stored] = server.statuses(owner, repo, sha);
    expect(stored).toMatchObject({
      state: 'failure',
      context: 'schemabot/check',
      targetUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
    expect(Array.from(stored.description ?? '')).toHaveLength(140);
    expect(stored.description?.endsWith('…')).toBe(true);
    expect(long.startsWith(stored.description!.slice(0, -1))).toBe(true);

    // Read back through GitHub's own endpoints.
    const combined = await client.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha });
    expect(combined.data.state).toBe('failure');
    expect(combined.data.statuses.map((s) => s.context)).toEqual(['schemabot/check']);
    await setCommitStatus(client, { owner, repo, sha, state: 'success', description: 'All good' });
    const after = await client.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha });
    expect(after.data.state).toBe('success');
    const all = await client.rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha });
    expect(all.data.map((s) => s.state)).toEqual(['success', 'failure']);
  });

  test('a custom context is kept', async () => {
    await setCommitStatus(clientWith(), {
      owner,
      repo,
      sha,
      state: 'pending',
      description: 'running',
      context: 'schemabot/check (pg 17)',
    });
    expect(server.statuses(owner, repo, sha)[0].context).toBe('schemabot/check (pg 17)');
  });
});

describe('retries and rate limits', () => {
  test('by default writes are spaced at least a second apart, as GitHub asks of integrations', async () => {
    const client = clientWith({ writeSpacing: undefined });
    await setCommitStatus(client, { owner, repo, sha, state: 'pending', description: 'one' });
    await setCommitStatus(client, { owner, repo, sha, state: 'success', description: 'two' });
    const calls = server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha));
    expect(calls).toHaveLength(2);
    // The throttle waits a second between writes; the gap is measured where the server received them,
    // so the loaded machine's timer slack is allowed for (the point is "spaced", not "immediate").
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(800);
  });

  test('a 500 is retried with growing back-off until it succeeds', async () => {
    server.failNext(2, 'server-error', { method: 'POST', path: /\/statuses\// });
    await setCommitStatus(clientWith(), { owner, repo, sha, state: 'success', description: 'ok' });
    const calls = server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha));
    expect(calls.map((r) => r.status)).toEqual([500, 500, 201]);
    // Back-off of 1 then 4 units.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1 * UNIT - 2);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(4 * UNIT - 2);
    expect(server.statuses(owner, repo, sha)).toHaveLength(1);
    // Each attempt is in the debug log; nothing was worth a warning.
    expect(
      logs.filter((l) => l.startsWith(`debug: POST /repos/${owner}/${repo}/statuses/${sha} - `)),
    ).toEqual([
      expect.stringMatching(/ - 500 /),
      expect.stringMatching(/ - 500 /),
      expect.stringMatching(/ - 201 /),
    ]);
    expect(logs.filter((l) => l.startsWith('warning'))).toEqual([]);
  });

  test('a 500 that does not go away fails after the configured retries', async () => {
    server.failNext(10, 'server-error', { method: 'POST', path: new RegExp(sha) });
    await expect(
      setCommitStatus(clientWith({ retries: 2 }), { owner, repo, sha, state: 'success', description: 'ok' }),
    ).rejects.toMatchObject({ status: 500 });
    expect(server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha))).toHaveLength(3);
  });

  test.each(['rate-limit', 'rate-limit-429'] as const)(
    'a primary rate limit (%s, x-ratelimit-remaining: 0) is waited out until the reset',
    async (failure) => {
      server.failNext(1, failure, { method: 'POST', path: new RegExp(sha), retryAfter: 2 });
      const started = performance.now();
      await setCommitStatus(clientWith(), { owner, repo, sha, state: 'success', description: 'ok' });
      const calls = server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha));
      expect(calls.map((r) => r.status)).toEqual([failure === 'rate-limit' ? 403 : 429, 201]);
      // The reset is ≥ 2 s away and Octokit adds 1 s: at least 3 units of waiting.
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(3 * UNIT - 2);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(logs.some((l) => /^info: GitHub primary rate limit on POST .*retrying in \d+ s/.test(l))).toBe(
        true,
      );
    },
  );

  test('a secondary rate limit waits retry-after', async () => {
    server.failNext(2, 'secondary-rate-limit', { method: 'POST', path: new RegExp(sha), retryAfter: 3 });
    await setCommitStatus(clientWith(), { owner, repo, sha, state: 'success', description: 'ok' });
    const calls = server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha));
    expect(calls.map((r) => r.status)).toEqual([403, 403, 201]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(3 * UNIT - 2);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(3 * UNIT - 2);
    expect(logs.filter((l) => l.includes('secondary rate limit'))).toHaveLength(2);
  });

  test('rate-limit retries are bounded, and a reset too far away is not waited for', async () => {
    server.failNext(10, 'secondary-rate-limit', { method: 'POST', path: new RegExp(sha), retryAfter: 1 });
    await expect(
      setCommitStatus(clientWith({ rateLimitRetries: 2 }), {
        owner,
        repo,
        sha,
        state: 'success',
        description: 'x',
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(server.requestsTo(statusRoute).filter((r) => r.path.endsWith(sha))).toHaveLength(3);
    expect(logs.at(-1)).toMatch(/giving up after 2 retries/);

    const other = sha.replace(/^c/, 'd');
    server.failNext(1, 'rate-limit', { method: 'POST', path: new RegExp(other), retryAfter: 3600 });
    await expect(
      setCommitStatus(clientWith(), { owner, repo, sha: other, state: 'success', description: 'x' }),
    ).rejects.toMatchObject({ status: 403 });
    expect(server.requestsTo(statusRoute).filter((r) => r.path.endsWith(other))).toHaveLength(1);
    expect(logs.at(-1)).toMatch(/longer than the 120 s Schemabot waits/);
  });
});

describe('publish', () => {
  test('posts the comment and the status', async () => {
    const result = await publish(clientWith(), {
      owner,
      repo,
      comment: { issueNumber: 7, marker, body: 'report' },
      status: { sha, state: 'success', description: 'No problems' },
    });
    expect(result.warnings).toEqual([]);
    expect(result.comment?.action).toBe('created');
    expect(result.status?.context).toBe('schemabot/check');
    expect(server.comments(owner, repo, 7).map((c) => c.body)).toEqual([`${marker}\nreport`]);
  });

  test('a 403 on commenting (read-only fork token) is a warning with the permissions block, not a throw', async () => {
    server.failNext(1, 'forbidden', { method: 'POST', path: /\/issues\/8\/comments$/ });
    const result = await publish(clientWith(), {
      owner,
      repo,
      comment: { issueNumber: 8, marker, body: 'report' },
      status: { sha, state: 'failure', description: '1 error' },
    });
    expect(result.comment).toBeNull();
    expect(result.status?.state).toBe('failure');
    expect(result.warnings).toHaveLength(1);
    const [warning] = result.warnings;
    expect(warning).toContain('could not post the pull request comment: GitHub answered 403');
    expect(warning).toContain('Resource not accessible by integration');
    expect(warning).toContain(PERMISSIONS_BLOCK);
    expect(PERMISSIONS_BLOCK).toBe(
      'permissions:\n  contents: read\n  pull-requests: write\n  statuses: write',
    );
    expect(warning).toMatch(/fork/);
    expect(warning).toMatch(/workflow_run/);
    expect(server.comments(owner, repo, 8)).toEqual([]);
  });

  test('403 and 404 on everything give two warnings', async () => {
    server.failNext(1, 'forbidden', { method: 'POST', path: /\/issues\/9\/comments$/ });
    server.failNext(1, 'not-found', { method: 'POST', path: new RegExp(sha) });
    const result = await publish(clientWith(), {
      owner,
      repo,
      comment: { issueNumber: 9, marker, body: 'report' },
      status: { sha, state: 'success', description: 'ok' },
    });
    expect(result.comment).toBeNull();
    expect(result.status).toBeNull();
    expect(result.warnings.map((w) => w.split(':')[0])).toEqual([
      'Schemabot could not post the pull request comment',
      'Schemabot could not set the commit status',
    ]);
    expect(result.warnings[1]).toContain('GitHub answered 404');
  });

  test('an exhausted rate limit is a warning; a server that keeps failing is an error', async () => {
    server.failNext(10, 'rate-limit', { method: 'POST', path: new RegExp(sha), retryAfter: 1 });
    const limited = await publish(clientWith({ rateLimitRetries: 1 }), {
      owner,
      repo,
      status: { sha, state: 'success', description: 'ok' },
    });
    expect(limited.warnings).toEqual([expect.stringContaining('rate limit was still exhausted')]);

    server.failNext(10, 'server-error', { method: 'POST', path: /\/issues\/10\/comments$/ });
    await expect(
      publish(clientWith({ retries: 1 }), { owner, repo, comment: { issueNumber: 10, marker, body: 'x' } }),
    ).rejects.toMatchObject({ status: 500 });
  });
});
