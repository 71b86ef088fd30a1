import type { GitHubClient } from './client.js';

/** GitHub rejects a comment body longer than this (HTTP 422). */
export const COMMENT_BODY_LIMIT = 65536;

/** The login behind the Actions `GITHUB_TOKEN`. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface CommentIdentity {
  login: string;
  /** `Bot` for GITHUB_TOKEN and app installation tokens, `User` for a personal access token. */
  type: string;
  /** How it was found. */
  source: 'argument' | 'api' | 'fallback';
}

export interface StickyCommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /** The hidden marker (see `commentMarker`); it is put at the start of the body. */
  marker: string;
  body: string;
  /** The login the token posts as, when the caller knows it (e.g. an app's `my-app[bot]`). */
  botLogin?: string;
}

export interface StickyCommentResult {
  id: number;
  url: string;
  action: 'created' | 'updated' | 'unchanged';
}

export class CommentTooLongError extends Error {
  readonly length: number;
  constructor(length: number) {
    super(
      `The comment body is ${length} characters; GitHub accepts at most ${COMMENT_BODY_LIMIT}. ` +
        'Trim it (fitComment) before posting; the full report belongs in the job summary and the report artifact.',
    );
    this.name = 'CommentTooLongError';
    this.length = length;
  }
}

/**
 * Encodes a value so it can sit inside an HTML comment: only `[A-Za-z0-9._/~+-]` stay as they are, a `-`
 * that follows another `-` and every other character become `%XX` (UTF-8). The encoding is one-to-one,
 * so two different folders never share a marker, and the result contains neither `--` nor `>`.
 */
function encodeMarkerValue(value: string): string {
  let out = '';
  let previous = '';
  for (const char of value) {
    const plain = /^[A-Za-z0-9._/~+]$/.test(char) || (char === '-' && previous !== '-');
    out += plain
      ? char
      : Array.from(
          new TextEncoder().encode(char),
          (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'),
        ).join('');
    previous = char;
  }
  return out;
}

/** `<!-- schemabot:check folder=<folder> pg=<major> -->`, one per migrations folder and PostgreSQL major. */
export function commentMarker(options: { folder: string; postgresMajor: number | string }): string {
  let folder = options.folder.trim().replace(/\\/g, '/');
  folder = folder.replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
  const major = String(options.postgresMajor).trim();
  return `<!-- schemabot:check folder=${encodeMarkerValue(folder)} pg=${encodeMarkerValue(major)} -->`;
}

/** The body as it is sent: the marker first, on its own line. */
export function withMarker(marker: string, body: string): string {
  return body.startsWith(marker) ? body : `${marker}\n${body}`;
}

/**
 * Who the token posts as: `botLogin` when given; else `GET /user` (works for personal access tokens);
 * else (GITHUB_TOKEN and installation tokens get 403 there) `github-actions[bot]`.
 */
export async function resolveIdentity(client: GitHubClient, botLogin?: string): Promise<CommentIdentity> {
  if (botLogin?.trim()) {
    const login = botLogin.trim();
    return { login, type: login.endsWith('[bot]') ? 'Bot' : 'User', source: 'argument' };
  }
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return { login: data.login, type: data.type, source: 'api' };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403 || status === 404) {
      return { login: ACTIONS_BOT_LOGIN, type: 'Bot', source: 'fallback' };
    }
    throw err;
  }
}

interface ListedComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type: string } | null;
}

/** The first comment on the issue that the identity wrote and that starts with the marker. */
export async function findStickyComment(
  client: GitHubClient,
  target: { owner: string; repo: string; issueNumber: number; marker: string },
  identity: CommentIdentity,
): Promise<ListedComment | undefined> {
  const comments: ListedComment[] = await client.paginate(client.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  const login = identity.login.toLowerCase();
  return comments.find(
    (c) =>
      c.user !== null &&
      c.user.login.toLowerCase() === login &&
      c.user.type === identity.type &&
      (c.body ?? '').startsWith(target.marker),
  );
}

/** Creates the marked comment, or edits the bot's existing one; an identical body is left alone. */
export async function upsertStickyComment(
  client: GitHubClient,
  target: StickyCommentTarget,
): Promise<StickyCommentResult> {
  if (!target.marker.startsWith('<!--') || !target.marker.endsWith('-->')) {
    throw new Error(
      `The comment marker must be a hidden HTML comment (got ${JSON.stringify(target.marker)}).`,
    );
  }
  const body = withMarker(target.marker, target.body);
  if (body.length > COMMENT_BODY_LIMIT) throw new CommentTooLongError(body.length);

  const identity = await resolveIdentity(client, target.botLogin);
  const existing = await findStickyComment(client, target, identity);
  if (!existing) {
    const { data } = await client.rest.issues.createComment({
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      body,
    });
    return { id: data.id, url: data.html_url, action: 'created' };
  }
  if (existing.body === body) {
    return { id: existing.id, url: existing.html_url, action: 'unchanged' };
  }
  const { data } = await client.rest.issues.updateComment({
    owner: target.owner,
    repo: target.repo,
    comment_id: existing.id,
    body,
  });
  return { id: data.id, url: data.html_url, action: 'updated' };
}

/** Posts a one-off (not sticky) comment on an issue or pull request; returns its URL. */
export async function postComment(
  client: GitHubClient,
  target: { owner: string; repo: string; issueNumber: number; body: string },
): Promise<string> {
  if (target.body.length > COMMENT_BODY_LIMIT) throw new CommentTooLongError(target.body.length);
  const { data } = await client.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body: target.body,
  });
  return data.html_url;
}
