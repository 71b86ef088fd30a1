import type { HazardRule } from './types.js';

/** TRUNCATE of an existing table: every row is gone, under AccessExclusiveLock. */
export const truncateTable: HazardRule = {
  name: 'truncate-table',
  severity: 'error',
  summary:
    'TRUNCATE deletes every row of an existing table (no down can bring them back) and holds AccessExclusiveLock meanwhile.',
  fix: 'Delete the rows you mean to delete with a bounded DELETE in batches, or drop the table in a later release once nothing uses it; never empty a live table in a migration.',
  docs: 'docs/rules/truncate-table.md',
  onAction(action, ctx) {
    if (action.kind !== 'truncate') return;
    for (const rel of action.tables) {
      const t = ctx.existing(rel, 'table');
      if (!t) continue;
      ctx.explain(t.name);
      ctx.at(this, `empties ${t.name}: every row is deleted${ctx.lockNote(rel)}`, t.name);
    }
  },
};
