import type { HazardRule } from './types.js';

/** SET NOT NULL that reads the whole table (no validated IS NOT NULL check to rely on). */
export const setNotNullScan: HazardRule = {
  name: 'set-not-null-scan',
  severity: 'warning',
  summary: 'SET NOT NULL read the whole table under AccessExclusiveLock to check for NULLs.',
  fix: 'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (separate step); then SET NOT NULL (no scan) and DROP CONSTRAINT c.',
  docs: 'docs/rules/set-not-null-scan.md',
  onAction(action, ctx) {
    if (action.kind !== 'set-not-null') return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    if (ctx.measured && !ctx.scanned(action.table)) return;
    ctx.at(
      this,
      `SET NOT NULL on ${t.name}.${action.column} ` +
        (ctx.measured
          ? `read the whole table (sequential scan measured)${ctx.lockNote(action.table)}`
          : 'reads the whole table to check for NULLs'),
      t.name,
    );
  },
};
