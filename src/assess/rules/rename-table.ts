import type { HazardRule } from './types.js';

/** RENAME of an existing table. */
export const renameTable: HazardRule = {
  name: 'rename-table',
  severity: 'warning',
  summary:
    'Renaming a table breaks the application version still running during the deploy (it uses the old name).',
  fix: 'Rename, then create a view with the old name for the deploy window (or copy and switch over), and drop it later.',
  docs: 'docs/rules/rename-table.md',
  onAction(action, ctx) {
    if (action.kind !== 'rename-table') return;
    const t = ctx.existing(action.table, 'table');
    if (t) ctx.at(this, `renames ${t.name} to ${action.to}`, t.name);
  },
};
