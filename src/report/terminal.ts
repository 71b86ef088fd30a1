import type { CheckReport, MigrationReport, StepReport } from './contract/check.js';
import { changeLine, duration, impactParts, shortSha, shownMigrations, verdictLine } from './format.js';

export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const COLOUR: Style = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};
const id = (s: string) => s;
export const PLAIN: Style = { red: id, green: id, yellow: id, dim: id, bold: id };

function step(label: string, s: StepReport | null, st: Style): string {
  if (!s) return st.dim(`${label} –`);
  return s.ok ? `${label} ${duration(s.ms)}` : st.red(`${label} FAILED`);
}

function migrationLine(m: MigrationReport, st: Style): string {
  if (m.change !== 'added') return `  ${st.yellow('!')} ${m.name} ${st.dim(`(${m.change})`)}`;
  if (m.skipped) return `  ${st.dim('-')} ${m.name} ${st.dim(m.skipped)}`;
  const bad = !m.up?.ok || m.down?.ok === false || m.reup?.ok === false || m.reversible === false;
  const mark = bad ? st.red('✖') : st.green('✔');
  const rev = m.reversible === null ? '' : m.reversible ? ' · reversible' : st.red(' · NOT reversible');
  return `  ${mark} ${m.name}  ${st.dim([step('up', m.up, st), step('down', m.down, st), step('re-up', m.reup, st)].join(' · '))}${rev}`;
}

/** The report for a person at a terminal. */
export function renderTerminal(report: CheckReport, st: Style = PLAIN): string {
  const out: string[] = [];
  const range = report.base
    ? `base ${shortSha(report.base.sha)} → head ${shortSha(report.head.sha)}`
    : 'full audit (no base)';
  out.push(
    st.bold(
      `Schemabot check · PostgreSQL ${report.postgres.version} (${report.postgres.provider}) · ${range}`,
    ),
  );
  out.push('');
  const shown = shownMigrations(report);
  out.push(shown.length ? 'Migrations:' : 'No new or changed migrations.');
  for (const m of shown) {
    out.push(migrationLine(m, st));
    const impact = impactParts(m);
    if (impact.length) out.push(`      ${impact.join(' · ')}`);
  }
  if (report.changes.length) {
    out.push('', `Schema changes (${report.base ? 'base → head' : 'empty → head'}):`);
    for (const c of report.changes) {
      const line = '  ' + changeLine(c);
      out.push(
        c.action === 'added' ? st.green(line) : c.action === 'removed' ? st.red(line) : st.yellow(line),
      );
    }
  }
  if (report.models) {
    const m = report.models;
    out.push(
      '',
      m.error
        ? st.yellow(`Models (${m.source}): not compared: ${m.error}`)
        : m.changes.length
          ? st.yellow(
              `Models (${m.source}) vs migrations: ${m.changes.length} difference${m.changes.length === 1 ? '' : 's'} (+ only the models declare it, - only the migrations create it):`,
            )
          : `Models (${m.source}): the ${m.tables} model tables match the migrations.`,
    );
    for (const c of m.changes) out.push('  ' + changeLine(c));
  }
  if (report.findings.length) {
    out.push('', 'Findings:');
    // Each fix once: a rule that fires in many places says how to fix it the first time.
    const fixed = new Set<string>();
    for (const f of report.findings) {
      const sev =
        f.severity === 'error' ? st.red('error') : f.severity === 'warning' ? st.yellow('warning') : 'info';
      const loc = f.file ? st.dim(` ${f.file}${f.line ? `:${f.line}` : ''}`) : '';
      const quiet = f.suppressed ? st.dim(` (suppressed: ${f.suppressed.reason})`) : '';
      out.push(`  ${f.suppressed ? st.dim('suppressed') : sev} ${st.bold(f.rule)}${loc}${quiet}`);
      out.push(`    ${f.message}`);
      if (f.fix && !fixed.has(`${f.rule}\u0000${f.fix}`)) out.push(st.dim(`    fix: ${f.fix}`));
      if (f.fix) fixed.add(`${f.rule}\u0000${f.fix}`);
    }
  }
  out.push('');
  const verdict = report.ok ? st.green('✔ OK') : st.red('✖ FAILED');
  out.push(`${verdict} · ${verdictLine(report)} · ${duration(report.durationMs)}`);
  return out.join('\n') + '\n';
}
