import type { ProductionPrivileges } from '../../inspect/privileges.js';
import { quoteIdent } from '../../postgres/index.js';

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
  const r = quoteIdent(role);
  const out = [
    `CREATE ROLE ${r} NOLOGIN${p.superuser ? ' SUPERUSER' : ''}${p.createDb ? ' CREATEDB' : ''}${p.createRole ? ' CREATEROLE' : ''}`,
  ];
  if (p.superuser) return out;
  if (p.ownsDatabase) out.push(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${r}`);
  const db = [...(p.database.create ? ['CREATE'] : []), ...(p.database.temp ? ['TEMP'] : []), 'CONNECT'];
  out.push(`GRANT ${db.join(', ')} ON DATABASE ${quoteIdent(database)} TO ${r}`);
  for (const s of p.schemas) {
    // A schema the user does not own in production must not be its through the database's ownership
    // (PostgreSQL 15's public schema belongs to pg_database_owner), nor open to everyone.
    out.push(`ALTER SCHEMA ${quoteIdent(s.name)} OWNER TO ${s.owns ? r : 'CURRENT_USER'}`);
    if (!s.create) out.push(`REVOKE CREATE ON SCHEMA ${quoteIdent(s.name)} FROM PUBLIC`);
    if (!s.usage) out.push(`REVOKE USAGE ON SCHEMA ${quoteIdent(s.name)} FROM PUBLIC`);
    const grants = [...(s.usage ? ['USAGE'] : []), ...(s.create ? ['CREATE'] : [])];
    if (grants.length) out.push(`GRANT ${grants.join(', ')} ON SCHEMA ${quoteIdent(s.name)} TO ${r}`);
  }
  for (const t of p.types) {
    if (t.owns) out.push(`ALTER TYPE ${quoteIdent(t.schema)}.${quoteIdent(t.name)} OWNER TO ${r}`);
  }
  for (const rel of p.relations) {
    const name = `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`;
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
