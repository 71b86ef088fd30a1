import type { MigrationFile } from '../discover.js';
import type { MigrationState } from '../../report/contract/production.js';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The state reported when the database could not be read (nothing applied, nothing pending). */
export function emptyState(): MigrationState {
  return { applied: [], pending: [], missing: [], outOfOrder: [], current: null };
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

/** What `alembic_version`'s rows mean, given the revision graph (`AlembicRevision`s, parents first). */
export interface RevisionNode {
  id: string;
  downRevision: string | string[] | null;
  dependsOn: string[] | null;
}

/** The revisions no other revision builds on (`alembic heads`), in the graph's order. */
export function revisionHeads(revisions: RevisionNode[]): string[] {
  const below = new Set(
    revisions.flatMap((r) => (r.downRevision === null ? [] : ([] as string[]).concat(r.downRevision))),
  );
  return revisions.filter((r) => !below.has(r.id)).map((r) => r.id);
}

/** `names` and every revision they need (parents and `depends_on`), as ids. */
export function revisionAncestors(revisions: RevisionNode[], names: string[]): Set<string> {
  const byId = new Map(revisions.map((r) => [r.id, r]));
  const seen = new Set<string>();
  const todo = [...names];
  while (todo.length) {
    const rev = byId.get(todo.pop()!);
    if (!rev || seen.has(rev.id)) continue;
    seen.add(rev.id);
    const down = rev.downRevision === null ? [] : ([] as string[]).concat(rev.downRevision);
    todo.push(...down, ...(rev.dependsOn ?? []));
  }
  return seen;
}

/**
 * The state of an Alembic database, like `alembic current` and `alembic history`: `rows` are the
 * version table's (its heads); applied is every revision they stand for, in the history's order;
 * missing the rows no revision file has; current the rows themselves (several for several branches).
 */
export function revisionState(revisions: RevisionNode[], rows: string[]): MigrationState {
  const applied = revisionAncestors(revisions, rows);
  const known = new Set(revisions.map((r) => r.id));
  return {
    applied: revisions.filter((r) => applied.has(r.id)).map((r) => r.id),
    pending: revisions.filter((r) => !applied.has(r.id)).map((r) => r.id),
    missing: rows.filter((row) => !known.has(row)),
    outOfOrder: [],
    current: rows.length ? [...rows].sort().join(', ') : null,
  };
}
