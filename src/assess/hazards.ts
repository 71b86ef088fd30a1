import type { MigrationObservation, RelationLock, StatementObservation } from '../inspect/locks.js';
import type { HazardConfig } from './config.js';
import { parseSql, relLabel, type ParsedSql, type RelName } from './sql.js';
import type { Finding, Severity } from './types.js';

/**
 * Hazard rules: what a new migration would do to a live production table. Each rule prefers what
 * the replay measured (locks, rewrites, scans: see inspect/locks.ts) and falls back to what the SQL
 * says (PostgreSQL's parser) where nothing was measured. Tables created by the same migration are
 * exempt: nobody uses them yet. The rule table is documented in docs/hazards.md.
 */

export interface HazardRule {
  severity: Severity;
  /** One line: what it means. */
  summary: string;
  /** One line: the safe alternative. */
  fix: string;
}

export const HAZARD_RULES = {
  'non-concurrent-index': {
    severity: 'warning',
    summary:
      'CREATE INDEX or DROP INDEX without CONCURRENTLY on an existing table blocks its writes (DROP: reads too) for the whole operation.',
    fix: 'Use CREATE/DROP INDEX CONCURRENTLY (addIndex/removeIndex with { concurrently: true }) in a migration that does not open a transaction.',
  },
  'table-rewrite': {
    severity: 'warning',
    summary:
      'The statement replaced the table’s data file (relfilenode changed): every row is copied under AccessExclusiveLock.',
    fix: 'Find a rewrite-free form (see the other rules), or add a new column, backfill it in batches and switch over.',
  },
  'access-exclusive-lock': {
    severity: 'info',
    summary:
      'The statement took AccessExclusiveLock on an existing table: no reads or writes until its transaction ends.',
    fix: 'Keep the transaction short, set lock_timeout, and keep slow work (backfills, validation) out of it.',
  },
  'add-column-volatile-default': {
    severity: 'warning',
    summary:
      'ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial) rewrites the table.',
    fix: 'Add the column without a default (or with a constant one), then SET DEFAULT and backfill existing rows in batches.',
  },
  'set-not-null-scan': {
    severity: 'warning',
    summary: 'SET NOT NULL read the whole table under AccessExclusiveLock to check for NULLs.',
    fix: 'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (separate step); then SET NOT NULL (no scan) and DROP CONSTRAINT c.',
  },
  'fk-without-not-valid': {
    severity: 'warning',
    summary: 'Adding a validated FOREIGN KEY checks every row while blocking writes to both tables.',
    fix: 'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step (ShareUpdateExclusiveLock only).',
  },
  'check-without-not-valid': {
    severity: 'warning',
    summary: 'Adding a validated CHECK constraint reads every row under AccessExclusiveLock.',
    fix: 'ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step.',
  },
  'unique-constraint-lock': {
    severity: 'warning',
    summary:
      'ADD CONSTRAINT UNIQUE / PRIMARY KEY builds its index under AccessExclusiveLock: no reads or writes meanwhile.',
    fix: 'CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name.',
  },
  'column-type-change': {
    severity: 'warning',
    summary:
      'Changing a column’s type rewrote the table (and rebuilt its indexes) under AccessExclusiveLock.',
    fix: 'Add a column of the new type, backfill in batches, switch the application, drop the old one; binary-compatible changes (varchar(n) to text or a larger n) need no rewrite.',
  },
  'drop-column': {
    severity: 'error',
    summary:
      'Dropping a column loses its data, and the application version still running selects it until the deploy ends.',
    fix: 'First release code that no longer uses the column (remove it from the model), then drop it in a later migration.',
  },
  'drop-table': {
    severity: 'error',
    summary:
      'Dropping a table loses its data, and the application version still running uses it until the deploy ends.',
    fix: 'First release code that no longer uses the table, back it up if needed, then drop it in a later migration.',
  },
  'rename-column': {
    severity: 'warning',
    summary:
      'Renaming a column breaks the application version still running during the deploy (it uses the old name).',
    fix: 'Expand and contract: add the new column, write both, backfill, switch reads, then drop the old column later.',
  },
  'rename-table': {
    severity: 'warning',
    summary:
      'Renaming a table breaks the application version still running during the deploy (it uses the old name).',
    fix: 'Rename, then create a view with the old name for the deploy window (or copy and switch over), and drop it later.',
  },
  'enum-value-in-transaction': {
    severity: 'error',
    summary:
      'ALTER TYPE ... ADD VALUE inside a transaction block (refused before PostgreSQL 12), or the new value used in the transaction that added it (refused on every version).',
    fix: 'Add the enum value in its own migration without a transaction, and use it in a later one.',
  },
  'missing-lock-timeout': {
    severity: 'warning',
    summary:
      'The migration takes AccessExclusiveLock on an existing table without setting lock_timeout first: while it waits behind a long query, every other query on the table queues behind it.',
    fix: "SET lock_timeout = '5s' (SET LOCAL inside the migration's transaction) before the first such statement, and retry on timeout.",
  },
} as const satisfies Record<string, HazardRule>;

export type HazardRuleName = keyof typeof HAZARD_RULES;

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
}

/** Functions whose value changes per row: a default calling one forces a table rewrite (when nothing was measured). */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
]);

function truncate(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`;
}

function blocksText(lock: RelationLock): string {
  return lock.blocks.length ? `blocks ${lock.blocks.join(' and ')}` : 'blocks neither reads nor writes';
}

function lockText(lock: RelationLock): string {
  const until =
    lock.releasedBy !== undefined ? ` until the migration's COMMIT (statement ${lock.releasedBy + 1})` : '';
  return `${lock.mode} on ${lock.relation} (${blocksText(lock)}), held ${formatMs(lock.ms)}${until} in the replay`;
}

/**
 * The hazard findings of one migration. Pure; needs `loadSqlParser()` (from sql.ts) to have run once.
 * Rules set to `off` in `config` are skipped and severities follow it (`applyConfig` does the rest).
 */
export function hazardFindings(
  input: HazardInput,
  config: HazardConfig = { failOn: 'error', rules: {} },
): Finding[] {
  const out: Finding[] = [];
  const obsByIndex = new Map<number, StatementObservation>();
  for (const o of input.observation?.statements ?? []) obsByIndex.set(o.index, o);
  const before = input.observation?.before;
  const created = new Set(input.createdInMigration ?? []);

  const isCreated = (rel: RelName): boolean =>
    created.has(relLabel(rel)) || (!rel.schema && created.has(`public.${rel.name}`));
  /** The relation existed before the migration (measured when there is a replay, else: not created by it). */
  const existing = (rel: RelName, kind?: RelationLock['kind']) => {
    if (!before) return isCreated(rel) ? undefined : { name: relLabel(rel) };
    const candidates = before.filter(
      (r) => r.relname === rel.name && (!rel.schema || r.schema === rel.schema) && (!kind || r.kind === kind),
    );
    return candidates.find((r) => r.schema === 'public') ?? candidates[0];
  };
  const emit = (rule: HazardRuleName, index: number, line: number | undefined, message: string): void => {
    const setting = config.rules[rule];
    if (setting === 'off') return;
    out.push({
      rule,
      severity: setting ?? HAZARD_RULES[rule].severity,
      migration: input.migration,
      file: input.file,
      ...(line !== undefined ? { line } : {}),
      message: `${message} (statement ${index + 1}: ${truncate(input.statements[index]!.sql)})`,
      fix: HAZARD_RULES[rule].fix,
    });
  };

  let inTransaction = false;
  let sessionTimeout = false;
  let localTimeout = false;
  let lockTimeoutMissing: { index: number; line?: number; what: string } | undefined;
  let enumAdds: { type: string; value: string; index: number; reported: boolean }[] = [];

  for (const [index, statement] of input.statements.entries()) {
    const parsed: ParsedSql = parseSql(statement.sql);
    const o = obsByIndex.get(index);
    const observed = o && o.sql === statement.sql ? o : undefined;
    /** Locks and scans were read for this statement. */
    const measured =
      observed && !observed.error && observed.inTransaction && !observed.control ? observed : undefined;
    /** Rewrites were read (also for statements that ran outside a transaction). */
    const rewritesMeasured = observed && !observed.error && !observed.control ? observed : undefined;
    const line = statement.line;
    /** Tables a finding of this statement already speaks of (no separate access-exclusive-lock for them). */
    const covered = new Set<string>();
    const at = (rule: HazardRuleName, message: string, ...tables: string[]): void => {
      for (const t of tables) covered.add(t);
      emit(rule, index, line, message);
    };

    const tableRewritten = (rel: RelName): string | undefined => {
      const r = existing(rel, 'table');
      return r && rewritesMeasured?.rewrites.includes(r.name) ? r.name : undefined;
    };
    const scanned = (rel: RelName): boolean => {
      const r = existing(rel, 'table');
      return Boolean(r && measured?.scans.includes(r.name));
    };
    const lockOn = (rel: RelName): RelationLock | undefined => {
      const r = existing(rel, 'table');
      return r ? measured?.locks.find((l) => l.relation === r.name) : undefined;
    };
    const lockNote = (rel: RelName): string => {
      const l = lockOn(rel);
      return l ? `; it took ${lockText(l)}` : '';
    };
    const indexesRewritten = (rewritesMeasured?.rewrites ?? []).filter(
      (n) => before?.find((r) => r.name === n)?.kind === 'index',
    ).length;
    const rewriteText = (table: string): string => {
      const n = indexesRewritten;
      return `rewrote ${table}${n ? ` and rebuilt ${n} index${n > 1 ? 'es' : ''}` : ''} (relfilenode changed)`;
    };

    const explained = new Set<string>();
    let exclusiveByParse: string | undefined;

    for (const action of parsed.actions) {
      switch (action.kind) {
        case 'create-table':
          // Without a replay, tables the migration creates are known from its SQL.
          created.add(relLabel(action.table));
          break;
        case 'transaction':
          if (action.what === 'begin') inTransaction = true;
          if (action.what === 'commit' || action.what === 'rollback') {
            inTransaction = false;
            localTimeout = false;
            enumAdds = [];
          }
          break;
        case 'lock-timeout':
          if (action.local) localTimeout = inTransaction && action.set;
          else sessionTimeout = action.set;
          break;
        case 'create-index': {
          if (action.index)
            created.add(action.table.schema ? `${action.table.schema}.${action.index}` : action.index);
          const t = existing(action.table, 'table');
          if (t && !action.concurrent) {
            at(
              'non-concurrent-index',
              `CREATE ${action.unique ? 'UNIQUE ' : ''}INDEX${action.index ? ` ${action.index}` : ''} on ${t.name} without CONCURRENTLY${lockNote(action.table)}; writes to the table wait for the whole index build`,
              t.name,
            );
          }
          break;
        }
        case 'drop-index': {
          if (action.concurrent) break;
          const idx = action.indexes.map((i) => existing(i, 'index')).filter((i) => i !== undefined);
          if (!idx.length) break;
          const tableLocks = (measured?.locks ?? []).filter(
            (l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock',
          );
          exclusiveByParse ??= idx[0]!.name;
          at(
            'non-concurrent-index',
            `DROP INDEX ${idx.map((i) => i.name).join(', ')} without CONCURRENTLY` +
              (tableLocks.length
                ? `; it took ${tableLocks.map(lockText).join('; ')}`
                : '; it locks the table'),
            ...tableLocks.map((l) => l.relation),
          );
          break;
        }
        case 'add-column': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          if (!action.default) break;
          const rewritten = tableRewritten(action.table);
          const volatile =
            rewritesMeasured !== undefined
              ? rewritten !== undefined
              : input.postgresMajor < 11 || action.default.functions.some((f) => VOLATILE_FUNCTIONS.has(f));
          if (volatile) {
            explained.add(t.name);
            at(
              'add-column-volatile-default',
              `ADD COLUMN ${action.column} with a default ` +
                (rewritten
                  ? `${rewriteText(rewritten)}${lockNote(action.table)}`
                  : `that is evaluated per row rewrites ${t.name} on PostgreSQL ${input.postgresMajor}`),
              t.name,
            );
          }
          break;
        }
        case 'set-not-null': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          if (measured && !scanned(action.table)) break;
          at(
            'set-not-null-scan',
            `SET NOT NULL on ${t.name}.${action.column} ` +
              (measured
                ? `read the whole table (sequential scan measured)${lockNote(action.table)}`
                : 'reads the whole table to check for NULLs'),
            t.name,
          );
          break;
        }
        case 'add-check': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          if (!action.validated) break;
          at(
            'check-without-not-valid',
            `CHECK constraint ${action.name ?? ''} on ${t.name} added without NOT VALID` +
              (scanned(action.table)
                ? ': every row was read (sequential scan measured)'
                : ': every row is read') +
              lockNote(action.table),
            t.name,
          );
          break;
        }
        case 'add-foreign-key': {
          const t = existing(action.table, 'table');
          if (!t || !action.validated) break;
          const ref = existing(action.references, 'table');
          const locks = (measured?.locks ?? []).filter((l) => l.kind === 'table');
          at(
            'fk-without-not-valid',
            `FOREIGN KEY ${action.name ?? ''} from ${t.name} to ${ref?.name ?? relLabel(action.references)} added without NOT VALID` +
              (scanned(action.table)
                ? ': every row was checked (sequential scan measured)'
                : ': every row is checked') +
              (locks.length ? `; it took ${locks.map(lockText).join('; ')}` : ''),
            ...locks.map((l) => l.relation),
          );
          break;
        }
        case 'add-unique': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          if (action.usingIndex) break;
          at(
            'unique-constraint-lock',
            `ADD CONSTRAINT ${action.name ?? ''} ${action.primaryKey ? 'PRIMARY KEY' : 'UNIQUE'} on ${t.name} builds its index while the table is locked${lockNote(action.table)}`,
            t.name,
          );
          break;
        }
        case 'alter-column-type': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          const rewritten = tableRewritten(action.table);
          if (rewritesMeasured && !rewritten) break;
          explained.add(t.name);
          at(
            'column-type-change',
            `changing ${t.name}.${action.column} to ${action.type} ` +
              (rewritten
                ? `${rewriteText(rewritten)}${lockNote(action.table)}`
                : 'rewrites the table unless the types are binary compatible'),
            t.name,
          );
          break;
        }
        case 'drop-column': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          at('drop-column', `drops column ${t.name}.${action.column} and its data`, t.name);
          break;
        }
        case 'drop-table': {
          const tables = action.tables.map((r) => existing(r, 'table')).filter((r) => r !== undefined);
          if (tables.length) {
            exclusiveByParse ??= tables[0]!.name;
            at(
              'drop-table',
              `drops ${tables.map((r) => r.name).join(', ')} and ${tables.length > 1 ? 'their' : 'its'} data`,
              ...tables.map((r) => r.name),
            );
          }
          break;
        }
        case 'rename-column': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          at('rename-column', `renames ${t.name}.${action.from} to ${action.to}`, t.name);
          break;
        }
        case 'rename-table': {
          const t = existing(action.table, 'table');
          if (!t) break;
          exclusiveByParse ??= t.name;
          at('rename-table', `renames ${t.name} to ${action.to}`, t.name);
          break;
        }
        case 'truncate':
          for (const r of action.tables) {
            const t = existing(r, 'table');
            if (t) {
              explained.add(t.name);
              exclusiveByParse ??= t.name;
            }
          }
          break;
        case 'add-enum-value':
          if (inTransaction && input.postgresMajor < 12) {
            at(
              'enum-value-in-transaction',
              `ALTER TYPE ${action.type} ADD VALUE '${action.value}' runs inside a transaction block, which PostgreSQL ${input.postgresMajor} refuses`,
            );
          }
          if (inTransaction)
            enumAdds.push({ type: action.type, value: action.value, index, reported: false });
          break;
      }
    }

    // A later statement in the transaction that added an enum value uses it.
    const unsafe = observed?.code === '55P04';
    for (const add of enumAdds) {
      if (add.index === index || add.reported) continue;
      const uses = unsafe || (!observed && parsed.literals.includes(add.value));
      if (!uses) continue;
      add.reported = true;
      at(
        'enum-value-in-transaction',
        `uses the enum value '${add.value}' in the transaction that added it (statement ${add.index + 1})` +
          (unsafe ? `; PostgreSQL refused it: ${observed!.error}` : ''),
      );
    }

    // Measured: rewrites no other rule explains, and AccessExclusiveLocks on existing tables.
    for (const name of rewritesMeasured?.rewrites ?? []) {
      const rel = before?.find((r) => r.name === name);
      if (rel?.kind !== 'table' || explained.has(name)) continue;
      const l = measured?.locks.find((x) => x.relation === name);
      at('table-rewrite', `${rewriteText(name)}${l ? `; it took ${lockText(l)}` : ''}`, name);
    }
    const exclusive = (measured?.locks ?? []).filter(
      (l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock' && !covered.has(l.relation),
    );
    if (exclusive.length) at('access-exclusive-lock', `took ${exclusive.map(lockText).join('; ')}`);

    const takesExclusive = measured
      ? (measured.locks.find((l) => l.kind === 'table' && l.mode === 'AccessExclusiveLock')?.relation ??
        undefined)
      : exclusiveByParse;
    if (takesExclusive && !lockTimeoutMissing && !sessionTimeout && !localTimeout) {
      lockTimeoutMissing = { index, ...(line !== undefined ? { line } : {}), what: takesExclusive };
    }
  }

  if (lockTimeoutMissing) {
    const m = lockTimeoutMissing;
    emit(
      'missing-lock-timeout',
      m.index,
      m.line,
      `takes AccessExclusiveLock on ${m.what} without setting lock_timeout first`,
    );
  }
  return out;
}
