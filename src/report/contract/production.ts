import type { Change } from '../../diff/index.js';
import type { MigrationErrorInfo, Statement } from '../../migrate/index.js';

/** The migration state of a database: what its meta table says against the migration files. */
export interface MigrationState {
  /** Names recorded in the meta table, in its order. */
  applied: string[];
  /** Files not recorded, in file order. */
  pending: string[];
  /** Recorded, but the file is gone (sequelize-cli and umzug ignore these silently). */
  missing: string[];
  /** Pending files that sort before the newest applied migration. */
  outOfOrder: string[];
  /** The newest applied migration. */
  current: string | null;
}

/** A migration step as rehearsed on the throwaway database. */
export interface RehearsedStep {
  name: string;
  direction: 'up' | 'down';
  ok: boolean;
  ms: number;
  /** It ran in one transaction with its meta-table row. */
  transaction: boolean;
  /** Why it ran outside a transaction, when it did. */
  outsideTransaction?: string;
  statements: Statement[];
  error: MigrationErrorInfo | null;
}

/** A migration step as run on the production database: a rehearsed step's fields, and when and how often. */
export interface ProductionStep extends RehearsedStep {
  file: string | null;
  /** ISO time the (last) attempt started and ended. */
  startedAt: string;
  finishedAt: string;
  /** 1 + the retries after lock timeouts. */
  attempts: number;
}

export interface RehearsalReport {
  ok: boolean;
  postgres: { version: string; provider: string } | null;
  /** Applied migrations replayed to rebuild the production schema. */
  replayed: number;
  steps: RehearsedStep[];
  /** What went wrong (replay failure, failing step, residue), when not ok. */
  error: string | null;
}

export interface Failure {
  migration: string;
  /** Its transaction was rolled back: nothing of it stays in the database. */
  rolledBack: boolean;
  error: MigrationErrorInfo;
  /** The failed step: its statements (the failing one marked), times and attempts. */
  step?: ProductionStep;
}

interface ReportBase {
  schemaVersion: 1;
  ok: boolean;
  /** The database, password masked. */
  database: string;
  postgres: { version: string } | null;
  /** Why the run stopped or refused, for people; null when all went well. */
  error: string | null;
  durationMs: number;
}

export interface StatusReport extends ReportBase, MigrationState {
  mode: 'status';
  /** Live schema vs the applied migrations replayed on a throwaway database; null when not asked. */
  drift: Change[] | null;
  rehearsal?: RehearsalReport;
  /** Alembic projects: the revision graph's heads (`alembic heads`); pending is what leads to them. */
  heads?: string[];
}

export interface UpgradeReport extends ReportBase {
  mode: 'upgrade';
  dryRun: boolean;
  pending: { before: string[]; after: string[] };
  /** Migrations applied by this run, in order. */
  applied: ProductionStep[];
  current: string | null;
  /** Live schema before vs after the run (dry run: the rehearsal's). */
  changes: Change[];
  failed: Failure | null;
  /** The database's migration state after the run. */
  state: MigrationState;
  drift: Change[] | null;
  /** What the pending migrations' statements destroy in production, with row counts. */
  dataLoss: DataLoss[];
  rehearsal: RehearsalReport | null;
  lock: LockReport | null;
  /** Set when SIGTERM/SIGINT stopped the run: what was cancelled and the state it left. */
  cancelled?: CancelReport;
}

export interface CancelReport {
  signal: 'SIGTERM' | 'SIGINT';
  /** Backends whose statements were cancelled (pg_cancel_backend). */
  cancelledBackends: number[];
  /** The running migration's transaction was rolled back before the lock was released. */
  rolledBack: boolean;
  /** For people: what state the database is in. */
  message: string;
}

export interface DataLoss {
  kind: 'table' | 'column';
  /** schema.table or schema.table.column. */
  name: string;
  /** Rows (for a column: non-null values) in production, up to a cap; null when not counted. */
  rows: number | null;
  /** The migration whose statement does it ('' when only the schema diff shows it). */
  migration?: string;
  /** What the statement does, for people ("drops column users.phone"). */
  operation?: string;
  /** The statement, as captured in the rehearsal. */
  sql?: string;
}

export interface RollbackReport extends ReportBase {
  mode: 'rollback';
  dryRun: boolean;
  /** The newest migration that stays applied (null: none). */
  target: string | null;
  /** Planned downs, newest first. */
  plan: string[];
  reverted: ProductionStep[];
  current: string | null;
  changes: Change[];
  dataLoss: DataLoss[];
  failed: Failure | null;
  state: MigrationState;
  rehearsal: RehearsalReport | null;
  lock: LockReport | null;
  cancelled?: CancelReport;
}

export interface StampReport extends ReportBase {
  mode: 'stamp';
  to: string;
  /** Meta-table rows added. */
  added: string[];
  current: string | null;
  state: MigrationState;
  lock: LockReport | null;
}

export interface LockReport {
  key: string;
  waitedMs: number;
}

export type ProductionReport = StatusReport | UpgradeReport | RollbackReport | StampReport;
