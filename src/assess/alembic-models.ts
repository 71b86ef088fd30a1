import type { Change } from '../diff/index.js';
import type { Snapshot } from '../inspect/index.js';
import { alembicModelsSource } from '../migrate/alembic/files.js';
import { ProjectError, type Project } from '../migrate/project.js';
import type { AlembicModelDifference } from '../migrate/protocol.js';
import type { MigrationRunner } from '../migrate/runner.js';
import type { Finding, ModelsSection } from '../report/contract/check.js';
import { modelDriftFindings } from './models.js';

/** `add_column` → `added`, `remove_fk` → `removed`: Alembic's verb is the direction models → database needs. */
const ACTIONS: Record<string, Change['action']> = { add: 'added', remove: 'removed', modify: 'changed' };
const KINDS: Record<string, Change['kind']> = {
  table: 'table',
  column: 'column',
  index: 'index',
  constraint: 'constraint',
  fk: 'constraint',
  nullable: 'column',
  type: 'column',
  default: 'column',
  comment: 'column',
  table_comment: 'table',
};

/**
 * Alembic's `compare_metadata` differences (what `alembic check` lists) as the changes of a models
 * comparison: migrated schema → models, `added` what only `target_metadata` declares, `removed` what
 * only the migrations create, `changed` a column whose type, nullability, default or comment differ.
 */
export function alembicDriftChanges(diffs: AlembicModelDifference[]): Change[] {
  return diffs.map((d) => {
    const [verb, ...rest] = d.op.split('_');
    const object = rest.join('_');
    const action = ACTIONS[verb!] ?? 'changed';
    const kind = KINDS[object] ?? 'table';
    const schema = d.schema ?? 'public';
    const table = `${schema}.${d.table ?? '?'}`;
    const name =
      kind === 'table'
        ? table
        : kind === 'index'
          ? `${schema}.${d.name ?? '(unnamed)'}`
          : `${table}.${d.name ?? '(unnamed)'}`;
    if (verb === 'modify' || !ACTIONS[verb!]) {
      const field = verb === 'modify' ? object : d.op;
      return {
        kind,
        action: 'changed',
        name,
        before: null,
        after: null,
        details: { [field]: { from: d.before ?? null, to: d.after ?? d.args ?? null } },
      };
    }
    const facts: Record<string, unknown> = {};
    if (d.type !== undefined) facts.type = d.type;
    if (d.nullable !== undefined) facts.nullable = d.nullable;
    if (d.columns) facts.columns = d.columns;
    if (d.references) facts.references = d.references;
    return {
      kind,
      action,
      name,
      before: action === 'removed' ? facts : null,
      after: action === 'added' ? facts : null,
    };
  });
}

/**
 * How many tables `target_metadata` declares, from the migrated schema's tables and the differences:
 * `compare_metadata` lists every table only one side has.
 */
export function declaredTableCount(migratedTables: number, diffs: AlembicModelDifference[]): number {
  const count = (op: string) => diffs.filter((d) => d.op === op).length;
  return migratedTables - count('remove_table') + count('add_table');
}

/**
 * `target_metadata` compared with the database the runner is on (all revisions applied), as
 * `alembic check` compares them: one `model-drift` finding per difference.
 */
export async function alembicModelsSection(
  runner: MigrationRunner,
  project: Project,
  migrated: Snapshot,
  severity: Finding['severity'],
): Promise<{ section: ModelsSection; findings: Finding[] }> {
  const diffs = await runner.compareModels();
  const changes = alembicDriftChanges(diffs);
  return {
    section: {
      source: alembicModelsSource(project),
      tables: declaredTableCount(Object.keys(migrated.tables).length, diffs),
      changes,
    },
    findings: modelDriftFindings(changes, [], severity),
  };
}

/** A model comparison that cannot run: `env.py` sets no `target_metadata` is exit 2, said in these words. */
export function isMissingMetadata(error: unknown): boolean {
  return error instanceof ProjectError && /target_metadata/.test(error.message);
}
