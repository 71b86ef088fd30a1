import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { redact } from './redact.js';

/** A sequelize-cli project as Schemabot sees it: where its migrations are and how its meta table is set up. */
export interface Project {
  /** Absolute project root. */
  cwd: string;
  /** Absolute migrations folder. */
  migrationsDir: string;
  /** Absolute models folder, from `.sequelizerc` `models-path` (default `<cwd>/models` if it exists). */
  modelsDir?: string;
  /** Absolute path of the config file used, if any. */
  configFile?: string;
  /** `NODE_ENV` or `development`, like sequelize-cli. */
  env: string;
  /** The environment's config section (dialectOptions, migrationStorageTableName, define, ...). */
  config: Record<string, unknown>;
  /** Where the applied-migrations table lives (default `SequelizeMeta`). */
  meta: { schema?: string; table: string };
  /** Absolute path of the `.sequelizerc` read, if any. */
  rcFile?: string;
  /** The name in `use_env_variable`, if the config uses one (the caller's URL still wins). */
  urlEnvVariable?: string;
}

export interface LoadProjectOptions {
  cwd: string;
  /** Overrides `.sequelizerc` `migrations-path` (relative to `cwd`). */
  migrationsPath?: string;
  /** Overrides `NODE_ENV`. */
  env?: string;
}

/** A configuration problem a person must fix (the CLI exits with code 2). */
export class ProjectError extends Error {
  /** The setting involved, e.g. `.sequelizerc "migrations-path"`. */
  readonly setting?: string;
  constructor(message: string, options?: { cause?: unknown; setting?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProjectError';
    this.setting = options?.setting;
  }
}

type RcOptions = Record<string, unknown>;

/**
 * Reads a project's `.sequelizerc`, its config file and its migrations folder the way sequelize-cli 6
 * does (`lib/core/yargs.js`, `lib/helpers/config-helper.js`, `lib/helpers/umzug-helper.js`).
 */
export async function loadProject(options: LoadProjectOptions): Promise<Project> {
  const cwd = resolve(options.cwd);
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    throw new ProjectError(`Project folder ${cwd} does not exist. Check --cwd.`, { setting: '--cwd' });
  }
  const rcFile = join(cwd, '.sequelizerc');
  const rc = existsSync(rcFile) ? readRcFile(rcFile, cwd) : {};
  const optionsPath = rcString(rc, 'options-path');
  if (optionsPath) Object.assign(rc, readJsonOptions(resolve(cwd, optionsPath)));

  const env = options.env || rcString(rc, 'env') || process.env.NODE_ENV || 'development';

  let migrationsDir: string;
  let migrationsSetting: string;
  if (options.migrationsPath !== undefined) {
    migrationsDir = resolve(cwd, options.migrationsPath);
    migrationsSetting = '--migrations-path';
  } else if (rcString(rc, 'migrations-path') !== undefined) {
    migrationsDir = resolve(cwd, rcString(rc, 'migrations-path')!);
    migrationsSetting = '.sequelizerc "migrations-path"';
  } else {
    migrationsDir = join(cwd, 'migrations');
    migrationsSetting =
      'the default "migrations" folder (set "migrations-path" in .sequelizerc to change it)';
  }
  if (!existsSync(migrationsDir) || !statSync(migrationsDir).isDirectory()) {
    throw new ProjectError(
      `Migrations folder not found: ${migrationsDir} (from ${migrationsSetting}). ` +
        'Point --migrations-path or .sequelizerc "migrations-path" at the folder that holds your migrations.',
      { setting: migrationsSetting },
    );
  }

  const modelsPath = rcString(rc, 'models-path');
  const defaultModels = join(cwd, 'models');
  const modelsDir =
    modelsPath !== undefined
      ? resolve(cwd, modelsPath)
      : existsSync(defaultModels)
        ? defaultModels
        : undefined;

  const configFile = findConfigFile(cwd, rc);
  const config = configFile ? await readConfig(configFile, cwd, env) : {};

  const storage = config.migrationStorage;
  if (storage !== undefined && storage !== 'sequelize') {
    throw new ProjectError(
      `${relative(cwd, configFile!)} sets migrationStorage to ${JSON.stringify(storage)}; Schemabot records ` +
        'migrations in the database only ("sequelize" storage, the sequelize-cli default). Remove the setting.',
      { setting: 'migrationStorage' },
    );
  }
  const table = nonEmptyString(config.migrationStorageTableName) ?? 'SequelizeMeta';
  // umzug passes `schema: migrationStorageTableSchema` to `define`, which falls back to `define.schema`.
  const define =
    config.define && typeof config.define === 'object' ? (config.define as Record<string, unknown>) : {};
  const schema = nonEmptyString(config.migrationStorageTableSchema) ?? nonEmptyString(define.schema);
  const urlEnvVariable = nonEmptyString(config.use_env_variable);

  return {
    cwd,
    migrationsDir,
    modelsDir,
    configFile,
    env,
    config,
    meta: schema ? { schema, table } : { table },
    rcFile: existsSync(rcFile) ? rcFile : undefined,
    urlEnvVariable,
  };
}

/** The applied-migrations table as schema and name (it is state, not schema: snapshots leave it out). */
export function metaTableOf(project: Project): { schema: string; name: string } {
  return { schema: project.meta.schema ?? 'public', name: project.meta.table };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** yargs accepts both spellings of an option in a config object. */
function rcString(rc: RcOptions, kebab: string): string | undefined {
  const camel = kebab.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const value = rc[kebab] ?? rc[camel];
  return typeof value === 'string' ? value : undefined;
}

/** Runs `fn` with the process in `dir`, as sequelize-cli runs with the project as its working folder. */
function inFolder<T>(dir: string, fn: () => T): T {
  let previous: string | undefined;
  try {
    previous = process.cwd();
    process.chdir(dir);
  } catch {
    previous = undefined; // chdir is unavailable in worker threads: relative paths resolve from the caller's folder
  }
  try {
    return fn();
  } finally {
    if (previous !== undefined) process.chdir(previous);
  }
}

function readRcFile(rcFile: string, cwd: string): RcOptions {
  const req = createRequire(rcFile);
  try {
    const resolved = req.resolve(rcFile);
    delete req.cache[resolved];
    const value: unknown = inFolder(cwd, () => req(rcFile));
    // sequelize-cli keeps only what survives JSON (functions and undefined are dropped).
    const plain: unknown = JSON.parse(JSON.stringify(value ?? {}));
    return plain && typeof plain === 'object' ? (plain as RcOptions) : {};
  } catch (error) {
    throw new ProjectError(`Could not read ${rcFile}: ${redact(errorMessage(error))}. Fix the file.`, {
      cause: error,
      setting: '.sequelizerc',
    });
  }
}

function readJsonOptions(file: string): RcOptions {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RcOptions;
  } catch (error) {
    throw new ProjectError(`Could not read the options file ${file} named by .sequelizerc "options-path".`, {
      cause: error,
      setting: '.sequelizerc "options-path"',
    });
  }
}

function findConfigFile(cwd: string, rc: RcOptions): string | undefined {
  const configured = rcString(rc, 'config');
  if (configured !== undefined) {
    const file = resolve(cwd, configured);
    if (!existsSync(file)) {
      throw new ProjectError(
        `Config file not found: ${file} (from .sequelizerc "config"). Fix the path or remove the setting.`,
        { setting: '.sequelizerc "config"' },
      );
    }
    return file;
  }
  const js = join(cwd, 'config', 'config.js');
  if (existsSync(js)) return js;
  const json = join(cwd, 'config', 'config.json');
  return existsSync(json) ? json : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function importConfigModule(file: string, cwd: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  }
  // sequelize-cli uses `import()`, so a CommonJS config arrives as the default export.
  if (/\.(cjs|js)$/.test(file)) {
    const req = createRequire(file);
    try {
      delete req.cache[req.resolve(file)];
      return inFolder(cwd, () => req(file) as unknown);
    } catch (error) {
      if (!isEsmSyntaxError(error)) throw error;
    }
  }
  const ns = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return ns.default ?? ns;
}

/** require() refusing an ES module (Node's codes, or the SyntaxError a loader without require(esm) throws). */
export function isEsmSyntaxError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') return true;
  return (
    error instanceof Error &&
    error.name === 'SyntaxError' &&
    /Cannot use import statement|Unexpected token 'export'|import\.meta|await is only valid/.test(
      error.message,
    )
  );
}

async function readConfig(file: string, cwd: string, env: string): Promise<Record<string, unknown>> {
  const shown = isAbsolute(file) ? relative(cwd, file) || file : file;
  let raw: unknown;
  try {
    raw = await importConfigModule(file, cwd);
    if (typeof raw === 'function') {
      const fn = raw as (...args: unknown[]) => unknown;
      raw =
        fn.length === 1
          ? await new Promise((ok, fail) =>
              inFolder(cwd, () => fn((err: unknown, value: unknown) => (err ? fail(err) : ok(value)))),
            )
          : await inFolder(cwd, () => fn());
    } else {
      raw = await raw;
    }
  } catch (error) {
    throw new ProjectError(`Error reading "${shown}": ${redact(errorMessage(error))}. Fix the config file.`, {
      cause: error,
      setting: 'config',
    });
  }
  if (!raw || typeof raw !== 'object') {
    throw new ProjectError(`Config must be an object or a promise for an object: ${shown}.`, {
      setting: 'config',
    });
  }
  const all = raw as Record<string, unknown>;
  // Like sequelize-cli: the environment's section if there is one, else the whole object.
  const section = all[env] && typeof all[env] === 'object' ? all[env] : all;
  return { ...(section as Record<string, unknown>) };
}
