import { entryKey, keyOf, type Entry } from './flatten.js';
import {
  deepEqual,
  functionBaseName,
  localName,
  replaceDeep,
  replaceInString,
  splitName,
  type Replacement,
} from './names.js';
import type { Snapshot } from '../inspect/index.js';
import type { Change, ChangeKind } from './types.js';

/** Kinds checked for renames, outermost first: a renamed table's columns then compare under the new name. */
const renameOrder: ChangeKind[] = [
  'table',
  'view',
  'materialized_view',
  'enum',
  'domain',
  'type',
  'sequence',
  'function',
  'column',
  'constraint',
  'index',
  'trigger',
  'policy',
];

/** Token rewrites that turn the old object's description into the new one's, if only the name changed. */
function ownReplacements(kind: ChangeKind, from: string, to: string): Replacement[] {
  switch (kind) {
    case 'function':
      return [
        [from, to],
        [functionBaseName(from), functionBaseName(to)],
      ];
    case 'column':
    case 'constraint':
    case 'index':
    case 'trigger':
    case 'policy':
      return [
        [from, to],
        [localName(from), localName(to)],
      ];
    default:
      return [[from, to]];
  }
}

/**
 * A cheap summary that a renamed object keeps (nothing in it depends on the object's own name), so
 * only objects of the same shape are compared in full.
 */
function shape(e: Entry): string {
  const f = e.fields;
  const full = e.full as Record<string, unknown>;
  switch (e.kind) {
    case 'table':
    case 'view':
    case 'materialized_view':
      return JSON.stringify([e.table, f.kind ?? null, Object.keys((full.columns ?? {}) as object).sort()]);
    case 'column':
      return JSON.stringify([e.table, f.type, f.nullable]);
    case 'constraint':
      return JSON.stringify([e.table, f.type, f.columns]);
    case 'index':
      return JSON.stringify([e.table, f.method, f.unique]);
    case 'enum':
      return JSON.stringify(f.labels);
    case 'function':
      return JSON.stringify([f.kind, f.arguments, f.returns]);
    case 'trigger':
      return JSON.stringify([e.table, f.timing, f.events, f.level]);
    default:
      return JSON.stringify([e.table, e.kind]);
  }
}

/** What is compared: whole relations (with their columns, constraints...), other objects' own fields. */
function comparable(e: Entry): unknown {
  return e.kind === 'table' || e.kind === 'view' || e.kind === 'materialized_view' ? e.full : e.fields;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function evidence(kind: ChangeKind, e: Entry): string {
  const f = e.original as Record<string, unknown>;
  const count = (v: unknown): number => Object.keys((v ?? {}) as object).length;
  switch (kind) {
    case 'table':
      return `same ${plural(count(f.columns), 'column')}, ${plural(count(f.constraints), 'constraint')}, ${plural(
        count(f.indexes),
        'index',
        'indexes',
      )}`;
    case 'column':
      return `same type ${String(f.type)}, nullability and default`;
    case 'enum':
      return `same ${plural((f.labels as unknown[]).length, 'label')} in the same order`;
    case 'view':
    case 'materialized_view':
      return 'same query';
    case 'function':
      return 'same arguments, result and body';
    default:
      return 'same definition apart from the name';
  }
}

/**
 * Finds removed/added pairs of the same kind that differ only by name, and rewrites the old
 * snapshot's entries as if the rename had already happened there. Only unambiguous pairs count:
 * the removed object has exactly one matching added object and vice versa.
 */
export function detectRenames(
  before: Map<string, Entry>,
  after: Map<string, Entry>,
  original: Snapshot,
): { before: Map<string, Entry>; renames: Change[] } {
  let current = before;
  const renames: Change[] = [];
  ({ entries: current } = detectSchemaRenames(current, after, renames));
  for (const kind of renameOrder) {
    const removed: Entry[] = [];
    for (const e of current.values()) if (e.kind === kind && !after.has(keyOf(e))) removed.push(e);
    if (removed.length === 0) continue;
    const added: Entry[] = [];
    for (const e of after.values()) if (e.kind === kind && !current.has(keyOf(e))) added.push(e);
    if (added.length === 0) continue;

    const forward = new Map<Entry, Entry[]>();
    const backward = new Map<Entry, Entry[]>();
    const byShape = new Map<string, Entry[]>();
    for (const a of added) {
      const key = shape(a);
      byShape.set(key, [...(byShape.get(key) ?? []), a]);
    }
    for (const r of removed) {
      for (const a of byShape.get(shape(r)) ?? []) {
        if (r.table !== a.table || r.on !== a.on) continue;
        const rewritten = replaceDeep(comparable(r), ownReplacements(kind, r.name, a.name));
        if (!deepEqual(rewritten, comparable(a))) continue;
        forward.set(r, [...(forward.get(r) ?? []), a]);
        backward.set(a, [...(backward.get(a) ?? []), r]);
      }
    }
    for (const r of removed) {
      const candidates = forward.get(r);
      if (candidates?.length !== 1 || backward.get(candidates[0])?.length !== 1) continue;
      const a = candidates[0];
      current = applyRename(current, kind, r, a, referencedByBaseName(kind, r.name, original));
      renames.push({
        kind,
        action: 'renamed',
        name: a.name,
        from: r.name,
        before: r.original,
        after: a.original,
        evidence: evidence(kind, a),
      });
    }
  }
  return { before: current, renames };
}

/** Rewrites every entry of the old snapshot as if `r` had been renamed to `a` there. */
/**
 * Expressions call a function by name only (`DEFAULT public.f()`, `EXECUTE FUNCTION public.f()`), so a
 * function's rename can be carried into them when the name is not overloaded nor shared with a table
 * or type.
 */
function referencedByBaseName(kind: ChangeKind, name: string, snapshot: Snapshot): boolean {
  if (kind !== 'function') return false;
  const base = functionBaseName(name);
  const overloads = Object.keys(snapshot.functions).filter((f) => functionBaseName(f) === base).length;
  const collections: Record<string, unknown>[] = [
    snapshot.tables,
    snapshot.views,
    snapshot.materializedViews,
    snapshot.sequences,
    snapshot.enums,
    snapshot.domains,
    snapshot.types,
  ];
  const relationOrType = collections.some((collection) => base in collection);
  return overloads === 1 && !relationOrType;
}

function applyRename(
  entries: Map<string, Entry>,
  kind: ChangeKind,
  r: Entry,
  a: Entry,
  byBaseName: boolean,
): Map<string, Entry> {
  const global: Replacement[] = [[r.name, a.name]];
  if (byBaseName) global.push([functionBaseName(r.name), functionBaseName(a.name)]);
  const own = ownReplacements(kind, r.name, a.name);
  // A renamed column also changes how its table's constraints, indexes, triggers, policies and
  // expressions spell it, and the column lists of foreign keys that reference it.
  const columnLocal: Replacement[] | null =
    kind === 'column' ? [[localName(r.name), localName(a.name)]] : null;
  const out = new Map<string, Entry>();
  for (const e of entries.values()) {
    let next: Entry = e;
    if (e === r) {
      next = { ...e, name: a.name, fields: replaceDeep(e.fields, own), full: replaceDeep(e.full, own) };
    } else if (columnLocal && (e.table === r.table || keyOf(e) === entryKey('table', null, r.table ?? ''))) {
      next = { ...e, fields: replaceDeep(e.fields, columnLocal), full: replaceDeep(e.full, columnLocal) };
    } else if (columnLocal && e.kind === 'constraint' && e.fields.referencedTable === r.table) {
      next = {
        ...e,
        fields: rewriteReferences(e.fields, columnLocal),
        full: rewriteReferences(e.full, columnLocal),
      };
    }
    next = {
      ...next,
      name: replaceInString(next.name, global),
      parent: next.parent === null ? null : replaceInString(next.parent, global),
      table: next.table === null ? null : replaceInString(next.table, global),
      fields: replaceDeep(next.fields, global),
      full: replaceDeep(next.full, global),
    };
    out.set(keyOf(next), next);
  }
  return out;
}

/** Renames a referenced column in a foreign key's `referencedColumns` and `REFERENCES ...(...)`. */
function rewriteReferences<T>(value: T, replacements: Replacement[]): T {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  const definition = String(v.definition ?? '');
  const at = definition.indexOf(' REFERENCES ');
  return {
    ...v,
    referencedColumns: replaceDeep(v.referencedColumns, replacements),
    definition:
      at < 0 ? definition : definition.slice(0, at) + replaceInString(definition.slice(at), replacements),
  } as T;
}

/** The schema part of a qualified name, or null for names that are not in a schema. */
function schemaOf(e: Entry): string | null {
  const parts = splitName(e.name);
  return parts.length > 1 ? parts[0] : null;
}

/** Rewrites an entry as if schema `from` were called `to`. */
function moveToSchema(e: Entry, from: string, to: string): Entry {
  const prefix: Replacement[] = [[from, to, 'schema']];
  const exact = (text: string): string =>
    text === from ? to : text === entryKey('schema', null, from) ? entryKey('schema', null, to) : text;
  return {
    ...e,
    name: exact(replaceInString(e.name, prefix)),
    parent: e.parent === null ? null : exact(replaceInString(e.parent, prefix)),
    table: e.table === null ? null : replaceInString(e.table, prefix),
    fields: replaceDeep(e.fields, prefix),
    full: replaceDeep(e.full, prefix),
  };
}

/** Everything in schema `schema` (and its own comment and grants), keyed, as compared facts. */
function contents(entries: Iterable<Entry>, schema: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const e of entries) {
    if (e.kind === 'schema') continue;
    if (schemaOf(e) === schema || (e.on === 'schema' && e.name === schema)) out.set(keyOf(e), e.fields);
  }
  return out;
}

/** A schema renamed with everything in it: same objects, same definitions, under the new schema name. */
function detectSchemaRenames(
  before: Map<string, Entry>,
  after: Map<string, Entry>,
  renames: Change[],
): { entries: Map<string, Entry> } {
  const removed = [...before.values()].filter((e) => e.kind === 'schema' && !after.has(keyOf(e)));
  const added = [...after.values()].filter((e) => e.kind === 'schema' && !before.has(keyOf(e)));
  if (removed.length === 0 || added.length === 0) return { entries: before };
  const forward = new Map<Entry, Entry[]>();
  const backward = new Map<Entry, Entry[]>();
  for (const r of removed) {
    const moved = new Map<string, unknown>();
    for (const e of before.values()) {
      if (e.kind === 'schema') continue;
      if (schemaOf(e) === r.name || (e.on === 'schema' && e.name === r.name)) {
        const m = moveToSchema(e, r.name, '\u0000');
        moved.set(keyOf(m), m.fields);
      }
    }
    for (const a of added) {
      const target = contents(after.values(), a.name);
      if (moved.size !== target.size) continue;
      let same = true;
      for (const [key, fields] of moved) {
        const mapped = replaceDeep({ key, fields }, [['\u0000', a.name]]);
        if (!target.has(mapped.key) || !deepEqual(mapped.fields, target.get(mapped.key))) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      forward.set(r, [...(forward.get(r) ?? []), a]);
      backward.set(a, [...(backward.get(a) ?? []), r]);
    }
  }
  let entries = before;
  for (const r of removed) {
    const candidates = forward.get(r);
    if (candidates?.length !== 1 || backward.get(candidates[0])?.length !== 1) continue;
    const a = candidates[0];
    const count = contents(entries.values(), r.name).size;
    const next = new Map<string, Entry>();
    for (const e of entries.values()) {
      const m = moveToSchema(e, r.name, a.name);
      next.set(keyOf(m), m);
    }
    entries = next;
    renames.push({
      kind: 'schema',
      action: 'renamed',
      name: a.name,
      from: r.name,
      before: r.original,
      after: a.original,
      evidence: `same ${plural(count, 'object')} inside`,
    });
  }
  return { entries };
}
