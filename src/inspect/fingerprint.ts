import type pg from 'pg';

/** Schemas that hold user objects. */
const USER_NS = `(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%')`;

/**
 * One hash of every catalog row that describes the user schema, computed in the server in a
 * single query: far cheaper than a full snapshot, for checking "is the schema exactly as it was?"
 * after each step of a long run.
 *
 * It is stricter than snapshot equality, never looser: it reads (nearly) every column of the rows
 * a snapshot is built from, leaving out only a row's own OID, storage details (relfilenode, page
 * statistics, dropped-column slots) and nothing a schema difference could hide in. Objects are named,
 * never numbered: a column is known by its name, not its position (a column dropped and added again
 * comes back last, which the schema diff does not count as a difference either), and a view's rule
 * and a comment's object are read as PostgreSQL prints them, not by OID or attribute number. Equal
 * fingerprints therefore mean equal snapshots; different fingerprints may still be equal schemas,
 * so a difference must be confirmed with a full snapshot before it is reported.
 */
export function fingerprintQuery(excludeTable?: { schema: string; name: string }): string {
  const meta = excludeTable
    ? `to_regclass(${literal(`${ident(excludeTable.schema)}.${ident(excludeTable.name)}`)})`
    : 'NULL::regclass';
  return `
WITH meta AS (SELECT ${meta} AS oid),
rels AS (SELECT c.oid FROM pg_class c WHERE c.relnamespace IN ${USER_NS}
         AND c.oid IS DISTINCT FROM (SELECT oid FROM meta)
         AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid = (SELECT oid FROM meta))
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                         AND d.refobjid = (SELECT oid FROM meta)))
SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS fingerprint FROM (
  SELECT 'n' || row(n.nspname, n.nspacl)::text FROM pg_namespace n WHERE n.oid IN ${USER_NS}
  UNION ALL
  SELECT 'x' || row(x.extname, x.extversion, x.extnamespace::regnamespace)::text FROM pg_extension x
  UNION ALL
  SELECT 'c' || row(c.oid::regclass, c.relkind, c.relpersistence, c.reloftype::regtype, c.relispartition,
    c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reloptions, c.relacl, pg_get_expr(c.relpartbound, c.oid))::text
    FROM pg_class c WHERE c.oid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'a' || row(a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
    a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attndims, a.attacl, a.attoptions,
    pg_get_expr(d.adbin, d.adrelid))::text
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid IN (SELECT oid FROM rels) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'k' || row(k.conrelid::regclass, k.contypid::regtype, k.conname, k.contype, k.condeferrable, k.condeferred,
    k.convalidated, k.connoinherit, pg_get_constraintdef(k.oid))::text
    FROM pg_constraint k WHERE k.connamespace IN ${USER_NS} AND k.conrelid IS DISTINCT FROM (SELECT oid FROM meta)
  UNION ALL
  SELECT 'i' || row(i.indexrelid::regclass, i.indisvalid, i.indisreplident, i.indisclustered, pg_get_indexdef(i.indexrelid))::text
    FROM pg_index i WHERE i.indexrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 't' || row(t.oid::regtype, t.typtype, t.typbasetype::regtype, t.typtypmod, t.typnotnull, t.typdefault,
    t.typcollation::regcollation, t.typacl,
    (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
    (SELECT row(r.rngsubtype::regtype, r.rngcollation::regcollation, r.rngsubopc::regclass) FROM pg_range r WHERE r.rngtypid = t.oid))::text
    FROM pg_type t WHERE t.typnamespace IN ${USER_NS} AND t.typelem = 0
      AND (t.typrelid = 0 OR t.typrelid IN (SELECT oid FROM rels))
      AND t.oid IS DISTINCT FROM (SELECT reltype FROM pg_class WHERE oid = (SELECT oid FROM meta))
  UNION ALL
  SELECT 'p' || row(p.oid::regprocedure, p.prokind, p.prorettype::regtype, p.prolang, p.provolatile, p.prosecdef,
    p.proisstrict, p.proleakproof, p.proparallel, p.proconfig, p.proacl, md5(p.prosrc), p.probin)::text
    FROM pg_proc p WHERE p.pronamespace IN ${USER_NS}
  UNION ALL
  SELECT 'g' || row(g.tgrelid::regclass, g.tgname, g.tgenabled, pg_get_triggerdef(g.oid))::text
    FROM pg_trigger g WHERE NOT g.tgisinternal AND g.tgrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'v' || row(r.ev_class::regclass, r.rulename, r.ev_type, r.ev_enabled, r.is_instead, md5(pg_get_ruledef(r.oid)))::text
    FROM pg_rewrite r WHERE r.ev_class IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'y' || row(y.polrelid::regclass, y.polname, y.polcmd, y.polpermissive, y.polroles::text,
    pg_get_expr(y.polqual, y.polrelid), pg_get_expr(y.polwithcheck, y.polrelid))::text
    FROM pg_policy y WHERE y.polrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 's' || row(s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
    s.seqcache, s.seqcycle)::text FROM pg_sequence s WHERE s.seqrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'o' || row(d.objid::regclass, d.refobjid::regclass,
    (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid), d.deptype)::text
    FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.objid IN (SELECT oid FROM pg_class WHERE relkind = 'S' AND oid IN (SELECT oid FROM rels))
  UNION ALL
  SELECT 'h' || row(h.inhrelid::regclass, h.inhparent::regclass, h.inhseqno)::text
    FROM pg_inherits h WHERE h.inhrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'q' || row(q.partrelid::regclass, q.partstrat, pg_get_partkeydef(q.partrelid))::text
    FROM pg_partitioned_table q WHERE q.partrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM pg_description d WHERE d.objoid >= 16384
) s(x)`;
}

function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function literal(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

export async function takeFingerprint(
  client: pg.ClientBase,
  excludeTable?: { schema: string; name: string },
): Promise<string> {
  const r = await client.query<{ fingerprint: string | null }>(fingerprintQuery(excludeTable));
  return r.rows[0]?.fingerprint ?? '';
}
