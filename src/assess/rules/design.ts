import { relLabel, type ColumnSpec, type RelName } from '../sql.js';

/** Shared by the design rules: the columns a statement declares, with their table. */
export interface DeclaredColumn extends ColumnSpec {
  table: string;
}

/** Readable names of the parser's internal type names. */
const READABLE: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  serial4: 'serial',
  serial2: 'smallserial',
  bpchar: 'char',
  timestamp: 'timestamp',
};

/** `int4` → `integer`, `bpchar(3)` → `char(3)`. */
export function readableType(type: string): string {
  const m = /^([a-z0-9_]+)(.*)$/.exec(type);
  if (!m) return type;
  return (READABLE[m[1]!] ?? m[1]!) + m[2]!;
}

export function tableName(rel: RelName): string {
  return relLabel(rel);
}
