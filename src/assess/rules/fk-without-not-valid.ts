import { relLabel } from '../sql.js';
import type { HazardRule } from './types.js';

/** A validated FOREIGN KEY added to an existing table. */
export const fkWithoutNotValid: HazardRule = {
  name: 'fk-without-not-valid',
  severity: 'warning',
  summary: 'Adding a validated FOREIGN KEY checks every row while blocking writes to both tables.',
  fix: 'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step (ShareUpdateExclusiveLock only).',
  docs: 'docs/rules/fk-without-not-valid.md',
  onAction(action, ctx) {
    if (action.kind !== 'add-foreign-key' || !action.validated) return;
    const t = ctx.existing(action.table, 'table');
    if (!t) return;
    const ref = ctx.existing(action.references, 'table');
    const locks = (ctx.measured?.locks ?? []).filter((l) => l.kind === 'table');
    ctx.at(
      this,
      `FOREIGN KEY ${action.name ?? ''} from ${t.name} to ${ref?.name ?? relLabel(action.references)} added without NOT VALID` +
        (ctx.scanned(action.table)
          ? ': every row was checked (sequential scan measured)'
          : ': every row is checked') +
        (locks.length ? `; it took ${locks.map((l) => ctx.lockText(l, ctx.unit)).join('; ')}` : ''),
      ...locks.map((l) => l.relation),
    );
  },
};
