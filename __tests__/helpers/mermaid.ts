import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Chromium for Mermaid's parser (it needs a browser); `SCHEMABOT_CHROMIUM` overrides the path. */
export const CHROMIUM = process.env.SCHEMABOT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Parses each diagram with Mermaid itself (its browser bundle, in headless Chromium), as GitHub
 * renders ```mermaid blocks. Returns, per diagram, null when Mermaid accepts it, else its message.
 */
export async function mermaidParse(diagrams: string[]): Promise<(string | null)[]> {
  const bundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-mermaid-'));
  try {
    const page = join(dir, 'parse.html');
    writeFileSync(
      page,
      `<!doctype html><html><body><pre id="result">pending</pre>
<script src="${pathToFileURL(bundle).href}"></script>
<script>
(async () => {
  const diagrams = ${JSON.stringify(diagrams).replace(/</g, '\\u003c')};
  mermaid.initialize({ startOnLoad: false });
  const out = [];
  for (const d of diagrams) {
    try { await mermaid.parse(d); out.push(null); } catch (e) { out.push(String((e && e.message) || e)); }
  }
  document.getElementById('result').textContent = 'RESULT' + JSON.stringify(out) + 'END';
})();
</script></body></html>`,
    );
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
        '--allow-file-access-from-files',
        `--user-data-dir=${join(dir, 'profile')}`,
        '--virtual-time-budget=20000',
        '--dump-dom',
        pathToFileURL(page).href,
      ],
      { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const m = /RESULT([\s\S]*?)END/.exec(stdout);
    if (!m) throw new Error(`Mermaid did not report (is ${CHROMIUM} working?): ${stdout.slice(0, 300)}`);
    const json = m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    return JSON.parse(json) as (string | null)[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
