import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  SqlError,
  fingerprint,
  fingerprintSync,
  formatSqlError,
  hasSqlDetails,
  loadModule,
  normalize,
  normalizeSync,
  parse,
  parsePlPgSQL,
  parsePlPgSQLSync,
  parseSync,
  scan,
  scanSync
} from "./chunk-C36D5FHX.js";
import "./chunk-CHXII7AT.js";
export {
  SqlError,
  fingerprint,
  fingerprintSync,
  formatSqlError,
  hasSqlDetails,
  loadModule,
  normalize,
  normalizeSync,
  parse,
  parsePlPgSQL,
  parsePlPgSQLSync,
  parseSync,
  scan,
  scanSync
};
