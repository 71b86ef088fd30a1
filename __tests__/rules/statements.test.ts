import { sequelizeSql } from '../hazards/fixture.js';
import { judge, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

/**
 * Statements as PostgreSQL sees them: Sequelize sends an ENUM column as one query (a DO block that
 * creates the type, then ALTER TABLE), after reading the catalog. Findings quote the ALTER TABLE,
 * and statement numbers count only the migration's own statements.
 */
test('an ENUM addColumn: the lock is pinned on the ALTER TABLE, numbered without the catalog reads', async () => {
  const sql = await sequelizeSql(h.server, h.template, async (qi, _s, types) => {
    await qi.addColumn('users', 'login_method', {
      type: types.ENUM('password', 'google'),
      allowNull: true,
    });
    await qi.addIndex('users', ['login_method']);
  });
  const query = sql.findIndex((s) => /CREATE TYPE/.test(s) && /ALTER TABLE/.test(s));
  expect(query).toBeGreaterThanOrEqual(0);
  const { findings, observation } = await judge(h, sql);
  expect(replayErrors(observation)).toEqual([]);
  const parts = observation.statements.filter((s) => s.index === query);
  expect(parts.map((p) => p.sql.slice(0, 11))).toEqual(["DO 'BEGIN C", 'ALTER TABLE']);
  expect(parts[1]!.locks).toContainEqual(
    expect.objectContaining({ relation: 'public.users', mode: 'AccessExclusiveLock' }),
  );
  const catalogReads = sql.slice(0, query).filter((s) => /^SELECT/i.test(s.trim())).length;
  const missing = of('missing-lock-timeout', findings);
  expect(missing).toHaveLength(1);
  // Statement numbers: the catalog reads before it are not counted, the DO block is.
  const expected = query - catalogReads + 2;
  expect(missing[0]!.message).toMatch(
    new RegExp(`\\(statement ${expected}: ALTER TABLE "public"\\."users" ADD COLUMN "login_method"`),
  );
  expect(missing[0]!.message).not.toMatch(/DO 'BEGIN/);
  // The index is reported once, with the name of the table; no info repeats the same table.
  expect(of('non-concurrent-index', findings)).toHaveLength(1);
  expect(
    findings.filter((f) => f.rule === 'access-exclusive-lock' && /public\.users/.test(f.message)),
  ).toEqual([]);
});

test('a serial primary key added to an existing table is add-column-volatile-default, index build named', async () => {
  const { findings, observation } = await judge(h, ['ALTER TABLE users ADD COLUMN seq serial PRIMARY KEY']);
  // users already has a primary key; use a table without one.
  expect(observation.statements[0]!.code).toBe('42P16');
  const ok = await judge(h, [
    'ALTER TABLE users DROP CONSTRAINT users_pkey',
    'ALTER TABLE users ADD COLUMN seq serial PRIMARY KEY',
  ]);
  expect(replayErrors(ok.observation)).toEqual([]);
  const f = of('add-column-volatile-default', ok.findings);
  expect(f).toHaveLength(1);
  expect(f[0]!.message).toMatch(/^ADD COLUMN seq serial with a default rewrote public\.users/);
  expect(f[0]!.message).toMatch(/PRIMARY KEY index is built while the table is locked/);
  expect(ok.findings.filter((x) => x.rule === 'table-rewrite' && x.line === 2)).toEqual([]);
  void findings;
});

test('a type change counts every index it rebuilds, also those PostgreSQL drops and creates again', async () => {
  const { findings, observation } = await judge(h, [
    'ALTER TABLE posts ALTER COLUMN title TYPE integer USING length(title)',
  ]);
  expect(replayErrors(observation)).toEqual([]);
  // posts_pkey gets a new data file; posts_title (on the altered column) a new oid under the same name.
  expect([...observation.statements[0]!.rewrites].sort()).toEqual([
    'public.posts',
    'public.posts_pkey',
    'public.posts_title',
  ]);
  expect(of('column-type-change', findings)[0]!.message).toMatch(
    /rewrote public\.posts and rebuilt 2 indexes/,
  );
});
