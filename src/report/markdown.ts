import type { CheckReport, Finding, MigrationReport, StepReport } from '../assess/types.js';
import { duration, impactParts, shortSha, shownMigrations, verdictLine } from './format.js';
import { erDiagram } from './mermaid.js';
import { schemaDiffLines } from './schema-diff.js';

/**
 * Escapes text for Markdown and for the HTML GitHub allows in it (table cells, `<summary>`, list items):
 * every character Markdown or HTML could read as syntax becomes a numeric character reference, which both
 * render as the plain character. Pipes cannot split a table cell, `<!--` cannot hide the rest of a comment,
 * backticks cannot open code, and line breaks become spaces. Identifiers go inside `<code>` (see `code`),
 * where GitHub links no `@mention` or `#1`.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/[&<>`*[\]\\|#@~!$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Inline code for identifiers and paths, safe anywhere (also inside table cells and HTML). */
export function code(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** A fenced block whose fence is longer than any backtick run inside it. */
export function fence(body: string, lang = ''): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${body.replace(/<!--/g, '<\u200b!--')}\n${f}`;
}

/** One part of the comment; `fitComment` drops the lowest priorities first when the comment is too long. */
export interface MarkdownSection {
  /** What the section is (for tests and for the note that says what was left out). */
  id: 'verdict' | 'migrations' | 'impact' | 'changes' | 'models' | 'diagram' | 'findings' | 'errors' | 'sql';
  text: string;
  priority: number;
}

export interface MarkdownOptions {
  /**
   * How much to include: `full`; `no-sql` without the executed SQL; `compact` also without the per-object
   * detail of the schema diff and the diagram (one line per table and object).
   */
  detail?: 'full' | 'no-sql' | 'compact';
}

export const SECTION_PRIORITY = {
  verdict: 100,
  findings: 95,
  migrations: 90,
  errors: 80,
  impact: 70,
  changes: 50,
  models: 40,
  diagram: 30,
  sql: 10,
} as const;

const ICON = { error: '❌', warning: '⚠️', info: 'ℹ️' } as const;

/** Whether the report has anything to say about this pull request (new, edited or deleted migrations). */
export function hasMigrationChanges(report: CheckReport): boolean {
  return shownMigrations(report).length > 0 || report.findings.length > 0 || report.changes.length > 0;
}

function verdictIcon(report: CheckReport): string {
  return !report.ok ? '❌' : report.summary.warnings ? '⚠️' : '✅';
}

function range(report: CheckReport): string {
  return report.base
    ? `${code(shortSha(report.base.sha))} → ${code(shortSha(report.head.sha))}`
    : `full audit at ${code(shortSha(report.head.sha))}`;
}

function verdict(report: CheckReport): string {
  const meta = [
    `Migrations folder ${code(report.migrationsPath)}`,
    `${escapeMarkdown(report.postgres.provider)} server`,
    report.baseReplay.migrations
      ? `${report.baseReplay.migrations} base migration${report.baseReplay.migrations === 1 ? '' : 's'} replayed in ${duration(report.baseReplay.ms)}`
      : 'no base migrations to replay',
    `took ${duration(report.durationMs)}`,
  ];
  return [
    `### ${verdictIcon(report)} Schemabot: ${verdictLine(report)} · PostgreSQL ${escapeMarkdown(report.postgres.version)} · ${range(report)}`,
    '',
    meta.join(' · '),
  ].join('\n');
}

function stepCell(s: StepReport | null): string {
  if (!s) return '–';
  return `${s.ok ? '✅' : '❌'} ${duration(s.ms)}`;
}

function migrationRow(m: MigrationReport, findings: number): string {
  const name = code(m.name);
  if (m.change !== 'added') return `| ${name} | ${m.change} | – | – | – | ${findings} |`;
  if (!m.up) return `| ${name} | ${escapeMarkdown(m.skipped ?? 'not run')} | – | – | – | ${findings} |`;
  const rev = m.reversible === null ? '–' : m.reversible ? '✅' : '❌';
  return `| ${name} | ${stepCell(m.up)} | ${stepCell(m.down)} | ${stepCell(m.reup)} | ${rev} | ${findings} |`;
}

function migrationsTable(report: CheckReport): string {
  const shown = shownMigrations(report);
  if (!shown.length) return 'No new, edited or deleted migrations.';
  return [
    '| Migration | up | down | re-up | reversible | findings |',
    '|---|---|---|---|---|---|',
    ...shown.map((m) => migrationRow(m, report.findings.filter((f) => f.migration === m.name).length)),
  ].join('\n');
}

function changesSection(report: CheckReport, perObject: boolean): string {
  if (!report.changes.length) return '';
  const n = report.changes.length;
  return [
    `#### Schema changes (${n})`,
    '',
    fence(schemaDiffLines(report.changes, { perObject }).join('\n'), 'diff'),
  ].join('\n');
}

/** The models compared with the head's migrations: agreement, the differences, or why it did not run. */
function modelsSection(report: CheckReport, perObject: boolean): string {
  const m = report.models;
  if (!m) return '';
  const head = `#### Models vs migrations (${code(m.source)})`;
  if (m.error) return [head, '', `⚠️ Not compared: ${escapeMarkdown(m.error)}`].join('\n');
  if (!m.changes.length)
    return [head, '', `✅ The ${m.tables} model tables match what the migrations create.`].join('\n');
  return [
    head,
    '',
    `⚠️ ${m.changes.length} difference${m.changes.length === 1 ? '' : 's'}: \`+\` only the models declare it, \`-\` only the migrations create it. ` +
      `${code('schemabot generate NAME')} drafts the migration.`,
    '',
    fence(schemaDiffLines(m.changes, { perObject }).join('\n'), 'diff'),
  ].join('\n');
}

function diagramSection(report: CheckReport): string {
  const diagram = erDiagram(report.changes);
  if (!diagram) return '';
  return ['#### Tables touched and their foreign keys', '', fence(diagram, 'mermaid')].join('\n');
}

function findingLine(f: Finding): string {
  const where = f.file
    ? ` · ${code(`${f.file}${f.line ? `:${f.line}` : ''}`)}`
    : f.migration
      ? ` · ${code(f.migration)}`
      : '';
  const fix = f.fix ? `<br>Fix: ${escapeMarkdown(f.fix)}` : '';
  if (f.suppressed) {
    return `- 🔕 ~~**${escapeMarkdown(f.rule)}**~~ (${f.severity}, suppressed: ${escapeMarkdown(f.suppressed.reason)})${where}: ${escapeMarkdown(f.message)}`;
  }
  return `- ${ICON[f.severity]} **${escapeMarkdown(f.rule)}** (${f.severity})${where}: ${escapeMarkdown(f.message)}${fix}`;
}

/** The findings, 25 to a section, so a very long list is shortened from its end rather than dropped. */
function findingsSections(report: CheckReport): string[] {
  const out: string[] = [];
  for (let i = 0; i < report.findings.length; i += 25) {
    const lines = report.findings.slice(i, i + 25).map(findingLine);
    out.push((i === 0 ? ['#### Findings', '', ...lines] : lines).join('\n'));
  }
  return out;
}

function quote(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => `> ${escapeMarkdown(l)}`)
    .join('\n');
}

function errorsSection(report: CheckReport): string {
  const blocks: string[] = [];
  for (const m of shownMigrations(report)) {
    for (const [label, step] of [
      ['up', m.up],
      ['down', m.down],
      ['re-up', m.reup],
    ] as const) {
      const e = step?.error;
      // An up that fails again after a failed down is the down's consequence, not news.
      if (!e || (label === 're-up' && m.down && !m.down.ok)) continue;
      const file = e.file ?? m.file;
      const lines = [
        `**${code(`${file}${e.line ? `:${e.line}` : ''}`)}** (${label})${e.code ? ', PostgreSQL said' : ''}:`,
        '',
        quote(e.message + (e.code ? ` (SQLSTATE ${e.code})` : '')),
      ];
      if (e.detail) lines.push('>', quote(`Detail: ${e.detail}`));
      if (e.hint) lines.push('>', quote(`Hint: ${e.hint}`));
      if (e.sql) lines.push('', 'Statement:', '', fence(e.sql.trim(), 'sql'));
      blocks.push(lines.join('\n'));
    }
  }
  if (!blocks.length) return '';
  return ['#### Errors', '', blocks.join('\n\n')].join('\n');
}

function statementsOf(step: StepReport | null): string[] {
  return (step?.statements ?? []).map((s) => s.sql.trim().replace(/;?$/, ';'));
}

function sqlSections(report: CheckReport): string[] {
  return shownMigrations(report)
    .filter((m) => m.up?.statements.length || m.down?.statements.length)
    .map((m) => {
      const sql = [
        `-- up (${m.up ? duration(m.up.ms) : 'not run'})`,
        ...statementsOf(m.up),
        '',
        `-- down (${m.down ? duration(m.down.ms) : 'not run'})`,
        ...statementsOf(m.down),
      ].join('\n');
      return [
        `<details><summary>SQL run by ${code(m.name)}</summary>`,
        '',
        fence(sql, 'sql'),
        '',
        '</details>',
      ].join('\n');
    });
}

/** Locks, rewrites and scans each migration's `up` caused on existing tables (measured). */
function impactSection(report: CheckReport): string {
  const lines = shownMigrations(report)
    .map((m) => [m, impactParts(m)] as const)
    .filter(([, parts]) => parts.length)
    .map(([m, parts]) => `- ${code(m.name)}: ${parts.map(escapeMarkdown).join(' · ')}`);
  return lines.length ? ['#### What it locks and rewrites', '', ...lines].join('\n') : '';
}

/** The comment / job summary as prioritised sections, in the order they appear. */
export function markdownSections(report: CheckReport, options: MarkdownOptions = {}): MarkdownSection[] {
  const detail = options.detail ?? 'full';
  const sections: MarkdownSection[] = [
    { id: 'verdict', text: verdict(report), priority: SECTION_PRIORITY.verdict },
    { id: 'migrations', text: migrationsTable(report), priority: SECTION_PRIORITY.migrations },
    { id: 'impact', text: impactSection(report), priority: SECTION_PRIORITY.impact },
    { id: 'changes', text: changesSection(report, detail !== 'compact'), priority: SECTION_PRIORITY.changes },
    { id: 'models', text: modelsSection(report, detail !== 'compact'), priority: SECTION_PRIORITY.models },
    ...(detail === 'compact'
      ? []
      : [{ id: 'diagram' as const, text: diagramSection(report), priority: SECTION_PRIORITY.diagram }]),
    ...findingsSections(report).map((text) => ({
      id: 'findings' as const,
      text,
      priority: SECTION_PRIORITY.findings,
    })),
    { id: 'errors', text: errorsSection(report), priority: SECTION_PRIORITY.errors },
  ];
  if (detail === 'full') {
    for (const text of sqlSections(report))
      sections.push({ id: 'sql', text, priority: SECTION_PRIORITY.sql });
  }
  return sections.filter((s) => s.text.length > 0);
}

/** The whole report as Markdown: the PR comment, the job summary and the CLI's `--markdown`. */
export function renderMarkdown(report: CheckReport, options: MarkdownOptions = {}): string {
  return (
    markdownSections(report, options)
      .map((s) => s.text)
      .join('\n\n') + '\n'
  );
}

/**
 * What the sticky comment says when the pull request (no longer) touches migrations: `previously` when
 * an earlier push did and the comment is being updated.
 */
export function renderNoMigrationChanges(report: CheckReport, options: { previously: boolean }): string {
  const what = options.previously
    ? `This pull request no longer adds, edits or deletes migrations in ${code(report.migrationsPath)} as of ${code(shortSha(report.head.sha))}; the earlier result in this comment no longer applies.`
    : `This pull request does not add, edit or delete migrations in ${code(report.migrationsPath)} (${range(report)}).`;
  return [
    `### ✅ Schemabot: no migration changes${options.previously ? ' any more' : ''}`,
    '',
    what,
    '',
  ].join('\n');
}
