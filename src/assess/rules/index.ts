import { accessExclusiveLock } from './access-exclusive-lock.js';
import { addColumnVolatileDefault } from './add-column-volatile-default.js';
import { addingRequiredField } from './adding-required-field.js';
import { backfillInDdlTransaction } from './backfill-in-ddl-transaction.js';
import { banCharField } from './ban-char-field.js';
import { checkWithoutNotValid } from './check-without-not-valid.js';
import { cluster } from './cluster.js';
import { columnTypeChange } from './column-type-change.js';
import { dropColumn } from './drop-column.js';
import { dropTable } from './drop-table.js';
import { enumValueInTransaction } from './enum-value-in-transaction.js';
import { fkWithoutNotValid } from './fk-without-not-valid.js';
import { missingLockTimeout } from './missing-lock-timeout.js';
import { nonConcurrentIndex } from './non-concurrent-index.js';
import { preferBigintPrimaryKey } from './prefer-bigint-primary-key.js';
import { preferTimestamptz } from './prefer-timestamptz.js';
import { renameColumn } from './rename-column.js';
import { renameTable } from './rename-table.js';
import { setNotNullScan } from './set-not-null-scan.js';
import { tableRewrite } from './table-rewrite.js';
import { truncateTable } from './truncate-table.js';
import { uniqueConstraintLock } from './unique-constraint-lock.js';
import { vacuumFull } from './vacuum-full.js';
import type { HazardRule } from './types.js';

export type * from './types.js';

/**
 * Every hazard rule, in the order they run on a statement. Rules that explain a rewrite (and so keep
 * `table-rewrite` quiet) or name a table (and so keep `access-exclusive-lock` quiet, as
 * `missing-lock-timeout` does for the lock it reports) come before those.
 */
export const RULES: readonly HazardRule[] = [
  nonConcurrentIndex,
  addColumnVolatileDefault,
  addingRequiredField,
  setNotNullScan,
  checkWithoutNotValid,
  fkWithoutNotValid,
  uniqueConstraintLock,
  columnTypeChange,
  dropColumn,
  dropTable,
  renameColumn,
  renameTable,
  truncateTable,
  vacuumFull,
  cluster,
  backfillInDdlTransaction,
  enumValueInTransaction,
  preferBigintPrimaryKey,
  preferTimestamptz,
  banCharField,
  tableRewrite,
  missingLockTimeout,
  accessExclusiveLock,
];
