import { HAZARD_RULES } from '../../src/assess/hazards.js';
import type { HazardConfig } from '../../src/assess/config.js';
import { judge, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

/** Every rule on, the design rules too: the safe controls must stay free of warnings and errors. */
const ALL_ON: HazardConfig = {
  failOn: 'warning',
  rules: Object.fromEntries(
    Object.values(HAZARD_RULES)
      .filter((r) => r.optIn)
      .map((r) => [r.name, 'warning']),
  ),
};

/** The safe forms of the hazards: zero false alarms is the contract. */
const CONTROLS: [string, string[]][] = [
  [
    'varchar(n) to text (no rewrite)',
    ["SET lock_timeout = '2s'", 'ALTER TABLE users ALTER COLUMN email TYPE text'],
  ],
  [
    'a larger varchar(n)',
    ["SET lock_timeout = '2s'", 'ALTER TABLE posts ALTER COLUMN title TYPE varchar(200)'],
  ],
  ['DROP NOT NULL', ["SET lock_timeout = '2s'", 'ALTER TABLE posts ALTER COLUMN title DROP NOT NULL']],
  [
    'a constant default',
    ["SET lock_timeout = '2s'", "ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft'"],
  ],
  ['a concurrent index build', ['CREATE INDEX CONCURRENTLY posts_views ON posts (views)']],
  ['a concurrent index drop', ['DROP INDEX CONCURRENTLY posts_title']],
  [
    'a migration that sets lock_timeout first',
    ['BEGIN', "SET LOCAL lock_timeout = '2s'", 'ALTER TABLE posts ADD COLUMN note text', 'COMMIT'],
  ],
  [
    'NOT VALID, then VALIDATE',
    [
      "SET lock_timeout = '2s'",
      'ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY ("userId") REFERENCES users (id) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_user_fk',
    ],
  ],
  [
    'an enum value placed before another, outside a transaction',
    ["ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad'"],
  ],
  [
    'a new column with a foreign key added NOT VALID, then validated',
    [
      "SET lock_timeout = '2s'",
      'ALTER TABLE posts ADD COLUMN editor_id integer',
      'ALTER TABLE posts ADD CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id) REFERENCES users (id) NOT VALID',
      'ALTER TABLE posts VALIDATE CONSTRAINT posts_editor_fk',
    ],
  ],
  [
    'a new table with good types',
    ['CREATE TABLE drafts (id bigserial PRIMARY KEY, at timestamptz, code varchar(3))'],
  ],
];

test.each(CONTROLS)('%s: no warning or error from any rule', async (_name, statements) => {
  const { findings, observation } = await judge(h, statements, ALL_ON);
  expect(replayErrors(observation)).toEqual([]);
  expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
});
