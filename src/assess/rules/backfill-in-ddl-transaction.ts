import { relLabel } from '../sql.js';
import type { HazardRule } from './types.js';

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value * 10) / 10} ms`;
}

/**
 * An INSERT/UPDATE/DELETE/MERGE on a table whose AccessExclusiveLock the same transaction already
 * holds (ALTER TABLE … then a backfill): no read or write of the table until the backfill ends.
 */
export const backfillInDdlTransaction: HazardRule = {
  name: 'backfill-in-ddl-transaction',
  severity: 'warning',
  summary:
    'A backfill (UPDATE/INSERT/DELETE) runs in the transaction that holds AccessExclusiveLock on its table: the table stays locked for the whole backfill.',
  fix: 'Commit the DDL first (its own migration or transaction), then backfill in batches outside it; each batch takes only row locks.',
  docs: 'docs/rules/backfill-in-ddl-transaction.md',
  onAction(action, ctx) {
    if (action.kind !== 'dml') return;
    const t = ctx.existing(action.table, 'table');
    const name = t?.name ?? relLabel(action.table);
    const taker = ctx.tx.exclusive.get(name);
    if (!t || !taker || taker === ctx.unit) return;
    const took =
      ctx.unit.observed && !ctx.unit.observed.error
        ? `; it took ${ms(ctx.unit.observed.ms)} in the replay, on its rows`
        : '';
    ctx.at(
      this,
      `${action.verb} on ${t.name} runs while the transaction holds AccessExclusiveLock on it since ${ctx.label(taker)} (${quote(taker.sql)})${took}: every row it touches keeps the table locked longer`,
      t.name,
    );
  },
};

function quote(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 59) + '…' : one;
}
