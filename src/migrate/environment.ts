import { passwordInUrl } from '../shared/secrets.js';
import type { RunnerSettings } from './settings.js';

/**
 * The environment of a worker. The project's code sees the step's environment, except that every
 * variable a project would point at a database points at the database Schemabot chose: `DATABASE_URL`
 * always, the config's `use_env_variable`, libpq's `PG*` variables, and the `env:` mapping of
 * `.schemabot.yml`. Outside a real production run, no variable holds a production password.
 */

/** Where a worker's database is: a throwaway one (check, models, rehearsals, dry runs) or production. */
export type TargetKind = 'throwaway' | 'production';

/** Stands for the throwaway database until it exists (a config read at load time parses it; nothing connects). */
export const PLACEHOLDER_URL = 'postgres://schemabot:schemabot@127.0.0.1:9/schemabot_pending';

const LIBPQ_TARGET = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'];
const LIBPQ_INDIRECT = [
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGPASSFILE',
  'PGSSLMODE',
  'PGSSLROOTCERT',
  'PGSSLCERT',
  'PGSSLKEY',
];

/** The parts of a connection URL, for the `{host}`-style placeholders. */
export function urlParts(
  url: string,
): Record<'url' | 'host' | 'port' | 'user' | 'password' | 'database', string> {
  const u = new URL(url);
  return {
    url,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port || '5432',
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
}

/** `value` with its placeholders filled in from `url`. */
export function fillPlaceholders(value: string, url: string): string {
  const parts = urlParts(url);
  return value.replace(
    /\{(url|host|port|user|password|database)\}/g,
    (_m, key: keyof typeof parts) => parts[key],
  );
}

/** Passwords of the step's environment that may reach a real database: any URL's, and `PGPASSWORD`. */
export function outsidePasswords(env: NodeJS.ProcessEnv, extraUrls: (string | undefined)[] = []): string[] {
  const out = new Set<string>();
  const add = (password: string | undefined): void => {
    if (password && password.length >= 3) out.add(password);
  };
  for (const value of [...Object.values(env), ...extraUrls]) {
    if (!value || !value.includes('@')) continue;
    for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@]*@[^\s]*/gi)) {
      const password = passwordInUrl(m[0]);
      add(password);
      if (password) add(safeDecode(password));
    }
  }
  add(env.PGPASSWORD);
  return [...out];
}

/** The variables that point the project at `url`: set when the worker opens its database. */
export function targetVariables(
  url: string,
  settings: RunnerSettings,
  options: { urlEnvVariable?: string; applicationName?: string },
): Record<string, string> {
  const parts = urlParts(url);
  const vars: Record<string, string> = {
    DATABASE_URL: url,
    PGHOST: parts.host,
    PGPORT: parts.port,
    PGUSER: parts.user,
    PGPASSWORD: parts.password,
    PGDATABASE: parts.database,
  };
  if (options.urlEnvVariable) vars[options.urlEnvVariable] = url;
  if (options.applicationName) vars.PGAPPNAME = options.applicationName;
  for (const [name, value] of Object.entries(settings.env)) vars[name] = fillPlaceholders(value, url);
  return vars;
}

/**
 * The environment a worker starts with. For a throwaway target, every variable holding a password of
 * the step's environment (or of `protectedUrls`, e.g. the production URL of a dry run) is left out,
 * and so are libpq's indirections (service files, password files).
 */
export function spawnEnvironment(
  kind: TargetKind,
  url: string,
  settings: RunnerSettings,
  options: { urlEnvVariable?: string; protectedUrls?: (string | undefined)[] } = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (kind === 'throwaway') {
    const secrets = outsidePasswords(process.env, options.protectedUrls ?? []);
    const urls = (options.protectedUrls ?? []).filter((u): u is string => Boolean(u));
    for (const [name, value] of Object.entries(env)) {
      if (!value) continue;
      if (secrets.some((s) => value.includes(s)) || urls.some((u) => value.includes(u))) delete env[name];
    }
    for (const name of [...LIBPQ_TARGET, ...LIBPQ_INDIRECT]) delete env[name];
  }
  // Nothing of Schemabot's own test or debug settings leaks into the project's process.
  delete env.NODE_V8_COVERAGE;
  Object.assign(env, targetVariables(url, settings, { urlEnvVariable: options.urlEnvVariable }));
  return env;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
