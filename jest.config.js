/** Jest runs as native ESM (the GitHub toolkit packages are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 180000,
  maxWorkers: 2,
  // The bundle (dist/) is built once per run; tests copy it (buildBundle()).
  globalSetup: '<rootDir>/__tests__/setup/bundle.mjs',
  reporters: ['default', '<rootDir>/__tests__/setup/slowest-files.mjs'],
};
