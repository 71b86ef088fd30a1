import type { Change } from '../../diff/index.js';
import type { MigrationErrorInfo, Statement } from '../../migrate/runner.js';
import type { MigrationChange } from '../../plan/index.js';
import type { MigrationObservation } from '../../inspect/locks.js';

export type Severity = 'error' | 'warning' | 'info';

/** One run of a migration's `up` or `down` (the contract's `up` / `down` / `reup` objects). */
export interface StepReport {
  ok: boolean;
  ms: number;
  statements: Statement[];
  error: MigrationErrorInfo | null;
  /** The first statement that ran after the migration's function had resolved (work it did not await). */
  unawaited?: { sql: string; line?: number };
}

export interface MigrationReport {
  /** As stored in SequelizeMeta. */
  name: string;
  /** Path relative to the repository root. */
  file: string;
  change: MigrationChange;
  up: StepReport | null;
  down: StepReport | null;
  reup: StepReport | null;
  /** `down` restored the exact pre-`up` schema; null when not judged (not run). */
  reversible: boolean | null;
  /** What `down` left different from the pre-`up` schema. */
  residue: Change[];
  /** What the second `up` produced differently from the first (should be empty). */
  reupDiff?: Change[];
  /**
   * What the `up` did to relations that existed before it, measured by replaying its statements on
   * a copy of the pre-`up` database: locks (mode, what they block, how long), rewrites, scans.
   */
  observation?: MigrationObservation;
  /** Why this migration was not round-tripped, when it was not. */
  skipped?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  migration?: string;
  file?: string;
  line?: number;
  message: string;
  /** One line on how to fix it. */
  fix?: string;
  /** The rule's page in Schemabot's repository (`docs/rules/<rule>.md`), for rules that have one. */
  docs?: string;
  /** Silenced by a `// schemabot-ignore: RULE reason` comment in the migration: shown, never failing. */
  suppressed?: { reason: string };
}

/** The JSON report (`schemaVersion: 1`): the assessed result of a check. */
export interface CheckReport {
  schemaVersion: 1;
  mode: 'check';
  ok: boolean;
  /** `fail-on` of `.schemabot.yml` the verdict was judged with (absent in reports written before it). */
  failOn?: 'error' | 'warning' | 'info' | 'never';
  postgres: { version: string; provider: string };
  base: { ref: string; sha: string } | null;
  head: { sha: string | null };
  migrationsPath: string;
  /**
   * Replaying the base branch's migrations to build the starting schema (`migrations`: those replayed;
   * `cache`: with the base-state cache on, how many of them came from it instead, and on a hit whether
   * from the saved dump or from the database of a cluster kept by an earlier run).
   */
  baseReplay: {
    migrations: number;
    ms: number;
    statementMs: number;
    cache?: { hit: boolean; restored: number; key: string; ms: number; source?: 'dump' | 'cluster' };
  };
  migrations: MigrationReport[];
  changes: Change[];
  findings: Finding[];
  /**
   * The models compared with the head's migrations (when the project has models and every
   * migration ran): the differences (`added`: only the models declare it), or why it could not run.
   */
  models?: ModelsSection;
  summary: {
    checked: number;
    failed: number;
    irreversible: number;
    changes: number;
    errors: number;
    warnings: number;
  };
  durationMs: number;
}

export interface ModelsSection {
  /** The models module or folder, relative to the project. */
  source: string;
  tables: number;
  changes: Change[];
  /** Set when the models could not be loaded or synced (then `changes` is empty). */
  error?: string;
}

/** A migration that had already succeeded but failed when replayed to build a starting state. */
export interface ReplayFailure {
  name: string;
  step: StepReport;
  /** `base`: replaying the base branch; `rebuild`: restoring the state after a leaky `down`. */
  phase: 'base' | 'rebuild';
}
