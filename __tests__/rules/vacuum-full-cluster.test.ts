import { judge, NEW_TABLE, of, replayErrors, ruleHarness } from './case.js';

const h = ruleHarness();

test('vacuum-full fires with its known lock, and missing-lock-timeout with it (not measurable in a transaction)', async () => {
  const { findings, observation } = await judge(h, ['VACUUM FULL posts']);
  expect(replayErrors(observation)).toEqual([]);
  expect(observation.statements[0]!.inTransaction).toBe(false);
  const [f] = of('vacuum-full', findings);
  expect(f).toMatchObject({ severity: 'warning', line: 1 });
  expect(f!.message).toMatch(/VACUUM FULL public\.posts rewrites it under AccessExclusiveLock/);
  expect(of('missing-lock-timeout', findings)[0]!.message).toMatch(/AccessExclusiveLock on public\.posts/);
  expect(findings.map((x) => x.rule)).not.toContain('table-rewrite');
});

test('vacuum-full stays silent for a plain VACUUM and for FULL false', async () => {
  for (const sql of ['VACUUM posts', 'VACUUM (FULL false, ANALYZE) posts']) {
    const { findings, observation } = await judge(h, [sql]);
    expect(replayErrors(observation)).toEqual([]);
    expect(findings).toEqual([]);
  }
});

test('VACUUM FULL after SET lock_timeout: the rule, but no missing-lock-timeout', async () => {
  const { findings } = await judge(h, ["SET lock_timeout = '2s'", 'VACUUM FULL posts']);
  expect(findings.map((f) => f.rule)).toEqual(['vacuum-full']);
});

test('cluster fires on an existing table, with the measured lock', async () => {
  const { findings, observation } = await judge(h, ['CLUSTER posts USING posts_title']);
  expect(replayErrors(observation)).toEqual([]);
  const [f] = of('cluster', findings);
  expect(f).toMatchObject({ severity: 'warning', line: 1 });
  expect(f!.message).toMatch(/CLUSTER public\.posts rewrites it/);
  expect(findings.map((x) => x.rule)).not.toContain('table-rewrite');
});

test('cluster stays silent on a table the migration creates', async () => {
  const { findings, observation } = await judge(h, [
    NEW_TABLE,
    'CREATE INDEX drafts_title ON drafts (title)',
    'CLUSTER drafts USING drafts_title',
  ]);
  expect(replayErrors(observation)).toEqual([]);
  expect(of('cluster', findings)).toEqual([]);
});
