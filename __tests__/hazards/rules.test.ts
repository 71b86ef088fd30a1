import { hazardFindings, HAZARD_RULES, type HazardRuleName } from '../../src/assess/hazards.js';
import { loadSqlParser } from '../../src/assess/sql.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { assessStatements, rules, sequelizeSql, templateDatabase } from './fixture.js';

let server: PostgresServer;
let template: string;

beforeAll(async () => {
  server = await startTestPostgres();
  template = await templateDatabase(server);
  await loadSqlParser();
});

afterAll(async () => {
  await server?.stop();
});

interface Case {
  rule: HazardRuleName;
  /** Statements that must produce the rule. */
  hazard: string[];
  /** The safe alternative (or an exempt case): must not produce it. */
  safe: string[];
}

const NEW_TABLE = 'CREATE TABLE drafts (id serial PRIMARY KEY, title text, body text)';

const cases: Case[] = [
  {
    rule: 'non-concurrent-index',
    hazard: ['CREATE INDEX posts_views ON posts (views)'],
    safe: [
      'CREATE INDEX CONCURRENTLY posts_views ON posts (views)',
      NEW_TABLE,
      'CREATE INDEX ON drafts (title)',
    ],
  },
  {
    rule: 'non-concurrent-index',
    hazard: ['DROP INDEX posts_title'],
    safe: ['DROP INDEX CONCURRENTLY posts_title'],
  },
  {
    rule: 'table-rewrite',
    hazard: ['ALTER TABLE posts SET UNLOGGED'],
    safe: ['ALTER TABLE posts SET (fillfactor = 70)'],
  },
  {
    rule: 'access-exclusive-lock',
    hazard: ["SET lock_timeout = '2s'", 'ALTER TABLE posts ADD COLUMN note text'],
    safe: [
      'ALTER TABLE posts SET (autovacuum_enabled = false)',
      NEW_TABLE,
      'ALTER TABLE drafts ADD COLUMN note text',
    ],
  },
  {
    rule: 'add-column-volatile-default',
    hazard: ['ALTER TABLE posts ADD COLUMN token uuid DEFAULT gen_random_uuid()'],
    safe: ["ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft'"],
  },
  {
    rule: 'set-not-null-scan',
    hazard: ['ALTER TABLE posts ALTER COLUMN title SET NOT NULL'],
    safe: [
      'ALTER TABLE posts ADD CONSTRAINT posts_title_nn CHECK (title IS NOT NULL) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_title_nn',
      'ALTER TABLE posts ALTER COLUMN title SET NOT NULL',
      'ALTER TABLE posts DROP CONSTRAINT posts_title_nn',
    ],
  },
  {
    rule: 'fk-without-not-valid',
    hazard: ['ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY ("userId") REFERENCES users (id)'],
    safe: [
      'ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY ("userId") REFERENCES users (id) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_user_fk',
    ],
  },
  {
    rule: 'check-without-not-valid',
    hazard: ['ALTER TABLE posts ADD CONSTRAINT posts_views_positive CHECK (views >= 0)'],
    safe: [
      'ALTER TABLE posts ADD CONSTRAINT posts_views_positive CHECK (views >= 0) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_views_positive',
    ],
  },
  {
    rule: 'unique-constraint-lock',
    hazard: ['ALTER TABLE posts ADD CONSTRAINT posts_title_key UNIQUE (title)'],
    safe: [
      'CREATE UNIQUE INDEX CONCURRENTLY posts_title_key ON posts (title)',
      'ALTER TABLE posts ADD CONSTRAINT posts_title_key UNIQUE USING INDEX posts_title_key',
    ],
  },
  {
    rule: 'column-type-change',
    hazard: ['ALTER TABLE posts ALTER COLUMN views TYPE bigint'],
    safe: [
      'ALTER TABLE posts ALTER COLUMN title TYPE varchar(50)',
      'ALTER TABLE users ALTER COLUMN email TYPE text',
    ],
  },
  {
    rule: 'drop-column',
    hazard: ['ALTER TABLE posts DROP COLUMN body'],
    safe: [NEW_TABLE, 'ALTER TABLE drafts DROP COLUMN body'],
  },
  {
    rule: 'drop-table',
    hazard: ['DROP TABLE IF EXISTS "posts"'],
    safe: [NEW_TABLE, 'DROP TABLE drafts'],
  },
  {
    rule: 'rename-column',
    hazard: ['ALTER TABLE "posts" RENAME COLUMN "body" TO "content"'],
    safe: [NEW_TABLE, 'ALTER TABLE drafts RENAME COLUMN body TO content'],
  },
  {
    rule: 'rename-table',
    hazard: ['ALTER TABLE posts RENAME TO articles'],
    safe: [NEW_TABLE, 'ALTER TABLE drafts RENAME TO sketches'],
  },
  {
    rule: 'enum-value-in-transaction',
    hazard: [
      'START TRANSACTION;',
      "ALTER TYPE mood ADD VALUE 'angry'",
      "UPDATE users SET mood = 'angry' WHERE id = 1",
      'COMMIT;',
    ],
    safe: ["ALTER TYPE mood ADD VALUE 'angry'", "UPDATE users SET mood = 'angry' WHERE id = 1"],
  },
  {
    rule: 'missing-lock-timeout',
    hazard: ["SET lock_timeout = '0'", 'ALTER TABLE posts ADD COLUMN note text'],
    safe: ["SET lock_timeout = '2s'", 'ALTER TABLE posts ADD COLUMN note text'],
  },
  {
    rule: 'missing-lock-timeout',
    hazard: ["SET LOCAL lock_timeout = '2s'", 'ALTER TABLE posts RENAME COLUMN body TO content'],
    safe: [
      'BEGIN',
      "SET LOCAL lock_timeout = '2s'",
      'ALTER TABLE posts RENAME COLUMN body TO content',
      'COMMIT',
    ],
  },
];

describe.each(cases)('$rule', ({ rule, hazard, safe }) => {
  test(`reported for: ${hazard.join('; ')}`, async () => {
    const { findings, observation } = await assessStatements(server, template, hazard);
    expect(observation.statements.filter((s) => s.error && s.code !== '55P04')).toEqual([]);
    const found = findings.filter((f) => f.rule === rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({
      severity: HAZARD_RULES[rule].severity,
      migration: '20260101000000-case.js',
      file: 'migrations/20260101000000-case.js',
      fix: HAZARD_RULES[rule].fix,
    });
    expect(found[0]!.line).toBeGreaterThanOrEqual(1);
  });

  test(`not reported for: ${safe.join('; ')}`, async () => {
    const { findings, observation } = await assessStatements(server, template, safe);
    expect(observation.statements.filter((s) => s.error)).toEqual([]);
    expect(rules(findings)).not.toContain(rule);
  });
});

describe('measured facts behind the findings', () => {
  test('a non-concurrent index build holds ShareLock (blocks writes) on the existing table', async () => {
    const { findings, observation } = await assessStatements(server, template, [
      'CREATE INDEX posts_views ON posts (views)',
    ]);
    expect(observation.statements[0]!.locks).toContainEqual(
      expect.objectContaining({ relation: 'public.posts', mode: 'ShareLock', blocks: ['writes'] }),
    );
    expect(findings.find((f) => f.rule === 'non-concurrent-index')!.message).toMatch(
      /ShareLock on public\.posts \(blocks writes\)/,
    );
  });

  test('a type change that needs no rewrite is measured as such and only reported as a lock', async () => {
    const { findings, observation } = await assessStatements(server, template, [
      'ALTER TABLE posts ALTER COLUMN title TYPE varchar(50)',
      'ALTER TABLE posts ALTER COLUMN views TYPE bigint',
    ]);
    expect(observation.statements[0]!.rewrites).toEqual([]);
    expect(observation.statements[1]!.rewrites).toEqual(expect.arrayContaining(['public.posts']));
    expect(findings.filter((f) => f.rule === 'column-type-change').map((f) => f.line)).toEqual([2]);
    // The first exclusive lock is named once, by missing-lock-timeout; no info finding repeats it.
    expect(findings.filter((f) => f.rule === 'missing-lock-timeout').map((f) => f.line)).toEqual([1]);
    expect(findings.filter((f) => f.rule === 'access-exclusive-lock').map((f) => f.line)).toEqual([]);
    // The rewrite is explained by column-type-change, not reported twice.
    expect(rules(findings)).not.toContain('table-rewrite');
  });

  test('SET NOT NULL after a validated IS NOT NULL check scans nothing (measured)', async () => {
    const { observation } = await assessStatements(server, template, [
      'ALTER TABLE posts ADD CONSTRAINT posts_title_nn CHECK (title IS NOT NULL) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_title_nn',
      'ALTER TABLE posts ALTER COLUMN title SET NOT NULL',
    ]);
    const [add, validate, setNotNull] = observation.statements;
    expect(add!.scans).toEqual([]);
    expect(validate!.scans).toEqual(['public.posts']);
    expect(validate!.locks.map((l) => l.mode)).toEqual(['ShareUpdateExclusiveLock']);
    expect(setNotNull!.scans).toEqual([]);
  });

  test('a validated foreign key scans and write-locks both tables', async () => {
    const { observation } = await assessStatements(server, template, [
      'ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY ("userId") REFERENCES users (id)',
    ]);
    const s = observation.statements[0]!;
    expect(s.scans.sort()).toEqual(['public.posts', 'public.users']);
    const tableLocks = s.locks.filter((l) => l.kind === 'table').map((l) => [l.relation, l.mode]);
    expect(tableLocks.sort()).toEqual([
      ['public.posts', 'ShareRowExclusiveLock'],
      ['public.users', 'ShareRowExclusiveLock'],
    ]);
  });

  test('the new enum value used in the same transaction is refused by PostgreSQL (55P04)', async () => {
    const { findings, observation } = await assessStatements(server, template, [
      'START TRANSACTION;',
      "ALTER TYPE mood ADD VALUE 'angry'",
      "UPDATE users SET mood = 'angry' WHERE id = 1",
      'COMMIT;',
    ]);
    expect(observation.statements[2]!.code).toBe('55P04');
    const f = findings.find((x) => x.rule === 'enum-value-in-transaction')!;
    expect(f.line).toBe(3);
    expect(f.message).toMatch(/'angry'.*statement 2/);
  });

  test('one missing-lock-timeout finding per migration, at the first exclusive statement', async () => {
    const { findings } = await assessStatements(server, template, [
      'CREATE INDEX CONCURRENTLY posts_views ON posts (views)',
      'ALTER TABLE posts ADD COLUMN note text',
      'ALTER TABLE users ADD COLUMN note text',
    ]);
    const missing = findings.filter((f) => f.rule === 'missing-lock-timeout');
    expect(missing).toHaveLength(1);
    expect(missing[0]!.line).toBe(2);
    expect(missing[0]!.message).toMatch(/AccessExclusiveLock on public\.posts/);
  });
});

describe('without a replay, from the SQL alone', () => {
  const input = (statements: string[], postgresMajor = 15) => ({
    migration: 'm.js',
    file: 'migrations/m.js',
    statements: statements.map((sql) => ({ sql })),
    postgresMajor,
  });

  test('ALTER TYPE ... ADD VALUE in a transaction block is refused before PostgreSQL 12', () => {
    const sql = ['BEGIN', "ALTER TYPE mood ADD VALUE 'angry'", 'COMMIT'];
    expect(rules(hazardFindings(input(sql, 11)))).toContain('enum-value-in-transaction');
    expect(rules(hazardFindings(input(sql, 12)))).not.toContain('enum-value-in-transaction');
    expect(rules(hazardFindings(input(sql.slice(1, 2), 11)))).not.toContain('enum-value-in-transaction');
  });

  test('a volatile default is told from a constant one by the functions it calls', () => {
    expect(
      rules(hazardFindings(input(['ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()']))),
    ).toContain('add-column-volatile-default');
    expect(rules(hazardFindings(input(["ALTER TABLE t ADD COLUMN s text DEFAULT 'x'"])))).not.toContain(
      'add-column-volatile-default',
    );
    // Before PostgreSQL 11 every default rewrote the table.
    expect(rules(hazardFindings(input(["ALTER TABLE t ADD COLUMN s text DEFAULT 'x'"], 10)))).toContain(
      'add-column-volatile-default',
    );
  });

  test('tables the migration creates, by its SQL or as told, are exempt', () => {
    const own = [
      'CREATE TABLE drafts (a int, b int)',
      'CREATE INDEX drafts_a ON drafts (a)',
      'DROP INDEX drafts_a',
    ];
    expect(rules(hazardFindings(input([...own, 'ALTER TABLE drafts DROP COLUMN b'])))).toEqual([]);
    expect(rules(hazardFindings(input(['DROP INDEX drafts_a'])))).toContain('non-concurrent-index');

    const sql = ['ALTER TABLE t DROP COLUMN a'];
    expect(rules(hazardFindings(input(sql)))).toContain('drop-column');
    expect(rules(hazardFindings({ ...input(sql), createdInMigration: ['public.t'] }))).not.toContain(
      'drop-column',
    );
  });

  test('rules set to off are not evaluated, and severities follow the configuration', () => {
    const sql = ['ALTER TABLE t DROP COLUMN a', 'ALTER TABLE t RENAME COLUMN b TO c'];
    const found = hazardFindings(input(sql), {
      failOn: 'error',
      rules: { 'drop-column': 'off', 'rename-column': 'error' },
    });
    expect(found.map((f) => [f.rule, f.severity])).toEqual([
      ['rename-column', 'error'],
      ['missing-lock-timeout', 'warning'],
    ]);
  });
});

test('the SQL Sequelize sends for common queryInterface calls', async () => {
  const sql = await sequelizeSql(server, template, async (qi, sequelize, types) => {
    await qi.addColumn('posts', 'status', {
      type: types.ENUM('draft', 'published'),
      allowNull: false,
      defaultValue: 'draft',
    });
    await qi.addColumn('posts', 'token', {
      type: types.UUID,
      defaultValue: sequelize.literal('gen_random_uuid()'),
    });
    await qi.addIndex('posts', ['views']);
    await qi.addIndex('posts', ['userId'], { concurrently: true });
    await qi.changeColumn('posts', 'views', { type: types.BIGINT, allowNull: true });
    await qi.renameColumn('posts', 'body', 'content');
    await qi.removeColumn('users', 'name');
    await qi.createTable('tags', { id: { type: types.INTEGER, primaryKey: true }, label: types.STRING });
    await qi.addIndex('tags', ['label']);
    await qi.sequelize.transaction(async (transaction) => {
      await qi.addColumn('users', 'age', types.INTEGER, { transaction });
    });
  });
  const { findings, observation } = await assessStatements(server, template, sql);
  expect(observation.statements.filter((s) => s.error)).toEqual([]);
  const byRule = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.line);
  const lineOf = (fragment: string) => sql.findIndex((s) => s.includes(fragment)) + 1;
  expect(byRule('add-column-volatile-default')).toEqual([lineOf('"token"')]);
  expect(byRule('non-concurrent-index')).toEqual([lineOf('CREATE INDEX "posts_views"')]);
  expect(byRule('column-type-change')).toEqual([lineOf('TYPE BIGINT')]);
  expect(byRule('rename-column')).toEqual([lineOf('RENAME COLUMN')]);
  expect(byRule('drop-column')).toEqual([lineOf('DROP COLUMN "name"')]);
  expect(byRule('missing-lock-timeout')).toEqual([lineOf('"status"')]);
  // The table created by the migration is exempt; the transaction's lock lasts until its COMMIT.
  expect(findings.some((f) => f.message.includes('tags'))).toBe(false);
  const inTransaction = observation.statements.find((s) => s.migrationTransaction && s.locks.length)!;
  expect(inTransaction.locks[0]).toMatchObject({ relation: 'public.users', mode: 'AccessExclusiveLock' });
  expect(inTransaction.locks[0]!.releasedBy).toBe(sql.findIndex((s) => /^COMMIT/.test(s)));
});
