import * as core from '@actions/core';
import { join, resolve } from 'node:path';
import type { ProviderChoice } from '../postgres/index.js';

export type Mode = 'check' | 'upgrade' | 'rollback' | 'status' | 'comment';

export interface ActionInputs {
  mode: Mode;
  workingDirectory: string;
  migrationsPath?: string;
  base?: string;
  postgres: ProviderChoice;
  postgresVersion?: number;
  postgresImage?: string;
  postgresUrl?: string;
  comment: 'always' | 'on-change' | 'never';
  failOn: 'error' | 'warning' | 'never';
  reportPath: string;
  githubToken?: string;
}

/** A bad input value: the message names the input and the accepted values. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name).trim();
  if (!value) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`Input "${name}" is "${value}"; expected one of: ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** Reads the `INPUT_*` variables the runner sets (hyphens kept) into one options object. */
export function readInputs(eventName: string, prBaseSha: string | undefined): ActionInputs {
  const defaultMode: Mode =
    eventName === 'workflow_run'
      ? 'comment'
      : eventName === 'workflow_dispatch'
        ? 'rollback'
        : eventName === 'push'
          ? 'upgrade'
          : 'check';
  const version = core.getInput('postgres-version').trim();
  if (version && !/^\d{2}$/.test(version)) {
    throw new InputError(`Input "postgres-version" is "${version}"; expected a major version such as 17.`);
  }
  const postgresUrl = core.getInput('postgres-url').trim() || undefined;
  if (postgresUrl) core.setSecret(postgresUrl);
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const workingDirectory = resolve(workspace, core.getInput('working-directory').trim() || '.');
  return {
    mode: oneOf('mode', ['check', 'upgrade', 'rollback', 'status', 'comment'], defaultMode),
    workingDirectory,
    migrationsPath: core.getInput('migrations-path').trim() || undefined,
    base: core.getInput('base').trim() || prBaseSha,
    postgres: oneOf('postgres', ['auto', 'testcontainers', 'local', 'url'], 'auto'),
    postgresVersion: version ? Number(version) : undefined,
    postgresImage: core.getInput('postgres-image').trim() || undefined,
    postgresUrl,
    comment: oneOf('comment', ['always', 'on-change', 'never'], 'on-change'),
    failOn: oneOf('fail-on', ['error', 'warning', 'never'], 'error'),
    reportPath:
      core.getInput('report-path').trim() ||
      join(process.env.RUNNER_TEMP ?? workingDirectory, 'schemabot-report.json'),
    githubToken: core.getInput('github-token').trim() || undefined,
  };
}
