/**
 * A plain description of one PostgreSQL database's schema, as read from `pg_catalog`.
 *
 * Every name is written the way PostgreSQL's `quote_ident` writes it (lowercase-safe identifiers bare,
 * everything else double-quoted) and schema-qualified where the object lives in a schema. The data holds
 * no OIDs, owners, relfilenodes or sequence values, so the same SQL run on two servers gives equal
 * snapshots, and `JSON.parse(JSON.stringify(snapshot))` is an equal snapshot.
 */
export interface Snapshot {
  formatVersion: 1;
  schemas: Record<string, SchemaInfo>;
  extensions: Record<string, ExtensionInfo>;
  /** Ordinary and partitioned tables (partitions included), keyed by `schema.table`. */
  tables: Record<string, TableInfo>;
  views: Record<string, ViewInfo>;
  materializedViews: Record<string, ViewInfo>;
  /** Sequences not owned by a column (owned ones live in their table's `sequences`). */
  sequences: Record<string, SequenceInfo>;
  enums: Record<string, EnumInfo>;
  domains: Record<string, DomainInfo>;
  /** Composite and range types. */
  types: Record<string, TypeInfo>;
  /** Functions, procedures and aggregates, keyed by `schema.name(argument types)`. */
  functions: Record<string, FunctionInfo>;
}

/** Grants other than the owner's implicit ones: grantee (`PUBLIC` or a role) → sorted privileges. */
export type Privileges = Record<string, string[]>;

export interface SchemaInfo {
  name: string;
  comment: string | null;
  privileges: Privileges;
}

export interface ExtensionInfo {
  name: string;
  schema: string;
  version: string;
  comment: string | null;
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned table';
  unlogged: boolean;
  /** `PARTITION BY` clause of a partitioned table. */
  partitionKey: string | null;
  /** Parent of a partition, and its bound (`FOR VALUES ...`). */
  partitionOf: string | null;
  partitionBound: string | null;
  /** Inheritance parents other than the partition parent, in declaration order. */
  inherits: string[];
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  /** `default`, `nothing`, `full` or `index schema.name`. */
  replicaIdentity: string;
  /** Storage parameters (`fillfactor=70`), sorted. */
  options: string[];
  comment: string | null;
  privileges: Privileges;
  columns: Record<string, ColumnInfo>;
  constraints: Record<string, ConstraintInfo>;
  indexes: Record<string, IndexInfo>;
  triggers: Record<string, TriggerInfo>;
  policies: Record<string, PolicyInfo>;
  /** Sequences owned by a column of this table (serial and identity columns). */
  sequences: Record<string, SequenceInfo>;
}

export interface ColumnInfo {
  name: string;
  /** 1-based rank among the live columns; recorded, but order alone is not a change. */
  position: number;
  /** `format_type` with modifiers, e.g. `character varying(20)`, `public.status`. */
  type: string;
  nullable: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** Expression of a `GENERATED ALWAYS AS (...) STORED` column. */
  generated: string | null;
  /** Collation when it differs from the type's default. */
  collation: string | null;
  /** Storage when it differs from the type's default (`plain`, `external`, `extended`, `main`). */
  storage: string | null;
  compression: string | null;
  statistics: number | null;
  options: string[];
  comment: string | null;
  privileges: Privileges;
}

export type ConstraintType = 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion';

export interface ConstraintInfo {
  name: string;
  type: ConstraintType;
  /** `pg_get_constraintdef`, e.g. `FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE`. */
  definition: string;
  columns: string[];
  referencedTable: string | null;
  referencedColumns: string[];
  onUpdate: string | null;
  onDelete: string | null;
  match: string | null;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  noInherit: boolean;
  /**
   * The index behind a primary key, unique or exclusion constraint: its method (`btree`, `gist`) and
   * storage parameters. The rest of it is in `definition`: PostgreSQL's deparse of the constraint names
   * its columns, INCLUDE, tablespace, NULLS NOT DISTINCT and an exclusion's operator classes, and keys
   * cannot have other sort orders or operator classes.
   */
  indexMethod: string | null;
  indexOptions: string[];
  /** `CLUSTER ON` the backing index. */
  clustered: boolean;
  comment: string | null;
}

export interface IndexInfo {
  name: string;
  /** The table or materialized view it belongs to. */
  table: string;
  /** `pg_get_indexdef`: method, keys and expressions, opclasses, INCLUDE, predicate, NULLS NOT DISTINCT. */
  definition: string;
  unique: boolean;
  method: string;
  predicate: string | null;
  valid: boolean;
  clustered: boolean;
  comment: string | null;
}

export interface TriggerInfo {
  name: string;
  table: string;
  timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  events: string[];
  level: 'ROW' | 'STATEMENT';
  function: string;
  /** `origin` (enabled), `disabled`, `replica` or `always`. */
  enabled: string;
  /** `pg_get_triggerdef`. */
  definition: string;
  comment: string | null;
}

export interface PolicyInfo {
  name: string;
  table: string;
  command: 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  permissive: boolean;
  roles: string[];
  using: string | null;
  withCheck: string | null;
  comment: string | null;
}

export interface SequenceInfo {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `schema.table.column` for serial and identity sequences. */
  ownedBy: string | null;
  comment: string | null;
  privileges: Privileges;
}

export interface ViewInfo {
  name: string;
  /** `pg_get_viewdef`. */
  definition: string;
  options: string[];
  comment: string | null;
  privileges: Privileges;
  columns: Record<string, { name: string; type: string; comment: string | null }>;
  indexes: Record<string, IndexInfo>;
  triggers: Record<string, TriggerInfo>;
}

export interface EnumInfo {
  name: string;
  labels: string[];
  comment: string | null;
  privileges: Privileges;
}

export interface DomainInfo {
  name: string;
  baseType: string;
  default: string | null;
  notNull: boolean;
  collation: string | null;
  constraints: { name: string; definition: string; validated: boolean }[];
  comment: string | null;
  privileges: Privileges;
}

export interface TypeInfo {
  name: string;
  type: 'composite' | 'range';
  /** Composite: attributes in order. */
  attributes: { name: string; type: string; collation: string | null }[];
  /** Range: subtype and its helpers. */
  subtype: string | null;
  subtypeOpclass: string | null;
  collation: string | null;
  canonical: string | null;
  subtypeDiff: string | null;
  comment: string | null;
  privileges: Privileges;
}

export interface FunctionInfo {
  name: string;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  /** `pg_get_function_arguments`: names, modes and defaults. */
  arguments: string;
  returns: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  strict: boolean;
  securityDefiner: boolean;
  leakproof: boolean;
  parallel: 'safe' | 'restricted' | 'unsafe';
  cost: number;
  rows: number;
  config: string[];
  /** `pg_get_functiondef` (null for aggregates, described by `aggregate`). */
  definition: string | null;
  aggregate: Record<string, unknown> | null;
  comment: string | null;
  privileges: Privileges;
}
