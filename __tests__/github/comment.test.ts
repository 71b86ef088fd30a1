import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import {
  COMMENT_BODY_LIMIT,
  CommentTooLongError,
  commentMarker,
  upsertStickyComment,
} from '../../src/github/comment.js';
import { GitHubApiServer, type UserRecord } from '../helpers/github-server.js';

const HUMAN: UserRecord = { login: 'octocat', id: 583231, type: 'User' };
let server: GitHubApiServer;
let client: GitHubClient;
let issue = 100;
const owner = 'acme';
const repo = 'shop';

beforeAll(async () => {
  server = await GitHubApiServer.start();
  process.env.GITHUB_API_URL = server.url;
  // No baseUrl: the client must take GITHUB_API_URL.
  client = createGitHubClient({ token: server.token, writeSpacing: false, millisecondsPerSecond: 5 });
});
afterAll(async () => {
  delete process.env.GITHUB_API_URL;
  await server.stop();
});
beforeEach(() => {
  issue += 1;
});

afterEach(() => {
  expect(server.violations.splice(0)).toEqual([]);
});

const marker = commentMarker({ folder: 'migrations', postgresMajor: 16 });

describe('upsertStickyComment', () => {
  test('creates one comment, then updates that same comment, then leaves an identical body alone', async () => {
    const first = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: issue,
      marker,
      body: 'first run',
    });
    expect(first.action).toBe('created');
    expect(first.url).toBe(`https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${first.id}`);
    expect(server.comments(owner, repo, issue)).toHaveLength(1);
    expect(server.comments(owner, repo, issue)[0].body).toBe(`${marker}\nfirst run`);
    expect(server.comments(owner, repo, issue)[0].user.login).toBe('github-actions[bot]');

    const second = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: issue,
      marker,
      body: 'second run',
    });
    expect(second).toMatchObject({ id: first.id, action: 'updated' });
    expect(server.comments(owner, repo, issue)).toHaveLength(1);
    expect(server.comments(owner, repo, issue)[0].body).toBe(`${marker}\nsecond run`);

    const patchesBefore = server.requestsTo(
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    ).length;
    const third = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: issue,
      marker,
      body: 'second run',
    });
    expect(third).toMatchObject({ id: first.id, action: 'unchanged' });
    expect(server.requestsTo('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}')).toHaveLength(
      patchesBefore,
    );
  });

  test('a human comment quoting the marker is never taken over', async () => {
    const human = server.seedComment({
      owner,
      repo,
      issueNumber: issue,
      user: HUMAN,
      body: `${marker}\nI pasted the bot's comment here to discuss it.`,
    });
    const result = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: issue,
      marker,
      body: 'report',
    });
    expect(result.action).toBe('created');
    expect(result.id).not.toBe(human.id);
    const comments = server.comments(owner, repo, issue);
    expect(comments).toHaveLength(2);
    expect(comments.find((c) => c.id === human.id)?.body).toBe(human.body);
  });

  test('a bot comment that only mentions the marker later in its body is not the sticky comment', async () => {
    server.seedComment({ owner, repo, issueNumber: issue, body: `Some other tool. ${marker}` });
    const result = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: issue,
      marker,
      body: 'report',
    });
    expect(result.action).toBe('created');
    expect(server.comments(owner, repo, issue)).toHaveLength(2);
  });

  test.each([35, 130])('finds its comment behind %i other comments (pagination)', async (others) => {
    for (let i = 0; i < others; i += 1) {
      server.seedComment({ owner, repo, issueNumber: issue, user: HUMAN, body: `comment ${i}` });
    }
    const first = await upsertStickyComment(client, { owner, repo, issueNumber: issue, marker, body: 'v1' });
    const second = await upsertStickyComment(client, { owner, repo, issueNumber: issue, marker, body: 'v2' });
    expect(second).toMatchObject({ id: first.id, action: 'updated' });
    expect(server.comments(owner, repo, issue)).toHaveLength(others + 1);
    const lists = server
      .requestsTo('GET /repos/{owner}/{repo}/issues/{issue_number}/comments')
      .filter((r) => r.path === `/repos/${owner}/${repo}/issues/${issue}/comments`);
    // 100 per page: every page was read on each run.
    const pages = Math.ceil((others + 1) / 100);
    expect(lists.every((r) => r.query.per_page === '100')).toBe(true);
    expect(lists.map((r) => r.query.page ?? '1').slice(-pages)).toEqual(
      Array.from({ length: pages }, (_, i) => String(i + 1)),
    );
  });

  test('two folders and two PostgreSQL majors keep separate comments', async () => {
    const markers = [
      commentMarker({ folder: 'migrations', postgresMajor: 15 }),
      commentMarker({ folder: 'migrations', postgresMajor: 17 }),
      commentMarker({ folder: 'db/migrations', postgresMajor: 15 }),
    ];
    for (const round of ['a', 'b']) {
      for (const m of markers) {
        await upsertStickyComment(client, {
          owner,
          repo,
          issueNumber: issue,
          marker: m,
          body: `run ${round}`,
        });
      }
    }
    const comments = server.comments(owner, repo, issue);
    expect(comments).toHaveLength(3);
    for (const m of markers) {
      expect(comments.filter((c) => c.body.startsWith(m)).map((c) => c.body)).toEqual([`${m}\nrun b`]);
    }
  });

  test('a body over 65,536 characters is refused before anything is sent', async () => {
    const requests = server.requests.length;
    const body = 'x'.repeat(COMMENT_BODY_LIMIT);
    await expect(
      upsertStickyComment(client, { owner, repo, issueNumber: issue, marker, body }),
    ).rejects.toThrow(CommentTooLongError);
    await expect(
      upsertStickyComment(client, { owner, repo, issueNumber: issue, marker, body }),
    ).rejects.toThrow(/at most 65536/);
    expect(server.requests.length).toBe(requests);
    // Exactly at the limit (marker included) is accepted by GitHub and by us.
    const fits = 'y'.repeat(COMMENT_BODY_LIMIT - marker.length - 1);
    const result = await upsertStickyComment(client, { owner, repo, issueNumber: issue, marker, body: fits });
    expect(result.action).toBe('created');
    expect(server.comments(owner, repo, issue)[0].body).toHaveLength(COMMENT_BODY_LIMIT);
  });

  test('with a personal access token the identity comes from GET /user', async () => {
    const person: UserRecord = { login: 'release-bot-user', id: 77, type: 'User' };
    server.identity = { kind: 'user', user: person };
    try {
      // A comment by github-actions[bot] with the marker is someone else's now.
      server.seedComment({
        owner,
        repo,
        issueNumber: issue,
        body: `${marker}\nold`,
        user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      });
      const first = await upsertStickyComment(client, {
        owner,
        repo,
        issueNumber: issue,
        marker,
        body: 'mine',
      });
      expect(first.action).toBe('created');
      const second = await upsertStickyComment(client, {
        owner,
        repo,
        issueNumber: issue,
        marker,
        body: 'mine 2',
      });
      expect(second).toMatchObject({ id: first.id, action: 'updated' });
      expect(server.comments(owner, repo, issue).map((c) => c.user.login)).toEqual([
        'github-actions[bot]',
        'release-bot-user',
      ]);
      expect(server.requestsTo('GET /user').at(-1)?.status).toBe(200);
    } finally {
      server.identity = { kind: 'installation' };
    }
  });

  test('an app token posts as the botLogin it is given', async () => {
    const app: UserRecord = { login: 'schemabot-app[bot]', id: 9001, type: 'Bot' };
    server.identity = { kind: 'installation', bot: app };
    try {
      server.seedComment({
        owner,
        repo,
        issueNumber: issue,
        body: `${marker}\nby actions`,
        user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      });
      const first = await upsertStickyComment(client, {
        owner,
        repo,
        issueNumber: issue,
        marker,
        body: 'a',
        botLogin: app.login,
      });
      const second = await upsertStickyComment(client, {
        owner,
        repo,
        issueNumber: issue,
        marker,
        body: 'b',
        botLogin: app.login,
      });
      expect(first.action).toBe('created');
      expect(second).toMatchObject({ id: first.id, action: 'updated' });
      expect(server.comments(owner, repo, issue)[0].body).toBe(`${marker}\nby actions`);
    } finally {
      server.identity = { kind: 'installation' };
    }
  });
});

describe('commentMarker', () => {
  test('is a hidden HTML comment naming the folder and the major', () => {
    expect(commentMarker({ folder: 'migrations', postgresMajor: 16 })).toBe(
      '<!-- schemabot:check folder=migrations pg=16 -->',
    );
    expect(commentMarker({ folder: './db/migrations/', postgresMajor: '17' })).toBe(
      '<!-- schemabot:check folder=db/migrations pg=17 -->',
    );
    expect(commentMarker({ folder: 'db-migrations', postgresMajor: 15 })).toContain('folder=db-migrations ');
  });

  test.each([
    'evil --> <script>alert(1)</script>',
    'a--!>b',
    'line\nbreak',
    'x -- y',
    '--',
    'migrations pg=15 -->',
  ])('cannot be closed early by the folder %j', (folder) => {
    const m = commentMarker({ folder, postgresMajor: '16 --> injected' });
    expect(m.startsWith('<!-- ')).toBe(true);
    expect(m.endsWith(' -->')).toBe(true);
    const inside = m.slice(4, -3);
    expect(inside).not.toContain('--');
    expect(inside).not.toMatch(/[<>\n]/);
    // One hidden comment, and nothing after it.
    expect(m.indexOf('-->')).toBe(m.length - 3);
  });

  test('different folders never share a marker', () => {
    const folders = ['a-b', 'a--b', 'a-%2Db', 'a b', 'a_b', 'a%20b', 'a>b', 'a/b'];
    const markers = folders.map((folder) => commentMarker({ folder, postgresMajor: 16 }));
    expect(new Set(markers).size).toBe(folders.length);
  });
});
