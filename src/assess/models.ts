import { diffSnapshots, summarizeChange, type Change } from '../diff/index.js';
import { localName, parentName } from '../diff/names.js';
import {
  takeSnapshot,
  type ColumnInfo,
  type ConstraintInfo,
  type IndexInfo,
  type Snapshot,
  type TableInfo,
} from '../inspect/index.js';
import { quoteIdentifiers } from '../inspect/names.js';
import type { MigrationFailure } from '../migrate/migrate-all.js';
import { findModels, syncModels, type ModelsEntry, type ModelTable } from '../migrate/models.js';
import type { Project } from '../migrate/project.js';
import { Workspace } from '../migrate/workspace.js';
import type { PostgresServer } from '../postgres/index.js';
import type { Finding } from '../report/contract/check.js';
import { loadConfig, type HazardConfig } from './config.js';

/**
 * Models vs migrations (Alembic's `check`): what the models declare that the migrations do not
 * create, and the reverse. Only what a Sequelize model can declare is compared — tables, columns
 * (type, nullability, default, identity), primary, unique and foreign keys, indexes and ENUM labels —
 * and the equivalences Sequelize itself relies on are not drift:
 * - names of keys and indexes (a unique constraint and a unique index on the same columns are one fact);
 * - a default Sequelize fills in itself (`DataTypes.NOW`, `UUIDV4`, a function, the `timestamps`
 *   columns) never reaches the database, so a database default in the migrations is not drift;
 * - comments, grants, triggers, policies, views, functions, check constraints and extensions, which
 *   models cannot declare.
 */
export interface ModelsComparison {
  /** Differences from the migrated schema to the models' schema (`added`: only the models have it). */
  changes: Change[];
  /** The two sides as compared (normalised), for tools that build on the comparison. */
  migrated: Snapshot;
  models: Snapshot;
}

/** A key or index as compared: its definition without its name, and the real objects on each side. */
interface Named {
  canonical: string;
  real: ConstraintInfo | IndexInfo;
}

/**
 * Real names behind canonical ones, per side. `table.canonical` for constraints, `schema.canonical`
 * for indexes, as the diff names them.
 */
type RealNames = Map<string, Named['real']>;

/** A stable name for a definition (quoted, so any text is a valid name part). */
function canonicalName(definition: string): string {
  return `"${definition.replace(/"/g, '""')}"`;
}

/** `CREATE UNIQUE INDEX ON public.t USING btree (a, b)` for a plain `UNIQUE (a, b)` constraint. */
function uniqueConstraintAsIndex(table: string, c: ConstraintInfo): string | null {
  if (c.type !== 'unique' || c.deferrable || c.indexMethod !== 'btree' || c.indexOptions.length) return null;
  const m = /^UNIQUE (NULLS NOT DISTINCT )?\((.*)\)$/.exec(c.definition);
  if (!m || m[2]!.includes(') INCLUDE (')) return null;
  return `CREATE UNIQUE INDEX ON ${table} USING btree (${m[2]})${m[1] ? ' NULLS NOT DISTINCT' : ''}`;
}

/** pg_get_indexdef without the index's own name. */
function indexWithoutName(i: IndexInfo): string {
  const local = localName(i.name);
  const head = `INDEX ${local} ON `;
  const at = i.definition.indexOf(head);
  return at < 0
    ? i.definition
    : i.definition.slice(0, at) + 'INDEX ON ' + i.definition.slice(at + head.length);
}

function normaliseTable(
  qualified: string,
  t: TableInfo,
  clientDefaults: Set<string>,
  names: RealNames,
): TableInfo {
  const columns: Record<string, ColumnInfo> = {};
  for (const [key, c] of Object.entries(t.columns)) {
    columns[key] = {
      ...c,
      default: clientDefaults.has(`${qualified}.${c.name}`) ? null : c.default,
      collation: null,
      storage: null,
      compression: null,
      statistics: null,
      options: [],
      comment: null,
      privileges: {},
    };
  }
  const constraints: Record<string, ConstraintInfo> = {};
  const indexes: Record<string, IndexInfo> = {};
  const schema = parentName(qualified);
  const addIndex = (definition: string, unique: boolean, real: IndexInfo | ConstraintInfo) => {
    const name = `${schema}.${canonicalName(definition)}`;
    names.set(name, real);
    indexes[name] = {
      name,
      table: qualified,
      definition,
      unique,
      method: 'btree',
      predicate: null,
      valid: true,
      clustered: false,
      comment: null,
    };
  };
  for (const c of Object.values(t.constraints)) {
    if (c.type !== 'primary key' && c.type !== 'unique' && c.type !== 'foreign key') continue;
    const asIndex = uniqueConstraintAsIndex(qualified, c);
    if (asIndex) {
      addIndex(asIndex, true, c);
      continue;
    }
    const name = canonicalName(`${c.type} ${c.definition}`);
    names.set(`${qualified}.${name}`, c);
    constraints[name] = { ...c, name, indexOptions: [], clustered: false, comment: null };
  }
  for (const i of Object.values(t.indexes)) {
    const definition = indexWithoutName(i);
    const name = `${schema}.${canonicalName(definition)}`;
    names.set(name, i);
    indexes[name] = { ...i, name, definition, valid: true, clustered: false, comment: null };
  }
  return {
    ...t,
    rowSecurity: false,
    forceRowSecurity: false,
    replicaIdentity: 'default',
    options: [],
    comment: null,
    privileges: {},
    columns,
    constraints,
    indexes,
    triggers: {},
    policies: {},
    sequences: {},
  };
}

function normalise(s: Snapshot, clientDefaults: Set<string>, names: RealNames): Snapshot {
  const tables: Record<string, TableInfo> = {};
  for (const [qualified, t] of Object.entries(s.tables)) {
    tables[qualified] = normaliseTable(qualified, t, clientDefaults, names);
  }
  const enums: Snapshot['enums'] = {};
  for (const [name, e] of Object.entries(s.enums)) enums[name] = { ...e, comment: null, privileges: {} };
  return {
    formatVersion: 1,
    schemas: {},
    extensions: {},
    tables,
    views: {},
    materializedViews: {},
    sequences: {},
    enums,
    domains: {},
    types: {},
    functions: {},
  };
}

/** The change with the real names and objects behind canonical key and index names. */
function withRealNames(c: Change, before: RealNames, after: RealNames): Change {
  if (c.kind !== 'constraint' && c.kind !== 'index') return c;
  const b = before.get(c.from ?? c.name);
  const a = after.get(c.name);
  // The table: a normalised index carries it; a constraint's name starts with it.
  const compared = (c.after ?? c.before) as { table?: string };
  const table = c.kind === 'index' ? compared.table! : parentName(c.name);
  const realName = (o: Named['real'] | undefined): string | undefined =>
    o === undefined ? undefined : isIndex(o) ? o.name : `${table}.${o.name}`;
  const shown = a ?? b;
  return {
    ...c,
    kind: shown && !isIndex(shown) ? 'constraint' : 'index',
    name: realName(shown) ?? c.name,
    before: c.action === 'added' ? null : (b ?? c.before),
    after: c.action === 'removed' ? null : (a ?? c.after),
    ...(c.from !== undefined ? { from: realName(b) ?? c.from } : {}),
  };
}

function isIndex(o: Named['real']): o is IndexInfo {
  return 'table' in o;
}

/**
 * Which tables the comparison covers:
 * - `declared` (the default): the tables some model declares. Models that cover a few tables of a
 *   larger schema say nothing about the others, so those are not drift.
 * - `migrated` (`models: on`, for a matrix over migration folders): the tables these migrations
 *   create; the models of the other folders' tables are not this cell's business.
 * - `strict`: everything, both ways.
 * Enum types follow their tables: compared when a compared table uses them (always under `strict`).
 */
export type ModelsScope = 'declared' | 'migrated' | 'strict';

/** The enum types the columns of `tables` use, in `snapshot`. */
function enumsOf(snapshot: Snapshot, tables: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const [name, t] of Object.entries(snapshot.tables)) {
    if (!tables.has(name)) continue;
    for (const c of Object.values(t.columns)) out.add(c.type.replace(/\[\]$/, ''));
  }
  return out;
}

/** Compares the schema the migrations build with the one the models `sync()`. */
export function compareModels(
  migrated: Snapshot,
  models: Snapshot,
  tables: ModelTable[],
  scope: ModelsScope = 'declared',
): ModelsComparison {
  const clientDefaults = new Set(tables.flatMap((t) => t.clientDefaults.map((c) => `${t.table}.${c}`)));
  const beforeNames: RealNames = new Map();
  const afterNames: RealNames = new Map();
  const a = normalise(migrated, clientDefaults, beforeNames);
  const b = normalise(models, clientDefaults, afterNames);
  let changes = pairByName(diffSnapshots(a, b).map((c) => withRealNames(c, beforeNames, afterNames)));
  if (scope !== 'strict') {
    const covered = new Set(scope === 'declared' ? tables.map((t) => t.table) : Object.keys(migrated.tables));
    const enums = new Set([...enumsOf(migrated, covered), ...enumsOf(models, covered)]);
    changes = changes.filter((c) =>
      c.kind === 'enum' ? enums.has(c.name) : c.kind === 'schema' || covered.has(tableOfChange(c)),
    );
  }
  return { changes, migrated: a, models: b };
}

/** Fields of a key or index that say what it is (not its name or bookkeeping). */
function definingFields(o: Named['real']): Record<string, unknown> {
  if (isIndex(o))
    return { definition: indexWithoutName(o), unique: o.unique, method: o.method, predicate: o.predicate };
  const { name: _n, comment: _c, indexOptions: _i, clustered: _k, ...rest } = o;
  return rest;
}

/**
 * A key or index removed and one of the same kind and name added is one object whose definition
 * changed (e.g. `ON UPDATE CASCADE` only in the model): one `changed` change with the details.
 */
function pairByName(changes: Change[]): Change[] {
  const added = new Map<string, Change>();
  for (const c of changes) {
    if ((c.kind === 'constraint' || c.kind === 'index') && c.action === 'added')
      added.set(`${c.kind}\u0000${c.name}`, c);
  }
  const used = new Set<Change>();
  const out: Change[] = [];
  for (const c of changes) {
    if (used.has(c)) continue;
    const twin =
      (c.kind === 'constraint' || c.kind === 'index') && c.action === 'removed'
        ? added.get(`${c.kind}\u0000${c.name}`)
        : undefined;
    if (!twin) {
      out.push(c);
      continue;
    }
    used.add(twin);
    const from = definingFields(c.before as Named['real']);
    const to = definingFields(twin.after as Named['real']);
    const details: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (JSON.stringify(from[k] ?? null) !== JSON.stringify(to[k] ?? null)) {
        details[k] = { from: from[k] ?? null, to: to[k] ?? null };
      }
    }
    // The deparsed definition repeats what the other fields say: keep it only when it is all there is.
    if (Object.keys(details).length > 1) delete details.definition;
    out.push({ kind: c.kind, action: 'changed', name: c.name, before: c.before, after: twin.after, details });
  }
  return out.filter((c) => !used.has(c));
}

/** The model that declares `table`, for messages. */
function modelOf(table: string, tables: ModelTable[]): string | undefined {
  return tables.find((t) => t.table === table)?.model;
}

function tableOfChange(c: Change): string {
  if (c.kind === 'table') return c.name;
  if (c.kind === 'index') return ((c.after ?? c.before) as IndexInfo).table;
  return parentName(c.name);
}

/** One sentence per difference, saying which side has what. */
export function describeModelDrift(c: Change, tables: ModelTable[]): string {
  const table = c.kind === 'enum' ? null : tableOfChange(c);
  const model = table ? modelOf(table, tables) : undefined;
  const what = summarizeChange(c).replace(/^[-+~>] /, '');
  const byModel = model ? `model ${model}` : 'the models';
  switch (c.action) {
    case 'added':
      return `${byModel} declare${model ? 's' : ''} ${what}, which the migrations do not create`;
    case 'removed':
      return `the migrations create ${what}, which ${model ? `model ${model} does not declare` : 'no model declares'}`;
    case 'renamed':
      return `${byModel} call${model ? 's' : ''} it ${c.name}, the migrations create ${c.from}`;
    case 'changed': {
      // The summary shortens long values; an enum's labels are the whole point: all of them.
      const labels = c.kind === 'enum' ? c.details?.labels : undefined;
      if (labels && Object.keys(c.details!).length === 1) {
        return `enum ${c.name}: labels ${JSON.stringify(labels.from)} → ${JSON.stringify(labels.to)} (migrations → models)`;
      }
      return `${what} (migrations → models)`;
    }
  }
}

/** Findings for a comparison: one `model-drift` per difference. */
export function modelDriftFindings(
  changes: Change[],
  tables: ModelTable[],
  severity: Finding['severity'],
): Finding[] {
  return changes.map((c) => ({
    rule: 'model-drift',
    severity,
    message: describeModelDrift(c, tables) + '.',
    fix:
      c.action === 'removed'
        ? 'Declare it in the model, or write a migration that drops it (`schemabot generate NAME`).'
        : 'Write the migration (`schemabot generate NAME` drafts it), or change the model to match the migrations.',
  }));
}

/**
 * The project's models entry: `explicit`, else `.schemabot.yml` `models`, else `.sequelizerc`
 * `models-path`. Null when there are none or the configuration turns the comparison off.
 */
export async function resolveModelsEntry(
  project: Project,
  explicit?: string,
  loaded?: HazardConfig,
): Promise<ModelsEntry | null> {
  if (explicit) return findModels(project, explicit);
  const config = loaded ?? (await loadConfig(project.cwd));
  if (config.models === false) return null;
  return findModels(project, config.models);
}

/** What `sync()` of the models built, as a snapshot, and which tables the models declare. */
export interface ModelsSchema {
  snapshot: Snapshot;
  tables: ModelTable[];
}

/**
 * Syncs the models into a workspace of their own on `server` (no baseline; `opened`, when the caller
 * opened it ahead, else one opened here) and snapshots it. The workspace is closed when it returns.
 */
async function modelsSchema(
  server: PostgresServer,
  project: Project,
  entry: ModelsEntry,
  migrated: Snapshot,
  opened?: Promise<Workspace>,
): Promise<ModelsSchema> {
  await using ws = await (opened ?? Workspace.open(server, project, { baseline: false }));
  const declared = await syncModels(ws, entry, {
    schemas: Object.values(migrated.schemas).map((s) => s.name),
    extensions: Object.values(migrated.extensions).map((e) => ({ name: e.name, schema: e.schema })),
  });
  // Names as the snapshot writes them, to match the models to its tables and columns.
  const quoted = await quoteIdentifiers(
    ws.client,
    declared.flatMap((t) => [t.schema, t.table, ...t.clientDefaults]),
  );
  const q = (name: string) => quoted.get(name) ?? name;
  const tables: ModelTable[] = declared.map((t) => ({
    model: t.model,
    table: `${q(t.schema)}.${q(t.table)}`,
    clientDefaults: t.clientDefaults.map(q),
  }));
  const snapshot = await takeSnapshot(ws.client, { exclude: [ws.meta] });
  return { snapshot, tables };
}

/**
 * The models' schema against `migrated`, on `server`, in the scope asked for (else `.schemabot.yml`'s:
 * `config` when the caller has read it already), in `workspace` when the caller opened one ahead.
 */
export async function compareWithModels(
  server: PostgresServer,
  project: Project,
  entry: ModelsEntry,
  migrated: Snapshot,
  override?: ModelsScope,
  config?: HazardConfig,
  workspace?: Promise<Workspace>,
): Promise<{ comparison: ModelsComparison; schema: ModelsSchema; scope: ModelsScope }> {
  const schema = await modelsSchema(server, project, entry, migrated, workspace);
  const scope = override ?? (config ?? (await loadConfig(project.cwd))).modelsScope ?? 'declared';
  return { comparison: compareModels(migrated, schema.snapshot, schema.tables, scope), schema, scope };
}

/**
 * A migration (or revision) whose `up` failed before the models could be compared or a migration
 * generated: an `up-failed` error that says what could not be done (`consequence`).
 */
export function upFailedFinding(
  failure: MigrationFailure,
  consequence: string,
  subject: 'migration' | 'revision' = 'migration',
): Finding {
  return {
    rule: 'up-failed',
    severity: 'error',
    migration: failure.name,
    file: failure.file,
    ...(failure.line ? { line: failure.line } : {}),
    message: `up failed: ${failure.message.split('\n')[0]}. ${consequence}`,
    fix: `Fix the ${subject} first (\`schemabot check\` shows what it does).`,
  };
}
