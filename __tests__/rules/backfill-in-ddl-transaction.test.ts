import { judge, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

describe('backfill-in-ddl-transaction fires', () => {
  test('ADD COLUMN then UPDATE of the whole table in the migration transaction', async () => {
    const { findings, observation } = await judge(h, [
      'BEGIN',
      'ALTER TABLE events ADD COLUMN score integer',
      'UPDATE events SET score = length(payload)',
      'COMMIT',
    ]);
    expect(replayErrors(observation)).toEqual([]);
    const [f, ...rest] = of('backfill-in-ddl-transaction', findings);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', line: 3 });
    expect(f!.message).toMatch(
      /^UPDATE on public\.events runs while the transaction holds AccessExclusiveLock on it since statement 2 \(ALTER TABLE events ADD COLUMN score integer\)/,
    );
    // The lock finding quotes the ALTER that took the lock and names the UPDATE that made it long.
    const lock = of('missing-lock-timeout', findings)[0]!;
    expect(lock.line).toBe(2);
    expect(lock.message).toMatch(/until the migration's COMMIT \(statement 4\)/);
    expect(lock.message).toMatch(/most of it was statement 3 \(UPDATE events SET score = length\(payload\)/);
    expect(lock.message).toMatch(/\(statement 2: ALTER TABLE events ADD COLUMN score integer\)$/);
  });

  test('the same two statements sent as one query (one implicit transaction), measured apart', async () => {
    const { findings, observation } = await judge(h, [
      'ALTER TABLE events ADD COLUMN score integer; UPDATE events SET score = length(payload)',
    ]);
    expect(observation.statements.map((s) => [s.index, s.part, s.sql])).toEqual([
      [0, 0, 'ALTER TABLE events ADD COLUMN score integer'],
      [0, 1, 'UPDATE events SET score = length(payload)'],
    ]);
    expect(observation.statements[0]!.locks[0]).toMatchObject({
      relation: 'public.events',
      mode: 'AccessExclusiveLock',
    });
    // Held to the end of the query, which includes the update.
    expect(observation.statements[0]!.locks[0]!.ms).toBeGreaterThanOrEqual(observation.statements[1]!.ms);
    expect(of('backfill-in-ddl-transaction', findings)[0]!.message).toMatch(
      /since statement 1 \(ALTER TABLE/,
    );
  });
});

describe('backfill-in-ddl-transaction stays silent', () => {
  test.each([
    [
      'the DDL and the backfill in separate transactions',
      ['ALTER TABLE events ADD COLUMN score integer', 'UPDATE events SET score = length(payload)'],
    ],
    [
      'a migration that sets lock_timeout first and backfills after its COMMIT',
      [
        'BEGIN',
        "SET LOCAL lock_timeout = '2s'",
        'ALTER TABLE events ADD COLUMN score integer',
        'COMMIT',
        'UPDATE events SET score = length(payload) WHERE id <= 1000',
      ],
    ],
    [
      'DML on another table than the one locked',
      [
        'BEGIN',
        'ALTER TABLE events ADD COLUMN score integer',
        "UPDATE users SET name = 'x' WHERE id = 1",
        'COMMIT',
      ],
    ],
  ])('%s', async (_name, statements) => {
    const { findings, observation } = await judge(h, statements);
    expect(replayErrors(observation)).toEqual([]);
    expect(of('backfill-in-ddl-transaction', findings)).toEqual([]);
  });
});
