import { afterAll, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import type { CheckReport } from '../../src/report/contract/check.js';
import { commentMarker, withMarker } from '../../src/github/index.js';
import { runCheck } from '../../src/modes/check.js';
import { escapeMarkdown, renderMarkdown } from '../../src/report/markdown.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import { onSharedServer } from '../helpers/shared-server.js';

const golden = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

/** GitHub-flavoured Markdown to HTML, raw HTML kept (as GitHub keeps the tags it allows). */
function html(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
}

function tableRows(rendered: string): number[] {
  return [...rendered.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(
    (m) => (m[1]!.match(/<t[dh][ >]/g) ?? []).length,
  );
}

const report = JSON.parse(readFileSync(join(golden, 'report.json'), 'utf8')) as CheckReport;

test('the committed report (from real runs) covers every change kind and every finding rule', () => {
  expect(new Set(report.changes.map((c) => c.kind))).toEqual(
    new Set([
      'schema',
      'extension',
      'table',
      'column',
      'constraint',
      'index',
      'enum',
      'domain',
      'type',
      'sequence',
      'view',
      'materialized_view',
      'function',
      'trigger',
      'policy',
      'comment',
      'privilege',
    ]),
  );
  expect(new Set(report.changes.map((c) => c.action))).toEqual(
    new Set(['added', 'removed', 'changed', 'renamed']),
  );
  expect(new Set(report.findings.map((f) => f.rule))).toEqual(
    new Set([
      'up-failed',
      'missing-down',
      'down-failed',
      'enum-left-behind',
      'irreversible',
      'reup-failed',
      'reup-differs',
      'base-migration-failed',
      'replay-failed',
      'edited-migration',
      'renamed-migration',
      'deleted-migration',
      'out-of-order',
      'duplicate-migration',
      // Hazard rules measured on the replay of the new migrations (one of them suppressed in its file).
      'missing-lock-timeout',
      'adding-required-field',
      'truncate-table',
      'add-column-volatile-default',
      'backfill-in-ddl-transaction',
      'check-without-not-valid',
      'rename-column',
      'rename-table',
      'non-concurrent-index',
      'access-exclusive-lock',
      // The models section.
      'model-drift',
    ]),
  );
  expect(report.findings.filter((f) => f.suppressed).map((f) => f.rule)).toEqual(['rename-column']);
  expect(report.models?.changes.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.users.avatar_url',
  ]);
  expect(report.migrations.some((m) => m.observation?.statements.length)).toBe(true);
});

/** How the action renders the comment: the pull request's head, links into the repository and the docs. */
const COMMENT_OPTIONS = {
  audience: 'comment',
  headSha: '6d8a4501c0ffee6d8a4501c0ffee6d8a4501c0ff',
  repositoryUrl: 'https://github.com/octo-org/shop',
  docsUrl: 'https://github.com/octo-org/schemabot/blob/v1/',
} as const;

test('the comment for that report matches the golden file', () => {
  const markdown = renderMarkdown(report, COMMENT_OPTIONS);
  const file = join(golden, 'comment.md');
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, markdown);
  expect(markdown).toBe(readFileSync(file, 'utf8'));
});

test('the golden comment renders as GitHub-flavoured Markdown with the layout the README promises', () => {
  const markdown = readFileSync(join(golden, 'comment.md'), 'utf8');
  const rendered = html(markdown);
  // One verdict heading naming the pull request's head, linked; then what fails the check; then sections.
  const headings = [...rendered.matchAll(/<h([34])>(.*?)<\/h\1>/g)].map((m) => m[2]!.replace(/<[^>]+>/g, ''));
  expect(headings[0]).toMatch(
    /^❌ Schemabot: 13 migrations checked · \d+ errors · \d+ warnings · \d+ schema changes · PostgreSQL 15\.\d+ · head 6d8a450$/,
  );
  expect(rendered).toContain(
    '<a href="https://github.com/octo-org/shop/commit/6d8a4501c0ffee6d8a4501c0ffee6d8a4501c0ff">',
  );
  expect(markdown).toMatch(
    /^Errors fail this check; warnings and info do not \(`fail-on: error`\)\. Here \d+ errors fail it\.$/m,
  );
  expect(headings.slice(1)).toEqual([
    'Schema changes (33)',
    'Models vs migrations (models)',
    'Findings',
    'Errors',
  ]);
  // The migrations table: a header and one row per new, edited or deleted migration, six cells each.
  const shown = report.migrations.filter((m) => m.change !== 'unchanged').length;
  expect(tableRows(rendered)).toEqual(Array(shown + 1).fill(6));
  expect(rendered).toContain('<pre><code class="language-diff">');
  // The diagram is folded: one line where Mermaid does not render.
  expect(markdown).toMatch(
    /<details><summary>Diagram: \d+ tables that gain or lose columns, keys or foreign keys<\/summary>\n\n```mermaid\nerDiagram/,
  );
  const findingsPart = rendered.slice(
    rendered.indexOf('<h4>Findings</h4>'),
    rendered.indexOf('<h4>Errors</h4>'),
  );
  // Every finding is one list item (the info ones folded), plus one per rule in "How to fix".
  const fixes = new Set(report.findings.filter((f) => f.fix).map((f) => `${f.rule} ${f.fix}`)).size;
  expect((findingsPart.match(/<li>/g) ?? []).length).toBe(report.findings.length + fixes);
  expect(markdown).toMatch(/<details><summary>ℹ️ \d+ info findings?<\/summary>/);
  // Grouped by migration, errors before warnings inside each group.
  for (const group of findingsPart.split(/<p><strong>/).slice(1)) {
    const icons = [...group.matchAll(/<li>(❌|⚠️|🔕)/g)].map((m) => m[1]);
    expect(icons).toEqual(
      [...icons].sort((a, b) => ['❌', '⚠️', '🔕'].indexOf(a!) - ['❌', '⚠️', '🔕'].indexOf(b!)),
    );
  }
  // Rules with a page link to it; files link at the head commit, with the line.
  expect(rendered).toContain(
    '<a href="https://github.com/octo-org/schemabot/blob/v1/docs/rules/adding-required-field.md"><code>adding-required-field</code></a>',
  );
  expect(rendered).toMatch(
    /<a href="https:\/\/github\.com\/octo-org\/shop\/blob\/6d8a4501c0ffee6d8a4501c0ffee6d8a4501c0ff\/migrations\/20260101100000-login-method\.js#L6">/,
  );
  // Each fix once, however many findings share it.
  for (const f of report.findings.filter((x) => x.fix)) {
    expect(markdown.split(`: ${escapeForCount(f.fix!)}\n`).length - 1).toBe(1);
  }
  // A suppressed finding is shown, struck through with its reason, not as a live one.
  expect(findingsPart).toContain('suppressed: the app reads both names since release 3.1');
  expect((rendered.match(/<details><summary>SQL run by/g) ?? []).length).toBeGreaterThan(5);
  // The lock facts are in the findings (the job summary keeps the list).
  expect(markdown).not.toContain('What it locks and rewrites');
  expect(renderMarkdown(report)).toContain('#### What it locks and rewrites');
  expect(renderMarkdown(report)).toContain('♻️ rewrote public.users (rebuilt 3 indexes)');
  // Schema diff lines fit GitHub's box; types read as written.
  const diff = /```diff\n([\s\S]*?)\n```/.exec(markdown)![1]!;
  for (const line of diff.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  expect(diff).toContain('+   column title varchar(200) NOT NULL');
  expect(diff).toContain('+   column id serial');
  expect(diff).toContain('+   index users_login_method btree (login_method)');
  expect(diff).not.toMatch(/index (\S+) CREATE/);
});

/** The text `escapeMarkdown` makes of a fix, as it appears in the comment. */
function escapeForCount(text: string): string {
  return escapeMarkdown(text);
}

test('the comment for one clean migration fits on one screen (at most 25 rendered lines)', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  repo.commit({
    'migrations/20260102000000-create-tags.js': migration(
      `await queryInterface.createTable('tags', { id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true }, label: { type: Sequelize.STRING(40), allowNull: false } });`,
      `await queryInterface.dropTable('tags');`,
    ),
  });
  const r = await runCheck({ cwd: repo.dir, base, ...(await onSharedServer()), timeoutMs: 20_000 });
  expect(r.ok).toBe(true);
  const markdown = renderMarkdown(r, { ...COMMENT_OPTIONS, headSha: r.head.sha ?? undefined });
  // What a reader sees without opening anything: lines outside <details>, blank lines and fences aside.
  const visible = markdown
    .replace(/<details>[\s\S]*?<\/details>/g, (d) => d.split('\n')[0]!)
    .split('\n')
    .filter((l) => l.trim() && !/^```/.test(l));
  expect(visible.length).toBeLessThanOrEqual(25);
  expect(markdown).toMatch(/^### ✅ Schemabot: 1 migration checked · 0 errors · 0 warnings/);
});

test('identifiers with backticks, pipes and <!-- cannot break or spoof the comment', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
  const hostile = 'x`|<!-- y @all #1 **z**';
  const file = '20260102000000-a|b`c<!--d.js';
  repo.commit({
    [`migrations/${file}`]: migration(
      `await queryInterface.createTable(${JSON.stringify(hostile)}, { [${JSON.stringify('c|`<!--')}]: { type: Sequelize.TEXT } });
    await queryInterface.addColumn('users', ${JSON.stringify(hostile)}, { type: Sequelize.TEXT });`,
      `await queryInterface.dropTable(${JSON.stringify(hostile)});
    await queryInterface.removeColumn('users', ${JSON.stringify(hostile + '-missing')});`,
    ),
  });
  const r = await runCheck({ cwd: repo.dir, base, ...(await onSharedServer()), timeoutMs: 20_000 });
  expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(['down-failed']);
  const marker = commentMarker({ folder: 'migrations', postgresMajor: 15 });
  const body = withMarker(marker, renderMarkdown(r));
  // The marker is the only HTML comment: nothing after it can open another or hide text.
  expect(body.indexOf('<!--', 1)).toBe(-1);
  const rendered = html(body);
  expect(rendered.match(/<!--/g)).toEqual(['<!--']);
  // The table keeps its six cells per row; the file name is shown whole, as text.
  expect(tableRows(rendered)).toEqual([6, 6]);
  expect(rendered).toContain('<code>20260102000000-a|b`c&lt;!--d.js</code>');
  // No emphasis, links or stray code from the names; they appear as typed.
  expect(rendered).not.toMatch(/<(strong|em)>z<\/\1>/);
  expect(rendered).not.toMatch(/<a /);
  expect(rendered).toContain('x`|&lt;!-- y @all #1 **z**');
  // Every fenced block is closed: the findings and errors come after the diff, as headings.
  expect(rendered).toMatch(/<h4>Findings<\/h4>[\s\S]*<h4>Errors<\/h4>/);
  // The diagram holds only safe Mermaid tokens.
  const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(body)![1]!;
  for (const line of diagram.split('\n').slice(1)) {
    expect(line).toMatch(
      /^(\s+("[^"%\\`<>]*"( \{| \}o--[o|]\| "[^"%\\`<>]*" : "[^"%\\`<>]*")?|[A-Za-z][\w-]* [A-Za-z][\w-]*( (PK|FK|UK))?( "[^"%\\`<>]*")?|\}))?$/,
    );
  }
});
