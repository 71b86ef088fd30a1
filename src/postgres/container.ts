import { knob, knobValue, type FrontEnd } from '../shared/wording.js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import {
  createDatabase,
  dropAllBut,
  dropDatabase,
  renameDatabase,
  releaseAdmin,
  removeSuperuserPassword,
  serverInfo,
  throwawayName,
  waitForConnection,
  withDatabase,
} from './admin.js';
import { track } from './cleanup.js';
import { THROWAWAY_SETTINGS } from './local.js';
import { newPassword } from '../shared/secrets.js';
import { redactText } from './redact.js';
import {
  KEPT_FILE,
  PostgresUnavailableError,
  readKeptFile,
  type KeptDatabase,
  type PostgresServer,
} from './types.js';
import { replaceFolder, touch } from '../shared/fs.js';

export const DEFAULT_MAJOR = 17;

/** The official image for a major version (alpine: the smallest download). */
export function defaultImage(major = DEFAULT_MAJOR): string {
  return `postgres:${major}-alpine`;
}

/** The major version an image tag names (`postgres:16-alpine` → 16), if it names one. */
export function majorOfImage(image: string): number | undefined {
  const tag = /:(\d+)(?:[.-]|$)/.exec(image.replace(/@.*$/, ''));
  return tag ? Number(tag[1]) : undefined;
}

const POSTGRES_PORT = 5432;

/**
 * The testcontainers packages are CommonJS. Node gives an `import()` of them their named exports, but
 * the bundle (`dist/`) gives only `default` (their `module.exports`): both are read here, so the bundled
 * CLI and action start containers as the sources do.
 */
async function loadTestcontainers(): Promise<{
  PostgreSqlContainer: typeof import('@testcontainers/postgresql').PostgreSqlContainer;
  getContainerRuntimeClient: typeof import('testcontainers').getContainerRuntimeClient;
}> {
  type Loaded<T> = T & { default?: Partial<T> };
  const module = (await import('@testcontainers/postgresql')) as Loaded<
    typeof import('@testcontainers/postgresql')
  >;
  const runtime = (await import('testcontainers')) as Loaded<typeof import('testcontainers')>;
  const PostgreSqlContainer = module.PostgreSqlContainer ?? module.default?.PostgreSqlContainer;
  const getContainerRuntimeClient =
    runtime.getContainerRuntimeClient ?? runtime.default?.getContainerRuntimeClient;
  if (!PostgreSqlContainer || !getContainerRuntimeClient) {
    throw new Error('the testcontainers package does not export what Schemabot uses');
  }
  return { PostgreSqlContainer, getContainerRuntimeClient };
}

/** What the wait strategy needs of a dockerode container. */
interface InspectableContainer {
  inspect(): Promise<{ State: { Running: boolean; Status: string; ExitCode: number } }>;
  logs(options: { stdout: boolean; stderr: boolean; tail: number; follow: false }): Promise<Buffer>;
}

/** The text of the engine's multiplexed log stream (8-byte frame headers), or the raw text. */
function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= raw.length && raw[i]! <= 2 && raw[i + 1] === 0 && raw[i + 2] === 0 && raw[i + 3] === 0) {
    const size = raw.readUInt32BE(i + 4);
    parts.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return (i === raw.length ? Buffer.concat(parts) : raw).toString('utf8').trim();
}

/**
 * Ready means a real connection from here succeeds. Polled every few milliseconds, this is ready
 * about a second sooner than the module's default (a 250 ms health check plus port checks run
 * inside the container), and it also stops waiting as soon as the container exits.
 */
class ConnectionWaitStrategy implements WaitStrategy {
  private timeoutMs = 120_000;
  private timeoutSet = false;

  /**
   * `up`: ready once the server answers at all, a refused password included (a kept cluster holds no
   * password until the run sets its own: see `ContainerPostgres.start`).
   */
  constructor(
    private readonly urlFor: (host: string, port: number) => string,
    private readonly until: 'login' | 'up' = 'login',
  ) {}

  async waitUntilReady(container: InspectableContainer, boundPorts: BoundPorts): Promise<void> {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    const url = this.urlFor(host, boundPorts.getBinding(POSTGRES_PORT));
    let exited: string | undefined;
    let done = false;
    const watch = (async () => {
      while (!done && !exited) {
        await new Promise((r) => setTimeout(r, 250));
        const { State } = await container.inspect().catch(() => ({ State: undefined }));
        if (State && !State.Running && State.Status !== 'created') {
          const logs = await container
            .logs({ stdout: true, stderr: true, tail: 10, follow: false })
            .then(demuxLogs, () => '');
          exited =
            `the container ${State.Status} (exit code ${State.ExitCode}) before PostgreSQL accepted connections` +
            (logs ? `; its last output:\n${logs}` : '');
        }
      }
    })();
    try {
      await waitForConnection(url, {
        timeoutMs: this.timeoutMs,
        stillStarting: () => exited,
        answered: this.until === 'up' ? (error) => PASSWORD_REFUSED.has(String(error.code)) : undefined,
      });
    } finally {
      done = true;
      await watch;
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

/** A refused login (a wrong or absent password): the server is up. */
const PASSWORD_REFUSED = new Set(['28P01', '28000']);

/** Where a kept cluster's archive is mounted in the container, read-only. */
const KEPT_MOUNT = '/schemabot-kept.tar';

/**
 * Before the image's own entrypoint: the kept cluster's archive unpacked where the data directory goes
 * (its one folder is named as the data directory). The entrypoint then finds a cluster and starts it.
 */
const UNPACK_KEPT =
  'set -e; parent="$(dirname "$PGDATA")"; mkdir -p "$parent"; tar -xf ' +
  KEPT_MOUNT +
  ' -C "$parent"; exec docker-entrypoint.sh "$@"';

/**
 * Run as `postgres` in the container before its cluster is kept: a base backup (the server goes on)
 * into a folder named as the data directory, whose path is printed.
 */
const BACKUP_KEPT =
  'set -e; out=/tmp/schemabot-kept; rm -rf "$out"; mkdir -p "$out"; ' +
  'dest="$out/$(basename "$PGDATA")"; pg_basebackup -D "$dest" -X fetch -c fast -U postgres -w; echo "$dest"';

/** The new password, set over the container's own socket (the password comes through the environment). */
const SET_PASSWORD =
  `printf '%s\\n' "ALTER ROLE postgres PASSWORD :'pw'" | ` +
  'psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres -v pw="$SCHEMABOT_PASSWORD"';

/** In a kept cluster's folder: the archive of its data directory, and `KEPT_FILE`. */
const KEPT_ARCHIVE = 'data.tar';

/** What `KEPT_FILE` notes of a container's kept cluster. */
interface KeptContainer extends KeptDatabase {
  image: string;
  /** `server_version` of the server that kept it: a server of another version is not started on it. */
  version: string;
}

/**
 * Whether the engine runs on this machine (its containers' ports are on this machine's loopback), so
 * that it can mount a file of this machine; not an engine reached over the network, nor the host's
 * engine seen from a job that itself runs in a container.
 */
async function engineOnThisMachine(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    return ['localhost', '127.0.0.1', '::1'].includes(host);
  } catch {
    return false;
  }
}

/** The folder of the clusters kept for `cluster` from `image` (one per image). */
function keptFolder(cluster: string, image: string): string {
  return `${cluster}-c${createHash('sha256').update(image).digest('hex').slice(0, 8)}`;
}

/** The cluster kept in `folder` from `image`, if there is one whole. */
function readKept(folder: string, image: string): KeptContainer | undefined {
  const kept = readKeptFile<KeptContainer>(folder);
  if (kept?.image !== image || typeof kept.version !== 'string') return undefined;
  try {
    return statSync(join(folder, KEPT_ARCHIVE)).isFile() ? (kept as KeptContainer) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL in a container started through testcontainers, its data directory on tmpfs and
 * durability off. `stop()` removes the container.
 *
 * With a `cluster` folder (a check's base-state cache), a cluster kept there by an earlier run from the
 * same image is unpacked into the data directory before the server starts: no `initdb`, and the kept
 * database is there (`kept`). The archive holds no password (the kept role's was removed before the
 * backup): until this run sets its own, over the container's socket, nobody logs in. Anything wrong with
 * it (another version, an archive that does not unpack or start, an engine that cannot mount a file of
 * this machine) costs a new container, never the run.
 */
export class ContainerPostgres implements PostgresServer {
  readonly provider = 'testcontainers' as const;
  private stopped = false;
  private readonly untrack: () => void;
  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  private keeping: KeptDatabase | undefined;

  private constructor(
    private readonly container: StartedPostgreSqlContainer,
    private readonly maintenanceUrl: string,
    readonly image: string,
    readonly version: string,
    readonly major: number,
    readonly kept: KeptDatabase | undefined,
    /** Where `keepAtStop` keeps the cluster. */
    private readonly cluster: string | undefined,
    private readonly log: ((m: string) => void) | undefined,
  ) {
    this.untrack = track(this);
  }

  /** The superuser the container's server was initialised with. */
  readonly superuser = 'postgres';

  /** Runs a program inside the container (its own `pg_dump`, of the server's version). */
  async exec(
    command: string[],
    options: { user?: string; env?: Record<string, string> } = {},
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.container.exec(command, {
      ...(options.user ? { user: options.user } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  /** The container's id (for diagnostics). */
  get containerId(): string {
    return this.container.getId();
  }

  static async start(options: {
    version?: number;
    image?: string;
    /** Server settings (`-c name=value`) added to the throwaway ones. */
    settings?: Record<string, string>;
    log?: (m: string) => void;
    frontEnd?: FrontEnd;
    /** A folder that may hold a cluster kept by an earlier run (see the class). */
    cluster?: string;
  }): Promise<ContainerPostgres> {
    const image = options.image ?? defaultImage(options.version ?? DEFAULT_MAJOR);
    // A kept cluster is a file of this machine that the engine mounts: only an engine on this machine can.
    const folder = options.cluster && (await engineOnThisMachine()) && keptFolder(options.cluster, image);
    const kept = folder ? readKept(folder, image) : undefined;
    if (folder && kept) {
      try {
        const server = await ContainerPostgres.launch(image, options, { folder, kept });
        touch(join(folder, KEPT_FILE)); // last use, for the bound
        return server;
      } catch (err) {
        options.log?.(
          `The cluster kept in ${folder} did not start (${(err as Error).message.split('\n')[0]}); starting a new one`,
        );
        rmSync(folder, { recursive: true, force: true });
      }
    }
    return ContainerPostgres.launch(image, options, folder ? { folder } : undefined);
  }

  private static async launch(
    image: string,
    options: Parameters<typeof ContainerPostgres.start>[0],
    keep: { folder: string; kept?: KeptContainer } | undefined,
  ): Promise<ContainerPostgres> {
    const imageMajor = majorOfImage(image);
    // Loaded only here: the CLI starts fast and a machine without Docker never pays for it.
    const { PostgreSqlContainer } = await loadTestcontainers();
    const password = newPassword();
    // PostgreSQL 18's official image keeps its data one level up (/var/lib/postgresql/18/docker).
    const dataMount = (imageMajor ?? 0) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
    const settings = Object.entries({ ...THROWAWAY_SETTINGS, ...options.settings }).flatMap(([k, v]) => [
      '-c',
      `${k}=${v}`,
    ]);
    const kept = keep?.kept;
    const urlFor = (host: string, port: number) =>
      `postgres://postgres:${password}@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
    let container: StartedPostgreSqlContainer;
    const t0 = Date.now();
    try {
      let request = new PostgreSqlContainer(image)
        .withDatabase('postgres')
        .withUsername('postgres')
        .withPassword(password)
        .withTmpFs({ [dataMount]: 'rw' })
        .withCommand(['postgres', ...settings])
        .withLabels({ 'org.schemabot.throwaway': 'true' })
        .withWaitStrategy(new ConnectionWaitStrategy(urlFor, kept ? 'up' : 'login'));
      if (kept) {
        request = request
          .withBindMounts([{ source: join(keep.folder, KEPT_ARCHIVE), target: KEPT_MOUNT, mode: 'ro' }])
          .withEntrypoint(['sh', '-c', UNPACK_KEPT, 'sh']);
      }
      container = await request.start();
    } catch (err) {
      // With a kept cluster the caller starts a new container.
      if (kept) throw new Error(redactText((err as Error).message, [password]), { cause: err });
      throw new PostgresUnavailableError(
        redactText(
          `Could not start PostgreSQL in a container from image ${image} with testcontainers: ${(err as Error).message}. ` +
            'Check that Docker is running and the image can be pulled (or is present), or use ' +
            `${knobValue('postgres', 'local', options.frontEnd)} or ${knobValue('postgres', 'url', options.frontEnd)}.`,
          [password],
        ),
        { cause: err },
      );
    }
    const url = container.getConnectionUri();
    let info: { version: string; major: number };
    try {
      if (kept) {
        const set = await container.exec(['sh', '-c', SET_PASSWORD], {
          user: 'postgres',
          env: { SCHEMABOT_PASSWORD: password },
        });
        if (set.exitCode !== 0) throw new Error(`its password could not be set: ${set.stderr.trim()}`);
      }
      info = await serverInfo(url);
      if (kept && info.version !== kept.version) {
        throw new Error(`it was kept by PostgreSQL ${kept.version}, the image runs ${info.version}`);
      }
    } catch (err) {
      await container.stop().catch(() => undefined);
      if (kept) throw new Error(redactText((err as Error).message, [password]), { cause: err });
      throw new PostgresUnavailableError(
        redactText(
          `The container from ${image} started but does not accept connections: ${(err as Error).message}`,
          [password],
        ),
        { cause: err },
      );
    }
    if (options.version !== undefined && info.major !== options.version) {
      await container.stop().catch(() => undefined);
      throw new PostgresUnavailableError(
        `PostgreSQL ${options.version} was requested but image ${image} runs ${info.version}. ` +
          `Use an image of that major version (e.g. ${defaultImage(options.version)}) or drop ` +
          `${knob('postgres-version', options.frontEnd)}.`,
      );
    }
    options.log?.(
      `Started PostgreSQL ${info.version} in container ${container.getId().slice(0, 12)} (${image}, data on tmpfs) ` +
        `on ${container.getHost()}:${container.getPort()} in ${Date.now() - t0} ms` +
        (kept ? ', on the cluster kept by an earlier run' : ''),
    );
    return new ContainerPostgres(
      container,
      url,
      image,
      info.version,
      info.major,
      kept && { database: kept.database, note: kept.note },
      keep?.folder,
      options.log,
    );
  }

  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  keepAtStop(database: string, note: string): boolean {
    if (!this.cluster || this.stopped) return false;
    this.keeping = { database, note };
    return true;
  }

  /**
   * Keeps the cluster for the next run: every database but `keep.database` dropped, the superuser's
   * password removed, then a base backup taken in the container and its archive written next to the
   * folder and swapped into place. The container is removed afterwards either way.
   */
  private async keepCluster(keep: KeptDatabase): Promise<void> {
    const t0 = performance.now();
    const folder = this.cluster!;
    await dropAllBut(this.maintenanceUrl, keep.database, this.major);
    // The archive lets nobody in: the next run sets its own password before anyone logs in.
    await removeSuperuserPassword(this.maintenanceUrl);
    await releaseAdmin(this.maintenanceUrl);
    const backup = await this.container.exec(['sh', '-c', BACKUP_KEPT], { user: 'postgres' });
    if (backup.exitCode !== 0)
      throw new Error(`the base backup failed: ${backup.stderr.trim().slice(0, 500)}`);
    const path = backup.stdout.trim().split('\n').pop()!;
    await replaceFolder(folder, async (temp) => {
      const archive = await this.container.copyArchiveFromContainer(path);
      await pipeline(archive, createWriteStream(join(temp, KEPT_ARCHIVE), { mode: 0o600 }));
      const kept: KeptContainer = { ...keep, image: this.image, version: this.version };
      writeFileSync(join(temp, KEPT_FILE), JSON.stringify(kept) + '\n', { mode: 0o600 });
    });
    this.log?.(`Cluster kept for the next run in ${Math.round(performance.now() - t0)} ms`);
  }

  url(database?: string): string {
    return database === undefined ? this.maintenanceUrl : withDatabase(this.maintenanceUrl, database);
  }

  async createDatabase(options: { name?: string; template?: string } = {}): Promise<string> {
    const name = options.name ?? throwawayName();
    await createDatabase(this.maintenanceUrl, name, options.template, { fileCopy: this.major >= 15 });
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    await dropDatabase(this.maintenanceUrl, name, this.major);
  }

  async renameDatabase(from: string, to: string): Promise<void> {
    await renameDatabase(this.maintenanceUrl, from, to);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    if (this.keeping) {
      try {
        await this.keepCluster(this.keeping);
      } catch (error) {
        this.log?.(`The cluster could not be kept for the next run: ${(error as Error).message}`);
      }
    }
    await releaseAdmin(this.maintenanceUrl);
    await this.container.stop({ timeout: 0, remove: true });
  }

  /** At process exit: remove the container with the docker CLI when there is one (best effort). */
  killNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      execFileSync('docker', ['rm', '-f', '-v', this.container.getId()], {
        stdio: 'ignore',
        timeout: 10_000,
      });
    } catch {
      /* no CLI or already gone; testcontainers' reaper (when enabled) removes it */
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
