import type { HazardRule } from './types.js';

/** RENAME COLUMN on an existing table. */
export const renameColumn: HazardRule = {
  name: 'rename-column',
  severity: 'warning',
  summary:
    'Renaming a column breaks the application version still running during the deploy (it uses the old name).',
  fix: 'Expand and contract: add the new column, write both, backfill, switch reads, then drop the old column later.',
  docs: 'docs/rules/rename-column.md',
  onAction(action, ctx) {
    if (action.kind !== 'rename-column') return;
    const t = ctx.existing(action.table, 'table');
    if (t) ctx.at(this, `renames ${t.name}.${action.from} to ${action.to}`, t.name);
  },
};
