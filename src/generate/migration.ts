import { plainIndex } from '../assess/sql.js';
import type { Change } from '../diff/index.js';
import { localName, parentName, splitName } from '../diff/names.js';
import type { ColumnInfo, ConstraintInfo, IndexInfo, Snapshot, TableInfo } from '../inspect/index.js';

/**
 * Writes a sequelize-cli migration whose `up` turns the migrated schema (`from`) into the models'
 * schema (`to`) and whose `down` turns it back, from the comparison's changes. It uses
 * `queryInterface` calls (createTable, addColumn, changeColumn, addIndex, addConstraint, ...) and raw
 * SQL only where no call exists (ENUM labels, a type change that needs USING, an index on
 * expressions). What it cannot decide safely — a rename it cannot tell from a drop and an add — it
 * does not guess: it leaves a TODO in the file and says so.
 */
export interface GenerateInput {
  changes: Change[];
  from: Snapshot;
  to: Snapshot;
  /** `fromType→toType` pairs PostgreSQL converts without USING (assignment or implicit casts). */
  assignableTypes: Set<string>;
  /** `commonjs` (`module.exports`) or `esm` (`export default`). */
  format: 'commonjs' | 'esm';
}

export interface GeneratedMigration {
  source: string;
  /** Operations written (each one an `up` step with its `down`). */
  operations: number;
  /** What needs a person's decision, one line each; the file holds the same as TODO comments. */
  todos: string[];
}

interface Op {
  /** A comment above the step in `up`. */
  note?: string;
  up: string[];
  down: string[];
}

const I = '    ';

/** `"Foo"` → `Foo`, `public` → `public` (the reverse of quote_ident). */
function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part;
}

function js(value: unknown): string {
  return JSON.stringify(value);
}

/** A table as queryInterface takes it: `'posts'`, or `{ schema, tableName }` outside public. */
function tableRef(qualified: string): string {
  const [schema, table] = splitName(qualified).map(unquote);
  return schema === 'public' ? js(table) : `{ schema: ${js(schema)}, tableName: ${js(table)} }`;
}

function columnName(qualifiedColumn: string): string {
  return unquote(localName(qualifiedColumn));
}

const SIMPLE_TYPES: Record<string, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  boolean: 'BOOLEAN',
  real: 'REAL',
  'double precision': 'DOUBLE',
  'timestamp with time zone': 'DATE',
  date: 'DATEONLY',
  'time without time zone': 'TIME',
  uuid: 'UUID',
  json: 'JSON',
  jsonb: 'JSONB',
  bytea: 'BLOB',
  inet: 'INET',
  cidr: 'CIDR',
  macaddr: 'MACADDR',
  citext: 'CITEXT',
  tsvector: 'TSVECTOR',
  numeric: 'DECIMAL',
  'character varying': 'STRING',
};

/** Names as snapshots write enum types (`public.enum_posts_status`), from a column's `format_type`. */
function enumOf(type: string, snapshot: Snapshot): string | null {
  if (snapshot.enums[type]) return type;
  if (snapshot.enums[`public.${type}`]) return `public.${type}`;
  return null;
}

/**
 * The Sequelize data type for a PostgreSQL type as `format_type` writes it; the type's own SQL (which
 * Sequelize passes through) when there is no exact Sequelize equivalent.
 */
function dataType(type: string, table: string, column: string, snapshot: Snapshot): string {
  if (type.endsWith('[]')) return `Sequelize.ARRAY(${dataType(type.slice(0, -2), table, column, snapshot)})`;
  const simple = SIMPLE_TYPES[type];
  if (simple) return simple === 'STRING' ? js('VARCHAR') : `Sequelize.${simple}`;
  let m = /^character varying\((\d+)\)$/.exec(type);
  if (m) return m[1] === '255' ? 'Sequelize.STRING' : `Sequelize.STRING(${m[1]})`;
  m = /^character\((\d+)\)$/.exec(type);
  if (m) return `Sequelize.CHAR(${m[1]})`;
  m = /^numeric\((\d+),(\d+)\)$/.exec(type);
  if (m) return `Sequelize.DECIMAL(${m[1]}, ${m[2]})`;
  m = /^timestamp\((\d)\) with time zone$/.exec(type);
  if (m) return `Sequelize.DATE(${m[1]})`;
  const e = enumOf(type, snapshot);
  if (e) {
    // Sequelize names the type it creates for an ENUM column enum_<table>_<column>.
    const [schema, tableName] = splitName(table).map(unquote);
    const expected = `${schema === 'public' ? '' : `${schema}_`}enum_${tableName}_${column}`;
    if (unquote(localName(e)) === expected) {
      return `Sequelize.ENUM(${snapshot.enums[e]!.labels.map(js).join(', ')})`;
    }
  }
  return js(type);
}

/** A string literal default (`'draft'::text`) as its JS value; null when it is an expression. */
function literalDefault(expr: string): string | boolean | number | null {
  const s = /^'((?:[^']|'')*)'(?:::[\w". ]+(?:\(\d+\))?)?$/.exec(expr);
  if (s) return s[1]!.replace(/''/g, "'");
  if (expr === 'true' || expr === 'false') return expr === 'true';
  if (/^-?\d+(\.\d+)?$/.test(expr) && Number.isSafeInteger(Math.trunc(Number(expr)))) return Number(expr);
  return null;
}

function isSerial(c: ColumnInfo): boolean {
  return c.identity === null && c.default !== null && /^nextval\('.*'::regclass\)$/.test(c.default);
}

interface ColumnOptions {
  primaryKey?: boolean;
  /** For changeColumn: a serial column keeps its nextval default as it is. */
  forChange?: boolean;
}

/** The attribute object of a column for createTable / addColumn / changeColumn. */
function attribute(table: string, c: ColumnInfo, snapshot: Snapshot, options: ColumnOptions = {}): string {
  const name = unquote(c.name);
  const parts = [`type: ${dataType(c.type, table, name, snapshot)}`, `allowNull: ${c.nullable}`];
  if (options.primaryKey) parts.push('primaryKey: true');
  if (c.identity) {
    parts.push('autoIncrement: true', 'autoIncrementIdentity: true');
  } else if (isSerial(c) && !options.forChange) {
    parts.push('autoIncrement: true');
  } else if (c.default !== null) {
    const value = literalDefault(c.default);
    parts.push(`defaultValue: ${value === null ? `Sequelize.literal(${js(c.default)})` : js(value)}`);
  }
  return `{ ${parts.join(', ')} }`;
}

function primaryKeyColumns(t: TableInfo): string[] {
  return Object.values(t.constraints).find((c) => c.type === 'primary key')?.columns ?? [];
}

function tableAttributes(qualified: string, t: TableInfo, snapshot: Snapshot): string[] {
  const pk = new Set(primaryKeyColumns(t));
  return Object.values(t.columns)
    .sort((a, b) => a.position - b.position)
    .map(
      (c) =>
        `${I}  ${js(unquote(c.name))}: ${attribute(qualified, c, snapshot, { primaryKey: pk.has(c.name) })},`,
    );
}

/** Enum types a table's columns use, in the snapshot, that `other` does not have. */
function enumsOnlyIn(t: TableInfo, snapshot: Snapshot, other: Snapshot): string[] {
  const out: string[] = [];
  for (const c of Object.values(t.columns)) {
    const e = enumOf(c.type.replace(/\[\]$/, ''), snapshot);
    if (e && !other.enums[e] && !out.includes(e)) out.push(e);
  }
  return out;
}

function createEnum(name: string, labels: string[]): string {
  const list = labels.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ');
  return `${I}await queryInterface.sequelize.query(${js(`CREATE TYPE ${name} AS ENUM (${list});`)});`;
}

function dropEnum(name: string): string {
  return `${I}await queryInterface.sequelize.query(${js(`DROP TYPE IF EXISTS ${name};`)});`;
}

function constraintOptions(c: ConstraintInfo): string | null {
  const fields = c.columns.map(unquote);
  const name = js(unquote(c.name));
  switch (c.type) {
    case 'primary key':
      return `{ type: 'primary key', name: ${name}, fields: ${js(fields)} }`;
    case 'unique':
      if (c.deferrable || !/^UNIQUE \(/.test(c.definition)) return null;
      return `{ type: 'unique', name: ${name}, fields: ${js(fields)} }`;
    case 'foreign key': {
      if (c.match && c.match !== 'SIMPLE') return null;
      const ref = c.referencedTable!;
      const parts = [
        `type: 'foreign key'`,
        `name: ${name}`,
        `fields: ${js(fields)}`,
        `references: { table: ${tableRef(ref)}, fields: ${js(c.referencedColumns.map(unquote))} }`,
      ];
      if (c.onDelete && c.onDelete !== 'NO ACTION') parts.push(`onDelete: ${js(c.onDelete)}`);
      if (c.onUpdate && c.onUpdate !== 'NO ACTION') parts.push(`onUpdate: ${js(c.onUpdate)}`);
      if (c.deferrable) {
        parts.push(
          `deferrable: Sequelize.Deferrable.${c.deferred ? 'INITIALLY_DEFERRED' : 'INITIALLY_IMMEDIATE'}`,
        );
      }
      return `{ ${parts.join(', ')} }`;
    }
    default:
      return null;
  }
}

function addConstraint(table: string, c: ConstraintInfo): string {
  const options = constraintOptions(c);
  if (options) return `${I}await queryInterface.addConstraint(${tableRef(table)}, ${options});`;
  return `${I}await queryInterface.sequelize.query(${js(`ALTER TABLE ${table} ADD CONSTRAINT ${c.name} ${c.definition};`)});`;
}

function removeConstraint(table: string, c: ConstraintInfo): string {
  return `${I}await queryInterface.removeConstraint(${tableRef(table)}, ${js(unquote(c.name))});`;
}

function addIndex(i: IndexInfo): string {
  const plain = plainIndex(i.definition);
  if (!plain) return `${I}await queryInterface.sequelize.query(${js(i.definition + ';')});`;
  const fields = plain.columns.map((c) =>
    c.order ? `{ name: ${js(c.name)}, order: ${js(c.order)} }` : js(c.name),
  );
  const options = [`name: ${js(unquote(localName(i.name)))}`];
  if (plain.unique) options.push('unique: true');
  if (plain.method !== 'btree') options.push(`using: ${js(plain.method.toUpperCase())}`);
  return `${I}await queryInterface.addIndex(${tableRef(i.table)}, [${fields.join(', ')}], { ${options.join(', ')} });`;
}

function removeIndex(i: IndexInfo): string {
  return `${I}await queryInterface.removeIndex(${tableRef(i.table)}, ${js(unquote(localName(i.name)))});`;
}

function createTable(qualified: string, t: TableInfo, snapshot: Snapshot): string[] {
  return [
    `${I}await queryInterface.createTable(${tableRef(qualified)}, {`,
    ...tableAttributes(qualified, t, snapshot),
    `${I}});`,
  ];
}

/** Keys and indexes of a table created as a whole, except foreign keys (added once every table exists). */
function tableExtras(qualified: string, t: TableInfo): string[] {
  const up: string[] = [];
  for (const c of Object.values(t.constraints)) {
    if (c.type === 'unique' || c.type === 'check' || c.type === 'exclusion')
      up.push(addConstraint(qualified, c));
  }
  for (const i of Object.values(t.indexes)) up.push(addIndex(i));
  return up;
}

/** The SQL that recreates an enum type with `labels`, converting the columns that use it. */
function recreateEnum(
  name: string,
  labels: string[],
  target: Snapshot,
  columns: { table: string; column: ColumnInfo }[],
): string[] {
  const old = `${parentName(name)}.${quoteIdentPart(`${unquote(localName(name))}_old`)}`;
  const sql = [
    `ALTER TYPE ${name} RENAME TO ${localName(old)};`,
    `CREATE TYPE ${name} AS ENUM (${labels.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ')});`,
  ];
  for (const { table, column } of columns) {
    const array = column.type.endsWith('[]') ? '[]' : '';
    if (column.default !== null) sql.push(`ALTER TABLE ${table} ALTER COLUMN ${column.name} DROP DEFAULT;`);
    sql.push(
      `ALTER TABLE ${table} ALTER COLUMN ${column.name} TYPE ${name}${array} USING ${column.name}::text${array}::${name}${array};`,
    );
    const after = target.tables[table]?.columns[column.name];
    if (after?.default)
      sql.push(`ALTER TABLE ${table} ALTER COLUMN ${column.name} SET DEFAULT ${after.default};`);
  }
  sql.push(`DROP TYPE ${old};`);
  return sql.map((s) => `${I}await queryInterface.sequelize.query(${js(s)});`);
}

function quoteIdentPart(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Columns of `snapshot` whose type is the enum `name` (or an array of it). */
function enumColumns(name: string, snapshot: Snapshot): { table: string; column: ColumnInfo }[] {
  const out: { table: string; column: ColumnInfo }[] = [];
  for (const [table, t] of Object.entries(snapshot.tables)) {
    for (const column of Object.values(t.columns)) {
      if (enumOf(column.type.replace(/\[\]$/, ''), snapshot) === name) out.push({ table, column });
    }
  }
  return out;
}

/** `up` and `down` SQL for moving an enum from `fromLabels` to `toLabels`. */
function enumLabels(name: string, input: GenerateInput, fromLabels: string[], toLabels: string[]): Op {
  const addOnly = (a: string[], b: string[]) => a.every((l, i) => b.filter((x) => a.includes(x))[i] === l);
  const step = (a: string[], b: string[], target: Snapshot, source: Snapshot): string[] => {
    if (addOnly(a, b)) {
      // Only new labels: ALTER TYPE ... ADD VALUE, each placed where the target has it.
      return b
        .map((label, i) => ({ label, i }))
        .filter(({ label }) => !a.includes(label))
        .map(({ label, i }) => {
          // After the label before it (already there: old, or added by the step before); a label
          // ahead of every old one goes before the first old one (ADD VALUE alone appends).
          const after = b[i - 1];
          const before = after === undefined ? a[0] : undefined;
          const quote = (l: string) => `'${l.replace(/'/g, "''")}'`;
          const where =
            after !== undefined
              ? ` AFTER ${quote(after)}`
              : before !== undefined
                ? ` BEFORE ${quote(before)}`
                : '';
          return `${I}await queryInterface.sequelize.query(${js(`ALTER TYPE ${name} ADD VALUE '${label.replace(/'/g, "''")}'${where};`)});`;
        });
    }
    return recreateEnum(name, b, target, enumColumns(name, source));
  };
  return {
    note: `enum ${name}: (${fromLabels.join(', ')}) → (${toLabels.join(', ')})`,
    up: step(fromLabels, toLabels, input.to, input.from),
    down: step(toLabels, fromLabels, input.from, input.to),
  };
}

function changeColumn(
  table: string,
  c: ColumnInfo,
  other: ColumnInfo,
  input: GenerateInput,
  snapshot: Snapshot,
): string[] {
  const typeChanged = c.type !== other.type;
  const cast = typeChanged && !input.assignableTypes.has(`${other.type}→${c.type}`);
  const enumType = enumOf(c.type.replace(/\[\]$/, ''), snapshot);
  if (cast || (typeChanged && enumType)) {
    // changeColumn cannot say USING: raw SQL, default dropped first and set again after.
    const sql = [];
    if (other.default !== null) sql.push(`ALTER TABLE ${table} ALTER COLUMN ${c.name} DROP DEFAULT;`);
    sql.push(`ALTER TABLE ${table} ALTER COLUMN ${c.name} TYPE ${c.type} USING ${c.name}::${c.type};`);
    if (c.default !== null) sql.push(`ALTER TABLE ${table} ALTER COLUMN ${c.name} SET DEFAULT ${c.default};`);
    sql.push(`ALTER TABLE ${table} ALTER COLUMN ${c.name} ${c.nullable ? 'DROP' : 'SET'} NOT NULL;`);
    return sql.map((s) => `${I}await queryInterface.sequelize.query(${js(s)});`);
  }
  const def = attribute(table, c, snapshot, { forChange: true }).replace(
    /type: Sequelize\.ENUM\([^)]*\)/,
    `type: ${js(enumType ?? c.type)}`,
  );
  return [`${I}await queryInterface.changeColumn(${tableRef(table)}, ${js(unquote(c.name))}, ${def});`];
}

function todo(lines: string[]): string[] {
  return lines.map((l) => `${I}// ${l}`);
}

/** Builds the migration. `parser` must be loaded (`loadSqlParser()`). */
export function generateMigration(input: GenerateInput): GeneratedMigration {
  const { from, to } = input;
  const byKind = (kind: Change['kind'], action: Change['action']) =>
    input.changes.filter((c) => c.kind === kind && c.action === action);
  const todos: string[] = [];
  const todoOps: Op[] = [];

  // A removed and an added object side by side may be one object renamed: never guessed.
  const removedTables = byKind('table', 'removed');
  const addedTables = byKind('table', 'added');
  const ambiguousTables = removedTables.length && addedTables.length;
  const removedColumns = byKind('column', 'removed');
  const addedColumns = byKind('column', 'added');
  const ambiguousColumnTables = new Set(
    removedColumns
      .map((c) => parentName(c.name))
      .filter((t) => addedColumns.some((a) => parentName(a.name) === t)),
  );
  for (const c of input.changes.filter(
    (x) => x.action === 'renamed' && (x.kind === 'table' || x.kind === 'column'),
  )) {
    const line = `${c.kind} ${c.from} (migrations) and ${c.name} (models) look like one ${c.kind} renamed. Schemabot does not guess renames: write renameColumn/renameTable, or a remove and an add.`;
    todos.push(line);
    todoOps.push({ up: todo([`TODO: ${line}`]), down: todo([`TODO: undo the decision above.`]) });
  }
  if (ambiguousTables) {
    const line = `the models drop table(s) ${removedTables.map((c) => c.name).join(', ')} and add ${addedTables.map((c) => c.name).join(', ')}: a rename or a drop and a create? Schemabot does not guess; write renameTable, or dropTable and createTable.`;
    todos.push(line);
    todoOps.push({ up: todo([`TODO: ${line}`]), down: todo(['TODO: undo the decision above.']) });
  }
  for (const t of ambiguousColumnTables) {
    const gone = removedColumns.filter((c) => parentName(c.name) === t).map((c) => localName(c.name));
    const added = addedColumns.filter((c) => parentName(c.name) === t).map((c) => localName(c.name));
    const line = `table ${t} loses column(s) ${gone.join(', ')} and gains ${added.join(', ')}: a rename or a drop and an add? Schemabot does not guess; write renameColumn, or removeColumn and addColumn.`;
    todos.push(line);
    todoOps.push({ up: todo([`TODO: ${line}`]), down: todo(['TODO: undo the decision above.']) });
  }

  const ops: Op[] = [];
  // 0. New enum types that no new ENUM column creates itself (e.g. for a column whose type changes).
  const createdByColumns = new Set<string>();
  const newColumns = [
    ...addedTables.flatMap((t) =>
      Object.values(to.tables[t.name]!.columns).map((column) => ({ table: t.name, column })),
    ),
    ...addedColumns.map((c) => ({ table: parentName(c.name), column: c.after as ColumnInfo })),
  ];
  for (const { table, column } of newColumns) {
    if (dataType(column.type, table, unquote(column.name), to).includes('Sequelize.ENUM(')) {
      const e = enumOf(column.type.replace(/\[\]$/, ''), to);
      if (e) createdByColumns.add(e);
    }
  }
  for (const c of byKind('enum', 'added')) {
    if (createdByColumns.has(c.name)) continue;
    ops.push({ up: [createEnum(c.name, to.enums[c.name]!.labels)], down: [dropEnum(c.name)] });
  }
  // 1. ENUM labels of types both sides have.
  for (const c of byKind('enum', 'changed')) {
    const a = from.enums[c.name]!;
    const b = to.enums[c.name]!;
    ops.push(enumLabels(c.name, input, a.labels, b.labels));
  }
  // 2. New tables (their foreign keys come once every table exists).
  const newForeignKeys: { table: string; c: ConstraintInfo }[] = [];
  if (!ambiguousTables) {
    for (const c of addedTables) {
      const t = to.tables[c.name]!;
      ops.push({
        note: `table ${c.name}`,
        up: [...createTable(c.name, t, to), ...tableExtras(c.name, t)],
        down: [
          `${I}await queryInterface.dropTable(${tableRef(c.name)});`,
          ...enumsOnlyIn(t, to, from).map(dropEnum),
        ],
      });
      for (const k of Object.values(t.constraints)) {
        if (k.type === 'foreign key') newForeignKeys.push({ table: c.name, c: k });
      }
    }
  }
  // 3. New columns.
  for (const c of addedColumns) {
    const table = parentName(c.name);
    if (ambiguousColumnTables.has(table)) continue;
    const column = c.after as ColumnInfo;
    const e = enumOf(column.type.replace(/\[\]$/, ''), to);
    ops.push({
      up: [
        `${I}await queryInterface.addColumn(${tableRef(table)}, ${js(columnName(c.name))}, ${attribute(table, column, to)});`,
      ],
      down: [
        `${I}await queryInterface.removeColumn(${tableRef(table)}, ${js(columnName(c.name))});`,
        ...(e && !from.enums[e] ? [dropEnum(e)] : []),
      ],
    });
  }
  // 4. Changed columns.
  for (const c of byKind('column', 'changed')) {
    const table = parentName(c.name);
    const before = c.before as ColumnInfo;
    const after = c.after as ColumnInfo;
    ops.push({
      note: `${c.name}: ${Object.keys(c.details ?? {}).join(', ')}`,
      up: changeColumn(table, after, before, input, to),
      down: changeColumn(table, before, after, input, from),
    });
  }
  // 5. Keys and indexes the models no longer have, before columns and tables go.
  const keyOps = (action: 'removed' | 'added' | 'changed') => {
    for (const c of input.changes.filter((x) => x.kind === 'constraint' && x.action === action)) {
      const table = parentName(c.name);
      const before = c.before as ConstraintInfo | null;
      const after = c.after as ConstraintInfo | null;
      ops.push({
        up: [
          ...(before ? [removeConstraint(table, before)] : []),
          ...(after ? [addConstraint(table, after)] : []),
        ],
        down: [
          ...(after ? [removeConstraint(table, after)] : []),
          ...(before ? [addConstraint(table, before)] : []),
        ],
      });
    }
    for (const c of input.changes.filter((x) => x.kind === 'index' && x.action === action)) {
      const before = c.before as IndexInfo | null;
      const after = c.after as IndexInfo | null;
      ops.push({
        up: [...(before ? [removeIndex(before)] : []), ...(after ? [addIndex(after)] : [])],
        down: [...(after ? [removeIndex(after)] : []), ...(before ? [addIndex(before)] : [])],
      });
    }
  };
  keyOps('removed');
  keyOps('changed');
  // Foreign keys of tables that are about to be dropped, so that no order of drops is needed.
  const droppedForeignKeys: Op[] = [];
  if (!ambiguousTables) {
    for (const c of removedTables) {
      const t = from.tables[c.name]!;
      for (const k of Object.values(t.constraints)) {
        if (k.type === 'foreign key') {
          droppedForeignKeys.push({ up: [removeConstraint(c.name, k)], down: [addConstraint(c.name, k)] });
        }
      }
    }
  }
  ops.push(...droppedForeignKeys);
  // 6. Columns and tables the models no longer have (their data is lost; down brings back the shape only).
  for (const c of removedColumns) {
    const table = parentName(c.name);
    if (ambiguousColumnTables.has(table)) continue;
    const column = c.before as ColumnInfo;
    const e = enumOf(column.type.replace(/\[\]$/, ''), from);
    ops.push({
      note: `drops column ${c.name} and its data`,
      up: [
        `${I}await queryInterface.removeColumn(${tableRef(table)}, ${js(columnName(c.name))});`,
        ...(e && !to.enums[e] ? [dropEnum(e)] : []),
      ],
      down: [
        `${I}await queryInterface.addColumn(${tableRef(table)}, ${js(columnName(c.name))}, ${attribute(table, column, from)});`,
      ],
    });
  }
  if (!ambiguousTables) {
    for (const c of removedTables) {
      const t = from.tables[c.name]!;
      ops.push({
        note: `drops table ${c.name} and its data`,
        up: [
          `${I}await queryInterface.dropTable(${tableRef(c.name)});`,
          ...enumsOnlyIn(t, from, to).map(dropEnum),
        ],
        down: [...createTable(c.name, t, from), ...tableExtras(c.name, t)],
      });
    }
  }
  // 7. New keys and indexes, then the foreign keys of new tables.
  keyOps('added');
  for (const { table, c } of newForeignKeys) {
    ops.push({ up: [addConstraint(table, c)], down: [removeConstraint(table, c)] });
  }
  // 8. Enum types the models no longer use that no drop above took with it.
  const dropped = new Set(ops.flatMap((op) => op.up).filter((l) => l.includes('DROP TYPE IF EXISTS')));
  for (const c of byKind('enum', 'removed')) {
    if ([...dropped].some((l) => l.includes(`DROP TYPE IF EXISTS ${c.name};`))) continue;
    ops.push({ up: [dropEnum(c.name)], down: [createEnum(c.name, from.enums[c.name]!.labels)] });
  }
  const all = [...todoOps, ...ops];
  const body = (steps: string[][]) => steps.flat().join('\n');
  const up = body(all.map((op) => [...(op.note ? [`${I}// ${op.note}`] : []), ...op.up]));
  const down = body([...all].reverse().map((op) => op.down));
  const header = [
    '// Written by `schemabot generate` from the difference between the models and the migrations.',
    '// Review it before committing: it brings the migrated schema to what the models declare, and back.',
    ...(todos.length
      ? [`// ${todos.length} TODO${todos.length > 1 ? 's below need' : ' below needs'} a decision.`]
      : []),
  ];
  const methods = `  async up(queryInterface, Sequelize) {\n${up}\n  },\n\n  async down(queryInterface, Sequelize) {\n${down}\n  },\n`;
  const source =
    input.format === 'esm'
      ? `${header.join('\n')}\n\n/** @type {import('sequelize-cli').Migration} */\nexport default {\n${methods}};\n`
      : `'use strict';\n\n${header.join('\n')}\n\n/** @type {import('sequelize-cli').Migration} */\nmodule.exports = {\n${methods}};\n`;
  return { source, operations: ops.length, todos };
}
