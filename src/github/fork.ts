import { readFile, stat } from 'node:fs/promises';
import type { CheckReport } from '../report/contract/check.js';
import { REPORT_LIMITS } from '../report/contract/schema.js';
import { validateReport } from '../report/validate.js';
import type { GitHubClient } from './client.js';

/**
 * Fork-safe publishing. The `pull_request` job (read-only token on forks) writes the report plus the
 * pull request it is about; a `workflow_run` job with a write token reads it back. That job must treat
 * the artifact as untrusted data: it is validated against the report schema, only the fields the schema
 * lists are kept,
 * and the pull request it names is checked against the head SHA GitHub reports for the run.
 */

export interface PullRequestRef {
  number: number;
  headSha: string;
  baseSha: string;
  /** `owner/name` of the base repository. */
  repo: string;
}

export type ReportArtifact = CheckReport & { pr: PullRequestRef };

/** Bounds on what an artifact may hold (the report schema's, plus the file size and nesting depth). */
export const ARTIFACT_LIMITS = {
  bytes: 32 * 1024 * 1024,
  ...REPORT_LIMITS,
  depth: 24,
};

export class ArtifactError extends Error {
  constructor(message: string) {
    super(`The report artifact was rejected: ${message}`);
    this.name = 'ArtifactError';
  }
}

/** What the `pull_request` job uploads. */
export function artifactPayload(report: CheckReport, context: PullRequestRef): ReportArtifact {
  const pr = validateReport<PullRequestRef>(
    { ...context },
    { definition: 'PullRequestRef', root: 'pr', strip: true },
  );
  if (!pr.ok) throw new ArtifactError(pr.problem);
  return { ...report, pr: pr.value! };
}

/**
 * Schema snapshots inside changes are free JSON: bounded here in depth, and `__proto__` keys (which
 * `JSON.parse` makes own properties) removed before anything copies the data.
 */
function checkNesting(value: unknown, at: string, depth = 0): void {
  if (value === null || typeof value !== 'object') return;
  if (depth > ARTIFACT_LIMITS.depth) {
    throw new ArtifactError(`${at} must be nested at most ${ARTIFACT_LIMITS.depth} levels deep.`);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkNesting(v, `${at}[${i}]`, depth + 1));
    return;
  }
  if (Object.hasOwn(value, '__proto__')) delete (value as Record<string, unknown>)['__proto__'];
  for (const [k, v] of Object.entries(value)) checkNesting(v, `${at}.${k}`, depth + 1);
}

/**
 * Validates parsed artifact JSON against the report schema's `ForkArtifact` (docs/report.schema.json)
 * and keeps only the fields the schema lists.
 */
export function parseArtifact(data: unknown): ReportArtifact {
  checkNesting(data, 'artifact');
  const result = validateReport<ReportArtifact>(data, {
    definition: 'ForkArtifact',
    root: 'artifact',
    strip: true,
  });
  if (!result.ok) throw new ArtifactError(result.problem);
  return result.value!;
}

/** Reads and validates the artifact file (size first, then JSON, then every field). */
export async function loadArtifact(path: string): Promise<ReportArtifact> {
  const info = await stat(path).catch((err: Error) => {
    throw new ArtifactError(`cannot read ${path}: ${err.message}`);
  });
  if (!info.isFile()) throw new ArtifactError(`${path} is not a file.`);
  if (info.size > ARTIFACT_LIMITS.bytes) {
    throw new ArtifactError(`${path} is ${info.size} bytes; at most ${ARTIFACT_LIMITS.bytes} are accepted.`);
  }
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ArtifactError(`${path} is not valid JSON (${(err as Error).message}).`);
  }
  return parseArtifact(data);
}

/** The parts of a `workflow_run` event the comment job relies on (all set by GitHub, so trusted). */
export interface WorkflowRunContext {
  owner: string;
  repo: string;
  headSha: string;
  /** `owner/name` the run's head commit came from (a fork's name for fork PRs). */
  headRepository: string | null;
  event: string;
  conclusion: string | null;
  runId: number;
  /** Pull requests GitHub associated with the run; empty for fork pull requests. */
  pullRequests: number[];
}

export function workflowRunContext(payload: unknown): WorkflowRunContext {
  const p = payload as {
    repository?: { name?: string; owner?: { login?: string } };
    workflow_run?: {
      id?: number;
      head_sha?: string;
      event?: string;
      conclusion?: string | null;
      head_repository?: { full_name?: string } | null;
      pull_requests?: { number?: number }[];
    };
  };
  const run = p?.workflow_run;
  if (!run || typeof run.head_sha !== 'string' || !p.repository?.name || !p.repository.owner?.login) {
    throw new Error(
      'This is not a workflow_run event payload (workflow_run.head_sha or repository missing).',
    );
  }
  return {
    owner: p.repository.owner.login,
    repo: p.repository.name,
    headSha: run.head_sha,
    headRepository: run.head_repository?.full_name ?? null,
    event: run.event ?? '',
    conclusion: run.conclusion ?? null,
    runId: run.id ?? 0,
    pullRequests: (run.pull_requests ?? [])
      .map((pr) => pr.number)
      .filter((n): n is number => Number.isInteger(n)),
  };
}

export interface VerifiedPullRequest {
  number: number;
  headSha: string;
  baseSha: string;
  state: string;
  htmlUrl: string;
  headRepository: string | null;
}

/** Fetches the pull request and requires its head to be exactly `headSha` (the run's, from the event). */
export async function verifyPullRequest(
  client: GitHubClient,
  target: { owner: string; repo: string; number: number; headSha: string },
): Promise<VerifiedPullRequest> {
  let pr;
  try {
    ({ data: pr } = await client.rest.pulls.get({
      owner: target.owner,
      repo: target.repo,
      pull_number: target.number,
    }));
  } catch (err) {
    if ((err as { status?: number }).status === 404) {
      throw new ArtifactError(
        `pull request #${target.number} does not exist in ${target.owner}/${target.repo}.`,
      );
    }
    throw err;
  }
  if (pr.head.sha !== target.headSha) {
    throw new ArtifactError(
      `pull request #${target.number} is at ${pr.head.sha}, but the workflow run that produced the artifact ` +
        `built ${target.headSha}. Either the artifact names the wrong pull request or the branch moved on; ` +
        'nothing was posted.',
    );
  }
  return {
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    state: pr.state,
    htmlUrl: pr.html_url,
    headRepository: pr.head.repo?.full_name ?? null,
  };
}

/**
 * Everything the comment job checks before posting: the artifact is about this repository and this run's
 * head commit, and the pull request it names is at that commit.
 */
export async function verifyArtifactTarget(
  client: GitHubClient,
  artifact: ReportArtifact,
  run: WorkflowRunContext,
): Promise<VerifiedPullRequest> {
  const repo = `${run.owner}/${run.repo}`;
  if (artifact.pr.repo.toLowerCase() !== repo.toLowerCase()) {
    throw new ArtifactError(`it is about ${artifact.pr.repo}, but this workflow runs in ${repo}.`);
  }
  if (artifact.pr.headSha !== run.headSha) {
    throw new ArtifactError(
      `it was made for commit ${artifact.pr.headSha}, but the workflow run built ${run.headSha}.`,
    );
  }
  return verifyPullRequest(client, {
    owner: run.owner,
    repo: run.repo,
    number: artifact.pr.number,
    headSha: run.headSha,
  });
}

/**
 * How far the comment job may trust the verdict of the run that uploaded a report. A report is data the
 * run wrote, so it can never be better than the run itself: when the run did not conclude `success`, the
 * verdict is a failure whatever the report says. A fork's run is the fork's own (its author controls the
 * workflow it ran, even the workflow file), so its verdict is advisory and labelled as such.
 */
export interface RunTrust {
  /** The run did not succeed: the status is `failure`, the comment says why. */
  failed: boolean;
  /** Why, for the comment and the log (undefined when the run succeeded). */
  reason?: string;
  /** The pull request comes from a fork: its status is as reported by the fork's own run. */
  fork: boolean;
}

export function runTrust(run: WorkflowRunContext, pr: VerifiedPullRequest): RunTrust {
  const here = `${run.owner}/${run.repo}`.toLowerCase();
  const from = (pr.headRepository ?? run.headRepository)?.toLowerCase();
  const fork = from !== here;
  if (run.conclusion === 'success') return { failed: false, fork };
  return {
    failed: true,
    fork,
    reason:
      `The pull_request workflow run ${run.runId} that uploaded this report concluded ` +
      `${run.conclusion ?? 'without a conclusion'}, not success: its report cannot pass, whatever it says.`,
  };
}

/**
 * Every commit the comment shows must be the pull request's: the report's head must be the pull request's
 * head, its base the pull request's base. Returns what does not match (the report is then not shown).
 */
export function reportShaMismatch(report: CheckReport, pr: VerifiedPullRequest): string | undefined {
  if (report.head.sha !== null && report.head.sha !== pr.headSha) {
    return `the report names head commit ${report.head.sha}, but pull request #${pr.number} is at ${pr.headSha}.`;
  }
  if (report.base !== null && report.base.sha !== pr.baseSha) {
    return `the report names base commit ${report.base.sha}, but pull request #${pr.number} is based on ${pr.baseSha}.`;
  }
  return undefined;
}
