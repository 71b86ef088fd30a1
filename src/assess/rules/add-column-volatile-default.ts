import type { HazardRule } from './types.js';

/** Functions whose value changes per row: a default calling one forces a table rewrite (when nothing was measured). */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
]);

/** ADD COLUMN whose default is evaluated per row (or any default before PostgreSQL 11): a rewrite. */
export const addColumnVolatileDefault: HazardRule = {
  name: 'add-column-volatile-default',
  severity: 'warning',
  summary:
    'ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial) rewrites the table.',
  fix: 'Add the column without a default (or with a constant one), then SET DEFAULT and backfill existing rows in batches.',
  docs: 'docs/rules/add-column-volatile-default.md',
  onAction(action, ctx) {
    if (action.kind !== 'add-column' || !action.default) return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    const rewritten = ctx.tableRewritten(action.table);
    const volatile =
      ctx.rewritesMeasured !== undefined
        ? rewritten !== undefined
        : ctx.postgresMajor < 11 || action.default.functions.some((f) => VOLATILE_FUNCTIONS.has(f));
    if (!volatile) return;
    ctx.explain(t.name);
    const what = action.default.generated === 'serial' ? `${action.type} ` : '';
    const key = action.primaryKey
      ? '; its PRIMARY KEY index is built while the table is locked (CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX)'
      : '';
    ctx.at(
      this,
      `ADD COLUMN ${action.column} ${what}with a default ` +
        (rewritten
          ? `${ctx.rewriteText(rewritten)}${ctx.lockNote(action.table)}`
          : `that is evaluated per row rewrites ${t.name} on PostgreSQL ${ctx.postgresMajor}`) +
        key,
      t.name,
    );
  },
};
