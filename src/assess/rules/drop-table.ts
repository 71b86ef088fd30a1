import type { HazardRule } from './types.js';

/** DROP TABLE of an existing table. */
export const dropTable: HazardRule = {
  name: 'drop-table',
  severity: 'error',
  summary:
    'Dropping a table loses its data, and the application version still running uses it until the deploy ends.',
  fix: 'First release code that no longer uses the table, back it up if needed, then drop it in a later migration.',
  docs: 'docs/rules/drop-table.md',
  onAction(action, ctx) {
    if (action.kind !== 'drop-table') return;
    const tables = action.tables.map((r) => ctx.existing(r, 'table')).filter((r) => r !== undefined);
    if (!tables.length) return;
    ctx.at(
      this,
      `drops ${tables.map((r) => r.name).join(', ')} and ${tables.length > 1 ? 'their' : 'its'} data`,
      ...tables.map((r) => r.name),
    );
  },
};
