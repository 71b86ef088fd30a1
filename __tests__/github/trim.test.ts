import { describe, expect, test } from '@jest/globals';
import { COMMENT_BODY_LIMIT } from '../../src/github/comment.js';
import { DEFAULT_TRIM_NOTE, fitComment, type CommentSection } from '../../src/github/trim.js';

const verdict = {
  text: '## Schemabot: 1 error\nMigration 20260101-add-status.js is not reversible.',
  priority: 100,
};
const findings = {
  text: '### Findings\n- **enum-left-behind**: down leaves enum_posts_status',
  priority: 90,
};

function block(title: string, size: number, priority: number): CommentSection {
  return { text: `### ${title}\n\`\`\`sql\n${'SELECT 1;\n'.repeat(Math.ceil(size / 10))}\`\`\``, priority };
}

describe('fitComment', () => {
  test('a report under the limit is joined unchanged, without a note', () => {
    const table = block('Schema changes', 200, 50);
    expect(fitComment([verdict, findings, table])).toBe(
      [verdict.text, findings.text, table.text].join('\n\n'),
    );
  });

  test('drops the lowest-priority sections first, keeps verdict and findings, and says where the rest is', () => {
    const sections = [
      verdict,
      findings,
      block('Schema changes', 20_000, 50),
      block('Schema diff', 30_000, 30),
      block('SQL of every statement', 60_000, 10),
    ];
    const out = fitComment(sections);
    expect(out.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(out.startsWith(`${verdict.text}\n\n${findings.text}\n\n### Schema changes`)).toBe(true);
    expect(out).toContain('### Schema diff');
    expect(out).not.toContain('### SQL of every statement');
    expect(out.endsWith(DEFAULT_TRIM_NOTE)).toBe(true);
    expect(DEFAULT_TRIM_NOTE).toMatch(/job summary/);
    expect(DEFAULT_TRIM_NOTE).toMatch(/artifact/);
  });

  test('keeps the original order of what survives', () => {
    const out = fitComment(
      [verdict, block('Diff', 5000, 20), findings, { text: 'footer', priority: 95 }],
      4000,
      'See the job summary.',
    );
    expect(out).toBe(`${verdict.text}\n\n${findings.text}\n\nfooter\n\nSee the job summary.`);
  });

  test('among equal priorities the later section is dropped first', () => {
    const a = { text: 'A'.repeat(100), priority: 1 };
    const b = { text: 'B'.repeat(100), priority: 1 };
    expect(fitComment([verdict, a, b], verdict.text.length + 150, 'note')).toBe(
      `${verdict.text}\n\n${a.text}\n\nnote`,
    );
  });

  test('when even the verdict is too long it is cut, code blocks are closed, and the limit holds', () => {
    const huge = {
      text: 'Verdict\n```sql\n' + 'ALTER TABLE posts ADD COLUMN x int;\n'.repeat(5000) + '```',
      priority: 100,
    };
    const out = fitComment([huge, findings], 10_000);
    expect(out.length).toBeLessThanOrEqual(10_000);
    expect(out.length).toBeGreaterThan(9_000);
    expect(out.startsWith('Verdict\n```sql\nALTER TABLE')).toBe(true);
    expect((out.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(out.endsWith(DEFAULT_TRIM_NOTE)).toBe(true);
  });

  test('never splits a surrogate pair', () => {
    const emoji = { text: '🐘'.repeat(1000), priority: 1 };
    for (const limit of [500, 501, 502, 503]) {
      const out = fitComment([emoji], limit, 'n');
      expect(out.length).toBeLessThanOrEqual(limit);
      expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });
});
