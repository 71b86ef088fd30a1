/** What kind of schema object a change is about. */
export type ChangeKind =
  | 'schema'
  | 'extension'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'enum'
  | 'domain'
  | 'type'
  | 'sequence'
  | 'view'
  | 'materialized_view'
  | 'function'
  | 'trigger'
  | 'policy'
  | 'comment'
  | 'privilege';

/**
 * One logical schema change between two snapshots. `name` is schema-qualified (columns, constraints,
 * triggers and policies as `schema.table.name`, functions with their argument types); for comments and
 * privileges it is the name of the object they are on.
 */
export interface Change {
  kind: ChangeKind;
  action: 'added' | 'removed' | 'changed' | 'renamed';
  name: string;
  before: unknown | null;
  after: unknown | null;
  /** For `changed`: exactly the fields that differ. */
  details?: Record<string, { from: unknown; to: unknown }>;
  /** For `renamed`: the old name. */
  from?: string;
  /** For `renamed`: why the removed/added pair is taken to be one object renamed. */
  evidence?: string;
}

/** Output order of kinds for changes on the same name. */
export const kindOrder: ChangeKind[] = [
  'schema',
  'extension',
  'enum',
  'domain',
  'type',
  'sequence',
  'table',
  'column',
  'constraint',
  'index',
  'trigger',
  'policy',
  'view',
  'materialized_view',
  'function',
  'comment',
  'privilege',
];
