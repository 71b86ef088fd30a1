#!/usr/bin/env node
// Renders a Schemabot comment as GitHub shows it — GitHub-flavoured Markdown, HTML blocks such as
// <details>, Mermaid diagrams — in headless Chromium, and checks what came out: every Markdown table
// rendered as a table with the cells its source has, every Mermaid diagram parsed and drawn.
//
//   node scripts/render-comment.mjs            # the golden comment → docs/comment.png
//   node scripts/render-comment.mjs FILE.md OUT.png
//
// Needs Chromium (Debian's `chromium` package; CHROMIUM overrides the path).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const GOLDEN_COMMENT = join(ROOT, '__tests__', 'fixtures', 'golden', 'comment.md');
export const COMMENT_PNG = join(ROOT, 'docs', 'comment.png');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Enough of GitHub's look for a reader to recognise a pull request comment.
const CSS = `
body { margin: 0; background: #fff; }
.comment { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; max-width: 860px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; font: 14px -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #59636e; border-radius: 6px 6px 0 0; }
.header b { color: #1f2328; }
.markdown-body { padding: 16px; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
.markdown-body h3 { font-size: 1.25em; margin: 0 0 16px; }
.markdown-body h4 { font-size: 1em; margin: 24px 0 16px; }
.markdown-body table { border-collapse: collapse; margin: 0 0 16px; display: block; overflow: auto; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.markdown-body th { font-weight: 600; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body code { font: 85% ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
.markdown-body pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; }
.markdown-body pre code { background: none; padding: 0; }
.markdown-body details { margin: 0 0 16px; }
.markdown-body summary { cursor: pointer; }
.markdown-body blockquote { margin: 0 0 16px; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
`;

// Runs in the page: draws each Mermaid block as GitHub does and records what failed.
const MERMAID_DRIVER = `
(async () => {
  const blocks = [...document.querySelectorAll('pre > code.language-mermaid')];
  const errors = [];
  if (blocks.length) mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  for (const [i, code] of blocks.entries()) {
    try {
      await mermaid.parse(code.textContent);
      const { svg } = await mermaid.render('diagram-' + i, code.textContent);
      const figure = document.createElement('div');
      figure.className = 'mermaid';
      figure.innerHTML = svg;
      code.parentElement.replaceWith(figure);
    } catch (err) {
      errors.push(String((err && err.message) || err));
    }
  }
  document.body.setAttribute('data-mermaid', JSON.stringify({ blocks: blocks.length, errors }));
})();
`;

function page(markdown) {
  const html = micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
  const mermaid = /```mermaid\b/.test(markdown)
    ? readFileSync(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'), 'utf8')
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body>
<div class="comment"><div class="header"><b>github-actions</b> bot commented</div>
<div class="markdown-body">${html}</div></div>
<script>${mermaid}</script><script>${mermaid ? MERMAID_DRIVER : "document.body.setAttribute('data-mermaid', JSON.stringify({ blocks: 0, errors: [] }));"}</script>
</body></html>`;
}

/** Cells of one table row as GFM splits them: on pipes not escaped with a backslash. */
function cells(line) {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).length;
}

/** The tables of the Markdown source (outside code blocks): the line and cell count of each row. */
export function sourceTables(markdown) {
  const lines = markdown.split('\n');
  const tables = [];
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1];
      else if (line.trim().startsWith(fence)) fence = null;
      continue;
    }
    if (fence) continue;
    if (/^\s*\|/.test(line) && /^\s*\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$/.test(lines[i + 1] ?? '')) {
      const rows = [{ line: i + 1, cells: cells(line) }];
      const delimiter = cells(lines[i + 1]);
      let j = i + 2;
      for (; j < lines.length && /^\s*\|/.test(lines[j]); j++)
        rows.push({ line: j + 1, cells: cells(lines[j]) });
      tables.push({ line: i + 1, columns: delimiter, rows });
      i = j - 1;
    }
  }
  return tables;
}

/** What Chromium drew: the rows and cells of each table, and the Mermaid result. */
function rendered(dom) {
  // Tables of the comment itself, not of the diagrams' drawings.
  const text = dom.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<script[\s\S]*?<\/script>/g, '');
  const tables = [...text.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) =>
    [...m[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => (r[1].match(/<t[hd][\s>]/g) ?? []).length),
  );
  const attr = /data-mermaid="([^"]*)"/.exec(dom);
  const mermaid = attr
    ? JSON.parse(
        attr[1]
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>'),
      )
    : null;
  return { tables, mermaid };
}

async function chromium(args, url, profile) {
  const { stdout } = await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=15000',
      ...args,
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  return stdout;
}

/**
 * Renders `markdown` in headless Chromium. Returns the problems found (a table that did not render as
 * its source says, a Mermaid diagram that did not parse); with `screenshot`, also writes the picture
 * (`width` × `height` CSS pixels of the top of the comment).
 */
export async function renderComment(markdown, { screenshot, width = 900, height = 1100 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-render-'));
  try {
    const file = join(dir, 'comment.html');
    writeFileSync(file, page(markdown));
    const url = pathToFileURL(file).href;
    const dom = await chromium(['--dump-dom'], url, join(dir, 'profile-dom'));
    if (screenshot) {
      await chromium(
        [`--window-size=${width},${height}`, '--hide-scrollbars', `--screenshot=${screenshot}`],
        url,
        join(dir, 'profile-shot'),
      );
    }
    const source = sourceTables(markdown);
    const out = rendered(dom);
    const problems = [];
    if (out.tables.length !== source.length) {
      problems.push(`${source.length} tables in the Markdown, ${out.tables.length} rendered`);
    }
    source.forEach((t, i) => {
      for (const row of t.rows) {
        if (row.cells !== t.columns) {
          problems.push(
            `table at line ${t.line}: the row at line ${row.line} has ${row.cells} cells, the delimiter row ${t.columns}`,
          );
        }
      }
      const drawn = out.tables[i];
      if (drawn && drawn.length !== t.rows.length) {
        problems.push(
          `table at line ${t.line}: ${t.rows.length} rows in the Markdown, ${drawn.length} rendered`,
        );
      }
    });
    if (!out.mermaid) problems.push('the page did not finish rendering (no Mermaid result)');
    else for (const e of out.mermaid.errors) problems.push(`Mermaid: ${e}`);
    return { problems, tables: out.tables.length, diagrams: out.mermaid?.blocks ?? 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [input = GOLDEN_COMMENT, output = COMMENT_PNG] = process.argv.slice(2);
  const result = await renderComment(readFileSync(input, 'utf8'), { screenshot: resolve(output) });
  if (result.problems.length) {
    console.error(`The comment does not render as written:\n  ${result.problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `Wrote ${relative(process.cwd(), resolve(output))}: ${result.tables} tables, ${result.diagrams} Mermaid diagram(s) rendered.`,
  );
}
