/**
 * The plan reads the base commit from git (names and blob ids) and checks it out only when a base
 * migration is to run. Its verdicts on each file are git's: line-ending rules and uncommitted edits
 * count as git counts them.
 */
import { afterAll, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planMigrations } from '../../src/plan/index.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';

const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

const USERS = '20260101000000-create-users.js';
const NOTES = '20260102000000-add-notes.js';
const ADD_NOTES = migration(
  "await queryInterface.addColumn('users', 'notes', Sequelize.TEXT);",
  "await queryInterface.removeColumn('users', 'notes');",
);

function repo(files: Record<string, string>): { r: FixtureRepo; base: string } {
  const r = new FixtureRepo();
  repos.push(r);
  const base = r.commit(files, 'base');
  return { r, base };
}

const plan = (r: FixtureRepo, base: string, log: string[] = []) =>
  planMigrations({
    cwd: r.dir,
    migrationsDir: join(r.dir, 'migrations'),
    baseRef: base,
    log: (l) => log.push(l),
  });

test('base files are listed from git and checked out only when one is to run', async () => {
  const { r, base } = repo({ [`migrations/${USERS}`]: CREATE_USERS, 'migrations/README.md': 'not one' });
  r.commit({ [`migrations/${NOTES}`]: ADD_NOTES });
  const log: string[] = [];
  const p = await plan(r, base, log);
  try {
    expect(p.migrations.map((m) => [m.name, m.change])).toEqual([
      [USERS, 'unchanged'],
      [NOTES, 'added'],
    ]);
    const [users] = p.baseMigrations;
    expect(users).toMatchObject({ name: USERS, blob: r.git('rev-parse', `${base}:migrations/${USERS}`) });
    expect(existsSync(users!.path)).toBe(false);
    expect(p.baseTree!.checkedOut).toBe(false);
    expect(log).toEqual([]);
    await users!.materialize!();
    expect(readFileSync(users!.path, 'utf8')).toBe(CREATE_USERS);
    expect(readdirSync(join(p.baseTree!.dir, 'node_modules')).length).toBeGreaterThan(0);
    expect(log).toEqual([expect.stringMatching(/^Checking out the base commit [0-9a-f]{7}/)]);
  } finally {
    await p.baseTree?.remove();
  }
  expect(existsSync(p.baseTree!.dir)).toBe(false);
  expect(r.git('worktree', 'list').split('\n')).toHaveLength(1);
});

test('line endings git converts are no edit; an uncommitted edit, a rename and a deletion are seen', async () => {
  const { r, base } = repo({
    '.gitattributes': '*.js text eol=crlf\n',
    [`migrations/${USERS}`]: CREATE_USERS,
    [`migrations/${NOTES}`]: ADD_NOTES,
    'migrations/20260103000000-drop-notes.js': migration('', ''),
  });
  // As written, the files have LF line endings; checked out again, CRLF where the committed blob has LF.
  expect(readFileSync(join(r.dir, 'migrations', USERS), 'utf8')).not.toContain('\r\n');
  r.git('rm', '-q', '--cached', '-r', '.');
  r.git('reset', '-q', '--hard');
  expect(readFileSync(join(r.dir, 'migrations', USERS), 'utf8')).toContain('\r\n');
  // Uncommitted: NOTES edited, the third renamed to a later name, nothing else.
  writeFileSync(join(r.dir, 'migrations', NOTES), ADD_NOTES.replace('TEXT', 'STRING'));
  r.git('mv', 'migrations/20260103000000-drop-notes.js', 'migrations/20260104000000-drop-notes.js');
  const p = await plan(r, base);
  try {
    expect(p.migrations.map((m) => [m.name, m.change])).toEqual([
      [USERS, 'unchanged'],
      [NOTES, 'modified'],
      ['20260103000000-drop-notes.js', 'deleted'],
      ['20260104000000-drop-notes.js', 'added'],
    ]);
    expect(p.findings.map((f) => [f.rule, f.migration])).toEqual([
      ['edited-migration', NOTES],
      ['renamed-migration', '20260104000000-drop-notes.js'],
    ]);
    expect(p.baseTree!.checkedOut).toBe(false);
  } finally {
    await p.baseTree?.remove();
  }
});

test('a base migration that is a symbolic link is read from the checkout', async () => {
  const { r } = repo({ 'shared/users.js': CREATE_USERS });
  symlinkSync('../shared/users.js', join(r.dir, 'migrations-link'));
  r.commit({ [`migrations/${NOTES}`]: ADD_NOTES });
  r.git('mv', 'migrations-link', `migrations/${USERS}`);
  r.git('commit', '-q', '-m', 'link');
  const linked = r.git('rev-parse', 'HEAD');
  r.commit({ 'migrations/20260105000000-more.js': ADD_NOTES });
  const p = await plan(r, linked);
  try {
    expect(p.baseTree!.checkedOut).toBe(true);
    expect(p.migrations.map((m) => [m.name, m.change])).toEqual([
      [USERS, 'unchanged'],
      [NOTES, 'unchanged'],
      ['20260105000000-more.js', 'added'],
    ]);
    expect(readFileSync(p.baseMigrations[0]!.path, 'utf8')).toBe(CREATE_USERS);
  } finally {
    await p.baseTree?.remove();
  }
});
