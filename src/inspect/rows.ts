import type pg from 'pg';
import { quoteIdent } from '../postgres/index.js';

/**
 * Reads of a production database for the data-loss judgement: rows of a table (or non-null values of
 * a column), a column's type, what a DROP … CASCADE reaches. Each in a read-only transaction with a
 * short statement_timeout; null when it fails.
 */

/** Counts stop here: enough to say "there is data", cheap enough for production. */
export const ROW_COUNT_CAP = 1_000_000;

/** Runs `fn` in a read-only transaction with a short statement_timeout; null when it fails. */
async function readOnly<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T | null> {
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL statement_timeout = '5s'");
    return await fn();
  } catch {
    return null;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

export interface Target {
  schema: string;
  table: string;
  column?: string;
}

/** Rows of a table (or non-null values of a column) in production, capped; 0 when it does not exist there. */
export async function countRows(client: pg.ClientBase, t: Target): Promise<number | null> {
  return readOnly(client, async () => {
    const exists = await client.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
           AND ($3::text IS NULL OR (a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped))) AS ok`,
      [t.schema, t.table, t.column ?? null],
    );
    // Created by an earlier migration of this same run: production holds nothing in it yet.
    if (!exists.rows[0]?.ok) return 0;
    const where = t.column ? ` WHERE ${quoteIdent(t.column)} IS NOT NULL` : '';
    const r = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}${where} LIMIT ${ROW_COUNT_CAP}) s`,
    );
    return Number(r.rows[0]!.n);
  });
}

export async function columnType(
  client: pg.ClientBase,
  t: Target,
): Promise<{ typname: string; typmod: number } | null> {
  return readOnly(client, async () => {
    const r = await client.query<{ typname: string; typmod: number }>(
      `SELECT t.typname, a.atttypmod AS typmod FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped`,
      [t.schema, t.table, t.column],
    );
    return r.rows[0] ?? null;
  });
}

/** Tables of a schema, or columns of a type, that a DROP … CASCADE takes with it (in production). */
export async function reachedByCascade(
  client: pg.ClientBase,
  op: { kind: string; name: string; schema?: string },
  schema: string,
): Promise<Target[]> {
  const rows = await readOnly(client, async () => {
    if (op.kind === 'drop-schema-cascade') {
      const r = await client.query<{ table: string }>(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
        [op.name],
      );
      return r.rows.map((row) => ({ schema: op.name, table: row.table }));
    }
    const r = await client.query<{ schema: string; table: string; column: string }>(
      `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
        WHERE tn.nspname = $1 AND t.typname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0
          AND NOT a.attisdropped ORDER BY 1, 2, 3`,
      [op.schema ?? schema, op.name],
    );
    return r.rows;
  });
  return rows ?? [];
}

/** The session's `current_schema()` (where unqualified names go), `public` when it cannot be read. */
export async function currentSchema(client: pg.ClientBase): Promise<string> {
  return (
    (await readOnly(client, async () => {
      const r = await client.query<{ s: string | null }>('SELECT current_schema() AS s');
      return r.rows[0]?.s ?? null;
    })) ?? 'public'
  );
}
