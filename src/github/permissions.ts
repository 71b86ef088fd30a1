import type { GitHubClient } from './client.js';
import { upsertStickyComment, type StickyCommentResult } from './comment.js';
import { setCommitStatus, type CommitState, type CommitStatusResult } from './status.js';

/** The block a workflow needs for Schemabot to comment and set statuses. */
export const PERMISSIONS_BLOCK = [
  'permissions:',
  '  contents: read',
  '  pull-requests: write',
  '  statuses: write',
].join('\n');

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

function isRateLimit(err: HttpishError): boolean {
  return (
    String(err.response?.headers?.['x-ratelimit-remaining'] ?? '') === '0' ||
    /rate limit/i.test(err.message ?? '')
  );
}

/** True for the answers GitHub gives a token that may not do this (403, or 404 on a private repository). */
export function isPermissionError(err: unknown): boolean {
  const e = err as HttpishError;
  return (e?.status === 403 || e?.status === 404) && !isRateLimit(e);
}

/** A rate limit that outlasted the retries. */
export function isRateLimitError(err: unknown): boolean {
  const e = err as HttpishError;
  return (e?.status === 403 || e?.status === 429) && isRateLimit(e);
}

/** What to tell people when GitHub refused `action` (e.g. "post the pull request comment"). */
export function permissionWarning(action: string, err: unknown): string {
  const e = err as HttpishError;
  const said = (e.message ?? '').split('\n')[0].replace(/\s+-\s+https?:\/\/\S+$/, '');
  return [
    `Schemabot could not ${action}: GitHub answered ${e.status ?? 'an error'}${said ? ` (${said})` : ''}.`,
    'The check result stands; only publishing it failed. Give the job these permissions:',
    '',
    PERMISSIONS_BLOCK,
    '',
    'On pull requests from forks GitHub gives a read-only token whatever the workflow asks for. Use the ' +
      'two-workflow pattern: the `pull_request` job runs the check and uploads the report artifact, and a ' +
      'second workflow on `workflow_run` downloads it and posts it with `mode: comment`.',
  ].join('\n');
}

function rateLimitWarning(action: string, err: unknown): string {
  const e = err as HttpishError;
  return `Schemabot could not ${action}: GitHub's API rate limit was still exhausted after retrying (${e.status}). The check result stands; re-run the job later to publish it.`;
}

export interface PublishOptions {
  owner: string;
  repo: string;
  /** The pull request to comment on; null or undefined for no comment. */
  comment?: { issueNumber: number; marker: string; body: string; botLogin?: string } | null;
  /** The commit status to set; null or undefined for none. */
  status?: {
    sha: string;
    state: CommitState;
    description: string;
    targetUrl?: string;
    context?: string;
  } | null;
}

export interface PublishResult {
  comment: StickyCommentResult | null;
  status: CommitStatusResult | null;
  /** Why something was not published; not a failed check. */
  warnings: string[];
}

/**
 * Posts the sticky comment and sets the commit status. A refusal for lack of permission (403/404) or an
 * exhausted rate limit becomes a warning; anything else (e.g. a body over GitHub's limit) is thrown.
 */
export async function publish(client: GitHubClient, options: PublishOptions): Promise<PublishResult> {
  const result: PublishResult = { comment: null, status: null, warnings: [] };
  const attempt = async <T>(action: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      if (isRateLimitError(err)) {
        result.warnings.push(rateLimitWarning(action, err));
        return null;
      }
      if (isPermissionError(err)) {
        result.warnings.push(permissionWarning(action, err));
        return null;
      }
      throw err;
    }
  };
  const { comment, status } = options;
  if (comment) {
    result.comment = await attempt('post the pull request comment', () =>
      upsertStickyComment(client, { owner: options.owner, repo: options.repo, ...comment }),
    );
  }
  if (status) {
    result.status = await attempt('set the commit status', () =>
      setCommitStatus(client, { owner: options.owner, repo: options.repo, ...status }),
    );
  }
  return result;
}
