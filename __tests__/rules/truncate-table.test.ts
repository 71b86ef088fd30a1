import { judge, NEW_TABLE, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

test('truncate-table fires on an existing table, and no generic table-rewrite repeats it', async () => {
  const { findings, observation } = await judge(h, ['TRUNCATE posts']);
  expect(replayErrors(observation)).toEqual([]);
  // TRUNCATE gives the table a new data file: measured as a rewrite, explained by this rule.
  expect(observation.statements[0]!.rewrites).toContain('public.posts');
  const [f, ...rest] = of('truncate-table', findings);
  expect(rest).toEqual([]);
  expect(f).toMatchObject({ severity: 'error', line: 1 });
  expect(f!.message).toMatch(
    /^empties public\.posts: every row is deleted; it took AccessExclusiveLock on public\.posts/,
  );
  expect(findings.map((x) => x.rule)).not.toContain('table-rewrite');
  expect(findings.map((x) => x.rule)).not.toContain('access-exclusive-lock');
});

test('one finding per table of a TRUNCATE naming several', async () => {
  const { findings } = await judge(h, ['TRUNCATE events, accounts']);
  expect(of('truncate-table', findings).map((f) => f.message.split(':')[0])).toEqual([
    'empties public.events',
    'empties public.accounts',
  ]);
});

test('truncate-table stays silent on a table the migration creates', async () => {
  const { findings, observation } = await judge(h, [NEW_TABLE, 'TRUNCATE drafts']);
  expect(replayErrors(observation)).toEqual([]);
  expect(of('truncate-table', findings)).toEqual([]);
});
