import { readableType, tableName } from './design.js';
import type { HazardRule } from './types.js';

const isChar = (type: string): boolean => /^bpchar(\(|\[|$)/.test(type);

/** A `char(n)` column. Off unless configured. */
export const banCharField: HazardRule = {
  name: 'ban-char-field',
  severity: 'warning',
  optIn: true,
  summary:
    'char(n) pads values with spaces, compares them ignoring the padding and is no faster than text or varchar.',
  fix: 'Use text (or varchar(n), or text with a CHECK on its length).',
  docs: 'docs/rules/ban-char-field.md',
  onAction(action, ctx) {
    if (action.kind === 'create-table') {
      for (const c of action.columns)
        if (isChar(c.type)) ctx.at(this, `${tableName(action.table)}.${c.name} is ${readableType(c.type)}`);
    } else if (action.kind === 'add-column' && isChar(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} is ${readableType(action.type)}`);
    } else if (action.kind === 'alter-column-type' && isChar(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} becomes ${readableType(action.type)}`);
    }
  },
};
