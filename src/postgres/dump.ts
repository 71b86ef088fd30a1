import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findPostgresBinaries } from './binaries.js';
import { passwordOf, redactText } from './redact.js';
import type { PostgresServer } from './types.js';

/** A server that can run a program inside its own machine (a container): its own `pg_dump`. */
export interface ExecCapable {
  exec(
    command: string[],
    options?: { user?: string },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** The superuser the server was started with. */
  readonly superuser: string;
}

function canExec(server: PostgresServer): server is PostgresServer & ExecCapable {
  return typeof (server as Partial<ExecCapable>).exec === 'function';
}

/** `pg_dump --version` of each `pg_dump` found, by path (probed once per process). */
const probed = new Map<string, number | undefined>();

function pgDumpMajor(file: string): number | undefined {
  if (probed.has(file)) return probed.get(file);
  let major: number | undefined;
  try {
    accessSync(file, constants.X_OK);
    const out = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const m = /\)\s*(\d+)/.exec(out) ?? /(\d+)\.\d+/.exec(out);
    major = m ? Number(m[1]) : undefined;
  } catch {
    major = undefined;
  }
  probed.set(file, major);
  return major;
}

/**
 * The `pg_dump` on this machine that can dump a server of `major`: pg_dump refuses servers newer than
 * itself, so the oldest one at least as new (the closest to the server's own output).
 */
export function findPgDump(major: number, searchFrom: string[] = [process.cwd()]): string | undefined {
  const memo = `${major}\0${searchFrom.join('\0')}`;
  if (!found.has(memo)) found.set(memo, pickPgDump(major, searchFrom));
  return found.get(memo);
}

/** `findPgDump`'s answers, by major and search folders (the installations do not change during a run). */
const found = new Map<string, string | undefined>();

function pickPgDump(major: number, searchFrom: string[]): string | undefined {
  let best: { file: string; major: number } | undefined;
  const consider = (file: string, found: number | undefined) => {
    if (found !== undefined && found >= major && (!best || found < best.major)) best = { file, major: found };
  };
  // The distribution's installations name their major: the server's own is the best there is.
  const system = '/usr/lib/postgresql';
  if (existsSync(system)) {
    for (const d of readdirSync(system)) {
      const file = join(system, d, 'bin', 'pg_dump');
      if (/^\d+$/.test(d) && existsSync(file)) consider(file, Number(d));
    }
  }
  if (best?.major === major) return best.file;
  // Then PATH and the other installations (the embedded package's), asked their version.
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const b of findPostgresBinaries(searchFrom)) dirs.push(b.binDir);
  for (const dir of new Set(dirs)) {
    const file = join(dir, 'pg_dump');
    if (existsSync(file)) consider(file, pgDumpMajor(file));
  }
  return best?.file;
}

/** Why `dumpDatabase` cannot dump `server` from this machine, if it cannot (checked before any work). */
export function whyNoDump(server: PostgresServer, searchFrom?: string[]): string | undefined {
  if (canExec(server) || findPgDump(server.major, searchFrom)) return undefined;
  return `no pg_dump of PostgreSQL ${server.major} or newer on this machine (install postgresql-client-${server.major})`;
}

/**
 * Lines psql reads but a server does not: pg_dump (15.14, 16.10, 17.6 and later) brackets its output
 * with `\restrict KEY` and `\unrestrict KEY`. Only that pair is removed (a data line may start with a
 * backslash too).
 */
function withoutRestrictLines(sql: string): string {
  const open = /^\\restrict ([A-Za-z0-9]+)\n/m.exec(sql.slice(0, 4096));
  if (!open) return sql;
  const key = open[1]!;
  const start = open.index;
  let text = sql.slice(0, start) + sql.slice(start + open[0].length);
  const close = `\\unrestrict ${key}\n`;
  const at = text.lastIndexOf(close);
  if (at >= 0) text = text.slice(0, at) + text.slice(at + close.length);
  return text;
}

/**
 * One database of `server` as plain SQL (`pg_dump --format=plain` and `args`), ready to send to a
 * server as is. A server in a container runs its own `pg_dump` (of its exact version); otherwise, or
 * when that fails, a `pg_dump` of this machine at least as new as the server. The password goes
 * through the environment, never the command line.
 */
export async function dumpDatabase(
  server: PostgresServer,
  database: string,
  args: string[],
  options: { timeoutMs?: number; searchFrom?: string[] } = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  let failure: Error | undefined;
  if (canExec(server)) {
    try {
      const run = server.exec(
        ['pg_dump', '-U', server.superuser, '-d', database, '--format=plain', ...args],
        {
          user: 'postgres',
        },
      );
      const r = await withTimeout(run, timeoutMs, 'pg_dump in the container');
      if (r.exitCode === 0) return withoutRestrictLines(r.stdout);
      failure = new Error(`pg_dump in the container failed: ${r.stderr.trim().slice(0, 2000)}`);
    } catch (error) {
      failure = error as Error;
    }
  }
  const pgDump = findPgDump(server.major, options.searchFrom);
  if (!pgDump) throw failure ?? new Error(whyNoDump(server, options.searchFrom));
  return localDump(pgDump, server.url(database), args, timeoutMs);
}

function localDump(pgDump: string, databaseUrl: string, args: string[], timeoutMs: number): Promise<string> {
  const url = new URL(databaseUrl);
  const password = passwordOf(url.toString());
  url.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '30' };
  if (password) env.PGPASSWORD = password;
  return new Promise<string>((resolve, reject) => {
    const child = spawn(pgDump, ['--format=plain', '--no-password', ...args, '--dbname', url.toString()], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(withoutRestrictLines(Buffer.concat(out).toString('utf8')));
      else
        reject(
          new Error(
            `${pgDump} failed (${signal ?? `exit code ${code}`}): ${redactText(err.trim(), [password])}`,
          ),
        );
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]);
}
