import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { CheckReport } from '../report/contract/check.js';
import {
  COMMENT_BODY_LIMIT,
  commentMarker,
  createGitHubClient,
  findStickyComment,
  isPermissionError,
  isRateLimitError,
  permissionWarning,
  publish,
  resolveIdentity,
  type GitHubClient,
} from '../github/index.js';
import { verdictLine } from '../report/format.js';
import { hasMigrationChanges, renderNoMigrationChanges, type MarkdownOptions } from '../report/markdown.js';
import { fitReport, SUMMARY_LIMIT_BYTES } from './body.js';
import type { ActionInputs } from './inputs.js';
import { redact } from '../shared/secrets.js';

/** What the check decided, by `fail-on`. */
export function isFailing(report: CheckReport, failOn: ActionInputs['failOn']): boolean {
  if (failOn === 'never') return false;
  if (failOn === 'warning') return report.findings.some((f) => !f.suppressed && f.severity !== 'info');
  return !report.ok;
}

export function postgresMajor(version: string): string {
  return /^\d+/.exec(version)?.[0] ?? version;
}

/**
 * The migrations folder relative to the repository: the comment marker's and the status's `folder`. Taken
 * from the report's migration paths (repository-relative) so the check job and the fork-safe comment job
 * agree without being told; a folder with no migrations falls back to `working-directory` + `migrationsPath`.
 */
export function stickyFolder(report: CheckReport, workingDirectory: string): string {
  const first = report.migrations[0]?.file;
  if (first) return posix.dirname(first.replace(/\\/g, '/')) || '.';
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const rel = posix.relative(workspace.replace(/\\/g, '/'), workingDirectory.replace(/\\/g, '/')) || '.';
  return posix.normalize(posix.join(rel, report.migrationsPath.replace(/\\/g, '/')));
}

/**
 * `schemabot/check (<folder>, pg <major>)`: like the comment marker, taken from the report alone, so the check
 * job and the fork-safe comment job name the same status, and the cells of a matrix over folders or
 * versions never overwrite each other's.
 */
export function statusContext(report: CheckReport, folder: string): string {
  return `schemabot/check (${folder}, pg ${postgresMajor(report.postgres.version)})`;
}

export function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

export function githubClient(inputs: ActionInputs): GitHubClient | null {
  if (!inputs.githubToken) return null;
  return createGitHubClient({
    token: inputs.githubToken,
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m), debug: (m) => core.debug(m) },
  });
}

/**
 * Links for the Markdown: the repository (commit, file and line links), the pull request's head commit,
 * and Schemabot's own docs at the version that runs (`GITHUB_ACTION_REPOSITORY` at `GITHUB_ACTION_REF`).
 */
export function markdownLinks(headSha: string | null): Omit<MarkdownOptions, 'detail' | 'audience'> {
  const server = (process.env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const repository = process.env.GITHUB_REPOSITORY;
  const action = process.env.GITHUB_ACTION_REPOSITORY;
  const ref = process.env.GITHUB_ACTION_REF;
  return {
    ...(repository ? { repositoryUrl: `${server}/${repository}` } : {}),
    ...(headSha ? { headSha } : {}),
    ...(action && ref ? { docsUrl: `${server}/${action}/blob/${ref}/` } : {}),
  };
}

/** Writes the report to the job summary, fitted under GitHub's 1 MiB per step. */
export async function writeSummary(
  report: CheckReport,
  reportPath: string,
  limit = SUMMARY_LIMIT_BYTES,
  markdown: Omit<MarkdownOptions, 'detail'> = {},
): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY || !existsSync(process.env.GITHUB_STEP_SUMMARY)) return;
  const { body, trimmed } = fitReport(report, {
    markdown: { ...markdown, audience: 'summary' },
    limit,
    measure: (t) => Buffer.byteLength(t, 'utf8'),
    limitName: 'the 1 MiB job summary limit',
    where: `The whole report is the JSON file written to report-path (${reportPath}).`,
  });
  if (trimmed !== 'none') core.info(`The job summary was shortened to fit 1 MiB (${trimmed}).`);
  await core.summary.addRaw(redact(body)).write();
}

export interface PublishTarget {
  client: GitHubClient | null;
  owner: string;
  repo: string;
  /** The pull request to comment on, when there is one. */
  pullRequest: number | null;
  /** The commit the status goes on (the pull request's head). */
  statusSha: string | null;
  folder: string;
  /**
   * For a report another run made (the fork-safe comment job): `failed` when that run did not succeed
   * (the status is then `failure`, whatever the report and `fail-on` say), `label` after "Schemabot" in the
   * status description (a fork's status is as reported by the fork's own run).
   */
  trust?: { failed: boolean; label?: string };
}

export interface Published {
  commentId?: number;
  commentUrl?: string;
}

/**
 * The sticky comment and the commit status. A refused write (403/404, e.g. a fork's read-only token) is a
 * warning with the permissions block, never a failed step.
 */
export async function publishResult(
  report: CheckReport,
  inputs: ActionInputs,
  target: PublishTarget,
): Promise<Published> {
  const { client } = target;
  if (!client) {
    core.warning('No github-token: the comment and the commit status were not published.');
    return {};
  }
  const failing = isFailing(report, inputs.failOn) || target.trust?.failed === true;
  const changes = hasMigrationChanges(report);
  const marker = commentMarker({
    folder: target.folder,
    postgresMajor: postgresMajor(report.postgres.version),
  });
  const limit = COMMENT_BODY_LIMIT - marker.length - 1;

  let comment: { issueNumber: number; marker: string; body: string } | null = null;
  if (target.pullRequest !== null && inputs.comment !== 'never') {
    if (changes) {
      const { body, trimmed } = fitReport(report, {
        markdown: { ...markdownLinks(target.statusSha), audience: 'comment', failOn: inputs.failOn },
        limit,
        limitName: 'GitHub’s 65,536-character comment limit',
        where: `The whole report is in the job summary${runUrl() ? ` of [the workflow run](${runUrl()})` : ''} and in the JSON report (report-path).`,
      });
      if (trimmed !== 'none') core.info(`The comment was shortened to fit GitHub's limit (${trimmed}).`);
      comment = { issueNumber: target.pullRequest, marker, body };
    } else {
      // No migration changes: say so in a comment that exists; create one only with comment: always.
      const existing = await existingComment(client, target, marker);
      if (existing === 'refused') {
        comment = null;
      } else if (existing || inputs.comment === 'always') {
        const body = renderNoMigrationChanges(report, { previously: existing });
        comment = { issueNumber: target.pullRequest, marker, body };
      }
    }
  }
  const who = target.trust?.label ? `Schemabot (${target.trust.label})` : 'Schemabot';
  const description = changes ? `${who}: ${verdictLine(report)}` : `${who}: no migration changes`;
  const result = await publish(client, {
    owner: target.owner,
    repo: target.repo,
    comment,
    status: target.statusSha
      ? {
          sha: target.statusSha,
          state: failing ? 'failure' : 'success',
          description,
          context: statusContext(report, target.folder),
          ...(runUrl() ? { targetUrl: runUrl() } : {}),
        }
      : null,
  });
  for (const warning of result.warnings) core.warning(warning);
  if (result.comment) core.info(`Comment ${result.comment.action}: ${result.comment.url}`);
  if (result.status) core.info(`Commit status ${result.status.context}: ${result.status.state}`);
  return result.comment ? { commentId: result.comment.id, commentUrl: result.comment.url } : {};
}

async function existingComment(
  client: GitHubClient,
  target: PublishTarget,
  marker: string,
): Promise<boolean | 'refused'> {
  try {
    const identity = await resolveIdentity(client);
    const found = await findStickyComment(
      client,
      { owner: target.owner, repo: target.repo, issueNumber: target.pullRequest!, marker },
      identity,
    );
    return found !== undefined;
  } catch (err) {
    if (isPermissionError(err) || isRateLimitError(err)) {
      core.warning(permissionWarning('read the pull request comments', err));
      return 'refused';
    }
    throw err;
  }
}

export function setOutputs(report: CheckReport, reportPath: string, published: Published): void {
  const set = (name: string, value: string) => core.setOutput(name, redact(value));
  set('ok', String(report.ok));
  set('changed', String(report.changes.length > 0));
  set('reversible', String(report.migrations.every((m) => m.reversible !== false)));
  set('migrations', String(report.summary.checked));
  set('report-path', reportPath);
  set('comment-id', published.commentId === undefined ? '' : String(published.commentId));
  set('comment-url', published.commentUrl ?? '');
}
