/**
 * The catalog queries behind a snapshot. Each reads one kind of object for the whole database in
 * one round trip. They run inside a read-only transaction with `search_path = pg_catalog`, so every
 * user object in a deparsed expression or type comes out schema-qualified, as `pg_dump` writes it.
 *
 * OIDs are selected only to join rows in memory; they never reach the snapshot.
 */

import type { ConstraintType, DomainInfo, FunctionInfo, PolicyInfo, Privileges, TypeInfo } from './types.js';

/** An OID as `pg` returns it (a number); compared as a string. */
export type Oid = number | string;

/**
 * The schema a fingerprint watch keeps its event triggers' log in, while a full audit runs. It is not
 * a user schema: snapshots and fingerprints leave it out.
 */
export const WATCH_SCHEMA = 'schemabot_watch';

/** A schema that holds user objects (not the system's, not a temporary or TOAST schema). */
export const userSchema = (n: string): string =>
  `${n}.nspname NOT IN ('pg_catalog', 'information_schema', '${WATCH_SCHEMA}') AND ${n}.nspname NOT LIKE 'pg\\_toast%' AND ${n}.nspname NOT LIKE 'pg\\_temp\\_%'`;

/** The object is not a member of an extension (`pg_depend.deptype = 'e'`). */
const notFromExtension = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

const qualified = (n: string, name: string): string =>
  `quote_ident(${n}.nspname) || '.' || quote_ident(${name})`;

/**
 * Non-owner grants as a JSON object `{grantee: [privilege, ...]}`. A NULL ACL means the default one
 * for the object kind; grants to the owner are implicit and left out.
 */
const privileges = (acl: string, kind: string, owner: string): string =>
  kind === 'r' || kind === 's' || kind === 'n' || kind === 'c'
    ? // The default ACL of these kinds grants nothing beyond the owner's implicit rights.
      `CASE WHEN ${acl} IS NULL THEN '{}'::jsonb ELSE ${explodedPrivileges(acl, kind, owner)} END`
    : explodedPrivileges(acl, kind, owner);

const explodedPrivileges = (acl: string, kind: string, owner: string): string => `(
  SELECT coalesce(jsonb_object_agg(g.grantee, g.privileges), '{}'::jsonb) FROM (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
           jsonb_agg(a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
                     ORDER BY a.privilege_type) AS privileges
    FROM aclexplode(coalesce(${acl}, acldefault('${kind}', ${owner}))) a
    WHERE a.grantee <> ${owner}
    GROUP BY 1) g)`;

export const schemasQuery = `
SELECT n.oid, quote_ident(n.nspname) AS name, ${privileges('n.nspacl', 'n', 'n.nspowner')} AS privileges
FROM pg_namespace n
WHERE ${userSchema('n')} AND ${notFromExtension('pg_namespace', 'n.oid')}
ORDER BY n.nspname COLLATE "C"`;

/** A row of `schemasQuery`. OIDs come back as numbers; they only join rows. */
export interface SchemaRow {
  oid: Oid;
  name: string;
  privileges: Privileges | null;
}

export const extensionsQuery = `
SELECT x.oid, quote_ident(x.extname) AS name, quote_ident(n.nspname) AS schema, x.extversion AS version
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
ORDER BY x.extname COLLATE "C"`;

export interface ExtensionRow {
  oid: Oid;
  name: string;
  schema: string;
  version: string;
}

export const relationsQuery = `
SELECT c.oid, c.relkind AS kind, n.nspname AS raw_schema, c.relname AS raw_name,
       quote_ident(n.nspname) AS schema, quote_ident(c.relname) AS name,
       c.relpersistence = 'u' AS unlogged, c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
         ELSE 'index ' || coalesce((SELECT ${qualified('inn', 'ic.relname')}
                                    FROM pg_index ri JOIN pg_class ic ON ic.oid = ri.indexrelid
                                    JOIN pg_namespace inn ON inn.oid = ic.relnamespace
                                    WHERE ri.indrelid = c.oid AND ri.indisreplident), '?') END AS replica_identity,
       CASE WHEN c.reloptions IS NULL THEN '{}' ELSE (SELECT array_agg(o ORDER BY o) FROM unnest(c.reloptions) o) END
         AS options,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       c.relispartition AS is_partition,
       coalesce((SELECT array_agg(i.inhparent ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid),
                '{}') AS parents,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f') THEN ${privileges('c.relacl', 'r', 'c.relowner')}
            WHEN c.relkind = 'S' THEN ${privileges('c.relacl', 's', 'c.relowner')} END AS privileges,
       format_type(s.seqtypid, NULL) AS seq_type, s.seqstart::text AS seq_start,
       s.seqincrement::text AS seq_increment, s.seqmin::text AS seq_min, s.seqmax::text AS seq_max,
       s.seqcache::text AS seq_cache, s.seqcycle AS seq_cycle,
       own.refobjid AS owner_relation, own.refobjsubid AS owner_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (SELECT d.refobjid, d.refobjsubid FROM pg_depend d
                   WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                   LIMIT 1) own ON true
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${userSchema('n')} AND ${notFromExtension('pg_class', 'c.oid')}
ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`;

/** A table, partitioned table, view, materialized view or sequence (`kind`), with its sequence settings. */
export interface RelationRow {
  oid: Oid;
  kind: 'r' | 'p' | 'v' | 'm' | 'S';
  raw_schema: string;
  raw_name: string;
  schema: string;
  name: string;
  unlogged: boolean;
  row_security: boolean;
  force_row_security: boolean;
  replica_identity: string;
  options: string[];
  partition_key: string | null;
  partition_bound: string | null;
  is_partition: boolean;
  parents: Oid[];
  view_definition: string | null;
  privileges: Privileges | null;
  seq_type: string | null;
  seq_start: string | null;
  seq_increment: string | null;
  seq_min: string | null;
  seq_max: string | null;
  seq_cache: string | null;
  seq_cycle: boolean | null;
  owner_relation: Oid | null;
  owner_column: number | null;
}

/** Columns of tables, views and materialized views; each distinct type is formatted once. */
export const columnsQuery = `
WITH col AS MATERIALIZED (
  SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attgenerated, a.attidentity,
         a.attcollation, a.attstorage, a.attcompression, a.attstattarget, a.attoptions, a.attacl, c.relowner
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${userSchema('n')}
), types AS (
  SELECT d.atttypid, d.atttypmod, format_type(d.atttypid, d.atttypmod) AS formatted
  FROM (SELECT DISTINCT atttypid, atttypmod FROM col) d
)
SELECT col.attrelid AS relation, col.attnum AS number, quote_ident(col.attname) AS name,
       ft.formatted AS type, NOT col.attnotnull AS nullable,
       CASE WHEN col.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS "default",
       CASE col.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN col.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
       CASE WHEN col.attcollation <> t.typcollation THEN
         (SELECT ${qualified('cn', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = col.attcollation) END AS collation,
       CASE WHEN col.attstorage <> t.typstorage THEN
         CASE col.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' ELSE 'extended' END
       END AS storage,
       CASE col.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END AS compression,
       nullif(col.attstattarget, -1)::int AS statistics,
       CASE WHEN col.attoptions IS NULL THEN '{}' ELSE (SELECT array_agg(o ORDER BY o) FROM unnest(col.attoptions) o) END
         AS options,
       ${privileges('col.attacl', 'c', 'col.relowner')} AS privileges
FROM col
JOIN types ft ON ft.atttypid = col.atttypid AND ft.atttypmod = col.atttypmod
JOIN pg_type t ON t.oid = col.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = col.attrelid AND ad.adnum = col.attnum
ORDER BY col.attrelid, col.attnum`;

export interface ColumnRow {
  relation: Oid;
  number: number;
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  generated: string | null;
  collation: string | null;
  storage: string | null;
  compression: string | null;
  statistics: number | null;
  options: string[];
  privileges: Privileges | null;
}

const fkAction = (col: string): string =>
  `CASE ${col} WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
   WHEN 'd' THEN 'SET DEFAULT' END`;

/** Table constraints; clones on partitions and purely inherited ones belong to their parent. */
export const constraintsQuery = `
SELECT con.oid, con.conrelid AS relation, quote_ident(con.conname) AS name,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
         WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' END AS type,
       pg_get_constraintdef(con.oid) AS definition,
       con.conkey AS column_numbers, con.confrelid AS referenced_relation, con.confkey AS referenced_numbers,
       -- regclass output is quote_ident-quoted and, with search_path = pg_catalog, schema-qualified
       CASE WHEN con.contype = 'f' THEN con.confrelid::regclass::text END AS referenced_table,
       CASE WHEN con.contype = 'f' THEN ${fkAction('con.confupdtype')} END AS on_update,
       CASE WHEN con.contype = 'f' THEN ${fkAction('con.confdeltype')} END AS on_delete,
       CASE WHEN con.contype = 'f' THEN
         CASE con.confmatchtype WHEN 'f' THEN 'FULL' WHEN 'p' THEN 'PARTIAL' ELSE 'SIMPLE' END END AS match,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
       con.connoinherit AS no_inherit,
       -- pg_get_constraintdef spells out the backing index's columns, INCLUDE, tablespace, NULLS NOT
       -- DISTINCT and an exclusion's operator classes (PostgreSQL refuses other sort orders or operator
       -- classes for keys); its method, storage parameters and clustering are added here.
       ix.amname AS index_method, coalesce(ix.reloptions, '{}') AS index_options,
       coalesce(ix.indisclustered, false) AS clustered
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (SELECT am.amname, ci.indisclustered,
                          (SELECT array_agg(o ORDER BY o) FROM unnest(ic.reloptions) o) AS reloptions
                   FROM pg_class ic JOIN pg_am am ON am.oid = ic.relam JOIN pg_index ci ON ci.indexrelid = ic.oid
                   WHERE con.contype IN ('p', 'u', 'x') AND ic.oid = con.conindid) ix ON true
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
  AND (con.conislocal OR con.coninhcount = 0) AND ${userSchema('n')}
ORDER BY con.conname COLLATE "C"`;

export interface ConstraintRow {
  oid: Oid;
  relation: Oid;
  name: string;
  type: ConstraintType;
  definition: string;
  column_numbers: number[] | null;
  referenced_relation: Oid;
  referenced_numbers: number[] | null;
  referenced_table: string | null;
  on_update: string | null;
  on_delete: string | null;
  match: string | null;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  no_inherit: boolean;
  index_method: string | null;
  index_options: string[];
  clustered: boolean;
}

/** Indexes that do not back a constraint and are not partitions of a partitioned index. */
export const indexesQuery = `
SELECT ic.oid, i.indrelid AS relation, ${qualified('n', 'ic.relname')} AS name,
       pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique, am.amname AS method,
       pg_get_expr(i.indpred, i.indrelid) AS predicate, i.indisvalid AS valid, i.indisclustered AS clustered
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE NOT ic.relispartition AND ${userSchema('n')}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                  AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname COLLATE "C", ic.relname COLLATE "C"`;

export interface IndexRow {
  oid: Oid;
  relation: Oid;
  name: string;
  definition: string;
  unique: boolean;
  method: string;
  predicate: string | null;
  valid: boolean;
  clustered: boolean;
}

/** User triggers: not the internal ones behind foreign keys, not clones on partitions. */
export const triggersQuery = `
SELECT t.oid, t.tgrelid AS relation, quote_ident(t.tgname) AS name, t.tgtype AS type,
       (SELECT ${qualified('pn', 'p.proname')} FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.oid = t.tgfoid) AS function,
       CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
         ELSE 'always' END AS enabled,
       pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${userSchema('n')}
ORDER BY t.tgname COLLATE "C"`;

export interface TriggerRow {
  oid: Oid;
  relation: Oid;
  name: string;
  /** `tgtype`: the bits of timing, events and level. */
  type: number;
  function: string;
  enabled: string;
  definition: string;
}

export const policiesQuery = `
SELECT p.oid, p.polrelid AS relation, quote_ident(p.polname) AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
         ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       (SELECT array_agg(r ORDER BY r) FROM (
          SELECT CASE WHEN x = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x)) END AS r
          FROM unnest(p.polroles) x) rs) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${userSchema('n')}
ORDER BY p.polname COLLATE "C"`;

export interface PolicyRow {
  oid: Oid;
  relation: Oid;
  name: string;
  command: PolicyInfo['command'];
  permissive: boolean;
  roles: string[] | null;
  using: string | null;
  with_check: string | null;
}

/** Enums, domains, composite types (not a table's row type) and range types. */
export const typesQuery = `
SELECT t.oid, t.typtype AS kind, ${qualified('n', 't.typname')} AS name,
       ${privileges('t.typacl', 'T', 't.typowner')} AS privileges,
       CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                                       FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END AS "default",
       t.typnotnull AS not_null,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> (SELECT bt.typcollation FROM pg_type bt
                                                        WHERE bt.oid = t.typbasetype) THEN
         (SELECT ${qualified('cn', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = t.typcollation) END AS collation,
       CASE WHEN t.typtype = 'd' THEN coalesce((
         SELECT jsonb_agg(jsonb_build_object('name', quote_ident(con.conname),
                                             'definition', pg_get_constraintdef(con.oid),
                                             'validated', con.convalidated) ORDER BY con.conname)
         FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '[]'::jsonb) END AS constraints,
       CASE WHEN t.typtype = 'c' THEN coalesce((
         SELECT jsonb_agg(jsonb_build_object('name', quote_ident(a.attname),
                                             'type', format_type(a.atttypid, a.atttypmod),
                                             'collation', CASE WHEN a.attcollation <> at.typcollation THEN
                                               (SELECT ${qualified('cn', 'co.collname')} FROM pg_collation co
                                                JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                                WHERE co.oid = a.attcollation) END) ORDER BY a.attnum)
         FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::jsonb) END AS attributes,
       format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngsubopc IS NOT NULL AND NOT oc.opcdefault THEN ${qualified('ocn', 'oc.opcname')} END
         AS subtype_opclass,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> (SELECT st.typcollation FROM pg_type st
                                                            WHERE st.oid = r.rngsubtype) THEN
         (SELECT ${qualified('cn', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = r.rngcollation) END AS range_collation,
       nullif(r.rngcanonical::regproc::text, '-') AS canonical,
       nullif(r.rngsubdiff::regproc::text, '-') AS subtype_diff,
       t.typrelid AS relation
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_opclass oc ON oc.oid = r.rngsubopc
LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
WHERE t.typtype IN ('e', 'd', 'c', 'r') AND ${userSchema('n')} AND ${notFromExtension('pg_type', 't.oid')}
  AND (t.typtype <> 'c' OR (SELECT tc.relkind FROM pg_class tc WHERE tc.oid = t.typrelid) = 'c')
ORDER BY n.nspname COLLATE "C", t.typname COLLATE "C"`;

/** An enum (`e`), domain (`d`), composite (`c`) or range (`r`) type; the columns of other kinds are null. */
export interface TypeRow {
  oid: Oid;
  kind: 'e' | 'd' | 'c' | 'r';
  name: string;
  privileges: Privileges | null;
  labels: string[] | null;
  base_type: string | null;
  default: string | null;
  not_null: boolean;
  collation: string | null;
  constraints: DomainInfo['constraints'] | null;
  attributes: TypeInfo['attributes'] | null;
  subtype: string | null;
  subtype_opclass: string | null;
  range_collation: string | null;
  canonical: string | null;
  subtype_diff: string | null;
  relation: Oid;
}

export const functionsQuery = `
SELECT p.oid, ${qualified('n', 'p.proname')} || '(' || oidvectortypes(p.proargtypes) || ')' AS name,
       CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
         ELSE 'window' END AS kind,
       pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS returns,
       l.lanname AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict, p.prosecdef AS security_definer, p.proleakproof AS leakproof,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       p.procost::float8 AS cost, p.prorows::float8 AS rows,
       coalesce((SELECT array_agg(o ORDER BY o) FROM unnest(p.proconfig) o), '{}') AS config,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
       CASE WHEN p.prokind = 'a' THEN (
         SELECT jsonb_build_object('transition', ag.aggtransfn::regproc::text,
                                   'final', nullif(ag.aggfinalfn::regproc::text, '-'),
                                   'combine', nullif(ag.aggcombinefn::regproc::text, '-'),
                                   'state', format_type(ag.aggtranstype, NULL), 'initial', ag.agginitval,
                                   'sortOperator', nullif(ag.aggsortop::regoperator::text, '0'))
         FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid) END AS aggregate,
       ${privileges('p.proacl', 'f', 'p.proowner')} AS privileges
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE ${userSchema('n')} AND ${notFromExtension('pg_proc', 'p.oid')}
  -- not the constructors PostgreSQL makes for a range type (they belong to the type)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'i')
ORDER BY n.nspname COLLATE "C", p.proname COLLATE "C", oidvectortypes(p.proargtypes) COLLATE "C"`;

export interface FunctionRow {
  oid: Oid;
  name: string;
  kind: FunctionInfo['kind'];
  arguments: string;
  returns: string | null;
  language: string;
  volatility: FunctionInfo['volatility'];
  strict: boolean;
  security_definer: boolean;
  leakproof: boolean;
  parallel: FunctionInfo['parallel'];
  cost: number;
  rows: number;
  config: string[];
  definition: string | null;
  aggregate: Record<string, unknown> | null;
  privileges: Privileges | null;
}

/** Comments on user objects (OIDs from 16384 on are never the system's). */
export const commentsQuery = `
SELECT d.classoid::regclass::text AS catalog, d.objoid AS oid, d.objsubid AS sub, d.description AS text
FROM pg_description d WHERE d.objoid >= 16384`;

export interface CommentRow {
  /** The catalog of the commented object, as `regclass` prints it (`pg_class`). */
  catalog: string;
  oid: Oid;
  sub: number;
  text: string;
}
