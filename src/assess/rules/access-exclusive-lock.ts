import type { HazardRule } from './types.js';

/** A measured AccessExclusiveLock on an existing table that no other finding of the migration names. */
export const accessExclusiveLock: HazardRule = {
  name: 'access-exclusive-lock',
  severity: 'info',
  summary:
    'The statement took AccessExclusiveLock on an existing table: no reads or writes until its transaction ends.',
  fix: 'Keep the transaction short, set lock_timeout, and keep slow work (backfills, validation) out of it.',
  docs: 'docs/rules/access-exclusive-lock.md',
  onStatement(ctx) {
    const exclusive = (ctx.measured?.locks ?? []).filter(
      (l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock' && !ctx.named.has(l.relation),
    );
    if (exclusive.length)
      ctx.at(
        this,
        `took ${exclusive.map((l) => ctx.lockText(l, ctx.unit)).join('; ')}`,
        ...exclusive.map((l) => l.relation),
      );
  },
};
