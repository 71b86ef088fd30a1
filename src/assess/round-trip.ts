import type { CheckReport, MigrationReport, ReplayFailure, StepReport } from '../report/contract/check.js';
import { observeStatements, type MigrationObservation } from '../inspect/locks.js';
import { diffSnapshots, type Change } from '../diff/index.js';
import { takeSnapshot, type Snapshot } from '../inspect/index.js';
import { SchemaWatch, type WatchState } from '../inspect/fingerprint.js';
import type { MigrationFile } from '../migrate/discover.js';
import type { Workspace } from '../migrate/workspace.js';
import { replayBase } from '../migrate/cache.js';
import type { Plan, PlannedMigration } from '../plan/index.js';
import type pg from 'pg';

/** The workspace's schema now, without the meta table (read on `client`, by default the workspace's). */
function snapshot(ws: Workspace, client: pg.ClientBase = ws.client): Promise<Snapshot> {
  return takeSnapshot(client, { exclude: [ws.meta] });
}

/**
 * The schema now and, with `start`, the first fingerprint of a watch started on it, read at the same
 * time: both read the whole catalog, so the snapshot runs on a connection of its own while the watch
 * installs its triggers and takes its fingerprint on the workspace's. Neither read changes what the
 * other sees (a snapshot leaves the watch's schema out).
 */
async function readState<W extends SchemaWatch | undefined>(
  ws: Workspace,
  start?: () => Promise<W>,
): Promise<{ snapshot: Snapshot; watch: W | undefined; mark: string | undefined }> {
  if (!start) return { snapshot: await snapshot(ws), watch: undefined, mark: undefined };
  const watching = (async () => {
    const watch = await start();
    return { watch, mark: await watch?.take() };
  })();
  let aside: pg.Client | undefined;
  try {
    aside = await ws.aside();
    const [state, { watch, mark }] = await Promise.all([snapshot(ws, aside), watching]);
    return { snapshot: state, watch, mark };
  } finally {
    // The watch's reads go on after a failed snapshot: wait for them before the caller moves on.
    await watching.catch(() => undefined);
    await aside?.end().catch(() => undefined);
  }
}

/**
 * Replays statements on a copy made by `ws.copy()`, observing locks and rewrites. The replay changes
 * the copy as the migration changed the database, so the next migration's statements can follow on it.
 */
async function observe(
  ws: Workspace,
  copy: string,
  statements: string[],
): Promise<MigrationObservation | undefined> {
  try {
    return await observeStatements(ws.urlOf(copy), statements);
  } catch {
    return undefined;
  }
}

export function notRun(m: PlannedMigration, reason?: string): MigrationReport {
  return {
    name: m.name,
    file: m.file,
    change: m.change,
    up: null,
    down: null,
    reup: null,
    reversible: null,
    residue: [],
    ...(reason ? { skipped: reason } : {}),
  };
}

/**
 * A full audit in three passes over the whole set: every `up`, every `down` in reverse, every
 * `up` again, with a catalog fingerprint after each `up` of the first pass compared with one after
 * each `down` of the second, so that each `down` is checked against the exact schema before its own
 * `up` (a later `down` dropping a table cannot hide an earlier `down` that did nothing). It costs
 * about what `db:migrate`, `db:migrate:undo:all` and `db:migrate` cost by hand. The fingerprint
 * ignores column order as the schema diff does, so a `down` that re-adds a column (which comes back
 * last) passes as it does in the per-migration round trip. A `down` that fails or leaves something
 * behind is explained on the spot — its residue, and `up` run again on what it left, as the
 * per-migration round trip does — and the pass goes on from the state before that migration's `up`,
 * restored from a copy of the database saved during the first pass (one every few migrations) and
 * the few `up`s since: only the migrations at fault cost more than the pass. Returns null, leaving
 * the reports untouched, when something else is off (an `up` fails, a restored state or the second
 * pass differs): the caller then runs the per-migration round trip, which pinpoints and explains it.
 */
async function fastAudit(
  ws: Workspace,
  added: PlannedMigration[],
  reports: Map<string, MigrationReport>,
  log: (line: string) => void,
): Promise<{ initial: Snapshot; final: Snapshot } | null> {
  const files = added.map((m) => m.head!);
  const ups: StepReport[] = [];
  const downs: StepReport[] = [];
  const reups: StepReport[] = [];
  /** Migrations whose down was not clean, explained during the reverse pass. */
  const explained = new Map<number, Pick<MigrationReport, 'reup' | 'reversible' | 'residue' | 'reupDiff'>>();
  /**
   * Copies of the database after the first `j` ups, by `j`: where a restore starts; with what the
   * watch knew then, so that the fingerprint after a restore reads only the ups replayed since.
   */
  const saved = new Map<number, { copy: string; watch: WatchState | undefined }>();
  const save = async (j: number) => saved.set(j, { watch: watch.save(), copy: await ws.copy() });
  // A copy costs about as much as a few dozen ups (the worker and the inspection connection must let go
  // of the database); a restore replays half the distance between copies on average. Copies every
  // 2·√N migrations keep both small next to the passes, clean history or not.
  const every = Math.max(20, Math.ceil(2 * Math.sqrt(files.length)));
  /** The newest saved state at or before the first `j` ups. */
  const savedBefore = (j: number) => Math.max(...[...saved.keys()].filter((k) => k <= j));
  /**
   * A copy of a saved state made ahead of the restore that needs it (see `Workspace.stage`): started
   * as soon as a `down` is found at fault, it is made while that `down` is explained.
   */
  let staged: { from: number; database: Promise<string | undefined> } | undefined;
  const stage = (j: number) => {
    const from = savedBefore(j);
    staged = { from, database: ws.stage(saved.get(from)!.copy).catch(() => undefined) };
  };
  /** The staged copy of the saved state `from`, if there is one; any other (all, without `from`) goes. */
  const takeStaged = async (from?: number): Promise<string | undefined> => {
    const taken = staged;
    staged = undefined;
    const database = await taken?.database;
    if (database && from !== undefined && taken!.from === from) return database;
    if (database) ws.defer(ws.dropCopy(database));
    return undefined;
  };
  /** Brings the database to the state after the first `j` ups (checked against the first pass). */
  const restoreTo = async (j: number): Promise<boolean> => {
    const from = savedBefore(j);
    const { copy, watch: state } = saved.get(from)!;
    await ws.restore(copy, await takeStaged(from));
    watch.resume(state);
    for (let k = from; k < j; k++) {
      if (!(await ws.runner.up(files[k]!)).ok) return false;
    }
    return (await watch.take()) === marks[j];
  };
  // Event triggers log what each step touches, so a fingerprint costs what the step changed.
  const first = await readState(ws, () => watchOf(ws));
  const initial = first.snapshot;
  const watch = first.watch!;
  const marks = [first.mark!];
  try {
    await save(0);
    log(`Applying ${files.length} migrations`);
    for (const [i, f] of files.entries()) {
      log(`[${i + 1}/${files.length}] ${f.name}`);
      const step = await ws.runner.up(f);
      if (!step.ok) return null;
      ups.push(step);
      marks.push(await watch.take());
      if ((i + 1) % every === 0 && i + 1 < files.length) await save(i + 1);
    }
    const final = await snapshot(ws);
    log(`Reverting ${files.length} migrations`);
    for (let i = files.length - 1; i >= 0; i--) {
      const step = await ws.runner.down(files[i]!);
      downs[i] = step;
      if (step.ok && (await watch.take()) === marks[i]) continue;
      // Not clean: what did it leave, and does up run again on that (the enum-left-behind trap)?
      log(
        `${files[i]!.name}: down did not restore the schema; explaining it and restoring the state before it`,
      );
      stage(i);
      const afterDown = await snapshot(ws);
      const reup = step.ok ? await ws.runner.up(files[i]!) : null;
      let reupDiff: Change[] = [];
      if (reup?.ok && (await watch.take()) !== marks[i + 1]) {
        // Up went through on the leftovers to something else than the first time: by how much?
        const again = await snapshot(ws);
        if (!(await restoreTo(i + 1))) return null;
        reupDiff = diffSnapshots(await snapshot(ws), again);
      }
      if (!(await restoreTo(i))) return null;
      const residue = diffSnapshots(await snapshot(ws), afterDown);
      explained.set(i, {
        reup,
        reversible: step.ok && residue.length === 0,
        residue,
        ...(reupDiff.length ? { reupDiff } : {}),
      });
      // The copies past this point are of no more use: the pass only goes further back.
      for (const [j, { copy }] of saved) {
        if (j > i) {
          saved.delete(j);
          ws.defer(ws.dropCopy(copy));
        }
      }
    }
    log(`Applying ${files.length} migrations again`);
    for (const [i, f] of files.entries()) {
      const step = await ws.runner.up(f);
      if (!step.ok) return null;
      reups[i] = step;
    }
    if (diffSnapshots(final, await snapshot(ws)).length) return null;
    added.forEach((m, i) => {
      Object.assign(reports.get(m.name)!, {
        up: ups[i],
        down: downs[i],
        ...(explained.get(i) ?? { reup: reups[i], reversible: true, residue: [] }),
      });
    });
    return { initial, final };
  } finally {
    await watch.stop();
    await takeStaged();
    for (const { copy } of saved.values()) await ws.dropCopy(copy);
  }
}

/** A watch of the workspace's database that readies each connection a copy or restore makes. */
function watchOf(ws: Workspace): Promise<SchemaWatch> {
  return SchemaWatch.start(
    () => ws.client,
    ws.meta,
    (listener) => ws.onReconnect(listener),
  );
}

/** A watch of the workspace's database whose steps read only what they touched, when it can be had. */
async function stepWatch(ws: Workspace): Promise<SchemaWatch | undefined> {
  const watch = await watchOf(ws);
  return watch.watching ? watch : undefined;
}

/**
 * The round trip: replay the base migrations, then for each new migration `up`, `down` (must
 * restore the exact pre-`up` schema) and `up` again (must succeed and produce the same schema).
 * A failed or leaky `down` does not poison later verdicts: the database is rebuilt to the exact
 * state after that migration's `up` before the next one runs. Without a base, several new migrations
 * go through the three-pass audit first (see `fastAudit`). Fills `reports` (one per planned migration,
 * made with `notRun`); returns the schema before the new migrations and after them.
 */
export async function roundTrip(
  ws: Workspace,
  plan: Plan,
  reports: Map<string, MigrationReport>,
  replayFailures: ReplayFailure[],
  baseReplay: CheckReport['baseReplay'],
  log: (line: string) => void,
): Promise<{ initial: Snapshot; final: Snapshot }> {
  // The base state: restored from the base-state cache where it holds some of it, the rest replayed.
  const baseFailure = await replayBase(ws, plan.baseMigrations, baseReplay, log);
  if (baseFailure) {
    replayFailures.push({ ...baseFailure, phase: 'base' });
    const initial = await snapshot(ws);
    return { initial, final: initial };
  }
  const added = plan.migrations.filter((m) => m.change === 'added');
  if (!plan.base && added.length > 1) {
    const fast = await fastAudit(ws, added, reports, log);
    if (fast) return fast;
    log('Something did not round-trip cleanly: checking each migration on its own');
    const failure = await ws.rebuild(plan.baseMigrations);
    if (failure) throw new Error(`Could not rebuild an empty database: ${failure.name} failed`);
  }
  const applied: MigrationFile[] = [...plan.baseMigrations];
  // Locks and rewrites are measured against the tables a PR's migration finds in place: its statements
  // are replayed on a copy of the database as it was before its `up`. One copy serves them all: taken
  // before the first new migration, it follows each one's replay. If a replay does not go through as
  // the migration did, the copy no longer matches and the later migrations are judged by their SQL.
  let observer = plan.base && added.length ? await ws.copy() : undefined;
  const stopObserving = async () => {
    if (observer) await ws.dropCopy(observer);
    observer = undefined;
  };
  // Whether a `down` gave back the schema before its `up`, and a re-`up` the schema of the first, is
  // first asked of the catalog fingerprint, which reads only what the step touched (event triggers log
  // it; installed after the observer's copy, which must not hold them). Equal fingerprints mean equal
  // snapshots; a different one is confirmed with a full snapshot, as without the watch.
  const start = await readState(ws, added.length ? () => stepWatch(ws) : undefined);
  const initial = start.snapshot;
  let current = initial;
  let watch = start.watch;
  /** The fingerprint of the database as it is now (undefined without a watch). */
  let mark = start.mark;
  try {
    for (const [i, m] of added.entries()) {
      const file = m.head!;
      const report = reports.get(m.name)!;
      log(`[${i + 1}/${added.length}] ${m.name}`);
      const before = mark;
      const up = (report.up = await ws.runner.up(file));
      const observing = up.ok ? observer : undefined;
      // The replay on the observer's copy and the snapshot after `up` read two different databases:
      // they run at the same time.
      const [observation, afterUp] = await Promise.all([
        observing
          ? observe(
              ws,
              observing,
              up.statements.map((s) => s.sql),
            )
          : undefined,
        snapshot(ws),
      ]);
      if (observing) {
        report.observation = observation;
        if (!observation || observation.statements.some((s) => s.error)) await stopObserving();
      }
      if (!up.ok) {
        for (const rest of added.slice(i + 1)) {
          reports.set(rest.name, notRun(rest, `not run: ${m.name} failed its up`));
        }
        current = afterUp;
        break;
      }
      const upMark = await watch?.take();
      const down = (report.down = await ws.runner.down(file));
      mark = await watch?.take();
      report.residue =
        mark !== undefined && mark === before ? [] : diffSnapshots(current, await snapshot(ws));
      report.reversible = down.ok && report.residue.length === 0;
      // After a failed down the migration is still recorded as applied: running up again would only
      // measure that, so re-up is judged only when down itself succeeded.
      const reup = down.ok ? (report.reup = await ws.runner.up(file)) : null;
      let reupDiff: Change[] = [];
      if (reup?.ok) {
        mark = await watch?.take();
        reupDiff = mark !== undefined && mark === upMark ? [] : diffSnapshots(afterUp, await snapshot(ws));
        if (reupDiff.length) report.reupDiff = reupDiff;
      }
      applied.push(file);
      current = afterUp;
      if (!report.reversible || !reup?.ok || reupDiff.length) {
        // Continue from the exact schema this migration's first `up` produced.
        await watch?.stop();
        const failure = await ws.rebuild(applied);
        if (failure) {
          watch = undefined;
          replayFailures.push({ ...failure, phase: 'rebuild' });
          break;
        }
        // A migration that is not deterministic rebuilds differently: judge the next one against
        // the database it will actually run on (a new database: the watch starts again on it).
        ({
          snapshot: current,
          watch,
          mark,
        } = await readState(ws, i + 1 < added.length ? () => stepWatch(ws) : undefined));
      }
    }
  } finally {
    await Promise.all([stopObserving(), watch?.stop()]);
  }
  return { initial, final: current };
}
