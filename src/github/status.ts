import type { GitHubClient } from './client.js';

/** GitHub cuts a commit status description at this many characters. */
export const STATUS_DESCRIPTION_LIMIT = 140;

export type CommitState = 'success' | 'failure' | 'error' | 'pending';

export interface CommitStatusTarget {
  owner: string;
  repo: string;
  sha: string;
  state: CommitState;
  description: string;
  /** Where the status links to (the workflow run or the job summary). */
  targetUrl?: string;
  context?: string;
}

export interface CommitStatusResult {
  id: number;
  state: string;
  context: string;
  description: string;
}

/** Shortens to the limit, ending with `…` when something was cut. */
export function truncateDescription(text: string, limit = STATUS_DESCRIPTION_LIMIT): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(oneLine);
  return chars.length <= limit ? oneLine : chars.slice(0, limit - 1).join('') + '…';
}

export async function setCommitStatus(
  client: GitHubClient,
  target: CommitStatusTarget,
): Promise<CommitStatusResult> {
  const context = target.context ?? 'schemabot/check';
  const { data } = await client.rest.repos.createCommitStatus({
    owner: target.owner,
    repo: target.repo,
    sha: target.sha,
    state: target.state,
    description: truncateDescription(target.description),
    context,
    ...(target.targetUrl ? { target_url: target.targetUrl } : {}),
  });
  return { id: data.id, state: data.state, context: data.context, description: data.description ?? '' };
}
