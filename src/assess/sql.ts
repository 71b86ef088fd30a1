import type { A_Const, AlterTableCmd, ColumnDef, Constraint, Node, RangeVar, TypeName } from 'libpg-query';
import { holdWasmTiering } from '../shared/wasm.js';

/**
 * What a migration's SQL does, read with PostgreSQL's own parser (libpg-query): the operations the
 * hazard rules care about, one list per captured SQL string (which may hold several statements).
 */

/** A relation as written in the SQL: schema only when the statement names one. */
export interface RelName {
  schema?: string;
  name: string;
}

/** A column as a CREATE TABLE or ADD COLUMN writes it. */
export interface ColumnSpec {
  name: string;
  /** The type as PostgreSQL's parser names it, e.g. `int4`, `timestamp`, `bpchar(3)`, `serial`. */
  type: string;
  primaryKey: boolean;
}

export type SqlAction =
  | { kind: 'create-table'; table: RelName; columns: ColumnSpec[] }
  | { kind: 'create-index'; table: RelName; index?: string; concurrent: boolean; unique: boolean }
  | { kind: 'drop-index'; indexes: RelName[]; concurrent: boolean }
  | {
      kind: 'add-column';
      table: RelName;
      column: string;
      type: string;
      default?: ColumnDefault;
      notNull: boolean;
      primaryKey: boolean;
    }
  | { kind: 'drop-default'; table: RelName; column: string }
  | { kind: 'set-not-null'; table: RelName; column: string }
  | { kind: 'add-check'; table: RelName; name?: string; validated: boolean }
  | { kind: 'add-foreign-key'; table: RelName; references: RelName; name?: string; validated: boolean }
  | { kind: 'add-unique'; table: RelName; name?: string; primaryKey: boolean; usingIndex: boolean }
  | { kind: 'alter-column-type'; table: RelName; column: string; type: string }
  | { kind: 'drop-column'; table: RelName; column: string }
  | { kind: 'drop-table'; tables: RelName[] }
  | { kind: 'rename-column'; table: RelName; from: string; to: string }
  | { kind: 'rename-table'; table: RelName; to: string }
  | { kind: 'truncate'; tables: RelName[] }
  | { kind: 'vacuum-full'; tables: RelName[] }
  | { kind: 'cluster'; table?: RelName }
  | { kind: 'dml'; verb: 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE'; table: RelName }
  | { kind: 'add-enum-value'; type: string; value: string }
  | {
      kind: 'lock-timeout';
      local: boolean;
      /** `false` for 0, DEFAULT or RESET (no timeout). */ set: boolean;
    }
  | { kind: 'transaction'; what: 'begin' | 'commit' | 'rollback' | 'savepoint' };

export interface ColumnDefault {
  /** Names of the functions the default expression calls (lower case, without schema). */
  functions: string[];
  /** A default that is the same for every row (`'draft'`, `0`, `now()`): no rewrite since PostgreSQL 11. */
  generated?: 'serial' | 'identity' | 'expression';
}

export interface ParsedSql {
  actions: SqlAction[];
  /** Every string constant in the SQL (to spot a new enum value being used). */
  literals: string[];
  /** The parser's message when it rejected the SQL. */
  error?: string;
  /**
   * A read-only SELECT of the system catalogs (Sequelize's own introspection before `addColumn`,
   * `changeColumn`, ...): shown with the SQL but not one of the migration's statements.
   */
  catalog?: boolean;
}

/** PostgreSQL's parser, loaded: what the hazard rules read the SQL with (see `loadSqlParser`). */
export interface SqlParser {
  parse(sql: string): ParsedSql;
  /** The statements of a query string, each as its own text (one element when it holds one). */
  split(sql: string): string[];
}

let loaded: Promise<void> | undefined;
let ready = false;
/** Loaded on first use: the parser is WebAssembly that initialises when imported. */
let parseSync: (typeof import('libpg-query'))['parseSync'];

const PARSER: SqlParser = { parse: (sql) => parseSql(sql), split: (sql) => splitSql(sql) };

/** Loads the parser (WebAssembly) once; `parseSql` needs it. Resolves to the loaded parser. */
export function loadSqlParser(): Promise<SqlParser> {
  holdWasmTiering();
  loaded ??= import('libpg-query').then(async (lib) => {
    await lib.loadModule();
    parseSync = lib.parseSync;
    ready = true;
  });
  return loaded.then(() => PARSER);
}

/** The parser, when `loadSqlParser()` has finished (else a message that says to await it). */
export function loadedSqlParser(): SqlParser {
  if (!ready) throw new Error('The SQL parser is not loaded: await loadSqlParser() first.');
  return PARSER;
}

/**
 * The statements of `sql` as PostgreSQL would run them (by the parser's own statement boundaries),
 * each trimmed, without its `;`. SQL the parser rejects stays one piece. Requires `loadSqlParser()`.
 */
export function splitSql(sql: string): string[] {
  if (!ready) throw new Error('The SQL parser is not loaded: await loadSqlParser() first.');
  let stmts: { stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch {
    return [sql];
  }
  if (stmts.length <= 1) return [sql];
  // Locations count bytes of the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  return stmts
    .map((s) => {
      const from = s.stmt_location ?? 0;
      const to = s.stmt_len ? from + s.stmt_len : bytes.length;
      return bytes.subarray(from, to).toString('utf8').trim();
    })
    .filter((part) => part.length > 0);
}

/** `schema.name`, or `name` when the SQL does not name a schema. */
export function relLabel(rel: RelName): string {
  return rel.schema ? `${rel.schema}.${rel.name}` : rel.name;
}

function rangeVar(rv: RangeVar | undefined): RelName | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}

function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ('String' in n && n.String.sval !== undefined ? [n.String.sval] : []));
}

/** A dotted name list (`[schema, name]` or `[name]`) as a relation. */
function listName(node: Node): RelName | undefined {
  const parts = 'List' in node ? strings(node.List.items) : [];
  if (!parts.length) return undefined;
  const name = parts[parts.length - 1]!;
  return parts.length > 1 ? { schema: parts[parts.length - 2]!, name } : { name };
}

function typeLabel(t: TypeName | undefined): string {
  const names = strings(t?.names).filter((n) => n !== 'pg_catalog');
  const mods = (t?.typmods ?? []).flatMap((m) =>
    'A_Const' in m && m.A_Const.ival ? [String(m.A_Const.ival.ival ?? 0)] : [],
  );
  return names.join('.') + (mods.length ? `(${mods.join(',')})` : '') + (t?.arrayBounds ? '[]' : '');
}

/** Calls every object in the tree (depth first) to `visit`. */
function walk(value: unknown, visit: (key: string, node: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    visit(key, child);
    walk(child, visit);
  }
}

function functionsIn(expr: Node | undefined): string[] {
  const out: string[] = [];
  walk(expr, (key, node) => {
    if (key !== 'FuncCall') return;
    const names = strings((node as { funcname?: Node[] }).funcname);
    if (names.length) out.push(names[names.length - 1]!.toLowerCase());
  });
  return out;
}

/** Types that are an integer column with a `nextval` default (and a sequence). */
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

function constraintsOf(def: ColumnDef): Constraint[] {
  return (def.constraints ?? []).flatMap((c) => ('Constraint' in c ? [c.Constraint] : []));
}

function alterTableActions(table: RelName, cmd: AlterTableCmd): SqlAction[] {
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      if (!def || !('ColumnDef' in def)) return [];
      const col = def.ColumnDef;
      const constraints = constraintsOf(col);
      const dflt = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
      const primaryKey = constraints.some((c) => c.contype === 'CONSTR_PRIMARY');
      const type = typeLabel(col.typeName);
      const action: SqlAction = {
        kind: 'add-column',
        table,
        column: col.colname ?? '',
        type,
        notNull:
          primaryKey || col.is_not_null === true || constraints.some((c) => c.contype === 'CONSTR_NOTNULL'),
        primaryKey,
      };
      const generated = constraints.find(
        (c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED',
      );
      if (SERIAL_TYPES.has(type)) action.default = { functions: ['nextval'], generated: 'serial' };
      else if (generated)
        action.default = {
          functions: functionsIn(generated.raw_expr),
          generated: generated.contype === 'CONSTR_IDENTITY' ? 'identity' : 'expression',
        };
      else if (dflt) action.default = { functions: functionsIn(dflt.raw_expr) };
      return [action];
    }
    case 'AT_ColumnDefault': {
      // Without an expression: DROP DEFAULT.
      return def ? [] : [{ kind: 'drop-default', table, column: cmd.name ?? '' }];
    }
    case 'AT_SetNotNull':
      return [{ kind: 'set-not-null', table, column: cmd.name ?? '' }];
    case 'AT_AlterColumnType': {
      const type = def && 'ColumnDef' in def ? typeLabel(def.ColumnDef.typeName) : '';
      return [{ kind: 'alter-column-type', table, column: cmd.name ?? '', type }];
    }
    case 'AT_DropColumn':
      return [{ kind: 'drop-column', table, column: cmd.name ?? '' }];
    case 'AT_AddConstraint': {
      if (!def || !('Constraint' in def)) return [];
      const c = def.Constraint;
      const name = c.conname ? { name: c.conname } : {};
      if (c.contype === 'CONSTR_CHECK') {
        return [{ kind: 'add-check', table, ...name, validated: c.skip_validation !== true }];
      }
      if (c.contype === 'CONSTR_FOREIGN') {
        const references = rangeVar(c.pktable) ?? { name: '?' };
        return [
          { kind: 'add-foreign-key', table, references, ...name, validated: c.skip_validation !== true },
        ];
      }
      if (c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') {
        return [
          {
            kind: 'add-unique',
            table,
            ...name,
            primaryKey: c.contype === 'CONSTR_PRIMARY',
            usingIndex: Boolean(c.indexname),
          },
        ];
      }
      return [];
    }
    default:
      return [];
  }
}

function lockTimeoutValue(args: Node[] | undefined): boolean {
  const a = args?.[0];
  if (!a || !('A_Const' in a)) return true;
  const c: A_Const = a.A_Const;
  if (c.ival) return (c.ival.ival ?? 0) !== 0;
  if (c.sval) return !/^\s*0+\s*(?:ms|s|min|h|d)?\s*$/i.test(c.sval.sval ?? '');
  return true;
}

const DML = [
  ['InsertStmt', 'INSERT'],
  ['UpdateStmt', 'UPDATE'],
  ['DeleteStmt', 'DELETE'],
  ['MergeStmt', 'MERGE'],
] as const;

/** `FULL false` / `FULL 0` / `FULL off`. */
function isFalse(arg: Node | undefined): boolean {
  if (!arg) return false;
  if ('Boolean' in arg) return arg.Boolean.boolval !== true;
  if ('Integer' in arg) return (arg.Integer.ival ?? 0) === 0;
  if ('String' in arg) return /^(false|off|0|no)$/i.test(arg.String.sval ?? '');
  return false;
}

/** The columns of a CREATE TABLE, with the primary key (inline or as a table constraint). */
function tableColumns(elements: Node[] | undefined): ColumnSpec[] {
  const keys = new Set<string>();
  for (const e of elements ?? []) {
    if ('Constraint' in e && e.Constraint.contype === 'CONSTR_PRIMARY')
      for (const k of strings(e.Constraint.keys)) keys.add(k);
  }
  return (elements ?? []).flatMap((e) => {
    if (!('ColumnDef' in e)) return [];
    const col = e.ColumnDef;
    const name = col.colname ?? '';
    const primaryKey = keys.has(name) || constraintsOf(col).some((c) => c.contype === 'CONSTR_PRIMARY');
    return [{ name, type: typeLabel(col.typeName), primaryKey }];
  });
}

/** A SELECT that reads nothing but the system catalogs (and changes nothing). */
function isCatalogSelect(stmt: Node): boolean {
  if (!('SelectStmt' in stmt) || stmt.SelectStmt.intoClause || stmt.SelectStmt.lockingClause?.length)
    return false;
  let relations = 0;
  let user = false;
  let calls = false;
  walk(stmt, (key, node) => {
    if (key === 'RangeVar') {
      relations++;
      const rv = node as RangeVar;
      const system =
        rv.schemaname === 'pg_catalog' ||
        rv.schemaname === 'information_schema' ||
        (!rv.schemaname && (rv.relname ?? '').startsWith('pg_'));
      if (!system) user = true;
    }
    if (key === 'FuncCall') {
      const names = strings((node as { funcname?: Node[] }).funcname);
      if (names[names.length - 1]?.toLowerCase() === 'set_config') calls = true;
    }
  });
  return relations > 0 && !user && !calls;
}

function statementActions(stmt: Node): SqlAction[] {
  if ('CreateStmt' in stmt) {
    const table = rangeVar(stmt.CreateStmt.relation);
    return table ? [{ kind: 'create-table', table, columns: tableColumns(stmt.CreateStmt.tableElts) }] : [];
  }
  if ('CreateTableAsStmt' in stmt) {
    const table = rangeVar(stmt.CreateTableAsStmt.into?.rel);
    return table ? [{ kind: 'create-table', table, columns: [] }] : [];
  }
  if ('VacuumStmt' in stmt) {
    const s = stmt.VacuumStmt;
    const full = (s.options ?? []).some(
      (o) => 'DefElem' in o && o.DefElem.defname === 'full' && !isFalse(o.DefElem.arg),
    );
    if (!full || s.is_vacuumcmd === false) return [];
    const tables = (s.rels ?? []).flatMap((r) => {
      const n = 'VacuumRelation' in r ? rangeVar(r.VacuumRelation.relation) : undefined;
      return n ? [n] : [];
    });
    return [{ kind: 'vacuum-full', tables }];
  }
  if ('ClusterStmt' in stmt) {
    const table = rangeVar(stmt.ClusterStmt.relation);
    return [table ? { kind: 'cluster', table } : { kind: 'cluster' }];
  }
  for (const [key, verb] of DML) {
    if (key in stmt) {
      const table = rangeVar((stmt as Record<string, { relation?: RangeVar }>)[key]!.relation);
      return table ? [{ kind: 'dml', verb, table }] : [];
    }
  }
  if ('IndexStmt' in stmt) {
    const s = stmt.IndexStmt;
    const table = rangeVar(s.relation);
    if (!table) return [];
    return [
      {
        kind: 'create-index',
        table,
        ...(s.idxname ? { index: s.idxname } : {}),
        concurrent: s.concurrent === true,
        unique: s.unique === true,
      },
    ];
  }
  if ('AlterTableStmt' in stmt) {
    const s = stmt.AlterTableStmt;
    const table = rangeVar(s.relation);
    if (!table || (s.objtype && s.objtype !== 'OBJECT_TABLE')) return [];
    return (s.cmds ?? []).flatMap((c) =>
      'AlterTableCmd' in c ? alterTableActions(table, c.AlterTableCmd) : [],
    );
  }
  if ('DropStmt' in stmt) {
    const s = stmt.DropStmt;
    const names = (s.objects ?? []).flatMap((o) => {
      const n = listName(o);
      return n ? [n] : [];
    });
    if (s.removeType === 'OBJECT_TABLE') return [{ kind: 'drop-table', tables: names }];
    if (s.removeType === 'OBJECT_INDEX') {
      return [{ kind: 'drop-index', indexes: names, concurrent: s.concurrent === true }];
    }
    return [];
  }
  if ('RenameStmt' in stmt) {
    const s = stmt.RenameStmt;
    const table = rangeVar(s.relation);
    if (!table || !s.newname) return [];
    if (s.renameType === 'OBJECT_COLUMN' && s.relationType === 'OBJECT_TABLE') {
      return [{ kind: 'rename-column', table, from: s.subname ?? '', to: s.newname }];
    }
    if (s.renameType === 'OBJECT_TABLE') return [{ kind: 'rename-table', table, to: s.newname }];
    return [];
  }
  if ('TruncateStmt' in stmt) {
    const tables = (stmt.TruncateStmt.relations ?? []).flatMap((r) => {
      const n = 'RangeVar' in r ? rangeVar(r.RangeVar) : undefined;
      return n ? [n] : [];
    });
    return [{ kind: 'truncate', tables }];
  }
  if ('AlterEnumStmt' in stmt) {
    const s = stmt.AlterEnumStmt;
    if (s.newVal === undefined || s.oldVal !== undefined) return [];
    return [{ kind: 'add-enum-value', type: strings(s.typeName).join('.'), value: s.newVal }];
  }
  if ('VariableSetStmt' in stmt) {
    const s = stmt.VariableSetStmt;
    if (s.name?.toLowerCase() !== 'lock_timeout') return [];
    const set = s.kind === 'VAR_SET_VALUE' && lockTimeoutValue(s.args);
    return [{ kind: 'lock-timeout', local: s.is_local === true, set }];
  }
  if ('TransactionStmt' in stmt) {
    switch (stmt.TransactionStmt.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        return [{ kind: 'transaction', what: 'begin' }];
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_PREPARE':
        return [{ kind: 'transaction', what: 'commit' }];
      case 'TRANS_STMT_ROLLBACK':
        return [{ kind: 'transaction', what: 'rollback' }];
      default:
        return [{ kind: 'transaction', what: 'savepoint' }];
    }
  }
  return setConfigActions(stmt);
}

/** `SELECT set_config('lock_timeout', '5s', is_local)` sets it too. */
function setConfigActions(stmt: Node): SqlAction[] {
  const out: SqlAction[] = [];
  walk(stmt, (key, node) => {
    if (key !== 'FuncCall') return;
    const call = node as { funcname?: Node[]; args?: Node[] };
    const names = strings(call.funcname);
    if (names[names.length - 1]?.toLowerCase() !== 'set_config') return;
    const [setting, value, local] = call.args ?? [];
    const text = (n: Node | undefined): string | undefined =>
      n && 'A_Const' in n ? n.A_Const.sval?.sval : undefined;
    if (text(setting)?.toLowerCase() !== 'lock_timeout') return;
    const isLocal = local && 'A_Const' in local ? local.A_Const.boolval?.boolval === true : false;
    out.push({ kind: 'lock-timeout', local: isLocal, set: value ? lockTimeoutValue([value]) : true });
  });
  return out;
}

/** Parses one captured SQL string. Requires `loadSqlParser()` to have finished. */
export function parseSql(sql: string): ParsedSql {
  if (!ready) throw new Error('The SQL parser is not loaded: await loadSqlParser() first.');
  let stmts: { stmt?: Node }[];
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch (e) {
    return { actions: [], literals: [], error: e instanceof Error ? e.message : String(e) };
  }
  const actions: SqlAction[] = [];
  const literals: string[] = [];
  const catalog = stmts.length > 0 && stmts.every(({ stmt }) => stmt && isCatalogSelect(stmt));
  for (const { stmt } of stmts) {
    if (!stmt) continue;
    actions.push(...statementActions(stmt));
    walk(stmt, (key, node) => {
      if (key !== 'A_Const') return;
      const value = (node as A_Const).sval?.sval;
      if (value !== undefined) literals.push(value);
    });
  }
  return { actions, literals, ...(catalog ? { catalog } : {}) };
}

/** An index on plain columns, as `queryInterface.addIndex` can create it. */
export interface PlainIndex {
  columns: { name: string; order?: 'ASC' | 'DESC' }[];
  unique: boolean;
  method: string;
}

/**
 * Reads a `pg_get_indexdef` definition with PostgreSQL's parser; the index's columns when every
 * key is a plain column (no expression, operator class, collation, NULLS order, INCLUDE, predicate
 * or NULLS NOT DISTINCT), else null. Requires `loadSqlParser()` to have finished.
 */
export function plainIndex(definition: string): PlainIndex | null {
  if (!ready) throw new Error('The SQL parser is not loaded: await loadSqlParser() first.');
  let stmt: Node | undefined;
  try {
    stmt = parseSync(definition).stmts?.[0]?.stmt;
  } catch {
    return null;
  }
  const index = stmt && 'IndexStmt' in stmt ? stmt.IndexStmt : undefined;
  if (!index || index.whereClause || index.indexIncludingParams?.length || index.nulls_not_distinct)
    return null;
  const columns: PlainIndex['columns'] = [];
  for (const param of index.indexParams ?? []) {
    const e = 'IndexElem' in param ? param.IndexElem : undefined;
    if (!e?.name || e.expr || e.opclass?.length || e.collation?.length) return null;
    if (e.nulls_ordering && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT') return null;
    if (e.ordering === 'SORTBY_DESC') columns.push({ name: e.name, order: 'DESC' });
    else if (!e.ordering || e.ordering === 'SORTBY_DEFAULT' || e.ordering === 'SORTBY_ASC')
      columns.push({ name: e.name });
    else return null;
  }
  return columns.length
    ? { columns, unique: Boolean(index.unique), method: index.accessMethod ?? 'btree' }
    : null;
}
