import type { GitHubClient } from './client.js';

/** The commit status contexts the check job sets start with this (`schemabot/check (<folder>, pg <major>)`). */
export const CHECK_CONTEXT_PREFIX = 'schemabot/check';

export interface GateStatus {
  context: string;
  state: string;
  description: string | null;
}

export interface GatePullRequest {
  number: number;
  htmlUrl: string;
  headSha: string;
  /** The latest status of each `schemabot/check…` context on the head commit. */
  statuses: GateStatus[];
  /**
   * The pull request came from a fork: its statuses were set by the fork's own run, which the fork
   * controls, so they are advisory. Such a pull request passes the gate only through the re-proof the
   * post-merge run makes itself (`reproved`).
   */
  fork: boolean;
  ok: boolean;
  /** What was wrong, for people; null when ok. */
  problem: string | null;
}

export interface MergeGateResult {
  ok: boolean;
  sha: string;
  pullRequests: GatePullRequest[];
  /** One paragraph that says what the gate saw and, when it refuses, what to do. */
  message: string;
  /** Pull requests from forks, whose statuses do not count: the caller must re-prove their migrations. */
  reproofNeeded: number[];
}

export interface MergeGateTarget {
  owner: string;
  repo: string;
  /** The pushed commit. */
  sha: string;
  /** The branch it was pushed to (`main`); merged pull requests into other branches do not count. */
  branch?: string;
  contextPrefix?: string;
}

/**
 * The merge gate of the production upgrade: the pull request(s) merged to bring `sha` (GitHub's commit →
 * pull request association) must each have every `schemabot/check…` commit status on their head commit
 * at `success`. A push with no merged pull request behind it, a missing status, or any other state
 * refuses.
 */
export async function mergeGate(client: GitHubClient, target: MergeGateTarget): Promise<MergeGateResult> {
  const prefix = target.contextPrefix ?? CHECK_CONTEXT_PREFIX;
  const short = target.sha.slice(0, 7);
  const associated = await client.paginate(client.rest.repos.listPullRequestsAssociatedWithCommit, {
    owner: target.owner,
    repo: target.repo,
    commit_sha: target.sha,
    per_page: 100,
  });
  const merged = associated.filter(
    (pr) =>
      pr.state === 'closed' &&
      pr.merged_at !== null &&
      (target.branch === undefined || pr.base.ref === target.branch),
  );
  if (!merged.length) {
    return {
      ok: false,
      sha: target.sha,
      pullRequests: [],
      reproofNeeded: [],
      message:
        `Merge gate: no merged pull request brought commit ${short}${target.branch ? ` to ${target.branch}` : ''}` +
        `${associated.length ? ` (GitHub associates it only with ${associated.map((p) => `#${p.number} (${p.state}${p.merged_at ? ', merged' : ''})`).join(', ')})` : ''}, ` +
        `so no ${prefix} result vouches for its migrations. Merge changes through a pull request that ran the ` +
        'check, or set require-check: false to upgrade without it.',
    };
  }
  const pullRequests: GatePullRequest[] = [];
  for (const pr of merged) {
    const { data } = await client.rest.repos.getCombinedStatusForRef({
      owner: target.owner,
      repo: target.repo,
      ref: pr.head.sha,
      per_page: 100,
    });
    const statuses = data.statuses
      .filter((s) => s.context.startsWith(prefix))
      .map((s) => ({ context: s.context, state: s.state, description: s.description ?? null }));
    const bad = statuses.filter((s) => s.state !== 'success');
    const head = `its head commit ${pr.head.sha.slice(0, 7)}`;
    const fork = pr.head.repo?.full_name !== `${target.owner}/${target.repo}`;
    const problem = fork
      ? null
      : !statuses.length
        ? `${head} has no ${prefix}… status`
        : bad.length
          ? `on ${head}, ` +
            bad
              .map((s) => `${s.context} is ${s.state}${s.description ? ` ("${s.description}")` : ''}`)
              .join(', ')
          : null;
    pullRequests.push({
      number: pr.number,
      htmlUrl: pr.html_url,
      headSha: pr.head.sha,
      statuses,
      fork,
      ok: problem === null,
      problem,
    });
  }
  const refused = pullRequests.filter((p) => !p.ok);
  const reproofNeeded = pullRequests.filter((p) => p.fork && p.ok).map((p) => p.number);
  const message = refused.length
    ? `Merge gate: refusing to upgrade from ${short}: ` +
      refused.map((p) => `pull request #${p.number} (${p.htmlUrl}): ${p.problem}`).join('; ') +
      `. Every ${prefix} status of the merged pull request must be success: fix the migrations in a new ` +
      'pull request (or re-run its check), then merge again.'
    : `Merge gate: ${pullRequests
        .map((p) =>
          p.fork
            ? `pull request #${p.number} comes from a fork: its status is advisory, its migrations are re-proved here`
            : `pull request #${p.number} passed ${p.statuses.map((s) => s.context).join(', ')}`,
        )
        .join('; ')}.`;
  return { ok: refused.length === 0, sha: target.sha, pullRequests, message, reproofNeeded };
}
