import { readFileSync } from 'node:fs';
import type { Plan } from '../plan/index.js';
import { loadSqlParser } from './sql.js';
import type { MigrationObservation, RelationLock, StatementObservation } from '../inspect/locks.js';
import type { HazardConfig, SourceLookup } from './config.js';
import { RULES } from './rules/index.js';
import type {
  Existing,
  MigrationContext,
  RuleMeta,
  StatementContext,
  TransactionState,
  Unit,
} from './rules/index.js';
import {
  loadedSqlParser,
  relLabel,
  type ParsedSql,
  type RelName,
  type SqlAction,
  type SqlParser,
} from './sql.js';
import type { Finding, MigrationReport } from '../report/contract/check.js';

/**
 * The hazard engine: what a new migration would do to a live production table. It walks the
 * migration's statements as PostgreSQL ran them (a query holding several is split with PostgreSQL's
 * parser), keeps the transaction and `lock_timeout` state and the tables the migration creates (exempt:
 * nobody uses them yet), and hands each statement to the rules in `rules/` (one file per rule). Rules
 * prefer what the replay measured (locks, rewrites, scans: see inspect/locks.ts) and fall back to what
 * the SQL says where nothing was measured. The rules are documented in docs/rules/.
 */

export type { HazardRule, RuleMeta } from './rules/index.js';

/** Every hazard rule by name: its metadata (severity, summary, fix, docs page). */
export const HAZARD_RULES: Readonly<Record<HazardRuleName, RuleMeta>> = Object.fromEntries(
  RULES.map(({ name, severity, optIn, summary, fix, docs }) => [
    name,
    { name, severity, ...(optIn ? { optIn } : {}), summary, fix, docs },
  ]),
) as Record<HazardRuleName, RuleMeta>;

export type HazardRuleName =
  | 'non-concurrent-index'
  | 'table-rewrite'
  | 'access-exclusive-lock'
  | 'add-column-volatile-default'
  | 'adding-required-field'
  | 'set-not-null-scan'
  | 'fk-without-not-valid'
  | 'check-without-not-valid'
  | 'unique-constraint-lock'
  | 'column-type-change'
  | 'drop-column'
  | 'drop-table'
  | 'rename-column'
  | 'rename-table'
  | 'truncate-table'
  | 'vacuum-full'
  | 'cluster'
  | 'backfill-in-ddl-transaction'
  | 'enum-value-in-transaction'
  | 'prefer-bigint-primary-key'
  | 'prefer-timestamptz'
  | 'ban-char-field'
  | 'missing-lock-timeout';

export interface HazardInput {
  /** As stored in SequelizeMeta. */
  migration: string;
  /** The migration's file, relative to the project. */
  file: string;
  /** The statements of the migration's `up`, in order (the same list the replay observed). */
  statements: { sql: string; line?: number }[];
  /** The replay of these statements on a copy of the pre-migration database; without it, only the SQL is read. */
  observation?: MigrationObservation;
  postgresMajor: number;
  /** Tables this migration creates (`name` or `schema.name`), besides those its SQL visibly creates. */
  createdInMigration?: string[];
  /** PostgreSQL's parser (`await loadSqlParser()`); default: the one already loaded. */
  parser?: SqlParser;
}

function truncate(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`;
}

function blocksText(lock: RelationLock): string {
  return lock.blocks.length ? `blocks ${lock.blocks.join(' and ')}` : 'blocks neither reads nor writes';
}

/** The table an action locks with AccessExclusiveLock, read from the SQL (when nothing was measured). */
function exclusiveTarget(action: SqlAction): RelName[] {
  switch (action.kind) {
    case 'add-column':
    case 'drop-default':
    case 'set-not-null':
    case 'add-check':
    case 'add-unique':
    case 'alter-column-type':
    case 'drop-column':
    case 'rename-column':
    case 'rename-table':
      return [action.table];
    case 'drop-table':
    case 'truncate':
    case 'vacuum-full':
      return action.tables;
    case 'cluster':
      return action.table ? [action.table] : [];
    case 'drop-index':
      return action.concurrent ? [] : action.indexes;
    default:
      return [];
  }
}

/**
 * The migration's statements as PostgreSQL ran them: the replay's own split when there is one (so
 * measurements match), else the parser's; numbered without Sequelize's catalog reads.
 */
function unitsOf(input: HazardInput, parser: SqlParser): { units: Unit[]; parsed: ParsedSql[] } {
  const byIndex = new Map<number, StatementObservation[]>();
  for (const o of input.observation?.statements ?? []) {
    const list = byIndex.get(o.index) ?? [];
    list.push(o);
    byIndex.set(o.index, list);
  }
  const units: Unit[] = [];
  const parsed: ParsedSql[] = [];
  let number = 0;
  for (const [index, statement] of input.statements.entries()) {
    const observed = byIndex.get(index) ?? [];
    let parts: string[];
    if (observed.some((o) => o.part !== undefined)) parts = observed.map((o) => o.sql);
    else if (observed.length) parts = [statement.sql];
    else {
      parts = parser.split(statement.sql);
      // A query that opens or ends a transaction itself stays whole (as the replay keeps it).
      if (
        parts.length > 1 &&
        parts.some((p) => parser.parse(p).actions.some((a) => a.kind === 'transaction'))
      )
        parts = [statement.sql];
    }
    for (const [part, sql] of parts.entries()) {
      const p = parser.parse(sql);
      const o = parts.length > 1 ? observed.find((x) => x.part === part) : observed[0];
      const unit: Unit = {
        index,
        ...(parts.length > 1 ? { part } : {}),
        sql,
        ...(statement.line !== undefined ? { line: statement.line } : {}),
        ...(p.catalog ? {} : { number: ++number }),
        ...(o && o.sql === (parts.length > 1 ? sql : statement.sql) ? { observed: o } : {}),
      };
      units.push(unit);
      parsed.push(p);
    }
  }
  return { units, parsed };
}

/**
 * The hazard findings of one migration. Pure. Rules set to `off` in `config` are skipped, design
 * rules (`optIn`) run only when `config` gives them a severity, and severities follow it.
 */
export function hazardFindings(
  input: HazardInput,
  config: HazardConfig = { failOn: 'error', rules: {} },
): Finding[] {
  const parser = input.parser ?? loadedSqlParser();
  const out: Finding[] = [];
  const seen = new Set<string>();
  /** Tables some finding of this migration names (an info finding does not repeat them). */
  const named = new Set<string>();
  const before = input.observation?.before;
  const created = new Set(input.createdInMigration ?? []);
  const { units, parsed: parsedUnits } = unitsOf(input, parser);
  const active = RULES.filter((r) => {
    const setting = config.rules[r.name];
    return setting !== 'off' && (!r.optIn || setting !== undefined);
  });
  const scratch = new Map<string, unknown>();
  const tx: TransactionState = {
    open: false,
    sessionTimeout: false,
    localTimeout: false,
    exclusive: new Map(),
  };

  const label = (unit: Unit): string =>
    unit.number !== undefined ? `statement ${unit.number}` : 'a catalog read';
  const unitOrder = new Map(units.map((u, i) => [u, i]));

  /** Text of a lock, with the statement that kept it long when a later one did. */
  const lockText = (lock: RelationLock, taker?: Unit): string => {
    let until = '';
    let longest = '';
    if (lock.releasedBy !== undefined) {
      const commit = units.find((u) => u.index === lock.releasedBy);
      until = ` until the migration's COMMIT${commit ? ` (${label(commit)})` : ''}`;
    }
    if (taker) {
      const from = unitOrder.get(taker)!;
      const later = units.filter(
        (u, i) =>
          i > from &&
          (lock.releasedBy !== undefined ? u.index <= lock.releasedBy : u.index === taker.index) &&
          u.observed &&
          !u.observed.control &&
          u.number !== undefined,
      );
      const slowest = later.reduce<Unit | undefined>(
        (a, u) => (!a || u.observed!.ms > a.observed!.ms ? u : a),
        undefined,
      );
      const own = taker.observed?.ms ?? 0;
      if (slowest && slowest.observed!.ms > own) {
        longest = `; most of it was ${label(slowest)} (${truncate(slowest.sql, 60)}, ${formatMs(slowest.observed!.ms)})`;
      }
    }
    return `${lock.mode} on ${lock.relation} (${blocksText(lock)}), held ${formatMs(lock.ms)}${until} in the replay${longest}`;
  };

  const report = (rule: RuleMeta, unit: Unit, message: string, tables: string[] = []): void => {
    const key = `${rule.name}\u0000${unitOrder.get(unit)}\u0000${[...tables].sort().join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const t of tables) named.add(t);
    const setting = config.rules[rule.name];
    out.push({
      rule: rule.name,
      severity: setting && setting !== 'off' ? setting : rule.severity,
      migration: input.migration,
      file: input.file,
      ...(unit.line !== undefined ? { line: unit.line } : {}),
      message: `${message} (${label(unit)}: ${truncate(unit.sql)})`,
      fix: rule.fix,
      docs: rule.docs,
    });
  };

  const base: MigrationContext = {
    migration: input.migration,
    file: input.file,
    postgresMajor: input.postgresMajor,
    ...(input.observation ? { observation: input.observation } : {}),
    parser,
    units,
    tx,
    state<T>(rule: RuleMeta, init: () => T): T {
      if (!scratch.has(rule.name)) scratch.set(rule.name, init());
      return scratch.get(rule.name) as T;
    },
    report,
    label,
    lockText,
  };

  const isCreated = (rel: RelName): boolean =>
    created.has(relLabel(rel)) || (!rel.schema && created.has(`public.${rel.name}`));
  const existing = (rel: RelName, kind?: RelationLock['kind']): Existing | undefined => {
    if (!before) return isCreated(rel) ? undefined : { name: relLabel(rel) };
    const candidates = before.filter(
      (r) => r.relname === rel.name && (!rel.schema || r.schema === rel.schema) && (!kind || r.kind === kind),
    );
    return candidates.find((r) => r.schema === 'public') ?? candidates[0];
  };

  let lastIndex = -1;
  for (const [i, unit] of units.entries()) {
    const parsed = parsedUnits[i]!;
    const observed = unit.observed;
    const measured =
      observed && !observed.error && observed.inTransaction && !observed.control ? observed : undefined;
    const rewritesMeasured = observed && !observed.error && !observed.control ? observed : undefined;
    // Outside a transaction the migration opened, each query is its own (implicit) transaction.
    if (!tx.open && unit.index !== lastIndex) tx.exclusive.clear();
    lastIndex = unit.index;

    const explained = new Set<string>();
    const covered = new Set<string>();
    let exclusiveByParse: string | undefined;
    for (const action of parsed.actions) {
      for (const rel of exclusiveTarget(action)) {
        const r = action.kind === 'drop-index' ? existing(rel, 'index') : existing(rel, 'table');
        if (r) exclusiveByParse ??= r.name;
      }
    }
    const tableRewritten = (rel: RelName): string | undefined => {
      const r = existing(rel, 'table');
      return r && rewritesMeasured?.rewrites.includes(r.name) ? r.name : undefined;
    };
    const indexesRewritten = (rewritesMeasured?.rewrites ?? []).filter(
      (n) => before?.find((r) => r.name === n)?.kind === 'index',
    ).length;
    const lockOn = (rel: RelName): RelationLock | undefined => {
      const r = existing(rel, 'table');
      return r ? measured?.locks.find((l) => l.relation === r.name) : undefined;
    };
    const ctx: StatementContext = {
      ...base,
      unit,
      parsed,
      ...(measured ? { measured } : {}),
      ...(rewritesMeasured ? { rewritesMeasured } : {}),
      existing,
      tableRewritten,
      scanned: (rel) => {
        const r = existing(rel, 'table');
        return Boolean(r && measured?.scans.includes(r.name));
      },
      lockOn,
      lockNote: (rel) => {
        const l = lockOn(rel);
        return l ? `; it took ${lockText(l, unit)}` : '';
      },
      rewriteText: (table) => {
        const n = indexesRewritten;
        return `rewrote ${table}${n ? ` and rebuilt ${n} index${n > 1 ? 'es' : ''}` : ''} (relfilenode changed)`;
      },
      at: (rule, message, ...tables) => {
        for (const t of tables) covered.add(t);
        report(rule, unit, message, tables);
      },
      explain: (table) => explained.add(table),
      cover: (table) => {
        covered.add(table);
        named.add(table);
      },
      named,
      explained,
      covered,
      ...(exclusiveByParse ? { exclusiveByParse } : {}),
      created,
    };

    for (const action of parsed.actions) {
      // The engine's own state first: what the statement creates, transactions, lock_timeout.
      if (action.kind === 'create-table') created.add(relLabel(action.table));
      if (action.kind === 'create-index' && action.index)
        created.add(action.table.schema ? `${action.table.schema}.${action.index}` : action.index);
      if (action.kind === 'transaction') {
        if (action.what === 'begin') tx.open = true;
        if (action.what === 'commit' || action.what === 'rollback') {
          tx.open = false;
          tx.localTimeout = false;
          tx.exclusive.clear();
        }
      }
      if (action.kind === 'lock-timeout') {
        if (action.local) tx.localTimeout = tx.open && action.set;
        else tx.sessionTimeout = action.set;
      }
      for (const rule of active) rule.onAction?.call(rule, action, ctx);
    }
    for (const rule of active) rule.onStatement?.call(rule, ctx);

    // What the transaction now holds exclusively (for the rules about later statements in it).
    const exclusiveNow = measured
      ? measured.locks
          .filter((l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock')
          .map((l) => l.relation)
      : parsed.actions.flatMap((a) =>
          exclusiveTarget(a)
            .filter(() => a.kind !== 'drop-index')
            .map((rel) => existing(rel, 'table')?.name)
            .filter((n): n is string => n !== undefined),
        );
    for (const name of exclusiveNow) if (!tx.exclusive.has(name)) tx.exclusive.set(name, unit);
  }
  for (const rule of active) rule.onEnd?.call(rule, base);
  return out;
}

/**
 * The hazard rules for a PR's new migrations, on the measured replay of each one's statements
 * against the schema it finds (the SQL alone where the replay could not run), and the migrations'
 * sources for their `schemabot-ignore` comments.
 */
export async function migrationHazards(
  plan: Plan,
  migrations: MigrationReport[],
  postgresMajor: number,
  config: HazardConfig,
): Promise<{ hazards: Finding[]; sources: SourceLookup }> {
  // The sources are read for their `schemabot-ignore` comments, which only count in a file that has a
  // finding: those of the migrations the change touches now (a deleted one is only on the base commit,
  // checked out on demand), an unchanged one (a base migration that failed to replay) when asked. At
  // 2,000 base migrations, reading every file took a third of a second.
  const text = new Map<string, string>();
  const unchanged = new Map<string, string>();
  for (const m of plan.migrations) {
    const file = m.head ?? m.base;
    if (!file) continue;
    if (m.change === 'unchanged') {
      unchanged.set(m.file, file.path);
      continue;
    }
    await file.materialize?.();
    text.set(m.file, readFileSync(file.path, 'utf8'));
  }
  const sources: SourceLookup = {
    get(file) {
      const path = unchanged.get(file);
      if (!text.has(file) && path) text.set(file, readFileSync(path, 'utf8'));
      return text.get(file);
    },
  };
  // A full audit starts from an empty database: there is no live table for a lock to block.
  if (!plan.base) return { hazards: [], sources };
  const judged = migrations.filter((m) => m.up?.ok && m.up.statements.length);
  if (!judged.length) return { hazards: [], sources };
  const parser = await loadSqlParser();
  const hazards = judged.flatMap((m) =>
    hazardFindings(
      {
        parser,
        migration: m.name,
        file: m.file,
        statements: m.up!.statements.map((s) => ({ sql: s.sql, line: s.line })),
        observation: m.observation,
        postgresMajor,
      },
      config,
    ),
  );
  return { hazards, sources };
}
