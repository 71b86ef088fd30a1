import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlembicRevisions } from '../protocol.js';
import { WorkerProcess } from '../worker-process.js';

/** Which runner drives a project: `auto` decides by the project's files. */
export type RunnerChoice = 'auto' | 'sequelize' | 'alembic';

/** The runner for the project in `cwd`: the one asked for, else Alembic when `alembic.ini` is there. */
export function resolveRunner(cwd: string, choice: RunnerChoice = 'auto'): 'sequelize' | 'alembic' {
  if (choice !== 'auto') return choice;
  const ini = process.env.ALEMBIC_CONFIG ?? 'alembic.ini';
  return existsSync(join(cwd, ini)) ? 'alembic' : 'sequelize';
}

/** The project's Python: `--python` / the `python` input, else `python3` on PATH. */
export const DEFAULT_PYTHON = 'python3';

/** The file name of the Alembic worker beside the bundle (`dist/`), where the build copies it. */
export const BUNDLED_WORKER_NAME = 'alembic-worker.py';

/**
 * Where `worker.py` is: beside this module in the sources, or at the bundle's root (`dist/`, one
 * level above the chunk that holds this code, or the same folder as the entry file).
 */
export function alembicWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'worker.py'),
    join(here, BUNDLED_WORKER_NAME),
    join(here, '..', BUNDLED_WORKER_NAME),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `The Alembic worker (${BUNDLED_WORKER_NAME}) is missing beside Schemabot's code in ${here}; reinstall Schemabot or rebuild it (npm run build).`,
    );
  }
  return found;
}

export interface AlembicWorkerOptions {
  /** The project's Python (the `python` input / `--python`); default `python3` on PATH. */
  python?: string;
  /** The project's root: the folder of `alembic.ini`. */
  cwd: string;
  /** The worker's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Where the project's own output goes, one redacted line at a time. */
  log?: (line: string) => void;
}

/** Starts the Python worker that runs the project's Alembic revisions (protocol of `protocol.ts`). */
export function startAlembicWorker(options: AlembicWorkerOptions): WorkerProcess {
  return new WorkerProcess({
    command: options.python ?? DEFAULT_PYTHON,
    args: [alembicWorkerPath()],
    cwd: options.cwd,
    env: options.env,
    ...(options.log ? { log: options.log } : {}),
  });
}

/** Every revision of the project (or of another checkout of it, `cwd`), read by Alembic's `ScriptDirectory`. */
export function listRevisions(worker: WorkerProcess, cwd?: string): Promise<AlembicRevisions> {
  return worker.request<AlembicRevisions>(cwd ? { op: 'revisions', cwd } : { op: 'revisions' });
}
