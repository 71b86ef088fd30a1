import type pg from 'pg';

/**
 * What the production user may do that matters to migrations: superuser or not, CREATE on the
 * database and on each schema, and which schemas, tables, sequences, views and types it owns (only
 * an owner may ALTER or DROP them) or may read and write.
 */
export interface ProductionPrivileges {
  user: string;
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  ownsDatabase: boolean;
  database: { create: boolean; temp: boolean };
  schemas: { name: string; owns: boolean; usage: boolean; create: boolean }[];
  relations: { schema: string; name: string; kind: string; owns: boolean; privileges: string[] }[];
  types: { schema: string; name: string; owns: boolean }[];
}

const SYSTEM = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;

/** Reads the production user's privileges (read-only, bounded). */
export async function readPrivileges(client: pg.ClientBase): Promise<ProductionPrivileges> {
  const role = await client.query<{
    user: string;
    superuser: boolean;
    createrole: boolean;
    createdb: boolean;
    owns_db: boolean;
    db_create: boolean;
    db_temp: boolean;
  }>(
    `SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
            pg_has_role(d.datdba, 'USAGE') AS owns_db,
            has_database_privilege(current_database(), 'CREATE') AS db_create,
            has_database_privilege(current_database(), 'TEMP') AS db_temp
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
  );
  const r = role.rows[0]!;
  const schemas = await client.query<ProductionPrivileges['schemas'][number]>(
    `SELECT n.nspname AS name, pg_has_role(n.nspowner, 'USAGE') AS owns,
            has_schema_privilege(n.oid, 'USAGE') AS usage, has_schema_privilege(n.oid, 'CREATE') AS create
       FROM pg_namespace n WHERE ${SYSTEM}`,
  );
  const relations = await client.query<ProductionPrivileges['relations'][number]>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_has_role(c.relowner, 'USAGE') AS owns,
            CASE WHEN c.relkind = 'S' THEN
              array_remove(ARRAY[
                CASE WHEN has_sequence_privilege(c.oid, 'USAGE') THEN 'USAGE' END,
                CASE WHEN has_sequence_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                CASE WHEN has_sequence_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END], NULL)
            ELSE
              array_remove(ARRAY[
                CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN 'INSERT' END,
                CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                CASE WHEN has_table_privilege(c.oid, 'REFERENCES') THEN 'REFERENCES' END,
                CASE WHEN has_table_privilege(c.oid, 'TRIGGER') THEN 'TRIGGER' END], NULL)
            END AS privileges
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${SYSTEM}`,
  );
  const types = await client.query<ProductionPrivileges['types'][number]>(
    `SELECT n.nspname AS schema, t.typname AS name, pg_has_role(t.typowner, 'USAGE') AS owns
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd', 'c', 'r') AND ${SYSTEM}
        AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')`,
  );
  return {
    user: r.user,
    superuser: r.superuser,
    createRole: r.createrole,
    createDb: r.createdb,
    ownsDatabase: r.owns_db,
    database: { create: r.db_create, temp: r.db_temp },
    schemas: schemas.rows,
    relations: relations.rows,
    types: types.rows,
  };
}
