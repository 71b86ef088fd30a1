import { UsageError } from '../../shared/errors.js';
import { migrationFunctions } from '../project.js';
import { errorText, type ProductionSession } from './session.js';

/** What a rollback is asked to revert: `--to NAME` (NAME stays applied) or `--steps N` (the newest N). */
export interface RevertChoice {
  to?: string;
  steps?: number;
}

/** Exactly one of `to` and `steps`, and `steps` a whole number of migrations. */
export function checkRevertChoice(choice: RevertChoice): void {
  if ((choice.to === undefined) === (choice.steps === undefined)) {
    throw new UsageError('rollback needs exactly one of --to NAME (keep NAME applied) or --steps N.');
  }
  if (choice.steps !== undefined && (!Number.isInteger(choice.steps) || choice.steps < 1)) {
    throw new UsageError('--steps must be a whole number of migrations, 1 or more.');
  }
}

/** How many of the applied migrations (in order) stay applied. */
export function keptCount(
  applied: string[],
  choice: RevertChoice,
  isFile: (name: string) => boolean,
): number {
  if (choice.to !== undefined) {
    const keep = applied.indexOf(choice.to) + 1;
    if (keep === 0) {
      throw new UsageError(
        isFile(choice.to)
          ? `--to ${choice.to} is not applied on this database: nothing to roll back to. Applied: ${applied.at(-1) ?? 'none'} is the newest.`
          : `--to ${choice.to} is not a migration of this database (use the file name as stored in the meta table, e.g. ${applied.at(-1) ?? '20260101000000-name.js'}).`,
      );
    }
    return keep;
  }
  if (choice.steps! > applied.length) {
    throw new UsageError(`--steps ${choice.steps}: only ${applied.length} migration(s) are applied.`);
  }
  return applied.length - choice.steps!;
}

/** Why the planned downs cannot run. */
export type RevertBlocker =
  /** Migrations to revert whose file is gone. */
  | { kind: 'no-file'; names: string[] }
  /** A file that does not load, with the error (password masked). */
  | { kind: 'not-loadable'; name: string; error: string }
  /** Migrations without a `down`. */
  | { kind: 'no-down'; names: string[] }
  /** Applied migrations without a file: the rehearsal cannot rebuild the production schema. */
  | { kind: 'missing'; names: string[] };

/** The first reason the downs of `revert` cannot run, or null when they can. */
export async function revertBlocker(
  session: ProductionSession,
  revert: string[],
  missing: string[],
): Promise<RevertBlocker | null> {
  const noFile = revert.filter((name) => !session.file(name));
  if (noFile.length) return { kind: 'no-file', names: noFile };
  const noDown: string[] = [];
  const functions = await migrationFunctions(
    session.project,
    revert.map((name) => session.file(name)!),
  );
  for (const f of functions) {
    if (f.error) return { kind: 'not-loadable', name: f.name, error: errorText(f.error, session.url) };
    if (!f.down) noDown.push(f.name);
  }
  if (noDown.length) return { kind: 'no-down', names: noDown };
  if (missing.length) return { kind: 'missing', names: missing };
  return null;
}
