import type pg from 'pg';

/** One backend of this run waiting for a lock, and who holds it up (from `pg_blocking_pids`). */
export interface Wait {
  pid: number;
  query: string;
  seconds: number;
  blocker: { pid: number; application: string; state: string; query: string };
}

const WAITS_SQL = `
  SELECT w.pid, left(w.query, 160) AS query, extract(epoch FROM now() - w.query_start)::float8 AS seconds,
         b.pid AS bpid, coalesce(b.application_name, '') AS bapp, coalesce(b.state, '') AS bstate,
         left(coalesce(b.query, ''), 160) AS bquery
    FROM pg_stat_activity w
    CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
    JOIN pg_stat_activity b ON b.pid = bp.pid
   WHERE (w.pid = ANY($1::int[]) OR w.application_name LIKE ANY($2::text[])) AND w.pid <> pg_backend_pid()
   ORDER BY w.query_start`;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A backend of a run blocked by another backend of the same run (a migration waiting on itself). */
export interface SelfWait {
  pid: number;
  query: string;
  blockerPid: number;
  blockerQuery: string;
}

/**
 * The first backend of this database that waits on a lock held by another, where either belongs to
 * the application `applicationName` (or its `-suffix`ed helpers): on a throwaway database every
 * backend is the run's own, so that is the run waiting on itself.
 */
export async function findSelfWait(client: pg.ClientBase, applicationName: string): Promise<SelfWait | null> {
  const { rows } = await client.query<{ pid: number; q: string; bpid: number; bq: string }>(
    `SELECT w.pid, left(w.query, 160) AS q, b.pid AS bpid, left(b.query, 160) AS bq
       FROM pg_stat_activity w
       CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
       JOIN pg_stat_activity b ON b.pid = bp.pid
      WHERE w.datname = current_database() AND b.datname = current_database()
        AND w.pid <> pg_backend_pid() AND b.pid <> pg_backend_pid()
        AND (b.application_name LIKE $1 OR w.application_name LIKE $1)
      LIMIT 1`,
    [`${applicationName}%`],
  );
  const row = rows[0];
  return row
    ? { pid: row.pid, query: oneLine(row.q), blockerPid: row.bpid, blockerQuery: oneLine(row.bq) }
    : null;
}

/** "pid 123 (application "psql", idle in transaction: "LOCK TABLE posts …")". */
export function describeBlocker(b: Wait['blocker']): string {
  // Another role's sessions are hidden unless this one has pg_read_all_stats.
  if (b.query === '<insufficient privilege>' || (!b.state && !b.query)) {
    return `pid ${b.pid} (another role's session: its query is visible only with pg_read_all_stats)`;
  }
  const app = b.application ? `application "${b.application}", ` : '';
  return `pid ${b.pid} (${app}${b.state || 'unknown state'}${b.query ? `: "${oneLine(b.query)}"` : ''})`;
}

/** Which backends belong to this run: their pids and `application_name` patterns (LIKE). */
export interface RunBackends {
  pids(): number[];
  patterns(): string[];
}

/**
 * Watches this run's backends on production every few seconds: while one waits for a lock, a progress
 * line says what it runs and which pid (application, state, query) holds it up. Never silent.
 */
export class WaitWatcher {
  /** The newest wait seen (for the message of a read or step that then timed out). */
  last: Wait | null = null;
  private timer: NodeJS.Timeout | undefined;
  private client: pg.Client | undefined;
  private busy = false;
  private stopped = false;
  /** The poll in progress: `stop()` waits for it, so no connection it opens outlives the watcher. */
  private polling: Promise<void> | undefined;

  constructor(
    /** Opens the watcher's own connection (bounded: it must never wait long itself). */
    private readonly connect: () => Promise<pg.Client>,
    private readonly backends: RunBackends,
    private readonly log: (line: string) => void,
    private readonly everyMs = 2_000,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, this.everyMs);
    this.timer.unref();
    return this;
  }

  async waits(): Promise<Wait[]> {
    if (!this.client) {
      const client = await this.connect();
      // Stopped while connecting: this connection would keep the process alive once the run is over.
      if (this.stopped) {
        await client.end().catch(() => undefined);
        throw new Error('the wait watcher was stopped');
      }
      this.client = client;
    }
    const r = await this.client.query<{
      pid: number;
      query: string;
      seconds: number;
      bpid: number;
      bapp: string;
      bstate: string;
      bquery: string;
    }>(WAITS_SQL, [this.backends.pids(), this.backends.patterns()]);
    return r.rows.map((row) => ({
      pid: row.pid,
      query: oneLine(row.query),
      seconds: row.seconds,
      blocker: { pid: row.bpid, application: row.bapp, state: row.bstate, query: row.bquery },
    }));
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const seen = new Set<number>();
      for (const w of await this.waits()) {
        if (seen.has(w.pid)) continue;
        seen.add(w.pid);
        this.last = w;
        this.log(
          `  waiting ${Math.round(w.seconds)} s for a lock: "${w.query}" (pid ${w.pid}) is blocked by ` +
            describeBlocker(w.blocker),
        );
      }
    } catch {
      // The watcher only informs; a failing poll is tried again at the next tick.
      await this.client?.end().catch(() => undefined);
      this.client = undefined;
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
