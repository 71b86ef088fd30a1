import type { Snapshot } from '../inspect/index.js';
import { flatten, entryKey, type Entry } from './flatten.js';
import { deepEqual, localName, parentName } from './names.js';
import { detectRenames } from './renames.js';
import { kindOrder, type Change } from './types.js';

export type { Change, ChangeKind } from './types.js';
export { summarizeChange } from './summarize.js';

/**
 * The typed changes that turn schema `before` into schema `after`: one change per logical fact
 * (a new table is one change carrying its columns, constraints and indexes), renames recognised
 * where unambiguous, independent of statement and column order, in a deterministic order.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): Change[] {
  const [changedBefore, changedAfter] = withoutIdentical(before, after);
  const afterEntries = flatten(changedAfter);
  const { before: beforeEntries, renames } = detectRenames(flatten(changedBefore), afterEntries, before);

  const changes = new Map<string, Change>();
  const entryOf = new Map<string, Entry>();
  for (const [key, b] of beforeEntries) {
    const a = afterEntries.get(key);
    if (!a) {
      changes.set(key, { kind: b.kind, action: 'removed', name: b.name, before: b.original, after: null });
      entryOf.set(key, b);
    } else if (!deepEqual(b.fields, a.fields)) {
      const details = fieldDetails(b.fields, a.fields);
      changes.set(key, {
        kind: a.kind,
        action: 'changed',
        name: a.name,
        before: b.original,
        after: a.original,
        details,
      });
      entryOf.set(key, a);
    }
  }
  for (const [key, a] of afterEntries) {
    if (beforeEntries.has(key)) continue;
    changes.set(key, { kind: a.kind, action: 'added', name: a.name, before: null, after: a.original });
    entryOf.set(key, a);
  }

  const result: Change[] = renames.filter((r) => !renamedWithParent(r, renames, afterEntries));
  for (const [key, change] of changes) {
    const entry = entryOf.get(key)!;
    if (carriedByParent(entry, change, changes)) continue;
    if (
      inheritedFromParent(entry, change, changes, change.action === 'removed' ? beforeEntries : afterEntries)
    ) {
      continue;
    }
    result.push(change);
  }
  return result.sort(compareChanges);
}

const collections = [
  'schemas',
  'extensions',
  'tables',
  'views',
  'materializedViews',
  'sequences',
  'enums',
  'domains',
  'types',
  'functions',
] as const;

/**
 * Both snapshots without the top-level objects that are identical in both (same name, same
 * everything inside). Those can hold no change, cannot be half of a rename, and every reference to a
 * renamed object is spelled by name, so an object that mentions one is not identical. On a large
 * schema with a few changes this leaves little to compare.
 */
function withoutIdentical(before: Snapshot, after: Snapshot): [Snapshot, Snapshot] {
  const b = { ...before };
  const a = { ...after };
  for (const key of collections) {
    const bc: Record<string, unknown> = {};
    const ac: Record<string, unknown> = {};
    const bs = (before[key] ?? {}) as Record<string, unknown>;
    const as = (after[key] ?? {}) as Record<string, unknown>;
    const same = new Set<string>();
    for (const [name, value] of Object.entries(bs)) {
      if (name in as && deepEqual(value, as[name])) same.add(name);
      else bc[name] = value;
    }
    for (const [name, value] of Object.entries(as)) if (!same.has(name)) ac[name] = value;
    (b as Record<string, unknown>)[key] = bc;
    (a as Record<string, unknown>)[key] = ac;
  }
  return [b, a];
}

/** Fields whose values differ, as `{field: {from, to}}`. */
function fieldDetails(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, { from: unknown; to: unknown }> {
  const details: Record<string, { from: unknown; to: unknown }> = {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    const from = before[k] ?? null;
    const to = after[k] ?? null;
    if (!deepEqual(from, to)) details[k] = { from, to };
  }
  return details;
}

/**
 * A fact that arrives or leaves with its parent is part of the parent's change: the columns of a new
 * table, the comment on a dropped index, the sequence of a new serial column.
 */
function carriedByParent(entry: Entry, change: Change, changes: Map<string, Change>): boolean {
  if (entry.parent === null || (change.action !== 'added' && change.action !== 'removed')) return false;
  // A parent that is new (or gone) has a change of the same action; its own children then are too.
  const parentChange = changes.get(entry.parent);
  if (parentChange?.action === change.action) return true;
  // An owned sequence follows any change of its column (an identity added or dropped).
  return entry.kind === 'sequence' && parentChange !== undefined && parentChange.kind === 'column';
}

/**
 * A column change on a partition or inheritance child that mirrors the same change on its parent's
 * column is the parent's change propagating (ALTER TABLE recurses), not a fact of its own.
 */
function inheritedFromParent(
  entry: Entry,
  change: Change,
  changes: Map<string, Change>,
  entries: Map<string, Entry>,
): boolean {
  if (entry.kind !== 'column' || entry.table === null) return false;
  const table = entries.get(entryKey('table', null, entry.table));
  if (!table) return false;
  const parents = [table.fields.partitionOf, ...((table.fields.inherits as string[] | undefined) ?? [])];
  for (const parent of parents) {
    if (typeof parent !== 'string') continue;
    const key = entryKey('column', null, `${parent}.${localName(entry.name)}`);
    const parentChange = changes.get(key);
    if (!parentChange || parentChange.action !== change.action) continue;
    if (change.action === 'changed' && deepEqual(parentChange.details, change.details)) return true;
    const parentEntry = entries.get(key);
    if (change.action !== 'changed' && parentEntry && deepEqual(parentEntry.fields, entry.fields))
      return true;
  }
  return false;
}

/** A column renamed on a partition or inheritance child because its parent's column was renamed. */
function renamedWithParent(change: Change, renames: Change[], entries: Map<string, Entry>): boolean {
  if (change.kind !== 'column' || change.from === undefined) return false;
  const table = entries.get(entryKey('table', null, parentName(change.name)));
  if (!table) return false;
  const parents = [table.fields.partitionOf, ...((table.fields.inherits as string[] | undefined) ?? [])];
  return renames.some(
    (r) =>
      r.kind === 'column' &&
      r.from !== undefined &&
      parents.includes(parentName(r.name)) &&
      localName(r.name) === localName(change.name) &&
      localName(r.from) === localName(change.from!),
  );
}

const actionOrder = ['removed', 'renamed', 'added', 'changed'];

function compareChanges(a: Change, b: Change): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const k = kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind);
  if (k !== 0) return k;
  return actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action);
}
