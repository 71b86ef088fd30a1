import type { Finding, MigrationReport, StepReport } from '../report/contract/check.js';

/**
 * `unawaited-work`: a migration whose function resolved while its work was still running (a query
 * or `sequelize.transaction(...)` neither awaited nor returned). Schemabot waits for that work before
 * it judges the step, so the verdicts hold; but sequelize-cli records the migration as done while the
 * work may still fail, and in production the next migration starts on top of it.
 */
export function unawaitedFindings(m: MigrationReport): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const steps: [string, StepReport | null][] = [
    ['up', m.up],
    ['down', m.down],
    ['up', m.reup],
  ];
  for (const [direction, step] of steps) {
    const late = step?.unawaited;
    if (!late || seen.has(direction)) continue;
    seen.add(direction);
    const sql = late.sql.length > 160 ? `${late.sql.slice(0, 157)}...` : late.sql;
    findings.push({
      rule: 'unawaited-work',
      severity: 'error',
      migration: m.name,
      file: m.file,
      ...(late.line ? { line: late.line } : {}),
      message:
        `${direction} returned before its work was done: \`${sql}\` ran after the migration's function had ` +
        'resolved. sequelize-cli would record the migration as applied while that work still runs (and may fail).',
      fix:
        'Await (or return) every query and every `queryInterface.sequelize.transaction(...)` in the migration, ' +
        'e.g. `await queryInterface.sequelize.transaction(async (t) => { ... })`.',
    });
  }
  return findings;
}
