/**
 * The JSON Schema of every report Schemabot writes or reads: the check report, the models, generate and
 * diff reports, the production reports (status, upgrade, rollback, stamp) and the fork artifact (a check
 * report with the pull request it is about). Published as `docs/report.schema.json` (`npm run schema`
 * writes it; a test keeps it identical). Objects Schemabot defines list their fields
 * (`additionalProperties: false`); schema snapshots inside changes (`before`, `after`) are free JSON.
 * The bounds are those the comment job accepts from a fork's artifact.
 */

export const SCHEMA_VERSION = 1;
export const REPORT_SCHEMA_ID = `https://schemabot.github.io/schema/report/v${SCHEMA_VERSION}.json`;

/** Bounds on what a report (and so a fork's artifact) may hold. */
export const REPORT_LIMITS = {
  shortString: 1024,
  text: 256 * 1024,
  sql: 4 * 1024 * 1024,
  migrations: 10_000,
  statements: 100_000,
  changes: 200_000,
  findings: 50_000,
};

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const str = (maxLength = REPORT_LIMITS.shortString, description?: string): Schema => ({
  type: 'string',
  maxLength,
  ...(description ? { description } : {}),
});
const num: Schema = { type: 'number', minimum: 0 };
const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const bool: Schema = { type: 'boolean' };
// The schema first: a wrong value is then reported against it, not as "must be null".
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const list = (items: Schema, maxItems: number = REPORT_LIMITS.changes): Schema => ({
  type: 'array',
  maxItems,
  items,
});
const oneOf = (...values: string[]): Schema => ({ enum: values });

/** An object with exactly these fields; `optional` names those that may be absent. */
function object(properties: Record<string, Schema>, optional: string[] = [], description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  };
}

const postgres = object({ version: str(64), provider: str(64) });

const checkFields: Record<string, Schema> = {
  schemaVersion: { const: SCHEMA_VERSION },
  mode: { const: 'check' },
  ok: bool,
  failOn: oneOf('error', 'warning', 'info', 'never'),
  postgres,
  base: nullable(object({ ref: str(), sha: str(64) })),
  head: object({ sha: nullable(str(64)) }),
  migrationsPath: str(),
  baseReplay: object(
    {
      migrations: int(),
      ms: num,
      statementMs: num,
      cache: object(
        { hit: bool, restored: int(), key: str(64), ms: num, source: oneOf('dump', 'cluster') },
        ['source'],
        'The base-state cache, when it was on: how many base migrations came from it (not replayed), the key of the whole base state, and on a hit where the state came from (dump: the saved file restored; cluster: the database of a cluster kept by an earlier run, with the local provider).',
      ),
    },
    ['cache'],
  ),
  migrations: list(ref('MigrationReport'), REPORT_LIMITS.migrations),
  changes: list(ref('Change')),
  findings: list(ref('Finding'), REPORT_LIMITS.findings),
  models: ref('ModelsSection'),
  summary: object({
    checked: int(),
    failed: int(),
    irreversible: int(),
    changes: int(),
    errors: int(),
    warnings: int(),
  }),
  durationMs: num,
};

const productionBase: Record<string, Schema> = {
  schemaVersion: { const: SCHEMA_VERSION },
  ok: bool,
  database: str(),
  postgres: nullable(object({ version: str(64) })),
  error: nullable(str(REPORT_LIMITS.text)),
  durationMs: num,
};

const migrationState: Record<string, Schema> = {
  applied: list(str(), REPORT_LIMITS.migrations),
  pending: list(str(), REPORT_LIMITS.migrations),
  missing: list(str(), REPORT_LIMITS.migrations),
  outOfOrder: list(str(), REPORT_LIMITS.migrations),
  current: nullable(str()),
};

const definitions: Record<string, Schema> = {
  Change: object(
    {
      kind: oneOf(
        'schema',
        'extension',
        'table',
        'column',
        'constraint',
        'index',
        'enum',
        'domain',
        'type',
        'sequence',
        'view',
        'materialized_view',
        'function',
        'trigger',
        'policy',
        'comment',
        'privilege',
      ),
      action: oneOf('added', 'removed', 'changed', 'renamed'),
      name: str(),
      before: {},
      after: {},
      details: {
        type: 'object',
        additionalProperties: object({ from: {}, to: {} }, ['from', 'to']),
      },
      from: str(),
      evidence: str(REPORT_LIMITS.text),
    },
    ['before', 'after', 'details', 'from', 'evidence'],
    'One schema change: `before`/`after` are the catalog snapshot of the object (null when absent).',
  ),
  Statement: object(
    { sql: str(REPORT_LIMITS.sql), ms: num, failed: bool, unfinished: bool, line: int(1), late: bool },
    ['failed', 'unfinished', 'line', 'late'],
  ),
  MigrationError: object(
    {
      message: str(REPORT_LIMITS.text),
      file: str(),
      line: int(),
      sql: str(REPORT_LIMITS.sql),
      code: str(16),
      detail: str(REPORT_LIMITS.text),
      hint: str(REPORT_LIMITS.text),
      position: int(),
    },
    ['file', 'line', 'sql', 'code', 'detail', 'hint', 'position'],
  ),
  StepReport: object(
    {
      ok: bool,
      ms: num,
      statements: list(ref('Statement'), REPORT_LIMITS.statements),
      error: nullable(ref('MigrationError')),
      unawaited: object({ sql: str(REPORT_LIMITS.sql), line: int(1) }, ['line']),
    },
    ['unawaited'],
  ),
  DataLoss: object(
    {
      kind: oneOf('table', 'column'),
      name: str(),
      rows: nullable(int()),
      migration: str(),
      operation: str(),
      sql: str(REPORT_LIMITS.sql),
    },
    ['migration', 'operation', 'sql'],
  ),
  Cancelled: object({
    signal: oneOf('SIGTERM', 'SIGINT'),
    cancelledBackends: list(int(), REPORT_LIMITS.migrations),
    rolledBack: bool,
    message: str(REPORT_LIMITS.text),
  }),
  MigrationObservation: object({
    postgresMajor: int(),
    statements: list(
      object(
        {
          index: int(),
          part: int(),
          sql: str(REPORT_LIMITS.sql),
          ms: num,
          locks: list(
            object(
              {
                relation: str(),
                kind: oneOf('table', 'index', 'sequence', 'other'),
                mode: str(64),
                blocks: list(oneOf('reads', 'writes'), 2),
                ms: num,
                releasedBy: int(),
              },
              ['releasedBy'],
            ),
          ),
          rewrites: list(str()),
          scans: list(str()),
          inTransaction: bool,
          migrationTransaction: bool,
          control: bool,
          error: str(REPORT_LIMITS.text),
          code: str(16),
        },
        ['part', 'migrationTransaction', 'control', 'error', 'code'],
      ),
      REPORT_LIMITS.statements,
    ),
    before: list(
      object({
        name: str(),
        schema: str(),
        relname: str(),
        kind: oneOf('table', 'index', 'sequence', 'other'),
      }),
    ),
    created: list(str()),
    dropped: list(str()),
  }),
  MigrationReport: object(
    {
      name: str(),
      file: str(),
      change: oneOf('added', 'modified', 'deleted', 'unchanged'),
      up: nullable(ref('StepReport')),
      down: nullable(ref('StepReport')),
      reup: nullable(ref('StepReport')),
      reversible: nullable(bool),
      residue: list(ref('Change')),
      reupDiff: list(ref('Change')),
      observation: ref('MigrationObservation'),
      skipped: str(REPORT_LIMITS.text),
    },
    ['reupDiff', 'observation', 'skipped'],
  ),
  Finding: object(
    {
      rule: str(128),
      severity: oneOf('error', 'warning', 'info'),
      migration: str(),
      file: str(),
      line: int(),
      message: str(REPORT_LIMITS.text),
      fix: str(REPORT_LIMITS.text),
      docs: str(),
      suppressed: object({ reason: str(REPORT_LIMITS.text) }),
    },
    ['migration', 'file', 'line', 'fix', 'docs', 'suppressed'],
  ),
  ModelsSection: object(
    { source: str(), tables: int(), changes: list(ref('Change')), error: str(REPORT_LIMITS.text) },
    ['error'],
  ),
  CheckReport: object(
    checkFields,
    ['models', 'failOn'],
    '`schemabot check --json`, and the action’s `report-path` (mode check).',
  ),
  PullRequestRef: object(
    {
      number: int(1),
      headSha: { type: 'string', pattern: '^(?:[0-9a-f]{40}|[0-9a-f]{64})$', description: 'a commit SHA' },
      baseSha: { type: 'string', pattern: '^(?:[0-9a-f]{40}|[0-9a-f]{64})$', description: 'a commit SHA' },
      repo: {
        type: 'string',
        pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$',
        description: '"owner/name"',
      },
    },
    [],
    'The pull request a fork’s check was about.',
  ),
  ForkArtifact: object(
    { ...checkFields, pr: ref('PullRequestRef') },
    ['models', 'failOn'],
    'What the pull_request job of the fork-safe pair uploads and the workflow_run job (mode comment) reads.',
  ),
  ModelsReport: object(
    {
      schemaVersion: { const: SCHEMA_VERSION },
      mode: { const: 'models' },
      ok: bool,
      postgres,
      models: object({ source: str(), tables: int() }),
      migrations: object({ applied: int(), failed: nullable(str()) }),
      changes: list(ref('Change')),
      findings: list(ref('Finding'), REPORT_LIMITS.findings),
      durationMs: num,
    },
    [],
    '`schemabot models --json`.',
  ),
  GenerateReport: object(
    {
      schemaVersion: { const: SCHEMA_VERSION },
      mode: { const: 'generate' },
      ok: bool,
      postgres,
      file: nullable(str()),
      changes: list(ref('Change')),
      operations: int(),
      todos: list(str(REPORT_LIMITS.text)),
      proof: nullable(
        object({
          up: nullable(ref('StepReport')),
          down: nullable(ref('StepReport')),
          reup: nullable(ref('StepReport')),
          reversible: nullable(bool),
          residue: list(ref('Change')),
          remaining: list(ref('Change')),
        }),
      ),
      findings: list(ref('Finding'), REPORT_LIMITS.findings),
      durationMs: num,
    },
    [],
    '`schemabot generate --json`.',
  ),
  DiffReport: object(
    {
      schemaVersion: { const: SCHEMA_VERSION },
      mode: { const: 'diff' },
      from: str(),
      to: str(),
      changes: list(ref('Change')),
    },
    [],
    '`schemabot diff --json`.',
  ),
  ProductionStep: object(
    {
      name: str(),
      file: nullable(str()),
      direction: oneOf('up', 'down'),
      ok: bool,
      ms: num,
      startedAt: str(64),
      finishedAt: str(64),
      attempts: int(1),
      transaction: bool,
      outsideTransaction: str(REPORT_LIMITS.text),
      statements: list(ref('Statement'), REPORT_LIMITS.statements),
      error: nullable(ref('MigrationError')),
    },
    ['outsideTransaction'],
  ),
  Rehearsal: object({
    ok: bool,
    postgres: nullable(postgres),
    replayed: int(),
    steps: list(
      object(
        {
          name: str(),
          direction: oneOf('up', 'down'),
          ok: bool,
          ms: num,
          transaction: bool,
          outsideTransaction: str(REPORT_LIMITS.text),
          statements: list(ref('Statement'), REPORT_LIMITS.statements),
          error: nullable(ref('MigrationError')),
        },
        ['outsideTransaction'],
      ),
      REPORT_LIMITS.migrations,
    ),
    error: nullable(str(REPORT_LIMITS.text)),
  }),
  Failure: object(
    { migration: str(), rolledBack: bool, error: ref('MigrationError'), step: ref('ProductionStep') },
    ['step'],
  ),
  MigrationState: object(migrationState),
  Lock: object({ key: str(), waitedMs: num }),
  StatusReport: object(
    {
      ...productionBase,
      mode: { const: 'status' },
      ...migrationState,
      drift: nullable(list(ref('Change'))),
      rehearsal: ref('Rehearsal'),
      heads: list(str(), REPORT_LIMITS.migrations),
    },
    ['rehearsal', 'heads'],
    '`schemabot status --json`, and the action’s `report-path` (mode status).',
  ),
  UpgradeReport: object(
    {
      ...productionBase,
      mode: { const: 'upgrade' },
      dryRun: bool,
      pending: object({
        before: list(str(), REPORT_LIMITS.migrations),
        after: list(str(), REPORT_LIMITS.migrations),
      }),
      applied: list(ref('ProductionStep'), REPORT_LIMITS.migrations),
      current: nullable(str()),
      changes: list(ref('Change')),
      failed: nullable(ref('Failure')),
      state: ref('MigrationState'),
      drift: nullable(list(ref('Change'))),
      dataLoss: list(ref('DataLoss'), REPORT_LIMITS.migrations),
      rehearsal: nullable(ref('Rehearsal')),
      lock: nullable(ref('Lock')),
      cancelled: ref('Cancelled'),
    },
    ['cancelled'],
    '`schemabot upgrade --json`, and the action’s `report-path` (mode upgrade).',
  ),
  RollbackReport: object(
    {
      ...productionBase,
      mode: { const: 'rollback' },
      dryRun: bool,
      target: nullable(str()),
      plan: list(str(), REPORT_LIMITS.migrations),
      reverted: list(ref('ProductionStep'), REPORT_LIMITS.migrations),
      current: nullable(str()),
      changes: list(ref('Change')),
      dataLoss: list(ref('DataLoss'), REPORT_LIMITS.migrations),
      failed: nullable(ref('Failure')),
      state: ref('MigrationState'),
      rehearsal: nullable(ref('Rehearsal')),
      lock: nullable(ref('Lock')),
      cancelled: ref('Cancelled'),
    },
    ['cancelled'],
    '`schemabot rollback --json`, and the action’s `report-path` (mode rollback).',
  ),
  StampReport: object(
    {
      ...productionBase,
      mode: { const: 'stamp' },
      to: str(),
      added: list(str(), REPORT_LIMITS.migrations),
      current: nullable(str()),
      state: ref('MigrationState'),
      lock: nullable(ref('Lock')),
    },
    [],
    '`schemabot stamp --json`, and the action’s `report-path` (mode stamp).',
  ),
};

/** Which definition a report of each `mode` follows (a check report with `pr` is the fork artifact). */
const BY_MODE: [string, string][] = [
  ['models', 'ModelsReport'],
  ['generate', 'GenerateReport'],
  ['diff', 'DiffReport'],
  ['status', 'StatusReport'],
  ['upgrade', 'UpgradeReport'],
  ['rollback', 'RollbackReport'],
  ['stamp', 'StampReport'],
];

export const REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: REPORT_SCHEMA_ID,
  title: 'Schemabot report',
  description:
    'Every JSON report Schemabot writes or reads, schemaVersion 1. The `mode` field says which one it is; a check report that carries `pr` is the fork artifact. Fields are only ever added.',
  allOf: [
    {
      type: 'object',
      required: ['schemaVersion', 'mode'],
      properties: {
        schemaVersion: { const: SCHEMA_VERSION },
        mode: oneOf('check', ...BY_MODE.map(([m]) => m)),
      },
    },
    {
      if: { properties: { mode: { const: 'check' } }, required: ['pr'] },
      then: ref('ForkArtifact'),
    },
    {
      if: { properties: { mode: { const: 'check' } }, not: { required: ['pr'] } },
      then: ref('CheckReport'),
    },
    ...BY_MODE.map(([mode, definition]) => ({
      if: { properties: { mode: { const: mode } } },
      then: ref(definition),
    })),
  ],
  definitions,
};
