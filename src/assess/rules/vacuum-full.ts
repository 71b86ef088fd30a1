import type { HazardRule } from './types.js';

/** VACUUM FULL: a rewrite under AccessExclusiveLock, known without measuring (it cannot run in a transaction). */
export const vacuumFull: HazardRule = {
  name: 'vacuum-full',
  severity: 'warning',
  summary:
    'VACUUM FULL rewrites the table under AccessExclusiveLock: no reads or writes for the whole run (it cannot run in a transaction, so lock_timeout must be set for the session).',
  fix: 'Leave space reclaim to autovacuum, or use pg_repack / pg_squeeze outside the migration; never in a deploy.',
  docs: 'docs/rules/vacuum-full.md',
  onAction(action, ctx) {
    if (action.kind !== 'vacuum-full') return;
    if (!action.tables.length) {
      ctx.at(
        this,
        'VACUUM FULL of every table in the database takes AccessExclusiveLock (blocks reads and writes) on each in turn while rewriting it',
      );
      return;
    }
    for (const rel of action.tables) {
      const t = ctx.existing(rel, 'table');
      if (!t) continue;
      ctx.explain(t.name);
      ctx.at(
        this,
        `VACUUM FULL ${t.name} rewrites it under AccessExclusiveLock (blocks reads and writes) for the whole run`,
        t.name,
      );
    }
  },
};
