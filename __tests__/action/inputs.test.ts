import { afterEach, expect, test } from '@jest/globals';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readInputs } from '../../src/action/inputs.js';

/** Inputs as the runner passes them: `INPUT_<NAME>` with the hyphens kept. */
const set = (name: string, value: string) => (process.env[`INPUT_${name.toUpperCase()}`] = value);
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
});

test('an unsupported postgres-version is refused in the action’s words, naming the input', () => {
  set('postgres-version', '13');
  expect(() => readInputs('pull_request', undefined)).toThrow(
    'Input "postgres-version" is 13, which is not supported: use a major version from 14 to 18.',
  );
  set('postgres-version', '17');
  expect(readInputs('pull_request', undefined).postgresVersion).toBe(17);
});

test('the models input: off, on or strict, named when wrong', () => {
  expect(readInputs('pull_request', undefined).models).toBeUndefined();
  set('models', 'strict');
  expect(readInputs('pull_request', undefined).models).toBe('strict');
  set('models', 'all');
  expect(() => readInputs('pull_request', undefined)).toThrow(/Input "models"/);
});

test('runner: auto, sequelize or alembic, named when wrong; python: the interpreter, as written', () => {
  expect(readInputs('pull_request', undefined)).toMatchObject({ runner: 'auto', python: undefined });
  set('runner', 'alembic');
  set('python', ' /opt/venv/bin/python ');
  expect(readInputs('pull_request', undefined)).toMatchObject({
    runner: 'alembic',
    python: '/opt/venv/bin/python',
  });
  set('runner', 'django');
  expect(() => readInputs('pull_request', undefined)).toThrow(
    'Input "runner" is "django"; expected one of: auto, sequelize, alembic.',
  );
});

test('cache: on by default in ~/.cache/schemabot (or $XDG_CACHE_HOME/schemabot); cache-dir moves it; cache: false turns it off', () => {
  const xdg = process.env.XDG_CACHE_HOME;
  const workspace = process.env.GITHUB_WORKSPACE;
  try {
    delete process.env.XDG_CACHE_HOME;
    expect(readInputs('pull_request', undefined).cacheDir).toBe(join(homedir(), '.cache', 'schemabot'));
    process.env.XDG_CACHE_HOME = '/var/cache/ci';
    expect(readInputs('pull_request', undefined).cacheDir).toBe('/var/cache/ci/schemabot');
    set('cache-dir', '~/states');
    expect(readInputs('pull_request', undefined).cacheDir).toBe(join(homedir(), 'states'));
    process.env.GITHUB_WORKSPACE = '/home/runner/work/app/app';
    set('cache-dir', '.schemabot-cache');
    expect(readInputs('pull_request', undefined).cacheDir).toBe('/home/runner/work/app/app/.schemabot-cache');
    set('cache', 'false');
    expect(readInputs('pull_request', undefined).cacheDir).toBeUndefined();
    set('cache', 'no');
    expect(() => readInputs('pull_request', undefined)).toThrow(
      'Input "cache" is "no"; expected true or false.',
    );
  } finally {
    if (xdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = xdg;
    if (workspace === undefined) delete process.env.GITHUB_WORKSPACE;
    else process.env.GITHUB_WORKSPACE = workspace;
  }
});
