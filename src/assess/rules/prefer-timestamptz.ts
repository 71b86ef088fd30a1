import { tableName } from './design.js';
import type { HazardRule } from './types.js';

const isTimestamp = (type: string): boolean => /^timestamp(\(|\[|$)/.test(type);

/** A `timestamp` (without time zone) column. Off unless configured. */
export const preferTimestamptz: HazardRule = {
  name: 'prefer-timestamptz',
  severity: 'warning',
  optIn: true,
  summary:
    'timestamp without time zone stores wall-clock time with no zone: values shift silently when servers or sessions change zone.',
  fix: 'Use timestamptz (timestamp with time zone; Sequelize DataTypes.DATE).',
  docs: 'docs/rules/prefer-timestamptz.md',
  onAction(action, ctx) {
    if (action.kind === 'create-table') {
      for (const c of action.columns)
        if (isTimestamp(c.type))
          ctx.at(this, `${tableName(action.table)}.${c.name} is timestamp without time zone`);
    } else if (action.kind === 'add-column' && isTimestamp(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} is timestamp without time zone`);
    } else if (action.kind === 'alter-column-type' && isTimestamp(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} becomes timestamp without time zone`);
    }
  },
};
