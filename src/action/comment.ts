import * as core from '@actions/core';
import * as github from '@actions/github';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { CheckReport } from '../report/contract/check.js';
import { join } from 'node:path';
import {
  ArtifactError,
  loadArtifact,
  reportShaMismatch,
  runTrust,
  verifyArtifactTarget,
  workflowRunContext,
  type RunTrust,
} from '../github/index.js';
import { SUMMARY_LIMIT_BYTES } from './body.js';
import { InputError, type ActionInputs } from './inputs.js';
import {
  githubClient,
  markdownLinks,
  publishResult,
  setOutputs,
  stickyFolder,
  writeSummary,
} from './publish.js';

const REPORT = 'schemabot-report.json';

/**
 * The report files at `report-path`: the file itself; in a folder, its `schemabot-report.json` (or its one
 * JSON file); else the `schemabot-report.json` of each subfolder (actions/download-artifact with `pattern`
 * puts every artifact in a folder of its own), one per matrix cell.
 */
export function artifactFiles(path: string): string[] {
  let info;
  try {
    info = statSync(path);
  } catch {
    throw new ArtifactError(
      `nothing at report-path (${path}). Download the check job's artifact there first (actions/download-artifact with run-id: \${{ github.event.workflow_run.id }}).`,
    );
  }
  if (!info.isDirectory()) return [path];
  const entries = readdirSync(path, { withFileTypes: true });
  const json = entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => e.name);
  if (json.includes(REPORT)) return [join(path, REPORT)];
  if (json.length === 1) return [join(path, json[0]!)];
  const nested = entries
    .filter((e) => e.isDirectory() && existsSync(join(path, e.name, REPORT)))
    .map((e) => join(path, e.name, REPORT))
    .sort();
  if (json.length === 0 && nested.length > 0) return nested;
  throw new ArtifactError(
    `${path} holds ${json.length} JSON files and ${nested.length} folders with a ${REPORT}; point report-path at the report file.`,
  );
}

/**
 * `mode: comment`, in a `workflow_run` job: posts the reports a `pull_request` job uploaded (the fork-safe
 * pair). An artifact is data from an untrusted run: it is validated field by field and rebuilt, every word
 * of the comment is rendered and escaped from it here, and the pull request it names must be at the head
 * SHA GitHub reports for the run. Nothing is posted unless every report passes.
 *
 * The verdict is never better than the run's: a run that did not conclude `success` gives a `failure`
 * status and a failing comment whatever its report claims. Every commit the comment shows is checked
 * against the pull request (a report naming other commits is not shown, with a notice naming its file).
 * A fork's status is labelled as what it is: the verdict of the fork's own run, advisory.
 */
export async function actionComment(inputs: ActionInputs): Promise<void> {
  if (github.context.eventName !== 'workflow_run') {
    throw new InputError(
      `mode: comment runs on workflow_run events (this is ${github.context.eventName}); it posts the report a pull_request workflow uploaded.`,
    );
  }
  const run = workflowRunContext(github.context.payload);
  if (run.event !== 'pull_request') {
    core.notice(`The workflow run was triggered by ${run.event}, not pull_request: nothing to post.`);
    return;
  }
  const client = githubClient(inputs);
  if (!client) throw new InputError('mode: comment needs github-token to post the comment.');
  const verified = [];
  for (const file of artifactFiles(inputs.reportPath)) {
    const artifact = await loadArtifact(file);
    const pr = await verifyArtifactTarget(client, artifact, run);
    const { pr: _about, ...report } = artifact;
    void _about;
    const mismatch = reportShaMismatch(report, pr);
    if (mismatch) {
      core.notice(
        `${file} was not posted: ${mismatch} A report may show only the pull request's own commits.`,
      );
      continue;
    }
    const trust = runTrust(run, pr);
    verified.push({ file, report: trust.failed ? failedRun(report, trust) : report, pr, trust });
  }
  let published = {};
  for (const { file, report, pr, trust } of verified) {
    core.info(`${file} is about pull request #${pr.number} at ${pr.headSha}; posting it.`);
    if (trust.reason) core.warning(trust.reason);
    await writeSummary(report, file, Math.floor(SUMMARY_LIMIT_BYTES / verified.length), {
      ...markdownLinks(pr.headSha),
      failOn: inputs.failOn,
    });
    published = await publishResult(report, inputs, {
      client,
      owner: run.owner,
      repo: run.repo,
      pullRequest: pr.number,
      statusSha: pr.headSha,
      folder: stickyFolder(report, inputs.workingDirectory),
      trust: { failed: trust.failed, ...(trust.fork ? { label: "as reported by the fork's own run" } : {}) },
    });
  }
  if (verified.length === 0) return;
  const reports = verified.map((v) => v.report);
  setOutputs(
    reports.length === 1 ? reports[0]! : combined(reports),
    verified.length === 1 ? verified[0]!.file : inputs.reportPath,
    published,
  );
}

/** The report of a run that did not succeed: failing, with a finding that says why. */
function failedRun(report: CheckReport, trust: RunTrust): CheckReport {
  return {
    ...report,
    ok: false,
    findings: [
      { rule: 'workflow-run-failed', severity: 'error', message: trust.reason! },
      ...report.findings,
    ],
    summary: { ...report.summary, errors: report.summary.errors + 1 },
  };
}

/** The outputs' view of several reports (matrix cells): ok and reversible when all are. */
function combined(reports: CheckReport[]): CheckReport {
  const first = reports[0]!;
  return {
    ...first,
    ok: reports.every((r) => r.ok),
    changes: reports.flatMap((r) => r.changes),
    migrations: reports.flatMap((r) => r.migrations),
    summary: { ...first.summary, checked: reports.reduce((n, r) => n + r.summary.checked, 0) },
  };
}
