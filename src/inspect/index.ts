import type pg from 'pg';
import * as q from './queries.js';
import type {
  ColumnInfo,
  ConstraintInfo,
  DomainInfo,
  EnumInfo,
  FunctionInfo,
  IndexInfo,
  PolicyInfo,
  Privileges,
  SequenceInfo,
  Snapshot,
  TableInfo,
  TriggerInfo,
  TypeInfo,
  ViewInfo,
} from './types.js';

export type * from './types.js';

export interface SnapshotOptions {
  /** Tables to leave out with everything that belongs to them (e.g. Sequelize's `SequelizeMeta`). */
  exclude?: { schema: string; name: string }[];
}

// Rows come back loosely typed from `pg`; each query's columns are named in queries.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const triggerEvents: [number, string][] = [
  [4, 'INSERT'],
  [8, 'DELETE'],
  [16, 'UPDATE'],
  [32, 'TRUNCATE'],
];

/**
 * Reads the schema of the database `client` is connected to, in a handful of bulk catalog queries
 * inside one read-only transaction (a consistent view; the session's settings are left as they were).
 */
export async function takeSnapshot(client: pg.ClientBase, options: SnapshotOptions = {}): Promise<Snapshot> {
  // One round trip: the statements run in order in one read-only transaction, each query's rows in
  // its own result. Inside a caller's open transaction (which then also sees its uncommitted DDL), a
  // savepoint takes the place of the transaction, so the caller's transaction stays open and as it was.
  // `SET LOCAL` ends with the transaction or the savepoint, leaving the session's search_path alone.
  const status = client.getTransactionStatus?.();
  const nested = status === 'T' || status === 'E';
  const open = nested
    ? ['SAVEPOINT schemabot_snapshot']
    : ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'];
  const close = nested
    ? ['ROLLBACK TO SAVEPOINT schemabot_snapshot', 'RELEASE SAVEPOINT schemabot_snapshot']
    : ['COMMIT'];
  const queries = [
    q.schemasQuery,
    q.extensionsQuery,
    q.relationsQuery,
    q.columnsQuery,
    q.constraintsQuery,
    q.indexesQuery,
    q.triggersQuery,
    q.policiesQuery,
    q.typesQuery,
    q.functionsQuery,
    q.commentsQuery,
  ];
  const text = [...open, 'SET LOCAL search_path = pg_catalog', ...queries, ...close].join(';\n');
  let results: Row[][];
  try {
    const all = (await client.query(text)) as unknown as pg.QueryResult[];
    results = all.slice(open.length + 1, open.length + 1 + queries.length).map((r) => r.rows as Row[]);
  } catch (error) {
    await client.query(close.join(';').replace(/^COMMIT$/, 'ROLLBACK')).catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Reading the schema from the PostgreSQL catalog failed: ${message}`, { cause: error });
  }
  return assemble(results, options);
}

function assemble(results: Row[][], options: SnapshotOptions): Snapshot {
  const [
    schemas,
    extensions,
    relations,
    columns,
    constraints,
    indexes,
    triggers,
    policies,
    types,
    functions,
  ] = results;
  const comments = new Map<string, string>();
  const commented = new Set<string>();
  for (const c of results[10]) {
    comments.set(`${c.catalog}:${c.oid}:${c.sub}`, c.text);
    commented.add(String(c.oid));
  }
  const comment = (catalog: string, oid: unknown, sub = 0): string | null =>
    commented.has(String(oid)) ? (comments.get(`pg_${catalog}:${String(oid)}:${sub}`) ?? null) : null;
  // Rows arrive sorted by name (see queries.ts), so every map below is built in a stable order.
  const privs = (value: unknown): Privileges => (value ?? {}) as Privileges;

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

  for (const s of schemas) {
    snapshot.schemas[s.name] = {
      name: s.name,
      comment: comment('namespace', s.oid),
      privileges: privs(s.privileges),
    };
  }
  for (const x of extensions) {
    snapshot.extensions[x.name] = {
      name: x.name,
      schema: x.schema,
      version: x.version,
      comment: comment('extension', x.oid),
    };
  }

  // Relations by OID, without the excluded tables.
  const excluded = new Set((options.exclude ?? []).map((e) => `${e.schema}\u0000${e.name}`));
  const relByOid = new Map<string, Row>();
  for (const r of relations) {
    if (excluded.has(`${r.raw_schema}\u0000${r.raw_name}`)) continue;
    relByOid.set(String(r.oid), r);
  }
  const qname = (r: Row): string => `${r.schema}.${r.name}`;
  const tables = new Map<string, TableInfo>();
  const views = new Map<string, ViewInfo>();
  const columnNames = new Map<string, string[]>(); // relation OID → column names by attnum
  const columnName = (relation: unknown, number: number): string | undefined =>
    columnNames.get(String(relation))?.[number];

  for (const c of columns) {
    const rel = String(c.relation);
    let names = columnNames.get(rel);
    if (!names) columnNames.set(rel, (names = []));
    names[c.number] = c.name;
  }

  for (const r of relations) {
    const oid = String(r.oid);
    if (!relByOid.has(oid)) continue;
    if (r.kind === 'r' || r.kind === 'p') {
      const parents = (r.parents as unknown[]).map((p) => relByOid.get(String(p)));
      const parentNames = parents.filter((p): p is Row => p !== undefined).map(qname);
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
        comment: comment('class', oid),
        privileges: privs(r.privileges),
        columns: {},
        constraints: {},
        indexes: {},
        triggers: {},
        policies: {},
        sequences: {},
      };
      tables.set(oid, table);
      snapshot.tables[qname(r)] = table;
    } else if (r.kind === 'v' || r.kind === 'm') {
      const view: ViewInfo = {
        name: qname(r),
        definition: r.view_definition,
        options: r.options,
        comment: comment('class', oid),
        privileges: privs(r.privileges),
        columns: {},
        indexes: {},
        triggers: {},
      };
      views.set(oid, view);
      (r.kind === 'v' ? snapshot.views : snapshot.materializedViews)[view.name] = view;
    }
  }

  for (const r of relations) {
    if (r.kind !== 'S') continue;
    const oid = String(r.oid);
    const ownerOid = r.owner_relation == null ? null : String(r.owner_relation);
    // A sequence owned by an excluded table goes with it.
    if (excluded.has(`${r.raw_schema}\u0000${r.raw_name}`)) continue;
    if (ownerOid !== null && !relByOid.has(ownerOid)) {
      const owner = relations.find((o) => String(o.oid) === ownerOid);
      if (owner && excluded.has(`${owner.raw_schema}\u0000${owner.raw_name}`)) continue;
    }
    const ownerTable = ownerOid === null ? undefined : tables.get(ownerOid);
    const ownerRel = ownerOid === null ? undefined : relByOid.get(ownerOid);
    const sequence: SequenceInfo = {
      name: qname(r),
      type: r.seq_type,
      start: r.seq_start,
      increment: r.seq_increment,
      min: r.seq_min,
      max: r.seq_max,
      cache: r.seq_cache,
      cycle: r.seq_cycle,
      ownedBy: ownerRel ? `${qname(ownerRel)}.${columnName(ownerOid, r.owner_column) ?? '?'}` : null,
      comment: comment('class', oid),
      privileges: privs(r.privileges),
    };
    (ownerTable ? ownerTable.sequences : snapshot.sequences)[sequence.name] = sequence;
  }

  let position = 0;
  let lastRelation = '';
  for (const c of columns) {
    const rel = String(c.relation);
    if (rel !== lastRelation) {
      lastRelation = rel;
      position = 0;
    }
    position++;
    const table = tables.get(rel);
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
        comment: comment('class', rel, c.number),
        privileges: privs(c.privileges),
      };
      table.columns[c.name] = column;
    } else {
      const view = views.get(rel);
      if (view)
        view.columns[c.name] = { name: c.name, type: c.type, comment: comment('class', rel, c.number) };
    }
  }

  for (const c of constraints) {
    const table = tables.get(String(c.relation));
    if (!table) continue;
    const names = (relation: unknown, numbers: number[] | null): string[] =>
      (numbers ?? []).map((n) => columnName(relation, n) ?? String(n));
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
      comment: comment('constraint', c.oid),
    };
    table.constraints[c.name] = constraint;
  }

  for (const i of indexes) {
    const rel = String(i.relation);
    const owner = tables.get(rel) ?? views.get(rel);
    if (!owner) continue;
    const index: IndexInfo = {
      name: i.name,
      table: qname(relByOid.get(rel)!),
      definition: i.definition,
      unique: i.unique,
      method: i.method,
      predicate: i.predicate,
      valid: i.valid,
      clustered: i.clustered,
      comment: comment('class', i.oid),
    };
    owner.indexes[i.name] = index;
  }

  for (const t of triggers) {
    const rel = String(t.relation);
    const owner = tables.get(rel) ?? views.get(rel);
    if (!owner) continue;
    const type = Number(t.type);
    const trigger: TriggerInfo = {
      name: t.name,
      table: qname(relByOid.get(rel)!),
      timing: type & 2 ? 'BEFORE' : type & 64 ? 'INSTEAD OF' : 'AFTER',
      events: triggerEvents.filter(([bit]) => type & bit).map(([, event]) => event),
      level: type & 1 ? 'ROW' : 'STATEMENT',
      function: t.function,
      enabled: t.enabled,
      definition: t.definition,
      comment: comment('trigger', t.oid),
    };
    owner.triggers[t.name] = trigger;
  }

  for (const p of policies) {
    const rel = String(p.relation);
    const table = tables.get(rel);
    if (!table) continue;
    const policy: PolicyInfo = {
      name: p.name,
      table: qname(relByOid.get(rel)!),
      command: p.command,
      permissive: p.permissive,
      roles: p.roles ?? [],
      using: p.using,
      withCheck: p.with_check,
      comment: comment('policy', p.oid),
    };
    table.policies[p.name] = policy;
  }

  for (const t of types) {
    const base = { name: t.name as string, comment: comment('type', t.oid), privileges: privs(t.privileges) };
    if (t.kind === 'e') {
      const info: EnumInfo = { ...base, labels: t.labels ?? [] };
      snapshot.enums[t.name] = info;
    } else if (t.kind === 'd') {
      const info: DomainInfo = {
        ...base,
        baseType: t.base_type,
        default: t.default,
        notNull: t.not_null,
        collation: t.collation,
        constraints: t.constraints,
      };
      snapshot.domains[t.name] = info;
    } else {
      const composite = t.kind === 'c';
      const info: TypeInfo = {
        ...base,
        type: composite ? 'composite' : 'range',
        attributes: composite ? t.attributes : [],
        subtype: composite ? null : t.subtype,
        subtypeOpclass: composite ? null : t.subtype_opclass,
        collation: composite ? null : t.range_collation,
        canonical: composite ? null : t.canonical,
        subtypeDiff: composite ? null : t.subtype_diff,
      };
      // A composite type's own comment is stored on the type; attribute comments are not tracked.
      snapshot.types[t.name] = info;
    }
  }

  for (const f of functions) {
    const info: FunctionInfo = {
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
      comment: comment('proc', f.oid),
      privileges: privs(f.privileges),
    };
    snapshot.functions[f.name] = info;
  }

  return snapshot;
}
