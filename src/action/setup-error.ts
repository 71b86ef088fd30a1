import * as core from '@actions/core';
import { posix } from 'node:path';
import { commentMarker, publish } from '../github/index.js';
import type { ActionInputs } from './inputs.js';
import { githubClient, runUrl } from './publish.js';

/**
 * A check that could not run (a configuration or environment problem, exit code 2) still tells the
 * pull request: a commit status `error` with the message, so a required status never waits forever,
 * and a short sticky comment when there is a pull request and a token that may write. Never throws:
 * the step fails with the message either way.
 */
export async function publishSetupError(
  inputs: ActionInputs,
  target: { owner: string; repo: string; pullRequest: number | null; statusSha: string | null },
  message: string,
): Promise<void> {
  const client = githubClient(inputs);
  if (!client || (!target.statusSha && target.pullRequest === null)) return;
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const wd =
    posix.relative(workspace.replace(/\\/g, '/'), inputs.workingDirectory.replace(/\\/g, '/')) || '.';
  const folder = posix.normalize(posix.join(wd, inputs.migrationsPath ?? 'migrations'));
  // The report names the server's major; without a report, the pinned one (or none).
  const major = inputs.postgresVersion ? String(inputs.postgresVersion) : undefined;
  const context = major ? `schemabot/check (${folder}, pg ${major})` : `schemabot/check (${folder})`;
  const body = [
    '### ⚠️ Schemabot could not check the migrations',
    '',
    'The check stopped before it ran any migration, because of a problem with its configuration or',
    'environment (not with a migration):',
    '',
    '```text',
    message.replace(/```/g, "'''"),
    '```',
    '',
    runUrl() ? `[The workflow run](${runUrl()}) has the details.` : '',
  ].join('\n');
  try {
    const result = await publish(client, {
      owner: target.owner,
      repo: target.repo,
      comment:
        target.pullRequest !== null && inputs.comment !== 'never'
          ? {
              issueNumber: target.pullRequest,
              marker: commentMarker({ folder, postgresMajor: major ?? 'any' }),
              body,
            }
          : null,
      status: target.statusSha
        ? {
            sha: target.statusSha,
            state: 'error',
            description: `Schemabot could not run: ${message}`,
            context,
            ...(runUrl() ? { targetUrl: runUrl() } : {}),
          }
        : null,
    });
    for (const warning of result.warnings) core.warning(warning);
  } catch (error) {
    core.warning(`The error could not be published to the pull request: ${(error as Error).message}`);
  }
}
