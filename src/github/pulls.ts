import type { GitHubClient } from './client.js';

export interface CommitPullRequest {
  number: number;
  state: string;
  headSha: string;
  baseRef: string;
  htmlUrl: string;
}

/**
 * Open pull requests whose head is `sha` (GitHub's commit → pull request association). Useful when an
 * event carries a commit but no pull request number; it finds nothing for commits on forks.
 */
export async function pullRequestsForCommit(
  client: GitHubClient,
  target: { owner: string; repo: string; sha: string },
): Promise<CommitPullRequest[]> {
  const pulls = await client.paginate(client.rest.repos.listPullRequestsAssociatedWithCommit, {
    owner: target.owner,
    repo: target.repo,
    commit_sha: target.sha,
    per_page: 100,
  });
  return pulls
    .filter((pr) => pr.state === 'open' && pr.head.sha === target.sha)
    .map((pr) => ({
      number: pr.number,
      state: pr.state,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      htmlUrl: pr.html_url,
    }));
}
