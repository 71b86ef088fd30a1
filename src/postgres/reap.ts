import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Who owns a throwaway server's run directory: a pid file with the owner's pid and that process's start
 * time, so that a later run can tell a live owner from a dead one whose pid was reused.
 */
export interface Owner {
  pid: number;
  /** Start time of the owner process as the system reports it (jiffies since boot on Linux). */
  start: string;
}

export const OWNER_FILE = 'owner.json';

/** A run directory younger than this without an owner file may be one being created right now. */
const GRACE_MS = 60_000;

/** The start time of process `pid`, or undefined when no such process runs. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name, which may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie has ended
    return fields[19];
  } catch {
    if (existsSync('/proc/self/stat')) return undefined;
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

export function writeOwner(runDir: string): void {
  const owner: Owner = { pid: process.pid, start: processStart(process.pid) ?? '' };
  writeFileSync(join(runDir, OWNER_FILE), JSON.stringify(owner) + '\n', { mode: 0o600 });
}

function readOwner(runDir: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(runDir, OWNER_FILE), 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.start === 'string'
      ? { pid: o.pid, start: o.start }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `dir`'s owner file has ended (false while it runs, or without one). */
export function ownerEnded(dir: string): boolean {
  const owner = readOwner(dir);
  return owner !== undefined && !ownerAlive(owner);
}

function ownerAlive(owner: Owner): boolean {
  const start = processStart(owner.pid);
  return start !== undefined && (owner.start === '' || start === owner.start);
}

/** The postmaster of `dataDir` when it still runs: its pid file's pid, whose command line names the directory. */
function runningPostmaster(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || processStart(pid) === undefined) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(dataDir) ? pid : undefined;
  } catch {
    return undefined; // cannot prove it is ours: leave the process alone
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

/**
 * What a cluster cache was made from (`CLUSTER_MARKER` in its directory): once that installation is gone,
 * or now holds another version, nothing can start from the cache again.
 */
export interface ClusterOrigin {
  binDir: string;
  version: string;
}

export const CLUSTER_MARKER = '.schemabot-origin.json';

function readOrigin(clusterDir: string): ClusterOrigin | undefined {
  try {
    const o = JSON.parse(readFileSync(join(clusterDir, CLUSTER_MARKER), 'utf8')) as Partial<ClusterOrigin>;
    return typeof o.binDir === 'string' && typeof o.version === 'string'
      ? { binDir: o.binDir, version: o.version }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a finished cluster cache can no longer be used: its installation's `postgres` is gone, or an
 * installation found in the same place now has another version. One without a marker (made by an older
 * Schemabot, which every use since would have marked) counts as stale once it is a day old.
 */
function staleCluster(dir: string, installed: readonly ClusterOrigin[]): boolean {
  const origin = readOrigin(dir);
  if (!origin) return olderThan(dir, STALE_UNMARKED_MS);
  if (!existsSync(join(origin.binDir, 'postgres'))) return true;
  const now = installed.find((b) => b.binDir === origin.binDir);
  return now !== undefined && now.version !== origin.version;
}

const STALE_UNMARKED_MS = 24 * 60 * 60_000;

/**
 * Ends a postmaster with SIGQUIT (immediate shutdown), which still removes its shared memory; SIGKILL
 * would leave its segments in /dev/shm and in the System V tables until the next reboot. SIGKILL only
 * when it has not exited within `graceMs`.
 */
export function quitPostmaster(pid: number, graceMs = 2000): void {
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return; // already gone
  }
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + graceMs; Date.now() < deadline;) {
    if (processStart(pid) === undefined) return;
    Atomics.wait(sleeper, 0, 0, 20);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

/**
 * Removes what dead runs left in `root`: for every run directory whose owner is gone (not running, or its
 * pid now belongs to a process that started at another time), ends the server still running from it and
 * removes the directory; half-made cluster caches of dead `initdb` runs too, and cluster caches of
 * installations that are gone or were upgraded in place (`installed`: the installations found now).
 * Returns the directories removed: those of ended runs, and the stale cluster caches.
 */
export function reapOrphans(
  root: string,
  dataDirOf: (runDir: string) => string,
  installed: readonly ClusterOrigin[] = [],
): { runs: string[]; caches: string[] } {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return { runs: [], caches: [] };
  }
  const reaped = { runs: [] as string[], caches: [] as string[] };
  for (const entry of entries) {
    const dir = join(root, entry);
    let dead: boolean;
    if (entry.startsWith('run-')) {
      const owner = readOwner(dir);
      if (owner) dead = !ownerAlive(owner);
      else {
        // No owner file: one being made right now, or left by a version that wrote none (pid in the name).
        const pid = Number(/^run-(\d+)-/.exec(entry)?.[1]);
        dead = olderThan(dir, GRACE_MS) && (!pid || processStart(pid) === undefined);
      }
    } else if (/^cluster-.*\.(?:init|trash)-\d+-/.test(entry)) {
      const pid = Number(/\.(?:init|trash)-(\d+)-/.exec(entry)![1]);
      dead = processStart(pid) === undefined && olderThan(dir, GRACE_MS);
    } else if (/^cluster-[^.]+$/.test(entry)) {
      if (!staleCluster(dir, installed)) continue;
      // Out of the way first, in one step: a run choosing a cluster finds it whole or not at all.
      const trash = `${dir}.trash-${process.pid}-${Date.now()}`;
      try {
        renameSync(dir, trash);
        rmSync(trash, { recursive: true, force: true });
        reaped.caches.push(dir);
      } catch {
        /* another run reaps it */
      }
      continue;
    } else continue;
    if (!dead) continue;
    for (const dataDir of [dataDirOf(dir), dir]) {
      const postmaster = runningPostmaster(dataDir);
      if (postmaster) quitPostmaster(postmaster);
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      reaped.runs.push(dir);
    } catch {
      /* another run reaps it */
    }
  }
  return reaped;
}
