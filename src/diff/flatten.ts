import type { Privileges, Snapshot, TableInfo, ViewInfo } from '../inspect/index.js';
import { localName } from './names.js';
import type { ChangeKind } from './types.js';

/**
 * One comparable fact of a snapshot: an object, or the comment or grants on an object. Nested
 * objects (a table's columns, constraints, indexes, ...) are entries of their own whose `parent`
 * is the table's key, so a new table is one change and a new column on an old table is another.
 */
export interface Entry {
  kind: ChangeKind;
  /** For comments and privileges: the kind of object they are on (`table`, `column`, ...). */
  on: string | null;
  name: string;
  /** Key of the entry this one belongs to (a column's table, a comment's object). */
  parent: string | null;
  /** The table, view or materialized view a nested object belongs to. */
  table: string | null;
  /** What a `changed` compares, field by field. */
  fields: Record<string, unknown>;
  /** Tables and views: the whole object with its columns, constraints..., compared for renames. */
  full: unknown;
  /** The object as the snapshot holds it, reported as `before` / `after`. */
  original: unknown;
}

export function entryKey(kind: string, on: string | null, name: string): string {
  return on === null ? `${kind}\u0001${name}` : `${kind}\u0001${on}\u0001${name}`;
}

export const keyOf = (e: Entry): string => entryKey(e.kind, e.on, e.name);

function omit(value: object, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) out[k] = v;
  return out;
}

const OWN = ['name', 'comment', 'privileges'];

/** `NULL`, `NULL::character varying`, `(NULL)::text`: a default of NULL is no default. */
const NULL_DEFAULT = /^\(*\s*NULL\s*\)*(?:\s*::\s*[^:]+?)*\s*$/i;

/** A column's default as compared: a default of NULL (with any cast) equals none. */
export function comparableDefault(value: string | null): string | null {
  return value !== null && NULL_DEFAULT.test(value) ? null : value;
}

/**
 * A function definition as compared: trailing whitespace on each line, line endings and trailing blank
 * lines do not count (an editor's or a driver's doing, not a change of the function).
 */
export function comparableBody(definition: string | null): string | null {
  if (definition === null) return null;
  return (
    definition
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => line.replace(/[ \t]+$/, ''))
      .join('\n')
      .replace(/\n+$/, '')
      // Blank lines at the end of the body, before its closing dollar quote.
      .replace(/\n+(\$[A-Za-z_0-9]*\$)$/, '\n$1')
  );
}

/** Flattens a snapshot into entries keyed by kind and name. */
export function flatten(snapshot: Snapshot): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const add = (e: Entry): string => {
    const key = keyOf(e);
    entries.set(key, e);
    return key;
  };
  /** The object itself plus its comment and grants as separate facts. */
  const object = (
    kind: ChangeKind,
    on: string,
    name: string,
    value: { comment?: string | null; privileges?: Privileges },
    opts: { parent?: string | null; table?: string | null; drop?: string[]; full?: unknown } = {},
  ): string => {
    const key = add({
      kind,
      on: null,
      name,
      parent: opts.parent ?? null,
      table: opts.table ?? null,
      fields: omit(value, [...OWN, ...(opts.drop ?? [])]),
      full: opts.full ?? null,
      original: value,
    });
    if (value.comment !== undefined && value.comment !== null) {
      const original = { on, text: value.comment };
      add({
        kind: 'comment',
        on,
        name,
        parent: key,
        table: null,
        fields: { text: value.comment },
        full: original,
        original,
      });
    }
    if (value.privileges && Object.keys(value.privileges).length > 0) {
      const original = { on, grants: value.privileges };
      add({
        kind: 'privilege',
        on,
        name,
        parent: key,
        table: null,
        fields: { ...value.privileges },
        full: original,
        original,
      });
    }
    return key;
  };

  for (const s of Object.values(snapshot.schemas)) object('schema', 'schema', s.name, s);
  for (const x of Object.values(snapshot.extensions)) object('extension', 'extension', x.name, x);
  for (const e of Object.values(snapshot.enums)) object('enum', 'type', e.name, e);
  for (const d of Object.values(snapshot.domains)) object('domain', 'domain', d.name, d);
  for (const t of Object.values(snapshot.types)) object('type', 'type', t.name, t);
  for (const s of Object.values(snapshot.sequences)) object('sequence', 'sequence', s.name, s);
  for (const f of Object.values(snapshot.functions)) {
    const key = object('function', f.kind, f.name, f);
    entries.get(key)!.fields.definition = comparableBody(f.definition);
  }

  const relationChildren = (key: string, qualified: string, rel: TableInfo | ViewInfo): void => {
    for (const i of Object.values(rel.indexes))
      object('index', 'index', i.name, i, { parent: key, table: qualified });
    for (const t of Object.values(rel.triggers)) {
      object('trigger', 'trigger', `${qualified}.${t.name}`, t, { parent: key, table: qualified });
    }
  };

  for (const [qualified, t] of Object.entries(snapshot.tables)) {
    const nested = ['schema', 'columns', 'constraints', 'indexes', 'triggers', 'policies', 'sequences'];
    const key = object('table', 'table', qualified, t, { drop: nested, full: omit(t, ['name', 'schema']) });
    for (const c of Object.values(t.columns)) {
      const column = object('column', 'column', `${qualified}.${c.name}`, c, {
        parent: key,
        table: qualified,
        drop: ['position'],
      });
      entries.get(column)!.fields.default = comparableDefault(c.default);
    }
    for (const c of Object.values(t.constraints)) {
      object('constraint', 'constraint', `${qualified}.${c.name}`, c, { parent: key, table: qualified });
    }
    relationChildren(key, qualified, t);
    for (const p of Object.values(t.policies)) {
      object('policy', 'policy', `${qualified}.${p.name}`, p, { parent: key, table: qualified });
    }
    for (const s of Object.values(t.sequences)) {
      // An owned sequence comes and goes with its serial or identity column.
      const owner =
        s.ownedBy !== null && t.columns[localName(s.ownedBy)] ? entryKey('column', null, s.ownedBy) : key;
      object('sequence', 'sequence', s.name, s, { parent: owner, table: qualified });
    }
  }

  const views = (kind: 'view' | 'materialized_view', map: Record<string, ViewInfo>): void => {
    const on = kind === 'view' ? 'view' : 'materialized view';
    for (const v of Object.values(map)) {
      const nested = ['columns', 'indexes', 'triggers'];
      const key = object(kind, on, v.name, v, { drop: nested, full: omit(v, ['name']) });
      for (const c of Object.values(v.columns)) {
        // View columns follow from the definition; only their comments are facts of their own.
        if (c.comment !== null) {
          const original = { on: 'column', text: c.comment };
          entries.set(entryKey('comment', 'column', `${v.name}.${c.name}`), {
            kind: 'comment',
            on: 'column',
            name: `${v.name}.${c.name}`,
            parent: key,
            table: v.name,
            fields: { text: c.comment },
            full: original,
            original,
          });
        }
      }
      relationChildren(key, v.name, v);
    }
  };
  views('view', snapshot.views);
  views('materialized_view', snapshot.materializedViews);
  return entries;
}
