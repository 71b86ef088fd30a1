import type { Change } from '../diff/index.js';
import type { CheckReport, MigrationReport } from './contract/check.js';

/** "12 ms", "1.4 s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : 'working tree';
}

/** Migrations the report judges (new ones and those with something to say). */
export function shownMigrations(report: CheckReport): MigrationReport[] {
  return report.migrations.filter((m) => m.change !== 'unchanged');
}

export function verdictLine(report: CheckReport): string {
  const s = report.summary;
  const parts = [
    `${s.checked} migration${s.checked === 1 ? '' : 's'} checked`,
    `${s.errors} error${s.errors === 1 ? '' : 's'}`,
    `${s.warnings} warning${s.warnings === 1 ? '' : 's'}`,
    `${s.changes} schema change${s.changes === 1 ? '' : 's'}`,
  ];
  return parts.join(' · ');
}

const SIGN: Record<string, string> = { added: '+', removed: '-', changed: '~', renamed: '>' };

/** One line per change, for diff blocks and terminals. */
export function changeLine(c: Change): string {
  const head = `${SIGN[c.action] ?? '~'} ${c.kind.replace('_', ' ')} ${c.action === 'renamed' && c.from ? `${c.from} → ${c.name}` : c.name}`;
  if (c.action === 'changed' && c.details) {
    const fields = Object.entries(c.details).map(([k, v]) => `${k}: ${fmt(v.from)} → ${fmt(v.to)}`);
    return `${head} (${fields.join(', ')})`;
  }
  const detail = c.action === 'added' ? describe(c.after) : c.action === 'removed' ? '' : '';
  return detail ? `${head} ${detail}` : head;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** A short description of a column-like object: `text NOT NULL DEFAULT 'x'`. */
function describe(v: unknown): string {
  if (!v || typeof v !== 'object') return '';
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return '';
  return [o.type, o.nullable === false ? 'NOT NULL' : '', o.default ? `DEFAULT ${String(o.default)}` : '']
    .filter(Boolean)
    .join(' ');
}

function lockMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`;
}

/**
 * What a migration's `up` did to relations that existed before it, as measured on the replay:
 * `🔒 AccessExclusiveLock on public.posts (3 ms, blocks reads and writes) · ♻️ rewrote public.posts
 * (rebuilt 3 indexes)`. Empty when nothing.
 */
export function impactParts(m: MigrationReport): string[] {
  const o = m.observation;
  if (!o) return [];
  const locks = new Map<string, { mode: string; ms: number; blocks: string[] }>();
  const rank = (mode: string) =>
    ['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock'].indexOf(mode);
  for (const s of o.statements) {
    for (const l of s.locks) {
      if (l.kind !== 'table' || !l.blocks.length) continue;
      const seen = locks.get(l.relation);
      const stronger =
        !seen || (rank(l.mode) !== -1 && (rank(seen.mode) === -1 || rank(l.mode) < rank(seen.mode)));
      locks.set(l.relation, {
        mode: stronger ? l.mode : seen!.mode,
        ms: (seen?.ms ?? 0) + l.ms,
        blocks: stronger ? l.blocks : seen!.blocks,
      });
    }
  }
  const parts = [...locks].map(
    ([rel, l]) => `🔒 ${l.mode} on ${rel} (${lockMs(l.ms)}, blocks ${l.blocks.join(' and ')})`,
  );
  const kind = new Map(o.before.map((r) => [r.name, r.kind]));
  const rewrites = [...new Set(o.statements.flatMap((s) => s.rewrites))];
  const tables = rewrites.filter((r) => kind.get(r) === 'table');
  const indexes = rewrites.filter((r) => kind.get(r) === 'index').length;
  if (tables.length) {
    parts.push(
      `♻️ rewrote ${tables.join(', ')}${indexes ? ` (rebuilt ${indexes} index${indexes === 1 ? '' : 'es'})` : ''}`,
    );
  } else if (indexes) {
    parts.push(`♻️ rebuilt ${indexes} index${indexes === 1 ? '' : 'es'}`);
  }
  const scans = [...new Set(o.statements.flatMap((s) => s.scans))].filter((t) => !tables.includes(t));
  if (scans.length) parts.push(`🔎 scanned ${scans.join(', ')} under lock`);
  return parts;
}

/** What fails a check: findings at this severity or above (`never`: nothing). */
export type FailOn = 'error' | 'warning' | 'info' | 'never';

/**
 * The `fail-on` in force: the report's (from `.schemabot.yml`), made stricter by the action's
 * `fail-on: warning` or switched off by its `fail-on: never`.
 */
export function effectiveFailOn(report: CheckReport, input?: FailOn): FailOn {
  const configured: FailOn = report.failOn ?? 'error';
  if (input === 'never') return 'never';
  if (input === 'warning' && (configured === 'error' || configured === 'never')) return 'warning';
  if (input === 'info') return 'info';
  return configured;
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** Whether a finding of `severity` (not suppressed) fails the check under `failOn`. */
export function fails(severity: keyof typeof SEVERITY_RANK, failOn: FailOn): boolean {
  return failOn !== 'never' && SEVERITY_RANK[severity] <= SEVERITY_RANK[failOn];
}

/** PostgreSQL's long type names as a migration writes them: `character varying(255)` → `varchar(255)`. */
export function readableType(type: string): string {
  return type
    .replace(/\bcharacter varying\b/g, 'varchar')
    .replace(/\btimestamp(\(\d+\))? with time zone\b/g, 'timestamptz$1')
    .replace(/\btimestamp(\(\d+\))? without time zone\b/g, 'timestamp$1')
    .replace(/\btime(\(\d+\))? with time zone\b/g, 'timetz$1')
    .replace(/\btime(\(\d+\))? without time zone\b/g, 'time$1')
    .replace(/\bcharacter\b(?! varying)/g, 'char')
    .replace(/\bint8\b/g, 'bigint')
    .replace(/\bint4\b/g, 'integer')
    .replace(/\bint2\b/g, 'smallint')
    .replace(/\bbool\b/g, 'boolean')
    .replace(/\bfloat8\b/g, 'double precision');
}
