import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The leak check (globalTeardown): every throwaway server's password starts with this canary, and the
// test helpers record everything Schemabot writes in this folder; the teardown scans it for the canary.
// Set here, in Jest's main process, so that every worker and every process a test starts inherits them.
process.env.SCHEMABOT_PASSWORD_CANARY ??= 'SbCanaryPw';
process.env.SCHEMABOT_TEST_OUTPUTS ??= mkdtempSync(join(tmpdir(), 'schemabot-test-outputs-'));
// The base-state cache of every check the suite runs without a --cache-dir of its own: a folder of this
// run, never the user's ~/.cache; the leak check scans it too.
process.env.SCHEMABOT_TEST_CACHE ??= mkdtempSync(join(tmpdir(), 'schemabot-test-cache-'));
process.env.XDG_CACHE_HOME = process.env.SCHEMABOT_TEST_CACHE;

/** Jest runs as native ESM (the GitHub toolkit packages are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 180000,
  // Three on two cores: with two, the machine was idle a quarter of the suite (files waiting on lock and
  // statement timeouts, servers starting, Docker), which a third file fills; four were slower than three.
  maxWorkers: 3,
  // Once per run: the bundle (dist/) and the folder of the plain JavaScript fixture packages.
  globalSetup: '<rootDir>/__tests__/setup/global.mjs',
  reporters: ['default', '<rootDir>/__tests__/setup/slowest-files.mjs'],
  globalTeardown: '<rootDir>/__tests__/helpers/leak-check.js',
};
