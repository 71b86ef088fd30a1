import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { EnvironmentError } from '../shared/errors.js';

/** What `.schemabot.yml` says about how to run the project's code (the rest is the assess stage's). */
export interface RunnerSettings {
  /** Variables for the worker; values may hold `{url} {host} {port} {user} {password} {database}`. */
  env: Record<string, string>;
  /** Modules Node loads before the project's code (`--require`/`--import`), in order. */
  loaders: LoaderSpec[];
  /** `none`: do not read the project's config file. */
  config?: 'none';
  /** A SQL file (pg_dump output) applied before the first migration, relative to the project. */
  baseline?: string;
  /** `false`: `check` keeps no base state in the cache folder (`cache.ts`). */
  cache?: false;
}

export interface LoaderSpec {
  flag: '--require' | '--import';
  module: string;
}

const FILES = ['.schemabot.yml', '.schemabot.yaml'];
export const PLACEHOLDERS = ['url', 'host', 'port', 'user', 'password', 'database'] as const;

/**
 * A `loader:` value as Node flags: `--import NAME` / `--require NAME` as written, else `--import` for
 * `tsx` and ES-module hooks (names ending in `.mjs` or `/esm`), `--require` for the rest (`@babel/register`,
 * `ts-node/register`, ...).
 */
export function loaderSpec(value: string): LoaderSpec {
  const m = /^(--import|--require|-r)[\s=]+(.+)$/.exec(value.trim());
  if (m) return { flag: m[1] === '--import' ? '--import' : '--require', module: m[2]!.trim() };
  const module = value.trim();
  const esm = module === 'tsx' || module.endsWith('.mjs') || /\/esm$/.test(module);
  return { flag: esm ? '--import' : '--require', module };
}

/** Reads the runner keys of the project's `.schemabot.yml` (none of them: the defaults). */
export function readRunnerSettings(cwd: string): RunnerSettings {
  const settings: RunnerSettings = { env: {}, loaders: [] };
  const name = FILES.find((f) => existsSync(join(cwd, f)));
  if (!name) return settings;
  const doc = parseDocument(readFileSync(join(cwd, name), 'utf8'));
  if (doc.errors.length || !isMap(doc.contents)) return settings; // the assess stage reports a broken file
  const bad = (key: string, what: string): never => {
    throw new EnvironmentError(`${name}: "${key}" ${what}`, { setting: `${name} "${key}"` });
  };
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    if (key === 'env') {
      if (!isMap(value)) bad('env', 'must map variable names to values, e.g. `env: { DB_URI: "{url}" }`.');
      for (const item of (value as { items: { key: unknown; value: unknown }[] }).items) {
        const k = isScalar(item.key) ? String(item.key.value) : '';
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad('env', `has a key that is not a variable name: "${k}".`);
        if (!isScalar(item.value) || item.value.value === null || typeof item.value.value === 'object') {
          bad('env', `value of ${k} must be a string (placeholders: {${PLACEHOLDERS.join('} {')}}).`);
        }
        const v = String((item.value as { value: unknown }).value);
        const unknown = [...v.matchAll(/\{([a-z_]+)\}/g)]
          .map((x) => x[1]!)
          .find((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
        if (unknown)
          bad('env', `value of ${k} uses {${unknown}}; placeholders are {${PLACEHOLDERS.join('} {')}}.`);
        settings.env[k] = v;
      }
    } else if (key === 'loader') {
      const items = isSeq(value) ? value.items : [value];
      for (const item of items) {
        if (!isScalar(item) || typeof item.value !== 'string' || item.value.trim() === '') {
          bad(
            'loader',
            'must name a module Node loads first (e.g. `loader: tsx` or `loader: "--require @babel/register"`).',
          );
        }
        settings.loaders.push(loaderSpec(String((item as { value: unknown }).value)));
      }
    } else if (key === 'config') {
      if (!isScalar(value) || value.value !== 'none')
        bad('config', 'accepts only `none` (run without the config file).');
      settings.config = 'none';
    } else if (key === 'baseline') {
      if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
        bad('baseline', 'must name a SQL file (pg_dump output), relative to the project.');
      }
      const file = String((value as { value: unknown }).value);
      if (!existsSync(join(cwd, file))) {
        bad('baseline', `names ${file}, which does not exist. Fix the path (relative to ${name}'s folder).`);
      }
      settings.baseline = file;
    } else if (key === 'cache') {
      if (!isScalar(value) || typeof value.value !== 'boolean') {
        bad('cache', 'accepts true or false (false: keep no base state in the cache folder).');
      }
      if ((value as { value: unknown }).value === false) settings.cache = false;
    }
  }
  return settings;
}
