import { startTestPostgres } from '../helpers/postgres.js';
import { assessStatements, rules, templateDatabase } from './fixture.js';

/**
 * Version-dependent measurements on two majors: since PostgreSQL 11 a constant default is stored in
 * the catalog (no rewrite), while a volatile one still rewrites every row.
 */
describe.each([15, 17])('PostgreSQL %i', (major) => {
  test('a constant default is no rewrite; a volatile one is', async () => {
    await using server = await startTestPostgres(major);
    expect(server.major).toBe(major);
    const template = await templateDatabase(server);
    const { observation, findings } = await assessStatements(server, template, [
      "ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft'",
      'ALTER TABLE posts ADD COLUMN score float8 DEFAULT random()',
    ]);
    expect(observation.postgresMajor).toBe(major);
    const [constant, volatile] = observation.statements;
    expect(constant!.rewrites).toEqual([]);
    expect(volatile!.rewrites).toEqual(
      expect.arrayContaining(['public.posts', 'public.posts_pkey', 'public.posts_title']),
    );
    expect(volatile!.scans).toEqual(['public.posts']);
    for (const s of [constant!, volatile!]) {
      expect(s.locks.find((l) => l.relation === 'public.posts')!.mode).toBe('AccessExclusiveLock');
    }
    expect(findings.filter((f) => f.rule === 'add-column-volatile-default').map((f) => f.line)).toEqual([2]);
    // The first exclusive lock is named once, by missing-lock-timeout; no info finding repeats it.
    expect(findings.filter((f) => f.rule === 'missing-lock-timeout').map((f) => f.line)).toEqual([1]);
    expect(findings.filter((f) => f.rule === 'access-exclusive-lock').map((f) => f.line)).toEqual([]);
    expect(rules(findings)).not.toContain('table-rewrite');
  });
});
