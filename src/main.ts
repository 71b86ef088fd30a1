import * as core from '@actions/core';
import * as github from '@actions/github';
import { actionCheck } from './action/check.js';
import { actionComment } from './action/comment.js';
import { InputError, readInputs } from './action/inputs.js';
import { isEnvironmentError } from './cli/errors.js';
import { ArtifactError } from './github/index.js';

/** The action's entry point: every failure ends in `core.setFailed` with a message for people. */
export async function run(): Promise<void> {
  try {
    const pr = github.context.payload.pull_request as { base?: { sha?: string } } | undefined;
    const inputs = readInputs(github.context.eventName, pr?.base?.sha);
    if (inputs.mode === 'check') return await actionCheck(inputs);
    if (inputs.mode === 'comment') return await actionComment(inputs);
    throw new InputError(
      `mode "${inputs.mode}" is not available in this version of the Schemabot action; use mode: check (pull_request) or mode: comment (workflow_run). The CLI's \`schemabot ${inputs.mode}\` can run it meanwhile.`,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    core.setFailed(
      err instanceof InputError || err instanceof ArtifactError || isEnvironmentError(err)
        ? message
        : `Unexpected error: ${(err as Error).stack ?? message}`,
    );
  }
}
