import type pg from 'pg';
import { quoteIdent } from '../postgres/admin.js';
import type { ProjectInfo } from './protocol.js';

/** `"schema"."table"` or `"table"`: the applied-migrations table in SQL. */
export function metaTableSql(meta: ProjectInfo['meta']): string {
  return meta.schema ? `${quoteIdent(meta.schema)}.${quoteIdent(meta.table)}` : quoteIdent(meta.table);
}

/** The applied-migrations table as schema and name (it is state, not schema: snapshots leave it out). */
export function metaTableOf(project: Pick<ProjectInfo, 'meta'>): { schema: string; name: string } {
  return { schema: project.meta.schema ?? 'public', name: project.meta.table };
}

/** Names recorded in the project's meta table, in code-point order (like the files); [] when it does not exist. */
export async function readApplied(
  client: pg.ClientBase,
  project: Pick<ProjectInfo, 'meta'>,
): Promise<string[]> {
  const table = metaTableSql(project.meta);
  if (!(await tableExists(client, table))) return [];
  const rows = await client.query<{ name: string }>(
    `SELECT name FROM ${table} ORDER BY name COLLATE "C" ASC`,
  );
  return rows.rows.map((r) => r.name);
}

/** The rows of an Alembic project's version table (`alembic current`); [] when it does not exist. */
export async function readAlembicVersion(
  client: pg.ClientBase,
  project: Pick<ProjectInfo, 'meta'>,
): Promise<string[]> {
  const table = metaTableSql(project.meta);
  if (!(await tableExists(client, table))) return [];
  const rows = await client.query<{ v: string }>(`SELECT version_num AS v FROM ${table}`);
  return rows.rows.map((r) => r.v);
}

/** Whether `table` (SQL, quoted as `metaTableSql` quotes it) exists on the connection's search path. */
async function tableExists(client: pg.ClientBase, table: string): Promise<boolean> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
  return Boolean(exists.rows[0]?.t);
}
