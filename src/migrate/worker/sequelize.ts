import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { Options, Sequelize as SequelizeType } from 'sequelize';
import type { Project } from './project.js';

export type SequelizeClass = typeof SequelizeType;

/** The Sequelize that migrations receive: the project's own when it has one, else Schemabot's. */
export interface ResolvedSequelize {
  Sequelize: SequelizeClass;
  source: 'project' | 'bundled';
  /** Path of the project's `sequelize` package entry, when used. */
  path?: string;
  version?: string;
  /** pg for Sequelize when the project's Sequelize cannot load its own. */
  dialectModule?: unknown;
}

let bundled: Promise<SequelizeClass> | undefined;

/**
 * Schemabot's own Sequelize, loaded only when a project has none: loading it costs a noticeable part
 * of every start, and most projects bring their own.
 */
function bundledSequelize(): Promise<SequelizeClass> {
  bundled ??= import('sequelize').then((m) => {
    const ns = m as unknown as { Sequelize?: SequelizeClass; default?: { Sequelize?: SequelizeClass } };
    return (ns.Sequelize ?? ns.default?.Sequelize)!;
  });
  return bundled;
}

const resolving = new Map<string, Promise<ResolvedSequelize>>();

/** Resolves `sequelize` from the project root, as sequelize-cli does (`helpers/generic-helper.js`). */
export function resolveSequelize(project: Project): Promise<ResolvedSequelize> {
  let resolved = resolving.get(project.cwd);
  if (!resolved) {
    resolved = resolveFresh(project);
    resolving.set(project.cwd, resolved);
    // A failure is not kept: the next request tries again (and reports its own error).
    resolved.catch(() => resolving.delete(project.cwd));
  }
  return resolved;
}

/**
 * Loads the project's Sequelize and the pg it will load, ahead of the first database: the worker is
 * otherwise idle while the server starts, and loading them is most of a worker's start.
 */
export async function preloadSequelize(project: Project): Promise<void> {
  const resolved = await resolveSequelize(project);
  if (resolved.path && !resolved.dialectModule) createRequire(join(resolved.path, 'index.js'))('pg');
}

async function resolveFresh(project: Project): Promise<ResolvedSequelize> {
  const req = createRequire(join(project.cwd, 'package.json'));
  let path: string;
  try {
    path = req.resolve('sequelize');
  } catch {
    const Sequelize = await bundledSequelize();
    const version = (Sequelize as unknown as { version?: string }).version;
    return { Sequelize, source: 'bundled', version, dialectModule: pg };
  }
  const Sequelize = req(path) as SequelizeClass;
  const fromSequelize = createRequire(path);
  let dialectModule: unknown;
  try {
    fromSequelize.resolve('pg');
  } catch {
    dialectModule = pg;
  }
  let version: string | undefined;
  try {
    version = (req('sequelize/package.json') as { version?: string }).version;
  } catch {
    version = (Sequelize as unknown as { version?: string }).version;
  }
  return { Sequelize, source: 'project', path: dirname(path), version, dialectModule };
}

/** Config keys that name the connection target: the caller's URL replaces them. */
const CONNECTION_KEYS = [
  'url',
  'use_env_variable',
  'username',
  'user',
  'password',
  'database',
  'host',
  'port',
  'protocol',
  'dialect',
  'dialectModule',
  'dialectModulePath',
  'storage',
  'replication',
  'logging',
  'benchmark',
  'logQueryParameters',
];

/**
 * Sequelize options for the runner: the project's environment section (dialectOptions such as ssl,
 * define, pool, timezone, ...) minus the connection target, which always comes from `databaseUrl`.
 */
export function sequelizeOptions(
  project: Project,
  applicationName: string,
  resolved: ResolvedSequelize,
  databaseUrl?: string,
): Options & Record<string, unknown> {
  const options: Record<string, unknown> = { ...project.config };
  for (const key of CONNECTION_KEYS) delete options[key];
  for (const key of Object.keys(options)) {
    if (/^(migration|seeder)Storage/.test(key) || key === 'migrationTimestamps') delete options[key];
  }
  const configured = (project.config.dialectOptions as Record<string, unknown> | undefined) ?? {};
  // Sequelize ignores the URL's sslmode/sslrootcert: carry them to pg as `ssl` (the config's own wins).
  const ssl = configured.ssl === undefined && databaseUrl ? sslFromUrl(databaseUrl) : undefined;
  const dialectOptions = {
    ...configured,
    ...(ssl !== undefined ? { ssl } : {}),
    application_name: applicationName,
  };
  return {
    ...options,
    pool: workerPool(options.pool),
    dialect: 'postgres',
    dialectOptions,
    ...(resolved.dialectModule ? { dialectModule: resolved.dialectModule } : {}),
    logging: false,
  };
}

/**
 * The TLS settings of a connection URL (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) as pg's
 * `ssl` option, read by pg's own parser; undefined when the URL sets none.
 */
export function sslFromUrl(databaseUrl: string): unknown {
  try {
    const url = new URL(databaseUrl);
    if (![...url.searchParams.keys()].some((k) => k.startsWith('ssl'))) return undefined;
    return parseConnectionString(databaseUrl).ssl ?? undefined;
  } catch {
    return undefined;
  }
}

/** The URL without `application_name`, which must stay the runner's own to find its backends. */
export function urlWithoutApplicationName(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (!url.searchParams.has('application_name')) return databaseUrl;
    url.searchParams.delete('application_name');
    return url.toString();
  } catch {
    return databaseUrl;
  }
}

/**
 * The project's pool settings made safe for a worker: `min` is always 0 (an idle connection kept open
 * would stop PostgreSQL from copying the database), and values that are not finite numbers (a setting
 * read from an unset variable) are dropped so Sequelize's defaults apply.
 */
export function workerPool(configured: unknown): Record<string, number> {
  const pool: Record<string, number> = {};
  if (configured && typeof configured === 'object') {
    for (const [key, value] of Object.entries(configured as Record<string, unknown>)) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n) && n >= 0) pool[key] = n;
    }
  }
  pool.min = 0;
  if (pool.max !== undefined && pool.max < 1) delete pool.max;
  return pool;
}
