import * as core from '@actions/core';
import { redact, redactedJson } from '../shared/secrets.js';
import * as github from '@actions/github';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { withCaFile, writeCaFile } from '../migrate/production/database.js';
import { cancelOnSignals, SIGNAL_EXIT } from '../migrate/production/cancel.js';
import {
  isPermissionError,
  isRateLimitError,
  permissionWarning,
  postComment,
  type GitHubClient,
} from '../github/index.js';
import { mergeGate, type MergeGateResult } from '../github/gate.js';
import { runCheck } from '../modes/check.js';
import { ensureBaseCommit } from './base.js';
import { checkRequest } from './check.js';
import type { ProductionReport, UpgradeReport } from '../report/contract/production.js';
import { runRollback } from '../modes/rollback.js';
import { runStamp } from '../modes/stamp.js';
import { runStatus } from '../modes/status.js';
import { runUpgrade } from '../modes/upgrade.js';
import {
  gateRefusedSummary,
  productionSummary,
  renderProduction,
  upgradeComment,
} from '../report/production.js';
import { PLAIN } from '../report/terminal.js';
import { SUMMARY_LIMIT_BYTES } from './body.js';
import { InputError, type ActionInputs } from './inputs.js';
import { githubClient, runUrl } from './publish.js';
import { makeDirs } from '../shared/fs.js';

type ProductionMode = 'upgrade' | 'rollback' | 'status' | 'stamp';

/** The options every production mode shares, built exactly as the CLI builds them. */
function baseOptions(inputs: ActionInputs, mode: ProductionMode) {
  if (!inputs.databaseUrl) {
    throw new InputError(
      `mode ${mode} needs the database-url input: postgres://USER:PASSWORD@HOST:PORT/DATABASE, from a secret ` +
        '(database-url: ${{ secrets.DATABASE_URL }}), in a job with `environment: production`.',
    );
  }
  const ca = inputs.databaseCa
    ? writeCaFile(inputs.databaseCa, process.env.RUNNER_TEMP ?? tmpdir())
    : undefined;
  return {
    databaseUrl: withCaFile(inputs.databaseUrl, ca),
    cwd: inputs.workingDirectory,
    migrationsPath: inputs.migrationsPath,
    runner: inputs.runner,
    ...(inputs.python ? { python: inputs.python } : {}),
    log: (line: string) => core.info(line),
    frontEnd: 'action' as const,
    postgres: inputs.postgres,
    postgresVersion: inputs.postgresVersion,
    postgresUrl: inputs.postgresUrl,
    postgresImage: inputs.postgresImage,
  };
}

/** The inputs that mirror the CLI's safety flags one for one. */
function safetyOptions(inputs: ActionInputs) {
  return {
    ...readBounds(inputs),
    lockWaitMs: inputs.lockWaitMs,
    statementTimeoutMs: inputs.statementTimeoutMs,
    migrationTimeoutMs: inputs.migrationTimeoutMs,
    allowDataLoss: inputs.allowDataLoss,
    drift: inputs.drift,
  };
}

/** The bounds of the reads of `status` and `stamp`: the inputs their messages name. */
function readBounds(inputs: ActionInputs) {
  return { lockTimeoutMs: inputs.lockTimeoutMs, retries: inputs.retries, retryDelayMs: inputs.retryDelayMs };
}

/**
 * Runs a mode that a cancelled workflow (SIGINT, then SIGTERM) must stop cleanly: its statements
 * cancelled and rolled back, the lock released, the report written; then the signal's exit code.
 */
async function cancellable<T>(run: (signal: AbortSignal) => Promise<T>, after: (result: T) => Promise<void>) {
  const signals = cancelOnSignals((line) => core.info(line));
  try {
    await after(await run(signals.signal));
  } finally {
    const received = signals.received();
    signals.dispose();
    if (received) {
      core.setFailed(`Schemabot was cancelled (${received}); the report says what state the database is in.`);
      process.exitCode = SIGNAL_EXIT[received];
    }
  }
}

async function writeSummaryText(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY || !existsSync(process.env.GITHUB_STEP_SUMMARY)) return;
  await core.summary.addRaw(redact(markdown)).write();
}

function counts(report: ProductionReport): { applied: number; pending: number; current: string | null } {
  switch (report.mode) {
    case 'upgrade':
      return {
        applied: report.applied.filter((s) => s.ok).length,
        pending: report.state.pending.length,
        current: report.current,
      };
    case 'rollback':
      return {
        applied: report.reverted.filter((s) => s.ok).length,
        pending: report.state.pending.length,
        current: report.current,
      };
    case 'status':
      return { applied: report.applied.length, pending: report.pending.length, current: report.current };
    default:
      return { applied: report.added.length, pending: report.state.pending.length, current: report.current };
  }
}

/** JSON report, log, job summary and outputs; fails the step when the report is not ok (unless `warnOnly`). */
async function finish(
  report: ProductionReport,
  inputs: ActionInputs,
  gate: string | null,
  warnOnly = false,
): Promise<void> {
  makeDirs(dirname(inputs.reportPath));
  writeFileSync(inputs.reportPath, redactedJson(report));
  core.info(renderProduction(report, PLAIN));
  await writeSummaryText(productionSummary(report, gate, SUMMARY_LIMIT_BYTES));
  const c = counts(report);
  core.setOutput('ok', String(report.ok));
  core.setOutput('report-path', inputs.reportPath);
  core.setOutput('applied-count', String(c.applied));
  core.setOutput('pending-count', String(c.pending));
  core.setOutput('current', c.current ?? '');
  if (report.ok) return;
  const why =
    report.error ??
    ('failed' in report && report.failed
      ? `migration ${report.failed.migration} failed: ${report.failed.error.message}`
      : `schemabot ${report.mode} did not finish cleanly; see the job summary`);
  if (warnOnly) core.warning(`Schemabot ${report.mode}: ${why}`);
  else core.setFailed(`Schemabot ${report.mode}: ${why}`);
}

/** The pushed commit and branch of the event (push: `after` and `ref`; otherwise GITHUB_SHA and GITHUB_REF). */
function pushedCommit(): { sha: string; branch?: string } {
  const payload = github.context.payload as { after?: string; ref?: string };
  const ref = payload.ref ?? github.context.ref;
  const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  return { sha: payload.after ?? github.context.sha, branch };
}

async function runGate(inputs: ActionInputs, client: GitHubClient | null): Promise<MergeGateResult | null> {
  if (!inputs.requireCheck) {
    core.info('Merge gate: off (require-check: false).');
    return null;
  }
  const { sha, branch } = pushedCommit();
  if (!client) {
    throw new InputError(
      'Merge gate: require-check is on but there is no github-token to read the pull request and its ' +
        'commit statuses with; pass github-token (the default ${{ github.token }} works with ' +
        '`permissions: contents: read, pull-requests: write, statuses: read`), or set require-check: false.',
    );
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) {
    throw new InputError(
      `Merge gate: the event carries no commit SHA (got "${sha}"); run mode upgrade on push to the default branch.`,
    );
  }
  const { owner, repo } = github.context.repo;
  return await mergeGate(client, { owner, repo, sha, branch });
}

async function commentOnPullRequests(
  client: GitHubClient,
  gate: MergeGateResult,
  report: UpgradeReport,
  environment: string,
): Promise<void> {
  // Nothing to tell the pull request about: a dry run, or a run that neither applied nor failed anything.
  if (report.dryRun || (!report.applied.some((s) => s.ok) && !report.failed)) return;
  const { owner, repo } = github.context.repo;
  const body = upgradeComment(report, runUrl(), environment);
  for (const pr of gate.pullRequests) {
    try {
      const url = await postComment(client, { owner, repo, issueNumber: pr.number, body });
      core.info(`Commented on pull request #${pr.number}: ${url}`);
    } catch (err) {
      if (isPermissionError(err) || isRateLimitError(err)) {
        core.warning(permissionWarning(`comment on pull request #${pr.number}`, err));
      } else {
        core.warning(
          `Schemabot could not comment on pull request #${pr.number}: ${(err as Error).message}. The upgrade stands.`,
        );
      }
    }
  }
}

/**
 * The trusted gate for pull requests from forks: a fork controls its own `pull_request` run (even its
 * workflow file), so the status it set proves nothing. The post-merge run, which runs this
 * repository's workflow, proves the pushed migrations itself: every migration the push added, up, down
 * and up again on a throwaway server, before any rehearsal. Returns why it refuses, or null.
 */
async function reprove(inputs: ActionInputs, gate: MergeGateResult): Promise<string | null> {
  const prs = gate.reproofNeeded.map((n) => `#${n}`).join(', ');
  const before = (github.context.payload as { before?: string }).before;
  const base =
    before && /^[0-9a-f]{40}$/.test(before) && !/^0+$/.test(before)
      ? await ensureBaseCommit(inputs.workingDirectory, before, (line) => core.info(line))
      : undefined;
  core.info(
    `Re-proving the migrations of pull request ${prs} (from a fork) ${base ? `since ${base.slice(0, 7)}` : '(a full audit)'}`,
  );
  const report = await runCheck(checkRequest(inputs, base));
  const errors = report.findings.filter((f) => f.severity === 'error' && !f.suppressed);
  if (report.ok) {
    core.info(
      `Re-proof of pull request ${prs}: ${report.summary.checked} migration(s) went up, down and up again cleanly.`,
    );
    return null;
  }
  return (
    `Merge gate: pull request ${prs} comes from a fork, whose check status is only what the fork's own run ` +
    `reported; re-proved here, its migrations fail: ` +
    errors
      .slice(0, 5)
      .map((f) => `${f.rule}${f.migration ? ` (${f.migration})` : ''}: ${f.message.split('\n')[0]}`)
      .join('; ') +
    `${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}. Production was not touched. Fix the ` +
    'migrations in a new pull request and merge it.'
  );
}

/**
 * `mode: upgrade`: the pending check first (nothing pending: exit 0, "nothing to migrate", whatever
 * the gate would say), then the merge gate, then the pending migrations applied exactly as
 * `schemabot upgrade` does.
 */
export async function actionUpgrade(inputs: ActionInputs): Promise<void> {
  const options = baseOptions(inputs, 'upgrade');
  const status = await runStatus({ ...options, ...readBounds(inputs) });
  if (status.ok && status.pending.length === 0) {
    core.info(
      `Nothing to migrate: every migration is applied (current: ${status.current ?? 'none'}); the merge gate is not needed.`,
    );
    // Read again under the migration lock (a job that just finished is seen), applying nothing.
    await finish(await runUpgrade({ ...options, ...safetyOptions(inputs) }), inputs, null);
    return;
  }
  const client = githubClient(inputs);
  const gate = await runGate(inputs, client);
  if (gate) {
    if (!gate.ok) {
      await writeSummaryText(gateRefusedSummary(gate.message));
      core.setOutput('ok', 'false');
      core.setFailed(gate.message);
      return;
    }
    core.info(gate.message);
    if (gate.reproofNeeded.length) {
      const refusal = await reprove(inputs, gate);
      if (refusal) {
        await writeSummaryText(gateRefusedSummary(refusal));
        core.setOutput('ok', 'false');
        core.setFailed(refusal);
        return;
      }
    }
  }
  await cancellable(
    (signal) =>
      runUpgrade({
        ...options,
        ...safetyOptions(inputs),
        signal,
        dryRun: inputs.dryRun,
        allowOutOfOrder: inputs.allowOutOfOrder,
      }),
    async (report) => {
      // The pull requests that brought the migrations hear how production took them, success or failure.
      if (gate && client) await commentOnPullRequests(client, gate, report, inputs.environment);
      await finish(report, inputs, gate?.message ?? null);
    },
  );
}

/** `mode: rollback` (workflow_dispatch): revert with `to` or `steps` exactly as `schemabot rollback` does. */
export async function actionRollback(inputs: ActionInputs): Promise<void> {
  const options = baseOptions(inputs, 'rollback');
  if ((inputs.to === undefined) === (inputs.steps === undefined)) {
    throw new InputError(
      'mode rollback needs exactly one of the inputs to (the migration that stays applied) or steps (how many to revert).',
    );
  }
  await cancellable(
    (signal) =>
      runRollback({
        ...options,
        ...safetyOptions(inputs),
        signal,
        to: inputs.to,
        steps: inputs.steps,
        dryRun: inputs.dryRun,
      }),
    (report) => finish(report, inputs, null),
  );
}

/**
 * `mode: status`: applied, pending, missing and out-of-order migrations (read-only). `drift: fail` or
 * `warn` also compares the live schema with the applied migrations replayed; with `warn`, drift alone is
 * a warning.
 */
export async function actionStatus(inputs: ActionInputs): Promise<void> {
  const options = baseOptions(inputs, 'status');
  const drift = inputs.drift === 'fail' || inputs.drift === 'warn';
  const report = await runStatus({ ...options, ...readBounds(inputs), drift });
  const driftOnly = !report.ok && report.missing.length === 0 && (report.drift?.length ?? 0) > 0;
  await finish(report, inputs, null, driftOnly && inputs.drift === 'warn');
}

/**
 * `mode: stamp` (workflow_dispatch): record every migration up to and including `to` as applied
 * without running it, exactly as `schemabot stamp` does (adopting Schemabot on an existing database).
 */
export async function actionStamp(inputs: ActionInputs): Promise<void> {
  const options = baseOptions(inputs, 'stamp');
  if (!inputs.to) {
    throw new InputError('mode stamp needs the input to: the newest migration file to record as applied.');
  }
  const report = await runStamp({
    ...options,
    ...readBounds(inputs),
    to: inputs.to,
    lockWaitMs: inputs.lockWaitMs,
  });
  await finish(report, inputs, null);
}
