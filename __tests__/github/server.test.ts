import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubApiServer, IMPLEMENTED_OPERATIONS } from '../helpers/github-server.js';

/**
 * The test GitHub API must be able to fail: these requests break GitHub's OpenAPI description and
 * each must be refused and recorded.
 */
let server: GitHubApiServer;
const sha = 'ab'.repeat(20);

beforeAll(async () => {
  server = await GitHubApiServer.start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.violations.splice(0);
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `token ${server.token}`,
      accept: 'application/vnd.github+json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, data: text ? JSON.parse(text) : undefined };
}

describe('request validation against the OpenAPI description', () => {
  test('a comment whose body is not a string is refused with 422 and recorded', async () => {
    const res = await call('POST', '/repos/acme/shop/issues/1/comments', { body: 123 });
    expect(res.status).toBe(422);
    expect(server.violations).toEqual([
      expect.objectContaining({
        kind: 'body',
        operation: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        errors: [expect.stringContaining('/body must be string')],
      }),
    ]);
    expect(server.comments('acme', 'shop', 1)).toEqual([]);
  });

  test('a missing required field, a bad enum value and a missing body are refused', async () => {
    expect((await call('POST', '/repos/acme/shop/issues/1/comments', { text: 'hi' })).status).toBe(422);
    expect((await call('POST', `/repos/acme/shop/statuses/${sha}`, { state: 'ok' })).status).toBe(422);
    expect((await call('PATCH', '/repos/acme/shop/issues/comments/1')).status).toBe(422);
    expect(server.violations.map((v) => [v.kind, v.errors.join('; ')])).toEqual([
      ['body', expect.stringContaining("must have required property 'body'")],
      ['body', expect.stringContaining('must be equal to one of the allowed values')],
      ['body', 'a request body is required'],
    ]);
  });

  test('nullable fields accept null (OpenAPI 3.0 `nullable`)', async () => {
    const res = await call('POST', `/repos/acme/shop/statuses/${sha}`, {
      state: 'pending',
      description: null,
      target_url: null,
      context: 'schemabot/check',
    });
    expect(res.status).toBe(201);
    expect(server.violations).toEqual([]);
  });

  test('bad path and query parameters are refused', async () => {
    expect((await call('GET', '/repos/acme/shop/issues/abc/comments')).status).toBe(404);
    expect((await call('GET', '/repos/acme/shop/issues/1/comments?per_page=lots')).status).toBe(422);
    expect((await call('GET', '/repos/acme/shop/issues/1/comments?sort=desc')).status).toBe(422);
    expect(server.violations.map((v) => v.kind)).toEqual(['path', 'query', 'query']);
    expect(server.violations[2].errors.join()).toContain('must NOT have additional properties');
  });

  test('undocumented routes, routes this server does not serve, and missing credentials are recorded', async () => {
    expect((await call('GET', '/repos/acme/shop/stickies')).status).toBe(404);
    expect((await call('DELETE', '/repos/acme/shop/issues/comments/1')).status).toBe(501);
    expect((await call('GET', '/user', undefined, { authorization: 'token wrong' })).status).toBe(401);
    expect(server.violations.map((v) => [v.kind, v.operation])).toEqual([
      ['undocumented', undefined],
      ['not-implemented', 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}'],
      ['auth', 'GET /user'],
    ]);
  });

  test('through the client too: an invalid status body fails the request', async () => {
    const client = createGitHubClient({ token: server.token, baseUrl: server.url, writeSpacing: false });
    await expect(
      client.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        owner: 'acme',
        repo: 'shop',
        sha,
        state: 'succeeded' as 'success',
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(server.violations).toHaveLength(1);
  });
});

describe('responses', () => {
  test('every implemented operation answers in the documented shape', async () => {
    expect(IMPLEMENTED_OPERATIONS).toHaveLength(9);
    const sha = 'ef'.repeat(20);
    const client = createGitHubClient({ token: server.token, baseUrl: server.url, writeSpacing: false });
    server.seedPullRequest({
      owner: 'acme',
      repo: 'shop',
      number: 4,
      headSha: sha,
      baseSha: 'cd'.repeat(20),
    });
    const created = await client.rest.issues.createComment({
      owner: 'acme',
      repo: 'shop',
      issue_number: 4,
      body: 'a',
    });
    await client.rest.issues.updateComment({
      owner: 'acme',
      repo: 'shop',
      comment_id: created.data.id,
      body: 'b',
    });
    await client.rest.issues.listComments({ owner: 'acme', repo: 'shop', issue_number: 4 });
    await client.rest.repos.createCommitStatus({
      owner: 'acme',
      repo: 'shop',
      sha,
      state: 'success',
      context: 'c',
    });
    const combined = await client.rest.repos.getCombinedStatusForRef({
      owner: 'acme',
      repo: 'shop',
      ref: sha,
    });
    await client.rest.repos.listCommitStatusesForRef({ owner: 'acme', repo: 'shop', ref: sha });
    const pull = await client.rest.pulls.get({ owner: 'acme', repo: 'shop', pull_number: 4 });
    const pulls = await client.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: 'acme',
      repo: 'shop',
      commit_sha: sha,
    });
    await expect(client.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
    server.identity = { kind: 'user', user: { login: 'octocat', id: 1, type: 'User' } };
    const user = await client.rest.users.getAuthenticated();
    server.identity = { kind: 'installation' };

    expect(created.data.user?.login).toBe('github-actions[bot]');
    expect(combined.data.state).toBe('success');
    expect(pull.data.head.sha).toBe(sha);
    expect(pulls.data.map((p) => p.number)).toEqual([4]);
    expect(user.data.login).toBe('octocat');
    const served = new Set(server.requests.filter((r) => r.status < 300).map((r) => r.operation));
    expect(IMPLEMENTED_OPERATIONS.filter((op) => !served.has(op))).toEqual([]);
    expect(server.violations).toEqual([]);
  });

  test('a response that breaks the schema is recorded too', async () => {
    const c = server.seedComment({ owner: 'acme', repo: 'shop', issueNumber: 5, body: 'x' });
    c.createdAt = 'yesterday';
    expect((await call('GET', '/repos/acme/shop/issues/5/comments')).status).toBe(200);
    expect(server.violations).toEqual([
      expect.objectContaining({
        kind: 'response',
        errors: [expect.stringContaining('/0/created_at must match format "date-time"')],
      }),
    ]);
  });

  test('lists are paginated with GitHub’s Link header', async () => {
    for (let i = 0; i < 35; i += 1)
      server.seedComment({ owner: 'acme', repo: 'shop', issueNumber: 6, body: `c${i}` });
    const first = await call('GET', '/repos/acme/shop/issues/6/comments');
    expect(first.data).toHaveLength(30);
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(
      `<${server.url}/repos/acme/shop/issues/6/comments?per_page=30&page=2>; rel="next"`,
    );
    expect(link).toContain('page=2>; rel="last"');
    const last = await call('GET', '/repos/acme/shop/issues/6/comments?per_page=10&page=4');
    expect(last.data.map((c: { body: string }) => c.body)).toEqual(['c30', 'c31', 'c32', 'c33', 'c34']);
    expect(last.headers.get('link')).toMatch(/page=3>; rel="prev".*page=1>; rel="first"/);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect(server.violations).toEqual([]);
  });
});
