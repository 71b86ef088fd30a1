import type { HazardConfig } from '../../src/assess/config.js';
import { HAZARD_RULES } from '../../src/assess/hazards.js';
import { judge, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

const on = (...rules: string[]): HazardConfig => ({
  failOn: 'error',
  rules: Object.fromEntries(rules.map((r) => [r, 'warning'])),
});

const DESIGN = ['prefer-bigint-primary-key', 'prefer-timestamptz', 'ban-char-field'] as const;

test('the design rules are off by default and documented as such', () => {
  for (const rule of DESIGN) expect(HAZARD_RULES[rule].optIn).toBe(true);
});

const cases = [
  {
    rule: 'prefer-bigint-primary-key',
    fires: [
      ['CREATE TABLE drafts (id serial PRIMARY KEY, title text)', /drafts\.id is a serial primary key/],
      [
        'CREATE TABLE drafts (id integer, title text, PRIMARY KEY (id))',
        /drafts\.id is a integer primary key/,
      ],
    ],
    silent: [
      'CREATE TABLE drafts (id bigserial PRIMARY KEY, title text)',
      'CREATE TABLE drafts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)',
      'CREATE TABLE drafts (id uuid PRIMARY KEY, n integer)',
    ],
  },
  {
    rule: 'prefer-timestamptz',
    fires: [
      [
        'CREATE TABLE drafts (id bigserial PRIMARY KEY, at timestamp)',
        /drafts\.at is timestamp without time zone/,
      ],
      ['ALTER TABLE posts ADD COLUMN seen_at timestamp(3)', /posts\.seen_at is timestamp without time zone/],
    ],
    silent: [
      'CREATE TABLE drafts (id bigserial PRIMARY KEY, at timestamptz)',
      'ALTER TABLE posts ADD COLUMN seen_at timestamp with time zone',
    ],
  },
  {
    rule: 'ban-char-field',
    fires: [
      ['CREATE TABLE drafts (id bigserial PRIMARY KEY, code char(3))', /drafts\.code is char\(3\)/],
      ['ALTER TABLE posts ADD COLUMN code character(2)', /posts\.code is char\(2\)/],
    ],
    silent: [
      'CREATE TABLE drafts (id bigserial PRIMARY KEY, code varchar(3), note text)',
      'ALTER TABLE posts ALTER COLUMN title TYPE text',
    ],
  },
] as const;

describe.each(cases)('$rule', ({ rule, fires, silent }) => {
  test.each(fires)('fires when turned on: %s', async (sql, message) => {
    const { findings, observation } = await judge(h, [sql], on(rule));
    expect(replayErrors(observation)).toEqual([]);
    const found = of(rule, findings);
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.message).toMatch(message);
    // Off by default: the same SQL without configuration.
    expect(of(rule, (await judge(h, [sql])).findings)).toEqual([]);
  });

  test.each(silent)('stays silent when turned on: %s', async (sql) => {
    const { findings, observation } = await judge(h, [sql], on(rule));
    expect(replayErrors(observation)).toEqual([]);
    expect(of(rule, findings)).toEqual([]);
  });
});
