import { readdirSync } from 'node:fs';
import type { DeclaredTable, ModelsEntry } from '../protocol.js';
import { basename, join, relative } from 'node:path';
import type { Sequelize } from 'sequelize';
import { loadProjectModule, MigrationLoadError } from './loader.js';
import type { Project } from './project.js';
import { redact } from './redact.js';
import { resolveSequelize, sequelizeOptions } from './sequelize.js';

export type { DeclaredTable, ModelsEntry };

/** Models loaded into one Sequelize instance that points at a throwaway database. */
export interface LoadedModels extends AsyncDisposable {
  entry: ModelsEntry;
  sequelize: Sequelize;
  /** Creates the models' tables, enums, indexes and keys in the throwaway database (`sync()`). */
  sync(): Promise<DeclaredTable[]>;
  close(): Promise<void>;
}

/** The models cannot be found or loaded: names the file and what to do (exit code 2). */
export class ModelsError extends Error {
  readonly file?: string;
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelsError';
    this.file = options.file;
  }
}

const MODEL_FILE = /^[^.].*\.(c?js|mjs|c?ts)$/;

function modelFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => MODEL_FILE.test(f) && !/\.d\.c?ts$/.test(f) && !/\.(test|spec)\.[cm]?[jt]s$/.test(f))
    .filter((f) => !/^index\.[cm]?[jt]s$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function isSequelize(value: unknown): value is Sequelize {
  const v = value as Record<string, unknown> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.define === 'function' &&
    typeof v.sync === 'function' &&
    typeof v.getQueryInterface === 'function' &&
    !!v.models
  );
}

/** The Sequelize instance a models module exports: itself, `sequelize`, or either under `default`. */
function instanceIn(module: unknown): Sequelize | undefined {
  const m = module as Record<string, unknown> | null;
  const candidates = [
    m,
    m?.sequelize,
    m?.default,
    (m?.default as Record<string, unknown> | undefined)?.sequelize,
  ];
  return candidates.find(isSequelize);
}

interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

function targetOf(databaseUrl: string): ConnectionTarget {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** Runs `fn` with the project's environment set the way its config reads the connection. */
async function withProjectEnv<T>(project: Project, databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const names = [project.urlEnvVariable ?? 'DATABASE_URL', 'NODE_ENV'];
  const saved = names.map((n) => process.env[n]);
  process.env[names[0]!] = databaseUrl;
  process.env.NODE_ENV = project.env;
  try {
    return await fn();
  } finally {
    names.forEach((n, i) => {
      if (saved[i] === undefined) delete process.env[n];
      else process.env[n] = saved[i];
    });
  }
}

/**
 * Points an instance the project built at the throwaway database, whatever its config said: the
 * connection target is replaced before any connection is opened, and `sync` checks it again.
 */
function repoint(sequelize: Sequelize, target: ConnectionTarget, file: string): void {
  const s = sequelize as unknown as {
    getDialect(): string;
    config: Record<string, unknown>;
    options: Record<string, unknown>;
    connectionManager: { config: Record<string, unknown> };
  };
  if (s.getDialect() !== 'postgres') {
    throw new ModelsError(
      `${file} builds a Sequelize instance for ${s.getDialect()}; Schemabot compares models with PostgreSQL migrations only.`,
      { file },
    );
  }
  if (s.connectionManager.config.replication) {
    throw new ModelsError(
      `${file} configures read replication; Schemabot cannot point such an instance at a throwaway database. ` +
        'Point the models setting at a module that builds a plain instance.',
      { file },
    );
  }
  Object.assign(s.config, target);
  Object.assign(s.connectionManager.config, target);
  s.options.logging = false;
}

function describe(error: unknown): string {
  return redact(error instanceof Error ? error.message.split('\n')[0]! : String(error));
}

async function loadModule(file: string, project: Project): Promise<unknown> {
  try {
    return await loadProjectModule(file, project.cwd, { fresh: true });
  } catch (error) {
    const where = relative(project.cwd, file) || file;
    const line = error instanceof MigrationLoadError && error.line ? ` (line ${error.line})` : '';
    throw new ModelsError(
      `Could not load the models from ${where}${line}: ${describe(error instanceof MigrationLoadError ? (error.cause ?? error) : error)}. ` +
        'Schemabot loads them as your app does; fix the error, or point the models setting at a module that ' +
        'exports your Sequelize instance.',
      { file, cause: error },
    );
  }
}

/** A folder of `(sequelize, DataTypes) => Model` files, loaded the way sequelize-cli's `models/index.js` does. */
async function loadFolder(dir: string, project: Project, databaseUrl: string): Promise<Sequelize> {
  const resolved = await resolveSequelize(project);
  const SequelizeClass = resolved.Sequelize;
  const sequelize = new SequelizeClass(databaseUrl, sequelizeOptions(project, 'schemabot-models', resolved));
  const dataTypes = (SequelizeClass as unknown as { DataTypes: unknown }).DataTypes;
  for (const file of modelFiles(dir)) {
    const module = (await loadModule(file, project)) as
      { default?: unknown } | ((...a: unknown[]) => unknown);
    const factory = typeof module === 'function' ? module : module?.default;
    if (typeof factory !== 'function') continue;
    try {
      // A class that extends Model is called with `init`, not as a factory.
      if (!/^class\s/.test(Function.prototype.toString.call(factory))) factory(sequelize, dataTypes);
    } catch (error) {
      throw new ModelsError(
        `${relative(project.cwd, file)} failed while defining its model: ${describe(error)}.`,
        {
          file,
          cause: error,
        },
      );
    }
  }
  const models = sequelize.models as Record<string, { associate?: (m: unknown) => void }>;
  for (const [name, model] of Object.entries(models)) {
    try {
      model.associate?.(models);
    } catch (error) {
      throw new ModelsError(`The associations of model ${name} failed: ${describe(error)}.`, {
        cause: error,
      });
    }
  }
  return sequelize;
}

/** Instances a models module returned, which Schemabot then closed. */
const loadedInstances = new WeakSet<object>();

/**
 * Loads the project's models into a Sequelize instance connected to `databaseUrl` (a throwaway
 * database): with the project's own loader when it has one, with the connection settings it reads
 * from the environment set to that database, and the instance repointed there in any case.
 */
export async function loadModels(
  project: Project,
  databaseUrl: string,
  entry: ModelsEntry,
): Promise<LoadedModels> {
  const target = targetOf(databaseUrl);
  const shown = relative(project.cwd, entry.path) || basename(entry.path);
  const sequelize = await withProjectEnv(project, databaseUrl, async () => {
    if (entry.kind === 'folder') return loadFolder(entry.path, project, databaseUrl);
    const module = await loadModule(entry.path, project);
    const instance = instanceIn(module);
    if (!instance) {
      throw new ModelsError(
        `${shown} does not export a Sequelize instance (as the module itself, \`sequelize\`, or \`default\`). ` +
          'Export it, as the models/index.js of `sequelize-cli init` does (`db.sequelize = sequelize`).',
        { file: entry.path },
      );
    }
    if (loadedInstances.has(instance)) {
      // Schemabot closes every instance it syncs: one seen before comes from a module cache the
      // fresh load could not clear, closed and with the models as they were then.
      throw new ModelsError(
        `${shown} returned the Sequelize instance of an earlier load in this process: its module came from a ` +
          "cache Schemabot cannot clear (a test runner's module registry, or a package outside the project), so " +
          'it is closed and its models may be out of date. Run Schemabot in a fresh process.',
        { file: entry.path },
      );
    }
    loadedInstances.add(instance);
    return instance;
  });
  repoint(sequelize, target, shown);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await sequelize.close().catch(() => undefined);
  };
  return {
    entry,
    sequelize,
    close,
    [Symbol.asyncDispose]: close,
    async sync() {
      const [where] = (await sequelize.query('SELECT current_database() AS database', {
        type: 'SELECT' as never,
      })) as unknown as [{ database: string }];
      if (where?.database !== target.database) {
        throw new ModelsError(
          `The models' Sequelize instance is connected to database "${where?.database}", not the throwaway ` +
            `database "${target.database}"; Schemabot refuses to sync into it.`,
          { file: entry.path },
        );
      }
      if (!Object.keys(sequelize.models).length) {
        throw new ModelsError(
          `${shown} defines no models. Point the models setting at the module that defines them.`,
          {
            file: entry.path,
          },
        );
      }
      try {
        await sequelize.sync();
      } catch (error) {
        const sql = (error as { sql?: unknown }).sql;
        throw new ModelsError(
          `sync() of the models from ${shown} failed: ${describe(error)}` +
            (typeof sql === 'string' ? ` (statement: ${redact(sql).slice(0, 300)})` : '') +
            '. The models must be valid for PostgreSQL.',
          { file: entry.path, cause: error },
        );
      }
      return declaredTables(sequelize);
    },
  };
}

interface RawAttribute {
  field?: string;
  defaultValue?: unknown;
  _autoGenerated?: boolean;
}

/** True for a default Sequelize computes in JavaScript, which never reaches the database. */
function isClientDefault(attribute: RawAttribute, S: Record<string, unknown>): boolean {
  if (attribute._autoGenerated) return true;
  const value = attribute.defaultValue;
  if (value === undefined) return false;
  if (typeof value === 'function') return true;
  for (const name of ['NOW', 'UUIDV1', 'UUIDV4']) {
    const type = S[name] as (new () => unknown) | undefined;
    if (type && value instanceof type) return true;
  }
  return false;
}

function declaredTables(sequelize: Sequelize): DeclaredTable[] {
  const S = (sequelize.constructor as unknown as Record<string, unknown>) ?? {};
  return Object.values(sequelize.models).map((model) => {
    const t = model.getTableName() as unknown as string | { tableName: string; schema?: string };
    const schema = typeof t === 'string' ? (model.options.schema ?? 'public') : (t.schema ?? 'public');
    const table = typeof t === 'string' ? t : t.tableName;
    const attributes = model.getAttributes() as Record<string, RawAttribute>;
    const clientDefaults = Object.entries(attributes)
      .filter(([, a]) => isClientDefault(a, S))
      .map(([key, a]) => a.field ?? key);
    return { model: model.name, schema, table, clientDefaults };
  });
}
