import { randomBytes } from 'node:crypto';
import { terminateSessions } from '../postgres/admin.js';
import { targetVariables, type TargetKind } from './environment.js';
import type { MigrationFile } from './discover.js';
import { MigrationError, projectRelative, type MigrationErrorInfo } from './errors.js';
import { fromFailure, startWorker, takeSpareWorker, type Project } from './project.js';
import type {
  AlembicGenerated,
  AlembicModelDifference,
  DeclaredTable,
  Direction,
  ModelsEntry,
  PinnedOptions,
  WorkerStatement,
  WorkerStepResult,
} from './protocol.js';
import { addUrlSecret, redact } from './redact.js';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  WorkerExitedError,
  WorkerProcess,
  WorkerRequestError,
} from './worker-process.js';

export { MigrationError, type MigrationErrorInfo } from './errors.js';

/** One SQL statement a migration sent, with its duration in milliseconds. */
export type Statement = WorkerStatement;

/** The outcome of running one migration in one direction. */
export type StepResult = WorkerStepResult;

export interface RunnerOptions {
  /** How long one migration may run before it is stopped (default 10 minutes). */
  timeoutMs?: number;
  /**
   * `production`: the worker sees the step's whole environment, pointed at `url` (a real upgrade or
   * rollback). Default `throwaway`: no production password reaches the worker.
   */
  target?: TargetKind;
  /** See `OpenRequest.watchUrl` (a throwaway server only). */
  watchUrl?: string;
}

/** How long past its own time limit a worker may take to report a stopped migration before it is killed. */
const KILL_GRACE_MS = 3000;
/**
 * At the time limit, a worker whose event loop does not answer a ping within this is in a synchronous
 * loop: it could never report the stop itself, so it is killed without waiting for the grace period.
 */
const PING_MS = 500;

/**
 * Runs a project's migrations one at a time on the database at `url`, in a worker process: `up` and
 * `down` call the migration's functions with the project's own Sequelize, capture every statement,
 * and keep the applied-migrations table exactly like sequelize-cli. A migration that never yields is
 * stopped by killing its worker; a worker that dies is that migration's failure, and the next step
 * gets a new worker on the same database.
 */
export class MigrationRunner implements AsyncDisposable {
  /** The `application_name` of every connection the worker opens (its backends are found by it). */
  readonly applicationName: string;
  sequelizeSource: 'project' | 'bundled' = 'project';
  sequelizeVersion?: string;
  private worker!: WorkerProcess;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly kind: TargetKind;
  private readonly watchUrl?: string;

  private constructor(
    private readonly url: string,
    readonly project: Project,
    options: RunnerOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    this.kind = options.target ?? 'throwaway';
    this.watchUrl = this.kind === 'throwaway' ? options.watchUrl : undefined;
    this.applicationName = `schemabot-migrate-${process.pid}-${randomBytes(4).toString('hex')}`;
  }

  /** Starts (or takes the project's waiting) worker and connects it to `url`. */
  static async open(url: string, project: Project, options: RunnerOptions = {}): Promise<MigrationRunner> {
    addUrlSecret(url);
    const runner = new MigrationRunner(url, project, options);
    await runner.start();
    return runner;
  }

  private async start(): Promise<void> {
    const worker =
      (this.kind === 'throwaway' ? await takeSpareWorker(this.project) : undefined) ??
      (await startWorker(this.project, this.kind, this.url));
    worker.allowSteps(this.timeoutMs);
    try {
      const opened = await worker.request<{
        sequelizeSource: 'project' | 'bundled';
        sequelizeVersion: string | null;
      }>({
        op: 'open',
        url: this.url,
        env: targetVariables(this.url, this.project.settings, {
          urlEnvVariable: this.project.urlEnvVariable,
          applicationName: this.applicationName,
        }),
        applicationName: this.applicationName,
        timeoutMs: this.timeoutMs,
        ...(this.watchUrl ? { watchUrl: this.watchUrl } : {}),
      });
      this.sequelizeSource = opened.sequelizeSource;
      if (opened.sequelizeVersion) this.sequelizeVersion = opened.sequelizeVersion;
    } catch (error) {
      await worker.kill();
      if (error instanceof WorkerRequestError) {
        throw fromFailure(error.failure);
      }
      throw error;
    }
    this.worker = worker;
  }

  private async request<T>(body: Parameters<WorkerProcess['request']>[0]): Promise<T> {
    if (this.closed) throw new Error('The migration runner is closed.');
    try {
      return await this.worker.request<T>(body);
    } catch (error) {
      if (error instanceof WorkerRequestError) throw fromFailure(error.failure);
      throw error;
    }
  }

  /** Runs the migration's `up()`; on success records it in the meta table (created like sequelize-cli). */
  up(m: MigrationFile): Promise<StepResult> {
    return this.step(m, 'up');
  }

  /** Runs the migration's `down()`; on success deletes its meta row. */
  down(m: MigrationFile): Promise<StepResult> {
    return this.step(m, 'down');
  }

  /**
   * One step. The worker stops a migration at its time limit itself; one that never yields to the
   * event loop (a synchronous loop) cannot be, so past the limit the worker is killed, its backends
   * terminated, and a new worker takes over for the next step.
   */
  async step(m: MigrationFile, direction: Direction, pinned?: PinnedOptions): Promise<StepResult> {
    if (this.closed) throw new Error('The migration runner is closed.');
    // A base migration listed from git is checked out the first time one runs.
    await m.materialize?.();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    // Only the Sequelize worker answers pings during a step; the Alembic one gets the whole grace period.
    const pings = this.project.runner === 'sequelize';
    const limit = new Promise<'killed'>((resolve) => {
      timer = setTimeout(() => {
        if (!pings) {
          timer = setTimeout(() => resolve('killed'), KILL_GRACE_MS);
          return;
        }
        void this.worker.responsive(PING_MS).then((alive) => {
          if (settled) return;
          if (!alive) resolve('killed');
          else timer = setTimeout(() => resolve('killed'), KILL_GRACE_MS - PING_MS);
        });
      }, this.timeoutMs);
    });
    const request = this.worker.request<StepResult>({
      op: 'step',
      migration: { name: m.name, path: m.path },
      direction,
      ...(pinned ? { pinned } : {}),
    });
    request.catch(() => undefined);
    let outcome: StepResult | 'killed' | WorkerExitedError;
    try {
      outcome = await Promise.race([request.catch((e: unknown) => e as WorkerExitedError), limit]);
    } finally {
      settled = true;
      clearTimeout(timer);
    }
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const file = projectRelative(m.path, this.project.cwd);
    if (outcome === 'killed') {
      await this.replaceWorker();
      const seconds = this.timeoutMs >= 1000 ? `${this.timeoutMs / 1000} s` : `${this.timeoutMs} ms`;
      return failedStep(ms, {
        message:
          `Migration ${m.name} (${direction}) did not finish within ${seconds} and never gave control back ` +
          '(a synchronous loop?): its worker process was stopped and its connections terminated.',
        file,
      });
    }
    if (outcome instanceof Error) {
      if (outcome instanceof WorkerRequestError) {
        throw fromFailure(outcome.failure);
      }
      if (!(outcome instanceof WorkerExitedError)) throw outcome;
      await this.replaceWorker();
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      const tail = outcome.stderrTail.length
        ? ` Its last output: ${outcome.stderrTail.slice(-3).join(' | ')}`
        : '';
      return failedStep(ms, {
        message:
          `Migration ${m.name} (${direction}) ended the process it ran in: it ${how} ` +
          `(process.exit() in the migration, or a crash?).${tail}`,
        file,
      });
    }
    return redactStep(outcome);
  }

  /** After a kill or a crash: the old worker's backends terminated, a new worker on the same database. */
  private async replaceWorker(): Promise<void> {
    await this.worker.kill();
    // The runner's database may be production: no admin connection stays behind there.
    await terminateSessions(this.url, { applicationName: this.applicationName }, { pooled: false });
    await this.start();
  }

  /** Names recorded in the meta table, in umzug's order; [] when the table does not exist. */
  applied(): Promise<string[]> {
    return this.request<string[]>({ op: 'applied' });
  }

  /** Records names as applied without running them (like `stamp`), all in one transaction. */
  async record(names: string | string[]): Promise<void> {
    await this.request({ op: 'record', names: typeof names === 'string' ? [names] : names });
  }

  /** Deletes the meta rows of names without running anything, all in one transaction. */
  async unrecord(names: string | string[]): Promise<void> {
    await this.request({ op: 'unrecord', names: typeof names === 'string' ? [names] : names });
  }

  /** Loads the project's models in the worker and creates their tables in the runner's database. */
  syncModels(entry: ModelsEntry): Promise<DeclaredTable[]> {
    return this.request<DeclaredTable[]>({ op: 'sync-models', entry });
  }

  /** Alembic: `env.py`'s `target_metadata` compared with the runner's database (as `alembic check`). */
  compareModels(): Promise<AlembicModelDifference[]> {
    return this.request<AlembicModelDifference[]>({ op: 'compare-models' });
  }

  /** Alembic: `alembic revision --autogenerate -m MESSAGE` against the runner's database (at the head). */
  autogenerate(message: string): Promise<AlembicGenerated> {
    return this.request<AlembicGenerated>({ op: 'autogenerate', message });
  }

  /** Which of `files` define `up` and `down` (loading them in the worker, running nothing). */
  functions(files: MigrationFile[]): Promise<{ name: string; up: boolean; down: boolean; error?: string }[]> {
    return this.request({ op: 'functions', migrations: files.map((f) => ({ name: f.name, path: f.path })) });
  }

  /**
   * Closes the worker's connections (it stays usable: the next step connects again). PostgreSQL
   * copies a database (`CREATE DATABASE … TEMPLATE`) only while nobody is connected to it.
   */
  async disconnect(): Promise<void> {
    await this.request({ op: 'disconnect' });
  }

  /** Closes the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function failedStep(ms: number, error: MigrationErrorInfo): StepResult {
  return {
    ok: false,
    ms,
    statements: [],
    error: { ...error, message: redact(error.message) },
  };
}

/** Everything a worker reports passes through the secret redaction before anyone sees it. */
function redactStep(step: StepResult): StepResult {
  const error = step.error
    ? Object.fromEntries(
        Object.entries(step.error).map(([k, v]) => [
          k,
          typeof v === 'string' && k !== 'file' ? redact(v) : v,
        ]),
      )
    : null;
  return {
    ...step,
    statements: step.statements.map((s) => ({ ...s, sql: redact(s.sql) })),
    error: error as MigrationErrorInfo | null,
    ...(step.unawaited ? { unawaited: { ...step.unawaited, sql: redact(step.unawaited.sql) } } : {}),
  };
}

/** Throws the umzug-style error for a failed step (for callers that prefer exceptions). */
export function throwIfFailed(m: MigrationFile, direction: Direction, result: StepResult): void {
  if (!result.ok && result.error) throw new MigrationError(m.name, direction, result.error);
}
