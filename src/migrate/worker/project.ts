import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadRequest, ProjectInfo } from '../protocol.js';
import {
  buildOutputAdvice,
  missingFile,
  missingPackage,
  recordingUnsetEnv,
  unsetEnvAdvice,
  unsetEnvOf,
} from './env.js';

/** A sequelize-cli project as the worker reads it: the protocol's `ProjectInfo` with the whole config. */
export interface Project extends ProjectInfo {
  /** The environment's config section as loaded (functions and all: the worker's own use). */
  config: Record<string, unknown>;
}

export type LoadProjectOptions = Omit<LoadRequest, 'op'>;

/** A configuration problem a person must fix (Schemabot exits with code 2). */
export class ProjectError extends Error {
  /** The setting involved, e.g. `.sequelizerc "migrations-path"`. */
  readonly setting?: string;
  /** Environment variables the failing file read that were not set. */
  readonly unsetEnv?: string[];
  constructor(message: string, options?: { cause?: unknown; setting?: string; unsetEnv?: string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProjectError';
    this.setting = options?.setting;
    if (options?.unsetEnv?.length) this.unsetEnv = options.unsetEnv;
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
  const rc = existsSync(rcFile) ? await readRcFile(rcFile, cwd) : {};
  const optionsPath = rcString(rc, 'options-path');
  if (optionsPath) Object.assign(rc, readJsonOptions(resolve(cwd, optionsPath)));

  const env = options.nodeEnv || rcString(rc, 'env') || process.env.NODE_ENV || 'development';

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

  // `config: none` runs without the config file, with the defaults of `sequelize-cli --url`.
  const configFile = options.config === 'none' ? undefined : findConfigFile(cwd, rc);
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
    runner: 'sequelize',
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

async function readRcFile(rcFile: string, cwd: string): Promise<RcOptions> {
  const req = createRequire(rcFile);
  try {
    const resolved = req.resolve(rcFile);
    delete req.cache[resolved];
    const { value } = await recordingUnsetEnv(() => inFolder(cwd, () => req(rcFile) as unknown));
    // sequelize-cli keeps only what survives JSON (functions and undefined are dropped).
    const plain: unknown = JSON.parse(JSON.stringify(value ?? {}));
    return plain && typeof plain === 'object' ? (plain as RcOptions) : {};
  } catch (error) {
    throw loadFailure(error, '.sequelizerc', rcFile, cwd, 'Fix the file.');
  }
}

/**
 * A file of the project's configuration that threw while loading, explained: a package that is not
 * installed, a build output that does not exist yet, the environment variables it wanted.
 */
function loadFailure(
  error: unknown,
  setting: string,
  file: string,
  cwd: string,
  fallback: string,
): ProjectError {
  const shown = relative(cwd, file) || file;
  const unsetEnv = unsetEnvOf(error);
  const pkg = missingPackage(error);
  if (pkg) {
    return new ProjectError(
      `${shown} requires the package "${pkg}", which is not installed. Install the project's dependencies ` +
        '(`npm ci`) in a step before Schemabot.',
      { cause: error, setting },
    );
  }
  const missing = missingFile(error);
  if (missing) {
    const requirer = /Require stack:\n- (.+)/.exec(errorMessage(error))?.[1] ?? file;
    const target = isAbsolute(missing) ? missing : resolve(dirname(requirer), missing);
    const build = buildOutputAdvice(target, cwd);
    return new ProjectError(
      `${shown} requires ${relative(cwd, target) || target}, which does not exist.` +
        (build || ' Fix the path.') +
        unsetEnvAdvice(unsetEnv),
      { cause: error, setting, unsetEnv },
    );
  }
  const first = errorMessage(error).split('\n')[0];
  return new ProjectError(
    `${shown} failed while loading: ${first}.` +
      (unsetEnv.length ? unsetEnvAdvice(unsetEnv) : ` ${fallback}`),
    { cause: error, setting, unsetEnv },
  );
}

/** A JSON file as sequelize-cli's `require` reads it: a byte order mark (an editor's on Windows) skipped. */
function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as unknown;
}

function readJsonOptions(file: string): RcOptions {
  try {
    return readJson(file) as RcOptions;
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
        `Config file not found: ${relative(cwd, file) || file} (from .sequelizerc "config").` +
          (buildOutputAdvice(file, cwd) || ' Fix the path or remove the setting.') +
          ' Or run without it with `config: none` in .schemabot.yml.',
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
  if (file.endsWith('.json')) return readJson(file);
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
    ({ value: raw } = await recordingUnsetEnv(async () => {
      const loaded = await importConfigModule(file, cwd);
      if (typeof loaded === 'function') {
        const fn = loaded as (...args: unknown[]) => unknown;
        return fn.length === 1
          ? await new Promise((ok, fail) =>
              inFolder(cwd, () => fn((err: unknown, value: unknown) => (err ? fail(err) : ok(value)))),
            )
          : await inFolder(cwd, () => fn());
      }
      return (await loaded) as unknown;
    }));
  } catch (error) {
    throw loadFailure(error, 'config', file, cwd, 'Fix the config file.');
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
