import { afterEach, expect, test } from '@jest/globals';
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
