import type { HazardRule } from './types.js';

/** CREATE/DROP INDEX without CONCURRENTLY on an existing table. */
export const nonConcurrentIndex: HazardRule = {
  name: 'non-concurrent-index',
  severity: 'warning',
  summary:
    'CREATE INDEX or DROP INDEX without CONCURRENTLY on an existing table blocks its writes (DROP: reads too) for the whole operation.',
  fix: 'Use CREATE/DROP INDEX CONCURRENTLY (addIndex/removeIndex with { concurrently: true }) in a migration that does not open a transaction.',
  docs: 'docs/rules/non-concurrent-index.md',
  onAction(action, ctx) {
    if (action.kind === 'create-index') {
      const t = ctx.existing(action.table, 'table');
      if (!t || action.concurrent) return;
      ctx.at(
        this,
        `CREATE ${action.unique ? 'UNIQUE ' : ''}INDEX${action.index ? ` ${action.index}` : ''} on ${t.name} without CONCURRENTLY${ctx.lockNote(action.table)}; writes to the table wait for the whole index build`,
        t.name,
      );
    } else if (action.kind === 'drop-index') {
      if (action.concurrent) return;
      const idx = action.indexes.map((i) => ctx.existing(i, 'index')).filter((i) => i !== undefined);
      if (!idx.length) return;
      const tableLocks = (ctx.measured?.locks ?? []).filter(
        (l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock',
      );
      ctx.at(
        this,
        `DROP INDEX ${idx.map((i) => i.name).join(', ')} without CONCURRENTLY` +
          (tableLocks.length
            ? `; it took ${tableLocks.map((l) => ctx.lockText(l, ctx.unit)).join('; ')}`
            : '; it locks the table'),
        ...tableLocks.map((l) => l.relation),
      );
    }
  },
};
