import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnvironmentError } from '../shared/errors.js';
import { alembicWorkerPath, DEFAULT_PYTHON, resolveRunner, type RunnerChoice } from './alembic/index.js';
import { PLACEHOLDER_URL, spawnEnvironment, type TargetKind } from './environment.js';
import { ModelsError } from './models.js';
import type { AlembicRevisions, ProjectInfo, WorkerFailure } from './protocol.js';
import { redact } from './redact.js';
import { loaderSpec, readRunnerSettings, type RunnerSettings } from './settings.js';
import { sequelizeWorkerArgs } from './worker-command.js';
import { WorkerProcess, WorkerRequestError, type WorkerCommand } from './worker-process.js';

/** A project as Schemabot's process knows it: what its worker reported, and how to start another. */
export interface Project extends ProjectInfo {
  /** The runner settings of `.schemabot.yml` (`env`, `loader`, `config`, `baseline`). */
  settings: RunnerSettings;
  /** The options it was loaded with (a new worker loads it the same way). */
  loadOptions: LoadProjectOptions;
}

export interface LoadProjectOptions {
  cwd: string;
  /** Overrides `.sequelizerc` `migrations-path` (relative to `cwd`). */
  migrationsPath?: string;
  /** Overrides `NODE_ENV`. */
  env?: string;
  /** Where the project's own output goes (the worker's stdout/stderr, redacted). */
  log?: (line: string) => void;
  /** URLs whose passwords the worker must never see (a dry run's production URL). */
  protectedUrls?: (string | undefined)[];
  /** A module Node loads before the project's code (the `loader` input or `--loader`). */
  loader?: string;
  /** `--runner`: which worker runs the project (`auto`: Alembic when `alembic.ini` is there). */
  runner?: RunnerChoice;
  /** `--python`: the Python that runs an Alembic project (default `python3` on PATH). */
  python?: string;
}

/** A configuration problem a person must fix (exit code 2). */
export class ProjectError extends EnvironmentError {
  /** Environment variables the failing file read that were not set. */
  readonly unsetEnv?: string[];
  constructor(message: string, options?: { cause?: unknown; setting?: string; unsetEnv?: string[] }) {
    super(message, options);
    this.name = 'ProjectError';
    if (options?.unsetEnv?.length) this.unsetEnv = options.unsetEnv;
  }
}

/**
 * A worker's failure as the error Schemabot's fronts know (configuration problems are exit 2), its
 * message passed through the secret redaction.
 */
export function fromFailure(reported: WorkerFailure): Error {
  const failure = { ...reported, message: redact(reported.message) };
  if (failure.kind === 'project') {
    return new ProjectError(failure.message, { setting: failure.setting, unsetEnv: failure.unsetEnv });
  }
  if (failure.kind === 'models') return new ModelsError(failure.message, { file: failure.file });
  return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
}

/**
 * Workers that loaded a project and wait for a database: the one that loaded it, or one started
 * ahead of the project's next database (`warmSpareWorker`), still loading.
 */
const spares = new WeakMap<Project, Promise<WorkerProcess | undefined>>();

/** The command that starts a worker for the project, with the environment for `url`. */
function workerCommand(
  project: Pick<Project, 'cwd' | 'settings' | 'urlEnvVariable'> & { loadOptions: LoadProjectOptions },
  kind: TargetKind,
  url: string,
): WorkerCommand {
  const env = spawnEnvironment(kind, url, project.settings, {
    urlEnvVariable: project.urlEnvVariable,
    protectedUrls: project.loadOptions.protectedUrls,
  });
  if (project.loadOptions.runner === 'alembic') {
    return {
      command: project.loadOptions.python ?? DEFAULT_PYTHON,
      args: [alembicWorkerPath()],
      cwd: project.cwd,
      env,
      log: project.loadOptions.log,
    };
  }
  return {
    command: process.execPath,
    args: sequelizeWorkerArgs(project.cwd, project.settings.loaders),
    cwd: project.cwd,
    env,
    log: project.loadOptions.log,
  };
}

/** Sends `load` to a fresh worker; the worker's failure becomes a `ProjectError`. */
async function loadInWorker(
  worker: WorkerProcess,
  project: Pick<Project, 'settings' | 'loadOptions'>,
): Promise<ProjectInfo> {
  const o = project.loadOptions;
  try {
    return await worker.request<ProjectInfo>({
      op: 'load',
      cwd: resolve(o.cwd),
      ...(o.migrationsPath !== undefined ? { migrationsPath: o.migrationsPath } : {}),
      ...(o.env ? { nodeEnv: o.env } : {}),
      ...(project.settings.config ? { config: project.settings.config } : {}),
    });
  } catch (error) {
    await worker.kill();
    if (error instanceof WorkerRequestError) {
      throw fromFailure(error.failure);
    }
    if (o.runner === 'alembic') {
      throw new ProjectError(
        `The Alembic project could not be loaded: ${(error as Error).message} Check that ` +
          `${o.python ?? DEFAULT_PYTHON} runs and has the project's requirements installed ` +
          '(pip install -r requirements.txt), or name the Python that has them with --python / the python input.',
        { cause: error, setting: '--python' },
      );
    }
    throw new ProjectError(
      `The project's code could not be loaded: ${(error as Error).message} Check that Node can run the ` +
        'project (its dependencies installed with `npm ci`, a `loader:` in .schemabot.yml if it needs one).',
      { cause: error },
    );
  }
}

/**
 * Reads a project's `.sequelizerc`, config file and migrations folder the way sequelize-cli 6 does,
 * in a worker process (the project's code never runs in Schemabot's own). The worker stays up for
 * the project's first database: `takeSpareWorker`.
 */
export async function loadProject(options: LoadProjectOptions): Promise<Project> {
  const cwd = resolve(options.cwd);
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    throw new ProjectError(`Project folder ${cwd} does not exist. Check --cwd.`, { setting: '--cwd' });
  }
  const settings = readRunnerSettings(cwd);
  if (options.loader) settings.loaders.push(loaderSpec(options.loader));
  const runner = resolveRunner(cwd, options.runner);
  const partial = { cwd, settings, loadOptions: { ...options, cwd, runner } };
  const worker = new WorkerProcess(workerCommand(partial, 'throwaway', PLACEHOLDER_URL));
  const info = await loadInWorker(worker, partial);
  const project: Project = { ...info, settings, loadOptions: partial.loadOptions };
  keepSpare(project, worker);
  return project;
}

/** A new worker for the project, with the environment for `url`, that has loaded it. */
export async function startWorker(
  project: Project,
  kind: TargetKind = 'throwaway',
  url = PLACEHOLDER_URL,
): Promise<WorkerProcess> {
  const worker = new WorkerProcess(workerCommand(project, kind, url));
  await loadInWorker(worker, project);
  return worker;
}

/** Runs `fn` on the project's waiting worker (or a new one), which waits again afterwards. */
async function withLoadedWorker<T>(project: Project, fn: (worker: WorkerProcess) => Promise<T>): Promise<T> {
  const worker = (await takeSpareWorker(project)) ?? (await startWorker(project));
  try {
    return await fn(worker);
  } finally {
    // Still loaded and without a database: it can serve the project's first runner.
    keepSpare(project, worker);
  }
}

function keepSpare(project: Project, worker: WorkerProcess): void {
  if (!worker.ended && !spares.has(project)) spares.set(project, Promise.resolve(worker));
}

/**
 * A loaded worker of `project` that waits for work, if there is one (then it is no longer a spare);
 * one still loading is waited for. Undefined when its loading failed: a new worker says why.
 */
export async function takeSpareWorker(project: Project): Promise<WorkerProcess | undefined> {
  const pending = spares.get(project);
  spares.delete(project);
  const worker = await pending;
  return worker && !worker.ended ? worker : undefined;
}

/**
 * Starts a worker for the project's next database now, so that it loads the project (and its
 * Sequelize) while the current work goes on (a Sequelize project's: Alembic's next database reuses
 * its worker). Nothing when one already waits. Disposing the result ends it if it was never used
 * (`releaseProject`).
 */
export function warmSpareWorker(project: Project): AsyncDisposable {
  if (!spares.has(project) && project.runner === 'sequelize') {
    const worker = new WorkerProcess(workerCommand(project, 'throwaway', PLACEHOLDER_URL));
    // loadInWorker kills a worker that fails to load.
    spares.set(
      project,
      loadInWorker(worker, project).then(
        () => worker,
        () => undefined,
      ),
    );
  }
  return { [Symbol.asyncDispose]: () => releaseProject(project) };
}

/** Ends the spare worker of a project that will not open a database after all. */
export async function releaseProject(project: Project): Promise<void> {
  await (await takeSpareWorker(project))?.close();
}

/**
 * Which of `files` define `up` and `down`, loading them in a worker (the project's waiting one, or a
 * new one with a throwaway environment) and running nothing.
 */
export async function migrationFunctions(
  project: Project,
  files: { name: string; path: string }[],
): Promise<{ name: string; up: boolean; down: boolean; error?: string }[]> {
  return withLoadedWorker(project, async (worker) => {
    const result = await worker.request<{ name: string; up: boolean; down: boolean; error?: string }[]>({
      op: 'functions',
      migrations: files.map((f) => ({ name: f.name, path: f.path })),
    });
    return result.map((r) => (r.error ? { ...r, error: redact(r.error) } : r));
  });
}

/**
 * Every revision of an Alembic project, or of another checkout of it (`dir`: the base commit's
 * project folder), read by Alembic's `ScriptDirectory` in the project's waiting worker (or a new one).
 */
export async function alembicRevisions(project: Project, dir?: string): Promise<AlembicRevisions> {
  return withLoadedWorker(project, async (worker) => {
    try {
      return await worker.request<AlembicRevisions>(
        dir && resolve(dir) !== project.cwd ? { op: 'revisions', cwd: resolve(dir) } : { op: 'revisions' },
      );
    } catch (error) {
      if (error instanceof WorkerRequestError) throw fromFailure(error.failure);
      throw error;
    }
  });
}
