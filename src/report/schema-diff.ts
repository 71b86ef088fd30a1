import { summarizeChange, type Change } from '../diff/index.js';
import { kindOrder } from '../diff/types.js';
import { localName, parentName } from '../diff/names.js';
import { readableType } from './format.js';

type Obj = Record<string, unknown>;

const SIGN: Record<Change['action'], string> = { added: '+', removed: '-', changed: '~', renamed: '~' };

/** Kinds that live inside a table and are listed under it. */
const NESTED = new Set<Change['kind']>(['column', 'constraint', 'index', 'trigger', 'policy']);

const GROUP_TITLES: Partial<Record<Change['kind'], string>> = {
  schema: 'schemas',
  extension: 'extensions',
  enum: 'enums',
  domain: 'domains',
  type: 'types',
  sequence: 'sequences',
  view: 'views',
  materialized_view: 'materialized views',
  function: 'functions',
};

/** Longest text of one change; longer ones end in `…` (the JSON report has them whole). */
const MAX_LINE = 240;
/** Width of a line in the diff block: wider ones fold onto continuation lines (GitHub's box is ~100). */
const WIDTH = 100;

function obj(value: unknown): Obj {
  return value && typeof value === 'object' ? (value as Obj) : {};
}

/** The relation a change belongs to (a table's column, index, comment...), or null for a top-level object. */
export function relationOf(c: Change): string | null {
  const o = obj(c.after ?? c.before);
  switch (c.kind) {
    case 'table':
      return c.name;
    case 'column':
    case 'constraint':
    case 'trigger':
    case 'policy':
      return parentName(c.name);
    case 'index':
      return typeof o.table === 'string' ? o.table : null;
    case 'sequence':
      return typeof o.ownedBy === 'string' ? parentName(o.ownedBy) : null;
    case 'comment':
    case 'privilege':
      if (o.on === 'table') return c.name;
      if (o.on === 'column') return parentName(c.name);
      return null;
    default:
      return null;
  }
}

/** `summarizeChange` without its `± kind name` head: what follows the name. */
function tail(c: Change): string {
  const full = summarizeChange(c);
  const head = `${c.action === 'renamed' ? '>' : SIGN[c.action]} ${c.kind.replace('_', ' ')} ${c.name}`;
  return full.startsWith(head) ? full.slice(head.length) : '';
}

function oneLine(text: string): string {
  const line = text.replace(/[\r\n\u2028\u2029]+/g, '␤');
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/**
 * A line folded at spaces to at most `WIDTH` characters; continuation lines keep the sign (so the
 * diff colours them alike) and are indented under the text.
 */
export function fold(text: string, sign: string, indent: string): string[] {
  if (text.length <= WIDTH) return [text];
  const lead = `${sign} ${indent}      `;
  const out: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length > (first ? WIDTH : WIDTH - lead.length)) {
    const room = first ? WIDTH : WIDTH - lead.length;
    let at = rest.lastIndexOf(' ', room);
    if (at <= room / 3) at = room;
    out.push((first ? '' : lead) + rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
    first = false;
  }
  if (rest) out.push(lead + rest);
  return out;
}

/** `integer NOT NULL DEFAULT nextval('…_seq'::regclass)` as the migration wrote it: `serial`. */
function serialColumn(rest: string): string {
  const m = /^ (smallint|integer|bigint) NOT NULL DEFAULT nextval\('[^']*'::regclass\)(.*)$/.exec(rest);
  if (!m) return rest;
  const serial = { smallint: 'smallserial', integer: 'serial', bigint: 'bigserial' }[m[1] as 'integer'];
  return ` ${serial}${m[2]!}`;
}

/**
 * An index's definition without what the line already says (`CREATE INDEX name ON table USING`):
 * `btree (user_id)`, `UNIQUE btree (email) WHERE …`.
 */
function indexDefinition(definition: string): string {
  const m = /^\s*CREATE (UNIQUE )?INDEX .*? ON (?:ONLY )?.*? USING (.*)$/s.exec(definition);
  return m ? `${m[1] ?? ''}${m[2]!}` : definition;
}

/** The lines of one change: sign, indentation, kind, the name as it reads in its group, and the detail. */
function line(c: Change, shownName: string, indent: string): string[] {
  let rest = tail(c);
  if (c.action === 'renamed') rest = ` (renamed from ${c.from ?? '?'})`;
  const o = obj(c.action === 'removed' ? c.before : c.after);
  if (
    c.kind === 'index' &&
    (c.action === 'added' || c.action === 'removed') &&
    typeof o.definition === 'string'
  )
    rest = ` ${indexDefinition(o.definition)}${o.valid === false ? ' INVALID' : ''}`;
  if (c.kind === 'trigger' && typeof o.definition === 'string')
    rest = rest.replace(/^ CREATE (?:CONSTRAINT )?TRIGGER \S+ /, ' ');
  if (c.kind === 'column' && (c.action === 'added' || c.action === 'removed')) rest = serialColumn(rest);
  if (c.kind === 'column' || c.kind === 'constraint' || c.kind === 'sequence') rest = readableType(rest);
  if (c.kind === 'comment' || c.kind === 'privilege') rest = rest.replace(/^ [^:]*:/, ':');
  const kind =
    c.kind === 'comment' || c.kind === 'privilege'
      ? `${c.kind} on ${String(obj(c.after ?? c.before).on ?? '')}`
      : c.kind.replace('_', ' ');
  return fold(oneLine(`${SIGN[c.action]} ${indent}${kind} ${shownName}${rest}`), SIGN[c.action], indent);
}

/** The columns, constraints, indexes, triggers and policies a new table comes with, as added changes. */
function tableContents(table: Change): Change[] {
  const t = obj(table.after);
  const nested = (kind: Change['kind'], key: string, qualify: boolean): Change[] =>
    Object.values(obj(t[key])).map((value) => {
      const name = String(obj(value).name ?? '');
      return {
        kind,
        action: 'added',
        name: qualify ? `${table.name}.${name}` : name,
        before: null,
        after: value,
      };
    });
  return [
    ...nested('column', 'columns', true),
    ...nested('constraint', 'constraints', true),
    ...nested('index', 'indexes', false),
    ...nested('trigger', 'triggers', true),
    ...nested('policy', 'policies', true),
  ];
}

function shortName(c: Change, relation: string): string {
  if (c.kind === 'table') return c.name;
  if ((c.kind === 'comment' || c.kind === 'privilege') && c.name === relation) return c.name;
  return c.name.startsWith(relation + '.') ? c.name.slice(relation.length + 1) : localName(c.name);
}

/**
 * The body of a ```diff block: changes grouped by table (its columns, constraints, indexes, triggers,
 * policies, comments and grants under it; a new table with everything it comes with), then the other
 * objects grouped by kind (enums, functions, views...). `+` added, `-` removed, `~` changed or renamed.
 * `perObject: false` leaves one line per table and object, without the nested detail.
 */
export function schemaDiffLines(changes: readonly Change[], options: { perObject?: boolean } = {}): string[] {
  const perObject = options.perObject ?? true;
  const byRelation = new Map<string, Change[]>();
  const others = new Map<string, Change[]>();
  for (const c of changes) {
    const relation = relationOf(c);
    if (relation !== null) {
      byRelation.set(relation, [...(byRelation.get(relation) ?? []), c]);
    } else {
      const on = obj(c.after ?? c.before).on;
      const kind: string =
        (c.kind === 'comment' || c.kind === 'privilege') && typeof on === 'string' ? on : c.kind;
      const title =
        GROUP_TITLES[kind.replace(' ', '_') as Change['kind']] ??
        (['procedure', 'aggregate', 'window'].includes(kind) ? 'functions' : 'other objects');
      others.set(title, [...(others.get(title) ?? []), c]);
    }
  }
  const out: string[] = [];
  for (const relation of [...byRelation.keys()].sort()) {
    const list = byRelation.get(relation)!;
    const table = list.find((c) => c.kind === 'table');
    const rest = list.filter((c) => c !== table);
    if (table) out.push(...line(table, table.name, ''));
    else out.push(oneLine(`  table ${relation}`));
    if (!perObject) {
      if (rest.length) {
        const counts = (['added', 'changed', 'renamed', 'removed'] as const)
          .map((a) => [a, rest.filter((c) => c.action === a).length] as const)
          .filter(([, n]) => n > 0)
          .map(([a, n]) => `${n} ${a}`);
        out.push(`    ${rest.length} change${rest.length === 1 ? '' : 's'} inside (${counts.join(', ')})`);
      }
      continue;
    }
    const inside = table?.action === 'added' ? [...tableContents(table), ...rest] : rest;
    const ordered = [...inside].sort(
      (a, b) =>
        Number(NESTED.has(b.kind)) - Number(NESTED.has(a.kind)) ||
        kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind),
    );
    for (const c of ordered) out.push(...line(c, shortName(c, relation), '  '));
  }
  const titles = [...new Set([...kindOrder.map((k) => GROUP_TITLES[k]), 'other objects'])].filter(
    (t): t is string => t !== undefined && others.has(t),
  );
  for (const title of titles) {
    out.push(`  ${title}`);
    for (const c of others.get(title)!) out.push(...line(c, c.name, '  '));
  }
  return out;
}
