import type { CheckReport, Finding, MigrationReport, StepReport } from './contract/check.js';
import {
  duration,
  effectiveFailOn,
  fails,
  impactParts,
  shortSha,
  shownMigrations,
  verdictLine,
  type FailOn,
} from './format.js';
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
  /**
   * `comment`: what a reviewer reads in the pull request (info findings folded, lock facts only in the
   * findings that name their table); `summary` (default): the job summary and `--markdown`, everything.
   */
  audience?: 'comment' | 'summary';
  /** The pull request's head commit (`pull_request.head.sha`), shown instead of the merge commit checked. */
  headSha?: string;
  /** `https://github.com/OWNER/REPO`: links the head commit and each finding's file and line. */
  repositoryUrl?: string;
  /**
   * Base URL of Schemabot's own repository files at the version that ran (`https://github.com/OWNER/
   * schemabot/blob/v1/`): a finding whose rule has a page (`docs`) links to it.
   */
  docsUrl?: string;
  /** The action's `fail-on` input, when it makes the check stricter than `.schemabot.yml` does. */
  failOn?: FailOn;
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

/**
 * Whether the pull request adds, edits or deletes migrations (what `comment: on-change` comments on).
 * Findings about anything else (the models, the configuration) go to the job summary only.
 */
export function hasMigrationChanges(report: CheckReport): boolean {
  return shownMigrations(report).length > 0 || report.changes.length > 0;
}

function failing(report: CheckReport, failOn: FailOn): Finding[] {
  return report.findings.filter((f) => !f.suppressed && fails(f.severity, failOn));
}

function verdictIcon(report: CheckReport, failOn: FailOn): string {
  if (!report.ok || failing(report, failOn).length) return '❌';
  return report.summary.warnings ? '⚠️' : '✅';
}

/** A commit: its short SHA, linked when the repository is known. */
function commit(sha: string | null, options: MarkdownOptions): string {
  const short = code(shortSha(sha));
  return sha && options.repositoryUrl && /^[0-9a-f]{7,40}$/.test(sha)
    ? `[${short}](${options.repositoryUrl}/commit/${sha})`
    : short;
}

function range(report: CheckReport, options: MarkdownOptions = {}): string {
  const head = commit(options.headSha ?? report.head.sha, options);
  return report.base ? `head ${head}` : `full audit at ${head}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One sentence: what fails this check under `fail-on`, and what here does or does not. */
export function failOnSentence(report: CheckReport, failOn: FailOn): string {
  const setting = `(\`fail-on: ${failOn}\`)`;
  const active = report.findings.filter((f) => !f.suppressed);
  const count = (sev: Finding['severity']) => active.filter((f) => f.severity === sev).length;
  const counted = (sevs: Finding['severity'][]) =>
    sevs
      .map((sev) => [sev, count(sev)] as const)
      .filter(([, n]) => n > 0)
      .map(([sev, n]) => plural(n, sev === 'info' ? 'info finding' : sev));
  const rule =
    failOn === 'never'
      ? 'Findings never fail this check'
      : failOn === 'error'
        ? 'Errors fail this check; warnings and info do not'
        : failOn === 'warning'
          ? 'Errors and warnings fail this check; info does not'
          : 'Every finding fails this check';
  const blocking =
    failOn === 'never'
      ? []
      : counted((['error', 'warning', 'info'] as const).filter((s) => fails(s, failOn)));
  const engine = !report.ok && !blocking.length ? ' A migration failed its round trip, which fails it.' : '';
  const now = blocking.length
    ? ` Here ${blocking.join(' and ')} ${blocking.length === 1 && /^1 /.test(blocking[0]!) ? 'fails' : 'fail'} it.`
    : engine || (active.length ? ' Nothing here fails it.' : '');
  return `${rule} ${setting}.${now}`;
}

/** How the base state was built: replayed, or restored from the base-state cache and the rest replayed. */
function baseLine(replay: CheckReport['baseReplay']): string {
  const replayed = `${replay.migrations} base migration${replay.migrations === 1 ? '' : 's'} replayed in ${duration(replay.ms)}`;
  if (replay.cache?.hit) {
    const total = replay.cache.restored + replay.migrations;
    return (
      `base state restored from cache (${replay.cache.restored} of ${total} migrations)` +
      (replay.migrations ? `, ${replayed.replace(' base', '')}` : '')
    );
  }
  return replay.migrations ? replayed : 'no base migrations to replay';
}

function verdict(report: CheckReport, options: MarkdownOptions = {}): string {
  const failOn = effectiveFailOn(report, options.failOn);
  const meta = [
    `Migrations folder ${code(report.migrationsPath)}`,
    `${escapeMarkdown(report.postgres.provider)} server`,
    baseLine(report.baseReplay),
    `took ${duration(report.durationMs)}`,
  ];
  return [
    `### ${verdictIcon(report, failOn)} Schemabot: ${verdictLine(report)} · PostgreSQL ${escapeMarkdown(report.postgres.version)} · ${range(report, options)}`,
    '',
    failOnSentence(report, failOn),
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

/** The diagram, folded: clients without Mermaid (e-mail, some apps) show one line instead of its code. */
function diagramSection(report: CheckReport): string {
  const diagram = erDiagram(report.changes);
  if (!diagram) return '';
  const tables = diagram.split('\n').filter((l) => /^ {2}"/.test(l) && !/ : "/.test(l)).length;
  return [
    `<details><summary>Diagram: ${tables === 1 ? '1 table that gains or loses' : `${tables} tables that gain or lose`} columns, keys or foreign keys</summary>`,
    '',
    fence(diagram, 'mermaid'),
    '',
    '</details>',
  ].join('\n');
}

/** The rule's name, linked to its page when it has one and the docs' address is known. */
function ruleLink(rule: string, docs: string | undefined, options: MarkdownOptions): string {
  const name = code(rule);
  return options.docsUrl && docs && /^docs\/rules\/[a-z0-9-]+\.md$/.test(docs)
    ? `[${name}](${options.docsUrl}${docs})`
    : name;
}

/** `file:line`, linked at the head commit when the repository is known. */
function fileLink(f: Finding, report: CheckReport, options: MarkdownOptions): string {
  if (!f.file) return f.migration ? code(f.migration) : '';
  const text = code(`${f.file}${f.line ? `:${f.line}` : ''}`);
  const sha = options.headSha ?? report.head.sha;
  if (!options.repositoryUrl || !sha || !/^[0-9a-f]{7,40}$/.test(sha)) return text;
  const path = f.file.split('/').map(encodeURIComponent).join('/');
  return `[${text}](${options.repositoryUrl}/blob/${sha}/${path}${f.line ? `#L${f.line}` : ''})`;
}

function findingLine(f: Finding, report: CheckReport, options: MarkdownOptions): string {
  const where = fileLink(f, report, options);
  const at = where ? ` · ${where}` : '';
  if (f.suppressed) {
    return `- 🔕 ~~${ruleLink(f.rule, f.docs, options)}~~ (suppressed: ${escapeMarkdown(f.suppressed.reason)})${at} · ${escapeMarkdown(f.message)}`;
  }
  return `- ${ICON[f.severity]} ${ruleLink(f.rule, f.docs, options)}${at} · ${escapeMarkdown(f.message)}`;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** Findings by migration (the worst first), errors first inside each; those of no migration last. */
function byMigration(findings: Finding[]): [string | null, Finding[]][] {
  const groups = new Map<string | null, Finding[]>();
  for (const f of findings) {
    const list = groups.get(f.migration ?? null);
    if (list) list.push(f);
    else groups.set(f.migration ?? null, [f]);
  }
  const worst = (list: Finding[]) =>
    Math.min(...list.filter((f) => !f.suppressed).map((f) => RANK[f.severity]), 3);
  const order = (f: Finding) => (f.suppressed ? 3 : RANK[f.severity]);
  return [...groups]
    .map(([m, list]) => [m, [...list].sort((a, b) => order(a) - order(b))] as [string | null, Finding[]])
    .sort(
      ([a, la], [b, lb]) =>
        Number(a === null) - Number(b === null) || worst(la) - worst(lb) || (a ?? '').localeCompare(b ?? ''),
    );
}

/**
 * The findings, grouped by migration, one line each (rule, file and line, what and where), each rule's
 * fix once at the end. In the comment, info findings are folded. Long lists become several sections so
 * that `fitComment` shortens them from the end rather than dropping them all.
 */
function findingsSections(report: CheckReport, options: MarkdownOptions): string[] {
  if (!report.findings.length) return [];
  const comment = options.audience === 'comment';
  const out: string[] = [];
  for (const [migration, list] of byMigration(report.findings)) {
    const shown = comment ? list.filter((f) => f.severity !== 'info' || f.suppressed) : list;
    const folded = comment ? list.filter((f) => f.severity === 'info' && !f.suppressed) : [];
    const title = migration ? `**${code(migration)}**` : '**Other findings**';
    const lines = shown.map((f) => findingLine(f, report, options));
    for (let i = 0; i < Math.max(lines.length, 1); i += 25) {
      const chunk = lines.slice(i, i + 25);
      out.push((i === 0 ? [title, '', ...chunk] : chunk).join('\n'));
    }
    if (folded.length) {
      out.push(
        [
          `<details><summary>ℹ️ ${plural(folded.length, 'info finding')}</summary>`,
          '',
          ...folded.map((f) => findingLine(f, report, options)),
          '',
          '</details>',
        ].join('\n'),
      );
    }
  }
  out[0] = `#### Findings\n\n${out[0]!}`;
  // Each fix once (a rule whose fix names the object, like enum-left-behind, has one per object).
  const fixes = new Map<string, Finding>();
  for (const f of report.findings)
    if (f.fix && !fixes.has(`${f.rule}\u0000${f.fix}`)) fixes.set(`${f.rule}\u0000${f.fix}`, f);
  if (fixes.size) {
    const rules = new Set([...fixes.values()].map((f) => f.rule)).size;
    out.push(
      [
        `<details><summary>How to fix (${plural(rules, 'rule')})</summary>`,
        '',
        ...[...fixes.values()].map(
          (f) => `- ${ruleLink(f.rule, f.docs, options)}: ${escapeMarkdown(f.fix!)}`,
        ),
        '',
        '</details>',
      ].join('\n'),
    );
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
  // In the comment, lock facts go with the findings that name their tables (see the hazard rules).
  const impact = options.audience === 'comment' ? '' : impactSection(report);
  const sections: MarkdownSection[] = [
    { id: 'verdict', text: verdict(report, options), priority: SECTION_PRIORITY.verdict },
    { id: 'migrations', text: migrationsTable(report), priority: SECTION_PRIORITY.migrations },
    { id: 'impact', text: impact, priority: SECTION_PRIORITY.impact },
    { id: 'changes', text: changesSection(report, detail !== 'compact'), priority: SECTION_PRIORITY.changes },
    { id: 'models', text: modelsSection(report, detail !== 'compact'), priority: SECTION_PRIORITY.models },
    ...(detail === 'compact'
      ? []
      : [{ id: 'diagram' as const, text: diagramSection(report), priority: SECTION_PRIORITY.diagram }]),
    ...findingsSections(report, options).map((text) => ({
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
