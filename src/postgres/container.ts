import { knob, knobValue, type FrontEnd } from '../shared/wording.js';
import { execFileSync } from 'node:child_process';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import {
  createDatabase,
  dropDatabase,
  renameDatabase,
  releaseAdmin,
  serverInfo,
  throwawayName,
  waitForConnection,
  withDatabase,
} from './admin.js';
import { track } from './cleanup.js';
import { THROWAWAY_SETTINGS } from './local.js';
import { newPassword } from '../shared/secrets.js';
import { redactText } from './redact.js';
import { PostgresUnavailableError, type PostgresServer } from './types.js';

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

  constructor(private readonly urlFor: (host: string, port: number) => string) {}

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
      await waitForConnection(url, { timeoutMs: this.timeoutMs, stillStarting: () => exited });
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

/**
 * PostgreSQL in a container started through testcontainers, its data directory on tmpfs and
 * durability off. `stop()` removes the container.
 */
export class ContainerPostgres implements PostgresServer {
  readonly provider = 'testcontainers' as const;
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    private readonly container: StartedPostgreSqlContainer,
    private readonly maintenanceUrl: string,
    readonly image: string,
    readonly version: string,
    readonly major: number,
  ) {
    this.untrack = track(this);
  }

  /** The superuser the container's server was initialised with. */
  readonly superuser = 'postgres';

  /** Runs a program inside the container (its own `pg_dump`, of the server's version). */
  async exec(
    command: string[],
    options: { user?: string } = {},
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.container.exec(command, options.user ? { user: options.user } : {});
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
  }): Promise<ContainerPostgres> {
    const image = options.image ?? defaultImage(options.version ?? DEFAULT_MAJOR);
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
    let container: StartedPostgreSqlContainer;
    const t0 = Date.now();
    try {
      container = await new PostgreSqlContainer(image)
        .withDatabase('postgres')
        .withUsername('postgres')
        .withPassword(password)
        .withTmpFs({ [dataMount]: 'rw' })
        .withCommand(['postgres', ...settings])
        .withLabels({ 'org.schemabot.throwaway': 'true' })
        .withWaitStrategy(
          new ConnectionWaitStrategy(
            (host, port) =>
              `postgres://postgres:${password}@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`,
          ),
        )
        .start();
    } catch (err) {
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
      info = await serverInfo(url);
    } catch (err) {
      await container.stop().catch(() => undefined);
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
        `on ${container.getHost()}:${container.getPort()} in ${Date.now() - t0} ms`,
    );
    return new ContainerPostgres(container, url, image, info.version, info.major);
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
