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
