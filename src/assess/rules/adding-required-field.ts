import type { HazardRule } from './types.js';

/**
 * A NOT NULL column without a default added to an existing table, or whose default is dropped in the
 * same migration: it fails on the first row (an existing one, or the first insert of the application
 * version still running, which does not know the column).
 */
export const addingRequiredField: HazardRule = {
  name: 'adding-required-field',
  severity: 'error',
  summary:
    'A NOT NULL column without a default on an existing table fails on the first row: an existing one, or the first insert of the application version still running.',
  fix: 'Add the column as nullable (or NOT NULL with a constant default and keep the default); backfill in batches; SET NOT NULL in a later release once every writer sets it.',
  docs: 'docs/rules/adding-required-field.md',
  onAction(action, ctx) {
    const withDefault = ctx.state<Map<string, string>>(this, () => new Map());
    if (action.kind === 'add-column') {
      const t = ctx.existing(action.table, 'table');
      if (!t || !action.notNull) return;
      if (action.default) {
        withDefault.set(`${t.name}.${action.column}`, ctx.label(ctx.unit));
        return;
      }
      const refused = ctx.unit.observed?.code === '23502';
      ctx.at(
        this,
        `adds ${t.name}.${action.column} ${action.type} NOT NULL without a default: ` +
          (refused
            ? 'PostgreSQL refused it on the rows the table already had'
            : 'it fails on the first existing row, and inserts of the running application version fail'),
        t.name,
      );
    } else if (action.kind === 'drop-default') {
      const t = ctx.existing(action.table, 'table');
      const added = t && withDefault.get(`${t.name}.${action.column}`);
      if (!t || !added) return;
      ctx.at(
        this,
        `drops the default of ${t.name}.${action.column}, added NOT NULL in ${added}: inserts of the running application version, which does not set it, fail`,
        t.name,
      );
    }
  },
};
