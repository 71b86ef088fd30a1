import type { Node, RangeVar, TypeName } from 'libpg-query';
import { loadSqlParser, parseSql } from './sql.js';
import type { Finding, MigrationReport } from '../report/contract/check.js';

/**
 * Statements that destroy data, read with PostgreSQL's own parser: what they are, not what the schema
 * looks like afterwards (a table dropped and created again has lost its rows although the schema
 * diff shows nothing). Used by `check` (rule `down-drops-data`) and by `upgrade`/`rollback`, which
 * count the rows each one reaches in production.
 */

export type DestructiveKind =
  | 'drop-table'
  | 'drop-column'
  | 'truncate'
  | 'delete-all'
  | 'update-all'
  | 'drop-schema-cascade'
  | 'drop-type-cascade'
  | 'alter-type';

export interface DestructiveOp {
  kind: DestructiveKind;
  /** Schema as written (absent: the search path decides). */
  schema?: string;
  /** Table, or for `drop-schema-cascade` the schema, for `drop-type-cascade` the type. */
  name: string;
  column?: string;
  /** `alter-type`: the new type as written, and whether a USING expression rewrites the values. */
  type?: { name: string; typmods: number[]; array: boolean };
  using?: boolean;
  /** The SQL it came from. */
  sql: string;
}

type ParseSync = (typeof import('libpg-query'))['parseSync'];
let parse: ParseSync | undefined;
/** The parser is WebAssembly: start loading it as soon as this module is imported. */
const ready: Promise<void> = loadSqlParser().then(async () => {
  parse = (await import('libpg-query')).parseSync;
});
ready.catch(() => undefined);

/** Waits for the SQL parser (`destructiveOperations` needs it). */
export function loadDestructiveParser(): Promise<void> {
  return ready;
}

function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ('String' in n && n.String.sval !== undefined ? [n.String.sval] : []));
}

function rel(rv: RangeVar | undefined): { schema?: string; name: string } | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}

function dotted(parts: string[]): { schema?: string; name: string } | undefined {
  const name = parts.at(-1);
  if (!name) return undefined;
  return parts.length > 1 ? { schema: parts.at(-2)!, name } : { name };
}

function typeOf(t: TypeName | undefined): DestructiveOp['type'] {
  const names = strings(t?.names).filter((n) => n !== 'pg_catalog');
  const typmods = (t?.typmods ?? []).flatMap((m) =>
    'A_Const' in m && m.A_Const.ival ? [m.A_Const.ival.ival ?? 0] : [],
  );
  return { name: names.join('.'), typmods, array: Boolean(t?.arrayBounds?.length) };
}

function opsOf(stmt: Node, sql: string): DestructiveOp[] {
  if ('DropStmt' in stmt) {
    const s = stmt.DropStmt;
    const cascade = s.behavior === 'DROP_CASCADE';
    if (s.removeType === 'OBJECT_TABLE') {
      return (s.objects ?? []).flatMap((o) => {
        const n = 'List' in o ? dotted(strings(o.List.items)) : undefined;
        return n ? [{ kind: 'drop-table' as const, ...n, sql }] : [];
      });
    }
    if (cascade && s.removeType === 'OBJECT_SCHEMA') {
      return (s.objects ?? []).flatMap((o) =>
        'String' in o && o.String.sval
          ? [{ kind: 'drop-schema-cascade' as const, name: o.String.sval, sql }]
          : [],
      );
    }
    if (cascade && (s.removeType === 'OBJECT_TYPE' || s.removeType === 'OBJECT_DOMAIN')) {
      return (s.objects ?? []).flatMap((o) => {
        const n = 'TypeName' in o ? dotted(strings(o.TypeName.names)) : undefined;
        return n ? [{ kind: 'drop-type-cascade' as const, ...n, sql }] : [];
      });
    }
    return [];
  }
  if ('TruncateStmt' in stmt) {
    return (stmt.TruncateStmt.relations ?? []).flatMap((r) => {
      const n = 'RangeVar' in r ? rel(r.RangeVar) : undefined;
      return n ? [{ kind: 'truncate' as const, ...n, sql }] : [];
    });
  }
  if ('DeleteStmt' in stmt) {
    const n = rel(stmt.DeleteStmt.relation);
    return n && !stmt.DeleteStmt.whereClause ? [{ kind: 'delete-all', ...n, sql }] : [];
  }
  if ('UpdateStmt' in stmt) {
    const n = rel(stmt.UpdateStmt.relation);
    return n && !stmt.UpdateStmt.whereClause ? [{ kind: 'update-all', ...n, sql }] : [];
  }
  if ('AlterTableStmt' in stmt) {
    const s = stmt.AlterTableStmt;
    const n = rel(s.relation);
    if (!n || (s.objtype && s.objtype !== 'OBJECT_TABLE')) return [];
    return (s.cmds ?? []).flatMap((c): DestructiveOp[] => {
      if (!('AlterTableCmd' in c)) return [];
      const cmd = c.AlterTableCmd;
      if (cmd.subtype === 'AT_DropColumn' && cmd.name)
        return [{ kind: 'drop-column', ...n, column: cmd.name, sql }];
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && cmd.def && 'ColumnDef' in cmd.def) {
        const def = cmd.def.ColumnDef;
        return [
          {
            kind: 'alter-type',
            ...n,
            column: cmd.name,
            type: typeOf(def.typeName),
            using: Boolean(def.raw_default),
            sql,
          },
        ];
      }
      return [];
    });
  }
  return [];
}

/** The data-destroying operations in one captured SQL string (several statements allowed). */
export function destructiveOperations(sql: string): DestructiveOp[] {
  if (!parse) throw new Error('The SQL parser is not loaded: await loadDestructiveParser() first.');
  let stmts: { stmt?: Node }[];
  try {
    stmts = parse(sql).stmts ?? [];
  } catch {
    return [];
  }
  return stmts.flatMap(({ stmt }) => (stmt ? opsOf(stmt, sql) : []));
}

const WHAT: Record<DestructiveKind, (op: DestructiveOp) => string> = {
  'drop-table': (op) => `drops table ${label(op)}`,
  'drop-column': (op) => `drops column ${label(op)}.${op.column}`,
  truncate: (op) => `truncates ${label(op)}`,
  'delete-all': (op) => `deletes every row of ${label(op)} (DELETE without WHERE)`,
  'update-all': (op) => `overwrites every row of ${label(op)} (UPDATE without WHERE)`,
  'drop-schema-cascade': (op) => `drops schema ${op.name} with CASCADE (and every table in it)`,
  'drop-type-cascade': (op) => `drops type ${label(op)} with CASCADE (and every column of that type)`,
  'alter-type': (op) =>
    `changes the type of ${label(op)}.${op.column} to ${op.type?.name}` +
    `${op.type?.typmods.length ? `(${op.type.typmods.join(',')})` : ''}${op.using ? ' USING an expression' : ''}`,
};

function label(op: { schema?: string; name: string }): string {
  return op.schema ? `${op.schema}.${op.name}` : op.name;
}

/** What an operation does, for people ("drops column users.phone"). */
export function describeOperation(op: DestructiveOp): string {
  return WHAT[op.kind](op);
}

/** Tables and columns (`table.column`) the up created: dropping them again is the plain inverse. */
function createdByUp(m: MigrationReport): Set<string> {
  const created = new Set<string>();
  for (const s of m.up?.statements ?? []) {
    for (const a of parseSql(s.sql).actions) {
      if (a.kind === 'create-table') created.add(a.table.name);
      if (a.kind === 'add-column') created.add(`${a.table.name}.${a.column}`);
    }
  }
  return created;
}

/**
 * Rule `down-drops-data` (warning): a `down` whose statements destroy data the `up` did not create —
 * a table or column that existed before it (dropped, even when created again with the same shape, or
 * renamed by the up and dropped by the down), a TRUNCATE, a DELETE or UPDATE without WHERE, a type
 * change with USING. A down dropping what its own up created is the plain inverse and is not reported.
 * Reviewers see before merging what a rollback would cost; `schemabot rollback` refuses such a down
 * on tables holding rows unless allowed.
 */
export function downDropsDataFindings(m: MigrationReport): Finding[] {
  const statements = m.down?.ok ? m.down.statements : [];
  if (!statements.length || !parse) return [];
  const created = createdByUp(m);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const s of statements) {
    for (const op of destructiveOperations(s.sql)) {
      if (op.kind === 'alter-type' && !op.using) continue;
      if (op.kind === 'drop-table' && created.has(op.name)) continue;
      if (op.kind === 'drop-column' && (created.has(op.name) || created.has(`${op.name}.${op.column}`)))
        continue;
      if (
        (op.kind === 'truncate' || op.kind === 'delete-all' || op.kind === 'update-all') &&
        created.has(op.name)
      )
        continue;
      const what = describeOperation(op);
      if (seen.has(what)) continue;
      seen.add(what);
      findings.push({
        rule: 'down-drops-data',
        severity: 'warning',
        migration: m.name,
        file: m.file,
        ...(s.line !== undefined ? { line: s.line } : {}),
        message: `down ${what}, which its up did not create: rolling back deletes that data, even when the schema looks the same afterwards.`,
        fix: 'Keep the data (rename back instead of drop and add, copy it first), or accept it knowingly: `schemabot rollback` refuses it on tables holding rows unless allowed (--allow-data-loss, or the allow-data-loss input).',
      });
    }
  }
  return findings;
}
