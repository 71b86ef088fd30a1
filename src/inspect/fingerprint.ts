import { createHash } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from '../postgres/index.js';
import { userSchema, WATCH_SCHEMA } from './queries.js';

export { WATCH_SCHEMA };

/** Schemas that hold user objects. */
const USER_NS = `(SELECT ns.oid FROM pg_namespace ns WHERE ${userSchema('ns')})`;

/**
 * The catalog rows that describe the user schema, grouped by the object they belong to: a relation
 * (with its columns, defaults, constraints, indexes, triggers, rules, policies, row type, comments and,
 * for a sequence, its settings and owner), a type (with its enum labels, range or domain constraints),
 * a function, or the one "global" group (schemas, extensions, other comments). Each group comes back
 * with its name and one hash of its rows, and the catalog entries it is made of (`classid:oid`), so
 * that a dropped entry can be traced back to its group.
 *
 * It is stricter than snapshot equality, never looser: it reads (nearly) every column of the rows a
 * snapshot is built from, leaving out only a row's own OID, storage details and nothing a schema
 * difference could hide in. Objects are named, never numbered: a column is known by its name, not its
 * position (a column dropped and added again comes back last, which the schema diff does not count as
 * a difference either), and a view's rule and a comment's object are read as PostgreSQL prints them.
 * Equal fingerprints therefore mean equal snapshots; different fingerprints may still be equal
 * schemas, so a difference must be confirmed with a full snapshot before it is reported.
 *
 * With `some`, only the groups a CTE `wanted(kind, grp)` names are read (not the global group), that
 * CTE and any others it needs being `some.wanted`; `some.after` adds rows to the result.
 */
function fingerprintQuery(
  excludeTable?: { schema: string; name: string },
  some?: { wanted: string; after?: string },
): string {
  const meta = excludeTable
    ? `to_regclass(${literal(`${quoteIdent(excludeTable.schema)}.${quoteIdent(excludeTable.name)}`)})`
    : 'NULL::regclass';
  // The relations to read: every one in a user schema, or the groups asked for and their indexes
  // (looked up by OID, so that a step's fingerprint does not scan the catalogs).
  const relations = some
    ? `(SELECT DISTINCT grp FROM wanted WHERE kind = 'r') g(grp) CROSS JOIN LATERAL
         (SELECT g.grp AS oid UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = g.grp) m
         JOIN pg_class c ON c.oid = m.oid`
    : 'pg_class c';
  const global = some ? 'false' : 'true';
  return `
WITH ${
    some
      ? `${some.wanted},
`
      : ''
  }meta AS (SELECT ${meta} AS oid),
rels AS MATERIALIZED (
  SELECT c.oid, c.relkind, coalesce(i.indrelid, c.oid) AS grp FROM ${relations}
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
  WHERE c.relnamespace IN ${USER_NS}
    AND c.oid IS DISTINCT FROM (SELECT oid FROM meta)
    AND (i.indrelid IS NULL OR i.indrelid IS DISTINCT FROM (SELECT oid FROM meta))
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                    AND d.refobjid = (SELECT oid FROM meta))),
types AS MATERIALIZED (
  SELECT t.oid FROM ${some ? "(SELECT DISTINCT grp FROM wanted WHERE kind = 't') g(oid) JOIN pg_type t ON t.oid = g.oid" : 'pg_type t'}
  WHERE t.typnamespace IN ${USER_NS} AND t.typelem = 0 AND t.typrelid = 0),
procs AS MATERIALIZED (
  SELECT p.oid FROM ${some ? "(SELECT DISTINCT grp FROM wanted WHERE kind = 'p') g(oid) JOIN pg_proc p ON p.oid = g.oid" : 'pg_proc p'}
  WHERE p.pronamespace IN ${USER_NS}),
rows(kind, grp, member, x) AS (
  SELECT 'g', 0::oid, NULL, 'n' || row(n.nspname, n.nspacl)::text FROM pg_namespace n WHERE ${global} AND n.oid IN ${USER_NS}
  UNION ALL
  SELECT 'g', 0, NULL, 'x' || row(x.extname, x.extversion, x.extnamespace::regnamespace)::text FROM pg_extension x WHERE ${global}
  UNION ALL
  SELECT 'r', r.grp, 'pg_class:' || c.oid, 'c' || row(c.oid::regclass, c.relkind, c.relpersistence, c.reloftype::regtype,
    c.relispartition, c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reloptions, c.relacl,
    pg_get_expr(c.relpartbound, c.oid))::text
    FROM rels r JOIN pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_attrdef:' || d.oid, 'a' || row(a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
    a.attnotnull, a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attndims, a.attacl, a.attoptions,
    pg_get_expr(d.adbin, d.adrelid))::text
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'r', r.grp, 'pg_constraint:' || k.oid, 'k' || row(k.conrelid::regclass, k.conname, k.contype, k.condeferrable,
    k.condeferred, k.convalidated, k.connoinherit, pg_get_constraintdef(k.oid))::text
    FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'i' || row(i.indexrelid::regclass, i.indisvalid, i.indisreplident, i.indisclustered,
    pg_get_indexdef(i.indexrelid))::text
    FROM rels r JOIN pg_index i ON i.indexrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 't' || row(t.oid::regtype, t.typtype, t.typacl)::text
    FROM rels r JOIN pg_class c ON c.oid = r.oid JOIN pg_type t ON t.oid = c.reltype
  UNION ALL
  SELECT 't', t.oid, NULL, 't' || row(t.oid::regtype, t.typtype, t.typbasetype::regtype, t.typtypmod, t.typnotnull,
    t.typdefault, t.typcollation::regcollation, t.typacl,
    (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
    (SELECT row(r.rngsubtype::regtype, r.rngcollation::regcollation, r.rngsubopc::regclass) FROM pg_range r WHERE r.rngtypid = t.oid))::text
    FROM types s JOIN pg_type t ON t.oid = s.oid
  UNION ALL
  SELECT 't', s.oid, 'pg_constraint:' || k.oid, 'k' || row(k.contypid::regtype, k.conname, k.contype, k.convalidated,
    pg_get_constraintdef(k.oid))::text
    FROM types s JOIN pg_constraint k ON k.contypid = s.oid
  UNION ALL
  SELECT 'p', p.oid, NULL, 'p' || row(p.oid::regprocedure, p.prokind, p.prorettype::regtype, p.prolang, p.provolatile,
    p.prosecdef, p.proisstrict, p.proleakproof, p.proparallel, p.proconfig, p.proacl, md5(p.prosrc), p.probin)::text
    FROM procs s JOIN pg_proc p ON p.oid = s.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_trigger:' || g.oid, 'g' || row(g.tgrelid::regclass, g.tgname, g.tgenabled, pg_get_triggerdef(g.oid))::text
    FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid WHERE NOT g.tgisinternal
  UNION ALL
  SELECT 'r', r.grp, 'pg_rewrite:' || w.oid, 'v' || row(w.ev_class::regclass, w.rulename, w.ev_type, w.ev_enabled,
    w.is_instead, md5(pg_get_ruledef(w.oid)))::text
    FROM rels r JOIN pg_rewrite w ON w.ev_class = r.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_policy:' || y.oid, 'y' || row(y.polrelid::regclass, y.polname, y.polcmd, y.polpermissive,
    y.polroles::text, pg_get_expr(y.polqual, y.polrelid), pg_get_expr(y.polwithcheck, y.polrelid))::text
    FROM rels r JOIN pg_policy y ON y.polrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 's' || row(s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax,
    s.seqmin, s.seqcache, s.seqcycle)::text
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'o' || row(d.objid::regclass, d.refobjid::regclass,
    (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid), d.deptype)::text
    FROM rels r JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid
    WHERE r.relkind = 'S' AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION ALL
  SELECT 'r', r.grp, NULL, 'h' || row(h.inhrelid::regclass, h.inhparent::regclass, h.inhseqno)::text
    FROM rels r JOIN pg_inherits h ON h.inhrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'q' || row(q.partrelid::regclass, q.partstrat, pg_get_partkeydef(q.partrelid))::text
    FROM rels r JOIN pg_partitioned_table q ON q.partrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
      JOIN pg_description d ON d.classoid = 'pg_constraint'::regclass AND d.objoid = k.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid
      JOIN pg_description d ON d.classoid = 'pg_trigger'::regclass AND d.objoid = g.oid
  UNION ALL
  SELECT 't', s.oid, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM types s JOIN pg_description d ON d.classoid = 'pg_type'::regclass AND d.objoid = s.oid
  UNION ALL
  SELECT 'p', s.oid, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM procs s JOIN pg_description d ON d.classoid = 'pg_proc'::regclass AND d.objoid = s.oid
  UNION ALL
  SELECT 'g', 0, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM pg_description d WHERE ${global} AND d.objoid >= 16384
      AND d.classoid NOT IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_trigger'::regclass,
                             'pg_type'::regclass, 'pg_proc'::regclass)
)
SELECT kind, grp, CASE kind WHEN 'r' THEN grp::regclass::text WHEN 't' THEN grp::regtype::text
    WHEN 'p' THEN grp::regprocedure::text ELSE '' END AS name,
  md5(string_agg(x, E'\\n' ORDER BY x)) AS hash,
  array_remove(array_agg(member), NULL) AS members
FROM rows GROUP BY kind, grp${some?.after ?? ''}`;
}

/**
 * One step's read, in one statement: empties the triggers' log, finds the groups of the objects it
 * names and of what depends on them (a table's rename changes how a foreign key to it, a view on it
 * or a sequence it owns is printed), plus the groups `$3` names (`r:16402`: groups of dropped entries
 * the caller knows), and reads those. Two more rows: `m`, whether both triggers are still armed
 * (`hash`) and the log's entries (`members`); `w`, the groups that were asked for (one that returns
 * no row is gone).
 */
function stepQuery(excludeTable?: { schema: string; name: string }): string {
  return fingerprintQuery(excludeTable, {
    wanted: `drained AS (DELETE FROM ${WATCH_SCHEMA}.touched RETURNING entry),
touched AS MATERIALIZED (
  SELECT DISTINCT split_part(entry, ':', 1)::regclass::oid AS classid, split_part(entry, ':', 2)::oid AS objid
  FROM drained WHERE split_part(entry, ':', 1) = ANY($2::text[])),
objects AS MATERIALIZED (
  SELECT classid, objid FROM touched
  UNION
  SELECT d.classid, d.objid FROM touched t CROSS JOIN LATERAL
    (SELECT classid, objid FROM pg_depend WHERE refclassid = t.classid AND refobjid = t.objid OFFSET 0) d
),
wanted AS MATERIALIZED (
  SELECT g.kind, g.grp FROM objects o CROSS JOIN LATERAL (
    SELECT 'r', coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = c.oid), c.oid)
      FROM pg_class c WHERE o.classid = 'pg_class'::regclass AND c.oid = o.objid
    UNION ALL SELECT 'r', adrelid FROM pg_attrdef WHERE o.classid = 'pg_attrdef'::regclass AND oid = o.objid
    UNION ALL SELECT CASE WHEN conrelid <> 0 THEN 'r' ELSE 't' END, CASE WHEN conrelid <> 0 THEN conrelid ELSE contypid END
      FROM pg_constraint WHERE o.classid = 'pg_constraint'::regclass AND oid = o.objid
    UNION ALL SELECT CASE WHEN typrelid <> 0 THEN 'r' ELSE 't' END, CASE WHEN typrelid <> 0 THEN typrelid ELSE oid END
      FROM pg_type WHERE o.classid = 'pg_type'::regclass AND oid = o.objid
    UNION ALL SELECT 'p', oid FROM pg_proc WHERE o.classid = 'pg_proc'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', tgrelid FROM pg_trigger WHERE o.classid = 'pg_trigger'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', ev_class FROM pg_rewrite WHERE o.classid = 'pg_rewrite'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', polrelid FROM pg_policy WHERE o.classid = 'pg_policy'::regclass AND oid = o.objid
  ) g(kind, grp)
  UNION
  SELECT split_part(w, ':', 1), split_part(w, ':', 2)::oid FROM unnest($3::text[]) w
)`,
    after: `
UNION ALL
SELECT 'm', 0, '', (SELECT count(*)::int FROM pg_event_trigger WHERE evtname = ANY($1::text[]) AND evtenabled = 'A')::text,
  coalesce((SELECT array_agg(DISTINCT entry) FROM drained), '{}')
UNION ALL
SELECT 'w', 0, '', '', coalesce((SELECT array_agg(DISTINCT kind || ':' || grp) FROM wanted), '{}')`,
  });
}

/** Catalogs whose entries belong to a group; DDL on anything else (a schema, an extension, a GRANT) re-reads all. */
const GROUPED = new Set([
  'pg_class',
  'pg_attrdef',
  'pg_constraint',
  'pg_type',
  'pg_proc',
  'pg_trigger',
  'pg_rewrite',
  'pg_policy',
]);

const TRIGGERS = [`${WATCH_SCHEMA}_ended`, `${WATCH_SCHEMA}_dropped`];

const INSTALL = `
CREATE SCHEMA ${WATCH_SCHEMA};
CREATE UNLOGGED TABLE ${WATCH_SCHEMA}.touched (entry text);
CREATE FUNCTION ${WATCH_SCHEMA}.ended() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO ${WATCH_SCHEMA}.touched
    SELECT CASE WHEN coalesce(objid, 0) = 0 THEN '*' ELSE classid::regclass::text || ':' || objid END
    FROM pg_event_trigger_ddl_commands();
END $$;
CREATE FUNCTION ${WATCH_SCHEMA}.dropped() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO ${WATCH_SCHEMA}.touched
    SELECT CASE WHEN coalesce(objid, 0) = 0 THEN '*' ELSE classid::regclass::text || ':' || objid END
    FROM pg_event_trigger_dropped_objects();
END $$;
CREATE EVENT TRIGGER ${TRIGGERS[0]} ON ddl_command_end EXECUTE FUNCTION ${WATCH_SCHEMA}.ended();
CREATE EVENT TRIGGER ${TRIGGERS[1]} ON sql_drop EXECUTE FUNCTION ${WATCH_SCHEMA}.dropped();
ALTER EVENT TRIGGER ${TRIGGERS[0]} ENABLE ALWAYS;
ALTER EVENT TRIGGER ${TRIGGERS[1]} ENABLE ALWAYS;`;

interface Group {
  digest: Buffer;
  members: string[];
}

/** What a watch knew of the schema at its last fingerprint (see `SchemaWatch.save`). */
export interface WatchState {
  groups: ReadonlyMap<string, Group>;
  owners: ReadonlyMap<string, string>;
  total: Buffer;
}

/** Connections already set to keep one plan for the step statement. */
const generic = new WeakSet<pg.ClientBase>();

/**
 * A fingerprint of the user schema (see `fingerprintQuery`) kept up to date step by step. On a
 * database where Schemabot may create event triggers (the throwaway server's superuser), the triggers
 * log every object that DDL creates, alters or drops, and each fingerprint re-reads only the groups
 * of those objects and of what depends on them: its cost follows what a migration changed, not the
 * size of the schema. A GRANT, a schema or an extension, a log that cannot be read or a trigger that
 * was dropped or disabled makes it re-read everything, as it does where triggers cannot be created.
 *
 * The fingerprint is an XOR of one digest per group (of its name and rows), so adding, changing or
 * removing a group updates it in constant time.
 */
export class SchemaWatch {
  private readonly groups = new Map<string, Group>();
  /** Catalog entry (`pg_constraint:16418`) → the group it was last read in. */
  private readonly owners = new Map<string, string>();
  private readonly total = Buffer.alloc(16);
  private stale = true;
  private readonly stepText: string;
  private readonly stepName: string;
  /** Stops the warming of new connections (see `start`). */
  private unsubscribe?: () => void;
  /** A new connection being warmed (see `warm`). */
  private warming?: Promise<void>;

  private constructor(
    private readonly connect: () => pg.ClientBase,
    private readonly excludeTable: { schema: string; name: string } | undefined,
    private readonly incremental: boolean,
  ) {
    this.stepText = stepQuery(excludeTable);
    this.stepName = `schemabot-watch-${createHash('md5').update(this.stepText).digest('hex').slice(0, 12)}`;
  }

  /**
   * Starts watching the database `client()` is connected to (the function is asked again at each
   * step: the workspace replaces its connection when it copies or restores the database).
   * `onReconnect` subscribes to those replacements, so that each new connection is readied (`warm`)
   * while the worker goes on; `stop()` unsubscribes.
   */
  static async start(
    client: () => pg.ClientBase,
    excludeTable?: { schema: string; name: string },
    onReconnect?: (listener: (client: pg.ClientBase) => void) => () => void,
  ): Promise<SchemaWatch> {
    let incremental = false;
    try {
      const { rows } = await client().query<{ rolsuper: boolean }>(
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      if (rows[0]?.rolsuper) {
        await client().query(`BEGIN; ${INSTALL}; COMMIT`);
        incremental = true;
      }
    } catch {
      await client()
        .query('ROLLBACK')
        .catch(() => undefined);
    }
    const watch = new SchemaWatch(client, excludeTable, incremental);
    if (incremental && onReconnect) watch.unsubscribe = onReconnect((c) => watch.warm(c));
    return watch;
  }

  /** Whether the event triggers are in place (each step then reads only what it touched). */
  get watching(): boolean {
    return this.incremental;
  }

  /** A watch that reads everything at every step (no triggers are created). */
  static once(client: pg.ClientBase, excludeTable?: { schema: string; name: string }): SchemaWatch {
    return new SchemaWatch(() => client, excludeTable, false);
  }

  /** The fingerprint of the schema now. */
  async take(): Promise<string> {
    await this.warming;
    const client = this.connect();
    if (!this.incremental) {
      await this.readAll(client);
    } else {
      const read = await this.step(client, []).catch(() => null);
      const meta = read?.find((r) => r.kind === 'm');
      const entries = meta?.members ?? [];
      if (
        this.stale ||
        !read ||
        Number(meta?.hash) !== TRIGGERS.length ||
        entries.some((e) => e === '*' || !GROUPED.has(e.split(':')[0]!))
      ) {
        await this.readAll(client);
      } else if (entries.length) {
        // Entries that were dropped are gone from the catalog: their groups are known from the last read.
        const asked = new Set(read.find((r) => r.kind === 'w')?.members ?? []);
        const more = new Set<string>();
        for (const e of entries) {
          const key = this.owners.get(e) ?? this.groupKeyOf(e);
          if (!key || key.startsWith('g:') || asked.has(key)) continue;
          // A dropped relation, type or function that was a group of its own: the group goes.
          if (key === entryKey(e)) this.drop(key);
          else more.add(key);
        }
        if (more.size) {
          const again = await this.step(client, [...more]);
          for (const key of more) asked.add(key);
          read.push(...again.filter((r) => r.kind !== 'm' && r.kind !== 'w'));
        }
        for (const key of asked) this.drop(key);
        for (const row of read) if (row.kind !== 'm' && row.kind !== 'w') this.put(row);
      }
    }
    return `${this.total.toString('hex')}/${this.groups.size}`;
  }

  /**
   * The database was replaced (restored from a copy, rebuilt): the next fingerprint reads everything.
   * The log the copy holds is emptied then.
   */
  reset(): void {
    this.stale = true;
  }

  /**
   * What the watch knows of the schema as of its last fingerprint, to `resume` from when the database
   * is later put back as a copy made right after that fingerprint (a copy keeps the objects' OIDs and
   * the triggers' log). Undefined when there is nothing to resume from (no triggers, or a full read due).
   */
  save(): WatchState | undefined {
    if (!this.incremental || this.stale) return undefined;
    return { groups: new Map(this.groups), owners: new Map(this.owners), total: Buffer.from(this.total) };
  }

  /**
   * The database was put back as a copy made right after the fingerprint `state` was saved at: the
   * next fingerprint reads only what changed since (what the copy's log holds). Without a state, as
   * `reset`.
   */
  resume(state: WatchState | undefined): void {
    if (!state) return this.reset();
    this.groups.clear();
    this.owners.clear();
    for (const [key, group] of state.groups) this.groups.set(key, group);
    for (const [entry, key] of state.owners) this.owners.set(entry, key);
    state.total.copy(this.total);
    this.stale = false;
  }

  /**
   * Readies a new connection for the next fingerprint: a new backend reads the catalogs cold and must
   * plan the step's statement, which costs several steps' worth. Run while the worker goes on, the
   * statement is prepared and run once inside a transaction rolled back, so the log stays as it is;
   * the next fingerprint waits for it. Never throws.
   */
  private warm(client: pg.ClientBase): void {
    if (!this.incremental || generic.has(client)) return;
    const warming = (async () => {
      try {
        await this.step(client, [], { dryRun: true });
      } catch {
        // the fingerprint that follows reads on its own
      }
    })();
    this.warming = warming;
    void warming.finally(() => {
      if (this.warming === warming) this.warming = undefined;
    });
  }

  /** Removes the triggers and their schema. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.warming;
    if (!this.incremental) return;
    await this.connect()
      .query(
        `DROP EVENT TRIGGER IF EXISTS ${TRIGGERS[0]}; DROP EVENT TRIGGER IF EXISTS ${TRIGGERS[1]};` +
          ` DROP SCHEMA IF EXISTS ${WATCH_SCHEMA} CASCADE`,
      )
      .catch(() => undefined);
  }

  /** One step's read (see `stepQuery`), prepared once per connection: planning it costs more than running it. */
  private async step(
    client: pg.ClientBase,
    extra: string[],
    options: { dryRun?: boolean } = {},
  ): Promise<GroupRow[]> {
    if (!generic.has(client)) {
      // One plan for every step: the default re-plans it for each step's parameters, and planning
      // this statement costs several times what running it does.
      generic.add(client);
      await client.query('SET plan_cache_mode = force_generic_plan');
    }
    const statement = { name: this.stepName, text: this.stepText, values: [TRIGGERS, [...GROUPED], extra] };
    if (!options.dryRun) return (await client.query<GroupRow>(statement)).rows;
    await client.query('BEGIN');
    try {
      return (await client.query<GroupRow>(statement)).rows;
    } finally {
      await client.query('ROLLBACK');
    }
  }

  private async readAll(client: pg.ClientBase): Promise<void> {
    const { rows } = await client.query<GroupRow>(fingerprintQuery(this.excludeTable));
    this.groups.clear();
    this.owners.clear();
    this.total.fill(0);
    for (const row of rows) this.put(row);
    this.stale = false;
  }

  /** A relation, type or function entry is its own group's key when it was a group of its own. */
  private groupKeyOf(entry: string): string | undefined {
    const [catalog, oid] = entry.split(':');
    const kind =
      catalog === 'pg_class' ? 'r' : catalog === 'pg_type' ? 't' : catalog === 'pg_proc' ? 'p' : null;
    return kind && this.groups.has(`${kind}:${oid}`) ? `${kind}:${oid}` : undefined;
  }

  private put(row: GroupRow): void {
    const key = `${row.kind}:${row.grp}`;
    const digest = createHash('md5').update(`${row.kind}\u0000${row.name}\u0000${row.hash}`).digest();
    this.drop(key);
    const members = [...row.members, ...(row.kind === 'g' ? [] : [`${catalogOf(row.kind)}:${row.grp}`])];
    this.groups.set(key, { digest, members });
    for (const m of members) this.owners.set(m, key);
    xor(this.total, digest);
  }

  private drop(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    for (const m of group.members) if (this.owners.get(m) === key) this.owners.delete(m);
    xor(this.total, group.digest);
  }
}

interface GroupRow {
  /** A group's kind, or `m` / `w`: the step query's rows about the log and the groups asked for. */
  kind: 'r' | 't' | 'p' | 'g' | 'm' | 'w';
  grp: string;
  name: string;
  hash: string;
  members: string[];
}

function catalogOf(kind: GroupRow['kind']): string {
  return kind === 'r' ? 'pg_class' : kind === 't' ? 'pg_type' : 'pg_proc';
}

/** `pg_class:16402` → `r:16402`: the key of the group the entry would be, were it one. */
function entryKey(entry: string): string {
  const [catalog, oid] = entry.split(':');
  return `${catalog === 'pg_class' ? 'r' : catalog === 'pg_type' ? 't' : catalog === 'pg_proc' ? 'p' : '?'}:${oid}`;
}

function xor(into: Buffer, digest: Buffer): void {
  for (let i = 0; i < into.length; i++) into[i]! ^= digest[i]!;
}

function literal(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** One full fingerprint of the database `client` is connected to (no triggers). */
export function takeFingerprint(
  client: pg.ClientBase,
  excludeTable?: { schema: string; name: string },
): Promise<string> {
  return SchemaWatch.once(client, excludeTable).take();
}
