import type { Change } from '../diff/index.js';
import type { Plan } from '../plan/index.js';
import { applyConfig, failingFindings, type HazardConfig, type SourceLookup } from './config.js';
import { downDropsDataFindings } from './down-drops-data.js';
import type {
  CheckReport,
  Finding,
  MigrationReport,
  ModelsSection,
  ReplayFailure,
  StepReport,
} from '../report/contract/check.js';
import { unawaitedFindings } from './unawaited.js';

export interface AssessInput {
  plan: Plan;
  migrations: MigrationReport[];
  changes: Change[];
  replayFailures: ReplayFailure[];
  baseReplay: CheckReport['baseReplay'];
  /** Findings from the hazard rules (locks, rewrites, data loss), per migration. */
  hazards: Finding[];
  /** Models vs the head's migrations, with its findings (`model-drift`, `models-not-loaded`). */
  models?: { section: ModelsSection; findings: Finding[] };
  /** `.schemabot.yml`: severities, disabled rules, fail-on. */
  config: HazardConfig;
  /** Migration file (as in findings) → its text, for `schemabot-ignore` comments (a `Map` will do). */
  sources: SourceLookup;
  postgres: { version: string; provider: string };
  migrationsPath: string;
  durationMs: number;
}

/** Postgres's "duplicate_object", raised when `up` recreates a type that `down` left behind. */
const DUPLICATE_OBJECT = '42710';

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

function describeError(step: StepReport): string {
  const e = step.error;
  if (!e) return 'failed';
  return firstLine(e.message) + (e.sql ? ` (statement: ${truncate(e.sql, 200)})` : '');
}

function truncate(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

function where(m: MigrationReport, step: StepReport | null): Pick<Finding, 'migration' | 'file' | 'line'> {
  return { migration: m.name, file: m.file, ...(step?.error?.line ? { line: step.error.line } : {}) };
}

/** Enum types present after `down` that were not there before `up`. */
function enumsLeftBehind(m: MigrationReport): string[] {
  return m.residue.filter((c) => c.kind === 'enum' && c.action === 'added').map((c) => c.name);
}

function migrationFindings(m: MigrationReport): Finding[] {
  const out: Finding[] = [];
  if (m.up && !m.up.ok) {
    out.push({
      rule: 'up-failed',
      severity: 'error',
      ...where(m, m.up),
      message: `up failed: ${describeError(m.up)}`,
      fix: 'Fix the failing statement; the database was left with whatever the migration did before it failed.',
    });
    return out;
  }
  if (!m.down) return out;
  const enums = enumsLeftBehind(m);
  if (!m.down.ok) {
    const missing = /no down/i.test(m.down.error?.message ?? '');
    out.push(
      missing
        ? {
            rule: 'missing-down',
            severity: 'error',
            ...where(m, null),
            message: 'has no down function, so it cannot be rolled back.',
            fix: 'Add a down that reverses up exactly (or throw a clear error in down if it truly cannot be undone).',
          }
        : {
            rule: 'down-failed',
            severity: 'error',
            ...where(m, m.down),
            message: `down failed: ${describeError(m.down)}`,
            fix: 'Fix down so that it runs on the schema up produced.',
          },
    );
  } else if (enums.length) {
    out.push({
      rule: 'enum-left-behind',
      severity: 'error',
      ...where(m, m.reup),
      message:
        `down left the enum type${enums.length > 1 ? 's' : ''} ${enums.join(', ')} behind` +
        (m.reup && !m.reup.ok ? `, so up failed again: ${describeError(m.reup)}` : '') +
        '.',
      fix: `In down, after dropping the table or column: DROP TYPE IF EXISTS ${enums.map(quoteEnumName).join(', ')};`,
    });
  }
  const otherResidue = m.residue.filter(
    (c) => !(c.kind === 'enum' && c.action === 'added' && enums.includes(c.name)),
  );
  if (m.down.ok && otherResidue.length) {
    out.push({
      rule: 'irreversible',
      severity: 'error',
      ...where(m, null),
      message: `down did not restore the schema: ${otherResidue.length} difference${otherResidue.length > 1 ? 's' : ''} (${otherResidue
        .slice(0, 5)
        .map(
          (c) =>
            `${c.kind} ${c.name} ${c.action === 'added' ? 'left behind' : c.action === 'removed' ? 'dropped' : c.action}`,
        )
        .join('; ')}${otherResidue.length > 5 ? '; …' : ''}).`,
      fix: 'Make down undo exactly what up did, no more and no less.',
    });
  }
  if (m.reup && !m.reup.ok && m.down.ok && !enums.length && !otherResidue.length) {
    const dup = m.reup.error?.code === DUPLICATE_OBJECT;
    out.push({
      rule: 'reup-failed',
      severity: 'error',
      ...where(m, m.reup),
      message: `up failed when run again after down: ${describeError(m.reup)}`,
      fix: dup
        ? 'down leaves an object behind that the schema snapshot does not show; drop it in down.'
        : 'Make up repeatable after down.',
    });
  }
  if (m.reupDiff?.length) {
    out.push({
      rule: 'reup-differs',
      severity: 'warning',
      ...where(m, null),
      message: `up produced a different schema the second time (${m.reupDiff.map((c) => `${c.kind} ${c.name}`).join(', ')}).`,
      fix: 'Make up deterministic (no generated names or time-dependent DDL).',
    });
  }
  return out;
}

function quoteEnumName(name: string): string {
  return name.includes('"')
    ? name
    : name
        .split('.')
        .map((p) => `"${p}"`)
        .join('.');
}

function replayFinding(f: ReplayFailure, file: string | undefined): Finding {
  return f.phase === 'base'
    ? {
        rule: 'base-migration-failed',
        severity: 'error',
        migration: f.name,
        ...(file ? { file } : {}),
        message: `the base branch's migration ${f.name} failed when replayed from an empty database: ${describeError(f.step)}. Nothing in this change could be checked.`,
        fix: 'Fix the base branch first: its migrations must run from an empty database.',
      }
    : {
        rule: 'replay-failed',
        severity: 'error',
        migration: f.name,
        ...(file ? { file } : {}),
        message: `${f.name} succeeded once but failed when replayed on a fresh database: ${describeError(f.step)}. Later migrations were not checked.`,
        fix: 'Make the migration deterministic: it must succeed every time it runs on the same schema.',
      };
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Turns the round trip's observations into findings and a verdict. Pure: no I/O. */
export function assess(input: AssessInput): CheckReport {
  const fileOf = new Map(input.plan.migrations.map((m) => [m.name, m.file]));
  const raw: Finding[] = [
    ...input.replayFailures.map((f) => replayFinding(f, fileOf.get(f.name))),
    ...input.plan.findings.map((f) => ({ ...f })),
    ...input.migrations.flatMap(migrationFindings),
    ...input.migrations.flatMap(unawaitedFindings),
    ...input.migrations.flatMap(downDropsDataFindings),
    ...input.hazards,
    ...(input.models?.findings ?? []),
  ];
  const findings: Finding[] = applyConfig(raw, input.config, input.sources);
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.migration ?? '').localeCompare(b.migration ?? ''),
  );
  const judged = input.migrations.filter((m) => m.up);
  const active = findings.filter((f) => !f.suppressed);
  const errors = active.filter((f) => f.severity === 'error').length;
  return {
    schemaVersion: 1,
    mode: 'check',
    ok: failingFindings(findings, input.config).length === 0,
    failOn: input.config.failOn,
    postgres: input.postgres,
    base: input.plan.base,
    head: input.plan.head,
    migrationsPath: input.migrationsPath,
    baseReplay: input.baseReplay,
    migrations: input.migrations,
    changes: input.changes,
    findings,
    ...(input.models ? { models: input.models.section } : {}),
    summary: {
      checked: judged.length,
      failed: judged.filter((m) => !m.up!.ok || (m.down && !m.down.ok) || (m.reup && !m.reup.ok)).length,
      irreversible: judged.filter((m) => m.reversible === false).length,
      changes: input.changes.length,
      errors,
      warnings: active.filter((f) => f.severity === 'warning').length,
    },
    durationMs: Math.round(input.durationMs),
  };
}
