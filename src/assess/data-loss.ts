import type pg from 'pg';
import {
  describeOperation,
  destructiveOperations,
  loadDestructiveParser,
  type DestructiveOp,
} from './down-drops-data.js';
import type { Change } from '../diff/index.js';
import { columnType, countRows, currentSchema, reachedByCascade, type Target } from '../inspect/rows.js';
import type { DataLoss, RehearsedStep } from '../report/contract/production.js';

const ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  serial: 'int4',
  smallint: 'int2',
  smallserial: 'int2',
  bigint: 'int8',
  bigserial: 'int8',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  decimal: 'numeric',
  real: 'float4',
  float: 'float8',
  'double precision': 'float8',
  boolean: 'bool',
  timestamptz: 'timestamptz',
};

/** Type changes that keep every value (PostgreSQL casts them without loss). */
const WIDENING: Record<string, string[]> = {
  int2: ['int4', 'int8', 'numeric', 'float8', 'text'],
  int4: ['int8', 'numeric', 'text'],
  int8: ['numeric', 'text'],
  float4: ['float8', 'text'],
  varchar: ['text'],
  bpchar: ['text'],
  bool: ['text'],
  date: ['timestamp', 'timestamptz', 'text'],
  timestamp: ['timestamptz', 'text'],
  uuid: ['text'],
};

/** Whether changing a column of type `current` (pg_type name, atttypmod) to `target` can lose or alter values. */
export function narrows(
  current: { typname: string; typmod: number },
  target: NonNullable<DestructiveOp['type']>,
): boolean {
  const to = ALIASES[target.name.toLowerCase()] ?? target.name.toLowerCase();
  const from = current.typname;
  const unlimitedText = (name: string, typmods: number[]) =>
    name === 'text' || (name === 'varchar' && typmods.length === 0);
  if (unlimitedText(to, target.typmods) && (from === 'text' || from === 'varchar' || from === 'bpchar'))
    return false;
  if (to === from) {
    if (!target.typmods.length) return false;
    if (from === 'varchar' || from === 'bpchar' || from === 'bit' || from === 'varbit') {
      const length = current.typmod >= 4 ? current.typmod - 4 : current.typmod;
      return current.typmod < 0 || target.typmods[0]! < length;
    }
    if (from === 'numeric') {
      if (current.typmod < 0) return true;
      const precision = ((current.typmod - 4) >> 16) & 0xffff;
      const scale = (current.typmod - 4) & 0xffff;
      return target.typmods[0]! < precision || (target.typmods[1] ?? 0) < scale;
    }
    if (from === 'timestamp' || from === 'timestamptz' || from === 'time' || from === 'interval') {
      return current.typmod < 0 || target.typmods[0]! < current.typmod;
    }
    return false;
  }
  if (to === 'varchar' && !target.typmods.length) return !(WIDENING[from] ?? []).includes('text');
  return !(WIDENING[from] ?? []).includes(to);
}

function lossOf(t: Target, rows: number | null, migration: string, operation: string, sql: string): DataLoss {
  return {
    kind: t.column ? 'column' : 'table',
    name: [t.schema, t.table, ...(t.column ? [t.column] : [])].join('.'),
    rows,
    migration,
    operation,
    sql,
  };
}

/**
 * What the rehearsed steps would destroy in production: every DROP TABLE/COLUMN, TRUNCATE, DELETE or
 * UPDATE without WHERE, DROP … CASCADE that reaches tables and type change that can truncate values,
 * read from the statements the rehearsal captured (a drop followed by a re-create is still a drop),
 * plus any table or column the schema diff shows removed; each with its rows counted in production.
 */
export async function dataLossOf(
  client: pg.ClientBase,
  steps: RehearsedStep[],
  removed: Change[],
): Promise<DataLoss[]> {
  await loadDestructiveParser();
  const schema = await currentSchema(client);
  const out: DataLoss[] = [];
  const seen = new Set<string>();
  const add = (loss: DataLoss): void => {
    const key = `${loss.name}\u0000${loss.operation}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(loss);
  };
  for (const step of steps) {
    for (const s of step.statements) {
      if (s.failed) continue;
      for (const op of destructiveOperations(s.sql)) {
        const what = describeOperation(op);
        const table: Target = { schema: op.schema ?? schema, table: op.name };
        switch (op.kind) {
          case 'drop-table':
          case 'truncate':
          case 'delete-all':
            add(lossOf(table, await countRows(client, table), step.name, what, s.sql));
            break;
          case 'update-all':
            add(lossOf(table, await countRows(client, table), step.name, what, s.sql));
            break;
          case 'drop-column': {
            const t = { ...table, column: op.column };
            add(lossOf(t, await countRows(client, t), step.name, what, s.sql));
            break;
          }
          case 'alter-type': {
            const t = { ...table, column: op.column };
            const current = await columnType(client, t);
            if (!current) break; // a column this run creates: nothing in production yet
            if (!op.using && !narrows(current, op.type!)) break;
            add(lossOf(t, await countRows(client, t), step.name, what, s.sql));
            break;
          }
          case 'drop-schema-cascade':
          case 'drop-type-cascade':
            for (const t of await reachedByCascade(client, op, schema)) {
              add(lossOf(t, await countRows(client, t), step.name, what, s.sql));
            }
            break;
        }
      }
    }
  }
  // Whatever else the schema diff shows removed (a drop the parser could not attribute).
  for (const c of removed) {
    if (c.action !== 'removed' || (c.kind !== 'table' && c.kind !== 'column')) continue;
    if (
      out.some(
        (l) =>
          l.name === c.name || (c.kind === 'column' && l.kind === 'table' && c.name.startsWith(`${l.name}.`)),
      )
    )
      continue;
    const parts = c.name.split('.');
    const t: Target =
      c.kind === 'table'
        ? { schema: parts[0]!, table: parts.slice(1).join('.') }
        : { schema: parts[0]!, table: parts[1]!, column: parts.slice(2).join('.') };
    add(lossOf(t, await countRows(client, t), '', `removes ${c.kind} ${c.name}`, ''));
  }
  return out;
}

/** The losses that count: rows in production, or not countable (then assumed to hold data). */
export function losing(losses: DataLoss[]): DataLoss[] {
  return losses.filter((l) => l.rows !== 0);
}
