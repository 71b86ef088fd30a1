import type { CheckReport, MigrationReport, StepReport } from '../assess/types.js';
import { changeLine, duration, shortSha, shownMigrations, verdictLine } from './format.js';

/** Escapes text for a Markdown table cell or line: no HTML, no pipes, no emphasis tricks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/([\\`*_[\]#~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fence(body: string, lang = ''): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${body.replace(/<!--/g, '<\u200b!--')}\n${f}`;
}

function cell(s: StepReport | null): string {
  if (!s) return '–';
  return s.ok ? `✅ ${duration(s.ms)}` : '❌';
}

function row(m: MigrationReport, findings: number): string {
  const rev = m.reversible === null ? '–' : m.reversible ? '✅' : '❌';
  const name = `\`${m.name.replace(/`/g, "'")}\``;
  if (m.change !== 'added') return `| ${name} | ${m.change} | – | – | – | ${findings} |`;
  return `| ${name} | ${cell(m.up)} | ${cell(m.down)} | ${cell(m.reup)} | ${rev} | ${findings} |`;
}

/** The PR comment / job summary body. */
export function renderMarkdown(report: CheckReport): string {
  const icon = report.ok ? (report.summary.warnings ? '⚠️' : '✅') : '❌';
  const range = report.base
    ? `base \`${shortSha(report.base.sha)}\` → head \`${shortSha(report.head.sha)}\``
    : 'full audit';
  const out: string[] = [];
  out.push(`### ${icon} Schemabot: ${verdictLine(report)}`);
  out.push('');
  out.push(
    `PostgreSQL ${escapeMarkdown(report.postgres.version)} (${report.postgres.provider}) · ${range} · \`${escapeMarkdown(report.migrationsPath)}\``,
  );
  const shown = shownMigrations(report);
  if (shown.length) {
    out.push('', '| Migration | up | down | re-up | reversible | findings |', '|---|---|---|---|---|---|');
    for (const m of shown) out.push(row(m, report.findings.filter((f) => f.migration === m.name).length));
  } else {
    out.push('', 'No new or changed migrations.');
  }
  if (report.changes.length) {
    out.push('', '#### Schema changes', '', fence(report.changes.map(changeLine).join('\n'), 'diff'));
  }
  if (report.findings.length) {
    out.push('', '#### Findings', '');
    for (const f of report.findings) {
      const sev = f.severity === 'error' ? '❌' : f.severity === 'warning' ? '⚠️' : 'ℹ️';
      const loc = f.file ? ` in \`${escapeMarkdown(f.file)}${f.line ? `:${f.line}` : ''}\`` : '';
      out.push(
        `- ${sev} **${escapeMarkdown(f.rule)}**${loc}: ${escapeMarkdown(f.message)}${f.fix ? ` _Fix:_ ${escapeMarkdown(f.fix)}` : ''}`,
      );
    }
  }
  const withSql = shown.filter((m) => m.up?.statements.length || m.down?.statements.length);
  for (const m of withSql) {
    const sql = [
      `-- up (${m.up ? duration(m.up.ms) : '–'})`,
      ...(m.up?.statements.map((s) => s.sql.trim().replace(/;?$/, ';')) ?? []),
      `-- down (${m.down ? duration(m.down.ms) : '–'})`,
      ...(m.down?.statements.map((s) => s.sql.trim().replace(/;?$/, ';')) ?? []),
    ].join('\n');
    out.push(
      '',
      `<details><summary>SQL of ${escapeMarkdown(m.name)}</summary>`,
      '',
      fence(sql, 'sql'),
      '',
      '</details>',
    );
  }
  return out.join('\n') + '\n';
}
