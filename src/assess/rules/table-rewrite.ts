import type { HazardRule } from './types.js';

/** A measured rewrite of an existing table that no more specific rule explains. */
export const tableRewrite: HazardRule = {
  name: 'table-rewrite',
  severity: 'warning',
  summary:
    'The statement replaced the table’s data file (relfilenode changed): every row is copied under AccessExclusiveLock.',
  fix: 'Find a rewrite-free form (see the other rules), or add a new column, backfill it in batches and switch over.',
  docs: 'docs/rules/table-rewrite.md',
  onStatement(ctx) {
    const before = ctx.observation?.before;
    for (const name of ctx.rewritesMeasured?.rewrites ?? []) {
      const rel = before?.find((r) => r.name === name);
      if (rel?.kind !== 'table' || ctx.explained.has(name)) continue;
      const l = ctx.measured?.locks.find((x) => x.relation === name);
      ctx.at(this, `${ctx.rewriteText(name)}${l ? `; it took ${ctx.lockText(l, ctx.unit)}` : ''}`, name);
    }
  },
};
