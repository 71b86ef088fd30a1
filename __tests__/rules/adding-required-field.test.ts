import { judge, NEW_TABLE, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

describe('adding-required-field fires', () => {
  test('NOT NULL without a default on an existing (empty) table', async () => {
    const { findings, observation } = await judge(h, ['ALTER TABLE accounts ADD COLUMN plan text NOT NULL']);
    expect(replayErrors(observation)).toEqual([]);
    const [f, ...rest] = of('adding-required-field', findings);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', line: 1 });
    expect(f!.message).toMatch(
      /^adds public\.accounts\.plan text NOT NULL without a default: it fails on the first existing row/,
    );
  });

  test('on a table with rows PostgreSQL refuses it, and the finding says so', async () => {
    const { findings, observation } = await judge(h, ['ALTER TABLE posts ADD COLUMN slug text NOT NULL']);
    expect(observation.statements[0]!.code).toBe('23502');
    expect(of('adding-required-field', findings)[0]!.message).toMatch(/refused it on the rows/);
  });

  test('a default that is dropped later in the migration (Sequelize addColumn then changeColumn)', async () => {
    const { findings } = await judge(h, [
      `ALTER TABLE "public"."posts" ADD COLUMN "slug" VARCHAR(255) NOT NULL DEFAULT 'none';`,
      'ALTER TABLE "posts" ALTER COLUMN "slug" DROP DEFAULT;',
    ]);
    const found = of('adding-required-field', findings);
    expect(found.map((f) => f.line)).toEqual([2]);
    expect(found[0]!.message).toMatch(/added NOT NULL in statement 1/);
  });

  test('a primary key column added without a default', async () => {
    const { findings } = await judge(h, ['ALTER TABLE accounts ADD COLUMN code integer PRIMARY KEY']);
    expect(of('adding-required-field', findings)).toHaveLength(1);
  });
});

describe('adding-required-field stays silent', () => {
  test.each([
    [
      "a constant default: ADD COLUMN ... NOT NULL DEFAULT 'draft'",
      ["ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft'"],
    ],
    ['a nullable column', ['ALTER TABLE posts ADD COLUMN note text']],
    ['DROP NOT NULL', ['ALTER TABLE posts ALTER COLUMN title DROP NOT NULL']],
    ['a serial (it has its sequence as default)', ['ALTER TABLE accounts ADD COLUMN seq serial NOT NULL']],
    ['an identity column', ['ALTER TABLE accounts ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY']],
    ['a table the migration creates', [NEW_TABLE, 'ALTER TABLE drafts ADD COLUMN slug text NOT NULL']],
    [
      'dropping the default of another column',
      [
        "ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft'",
        'ALTER TABLE posts ALTER COLUMN body DROP DEFAULT',
      ],
    ],
  ])('%s', async (_name, statements) => {
    const { findings, observation } = await judge(h, statements);
    expect(replayErrors(observation)).toEqual([]);
    expect(of('adding-required-field', findings)).toEqual([]);
  });
});
