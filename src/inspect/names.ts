import type pg from 'pg';

/** Names as snapshots write them: PostgreSQL's own `quote_ident` of each, in one query. */
export async function quoteIdentifiers(client: pg.ClientBase, names: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(names)];
  if (!unique.length) return new Map();
  const { rows } = await client.query<{ n: string; q: string }>(
    'SELECT n, quote_ident(n) AS q FROM unnest($1::text[]) AS n',
    [unique],
  );
  return new Map(rows.map((r) => [r.n, r.q]));
}

/**
 * Which `from→to` column type changes PostgreSQL makes without USING (the same type with other
 * modifiers, or an assignment or implicit cast in `pg_cast`). A type the database does not know yet
 * (a new enum) needs USING.
 */
export async function assignableTypeChanges(
  client: pg.ClientBase,
  pairs: [from: string, to: string][],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [from, to] of pairs) {
    try {
      const r = await client.query<{ ok: boolean }>(
        `SELECT $1::regtype = $2::regtype OR EXISTS (
           SELECT 1 FROM pg_cast WHERE castsource = $1::regtype AND casttarget = $2::regtype
             AND castcontext IN ('a', 'i')) AS ok`,
        [from, to],
      );
      if (r.rows[0]?.ok) out.add(`${from}→${to}`);
    } catch {
      // not a type of this database yet
    }
  }
  return out;
}
