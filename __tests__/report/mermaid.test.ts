import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckReport } from '../../src/report/contract/check.js';
import type { Change } from '../../src/diff/index.js';
import { erDiagram } from '../../src/report/mermaid.js';
import { mermaidParse } from '../helpers/mermaid.js';

const golden = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const report = JSON.parse(readFileSync(join(golden, 'report.json'), 'utf8')) as CheckReport;

const column = (table: string, name: string, type: string, action: 'added' | 'removed' = 'added'): Change => {
  const value = { name, type, nullable: true, default: null };
  return {
    kind: 'column',
    action,
    name: `${table}.${name}`,
    before: action === 'removed' ? value : null,
    after: action === 'added' ? value : null,
  };
};

const newTable = (name: string, columns: Record<string, string>, constraints: object = {}): Change => ({
  kind: 'table',
  action: 'added',
  name,
  before: null,
  after: {
    columns: Object.fromEntries(
      Object.entries(columns).map(([n, type]) => [n, { name: n, type, nullable: n !== 'id', default: null }]),
    ),
    constraints,
  },
});

/** Shapes the report can take: odd types and names, keys, removed columns, foreign keys. */
const SHAPES: Record<string, Change[]> = {
  types: [
    newTable('public.invoices', {
      id: 'bigint',
      amount: 'numeric(10,2)',
      ratio: 'double precision',
      issued_at: 'timestamp with time zone',
      local_at: 'timestamp(3) without time zone',
      code: 'character(3)',
      status: 'public.enum_invoices_status',
      tags: 'character varying(40)[]',
      'weird "name" here': 'text',
    }),
  ],
  keys: [
    newTable(
      'app."Order Items"',
      { id: 'integer', order_id: 'bigint', sku: 'varchar(20)' },
      {
        pk: { name: 'pk', type: 'primary key', columns: ['id'] },
        fk: { name: 'fk', type: 'foreign key', columns: ['order_id'], referencedTable: 'app.orders' },
        uk: { name: 'uk', type: 'unique', columns: ['sku'] },
      },
    ),
    newTable('app.orders', { id: 'bigint' }, { pk: { name: 'opk', type: 'primary key', columns: ['id'] } }),
    column('public.users', 'legacy_flag', 'boolean', 'removed'),
    column('public.users', 'login-method', 'public."enum users"'),
  ],
};

test('the diagram shows only tables that gain or lose a column, key or foreign key', () => {
  const onlyIndex: Change[] = [
    {
      kind: 'index',
      action: 'added',
      name: 'public.users_email',
      before: null,
      after: {
        table: 'public.users',
        definition: 'CREATE INDEX users_email ON public.users USING btree (email)',
      },
    },
  ];
  expect(erDiagram(onlyIndex)).toBeNull();
  const diagram = erDiagram(SHAPES.keys!)!;
  // Readable types; no box for an untouched table a foreign key points to (a note on the column instead).
  expect(diagram).toContain('varchar(20) sku UK');
  expect(diagram).toContain('boolean legacy_flag "removed"');
  expect(diagram).toContain('enum_users login-method "new"');
  const golden = erDiagram(report.changes)!;
  expect(golden).toContain('varchar(200) title');
  expect(golden).not.toMatch(/character_varying|public_enum/);
  expect(erDiagram(SHAPES.types!)).toContain('numeric(10,2) amount');
});

test('Mermaid itself parses every diagram the report produces (golden comment, golden report, shapes)', async () => {
  const fromComment = [
    ...readFileSync(join(golden, 'comment.md'), 'utf8').matchAll(/```mermaid\n([\s\S]*?)\n```/g),
  ].map((m) => m[1]!);
  expect(fromComment.length).toBeGreaterThan(0);
  const diagrams = [
    ...fromComment,
    erDiagram(report.changes)!,
    ...Object.values(SHAPES).map((changes) => erDiagram(changes)!),
    erDiagram(SHAPES.keys!, { maxTables: 1, maxColumns: 1 })!,
  ];
  expect(diagrams.every((d) => typeof d === 'string')).toBe(true);
  const results = await mermaidParse(diagrams);
  expect(results.map((r, i) => (r === null ? null : `${r}\n${diagrams[i]}`))).toEqual(
    diagrams.map(() => null),
  );
  // The parser does refuse a type written with its space (why the diagram writes double_precision).
  expect((await mermaidParse(['erDiagram\n  "x" {\n    double precision a\n  }']))[0]).not.toBeNull();
  expect(erDiagram(SHAPES.types!)).toContain('double_precision ratio');
});
