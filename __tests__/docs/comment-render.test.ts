/**
 * The golden comment renders on GitHub as it reads: rendered the way scripts/render-comment.mjs renders
 * docs/comment.png (GitHub-flavoured Markdown and Mermaid in headless Chromium), every table comes out
 * with the cells its source has and every Mermaid diagram parses and draws.
 */
import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMENT_PNG, GOLDEN_COMMENT, renderComment, sourceTables } from '../../scripts/render-comment.mjs';

const golden = readFileSync(GOLDEN_COMMENT, 'utf8');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.warn(
    `SKIPPING the rendering tests: no Chromium at ${chromium} (apt-get install chromium, as .ci/run does)`,
  );
}
const run = existsSync(chromium) ? test : test.skip;

run(
  'the golden comment renders: every table with its cells, the Mermaid diagram drawn; docs/comment.png is a picture of it',
  async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'schemabot-render-test-')), 'comment.png');
    try {
      const result = await renderComment(golden, { screenshot: out });
      expect(result.problems).toEqual([]);
      expect(result.tables).toBe(sourceTables(golden).length);
      expect(result.tables).toBeGreaterThanOrEqual(1);
      expect(result.diagrams).toBe((golden.match(/^```mermaid$/gm) ?? []).length);
      // A PNG of the size the script makes (900 × 1100), like the one the README shows.
      for (const png of [readFileSync(out), readFileSync(COMMENT_PNG)]) {
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 1100]);
      }
    } finally {
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  },
  120_000,
);

run(
  'a broken table and a Mermaid diagram that does not parse are found',
  async () => {
    const broken = [
      '### A comment',
      '',
      '| migration | up |',
      '| --- | --- |',
      '| `a.js` | ok | extra |',
      '',
      '<details><summary>Tables</summary>',
      '| not | rendered |',
      '| --- | --- |',
      '| because no blank line | follows the summary |',
      '</details>',
      '',
      '```mermaid',
      'erDiagram',
      '  "posts" {',
      '    integer id PK',
      '  "users" ||--o{ posts : has',
      '```',
      '',
    ].join('\n');
    const result = await renderComment(broken);
    expect(result.problems).toEqual([
      '2 tables in the Markdown, 1 rendered',
      'table at line 3: the row at line 5 has 3 cells, the delimiter row 2',
      expect.stringMatching(/^Mermaid: /),
    ]);
  },
  120_000,
);
