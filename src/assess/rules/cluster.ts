import type { HazardRule } from './types.js';

/** CLUSTER: a rewrite in index order under AccessExclusiveLock, known without measuring. */
export const cluster: HazardRule = {
  name: 'cluster',
  severity: 'warning',
  summary:
    'CLUSTER rewrites the table in index order under AccessExclusiveLock: no reads or writes for the whole run.',
  fix: 'Use pg_repack (which orders rows online) outside the migration, or leave the physical order alone.',
  docs: 'docs/rules/cluster.md',
  onAction(action, ctx) {
    if (action.kind !== 'cluster') return;
    if (!action.table) {
      ctx.at(
        this,
        'CLUSTER of every previously clustered table takes AccessExclusiveLock (blocks reads and writes) on each in turn while rewriting it',
      );
      return;
    }
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    ctx.explain(t.name);
    ctx.at(
      this,
      `CLUSTER ${t.name} rewrites it under AccessExclusiveLock (blocks reads and writes) for the whole run${ctx.lockNote(action.table)}`,
      t.name,
    );
  },
};
