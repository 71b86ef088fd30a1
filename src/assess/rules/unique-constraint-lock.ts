import type { HazardRule } from './types.js';

/** ADD CONSTRAINT UNIQUE / PRIMARY KEY that builds its index under the table's lock. */
export const uniqueConstraintLock: HazardRule = {
  name: 'unique-constraint-lock',
  severity: 'warning',
  summary:
    'ADD CONSTRAINT UNIQUE / PRIMARY KEY builds its index under AccessExclusiveLock: no reads or writes meanwhile.',
  fix: 'CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name.',
  docs: 'docs/rules/unique-constraint-lock.md',
  onAction(action, ctx) {
    if (action.kind !== 'add-unique' || action.usingIndex) return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    ctx.at(
      this,
      `ADD CONSTRAINT ${action.name ?? ''} ${action.primaryKey ? 'PRIMARY KEY' : 'UNIQUE'} on ${t.name} builds its index while the table is locked${ctx.lockNote(action.table)}`,
      t.name,
    );
  },
};
