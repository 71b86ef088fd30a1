import { resolve } from 'node:path';
import type { FrontEnd } from '../shared/wording.js';
import type { RunnerChoice } from '../migrate/alembic/index.js';
import { startPostgres, type PostgresServer, type ProviderChoice } from '../postgres/index.js';

/** Where the throwaway PostgreSQL comes from: the same flags and inputs for every command that needs one. */
export interface PostgresChoice {
  postgres: ProviderChoice;
  /** Messages name the CLI's flags (default) or the action's inputs. */
  frontEnd?: FrontEnd;
  postgresVersion?: number;
  postgresUrl?: string;
  postgresImage?: string;
  /** `local`: the folder of a cluster kept by an earlier run to start on (a check's, see `clusterFolder`). */
  cluster?: string;
}

/** Starts the throwaway PostgreSQL a command asked for (for a project in `cwd`). */
export function startThrowaway(
  choice: PostgresChoice,
  cwd: string,
  log: (line: string) => void,
): Promise<PostgresServer> {
  return startPostgres({
    cluster: choice.cluster,
    provider: choice.postgres,
    version: choice.postgresVersion,
    url: choice.postgresUrl,
    image: choice.postgresImage,
    frontEnd: choice.frontEnd,
    cwd: resolve(cwd),
    log,
  });
}

/**
 * Starts the throwaway PostgreSQL and runs `prepare` meanwhile (loading the project, working out the
 * plan): the server's start depends on neither, and takes about as long. Returns the server still
 * starting with what `prepare` returned; when `prepare` throws, the server is stopped and the error
 * thrown.
 */
export async function startThrowawayWhile<T>(
  choice: PostgresChoice,
  cwd: string,
  log: (line: string) => void,
  prepare: () => Promise<T>,
): Promise<{ starting: Promise<PostgresServer>; prepared: T }> {
  const starting = startThrowaway(choice, cwd, log);
  starting.catch(() => undefined);
  try {
    return { starting, prepared: await prepare() };
  } catch (error) {
    await starting.then((server) => server.stop()).catch(() => undefined);
    throw error;
  }
}

/** Everything a check needs, whether it came from CLI flags or action inputs. */
export interface CheckOptions extends PostgresChoice {
  cwd: string;
  base?: string;
  migrationsPath?: string;
  /** Per-migration time limit. */
  timeoutMs?: number;
  /** A module Node loads before the project's code, after the `loader:` settings of `.schemabot.yml`. */
  loader?: string;
  /** `--runner`: Sequelize or Alembic (`auto`: Alembic when the project has `alembic.ini`). */
  runner?: RunnerChoice;
  /** `--python`: the Python that runs an Alembic project. */
  python?: string;
  /** Progress lines for people. */
  log?: (line: string) => void;
  /**
   * The base-state cache folder (`--cache-dir`, `cache-dir`; `defaultCacheDir()` unless `--no-cache`):
   * a PR check restores the base branch's state from it instead of replaying every base migration.
   * Absent: no cache.
   */
  cacheDir?: string;
  /**
   * The models comparison (`models` input, `--models`): `off`; `on` only the tables these migrations
   * create (a cell of a matrix over migration folders); `strict` everything. Absent: `.schemabot.yml`
   * `models`, else the tables some model declares.
   */
  modelsMode?: 'off' | 'on' | 'strict';
}
