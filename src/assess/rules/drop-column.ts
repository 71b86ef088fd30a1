import type { HazardRule } from './types.js';

/** DROP COLUMN on an existing table. */
export const dropColumn: HazardRule = {
  name: 'drop-column',
  severity: 'error',
  summary:
    'Dropping a column loses its data, and the application version still running selects it until the deploy ends.',
  fix: 'First release code that no longer uses the column (remove it from the model), then drop it in a later migration.',
  docs: 'docs/rules/drop-column.md',
  onAction(action, ctx) {
    if (action.kind !== 'drop-column') return;
    const t = ctx.existing(action.table, 'table');
    if (t) ctx.at(this, `drops column ${t.name}.${action.column} and its data`, t.name);
  },
};
