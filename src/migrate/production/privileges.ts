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

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const ALTER: Record<string, string> = {
  S: 'SEQUENCE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  f: 'FOREIGN TABLE',
};

/**
 * The statements that give `role`, on the rehearsal's database `database`, the production user's
 * privileges on the objects that exist there too (each is run on its own; one that fails is skipped).
 */
export function mirrorStatements(p: ProductionPrivileges, role: string, database: string): string[] {
  const r = ident(role);
  const out = [
    `CREATE ROLE ${r} NOLOGIN${p.superuser ? ' SUPERUSER' : ''}${p.createDb ? ' CREATEDB' : ''}${p.createRole ? ' CREATEROLE' : ''}`,
  ];
  if (p.superuser) return out;
  if (p.ownsDatabase) out.push(`ALTER DATABASE ${ident(database)} OWNER TO ${r}`);
  const db = [...(p.database.create ? ['CREATE'] : []), ...(p.database.temp ? ['TEMP'] : []), 'CONNECT'];
  out.push(`GRANT ${db.join(', ')} ON DATABASE ${ident(database)} TO ${r}`);
  for (const s of p.schemas) {
    // A schema the user does not own in production must not be its through the database's ownership
    // (PostgreSQL 15's public schema belongs to pg_database_owner), nor open to everyone.
    out.push(`ALTER SCHEMA ${ident(s.name)} OWNER TO ${s.owns ? r : 'CURRENT_USER'}`);
    if (!s.create) out.push(`REVOKE CREATE ON SCHEMA ${ident(s.name)} FROM PUBLIC`);
    if (!s.usage) out.push(`REVOKE USAGE ON SCHEMA ${ident(s.name)} FROM PUBLIC`);
    const grants = [...(s.usage ? ['USAGE'] : []), ...(s.create ? ['CREATE'] : [])];
    if (grants.length) out.push(`GRANT ${grants.join(', ')} ON SCHEMA ${ident(s.name)} TO ${r}`);
  }
  for (const t of p.types) {
    if (t.owns) out.push(`ALTER TYPE ${ident(t.schema)}.${ident(t.name)} OWNER TO ${r}`);
  }
  for (const rel of p.relations) {
    const name = `${ident(rel.schema)}.${ident(rel.name)}`;
    const kind = ALTER[rel.kind] ?? 'TABLE';
    if (rel.owns) out.push(`ALTER ${kind} ${name} OWNER TO ${r}`);
    else if (rel.privileges.length) {
      out.push(
        `GRANT ${rel.privileges.join(', ')} ON ${rel.kind === 'S' ? 'SEQUENCE' : 'TABLE'} ${name} TO ${r}`,
      );
    }
  }
  return out;
}
