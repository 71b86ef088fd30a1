import type { HazardRule } from './types.js';

/** ALTER COLUMN TYPE that rewrote the table (binary-compatible changes are measured as no rewrite). */
export const columnTypeChange: HazardRule = {
  name: 'column-type-change',
  severity: 'warning',
  summary: 'Changing a column’s type rewrote the table (and rebuilt its indexes) under AccessExclusiveLock.',
  fix: 'Add a column of the new type, backfill in batches, switch the application, drop the old one; binary-compatible changes (varchar(n) to text or a larger n) need no rewrite.',
  docs: 'docs/rules/column-type-change.md',
  onAction(action, ctx) {
    if (action.kind !== 'alter-column-type') return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    const rewritten = ctx.tableRewritten(action.table);
    if (ctx.rewritesMeasured && !rewritten) return;
    ctx.explain(t.name);
    ctx.at(
      this,
      `changing ${t.name}.${action.column} to ${action.type} ` +
        (rewritten
          ? `${ctx.rewriteText(rewritten)}${ctx.lockNote(action.table)}`
          : 'rewrites the table unless the types are binary compatible'),
      t.name,
    );
  },
};
