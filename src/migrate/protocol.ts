/**
 * The worker protocol: how Schemabot's process talks to the process that runs a project's migration
 * code. Plain JSON, one object per line, so a runner in any language can implement it:
 *
 * - requests go to the worker's standard input;
 * - responses (and events) come back on file descriptor 3;
 * - the worker's standard output and error are the project's own logs: Schemabot relays them
 *   through its secret redaction, and never parses them.
 *
 * Every request carries an `id`; the response carries the same `id`. Requests are sent one at a time.
 * This file holds types only: worker code imports nothing else of Schemabot's process.
 */

export type Direction = 'up' | 'down';

/** What went wrong in one migration step, ready to quote in a report. */
export interface StepError {
  message: string;
  /** The file where the failing call was made (relative to the project root), usually the migration. */
  file?: string;
  line?: number;
  /** The statement PostgreSQL rejected. */
  sql?: string;
  /** PostgreSQL's SQLSTATE, e.g. `42P07`. */
  code?: string;
  detail?: string;
  hint?: string;
  /** 1-based character position of the error in `sql`. */
  position?: number;
}

/** One SQL statement a migration sent, with its duration in milliseconds. */
export interface WorkerStatement {
  sql: string;
  ms: number;
  /** PostgreSQL rejected it (it is then also the error's `sql`). */
  failed?: boolean;
  /** Still running when the migration was stopped (timeout). */
  unfinished?: boolean;
  /** Line of the migration file that sent it, when the call site was found. */
  line?: number;
  /** Sent after the migration's function had already resolved (work it did not await). */
  late?: boolean;
}

/** The outcome of running one migration in one direction. */
export interface WorkerStepResult {
  ok: boolean;
  ms: number;
  statements: WorkerStatement[];
  error: StepError | null;
  /**
   * Work the migration started but did not await: the first statement that ran after its function
   * resolved (absent when there was none). The step's verdicts are taken only after that work settled.
   */
  unawaited?: { sql: string; line?: number };
  /** Pinned (production) steps: the migration and its record ran in one transaction. */
  transaction?: boolean;
  /** Pinned steps, on failure: the transaction was rolled back; null on success. */
  rolledBack?: boolean | null;
  /** Pinned steps: the COMMIT's answer never came back. */
  commitUnknown?: boolean;
}

/** A migration (Sequelize: a file; Alembic: a revision) as the worker lists it. */
export interface WorkerMigration {
  /** The name recorded in the meta table (Sequelize: the file name; Alembic: the revision id). */
  name: string;
  /** Absolute path of its source file. */
  path: string;
}

/** What `load` tells Schemabot about the project. */
export interface ProjectInfo {
  runner: 'sequelize' | 'alembic';
  /** Absolute project root. */
  cwd: string;
  /** Absolute migrations folder (Alembic: the versions folder). */
  migrationsDir: string;
  /** Absolute models folder or module, when the project has one. */
  modelsDir?: string;
  /** Absolute config file used, if any. */
  configFile?: string;
  /** Absolute `.sequelizerc`, if any. */
  rcFile?: string;
  /** `NODE_ENV` (Sequelize) or the Alembic ini section. */
  env: string;
  /** The applied-migrations table (`SequelizeMeta`, `alembic_version`). */
  meta: { schema?: string; table: string };
  /** The config's `use_env_variable`, if any. */
  urlEnvVariable?: string;
  /** The project's config section, reduced to JSON (behaviour settings only: no connection target). */
  config: Record<string, unknown>;
  /** Version of the project's migration library (sequelize, alembic). */
  libraryVersion?: string;
  /** Where the migration library came from. */
  librarySource?: 'project' | 'bundled';
}

/** Where a project's models come from: a module exporting its Sequelize instance, or a folder of model files. */
export interface ModelsEntry {
  kind: 'module' | 'folder';
  /** Absolute path of the module or folder. */
  path: string;
}

/** A model's table as the ORM names it (unquoted), and its columns whose defaults the ORM fills in. */
export interface DeclaredTable {
  model: string;
  schema: string;
  table: string;
  clientDefaults: string[];
}

/** `load`: read the project's configuration (`.sequelizerc`, config file / `alembic.ini`, `env.py`). */
export interface LoadRequest {
  op: 'load';
  cwd: string;
  /** Overrides the configured migrations folder (relative to `cwd`). */
  migrationsPath?: string;
  /** `NODE_ENV` override. */
  nodeEnv?: string;
  /** `none`: do not read the config file (sequelize-cli `--url` defaults). */
  config?: 'none';
}

/** `open`: connect to the database every later request works on. */
export interface OpenRequest {
  op: 'open';
  url: string;
  /** Variables set in the worker's environment before connecting (`DATABASE_URL`, the `env:` mapping). */
  env: Record<string, string>;
  /** `application_name` of every connection the worker opens (its backends are found by it). */
  applicationName: string;
  /** How long one migration may run before the worker stops it itself (milliseconds). */
  timeoutMs: number;
  /**
   * Another database of the same server for the connection that watches the worker's backends (a
   * throwaway server's maintenance database): it then stays open while the database is copied or
   * restored. Without it, that connection is to `url`.
   */
  watchUrl?: string;
}

/** Options of a production step: one pinned connection, the step and its record in one transaction. */
export interface PinnedOptions {
  transaction?: boolean;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** `step`: run one migration `up` or `down` and record (or unrecord) it. */
export interface StepRequest {
  op: 'step';
  migration: WorkerMigration;
  direction: Direction;
  /** Production steps only. */
  pinned?: PinnedOptions;
}

export type WorkerRequestBody =
  | LoadRequest
  | OpenRequest
  | StepRequest
  /** The names recorded in the meta table, in applied order; [] when it does not exist. */
  | { op: 'applied' }
  /** Record (`stamp`) or unrecord names without running anything, all in one transaction. */
  | { op: 'record'; names: string[] }
  | { op: 'unrecord'; names: string[] }
  /** Close every connection but keep the worker usable (a database is copied only while unused). */
  | { op: 'disconnect' }
  /** Load the project's models and create their tables (`sync()`) in the open database. */
  | { op: 'sync-models'; entry: ModelsEntry }
  /**
   * Which of these migrations define `up` and `down` (loading them, running nothing). Alembic: `down`
   * is false for a revision whose `downgrade()` is only `pass` or only raises.
   */
  | { op: 'functions'; migrations: WorkerMigration[] }
  /** Close everything; the worker then exits 0. */
  | { op: 'close' }
  /**
   * Answered at once, out of turn, by a worker whose event loop runs (the Sequelize worker only): a
   * step past its time limit that is not answered is a synchronous loop, and the worker is killed.
   */
  | { op: 'ping' }
  | AlembicRequestBody;

// --- Alembic only (answered by `src/migrate/alembic/worker.py`) -------------------------------------

/** One Alembic revision as `ScriptDirectory` reads it. */
export interface AlembicRevision {
  /** The revision id (what `alembic_version` records). */
  id: string;
  /** Its parent; a list for a merge point; null for a base revision. */
  downRevision: string | string[] | null;
  branchLabels: string[];
  /** `depends_on`: revisions (or branch labels) it needs besides its parents; null when none. */
  dependsOn: string[] | null;
  /** Absolute path of its file. */
  path: string;
  /** The revision message (its docstring's first line). */
  doc: string;
}

/** The answer of `revisions`: every revision, base first, and the graph's heads and bases. */
export interface AlembicRevisions {
  revisions: AlembicRevision[];
  heads: string[];
  bases: string[];
}

/** One difference between `target_metadata` and the database (`compare_metadata`, as `alembic check`). */
export interface AlembicModelDifference {
  /** Alembic's operation name: `add_table`, `remove_column`, `modify_nullable`, `add_fk`, ... */
  op: string;
  schema?: string;
  table?: string;
  /** The column, index or constraint. */
  name?: string;
  /** The column's SQL type (added or removed columns). */
  type?: string;
  nullable?: boolean;
  columns?: string[];
  /** The table a foreign key refers to. */
  references?: string;
  /** `modify_*`: the database's value and the model's. */
  before?: unknown;
  after?: unknown;
  existing?: unknown;
  /** Any other operation's arguments, as text. */
  args?: unknown[];
  /** A one-line description, e.g. `add_column public.posts.rating`. */
  text: string;
}

export type AlembicRequestBody =
  /**
   * Every revision of the script directory (no database needed). With `cwd`, those of the same
   * project folder in another checkout (e.g. the base commit's): its `alembic.ini`, or the loaded
   * `migrationsPath`. Answers `AlembicRevisions`. (A `step` whose `migration.path` is in such a
   * checkout runs that checkout's revision and `env.py`: base revisions replay as committed.)
   */
  | { op: 'revisions'; cwd?: string }
  /** `env.py`'s `target_metadata` compared with the open database; answers `AlembicModelDifference[]`. */
  | { op: 'compare-models' }
  /**
   * `alembic revision --autogenerate -m MESSAGE` against the open database, which must be at the head
   * (else a runtime failure); writes the revision into the project and answers `AlembicGenerated`.
   */
  | { op: 'autogenerate'; message: string };

/** The revision `autogenerate` wrote. */
export interface AlembicGenerated {
  id: string;
  /** Absolute path of the new file. */
  path: string;
}

export type WorkerRequest = WorkerRequestBody & { id: number };

/** Why a request failed (not a migration's failure: those are `WorkerStepResult`s). */
export interface WorkerFailure {
  /**
   * `project`: a configuration problem a person must fix (exit 2); `models`: the models cannot be
   * found or loaded (exit 2); `runtime`: anything else.
   */
  kind: 'project' | 'models' | 'runtime';
  message: string;
  /** The setting involved, e.g. `.sequelizerc "migrations-path"`. */
  setting?: string;
  /** The file involved, when one is. */
  file?: string;
  /** Environment variables the failing file read that were not set. */
  unsetEnv?: string[];
  /** PostgreSQL SQLSTATE, when a database error. */
  code?: string;
}

export type WorkerResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WorkerFailure };
