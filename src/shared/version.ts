import { createRequire } from 'node:module';

/** package.json's version, put in by the build (`scripts/build.mjs`); read from the file when run from source. */
declare const __SCHEMABOT_VERSION__: string | undefined;

export const SCHEMABOT_VERSION: string =
  typeof __SCHEMABOT_VERSION__ === 'string'
    ? __SCHEMABOT_VERSION__
    : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
