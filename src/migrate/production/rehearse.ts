import { diffSnapshots, type Change } from '../../diff/index.js';
import type { Snapshot } from '../../inspect/index.js';
import { readPrivileges } from '../../inspect/privileges.js';
import type { RehearsalReport, RehearsedStep } from '../../report/contract/production.js';
import { knob, withHint } from '../../shared/wording.js';
import type { MigrationFile } from '../discover.js';
import { newestMatching, tableCount } from './adopt.js';
import type { RehearsalServerOptions } from './options.js';
import { Rehearsal } from './rehearsal.js';
import type { ProductionRun } from './run.js';
import type { ProductionSession } from './session.js';
import { appliedFiles } from './state.js';

/** What a live schema that differs from the replayed migrations does. */
export type DriftPolicy = 'fail' | 'warn' | 'ignore';

type Log = (line: string) => void;
type ServerOptions = RehearsalServerOptions & { migrationTimeoutMs?: number };

/** A rehearsal for `session`'s project, on the production's major version when one is available. */
export function startRehearsal(
  session: ProductionSession,
  options: ServerOptions,
  log: Log,
): Promise<Rehearsal> {
  return Rehearsal.start(session.project, { ...options, productionMajor: session.postgres.major, log });
}

/** The live schema differs from what the applied migrations build: for people, the first ten differences. */
export function driftText(drift: Change[]): string {
  const list = drift.map((c) => `${c.kind} ${c.name} ${c.action}`);
  return (
    `The live schema differs from what the applied migrations build (${drift.length} change(s): ` +
    `${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}): someone changed the database ` +
    'by hand, or a migration was edited after it ran.'
  );
}

export interface RehearsalPlan {
  /** The migrations applied in production: replayed to rebuild its schema. */
  applied: string[];
  /** The pending ups, or the planned downs (newest first). */
  steps: MigrationFile[];
  direction: 'up' | 'down';
  /** The live schema, to compare the replay with. */
  live: () => Promise<Snapshot>;
  drift: DriftPolicy;
  /** Downs: the newest migration that stays applied; the downs must restore the schema its replay builds. */
  target?: string | null;
}

/** Why the rehearsal says production must not be touched (the rehearsal report's `error` says what failed). */
export type RehearsalStop =
  | { kind: 'not-migrated'; tables: number; match: string | null }
  | { kind: 'drift'; text: string }
  | { kind: 'replay' }
  | { kind: 'step' }
  | { kind: 'residue' }
  | { kind: 'cancelled' };

export interface Rehearsed {
  stop: RehearsalStop | null;
  /** Each step as rehearsed: production runs it the same way (in a transaction or not). */
  steps: Map<string, RehearsedStep>;
  /** What the steps change: the replayed schema → the schema after them. */
  changes: Change[];
}

/**
 * Rehearses a plan on a throwaway PostgreSQL: replays the applied migrations to rebuild the production
 * schema (an upgrade of a database with tables but nothing recorded looks for the migration it
 * matches instead), compares it with the live schema as `plan.drift` says, then runs each step with
 * the production user's privileges, as production will run it; downs must restore the schema the
 * kept migrations build. `report.rehearsal` (and an upgrade's `report.drift`) fill in as it goes.
 */
export async function rehearse(
  run: ProductionRun,
  plan: RehearsalPlan,
  report: { rehearsal: RehearsalReport | null; drift?: Change[] | null },
  options: ServerOptions,
  log: Log,
): Promise<Rehearsed> {
  const { session, cancel } = run;
  const steps = new Map<string, RehearsedStep>();
  const stop = (why: RehearsalStop): Rehearsed => ({ stop: why, steps, changes: [] });
  await using rehearsal = await startRehearsal(session, options, log);
  cancel.rehearsal = rehearsal;
  const rep: RehearsalReport = (report.rehearsal = {
    ok: false,
    postgres: rehearsal.postgres,
    replayed: plan.applied.length,
    steps: [],
    error: null,
  });
  if (plan.direction === 'up' && !plan.applied.length) {
    // Tables but no recorded migration: the replay of nothing is an empty database, not this one.
    const live = await plan.live();
    if (tableCount(live) > 0) {
      const match = await newestMatching(rehearsal, session.files, live);
      rep.error = 'the database has tables but no recorded migration';
      return stop({ kind: 'not-migrated', tables: tableCount(live), match });
    }
  }
  let kept: Snapshot | null = plan.target === null ? await rehearsal.snapshot() : null;
  const failure = await rehearsal.replay(
    appliedFiles(session.files, plan.applied),
    plan.target === undefined
      ? undefined
      : async (m) => {
          if (m.name === plan.target) kept = await rehearsal.snapshot();
        },
  );
  if (failure) {
    rep.error = `Replaying the applied migration ${failure.name} failed: ${failure.message}`;
    return stop({ kind: 'replay' });
  }
  const replayed = await rehearsal.snapshot();
  if (plan.drift !== 'ignore') {
    const drift = diffSnapshots(replayed, await plan.live());
    // The upgrade report keeps the drift it judged.
    if (plan.direction === 'up') report.drift = drift;
    if (drift.length) {
      const text = driftText(drift);
      if (plan.drift === 'fail') {
        rep.error = 'drift';
        return stop({ kind: 'drift', text });
      }
      log(`Warning (${knob('drift', options.frontEnd)} warn): ${text}`);
      for (const c of drift) log(`  drift: ${c.kind} ${c.name} ${c.action}`);
    }
  }
  // Rehearse as production will run: with the production user's privileges, not as superuser.
  await rehearsal.actAs(await readPrivileges(session.client), log);
  for (const m of plan.steps) {
    if (cancel.requested) return stop({ kind: 'cancelled' });
    const step = await rehearsal.step(m, plan.direction);
    rep.steps.push(step);
    steps.set(m.name, step);
    log(
      plan.direction === 'up'
        ? `  rehearsed ${m.name}: ${step.ok ? 'ok' : 'FAILED'}${step.transaction ? '' : ' (outside a transaction)'}`
        : `  rehearsed ${m.name} down: ${step.ok ? 'ok' : 'FAILED'}`,
    );
    if (!step.ok) {
      if (cancel.requested) return stop({ kind: 'cancelled' });
      rep.error = `${m.name}${plan.direction === 'up' ? '' : ' (down)'} failed: ${withHint(step.error)}`;
      return stop({ kind: 'step' });
    }
  }
  const after = await rehearsal.snapshot();
  if (plan.direction === 'down') {
    const residue = diffSnapshots(kept!, after);
    if (residue.length) {
      rep.error =
        `the downs did not restore the schema the kept migrations build (${residue.length} difference(s): ` +
        `${residue
          .slice(0, 5)
          .map((c) => `${c.kind} ${c.name} ${c.action}`)
          .join(', ')})`;
      return stop({ kind: 'residue' });
    }
  }
  rep.ok = true;
  return { stop: null, steps, changes: diffSnapshots(replayed, after) };
}

/** The newest migration whose replay builds exactly `live` (tables but nothing recorded), on a rehearsal of its own. */
export async function matchLive(
  session: ProductionSession,
  live: Snapshot,
  options: ServerOptions,
  log: Log,
): Promise<string | null> {
  await using rehearsal = await startRehearsal(session, options, log);
  return await newestMatching(rehearsal, session.files, live);
}

/**
 * `status --drift`: the applied migrations replayed on a throwaway PostgreSQL, and how the live schema
 * differs from that (null when the replay failed: the rehearsal report says why).
 */
export async function replayDrift(
  session: ProductionSession,
  applied: string[],
  options: ServerOptions,
  log: Log,
): Promise<{ rehearsal: RehearsalReport; drift: Change[] | null }> {
  await using r = await startRehearsal(session, options, log);
  const failure = await r.replay(appliedFiles(session.files, applied));
  const rehearsal: RehearsalReport = {
    ok: !failure,
    postgres: r.postgres,
    replayed: applied.length,
    steps: [],
    error: null,
  };
  if (failure) {
    rehearsal.error = `Replaying ${failure.name} failed: ${failure.message}`;
    return { rehearsal, drift: null };
  }
  return { rehearsal, drift: diffSnapshots(await r.snapshot(), await session.snapshot()) };
}
