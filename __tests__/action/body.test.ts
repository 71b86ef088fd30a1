import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitReport, SUMMARY_LIMIT_BYTES } from '../../src/action/body.js';
import type { CheckReport } from '../../src/report/contract/check.js';
import { COMMENT_BODY_LIMIT } from '../../src/github/index.js';
import { renderMarkdown } from '../../src/report/markdown.js';

const golden = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
/** The report real runs produced (see fixtures/golden/generate.ts). */
const real = (): CheckReport => JSON.parse(readFileSync(join(golden, 'report.json'), 'utf8')) as CheckReport;

const where = 'The whole report is in the job summary.';
const fences = (text: string) => (text.match(/^```/gm) ?? []).length;

/** The real report with its findings repeated `times` times (each one a little different). */
function withManyFindings(times: number, extra = ''): CheckReport {
  const report = real();
  const base = report.findings;
  report.findings = Array.from({ length: times }, (_, i) =>
    base.map((f) => ({ ...f, message: `${f.message} (${i})${extra}` })),
  ).flat();
  report.summary.errors = report.findings.filter((f) => f.severity === 'error').length;
  return report;
}

test('a report that fits is returned whole, as renderMarkdown renders it', () => {
  const report = real();
  const fitted = fitReport(report, { limit: COMMENT_BODY_LIMIT, where, limitName: 'the limit' });
  expect(fitted).toEqual({ body: renderMarkdown(report), trimmed: 'none' });
});

test('the SQL goes first, then the per-object detail, each time with a note that says so', () => {
  const report = real();
  const whole = renderMarkdown(report).length;
  const sql = fitReport(report, { limit: whole - 1, where, limitName: 'the limit' });
  expect(sql.trimmed).toBe('sql');
  expect(sql.body).not.toContain('<details><summary>SQL run by');
  expect(sql.body).toContain('+   column user_id integer NOT NULL');
  expect(sql.body).toContain(
    '_This report was shortened to fit the limit: the SQL each migration ran was left out. The whole report is in the job summary._',
  );
  const detail = fitReport(report, { limit: sql.body.length - 1, where, limitName: 'the limit' });
  expect(detail.trimmed).toBe('detail');
  expect(detail.body).toContain('+ table public.posts (4 columns)');
  expect(detail.body).not.toContain('+   column user_id');
  expect(detail.body).not.toContain('erDiagram');
  for (const f of report.findings) expect(detail.body).toContain(`<code>${f.rule}</code>`);
});

test('past that, whole sections go, lowest priority first: the verdict and the first findings stay', () => {
  const report = withManyFindings(400); // 5,600 findings
  const fitted = fitReport(report, { limit: COMMENT_BODY_LIMIT - 60, where, limitName: 'the limit' });
  expect(fitted.trimmed).toBe('sections');
  expect(fitted.body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT - 60);
  expect(fitted.body).toMatch(
    new RegExp(`^### ❌ Schemabot: \\d+ migrations checked · ${report.summary.errors} errors`),
  );
  expect(fitted.body).toContain('#### Findings');
  expect(fitted.body).toMatch(/^- ❌ <code>[a-z-]+<\/code> · /m);
  expect(fitted.body).not.toContain('#### Schema changes');
  expect(
    fitted.body
      .trimEnd()
      .endsWith('parts of the report were left out. The whole report is in the job summary._'),
  ).toBe(true);
  expect(fences(fitted.body) % 2).toBe(0);
});

test('the job summary is fitted in bytes, not characters', () => {
  // Four bytes per character in the messages: a character count would let this through at 4× the size.
  const report = withManyFindings(600, ' 🐘'.repeat(80));
  const bytes = (t: string) => Buffer.byteLength(t, 'utf8');
  expect(bytes(renderMarkdown(report))).toBeGreaterThan(SUMMARY_LIMIT_BYTES);
  const fitted = fitReport(report, { limit: SUMMARY_LIMIT_BYTES, measure: bytes, where, limitName: '1 MiB' });
  expect(fitted.trimmed).toBe('sections');
  expect(bytes(fitted.body)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
  expect(bytes(fitted.body)).toBeGreaterThan(SUMMARY_LIMIT_BYTES * 0.8);
});
