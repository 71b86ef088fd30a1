import { ROW_COUNT_CAP } from '../inspect/rows.js';
import { metaTableOf } from '../migrate/meta.js';
import type { ApplyStop } from '../migrate/production/apply.js';
import type { RehearsalStop } from '../migrate/production/rehearse.js';
import type { RevertBlocker } from '../migrate/production/revert.js';
import type { Project } from '../migrate/project.js';
import type { DataLoss, MigrationState, ProductionStep } from './contract/production.js';
import { knob, withHint, type FrontEnd } from '../shared/wording.js';

/**
 * What an upgrade, rollback or status says when it refuses or stops (the report's `error`): each names
 * what happened, what state production is in, and what to do, with the front end's own flags or inputs.
 */

type Mode = 'upgrade' | 'rollback';

/** "Refusing to upgrade" / "Refusing to roll back". */
const verb = (mode: Mode): string => (mode === 'upgrade' ? 'upgrade' : 'roll back');

/** "rerun with --allow-data-loss" / "run again with the input `allow-data-loss: true`". */
export function rerunWith(name: string, frontEnd: FrontEnd | undefined): string {
  return frontEnd === 'action' ? `run again with the input \`${name}: true\`` : `rerun with --${name}`;
}

/** "users.phone (2 values), votes (6 rows) in 20260102-…js" for messages. */
function describeLosses(losses: DataLoss[]): string {
  return losses
    .map((l) => {
      const n =
        l.rows === null
          ? 'rows not counted'
          : l.kind === 'column'
            ? `${l.rows} non-null value${l.rows === 1 ? '' : 's'}`
            : `${l.rows} row${l.rows === 1 ? '' : 's'}`;
      const cap = l.rows === ROW_COUNT_CAP ? ' or more' : '';
      return `${l.migration ? `${l.migration} ` : ''}${l.operation ?? `removes ${l.kind} ${l.name}`} (${l.name}: ${n}${cap})`;
    })
    .join('; ');
}

/** The refusal for a database with tables but no recorded migration. */
export function notMigratedMessage(
  mode: Mode,
  project: Project,
  tables: number,
  match: string | null,
  frontEnd: FrontEnd | undefined,
): string {
  const meta = metaTableOf(project);
  const stamp = (name: string) =>
    frontEnd === 'action' ? `mode \`stamp\` with the input \`to: ${name}\`` : `\`stamp --to ${name}\``;
  return (
    `Refusing to ${mode}: this database was not migrated by these migrations: it has ${tables} table(s) but ` +
    `no migration is recorded in ${meta.schema}.${meta.name}. ` +
    (match
      ? `Adopt it with ${stamp(match)}: ${match} is the newest migration whose replay matches the live schema. `
      : `Adopt it with ${stamp('NAME')}, NAME being the newest migration already in it: no migration's replay ` +
        'matches the live schema exactly, so look at `schemabot status --drift` after stamping. ') +
    'Nothing was changed.'
  );
}

/** An upgrade's refusal of the migration state read under the lock; null when it may go on. */
export function upgradeRefused(
  state: MigrationState,
  allowOutOfOrder: boolean | undefined,
  frontEnd: FrontEnd | undefined,
): string | null {
  if (state.missing.length) {
    return (
      `Refusing to upgrade: ${state.missing.length} applied migration(s) have no file: ${state.missing.join(', ')}. ` +
      'Restore them from version control (or, if they were removed on purpose, delete their rows from the ' +
      'meta table), then run again.'
    );
  }
  if (state.outOfOrder.length && !allowOutOfOrder) {
    return (
      `Refusing to upgrade: pending migration(s) sort before the newest applied one (${state.current}): ` +
      `${state.outOfOrder.join(', ')}. They were probably merged from an older branch; check they do not ` +
      `depend on later migrations, then ${rerunWith('allow-out-of-order', frontEnd)}.`
    );
  }
  return null;
}

/** A rollback's refusal of downs that cannot run. */
export function revertRefused(blocker: RevertBlocker): string {
  switch (blocker.kind) {
    case 'no-file':
      return `Refusing to roll back: no file for ${blocker.names.join(', ')}, so their down() cannot run. Restore the file(s) from version control.`;
    case 'not-loadable':
      return `Refusing to roll back: ${blocker.name} cannot be loaded: ${blocker.error}`;
    case 'no-down':
      return `Refusing to roll back: ${blocker.names.join(', ')} ha${blocker.names.length === 1 ? 's' : 've'} no down(): it cannot be reverted.`;
    case 'missing':
      return (
        `Refusing to roll back: applied migration(s) ${blocker.names.join(', ')} have no file, so the production ` +
        'schema cannot be rebuilt for the rehearsal. Restore them from version control.'
      );
  }
}

/** Why the rehearsal stopped the run (`error`: the rehearsal report's); production was not touched. */
export function rehearsalStopped(
  mode: Mode,
  stop: Exclude<RehearsalStop, { kind: 'cancelled' }>,
  error: string | null,
  project: Project,
  frontEnd: FrontEnd | undefined,
): string {
  switch (stop.kind) {
    case 'not-migrated':
      return notMigratedMessage(mode, project, stop.tables, stop.match, frontEnd);
    case 'replay':
      return `The rehearsal could not rebuild the production schema: ${error}. Production was not touched.`;
    case 'drift':
      return (
        `Refusing to ${verb(mode)}: ${stop.text} Nothing was changed. Run \`schemabot status --drift\` to see each ` +
        `difference; fix the database or the migrations, or accept it with ${knob('drift', frontEnd)} warn.`
      );
    case 'step':
      return `The rehearsal failed, production was not touched: ${error}`;
    case 'residue':
      return `The rehearsal failed, production was not touched: ${error}. Fix the down() functions.`;
  }
}

/** The refusal of migrations (or downs) that destroy data in production. */
export function dataLossRefused(
  mode: Mode,
  dryRun: boolean | undefined,
  lost: DataLoss[],
  frontEnd: FrontEnd | undefined,
): string {
  return (
    `${dryRun ? 'Dry run: the real run would be refused' : `Refusing to ${verb(mode)}`}: ` +
    `${mode === 'upgrade' ? 'the pending migrations' : 'the downs'} destroy data in production: ` +
    `${describeLosses(lost)}. Nothing was changed. Back the data up, then ${rerunWith('allow-data-loss', frontEnd)}.`
  );
}

/** Why applying stopped: a lost lock or a failed step, and what stays (`done`: the steps that ran). */
export function applyStopped(mode: Mode, stop: ApplyStop, done: number, idleTimeout: string | null): string {
  const idle = idleTimeout
    ? ` This role's sessions get ${idleTimeout} (set with ALTER ROLE/DATABASE); it ends idle connections.`
    : '';
  if (mode === 'upgrade') {
    switch (stop.kind) {
      case 'lock-lost':
        return `${stop.message} Stopped before ${stop.before}; the migrations listed as applied are committed.${idle}`;
      case 'lock-lost-after':
        return (
          `${stop.message} It was lost while ${stop.after} ran (${stop.after} is applied and recorded). ` +
          (stop.next ? `Stopped before ${stop.next}: another job may have taken the lock.` : '') +
          idle
        );
      case 'failed':
        return (
          `${stop.failure.migration} failed: ${withHint(stop.failure.error)}. ` +
          (stop.failure.rolledBack
            ? 'Its transaction was rolled back: nothing of it stays. '
            : 'It ran outside a transaction: the statements before the failing one stay applied; fix them by hand. ') +
          (done ? `The ${done} migration(s) before it stay applied and recorded.` : '')
        );
    }
  }
  switch (stop.kind) {
    case 'lock-lost':
      return `${stop.message} Stopped before reverting ${stop.before}.${idle}`;
    case 'lock-lost-after':
      return `${stop.message} It was lost while ${stop.after} was reverted (it is reverted); stopped before the next down.`;
    case 'failed':
      return (
        `${stop.failure.migration} (down) failed: ${withHint(stop.failure.error)}. ` +
        (stop.failure.rolledBack
          ? 'Its transaction was rolled back: it is still applied. '
          : 'It ran outside a transaction: the statements before the failing one stay; fix them by hand. ') +
        (done ? `The ${done} down(s) before it stay reverted.` : '')
      );
  }
}

/** What a cancelled run left, for the `cancelled` section (`done`: the steps it ran). */
export function cancelledState(mode: Mode, done: ProductionStep[]): string {
  const names = done.filter((s) => s.ok).map((s) => s.name);
  if (mode === 'upgrade') {
    return names.length
      ? `${names.length} migration(s) were applied and recorded before: ${names.join(', ')}; the rest stay pending.`
      : 'No migration was applied: production is as it was.';
  }
  return names.length
    ? `${names.length} migration(s) were reverted before: ${names.join(', ')}; the rest stay applied.`
    : 'No migration was reverted: production is as it was.';
}
