import type { MigrationObservation, RelationLock, StatementObservation } from '../../inspect/locks.js';
import type { ParsedSql, RelName, SqlAction, SqlParser } from '../sql.js';
import type { Severity } from '../../report/contract/check.js';

/**
 * The contract between the hazard engine (`../hazards.ts`) and its rules, one file per rule in this
 * folder. A rule is its metadata plus up to three callbacks: one per action the SQL parser found in a
 * statement, one after each statement, one after the migration. The engine owns the walk (statements
 * split as PostgreSQL runs them, transactions, `lock_timeout`, tables the migration creates) and the
 * measurements; a rule only decides and words its finding.
 */

export interface RuleMeta {
  /** The name in findings, `.schemabot.yml` and `schemabot-ignore` comments. */
  name: string;
  /** Severity when `.schemabot.yml` does not set one. */
  severity: Severity;
  /** A design rule that stays silent unless `.schemabot.yml` gives it a severity. */
  optIn?: boolean;
  /** One line: what it means. */
  summary: string;
  /** One line: the safe alternative. */
  fix: string;
  /** Its page, relative to the repository root: `docs/rules/<name>.md`. */
  docs: string;
}

export interface HazardRule extends RuleMeta {
  onAction?(action: SqlAction, ctx: StatementContext): void;
  /** After every action of the statement (rules that look at what the others said go last). */
  onStatement?(ctx: StatementContext): void;
  /** After the migration's last statement. */
  onEnd?(ctx: MigrationContext): void;
}

/** One statement as PostgreSQL ran it: a part of a captured query when that query held several. */
export interface Unit {
  /** Position of the captured query in the migration's statements (0-based). */
  index: number;
  /** Which statement of a multi-statement query (absent when it held one). */
  part?: number;
  sql: string;
  /** Line of the migration file that sent it. */
  line?: number;
  /** 1-based number among the migration's own statements; absent for Sequelize's catalog reads. */
  number?: number;
  /** The replay's measurement of this statement, when its SQL matches. */
  observed?: StatementObservation;
}

/** A relation as it existed before the migration. */
export interface Existing {
  /** Display name, schema-qualified when measured (`public.users`). */
  name: string;
}

export interface TransactionState {
  /** Inside a transaction the migration opened (BEGIN … COMMIT). */
  open: boolean;
  sessionTimeout: boolean;
  localTimeout: boolean;
  /**
   * Tables on which the current transaction (the migration's, or a multi-statement query's implicit
   * one) holds AccessExclusiveLock, with the unit that took it.
   */
  exclusive: Map<string, Unit>;
}

export interface MigrationContext {
  migration: string;
  file: string;
  postgresMajor: number;
  observation?: MigrationObservation;
  parser: SqlParser;
  units: Unit[];
  tx: TransactionState;
  /** Per-rule scratch space for the migration (keyed by rule name). */
  state<T>(rule: RuleMeta, init: () => T): T;
  /** Reports a finding at `unit` (its line and quote); one per rule, statement and set of tables. */
  report(rule: RuleMeta, unit: Unit, message: string, tables?: string[]): void;
  /** "statement 3" (or "a catalog read"), for messages that name another statement. */
  label(unit: Unit): string;
  /** Text of a measured lock: mode, table, what it blocks, how long, and what kept it long. */
  lockText(lock: RelationLock, taker?: Unit): string;
}

export interface StatementContext extends MigrationContext {
  unit: Unit;
  parsed: ParsedSql;
  /** Locks and scans were read for this statement (it ran in a transaction, without error). */
  measured?: StatementObservation;
  /** Rewrites were read (also for statements that ran outside a transaction). */
  rewritesMeasured?: StatementObservation;
  /** The relation existed before the migration (measured when there is a replay). */
  existing(rel: RelName, kind?: RelationLock['kind']): Existing | undefined;
  /** The table's data file was replaced by this statement (its name), measured. */
  tableRewritten(rel: RelName): string | undefined;
  scanned(rel: RelName): boolean;
  lockOn(rel: RelName): RelationLock | undefined;
  /** `; it took <lock>` or empty. */
  lockNote(rel: RelName): string;
  /** `rewrote T and rebuilt N indexes (relfilenode changed)`. */
  rewriteText(table: string): string;
  /** Reports at this statement; `tables` are those the finding speaks of (no separate lock finding). */
  at(rule: RuleMeta, message: string, ...tables: string[]): void;
  /** A rewrite of `table` a specific rule explains (no generic table-rewrite for it). */
  explain(table: string): void;
  /** A table another finding speaks of (no separate access-exclusive-lock for it). */
  cover(table: string): void;
  explained: ReadonlySet<string>;
  covered: ReadonlySet<string>;
  /** Tables a finding of this migration (this statement or an earlier one) already names. */
  named: ReadonlySet<string>;
  /** First table the SQL says this statement locks exclusively (when nothing was measured). */
  exclusiveByParse?: string;
  /** Relations the migration has created so far (exempt from the rules about live tables). */
  created: ReadonlySet<string>;
}
