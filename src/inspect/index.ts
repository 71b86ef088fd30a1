import type pg from 'pg';
import * as q from './queries.js';
import { assemble } from './assemble.js';
import type { Snapshot } from './types.js';

export type * from './types.js';

export interface SnapshotOptions {
  /** Tables to leave out with everything that belongs to them (e.g. Sequelize's `SequelizeMeta`). */
  exclude?: { schema: string; name: string }[];
}

/**
 * Reads the schema of the database `client` is connected to, in a handful of bulk catalog queries
 * inside one read-only transaction (a consistent view; the session's settings are left as they were).
 */
export async function takeSnapshot(client: pg.ClientBase, options: SnapshotOptions = {}): Promise<Snapshot> {
  // One round trip: the statements run in order in one read-only transaction, each query's rows in
  // its own result. Inside a caller's open transaction (which then also sees its uncommitted DDL), a
  // savepoint takes the place of the transaction, so the caller's transaction stays open and as it was.
  // `SET LOCAL` ends with the transaction or the savepoint, leaving the session's search_path alone.
  const status = client.getTransactionStatus?.();
  const nested = status === 'T' || status === 'E';
  const open = nested
    ? ['SAVEPOINT schemabot_snapshot']
    : ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'];
  const close = nested
    ? ['ROLLBACK TO SAVEPOINT schemabot_snapshot', 'RELEASE SAVEPOINT schemabot_snapshot']
    : ['COMMIT'];
  const queries = [
    q.schemasQuery,
    q.extensionsQuery,
    q.relationsQuery,
    q.columnsQuery,
    q.constraintsQuery,
    q.indexesQuery,
    q.triggersQuery,
    q.policiesQuery,
    q.typesQuery,
    q.functionsQuery,
    q.commentsQuery,
  ];
  const text = [...open, 'SET LOCAL search_path = pg_catalog', ...queries, ...close].join(';\n');
  let results: unknown[][];
  try {
    const all = (await client.query(text)) as unknown as pg.QueryResult[];
    results = all.slice(open.length + 1, open.length + 1 + queries.length).map((r) => r.rows);
  } catch (error) {
    await client.query(close.join(';').replace(/^COMMIT$/, 'ROLLBACK')).catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Reading the schema from the PostgreSQL catalog failed: ${message}`, { cause: error });
  }
  // Each result holds the rows of its query, in the order of `queries`.
  const [
    schemas,
    extensions,
    relations,
    columns,
    constraints,
    indexes,
    triggers,
    policies,
    types,
    functions,
    comments,
  ] = results;
  return assemble(
    {
      schemas: schemas as q.SchemaRow[],
      extensions: extensions as q.ExtensionRow[],
      relations: relations as q.RelationRow[],
      columns: columns as q.ColumnRow[],
      constraints: constraints as q.ConstraintRow[],
      indexes: indexes as q.IndexRow[],
      triggers: triggers as q.TriggerRow[],
      policies: policies as q.PolicyRow[],
      types: types as q.TypeRow[],
      functions: functions as q.FunctionRow[],
      comments: comments as q.CommentRow[],
    },
    options.exclude,
  );
}
