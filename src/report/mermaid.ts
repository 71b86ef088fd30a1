import type { Change } from '../diff/index.js';
import { localName, splitName } from '../diff/names.js';
import { readableType } from './format.js';
import { relationOf } from './schema-diff.js';

type Obj = Record<string, unknown>;

interface Column {
  name: string;
  type: string;
  nullable: boolean;
  mark: 'new' | 'changed' | 'removed' | null;
  /** The table and column a foreign key on this column points to, when that table is not drawn. */
  references?: string;
}

interface Entity {
  name: string;
  added: boolean;
  touched: boolean;
  columns: Map<string, Column>;
  keys: Map<string, 'PK' | 'FK' | 'UK'>;
}

interface Edge {
  from: string;
  to: string;
  columns: string[];
  nullable: boolean;
}

export interface ErDiagramOptions {
  /** At most this many tables, the touched ones first (default 12). */
  maxTables?: number;
  /** At most this many columns per table (default 12). */
  maxColumns?: number;
}

const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

/**
 * A column type as Mermaid accepts it (a letter, then letters, digits, `_`, `-`, `,`, parentheses
 * and brackets; no spaces) and as the migration wrote it: `varchar(255)`, `bigint`, an enum by its own name.
 */
function typeWord(type: string): string {
  const t = readableType(type)
    .split('.')
    .map((p) => p.replace(/^"|"$/g, ''))
    .pop()!
    .replace(/,\s+/g, ',')
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_()[\],-]+/g, '_');
  return /^[A-Za-z]/.test(t) ? t : `t_${t}`;
}

/** A Mermaid identifier: letters, digits, `_` and `-`, starting with a letter. */
function word(text: string, prefix: string): string {
  const w = text
    .replace(/^"|"$/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(w) ? w : `${prefix}${w}`;
}

/** A name as people read it: `public.` dropped, quote_ident's quotes undone. */
function display(name: string): string {
  const parts = splitName(name).map((p) => (/^".*"$/.test(p) ? p.slice(1, -1).replace(/""/g, '"') : p));
  return (parts[0] === 'public' && parts.length > 1 ? parts.slice(1) : parts).join('.');
}

/** The text of a quoted Mermaid entity name or comment: no quotes, `%`, backslashes or line breaks. */
function quoted(text: string): string {
  return `"${text.replace(/["%\\\r\n\v\b\u2028\u2029<>`]/g, '_')}"`;
}

/**
 * A Mermaid `erDiagram` of the tables that gain or lose a column, a key or a foreign key (new tables
 * with all their columns, existing ones with the columns that came or went), or null when there is
 * none. Foreign keys between drawn tables are lines; one to a table not drawn is a note on its column.
 */
export function erDiagram(changes: readonly Change[], options: ErDiagramOptions = {}): string | null {
  const maxTables = options.maxTables ?? 12;
  const maxColumns = options.maxColumns ?? 12;
  const entities = new Map<string, Entity>();
  const edges = new Map<string, Edge>();
  const removed = new Set(
    changes.filter((c) => c.kind === 'table' && c.action === 'removed').map((c) => c.name),
  );

  const entity = (name: string, touched: boolean): Entity => {
    let e = entities.get(name);
    if (!e) {
      e = { name, added: false, touched, columns: new Map(), keys: new Map() };
      entities.set(name, e);
    }
    e.touched ||= touched;
    return e;
  };
  const column = (e: Entity, value: unknown, mark: Column['mark']): void => {
    const c = obj(value);
    if (typeof c.name !== 'string') return;
    e.columns.set(c.name, { name: c.name, type: String(c.type ?? ''), nullable: c.nullable !== false, mark });
  };
  const constraint = (e: Entity, value: unknown): void => {
    const k = obj(value);
    const columns = Array.isArray(k.columns) ? k.columns.map(String) : [];
    const key =
      k.type === 'primary key' ? 'PK' : k.type === 'foreign key' ? 'FK' : k.type === 'unique' ? 'UK' : null;
    if (key) for (const c of columns) if (!e.keys.has(c) || key === 'PK') e.keys.set(c, key);
    if (
      k.type === 'foreign key' &&
      typeof k.referencedTable === 'string' &&
      !removed.has(k.referencedTable)
    ) {
      edges.set(`${e.name}\u0000${String(k.name)}`, {
        from: e.name,
        to: k.referencedTable,
        columns,
        nullable: columns.some((c) => e.columns.get(c)?.nullable !== false),
      });
    }
  };

  // Only tables that gain or lose a column, a key or a foreign key (or are new) are drawn: an index,
  // a trigger or a changed default adds nothing a diagram shows better than the diff.
  const isKey = (v: unknown) => ['primary key', 'foreign key', 'unique'].includes(String(obj(v).type));
  for (const c of changes) {
    const relation = relationOf(c);
    if (relation === null || removed.has(relation) || (c.action === 'removed' && c.kind === 'table'))
      continue;
    if (c.kind === 'table' && c.action === 'added') {
      const e = entity(relation, true);
      const t = obj(c.after);
      e.added = true;
      for (const col of Object.values(obj(t.columns))) column(e, col, 'new');
      for (const k of Object.values(obj(t.constraints))) constraint(e, k);
    } else if (c.kind === 'column' && (c.action === 'added' || c.action === 'removed')) {
      const e = entity(relation, true);
      column(e, c.action === 'added' ? c.after : c.before, c.action === 'added' ? 'new' : 'removed');
    } else if (
      c.kind === 'constraint' &&
      (c.action === 'added' || c.action === 'removed') &&
      isKey(c.after ?? c.before)
    ) {
      const e = entity(relation, true);
      if (c.action === 'added') constraint(e, c.after);
    }
  }
  if (entities.size === 0) return null;
  // A foreign key to a table that is not drawn is said on its column instead of an empty box.
  for (const [key, edge] of edges) {
    if (entities.has(edge.to)) continue;
    const e = entities.get(edge.from)!;
    for (const c of edge.columns) {
      const col = e.columns.get(c);
      if (col) col.references = display(edge.to);
    }
    edges.delete(key);
  }

  // A table that only lost a key has no column to draw: the diff says it better than an empty box.
  for (const [name, e] of entities) if (!e.columns.size) entities.delete(name);
  for (const [key, edge] of edges) if (!entities.has(edge.from) || !entities.has(edge.to)) edges.delete(key);
  if (entities.size === 0) return null;
  const ordered = [...entities.values()].sort(
    (a, b) => Number(b.touched) - Number(a.touched) || a.name.localeCompare(b.name),
  );
  const shown = ordered.slice(0, maxTables);
  const names = new Set(shown.map((e) => e.name));
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const e of shown) {
    let label = display(e.name) + (e.added ? ' (new)' : '');
    while (used.has(label)) label += '_';
    used.add(label);
    ids.set(e.name, quoted(label));
  }

  const out = ['erDiagram'];
  for (const e of shown) {
    const columns = [...e.columns.values()];
    if (!columns.length) {
      out.push(`  ${ids.get(e.name)!}`);
      continue;
    }
    out.push(`  ${ids.get(e.name)!} {`);
    for (const c of columns.slice(0, maxColumns)) {
      const key = e.keys.get(c.name);
      const notes = [e.added ? '' : (c.mark ?? ''), c.references ? `references ${c.references}` : ''].filter(
        Boolean,
      );
      out.push(
        `    ${typeWord(c.type || 'unknown')} ${word(display(localName(c.name)), 'c_')}${key ? ` ${key}` : ''}${notes.length ? ` ${quoted(notes.join(', '))}` : ''}`,
      );
    }
    if (columns.length > maxColumns)
      out.push(`    more columns ${quoted(`${columns.length - maxColumns} more`)}`);
    out.push('  }');
  }
  for (const edge of edges.values()) {
    if (!names.has(edge.from) || !names.has(edge.to)) continue;
    const cardinality = edge.nullable ? '}o--o|' : '}o--||';
    out.push(
      `  ${ids.get(edge.from)!} ${cardinality} ${ids.get(edge.to)!} : ${quoted(edge.columns.join(', ') || 'references')}`,
    );
  }
  if (ordered.length > shown.length) {
    out.push(`  %% ${ordered.length - shown.length} more tables not drawn`);
  }
  return out.join('\n');
}
