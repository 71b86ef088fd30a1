import * as core from '@actions/core';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultCacheDir } from '../migrate/cache.js';
import { parsePostgresUrl, SUPPORTED_MAJORS, type ProviderChoice } from '../postgres/index.js';

export type Mode = 'check' | 'upgrade' | 'rollback' | 'status' | 'stamp' | 'comment';

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
  /** The models comparison of mode check; absent: `.schemabot.yml` `models`. */
  models?: 'off' | 'on' | 'strict';
  reportPath: string;
  githubToken?: string;
  /** upgrade, rollback, status: the database to work on (registered as a secret, never printed). */
  databaseUrl?: string;
  /** rollback: revert everything applied after this migration. */
  to?: string;
  /** rollback: revert the newest N applied migrations. */
  steps?: number;
  dryRun: boolean;
  lockTimeoutMs?: number;
  lockWaitMs?: number;
  statementTimeoutMs?: number;
  /** The PEM text of the CA that signed the production server's certificate. */
  databaseCa?: string;
  /** mode check: how long one migration step may run before it is stopped and reported. */
  migrationTimeoutMs?: number;
  allowOutOfOrder: boolean;
  allowDataLoss: boolean;
  drift?: 'fail' | 'warn' | 'ignore';
  /** upgrade: refuse unless the merged pull request's `schemabot/check` statuses are success. */
  requireCheck: boolean;
  /** A module Node loads before the project's code (`tsx`, `@babel/register`, `--import NAME`). */
  loader?: string;
  /** Which worker runs the project: `auto` (Alembic when `alembic.ini` is in working-directory), sequelize, alembic. */
  runner: 'auto' | 'sequelize' | 'alembic';
  /** The Python that runs an Alembic project (default `python3` on PATH). */
  python?: string;
  /** mode check: the base-state cache folder (`cache-dir`, default `defaultCacheDir()`); absent with `cache: false`. */
  cacheDir?: string;
  /** upgrade, rollback: retries of a migration (or read) whose lock was not granted in time. */
  retries?: number;
  /** upgrade, rollback: first wait before a retry (doubles each time). */
  retryDelayMs?: number;
  /** upgrade: the name the merged pull request's comment gives the target database. */
  environment: string;
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

/** `raw` is `core.getInput(name)`, read at the call site so every input read is visible there. */
function bool(name: string, raw: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(`Input "${name}" is "${value}"; expected true or false.`);
}

/** A number of seconds held in milliseconds; undefined when the input is empty. */
function seconds(name: string, raw: string, allowZero: boolean): number | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new InputError(
      `Input "${name}" is "${value}"; expected a number of seconds${allowZero ? '' : ' greater than 0'}.`,
    );
  }
  return Math.round(n * 1000);
}

/** What a GitHub Actions job sets and the action cannot run without: the event, and the repository. */
const JOB_VARIABLES = ['GITHUB_EVENT_NAME', 'GITHUB_REPOSITORY'] as const;

/**
 * The action runs as a step of a GitHub Actions job (or of a runner that sets the same variables).
 * Started anywhere else, it says so and points at the CLI, instead of failing on the first value the
 * job would have given it.
 */
export function checkJobEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const missing = JOB_VARIABLES.filter((name) => !env[name]);
  if (!missing.length) return;
  throw new InputError(
    `Schemabot's action runs as a step of a GitHub Actions job, which sets ${JOB_VARIABLES.join(' and ')}; ` +
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set here. To check migrations ` +
      'outside a workflow, run the CLI instead: npx schemabot check --base origin/main (see docs/cli.md).',
  );
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
  // Said here, in the action's words (the provider's own message names the CLI flag).
  if (version && (Number(version) < SUPPORTED_MAJORS.min || Number(version) > SUPPORTED_MAJORS.max)) {
    throw new InputError(
      `Input "postgres-version" is ${version}, which is not supported: use a major version from ${SUPPORTED_MAJORS.min} to ${SUPPORTED_MAJORS.max}.`,
    );
  }
  const postgresUrl = core.getInput('postgres-url').trim() || undefined;
  // Registered before anything else reads them (parsePostgresUrl does first): the URLs and their passwords,
  // as written, decoded and percent-encoded, are masked in every output and passed to `::add-mask::`.
  // A URL that is not one is refused here, before anything else runs (no connection, no checkout).
  if (postgresUrl) parsePostgresUrl(postgresUrl, 'Input "postgres-url"');
  const databaseUrl = core.getInput('database-url').trim() || undefined;
  if (databaseUrl) parsePostgresUrl(databaseUrl, 'Input "database-url"');
  const steps = core.getInput('steps').trim();
  if (steps && !/^[1-9]\d*$/.test(steps)) {
    throw new InputError(`Input "steps" is "${steps}"; expected a whole number, 1 or more.`);
  }
  const drift = core.getInput('drift').trim();
  const retries = core.getInput('retries').trim();
  if (retries && !/^\d+$/.test(retries)) {
    throw new InputError(`Input "retries" is "${retries}"; expected a whole number, 0 or more.`);
  }
  const models = core.getInput('models').trim();
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const cacheDir = core
    .getInput('cache-dir')
    .trim()
    .replace(/^~(?=\/|$)/, homedir());
  const workingDirectory = resolve(workspace, core.getInput('working-directory').trim() || '.');
  return {
    mode: oneOf('mode', ['check', 'upgrade', 'rollback', 'status', 'stamp', 'comment'], defaultMode),
    workingDirectory,
    migrationsPath: core.getInput('migrations-path').trim() || undefined,
    base: core.getInput('base').trim() || prBaseSha,
    postgres: oneOf('postgres', ['auto', 'testcontainers', 'local', 'url'], 'auto'),
    postgresVersion: version ? Number(version) : undefined,
    postgresImage: core.getInput('postgres-image').trim() || undefined,
    postgresUrl,
    comment: oneOf('comment', ['always', 'on-change', 'never'], 'on-change'),
    failOn: oneOf('fail-on', ['error', 'warning', 'never'], 'error'),
    ...(models ? { models: oneOf<'off' | 'on' | 'strict'>('models', ['off', 'on', 'strict'], 'on') } : {}),
    reportPath:
      core.getInput('report-path').trim() ||
      join(process.env.RUNNER_TEMP ?? workingDirectory, 'schemabot-report.json'),
    githubToken: core.getInput('github-token').trim() || undefined,
    databaseUrl,
    databaseCa: core.getInput('database-ca').trim() || undefined,
    to: core.getInput('to').trim() || undefined,
    steps: steps ? Number(steps) : undefined,
    dryRun: bool('dry-run', core.getInput('dry-run'), false),
    lockTimeoutMs: seconds('lock-timeout', core.getInput('lock-timeout'), true),
    lockWaitMs: seconds('lock-wait', core.getInput('lock-wait'), true),
    statementTimeoutMs: seconds('statement-timeout', core.getInput('statement-timeout'), false),
    migrationTimeoutMs: seconds('migration-timeout', core.getInput('migration-timeout'), false),
    allowOutOfOrder: bool('allow-out-of-order', core.getInput('allow-out-of-order'), false),
    allowDataLoss: bool('allow-data-loss', core.getInput('allow-data-loss'), false),
    drift: drift ? oneOf<'fail' | 'warn' | 'ignore'>('drift', ['fail', 'warn', 'ignore'], 'warn') : undefined,
    requireCheck: bool('require-check', core.getInput('require-check'), true),
    loader: core.getInput('loader').trim() || undefined,
    runner: oneOf('runner', ['auto', 'sequelize', 'alembic'], 'auto'),
    python: core.getInput('python').trim() || undefined,
    ...(bool('cache', core.getInput('cache'), true)
      ? { cacheDir: cacheDir ? resolve(workspace, cacheDir) : defaultCacheDir() }
      : {}),
    retries: retries ? Number(retries) : undefined,
    retryDelayMs: seconds('retry-delay', core.getInput('retry-delay'), true),
    environment:
      core.getInput('environment').trim() || process.env.GITHUB_ENVIRONMENT?.trim() || 'production',
  };
}
