import type * as q from './queries.js';
import type {
  ColumnInfo,
  ConstraintInfo,
  IndexInfo,
  PolicyInfo,
  Privileges,
  SequenceInfo,
  Snapshot,
  TableInfo,
  TriggerInfo,
  ViewInfo,
} from './types.js';

/** The rows of every catalog query of a snapshot, each typed as its query returns it. */
export interface CatalogRows {
  schemas: q.SchemaRow[];
  extensions: q.ExtensionRow[];
  relations: q.RelationRow[];
  columns: q.ColumnRow[];
  constraints: q.ConstraintRow[];
  indexes: q.IndexRow[];
  triggers: q.TriggerRow[];
  policies: q.PolicyRow[];
  types: q.TypeRow[];
  functions: q.FunctionRow[];
  comments: q.CommentRow[];
}

/**
 * What the readers share while they build one snapshot: the comments, the relations kept (the excluded
 * tables left out), the tables and views built so far by OID, and column names by relation and number
 * (constraints and sequences name columns by number).
 */
class Context {
  private readonly comments = new Map<string, string>();
  readonly relations = new Map<string, q.RelationRow>();
  readonly tables = new Map<string, TableInfo>();
  readonly views = new Map<string, ViewInfo>();
  private readonly columnNames = new Map<string, string[]>();

  constructor(
    rows: CatalogRows,
    private readonly excluded: Set<string>,
  ) {
    for (const c of rows.comments) this.comments.set(`${c.catalog}:${String(c.oid)}:${c.sub}`, c.text);
    for (const r of rows.relations) if (!this.isExcluded(r)) this.relations.set(String(r.oid), r);
    for (const c of rows.columns) {
      const rel = String(c.relation);
      let names = this.columnNames.get(rel);
      if (!names) this.columnNames.set(rel, (names = []));
      names[c.number] = c.name;
    }
  }

  isExcluded(r: q.RelationRow): boolean {
    return this.excluded.has(`${r.raw_schema}\u0000${r.raw_name}`);
  }

  comment(catalog: string, oid: q.Oid, sub = 0): string | null {
    return this.comments.get(`pg_${catalog}:${String(oid)}:${sub}`) ?? null;
  }

  columnName(relation: q.Oid, number: number): string | undefined {
    return this.columnNames.get(String(relation))?.[number];
  }

  /** `schema.name` of a kept relation. */
  qualifiedName(relation: q.Oid): string {
    return qualified(this.relations.get(String(relation))!);
  }
}

const qualified = (r: q.RelationRow): string => `${r.schema}.${r.name}`;

// Rows arrive sorted by name (see queries.ts), so every map below is built in a stable order.

/** An ACL PostgreSQL leaves null (the default privileges) as an empty map. */
const privileges = (value: Privileges | null): Privileges => value ?? {};

const triggerEvents: [number, string][] = [
  [4, 'INSERT'],
  [8, 'DELETE'],
  [16, 'UPDATE'],
  [32, 'TRUNCATE'],
];

/** Builds a snapshot from the catalog rows, one reader per kind of object. */
export function assemble(rows: CatalogRows, exclude: { schema: string; name: string }[] = []): Snapshot {
  const ctx = new Context(rows, new Set(exclude.map((e) => `${e.schema}\u0000${e.name}`)));
  const snapshot: Snapshot = {
    formatVersion: 1,
    schemas: {},
    extensions: {},
    tables: {},
    views: {},
    materializedViews: {},
    sequences: {},
    enums: {},
    domains: {},
    types: {},
    functions: {},
  };
  readSchemas(ctx, rows, snapshot);
  readRelations(ctx, rows, snapshot);
  readSequences(ctx, rows, snapshot);
  readColumns(ctx, rows);
  readConstraints(ctx, rows);
  readIndexes(ctx, rows);
  readTriggers(ctx, rows);
  readPolicies(ctx, rows);
  readTypes(ctx, rows, snapshot);
  readFunctions(ctx, rows, snapshot);
  return snapshot;
}

function readSchemas(ctx: Context, rows: CatalogRows, snapshot: Snapshot): void {
  for (const s of rows.schemas) {
    snapshot.schemas[s.name] = {
      name: s.name,
      comment: ctx.comment('namespace', s.oid),
      privileges: privileges(s.privileges),
    };
  }
  for (const x of rows.extensions) {
    snapshot.extensions[x.name] = {
      name: x.name,
      schema: x.schema,
      version: x.version,
      comment: ctx.comment('extension', x.oid),
    };
  }
}

/** Tables (partitioned ones and partitions included), views and materialized views. */
function readRelations(ctx: Context, rows: CatalogRows, snapshot: Snapshot): void {
  for (const r of rows.relations) {
    const oid = String(r.oid);
    if (!ctx.relations.has(oid)) continue;
    if (r.kind === 'r' || r.kind === 'p') {
      const parentNames = r.parents
        .map((p) => ctx.relations.get(String(p)))
        .filter((p): p is q.RelationRow => p !== undefined)
        .map(qualified);
      const table: TableInfo = {
        schema: r.schema,
        name: r.name,
        kind: r.kind === 'p' ? 'partitioned table' : 'table',
        unlogged: r.unlogged,
        partitionKey: r.partition_key,
        partitionOf: r.is_partition ? (parentNames[0] ?? null) : null,
        partitionBound: r.partition_bound,
        inherits: r.is_partition ? parentNames.slice(1) : parentNames,
        rowSecurity: r.row_security,
        forceRowSecurity: r.force_row_security,
        replicaIdentity: r.replica_identity,
        options: r.options,
        comment: ctx.comment('class', oid),
        privileges: privileges(r.privileges),
        columns: {},
        constraints: {},
        indexes: {},
        triggers: {},
        policies: {},
        sequences: {},
      };
      ctx.tables.set(oid, table);
      snapshot.tables[qualified(r)] = table;
    } else if (r.kind === 'v' || r.kind === 'm') {
      const view: ViewInfo = {
        name: qualified(r),
        definition: r.view_definition ?? '',
        options: r.options,
        comment: ctx.comment('class', oid),
        privileges: privileges(r.privileges),
        columns: {},
        indexes: {},
        triggers: {},
      };
      ctx.views.set(oid, view);
      (r.kind === 'v' ? snapshot.views : snapshot.materializedViews)[view.name] = view;
    }
  }
}

/** Sequences: a serial or identity column's with its table, the others on their own. */
function readSequences(ctx: Context, rows: CatalogRows, snapshot: Snapshot): void {
  for (const r of rows.relations) {
    if (r.kind !== 'S' || ctx.isExcluded(r)) continue;
    const ownerOid = r.owner_relation == null ? null : String(r.owner_relation);
    // A sequence owned by an excluded table goes with it.
    if (ownerOid !== null && !ctx.relations.has(ownerOid)) {
      const owner = rows.relations.find((o) => String(o.oid) === ownerOid);
      if (owner && ctx.isExcluded(owner)) continue;
    }
    const ownerTable = ownerOid === null ? undefined : ctx.tables.get(ownerOid);
    const ownerRel = ownerOid === null ? undefined : ctx.relations.get(ownerOid);
    const sequence: SequenceInfo = {
      name: qualified(r),
      type: r.seq_type ?? '',
      start: r.seq_start ?? '',
      increment: r.seq_increment ?? '',
      min: r.seq_min ?? '',
      max: r.seq_max ?? '',
      cache: r.seq_cache ?? '',
      cycle: r.seq_cycle ?? false,
      ownedBy: ownerRel
        ? `${qualified(ownerRel)}.${ctx.columnName(ownerOid!, r.owner_column ?? 0) ?? '?'}`
        : null,
      comment: ctx.comment('class', r.oid),
      privileges: privileges(r.privileges),
    };
    (ownerTable ? ownerTable.sequences : snapshot.sequences)[sequence.name] = sequence;
  }
}

/** Columns in order; `position` counts the live columns only (dropped ones leave gaps in attnum). */
function readColumns(ctx: Context, rows: CatalogRows): void {
  let position = 0;
  let lastRelation = '';
  for (const c of rows.columns) {
    const rel = String(c.relation);
    if (rel !== lastRelation) {
      lastRelation = rel;
      position = 0;
    }
    position++;
    const table = ctx.tables.get(rel);
    if (table) {
      const column: ColumnInfo = {
        name: c.name,
        position,
        type: c.type,
        nullable: c.nullable,
        default: c.default,
        identity: c.identity,
        generated: c.generated,
        collation: c.collation,
        storage: c.storage,
        compression: c.compression,
        statistics: c.statistics,
        options: c.options,
        comment: ctx.comment('class', rel, c.number),
        privileges: privileges(c.privileges),
      };
      table.columns[c.name] = column;
    } else {
      const view = ctx.views.get(rel);
      if (view)
        view.columns[c.name] = { name: c.name, type: c.type, comment: ctx.comment('class', rel, c.number) };
    }
  }
}

function readConstraints(ctx: Context, rows: CatalogRows): void {
  const names = (relation: q.Oid, numbers: number[] | null): string[] =>
    (numbers ?? []).map((n) => ctx.columnName(relation, n) ?? String(n));
  for (const c of rows.constraints) {
    const table = ctx.tables.get(String(c.relation));
    if (!table) continue;
    const constraint: ConstraintInfo = {
      name: c.name,
      type: c.type,
      definition: c.definition,
      columns: names(c.relation, c.column_numbers),
      referencedTable: c.referenced_table,
      referencedColumns: c.type === 'foreign key' ? names(c.referenced_relation, c.referenced_numbers) : [],
      onUpdate: c.on_update,
      onDelete: c.on_delete,
      match: c.match,
      deferrable: c.deferrable,
      deferred: c.deferred,
      validated: c.validated,
      noInherit: c.no_inherit,
      indexMethod: c.index_method,
      indexOptions: c.index_options,
      clustered: c.clustered,
      comment: ctx.comment('constraint', c.oid),
    };
    table.constraints[c.name] = constraint;
  }
}

function readIndexes(ctx: Context, rows: CatalogRows): void {
  for (const i of rows.indexes) {
    const rel = String(i.relation);
    const owner = ctx.tables.get(rel) ?? ctx.views.get(rel);
    if (!owner) continue;
    const index: IndexInfo = {
      name: i.name,
      table: ctx.qualifiedName(rel),
      definition: i.definition,
      unique: i.unique,
      method: i.method,
      predicate: i.predicate,
      valid: i.valid,
      clustered: i.clustered,
      comment: ctx.comment('class', i.oid),
    };
    owner.indexes[i.name] = index;
  }
}

function readTriggers(ctx: Context, rows: CatalogRows): void {
  for (const t of rows.triggers) {
    const rel = String(t.relation);
    const owner = ctx.tables.get(rel) ?? ctx.views.get(rel);
    if (!owner) continue;
    const type = Number(t.type);
    const trigger: TriggerInfo = {
      name: t.name,
      table: ctx.qualifiedName(rel),
      timing: type & 2 ? 'BEFORE' : type & 64 ? 'INSTEAD OF' : 'AFTER',
      events: triggerEvents.filter(([bit]) => type & bit).map(([, event]) => event),
      level: type & 1 ? 'ROW' : 'STATEMENT',
      function: t.function,
      enabled: t.enabled,
      definition: t.definition,
      comment: ctx.comment('trigger', t.oid),
    };
    owner.triggers[t.name] = trigger;
  }
}

function readPolicies(ctx: Context, rows: CatalogRows): void {
  for (const p of rows.policies) {
    const rel = String(p.relation);
    const table = ctx.tables.get(rel);
    if (!table) continue;
    const policy: PolicyInfo = {
      name: p.name,
      table: ctx.qualifiedName(rel),
      command: p.command,
      permissive: p.permissive,
      roles: p.roles ?? [],
      using: p.using,
      withCheck: p.with_check,
      comment: ctx.comment('policy', p.oid),
    };
    table.policies[p.name] = policy;
  }
}

/** Enums, domains, composite and range types. */
function readTypes(ctx: Context, rows: CatalogRows, snapshot: Snapshot): void {
  for (const t of rows.types) {
    const base = { name: t.name, comment: ctx.comment('type', t.oid), privileges: privileges(t.privileges) };
    if (t.kind === 'e') {
      snapshot.enums[t.name] = { ...base, labels: t.labels ?? [] };
    } else if (t.kind === 'd') {
      snapshot.domains[t.name] = {
        ...base,
        baseType: t.base_type ?? '',
        default: t.default,
        notNull: t.not_null,
        collation: t.collation,
        constraints: t.constraints ?? [],
      };
    } else {
      // A composite type's own comment is stored on the type; attribute comments are not tracked.
      const composite = t.kind === 'c';
      snapshot.types[t.name] = {
        ...base,
        type: composite ? 'composite' : 'range',
        attributes: composite ? (t.attributes ?? []) : [],
        subtype: composite ? null : t.subtype,
        subtypeOpclass: composite ? null : t.subtype_opclass,
        collation: composite ? null : t.range_collation,
        canonical: composite ? null : t.canonical,
        subtypeDiff: composite ? null : t.subtype_diff,
      };
    }
  }
}

function readFunctions(ctx: Context, rows: CatalogRows, snapshot: Snapshot): void {
  for (const f of rows.functions) {
    snapshot.functions[f.name] = {
      name: f.name,
      kind: f.kind,
      arguments: f.arguments,
      returns: f.returns,
      language: f.language,
      volatility: f.volatility,
      strict: f.strict,
      securityDefiner: f.security_definer,
      leakproof: f.leakproof,
      parallel: f.parallel,
      cost: Number(f.cost),
      rows: Number(f.rows),
      config: f.config,
      definition: f.definition,
      aggregate: f.aggregate,
      comment: ctx.comment('proc', f.oid),
      privileges: privileges(f.privileges),
    };
  }
}
