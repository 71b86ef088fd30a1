import * as core from '@actions/core';
import * as github from '@actions/github';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { artifactPayload, annotations, emitAnnotations } from '../github/index.js';
import { runCheck } from '../modes/check.js';
import type { CheckOptions } from '../modes/options.js';
import { renderTerminal } from '../report/terminal.js';
import { isEnvironmentError } from '../shared/errors.js';
import { ensureBaseCommit } from './base.js';
import { publishSetupError } from './setup-error.js';
import type { ActionInputs } from './inputs.js';
import { redactedJson } from '../shared/secrets.js';
import {
  githubClient,
  isFailing,
  markdownLinks,
  publishResult,
  setOutputs,
  stickyFolder,
  writeSummary,
} from './publish.js';
import { makeDirs } from '../shared/fs.js';

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string };
  base?: { sha?: string };
}

/** The check the inputs ask for, from `base` (a full audit without one). */
export function checkRequest(inputs: ActionInputs, base: string | undefined): CheckOptions {
  return {
    cwd: inputs.workingDirectory,
    base,
    migrationsPath: inputs.migrationsPath,
    postgres: inputs.postgres,
    postgresVersion: inputs.postgresVersion,
    postgresUrl: inputs.postgresUrl,
    postgresImage: inputs.postgresImage,
    frontEnd: 'action',
    timeoutMs: inputs.migrationTimeoutMs,
    ...(inputs.loader ? { loader: inputs.loader } : {}),
    runner: inputs.runner,
    ...(inputs.python ? { python: inputs.python } : {}),
    ...(inputs.models ? { modelsMode: inputs.models } : {}),
    ...(inputs.cacheDir ? { cacheDir: inputs.cacheDir } : {}),
    log: (line) => core.info(line),
  };
}

/**
 * `mode: check`: prove the pull request's migrations, write the JSON report (with the pull request it is
 * about, so a `workflow_run` job can post it for forks), then the job summary, annotations, the sticky
 * comment and the commit status.
 */
export async function actionCheck(inputs: ActionInputs): Promise<void> {
  const { owner, repo } = github.context.repo;
  const pr = github.context.payload.pull_request as PullRequestPayload | undefined;
  let base = inputs.base;
  if (base) base = await ensureBaseCommit(inputs.workingDirectory, base, (line) => core.info(line));
  const headSha = pr?.head?.sha ?? github.context.sha ?? null;
  const statusSha = headSha && /^[0-9a-f]{40}$/.test(headSha) ? headSha : null;
  let report;
  try {
    report = await runCheck(checkRequest(inputs, base));
  } catch (error) {
    if (isEnvironmentError(error)) {
      const target = { owner, repo, pullRequest: pr?.number ?? null, statusSha };
      await publishSetupError(inputs, target, (error as Error).message);
    }
    throw error;
  }
  const data =
    pr?.number && pr.head?.sha && pr.base?.sha
      ? artifactPayload(report, {
          number: pr.number,
          headSha: pr.head.sha,
          baseSha: pr.base.sha,
          repo: `${owner}/${repo}`,
        })
      : report;
  makeDirs(dirname(inputs.reportPath));
  writeFileSync(inputs.reportPath, redactedJson(data));
  core.info(renderTerminal(report));
  emitAnnotations(annotations(report.findings));
  await writeSummary(report, inputs.reportPath, undefined, {
    ...markdownLinks(statusSha),
    failOn: inputs.failOn,
  });
  const published = await publishResult(report, inputs, {
    client: githubClient(inputs),
    owner,
    repo,
    pullRequest: pr?.number ?? null,
    statusSha,
    folder: stickyFolder(report, inputs.workingDirectory),
  });
  setOutputs(report, inputs.reportPath, published);
  if (isFailing(report, inputs.failOn)) {
    core.setFailed(
      `Schemabot: ${report.summary.errors} error(s), ${report.summary.warnings} warning(s) in the migrations (fail-on: ${inputs.failOn}).`,
    );
  }
}
