import type { RelationLock } from '../../inspect/locks.js';
import type { HazardRule, Unit } from './types.js';

interface First {
  unit: Unit;
  table: string;
  lock?: RelationLock;
}

/** The first AccessExclusiveLock on an existing table, taken with no lock_timeout in force. */
export const missingLockTimeout: HazardRule = {
  name: 'missing-lock-timeout',
  severity: 'warning',
  summary:
    'The migration takes AccessExclusiveLock on an existing table without setting lock_timeout first: while it waits behind a long query, every other query on the table queues behind it.',
  fix: "SET lock_timeout = '5s' (SET LOCAL inside the migration's transaction) before the first such statement, and retry on timeout.",
  docs: 'docs/rules/missing-lock-timeout.md',
  onStatement(ctx) {
    const found = ctx.state<{ first?: First }>(this, () => ({}));
    if (found.first || ctx.tx.sessionTimeout || ctx.tx.localTimeout) return;
    const lock = ctx.measured?.locks.find((l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock');
    const table = ctx.measured ? lock?.relation : ctx.exclusiveByParse;
    if (!table) return;
    found.first = { unit: ctx.unit, table, ...(lock ? { lock } : {}) };
    // This finding names the table and its lock: no access-exclusive-lock repeats it.
    ctx.cover(table);
  },
  onEnd(ctx) {
    const first = ctx.state<{ first?: First }>(this, () => ({})).first;
    if (!first) return;
    ctx.report(
      this,
      first.unit,
      first.lock
        ? `takes ${ctx.lockText(first.lock, first.unit)}, without setting lock_timeout first`
        : `takes AccessExclusiveLock on ${first.table} without setting lock_timeout first`,
      [first.table],
    );
  },
};
