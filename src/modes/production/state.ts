import type { MigrationFile } from '../../migrate/discover.js';
import type { MigrationState } from './types.js';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The migration state: the meta table's rows against the migration files (umzug's name order). */
export function migrationState(files: MigrationFile[], applied: string[]): MigrationState {
  const done = new Set(applied);
  const present = new Set(files.map((f) => f.name));
  const newest = [...applied].sort(compare).at(-1) ?? null;
  const pending = files.filter((f) => !done.has(f.name)).map((f) => f.name);
  return {
    applied: [...applied],
    pending,
    missing: applied.filter((name) => !present.has(name)),
    outOfOrder: newest === null ? [] : pending.filter((name) => compare(name, newest) < 0),
    current: newest,
  };
}

/** The files of the applied migrations, in the order they are replayed (file order). */
export function appliedFiles(files: MigrationFile[], applied: string[]): MigrationFile[] {
  const done = new Set(applied);
  return files.filter((f) => done.has(f.name));
}
