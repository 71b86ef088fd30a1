import * as core from '@actions/core';
import * as github from '@actions/github';
import { actionCheck } from './action/check.js';
import { actionComment } from './action/comment.js';
import { checkJobEnvironment, InputError, readInputs } from './action/inputs.js';
import { actionRollback, actionStamp, actionStatus, actionUpgrade } from './action/production.js';
import { isEnvironmentError } from './shared/errors.js';
import { ArtifactError } from './github/index.js';

/** The action's entry point: every failure ends in `core.setFailed` with a message for people. */
export async function run(): Promise<void> {
  try {
    checkJobEnvironment();
    const pr = github.context.payload.pull_request as { base?: { sha?: string } } | undefined;
    const inputs = readInputs(github.context.eventName, pr?.base?.sha);
    if (inputs.mode === 'check') return await actionCheck(inputs);
    if (inputs.mode === 'comment') return await actionComment(inputs);
    if (inputs.mode === 'upgrade') return await actionUpgrade(inputs);
    if (inputs.mode === 'rollback') return await actionRollback(inputs);
    if (inputs.mode === 'stamp') return await actionStamp(inputs);
    return await actionStatus(inputs);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    core.setFailed(
      err instanceof InputError || err instanceof ArtifactError || isEnvironmentError(err)
        ? message
        : `Unexpected error: ${(err as Error).stack ?? message}`,
    );
  }
}
