import { createReadStream } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EnvironmentError } from '../shared/errors.js';
import { redact } from './redact.js';

/** A baseline that does not apply: names the file, the line and PostgreSQL's message (exit code 2). */
export class BaselineError extends EnvironmentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, setting: '.schemabot.yml "baseline"' });
    this.name = 'BaselineError';
  }
}

/** `COPY table (cols) FROM stdin;` as pg_dump writes it. */
const COPY_FROM_STDIN = /^COPY\s.+\sFROM\s+stdin\s*;\s*$/i;

/**
 * Applies a schema dump (`pg_dump` plain output, with or without data) to the database at `url`, as
 * `psql -f` would: SQL in order, `COPY … FROM stdin` blocks streamed over the COPY protocol, psql's
 * own meta-commands (`\connect` aside, which is refused) skipped. Stops at the first error.
 */
export async function applyBaseline(
  url: string,
  file: string,
  cwd: string,
): Promise<{ statements: number; rows: number }> {
  const shown = relative(cwd, file) || file;
  const client = new pg.Client({ connectionString: url, application_name: 'schemabot-baseline' });
  client.on('error', () => undefined);
  await client.connect();
  let sql: string[] = [];
  let sqlLine = 1;
  let lineNo = 0;
  let statements = 0;
  let rows = 0;
  const flush = async (): Promise<void> => {
    const text = sql.join('\n');
    sql = [];
    if (!text.trim()) return;
    try {
      await client.query(text);
      statements++;
    } catch (error) {
      throw new BaselineError(
        `The baseline ${shown} failed near line ${sqlLine}: ${redact((error as Error).message)}. ` +
          'It must be plain SQL as `pg_dump --schema-only` (or with data) writes it, for the PostgreSQL version Schemabot runs.',
        { cause: error },
      );
    }
  };
  try {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    const iterator = lines[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const line = next.value;
      lineNo++;
      if (sql.length === 0) sqlLine = lineNo;
      if (line.startsWith('\\')) {
        if (/^\\(c|connect)\b/.test(line)) {
          throw new BaselineError(
            `The baseline ${shown} switches databases at line ${lineNo} (\\connect): dump one database, without --create.`,
          );
        }
        continue; // psql meta-commands (\restrict, \unrestrict, \set, ...)
      }
      if (COPY_FROM_STDIN.test(line) && complete(sql)) {
        await flush(); // comments and blank lines before it
        const copyLine = lineNo;
        const data: string[] = [];
        for (;;) {
          const row = await iterator.next();
          if (row.done) {
            throw new BaselineError(
              `The baseline ${shown} ends inside the COPY of line ${copyLine} (no "\\." line).`,
            );
          }
          lineNo++;
          if (row.value === '\\.') break;
          data.push(row.value + '\n');
        }
        try {
          await pipeline(Readable.from(data), client.query(copyFrom(line.replace(/;\s*$/, ''))));
        } catch (error) {
          throw new BaselineError(
            `The baseline ${shown} failed in the COPY of line ${copyLine}: ${redact((error as Error).message)}.`,
            { cause: error },
          );
        }
        rows += data.length;
        continue;
      }
      sql.push(line);
      // pg_dump ends every statement with ";" at the end of a line (function bodies are dollar-quoted
      // and sent with their statement: a multi-statement query is fine for the simple protocol).
      if (/;\s*$/.test(line) && complete(sql)) await flush();
    }
    await flush();
  } finally {
    await client.end().catch(() => undefined);
  }
  return { statements, rows };
}

/** True when no dollar-quoted body or single-quoted string is still open in the accumulated text. */
function complete(lines: string[]): boolean {
  let text = lines.join('\n');
  const tags = text.match(/\$[A-Za-z_]*\$/g) ?? [];
  if (tags.length % 2 !== 0) return false;
  text = text.replace(/(\$[A-Za-z_]*\$)[\s\S]*?\1/g, '');
  return (text.match(/'/g) ?? []).length % 2 === 0;
}
