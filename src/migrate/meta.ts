import type { ProjectInfo } from './protocol.js';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` or `"table"`: the applied-migrations table in SQL. */
export function metaTableSql(meta: ProjectInfo['meta']): string {
  return meta.schema ? `${quoteIdent(meta.schema)}.${quoteIdent(meta.table)}` : quoteIdent(meta.table);
}

/** The applied-migrations table as schema and name (it is state, not schema: snapshots leave it out). */
export function metaTableOf(project: Pick<ProjectInfo, 'meta'>): { schema: string; name: string } {
  return { schema: project.meta.schema ?? 'public', name: project.meta.table };
}
