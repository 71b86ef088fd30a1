import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseSync } from 'libpg-query';
import { loadParser, transactionEffect } from './observe-transactions.js';

/**
 * What a migration's statements do to relations that existed before it ran, measured by replaying
 * them one by one on a copy of the pre-migration database and reading the catalog between them:
 * the locks held (`pg_locks` of the replaying session, read before the transaction ends), the
 * relations rewritten (`pg_class.relfilenode` changed), and the tables read in full (the session's
 * sequential-scan counter, `pg_stat_get_xact_numscans`, moved).
 */

/** Which ordinary traffic a lock mode makes wait: `reads` (SELECT) and/or `writes` (INSERT/UPDATE/DELETE). */
export type Blocked = 'reads' | 'writes';

export interface RelationLock {
  /** Schema-qualified name as it was before the migration, e.g. `public.users`. */
  relation: string;
  kind: 'table' | 'index' | 'sequence' | 'other';
  /** PostgreSQL's name of the lock mode, e.g. `AccessExclusiveLock`. */
  mode: string;
  /** What the mode blocks for other sessions' reads and writes (empty: neither). */
  blocks: Blocked[];
  /**
   * How long it was held in the replay, in milliseconds: from the start of the statement that took it
   * to the end of its transaction (the statement's own, or the one the migration opened).
   */
  ms: number;
  /** Index of the statement whose end released it, when that is a later one (the migration's COMMIT). */
  releasedBy?: number;
}

export interface StatementObservation {
  /** Position in the migration's statements (0-based). */
  index: number;
  /**
   * When the captured query held several statements (Sequelize sends `CREATE TYPE` and `ALTER TABLE`
   * as one), it is replayed and measured statement by statement: which one this is (0-based), and
   * `sql` is that statement alone. Absent for a query of one statement.
   */
  part?: number;
  sql: string;
  /** Replay duration of the statement itself, in milliseconds. */
  ms: number;
  /** Locks first taken (or strengthened) by this statement on relations that existed before the migration. */
  locks: RelationLock[];
  /** Relations that existed before the migration whose data file was replaced (`relfilenode` changed). */
  rewrites: string[];
  /** Tables that existed before the migration and that this statement read sequentially. */
  scans: string[];
  /**
   * It ran inside a transaction, so its locks and scans were read before they were released. False for
   * statements PostgreSQL refuses inside a transaction block (SQLSTATE 25001: CREATE INDEX
   * CONCURRENTLY, VACUUM, ...): those ran on their own and only their rewrites are known.
   */
  inTransaction: boolean;
  /** Part of a transaction the migration opened itself (its locks are held until that COMMIT). */
  migrationTransaction?: boolean;
  /** A transaction statement of the migration (BEGIN, COMMIT, SAVEPOINT, ...): nothing to measure. */
  control?: boolean;
  /** PostgreSQL rejected it in the replay. */
  error?: string;
  /** SQLSTATE of `error`. */
  code?: string;
}

/** A relation that existed before the migration. */
export interface ExistingRelation {
  /** Schema-qualified display name (`quote_ident` parts), e.g. `public."userEvents"`. */
  name: string;
  schema: string;
  relname: string;
  kind: RelationLock['kind'];
}

export interface MigrationObservation {
  /** `server_version_num` div 10000 of the server the replay ran on. */
  postgresMajor: number;
  statements: StatementObservation[];
  /** Relations (in user schemas) that existed before the migration. */
  before: ExistingRelation[];
  /** Names of relations (tables, indexes, sequences, views) that exist after the replay but not before. */
  created: string[];
  /** Names of relations that existed before the replay and are gone after it (a rename is both). */
  dropped: string[];
}

/** The eight table lock modes, weakest first. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

/**
 * What each mode blocks, from PostgreSQL's conflict table: SELECT takes AccessShareLock (conflicts
 * only with AccessExclusiveLock); INSERT/UPDATE/DELETE take RowExclusiveLock (conflicts with Share,
 * ShareRowExclusive, Exclusive and AccessExclusive).
 */
export function lockBlocks(mode: string): Blocked[] {
  switch (mode) {
    case 'AccessExclusiveLock':
      return ['reads', 'writes'];
    case 'ShareLock':
    case 'ShareRowExclusiveLock':
    case 'ExclusiveLock':
      return ['writes'];
    default:
      return [];
  }
}

function rank(mode: string): number {
  return LOCK_MODES.indexOf(mode as (typeof LOCK_MODES)[number]);
}

function kindOf(relkind: string): RelationLock['kind'] {
  if (relkind === 'r' || relkind === 'p') return 'table';
  if (relkind === 'i' || relkind === 'I') return 'index';
  if (relkind === 'S') return 'sequence';
  return 'other';
}

/** Every relation in a user schema (not the system's, TOAST or temporary ones). */
const RELATIONS_QUERY = `
SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, n.nspname, c.relname,
       c.relkind, c.relfilenode
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 2`; // by name, not by creation: a restored base state creates them in pg_dump's order

/**
 * The replaying session's granted relation locks, and for each watched relation its data file and the
 * number of sequential scans this transaction has started on it (not yet flushed to the statistics).
 * Reads every relation: for a statement that ran outside a transaction, whose locks are gone.
 */
const STATE_QUERY = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(l.relation, l.mode)), '[]')
     FROM pg_locks l
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks,
  (SELECT coalesce(json_agg(json_build_array(c.oid, c.relfilenode,
            CASE WHEN c.relkind IN ('r', 'm', 't') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END)), '[]')
     FROM pg_class c WHERE c.oid = ANY($1::oid[])) AS relations,
  (SELECT coalesce(json_agg(json_build_array(quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.oid, c.relfilenode)), '[]')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('i', 'I') AND NOT c.oid = ANY($1::oid[])
      AND quote_ident(n.nspname) || '.' || quote_ident(c.relname) = ANY($2::text[])) AS renewed`;

/**
 * `STATE_QUERY` inside the transaction that ran the statement, read only where it can have changed:
 * a statement rewrites, rebuilds (a new index under an old name) or scans a relation only under a lock,
 * held to the transaction's end, so the relations this session holds a lock on, and those with a scan
 * count (a count stays with the session until its statistics are flushed, after the transaction and
 * after a savepoint rolled back, which releases the lock). What it reads grows with what the migration
 * touched, not with the schema: the full read, twice per statement, made the replay of a migration of
 * four statements 35 ms slower at 2,000 tables than at 300.
 */
const HELD_STATE_QUERY = `
WITH held AS (
  SELECT l.relation AS oid, l.mode FROM pg_locks l
   WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
SELECT
  (SELECT coalesce(json_agg(json_build_array(oid, mode)), '[]') FROM held) AS locks,
  (SELECT coalesce(json_agg(json_build_array(c.oid, c.relfilenode,
            CASE WHEN c.relkind IN ('r', 'm', 't') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END,
            CASE WHEN c.relkind IN ('i', 'I') THEN quote_ident(n.nspname) || '.' || quote_ident(c.relname) END)), '[]')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid IN (SELECT oid FROM held)
       OR (c.relkind IN ('r', 'm', 't') AND pg_stat_get_xact_numscans(c.oid) > 0)) AS relations`;

interface Relation {
  name: string;
  schema: string;
  relname: string;
  kind: RelationLock['kind'];
  relkind: string;
}

interface State {
  /** Indexes of the same name as one that existed before, with a new oid: rebuilt (ALTER COLUMN TYPE). */
  renewed: Map<number, string>;
  locks: Map<number, string>;
  files: Map<number, number>;
  scans: Map<number, number>;
}

interface Held {
  lock: RelationLock;
  rank: number;
  since: number;
}

const OUTSIDE_TRANSACTION = '25001';

/**
 * The statements of one captured query by the parser's boundaries (one element when it holds one, or
 * when the parser rejects it: PostgreSQL then rejects it whole). Locations count UTF-8 bytes.
 */
export function splitQuery(sql: string): string[] {
  let stmts: { stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = (parseSync(sql) as { stmts?: { stmt_location?: number; stmt_len?: number }[] }).stmts ?? [];
  } catch {
    return [sql];
  }
  if (stmts.length <= 1) return [sql];
  const bytes = Buffer.from(sql, 'utf8');
  const parts = stmts
    .map((s) => {
      const from = s.stmt_location ?? 0;
      const to = s.stmt_len ? from + s.stmt_len : bytes.length;
      return bytes.subarray(from, to).toString('utf8').trim();
    })
    .filter((p) => p.length > 0);
  // A query that opens or ends a transaction itself is replayed as it was sent.
  return parts.length > 1 &&
    !parts.some((p) => transactionEffect(p).control || transactionEffect(p).savepoint)
    ? parts
    : [sql];
}

/**
 * Replays `statements` in order on the database at `url` (a copy of the database as it was before the
 * migration: the replay changes it) and reports, per statement, what it did to the relations that
 * existed before. Statements the migration did not wrap in a transaction each run in their own
 * (`BEGIN; <statement>; <observe>; COMMIT`), so their locks are read while still held; spans the
 * migration opened itself (BEGIN/START TRANSACTION ... COMMIT) run as they are, and their locks are
 * held until that COMMIT. A statement PostgreSQL rejects is recorded with its error and the replay goes on.
 */
export async function observeStatements(url: string, statements: string[]): Promise<MigrationObservation> {
  await loadParser();
  const client = new pg.Client({ connectionString: url, application_name: 'schemabot-observe' });
  // A lost connection surfaces as the failing query's error; without a listener it would crash the process.
  client.on('error', () => undefined);
  client.on('notice', () => undefined);
  await client.connect();
  try {
    return await replay(client, statements);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function relations(client: pg.Client): Promise<Map<number, Relation & { file: number }>> {
  const { rows } = await client.query<{
    oid: number;
    name: string;
    nspname: string;
    relname: string;
    relkind: string;
    relfilenode: number;
  }>(RELATIONS_QUERY);
  return new Map(
    rows.map((r) => [
      Number(r.oid),
      {
        name: r.name,
        schema: r.nspname,
        relname: r.relname,
        relkind: r.relkind,
        kind: kindOf(r.relkind),
        file: Number(r.relfilenode),
      },
    ]),
  );
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function replay(client: pg.Client, statements: string[]): Promise<MigrationObservation> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const postgresMajor = Math.floor(Number(rows[0]!.v) / 10000);
  const before = await relations(client);
  const oids = [...before.keys()];
  const files = new Map([...before].map(([oid, r]) => [oid, r.file]));
  const indexNames = [...before.values()].filter((r) => r.kind === 'index').map((r) => r.name);
  const fileByName = new Map([...before.values()].map((r) => [r.name, r.file]));
  /** Rebuilt indexes already reported (by their new oid). */
  const renewedSeen = new Set<number>();
  const held = new Map<number, Held>();
  let clock = 0;

  const indexNameSet = new Set(indexNames);
  const heldLocks = (pairs: [number, string][]): Map<number, string> => {
    const locks = new Map<number, string>();
    for (const [oid, mode] of pairs) {
      const o = Number(oid);
      if (!before.has(o)) continue;
      const known = locks.get(o);
      if (known === undefined || rank(mode) > rank(known)) locks.set(o, mode);
    }
    return locks;
  };

  /** The state now: of the relations this transaction locked or scanned (`held`), or of every one. */
  const readState = async (scope: 'held' | 'all' = 'held'): Promise<State> => {
    let locks: [number, string][];
    let relations: [number, number, number][];
    let renewed: [string, number, number][];
    if (scope === 'held') {
      const res = await client.query<{
        locks: [number, string][];
        relations: [number, number, number, string | null][];
      }>(HELD_STATE_QUERY);
      const row = res.rows[0]!;
      locks = row.locks;
      relations = row.relations
        .filter(([oid]) => before.has(Number(oid)))
        .map(([oid, file, scans]) => [oid, file, scans]);
      renewed = row.relations
        .filter(([oid, , , name]) => name !== null && !before.has(Number(oid)) && indexNameSet.has(name))
        .map(([oid, file, , name]) => [name!, oid, file]);
    } else {
      const res = await client.query<{
        locks: [number, string][];
        relations: [number, number, number][];
        renewed: [string, number, number][];
      }>(STATE_QUERY, [oids, indexNames]);
      ({ locks, relations, renewed } = res.rows[0]!);
    }
    return {
      // Kept storage (a binary-compatible type change re-creates the index on the same file): no rebuild.
      renewed: new Map(
        renewed
          .filter(([name, , file]) => fileByName.get(name) !== Number(file))
          .map(([name, oid]) => [Number(oid), name]),
      ),
      locks: heldLocks(locks),
      files: new Map(relations.map(([oid, file]) => [Number(oid), Number(file)])),
      scans: new Map(relations.map(([oid, , scans]) => [Number(oid), Number(scans)])),
    };
  };

  /**
   * Relations whose data file changed since the last look (and remembers the new files), and indexes
   * PostgreSQL dropped and built again under the same name (a column type change does that to the
   * indexes on the column: new oid, so only the name tells).
   */
  const rewritten = (state: Pick<State, 'files' | 'renewed'>): string[] => {
    const out: string[] = [];
    for (const [oid, file] of state.files) {
      const old = files.get(oid);
      if (old !== undefined && file !== 0 && old !== 0 && file !== old) out.push(before.get(oid)!.name);
      files.set(oid, file);
    }
    for (const [oid, name] of state.renewed) {
      if (renewedSeen.has(oid)) continue;
      renewedSeen.add(oid);
      if (!out.includes(name)) out.push(name);
    }
    return out;
  };

  const scanned = (from: State, to: State): string[] =>
    [...to.scans]
      .filter(([oid, n]) => n > (from.scans.get(oid) ?? 0) && before.get(oid)!.kind === 'table')
      .map(([oid]) => before.get(oid)!.name);

  /** New or stronger locks in `state` than those already held in this transaction. */
  const taken = (state: State, since: number): RelationLock[] => {
    const out: RelationLock[] = [];
    for (const [oid, mode] of state.locks) {
      const r = rank(mode);
      const previous = held.get(oid);
      if (previous && previous.rank >= r) continue;
      const rel = before.get(oid)!;
      const lock: RelationLock = {
        relation: rel.name,
        kind: rel.kind,
        mode,
        blocks: lockBlocks(mode),
        ms: 0,
      };
      held.set(oid, { lock, rank: r, since });
      out.push(lock);
    }
    // By name, as `before` is: pg_locks lists them in an order that follows the relations' OIDs.
    return out.sort((a, b) => (a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0));
  };

  const release = (by?: number): void => {
    for (const h of held.values()) {
      h.lock.ms = round(clock - h.since);
      if (by !== undefined) h.lock.releasedBy = by;
    }
    held.clear();
  };

  const run = async (sql: string): Promise<{ ms: number; error?: { message: string; code?: string } }> => {
    const started = performance.now();
    try {
      await client.query(sql);
      return { ms: performance.now() - started };
    } catch (e) {
      const err = e as { message?: string; code?: string };
      return {
        ms: performance.now() - started,
        error: { message: String(err.message ?? e), ...(err.code ? { code: err.code } : {}) },
      };
    }
  };

  /**
   * One statement inside an open transaction (the migration's, or the one a multi-statement query runs
   * in): a savepoint lets the replay go on past a rejected statement.
   */
  const inOpenTransaction = async (obs: StatementObservation, sql: string): Promise<void> => {
    const start = await readState();
    await client.query('SAVEPOINT schemabot_observe');
    const result = await run(sql);
    obs.ms = round(result.ms);
    const since = clock;
    clock += result.ms;
    if (result.error) {
      Object.assign(obs, errorFields(result.error));
      await client.query('ROLLBACK TO SAVEPOINT schemabot_observe; RELEASE SAVEPOINT schemabot_observe');
      return;
    }
    await client.query('RELEASE SAVEPOINT schemabot_observe');
    const end = await readState();
    obs.locks = taken(end, since);
    obs.rewrites = rewritten(end);
    obs.scans = scanned(start, end);
  };

  const observations: StatementObservation[] = [];
  for (const [index, sql] of statements.entries()) {
    const parts = splitQuery(sql);
    if (parts.length > 1 && client.getTransactionStatus() !== 'E') {
      // PostgreSQL runs a multi-statement query in one implicit transaction (unless the migration
      // opened one): each statement is measured, and locks last until the query's end.
      const implicit = client.getTransactionStatus() === 'I';
      if (implicit) await client.query('BEGIN');
      for (const [part, text] of parts.entries()) {
        const obs: StatementObservation = {
          index,
          part,
          sql: text,
          ms: 0,
          locks: [],
          rewrites: [],
          scans: [],
          inTransaction: true,
          ...(implicit ? {} : { migrationTransaction: true }),
        };
        observations.push(obs);
        await inOpenTransaction(obs, text);
      }
      if (implicit) {
        const commit = await run('COMMIT');
        clock += commit.ms;
        release();
      }
      continue;
    }
    const effect = transactionEffect(sql);
    const migrationTransaction = client.getTransactionStatus() !== 'I';
    const obs: StatementObservation = {
      index,
      sql,
      ms: 0,
      locks: [],
      rewrites: [],
      scans: [],
      inTransaction: true,
      ...(migrationTransaction ? { migrationTransaction } : {}),
    };
    observations.push(obs);

    if (effect.control || (migrationTransaction && effect.savepoint)) {
      // The migration's own BEGIN / COMMIT / SAVEPOINT: run as is; an ended transaction releases its locks.
      obs.control = true;
      const result = await run(sql);
      obs.ms = round(result.ms);
      clock += result.ms;
      if (result.error) Object.assign(obs, errorFields(result.error));
      if (client.getTransactionStatus() === 'I') release(index);
      continue;
    }

    if (client.getTransactionStatus() === 'E') {
      // The migration's transaction is already aborted: PostgreSQL rejects everything up to its end.
      const result = await run(sql);
      obs.ms = round(result.ms);
      clock += result.ms;
      if (result.error) Object.assign(obs, errorFields(result.error));
      continue;
    }

    if (migrationTransaction) {
      await inOpenTransaction(obs, sql);
      continue;
    }

    await client.query('BEGIN');
    // Read, not assumed empty: a scan's count stays with the session until its statistics are flushed.
    const start = await readState();
    const result = await run(sql);
    obs.ms = round(result.ms);
    if (!result.error) {
      const since = clock;
      clock += result.ms;
      const end = await readState();
      obs.locks = taken(end, since);
      obs.rewrites = rewritten(end);
      obs.scans = scanned(start, end);
      const commit = await run('COMMIT');
      clock += commit.ms;
      release();
      if (commit.error) Object.assign(obs, errorFields(commit.error));
      continue;
    }
    await client.query('ROLLBACK');
    held.clear();
    if (result.error.code !== OUTSIDE_TRANSACTION) {
      clock += result.ms;
      Object.assign(obs, errorFields(result.error));
      continue;
    }
    // PostgreSQL refuses it inside a transaction block: run it on its own, as the migration did.
    obs.inTransaction = false;
    const outside = await run(sql);
    obs.ms = round(outside.ms);
    clock += outside.ms;
    if (outside.error) Object.assign(obs, errorFields(outside.error));
    obs.rewrites = rewritten(await readState('all')); // its locks are gone with it
  }
  if (client.getTransactionStatus() !== 'I') {
    // The migration left its transaction open: its locks were held to the end.
    release(statements.length - 1);
    await client.query('ROLLBACK').catch(() => undefined);
  }

  const after = new Set([...(await relations(client)).values()].map((r) => r.name));
  const names = new Set([...before.values()].map((r) => r.name));
  return {
    postgresMajor,
    statements: observations,
    before: [...before.values()].map(({ name, schema, relname, kind }) => ({ name, schema, relname, kind })),
    created: [...after].filter((n) => !names.has(n)),
    dropped: [...names].filter((n) => !after.has(n)),
  };
}

function errorFields(error: {
  message: string;
  code?: string;
}): Pick<StatementObservation, 'error' | 'code'> {
  return { error: error.message, ...(error.code ? { code: error.code } : {}) };
}
