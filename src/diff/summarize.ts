import type { Change } from './types.js';

const sign: Record<Change['action'], string> = { added: '+', removed: '-', changed: '~', renamed: '>' };

function short(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = (text ?? 'null').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

type Obj = Record<string, unknown>;

/** A few words that say what the object is, for added and removed objects. */
function describe(change: Change, o: Obj): string {
  switch (change.kind) {
    case 'column': {
      let text = String(o.type);
      if (o.collation) text += ` COLLATE ${String(o.collation)}`;
      if (o.nullable === false) text += ' NOT NULL';
      if (o.default !== null && o.default !== undefined) text += ` DEFAULT ${String(o.default)}`;
      if (o.identity) text += ` GENERATED ${String(o.identity).toUpperCase()} AS IDENTITY`;
      if (o.generated) text += ` GENERATED ALWAYS AS ${String(o.generated)} STORED`;
      return text;
    }
    case 'index':
      return `${short(o.definition, 120)}${o.valid === false ? ' INVALID' : ''}`;
    case 'constraint': // pg_get_constraintdef already says NOT VALID
    case 'trigger':
      return short(o.definition, 120);
    case 'view':
    case 'materialized_view':
      return `AS ${short(o.definition)}`;
    case 'table': {
      const columns = Object.keys((o.columns ?? {}) as object).length;
      const parts = [`${columns} column${columns === 1 ? '' : 's'}`];
      if (o.partitionOf) parts.push(`partition of ${String(o.partitionOf)} ${String(o.partitionBound)}`);
      if (o.partitionKey) parts.push(`PARTITION BY ${String(o.partitionKey)}`);
      return `(${parts.join(', ')})`;
    }
    case 'enum':
      return `(${(o.labels as string[]).map((l) => `'${l}'`).join(', ')})`;
    case 'domain':
      return `AS ${String(o.baseType)}${o.notNull ? ' NOT NULL' : ''}`;
    case 'sequence':
      return `${String(o.type)} START ${String(o.start)} INCREMENT ${String(o.increment)}`;
    case 'function':
      return o.returns ? `RETURNS ${String(o.returns)}` : String(o.kind);
    case 'extension':
      return `${String(o.version)} in ${String(o.schema)}`;
    case 'policy':
      return `FOR ${String(o.command)}${o.using ? ` USING ${short(o.using, 60)}` : ''}`;
    case 'comment':
      return `on ${String(o.on)}: ${short(o.text, 60)}`;
    case 'privilege':
      return `${String(o.on)}: ${Object.entries((o.grants ?? {}) as Record<string, string[]>)
        .map(([grantee, privileges]) => `${grantee} ${privileges.join(', ')}`)
        .join('; ')}`;
    default:
      return '';
  }
}

/** One line for logs and tests, e.g. `+ column public.posts.status text NOT NULL DEFAULT 'draft'::text`. */
export function summarizeChange(c: Change): string {
  const head = `${sign[c.action]} ${c.kind.replace('_', ' ')} ${c.name}`;
  switch (c.action) {
    case 'added':
    case 'removed': {
      const text = describe(c, ((c.action === 'added' ? c.after : c.before) ?? {}) as Obj);
      return text ? `${head} ${text}` : head;
    }
    case 'renamed':
      return `${head} (was ${c.from}${c.evidence ? `: ${c.evidence}` : ''})`;
    case 'changed': {
      const fields = Object.entries(c.details ?? {}).map(([field, { from, to }]) =>
        // Long texts (function bodies, definitions) do not fit a line: name the field only.
        typeof from === 'string' && typeof to === 'string' && from.length + to.length > 80
          ? `${field} changed`
          : `${field} ${short(from, 40)} → ${short(to, 40)}`,
      );
      return `${head}: ${fields.join('; ')}`;
    }
  }
}
