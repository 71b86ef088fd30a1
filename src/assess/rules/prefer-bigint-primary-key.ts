import { readableType, tableName } from './design.js';
import type { HazardRule } from './types.js';

const SMALL_KEYS = new Set(['int2', 'int4', 'serial', 'serial4', 'smallserial', 'serial2']);

/** A new table (or column) whose primary key is a 32- or 16-bit integer. Off unless configured. */
export const preferBigintPrimaryKey: HazardRule = {
  name: 'prefer-bigint-primary-key',
  severity: 'warning',
  optIn: true,
  summary:
    'An integer (32-bit) primary key runs out at 2,147,483,647 rows; changing it later rewrites the table and every referencing one.',
  fix: 'Declare the key bigint (Sequelize: DataTypes.BIGINT with autoIncrement, or bigserial / GENERATED AS IDENTITY on bigint).',
  docs: 'docs/rules/prefer-bigint-primary-key.md',
  onAction(action, ctx) {
    if (action.kind === 'create-table') {
      for (const c of action.columns) {
        if (!c.primaryKey || !SMALL_KEYS.has(c.type)) continue;
        ctx.at(this, `${tableName(action.table)}.${c.name} is a ${readableType(c.type)} primary key`);
      }
    } else if (action.kind === 'add-column' && action.primaryKey && SMALL_KEYS.has(action.type)) {
      ctx.at(
        this,
        `${tableName(action.table)}.${action.column} is a ${readableType(action.type)} primary key`,
      );
    }
  },
};
