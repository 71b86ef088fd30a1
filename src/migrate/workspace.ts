import { join } from 'node:path';
import pg from 'pg';
import { terminateSessions } from '../postgres/admin.js';
import type { PostgresServer } from '../postgres/index.js';
import { applyBaseline } from './baseline.js';
import { restoreBase, takeKeptBase, type BaseStart } from './cache.js';
import type { MigrationFile } from './discover.js';
import { metaTableOf } from './meta.js';
import type { Project } from './project.js';
import { MigrationRunner, type StepResult } from './runner.js';

export interface WorkspaceOptions {
  /** How long one migration may run (the runner's `timeoutMs`). */
  timeoutMs?: number;
  /** Apply the project's `baseline:` dump to the new database (default true). */
  baseline?: boolean;
  /**
   * A base-state cache folder (`cache.ts`): the states after replaying base migrations are kept there
   * between runs. Absent, or `cache: false` in `.schemabot.yml`: no cache.
   */
  cacheDir?: string;
  /**
   * The migrations the new database is to be brought through first (a check's base): with `cacheDir`,
   * the state after the longest prefix of them the cache holds is restored while the worker starts
   * (`takeBaseStart()` says how many), and the rest is left to the caller (`replayBase()`).
   */
  base?: MigrationFile[];
  /** Progress lines for people (the cache's). */
  log?: (line: string) => void;
}

/**
 * One throwaway database with a worker on it: the project's migrations run there, and a plain
 * connection reads it. `copy()` clones it (for observing a migration's statements, or to come back to
 * with `restore()`), `rebuild()` replaces it with a fresh one brought to a known state. Disposable: `await using`.
 */
export class Workspace implements AsyncDisposable {
  /** Work that outlives a step (saving the base state to the cache): `close()` waits for it. */
  private readonly pending = new Set<Promise<void>>();
  /** What `open()` restored of `options.base` from the cache (see `takeBaseStart()`). */
  private baseStart?: BaseStart;
  /** Closed already (an explicit `close()` before the disposal closes nothing twice). */
  private closed = false;
  /** Why the inspection connection made after a copy or restore could not connect (see `client`). */
  private connectionError?: unknown;
  /** Called with each new connection after a copy or restore (see `onReconnect`). */
  private readonly reconnected = new Set<(client: pg.Client) => void>();

  private constructor(
    readonly server: PostgresServer,
    readonly project: Project,
    private readonly options: WorkspaceOptions,
    public database: string,
    public runner: MigrationRunner,
    private connection: pg.Client,
  ) {}

  /** A new database on `server` (the baseline applied, when the project has one) with a worker on it. */
  static async open(
    server: PostgresServer,
    project: Project,
    options: WorkspaceOptions = {},
  ): Promise<Workspace> {
    // The worker connects to the database of a kept cluster while that database is verified: it is
    // nearly always the one the run keeps (if not, that worker goes and another opens on a new one).
    const openRunner = (database: string) =>
      // Its watch of its own backends stays on the maintenance database through copies.
      MigrationRunner.open(server.url(database), project, {
        timeoutMs: options.timeoutMs,
        watchUrl: server.url(),
      });
    const candidate = keptCandidate(server, project, options);
    let early = candidate && openRunner(candidate.database);
    early?.catch(() => undefined);
    const kept = candidate && (await keptStart(server, project, options, candidate));
    if (early && !kept) {
      await early.then((runner) => runner.close()).catch(() => undefined);
      early = undefined;
    }
    const database = kept?.database ?? (await server.createDatabase());
    const url = server.url(database);
    try {
      // With a baseline, the worker connects to the database as the baseline left it; without one (or
      // copied from a kept cluster), nothing else happens to the database first, so the worker starts
      // while the state is restored.
      early ??= hasBaseline(project, options) && !kept ? undefined : openRunner(database);
      early?.catch(() => undefined);
      const start =
        kept?.start ?? (await prepare(server, project, options, database, { emptyIfDirty: !early }));
      const client = inspection(url);
      const [opened, connected] = await Promise.allSettled([early ?? openRunner(database), client.connect()]);
      if (opened.status === 'rejected' || connected.status === 'rejected') {
        if (opened.status === 'fulfilled') await opened.value.close().catch(() => undefined);
        await client.end().catch(() => undefined);
        throw opened.status === 'rejected' ? opened.reason : (connected as PromiseRejectedResult).reason;
      }
      const ws = new Workspace(server, project, options, database, opened.value, client);
      if (start?.dirty) await ws.reset({ baseline: false });
      ws.baseStart = start && { ...start, dirty: false };
      return ws;
    } catch (error) {
      await server.dropDatabase(database).catch(() => undefined);
      throw error;
    }
  }

  /**
   * What `open()` restored from the cache for `options.base` (once: a later call gets nothing), with
   * the cache that can save the state once the rest is replayed.
   */
  takeBaseStart(): BaseStart | undefined {
    const start = this.baseStart;
    this.baseStart = undefined;
    return start;
  }

  /** A plain connection to the workspace's database (for snapshots: never the migrations' own). */
  get client(): pg.Client {
    if (this.connectionError) throw this.connectionError;
    return this.connection;
  }

  get url(): string {
    return this.server.url(this.database);
  }

  /**
   * Calls `listener` with the new connection, once connected, each time a copy or restore replaces
   * `client` (to warm what a new backend reads cold while the worker goes on). Returns the function
   * that stops it.
   */
  onReconnect(listener: (client: pg.Client) => void): () => void {
    this.reconnected.add(listener);
    return () => this.reconnected.delete(listener);
  }

  /** Another plain connection to the workspace's database, connected, for a read beside `client`'s. */
  async aside(): Promise<pg.Client> {
    const client = inspection(this.url);
    await client.connect();
    return client;
  }

  /** The URL of another database on the workspace's server (a copy). */
  urlOf(database: string): string {
    return this.server.url(database);
  }

  get postgresMajor(): number {
    return this.server.major;
  }

  /** Whether a new database of this workspace starts with the project's `baseline:` dump. */
  get hasBaseline(): boolean {
    return hasBaseline(this.project, this.options);
  }

  /**
   * Replaces the database by an empty one under the same name (the worker stays and reconnects), with
   * the project's baseline applied again when `baseline` is set and the project has one.
   */
  async reset(options: { baseline: boolean }): Promise<void> {
    await this.withoutSessions(() => emptyDatabase(this.server, this.database));
    if (options.baseline && this.hasBaseline) {
      await applyBaseline(
        this.url,
        join(this.project.cwd, this.project.settings.baseline!),
        this.project.cwd,
      );
    }
  }

  /** Runs `task` alongside the next steps; `close()` waits for it. It must not throw. */
  defer(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** The applied-migrations table: state, not schema (snapshots leave it out). */
  get meta(): { schema: string; name: string } {
    return metaTableOf(this.project);
  }

  /**
   * A copy of the database as it is now. PostgreSQL copies only a database nobody is connected to:
   * the worker's pools are closed, and every other session on it (a project's own Sequelize instance
   * with `pool.min`, a client it forgot to close) is terminated first.
   */
  copy(): Promise<string> {
    return this.withoutSessions(() => this.server.createDatabase({ template: this.database }));
  }

  /**
   * Puts the database back as `copy` (made by `copy()`) holds it, under the same name so that the
   * worker stays and only reconnects: the cost of a file copy, not of replaying the migrations. With
   * `staged` (made by `stage(copy)` while the workspace went on), the database is only swapped for it.
   */
  async restore(copy: string, staged?: string): Promise<void> {
    const replacement = staged ?? (await this.stage(copy));
    await this.withoutSessions(async () => {
      await this.server.dropDatabase(this.database);
      await this.server.renameDatabase(replacement, this.database);
    });
  }

  /**
   * A new copy of `copy`, to `restore` from later: made while the workspace goes on (nobody is
   * connected to a copy, so the worker and the inspection connection stay where they are).
   */
  stage(copy: string): Promise<string> {
    return this.server.createDatabase({ template: copy });
  }

  /** Runs `fn` while no session is connected to the workspace's database, then reconnects. */
  private async withoutSessions<T>(fn: () => Promise<T>): Promise<T> {
    await Promise.all([this.runner.disconnect(), this.connection.end()]);
    await terminateSessions(this.server.url(), { database: this.database });
    try {
      return await fn();
    } finally {
      // Not waited for: queries queue until it is connected, so the worker's next step runs meanwhile.
      // A connection that fails fails the first query that needed it, with its error.
      const client = inspection(this.url);
      this.connection = client;
      this.connectionError = undefined;
      client.connect().then(
        () => {
          if (this.connection === client) for (const listener of this.reconnected) listener(client);
        },
        (error: unknown) => {
          if (this.connection === client) this.connectionError = error;
        },
      );
    }
  }

  dropCopy(copy: string): Promise<void> {
    return this.server.dropDatabase(copy).catch(() => undefined);
  }

  /**
   * Waits for deferred work, closes the worker and the connection, and drops the database (unless the
   * server's `stop()` is about to).
   */
  async close(options: { keepDatabase?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.pending.size) await Promise.all(this.pending);
    await this.shut(options);
  }

  private async shut(options: { keepDatabase?: boolean } = {}): Promise<void> {
    await this.runner.close().catch(() => undefined);
    await this.connection.end().catch(() => undefined);
    if (!options.keepDatabase) await this.server.dropDatabase(this.database).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * A fresh database with `ups` applied in order, and a new worker on it; the first failure, if any.
   * When `ups` starts with the workspace's base (`options.base`), the base state is restored from the
   * cache as `open()` does, and only the rest is replayed.
   */
  async rebuild(ups: MigrationFile[]): Promise<{ name: string; step: StepResult } | null> {
    const base = this.options.base ?? [];
    const fromBase = base.every((m, i) => ups[i]?.name === m.name && ups[i]?.path === m.path);
    const options = { ...this.options, base: fromBase ? base : undefined };
    let from = 0;
    try {
      // The worker stays (it only reconnects): the database under it is emptied and prepared again.
      await this.withoutSessions(async () => {
        await emptyDatabase(this.server, this.database);
        const start = await prepare(this.server, this.project, options, this.database, {
          emptyIfDirty: true,
        });
        from = start?.restored ?? 0;
      });
    } catch {
      // A worker that cannot let go of its connections (it crashed, it is stuck): a new workspace.
      await this.shut();
      const next = await Workspace.open(this.server, this.project, options);
      Object.assign(this, { database: next.database, runner: next.runner, connection: next.connection });
      from = next.takeBaseStart()?.restored ?? 0;
    }
    for (const m of ups.slice(from)) {
      const step = await this.runner.up(m);
      if (!step.ok) return { name: m.name, step };
    }
    return null;
  }
}

/** Whether a new database of the workspace starts with the project's `baseline:` dump. */
function hasBaseline(project: Project, options: WorkspaceOptions): boolean {
  return Boolean(project.settings.baseline) && options.baseline !== false;
}

/**
 * Brings a new, empty `database` to where a run starts: the state after the longest prefix of
 * `options.base` the cache holds (the baseline included), else the project's baseline. A restore that
 * failed half-way leaves the database `dirty`; with `emptyIfDirty` (nobody is connected to it) it is
 * emptied here, and the baseline applied.
 */
async function prepare(
  server: PostgresServer,
  project: Project,
  options: WorkspaceOptions,
  database: string,
  how: { emptyIfDirty: boolean },
): Promise<BaseStart | undefined> {
  const url = server.url(database);
  const baseline = hasBaseline(project, options);
  const dir = cacheFolder(project, options);
  let start: BaseStart | undefined;
  if (dir && options.base?.length) {
    start = await restoreBase({
      server,
      url,
      project,
      baseline,
      dir,
      migrations: options.base,
      log: options.log ?? (() => undefined),
    });
    if (start.dirty && how.emptyIfDirty) {
      await emptyDatabase(server, database);
      start = { ...start, dirty: false };
    }
  }
  if (baseline && !start?.restored) {
    await applyBaseline(url, join(project.cwd, project.settings.baseline!), project.cwd);
  }
  return start;
}

/** Servers whose kept database a workspace took as its own (it holds the workspace's state now). */
const taken = new WeakSet<PostgresServer>();

/** The server's kept cluster, when it started on one, no workspace took it yet and the cache is on. */
interface KeptCandidate {
  database: string;
  dir: string;
  base: MigrationFile[];
}

function keptCandidate(
  server: PostgresServer,
  project: Project,
  options: WorkspaceOptions,
): KeptCandidate | undefined {
  const dir = cacheFolder(project, options);
  if (!server.kept || taken.has(server) || !dir || !options.base?.length) return undefined;
  return { database: server.kept.database, dir, base: options.base };
}

/**
 * The kept cluster's base state as the new workspace's database, when it holds a prefix of the base
 * (`takeKeptBase`); undefined otherwise. The server's kept cluster is tried once.
 */
async function keptStart(
  server: PostgresServer,
  project: Project,
  options: WorkspaceOptions,
  candidate: KeptCandidate,
): Promise<{ database: string; start: BaseStart } | undefined> {
  taken.add(server);
  return takeKeptBase({
    server,
    project,
    baseline: hasBaseline(project, options),
    dir: candidate.dir,
    migrations: candidate.base,
    log: options.log ?? (() => undefined),
  });
}

/** The base-state cache's folder, unless the project turned the cache off (`cache: false`). */
function cacheFolder(project: Project, options: WorkspaceOptions): string | undefined {
  return project.settings.cache === false ? undefined : options.cacheDir;
}

/** Drops `database` and creates it again, empty, under the same name (nobody may be connected). */
async function emptyDatabase(server: PostgresServer, database: string): Promise<void> {
  await server.dropDatabase(database);
  await server.createDatabase({ name: database });
}

/** A plain connection for reading the catalog, named as such in `pg_stat_activity` (not yet connected). */
function inspection(url: string): pg.Client {
  const client = new pg.Client({ connectionString: url, application_name: 'schemabot-inspect' });
  client.on('error', () => undefined);
  return client;
}
