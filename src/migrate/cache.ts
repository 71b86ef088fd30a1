/**
 * The base-state cache: the database as the base branch's migrations leave it (the `baseline:` dump,
 * the migrations' schema, the rows they inserted and the meta table), kept in a folder between runs so
 * that a pull request check restores it instead of replaying every base migration.
 *
 * What is stored: one file per state, plain SQL as `pg_dump --inserts` writes it, restored in one query
 * (one implicit transaction: all of it or nothing) into the workspace's new, empty database while its
 * worker starts (`Workspace.open`). Measured on 300 and 2,000 generated migrations, it restores as fast
 * as `pg_restore --single-transaction` of a custom-format dump, faster than `psql -1` or the baseline
 * applier (a round trip per statement), and needs no client program: only saving runs `pg_dump`.
 *
 * The key: a hash chain over the base migrations in the order they are applied. Its start covers what
 * decides how they run (Schemabot's version, the runner and its library's version, the config file,
 * `.sequelizerc`, the `baseline:` file, `.schemabot.yml`'s runner settings, `NODE_ENV`, the server's
 * full version, role and locale); each link adds one migration's name and content. A state saved at an
 * older base is the key of a prefix of today's list: the longest one found is restored and only the
 * migrations after it are replayed (a rebuild during the round trip restores the base state the same way).
 *
 * A restored state is verified (the file's length and checksum; after the restore, the meta table holds
 * exactly the expected migrations and the catalog the expected number of objects). Whatever goes wrong
 * — no entry, a truncated or corrupt file, a restore or a verification that fails — the database is
 * emptied and every migration is replayed, as without a cache: the cache can make a check faster, never
 * different, and never fails it.
 *
 * Saving, after a replay (a miss, or the migrations after a cached prefix): the state's facts are read,
 * the database is copied (`CREATE DATABASE … TEMPLATE`), and the copy is dumped and written while the
 * round trip goes on; `Workspace.close()` waits for it. Files are written to a temporary name in the
 * folder, then renamed (mode 0600, folder 0700). The folder is bounded: the newest `KEEP_PER_PROJECT`
 * states of each project (same key start) and `KEEP_TOTAL` states in all, by last use.
 *
 * The kept cluster, with the `local` and `testcontainers` providers and a state of `KEEP_CLUSTER_FROM`
 * relations or more (below, restoring the dump is about as fast as copying a cluster): the copy made for
 * the dump stays in the server, which at its stop keeps its cluster in the folder (`cluster-<project
 * folder's hash>-<major>`, its data directory, or `-c<image hash>`, a container's archive; the newest
 * `KEEP_CLUSTERS` in all) with a note of the state's key, meta table and catalog. The next check's
 * server starts on a copy of it (`PostgresRequest.cluster`), and its workspace takes that database as
 * its own when the note's key is a prefix of today's and the database still matches the note
 * (`takeKeptBase`): no statement of the dump runs, where a restore at 2,000 migrations was a third of a
 * warm check.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { dumpDatabase, whyNoDump } from '../postgres/dump.js';
import { KEPT_FILE, type PostgresServer } from '../postgres/types.js';
import { SCHEMABOT_VERSION } from '../shared/version.js';
import { contentId, type MigrationFile } from './discover.js';
import { metaTableSql } from './meta.js';
import type { Project } from './project.js';
import type { StepResult } from './runner.js';
import type { Workspace } from './workspace.js';
import { makeDirs, touch } from '../shared/fs.js';

/** Bumped whenever what a file holds or how it is restored changes: older files are never read. */
const FORMAT = 1;
/** States kept per project (the same key start), and in the whole folder, by last use. */
export const KEEP_PER_PROJECT = 3;
export const KEEP_TOTAL = 12;
/** Kept clusters (one per project folder and major, tens of MB each) in the whole folder, by last use. */
export const KEEP_CLUSTERS = 2;
/**
 * The relations (tables, indexes, sequences, views) from which a base state's cluster is kept. Keeping
 * one adds about 0.65 s to the run that keeps it (a clean shutdown, and its files copied into the
 * folder). Measured on generated histories (one relation per migration), warm checks took 2.71 s on the
 * kept cluster vs 2.77 s restoring the dump at 600, 2.61 vs 2.99 s at 1,000 and 3.2 vs 4.3 s at 2,000.
 */
export const KEEP_CLUSTER_FROM = 1000;
/** A kept cluster's folder: a `local` server's (`-<major>`), a container's (`-c<image hash>`). */
const CLUSTER = /^cluster-[0-9a-f]{16}-(\d+|c[0-9a-f]{8})$/;
/** A temporary file older than this was left by a run that ended while writing it. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const HEADER = '-- schemabot base state ';
const ENTRY = /^base-([0-9a-f]{16})-(\d+)-([0-9a-f]{32})\.sql$/;

/** What replaying the base branch's migrations cost, as the JSON report's `baseReplay` carries it. */
export interface BaseReplay {
  /** Base migrations replayed (those restored from the cache are not). */
  migrations: number;
  ms: number;
  statementMs: number;
  /** Present when the cache was on: what it restored. */
  cache?: BaseCacheUse;
}

export interface BaseCacheUse {
  /** A cached state was restored. */
  hit: boolean;
  /** Base migrations whose state came from the cache (the rest were replayed). */
  restored: number;
  /** The key of the whole base's state (the one saved after this run when it was not found). */
  key: string;
  /** Time spent looking up, restoring and verifying. */
  ms: number;
  /**
   * Where a hit's state came from: `dump`, the saved file restored into a new database; `cluster`, the
   * database of the cluster the server started on (`takeKeptBase`), taken as it was. Absent on a miss.
   */
  source?: BaseSource;
}

/** See `BaseCacheUse.source`. */
export type BaseSource = 'dump' | 'cluster';

/** `$XDG_CACHE_HOME/schemabot`, else `~/.cache/schemabot`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'schemabot');
}

/** Where a new database starts: the state of its first `restored` migrations, from the cache. */
export interface BaseStart {
  /** The cache of this list of migrations: it saves the state once the rest is replayed. */
  cache: BaseStateCache;
  restored: number;
  /** Time spent looking up, restoring and verifying. */
  ms: number;
  /** A restore went through but its verification failed: the database must be emptied first. */
  dirty: boolean;
  /** Where the restored state came from (see `BaseCacheUse.source`). */
  source: BaseSource;
}

/** The new, empty database `restoreBase` brings to a cached state. */
export interface RestoreTarget {
  server: PostgresServer;
  url: string;
  project: Project;
  /** The project's `baseline:` dump is part of the state (the database is empty, not even the baseline). */
  baseline: boolean;
  dir: string;
  /** The migrations to come, in order: the longest prefix the cache holds is restored. */
  migrations: MigrationFile[];
  log: (line: string) => void;
}

/**
 * Restores into the empty database at `target.url` the cached state of the longest prefix of
 * `target.migrations` (`Workspace.open` runs it while the worker starts). Never throws: a cache that
 * cannot be read or a state that cannot be restored restores nothing.
 */
export async function restoreBase(target: RestoreTarget): Promise<BaseStart> {
  const started = performance.now();
  const client = cacheClient(target.url);
  let cache: BaseStateCache | undefined;
  try {
    await client.connect();
    cache = await BaseStateCache.open(client, target);
    const { restored, dirty } = await cache.restore(client);
    return { cache, restored, dirty, ms: Math.round(performance.now() - started), source: 'dump' };
  } catch (error) {
    target.log(`Base-state cache not used: ${(error as Error).message}`);
    // Without its cache (no key), nothing is saved either.
    return { cache: cache ?? BaseStateCache.none(target), restored: 0, dirty: false, ms: 0, source: 'dump' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection of the cache's own, named as such in `pg_stat_activity` (not yet connected). */
function cacheClient(url: string): pg.Client {
  const client = new pg.Client({ connectionString: url, application_name: 'schemabot-cache' });
  client.on('error', () => undefined);
  return client;
}

/** The folder of the clusters kept for the project in `cwd` (see `takeKeptBase`). */
export function clusterFolder(cacheDir: string, cwd: string): string {
  return join(cacheDir, `cluster-${sha256(resolve(cwd)).slice(0, 16)}`);
}

/** What a kept cluster's database holds, as `save` noted it (`PostgresServer.keepAtStop`). */
interface KeptNote {
  format: number;
  key: string;
  migrations: number;
  meta: string[];
  objects: Record<string, number>;
}

/**
 * The fastest form of the cache, for a server that started on a cluster kept by an earlier run (the
 * `local` and `testcontainers` providers): when the kept database holds the state of a prefix of
 * `target.migrations` (its key is today's, its meta table and catalog are what was noted), that
 * database becomes the workspace's: nothing is restored, nothing copied. Once taken it holds the
 * workspace's state, not the base's: a rebuild restores the base state from the dump as usual.
 * Undefined when it cannot be used: the caller creates an empty database and restores the state as
 * usual (`restoreBase`). Never throws for a kept state it cannot use.
 */
export async function takeKeptBase(
  target: Omit<RestoreTarget, 'url'>,
): Promise<{ database: string; start: BaseStart } | undefined> {
  const kept = target.server.kept;
  if (!kept) return undefined;
  const started = performance.now();
  const client = cacheClient(target.server.url(kept.database));
  let cache: BaseStateCache;
  let count: number;
  try {
    const note = JSON.parse(kept.note) as KeptNote;
    await client.connect();
    cache = await BaseStateCache.open(client, { ...target, url: target.server.url(kept.database) });
    count = note.migrations;
    if (note.format !== FORMAT || !cache.holds(count, note.key)) {
      target.log('Base-state cache: the kept cluster holds the state of other base migrations');
      return undefined;
    }
    if (cache.longestSaved() > count) return undefined; // a dump of a longer prefix replays less
    await cache.verify(client, note, count);
  } catch (error) {
    target.log(`Base-state cache: the kept cluster's base state is unusable (${(error as Error).message})`);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  const ms = Math.round(performance.now() - started);
  target.log(
    `Base state restored from the cache (${count} of ${target.migrations.length} migrations) in ${ms} ms: ` +
      'the database of the kept cluster',
  );
  return { database: kept.database, start: { cache, restored: count, dirty: false, ms, source: 'cluster' } };
}

/**
 * Brings the workspace's database to the state after `migrations` (the base branch's, in order): what
 * `Workspace.open` restored of them from the cache (`WorkspaceOptions.base`), then the rest replayed.
 * Adds what it replayed to `replay` (and, with the cache on, what it restored). Once the rest replayed,
 * the state is saved to the cache for the next runs. Returns the first migration that failed, if any.
 */
export async function replayBase(
  ws: Workspace,
  migrations: MigrationFile[],
  replay: BaseReplay,
  log: (line: string) => void,
): Promise<{ name: string; step: StepResult } | null> {
  const start = ws.takeBaseStart();
  if (start && !start.cache.covers(migrations)) {
    throw new Error('The workspace was opened for other base migrations than those to replay.');
  }
  const from = start?.restored ?? 0;
  if (start?.cache.enabled) {
    replay.cache = {
      hit: from > 0,
      restored: from,
      key: start.cache.key(migrations.length),
      ms: start.ms,
      ...(from > 0 ? { source: start.source } : {}),
    };
  }
  const rest = migrations.slice(from);
  if (rest.length) {
    log(
      from
        ? `Replaying the ${rest.length} base migration${rest.length === 1 ? '' : 's'} after the cached state`
        : `Replaying ${rest.length} base migrations`,
    );
  }
  for (const m of rest) {
    const step = await ws.runner.up(m);
    replay.migrations++;
    replay.ms += step.ms;
    replay.statementMs += step.statements.reduce((sum, s) => sum + s.ms, 0);
    if (!step.ok) return { name: m.name, step };
  }
  if (start?.cache.enabled && rest.length) await start.cache.save(ws);
  return null;
}

interface Manifest {
  format: number;
  key: string;
  project: string;
  migrations: number;
  /** The meta table's rows (Sequelize: migration names; Alembic: the current revisions), sorted. */
  meta: string[];
  /** Catalog objects by kind, compared after a restore. */
  objects: Record<string, number>;
  bytes: number;
  sha256: string;
  postgres: string;
}

interface ServerFacts {
  version: string;
  user: string;
  collate: string;
  ctype: string;
  encoding: string;
  roles: string[];
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function fileHash(path: string | undefined): string | null {
  if (!path || !existsSync(path)) return null;
  return sha256(readFileSync(path));
}

/** The user namespaces, as the catalog counts below read them. */
const USER_NS = `(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%')`;

const OBJECT_COUNTS = `SELECT
  (SELECT count(*) FROM pg_namespace WHERE oid IN ${USER_NS})::int AS schemas,
  (SELECT count(*) FROM pg_class WHERE relnamespace IN ${USER_NS})::int AS relations,
  (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace IN ${USER_NS} AND a.attnum > 0 AND NOT a.attisdropped)::int AS columns,
  (SELECT count(*) FROM pg_type WHERE typnamespace IN ${USER_NS})::int AS types,
  (SELECT count(*) FROM pg_proc WHERE pronamespace IN ${USER_NS})::int AS functions,
  (SELECT count(*) FROM pg_constraint WHERE connamespace IN ${USER_NS})::int AS constraints,
  (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace IN ${USER_NS} AND NOT t.tgisinternal)::int AS triggers,
  (SELECT count(*) FROM pg_extension)::int AS extensions`;

export class BaseStateCache {
  private constructor(
    private readonly target: RestoreTarget,
    /** `keys[i]`: the state after the first `i` migrations (empty: the cache is not usable). */
    private readonly keys: string[],
    private readonly facts: ServerFacts | undefined,
  ) {}

  /** A cache that holds nothing and saves nothing (its folder or its server could not be read). */
  static none(target: RestoreTarget): BaseStateCache {
    return new BaseStateCache(target, [], undefined);
  }

  static async open(client: pg.Client, target: RestoreTarget): Promise<BaseStateCache> {
    const { rows } = await client.query<ServerFacts>(
      `SELECT version() AS version, current_user AS "user", d.datcollate AS collate, d.datctype AS ctype,
         pg_encoding_to_char(d.encoding) AS encoding,
         (SELECT coalesce(array_agg(rolname::text ORDER BY rolname), '{}') FROM pg_roles) AS roles
       FROM pg_database d WHERE d.datname = current_database()`,
    );
    const facts = rows[0]!;
    const p = target.project;
    const scriptDir = p.runner === 'alembic' ? dirname(p.migrationsDir) : undefined;
    const start = sha256(
      JSON.stringify({
        format: FORMAT,
        schemabot: SCHEMABOT_VERSION,
        runner: p.runner,
        library: [p.libraryVersion ?? null, p.librarySource ?? null],
        postgres: [facts.version, facts.user, facts.collate, facts.ctype, facts.encoding],
        files: {
          config: fileHash(p.configFile),
          rc: fileHash(p.rcFile),
          baseline: target.baseline ? fileHash(join(p.cwd, p.settings.baseline!)) : null,
          env: scriptDir ? fileHash(join(scriptDir, 'env.py')) : null,
        },
        settings: { env: p.settings.env, loaders: p.settings.loaders, config: p.settings.config ?? null },
        environment: p.env,
        meta: p.meta,
        config: p.config,
      }),
    );
    const keys = [start];
    for (const m of target.migrations) {
      keys.push(sha256(`${keys[keys.length - 1]}\n${m.name}\n${contentId(m)}`));
    }
    return new BaseStateCache(target, keys, facts);
  }

  /** It has keys: it may restore and save. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  private get dir(): string {
    return this.target.dir;
  }

  private get migrations(): MigrationFile[] {
    return this.target.migrations;
  }

  private get log(): (line: string) => void {
    return this.target.log;
  }

  /** `key` is that of the state after the first `count` migrations. */
  holds(count: number, key: string): boolean {
    return count > 0 && count < this.keys.length && this.keys[count] === key;
  }

  /** Its keys are those of exactly these migrations. */
  covers(migrations: MigrationFile[]): boolean {
    return (
      migrations.length === this.migrations.length &&
      migrations.every((m, i) => m.name === this.migrations[i]!.name && m.path === this.migrations[i]!.path)
    );
  }

  /** The key of the state after the first `count` migrations, as the report shows it. */
  key(count: number): string {
    return this.keys[count]!.slice(0, 32);
  }

  private fileName(count: number): string {
    return `base-${this.keys[0]!.slice(0, 16)}-${count}-${this.key(count)}.sql`;
  }

  /** Entries in the folder by their key, and the leftovers of interrupted writes. */
  private entries(): Map<string, string> {
    const found = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return found;
    }
    for (const name of names) {
      const m = ENTRY.exec(name);
      if (m) found.set(m[3]!, name);
    }
    return found;
  }

  /** The length of the longest prefix of the migrations whose state the folder holds (0: none). */
  longestSaved(entries = this.entries()): number {
    let count = this.migrations.length;
    while (count > 0 && !entries.has(this.key(count))) count--;
    return count;
  }

  /**
   * Restores the longest cached prefix into the empty database `client` is connected to: its length
   * (0: nothing restored; `dirty`: something was, which did not verify, and must be emptied).
   */
  async restore(client: pg.Client): Promise<{ restored: number; dirty: boolean }> {
    const t0 = performance.now();
    const entries = this.entries();
    const count = this.longestSaved(entries);
    const total = this.migrations.length;
    if (!count) {
      this.log(`Base-state cache: no state saved for these ${total} migrations or a prefix of them`);
      return { restored: 0, dirty: false };
    }
    const file = join(this.dir, entries.get(this.key(count))!);
    let ran = false;
    try {
      const { manifest, sql } = this.read(file, count);
      // One query: one implicit transaction, all of it or nothing. The dump sets its own session
      // settings (search_path among them), which RESET ALL takes back before the checks.
      await client.query(sql);
      ran = true;
      await client.query('RESET ALL');
      await this.verify(client, manifest, count);
    } catch (error) {
      this.log(
        `Base-state cache: the state saved for ${count} migrations (${relative(this.dir, file)}) is unusable ` +
          `(${(error as Error).message}); replaying every migration instead`,
      );
      unlinkQuietly(file);
      return { restored: 0, dirty: ran };
    }
    touch(file); // last use, for the bound
    this.log(
      `Base state restored from the cache (${count} of ${total} migrations) in ${Math.round(performance.now() - t0)} ms`,
    );
    return { restored: count, dirty: false };
  }

  /** The entry's SQL, after checking its header, length and checksum. */
  private read(file: string, count: number): { manifest: Manifest; sql: string } {
    const data = readFileSync(file);
    const eol = data.indexOf(0x0a);
    const first = eol < 0 ? '' : data.subarray(0, eol).toString('utf8');
    if (!first.startsWith(HEADER)) throw new Error('no header');
    let manifest: Manifest;
    try {
      manifest = JSON.parse(first.slice(HEADER.length)) as Manifest;
    } catch {
      throw new Error('unreadable header');
    }
    if (manifest.format !== FORMAT || manifest.key !== this.keys[count] || manifest.migrations !== count) {
      throw new Error('the header names another state');
    }
    const body = data.subarray(eol + 1);
    if (body.length !== manifest.bytes) throw new Error(`${body.length} bytes instead of ${manifest.bytes}`);
    if (sha256(body) !== manifest.sha256) throw new Error('checksum mismatch');
    return { manifest, sql: body.toString('utf8') };
  }

  private async metaRows(client: pg.ClientBase): Promise<string[]> {
    const project = this.target.project;
    const column = project.runner === 'alembic' ? 'version_num' : 'name';
    const { rows } = await client.query<{ v: string }>(
      `SELECT ${column}::text AS v FROM ${metaTableSql(project.meta)}`,
    );
    return rows.map((r) => r.v).sort();
  }

  private async objects(client: pg.ClientBase): Promise<Record<string, number>> {
    const { rows } = await client.query<Record<string, number>>(OBJECT_COUNTS);
    return rows[0]!;
  }

  /** The restored database holds exactly the first `count` migrations' state, as far as it can tell. */
  async verify(
    client: pg.ClientBase,
    manifest: Pick<Manifest, 'meta' | 'objects'>,
    count: number,
  ): Promise<void> {
    const meta = await this.metaRows(client);
    if (JSON.stringify(meta) !== JSON.stringify(manifest.meta)) {
      throw new Error('its meta table does not list what was saved');
    }
    const prefix = this.migrations.slice(0, count).map((m) => m.name);
    const expected =
      this.target.project.runner === 'alembic'
        ? meta.includes(prefix[prefix.length - 1]!)
        : JSON.stringify([...prefix].sort()) === JSON.stringify(meta);
    if (!expected) throw new Error(`its meta table does not list exactly the first ${count} migrations`);
    const objects = await this.objects(client);
    if (JSON.stringify(objects) !== JSON.stringify(manifest.objects)) {
      throw new Error('the restored catalog differs from the saved one');
    }
  }

  /**
   * Keeps the state the workspace's database holds now (after every one of the migrations) for the
   * next runs: its facts are read now; a copy of the database is dumped and written while the check
   * goes on (`Workspace.close()` waits for it). Never throws: a state that cannot be kept is only logged.
   */
  async save(ws: Workspace): Promise<void> {
    const count = this.migrations.length;
    let facts: { meta: string[]; objects: Record<string, number>; copy: string };
    try {
      const reason = whyNoDump(ws.server, [ws.project.cwd]) ?? (await this.notCacheable(ws.client));
      if (reason) {
        this.log(`Base-state cache: this base state is not saved: ${reason}`);
        return;
      }
      facts = {
        meta: await this.metaRows(ws.client),
        objects: await this.objects(ws.client),
        copy: await ws.copy(),
      };
    } catch (error) {
      this.log(`Base-state cache: could not save the base state: ${(error as Error).message}`);
      return;
    }
    const t0 = performance.now();
    // A server that keeps its cluster (`local`, `testcontainers`) keeps the copy in it for the next run,
    // when the state is large enough for that to pay (see `KEEP_CLUSTER_FROM`).
    const note: KeptNote = {
      format: FORMAT,
      key: this.keys[count]!,
      migrations: count,
      meta: facts.meta,
      objects: facts.objects,
    };
    const kept =
      (facts.objects.relations ?? 0) >= KEEP_CLUSTER_FROM &&
      (ws.server.keepAtStop?.(facts.copy, JSON.stringify(note)) ?? false);
    ws.defer(
      (async () => {
        try {
          const sql = await dumpDatabase(ws.server, facts.copy, ['--inserts', '--rows-per-insert=1000'], {
            searchFrom: [ws.project.cwd],
          });
          await this.write(count, sql, facts.meta, facts.objects);
          this.evict();
          this.log(
            `Base state of ${count} base migrations saved to the cache in ${Math.round(performance.now() - t0)} ms`,
          );
        } catch (error) {
          this.log(`Base-state cache: could not save the base state: ${(error as Error).message}`);
        } finally {
          if (!kept) await ws.dropCopy(facts.copy);
        }
      })(),
    );
  }

  /**
   * Why a dump of this database would not bring it back exactly, if it would not: what the migrations
   * did outside the database (roles are the server's) or to the database itself (its settings, comment
   * or privileges, which a dump without --create leaves out).
   */
  private async notCacheable(client: pg.ClientBase): Promise<string | undefined> {
    const { rows } = await client.query<{
      roles: string[];
      settings: boolean;
      comment: boolean;
      acl: boolean;
    }>(
      `SELECT (SELECT coalesce(array_agg(rolname::text ORDER BY rolname), '{}') FROM pg_roles) AS roles,
         EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                 WHERE d.datname = current_database()) AS settings,
         EXISTS (SELECT 1 FROM pg_shdescription s JOIN pg_database d ON d.oid = s.objoid
                 WHERE s.classoid = 'pg_database'::regclass AND d.datname = current_database()) AS comment,
         (SELECT datacl IS NOT NULL FROM pg_database WHERE datname = current_database()) AS acl`,
    );
    const row = rows[0]!;
    const before = new Set(this.facts?.roles ?? []);
    const created = row.roles.filter((r) => !before.has(r));
    if (created.length)
      return `the base migrations create roles (${created.join(', ')}), which a dump does not hold`;
    if (row.settings)
      return 'the base migrations change settings of the database itself (ALTER DATABASE … SET)';
    if (row.comment) return 'the base migrations comment on the database itself';
    if (row.acl) return 'the base migrations grant or revoke privileges on the database itself';
    return undefined;
  }

  /** Writes the entry under a temporary name in the folder, then renames it into place. */
  private async write(
    count: number,
    sql: string,
    meta: string[],
    objects: Record<string, number>,
  ): Promise<void> {
    makeDirs(this.dir, 0o700);
    const body = Buffer.from(sql, 'utf8');
    const manifest: Manifest = {
      format: FORMAT,
      key: this.keys[count]!,
      project: this.keys[0]!,
      migrations: count,
      meta,
      objects,
      bytes: body.length,
      sha256: sha256(body),
      postgres: this.facts?.version ?? '',
    };
    const header = Buffer.from(`${HEADER}${JSON.stringify(manifest)}\n`, 'utf8');
    const temp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(temp, Buffer.concat([header, body]), { mode: 0o600, flag: 'wx' });
      renameSync(temp, join(this.dir, this.fileName(count)));
    } catch (error) {
      unlinkQuietly(temp);
      throw error;
    }
  }

  /** Keeps the newest states of each project and of the folder (by last use); removes stale temporary files. */
  private evict(): void {
    const now = Date.now();
    const kept: { name: string; project: string; used: number }[] = [];
    const clusters: { name: string; used: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      let used: number;
      try {
        used = statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (name.startsWith('.tmp-')) {
        if (now - used > STALE_TEMP_MS) unlinkQuietly(path);
        continue;
      }
      if (CLUSTER.test(name)) {
        clusters.push({ name, used: lastUse(join(path, KEPT_FILE)) ?? used });
        continue;
      }
      if (name.startsWith('cluster-')) {
        // Left by a run that ended while keeping its cluster.
        if (now - used > STALE_TEMP_MS) rmSync(path, { recursive: true, force: true });
        continue;
      }
      const m = ENTRY.exec(name);
      if (m) kept.push({ name, project: m[1]!, used });
    }
    kept.sort((a, b) => b.used - a.used);
    const perProject = new Map<string, number>();
    let total = 0;
    for (const entry of kept) {
      const n = (perProject.get(entry.project) ?? 0) + 1;
      perProject.set(entry.project, n);
      if (n > KEEP_PER_PROJECT || ++total > KEEP_TOTAL) unlinkQuietly(join(this.dir, entry.name));
    }
    clusters.sort((a, b) => b.used - a.used);
    for (const { name } of clusters.slice(KEEP_CLUSTERS)) {
      // Renamed first: a server copying it sees it gone (see `LocalPostgres.start`), not half of it.
      const gone = join(this.dir, `${name}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        renameSync(join(this.dir, name), gone);
        rmSync(gone, { recursive: true, force: true });
      } catch {
        // removed meanwhile by another run
      }
    }
  }
}

function lastUse(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
