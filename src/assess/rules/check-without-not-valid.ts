import type { HazardRule } from './types.js';

/** A validated CHECK constraint added to an existing table. */
export const checkWithoutNotValid: HazardRule = {
  name: 'check-without-not-valid',
  severity: 'warning',
  summary: 'Adding a validated CHECK constraint reads every row under AccessExclusiveLock.',
  fix: 'ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step.',
  docs: 'docs/rules/check-without-not-valid.md',
  onAction(action, ctx) {
    if (action.kind !== 'add-check' || !action.validated) return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    ctx.at(
      this,
      `CHECK constraint ${action.name ?? ''} on ${t.name} added without NOT VALID` +
        (ctx.scanned(action.table)
          ? ': every row was read (sequential scan measured)'
          : ': every row is read') +
        ctx.lockNote(action.table),
      t.name,
    );
  },
};
