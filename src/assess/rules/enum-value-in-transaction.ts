import type { HazardRule, Unit } from './types.js';

interface Added {
  type: string;
  value: string;
  unit: Unit;
  reported: boolean;
}

/** A new enum value added in a transaction block (before PostgreSQL 12), or used in the transaction that added it. */
export const enumValueInTransaction: HazardRule = {
  name: 'enum-value-in-transaction',
  severity: 'error',
  summary:
    'ALTER TYPE ... ADD VALUE inside a transaction block (refused before PostgreSQL 12), or the new value used in the transaction that added it (refused on every version).',
  fix: 'Add the enum value in its own migration without a transaction, and use it in a later one.',
  docs: 'docs/rules/enum-value-in-transaction.md',
  onAction(action, ctx) {
    const added = ctx.state<Added[]>(this, () => []);
    if (action.kind === 'transaction' && (action.what === 'commit' || action.what === 'rollback')) {
      added.length = 0;
    }
    if (action.kind !== 'add-enum-value' || !ctx.tx.open) return;
    if (ctx.postgresMajor < 12) {
      ctx.at(
        this,
        `ALTER TYPE ${action.type} ADD VALUE '${action.value}' runs inside a transaction block, which PostgreSQL ${ctx.postgresMajor} refuses`,
      );
    }
    added.push({ type: action.type, value: action.value, unit: ctx.unit, reported: false });
  },
  onStatement(ctx) {
    const observed = ctx.unit.observed;
    const refused = observed?.code === '55P04';
    for (const add of ctx.state<Added[]>(this, () => [])) {
      if (add.unit === ctx.unit || add.reported) continue;
      const uses = refused || (!observed && ctx.parsed.literals.includes(add.value));
      if (!uses) continue;
      add.reported = true;
      ctx.at(
        this,
        `uses the enum value '${add.value}' in the transaction that added it (${ctx.label(add.unit)})` +
          (refused ? `; PostgreSQL refused it: ${observed!.error}` : ''),
      );
    }
  },
};
