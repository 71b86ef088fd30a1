import pg from 'pg';
import { SchemaWatch } from '../../src/inspect/fingerprint.js';
import { runCheck } from '../../src/modes/check.js';
import type { CheckReport, MigrationReport } from '../../src/report/contract/check.js';
import { CREATE_USERS, FixtureRepo, migration } from '../helpers/repo.js';
import { comparable, expectValidReport } from '../helpers/report-schema.js';
import { onSharedServer, sharedServer } from '../helpers/shared-server.js';

const USERS = 'migrations/20260101000000-create-users.js';

async function check(repo: FixtureRepo, base?: string): Promise<CheckReport> {
  const report = await runCheck({ cwd: repo.dir, base, ...(await onSharedServer()), timeoutMs: 20_000 });
  expectValidReport(report);
  return report;
}

function verdict(m: MigrationReport | undefined) {
  if (!m) throw new Error('migration missing from the report');
  return {
    change: m.change,
    up: m.up?.ok ?? null,
    down: m.down?.ok ?? null,
    reup: m.reup?.ok ?? null,
    reversible: m.reversible,
  };
}

const byName = (r: CheckReport, name: string) => r.migrations.find((m) => m.name === name);
const rules = (r: CheckReport) => r.findings.map((f) => `${f.severity}:${f.rule}:${f.migration}`).sort();
const changes = (r: CheckReport) => r.changes.map((c) => `${c.kind} ${c.action} ${c.name}`);

const repos: FixtureRepo[] = [];
function repoWithUsers(extra: Record<string, string> = {}): { repo: FixtureRepo; base: string } {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ [USERS]: CREATE_USERS, ...extra }, 'base');
  return { repo, base };
}
afterAll(() => repos.forEach((r) => r.remove()));

test('a pull request that adds the first migrations (no migrations folder on base) checks them all', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const base = repo.commit({ 'README.md': 'an app without migrations yet\n' }, 'base');
  repo.commit({ [USERS]: CREATE_USERS });
  const r = await check(repo, base);
  expect(r.ok).toBe(true);
  expect(verdict(byName(r, '20260101000000-create-users.js'))).toEqual({
    change: 'added',
    up: true,
    down: true,
    reup: true,
    reversible: true,
  });
  expect(changes(r)).toEqual(['table added public.users']);
});

test('a clean add-column PR is reversible and shows one column added', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'migrations/20260102000000-add-phone.js': migration(
      `await queryInterface.addColumn('users', 'phone', { type: Sequelize.STRING(20), allowNull: true });`,
      `await queryInterface.removeColumn('users', 'phone');`,
    ),
  });
  const r = await check(repo, base);
  expect(r.ok).toBe(true);
  expect(verdict(byName(r, '20260101000000-create-users.js'))).toEqual({
    change: 'unchanged',
    up: null,
    down: null,
    reup: null,
    reversible: null,
  });
  expect(verdict(byName(r, '20260102000000-add-phone.js'))).toEqual({
    change: 'added',
    up: true,
    down: true,
    reup: true,
    reversible: true,
  });
  expect(byName(r, '20260102000000-add-phone.js')!.residue).toEqual([]);
  const up = byName(r, '20260102000000-add-phone.js')!.up!;
  expect(changes(r)).toEqual(['column added public.users.phone']);
  // ADD COLUMN takes an ACCESS EXCLUSIVE lock on a table that exists in production: measured on a
  // replay of the statement, and flagged because the migration sets no lock_timeout (once: no info
  // finding repeats the table).
  expect(rules(r)).toEqual(['warning:missing-lock-timeout:20260102000000-add-phone.js']);
  const observed = byName(r, '20260102000000-add-phone.js')!.observation!.statements[0]!;
  expect(observed.locks).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ relation: 'public.users', mode: 'AccessExclusiveLock' }),
    ]),
  );
  expect(observed.rewrites).toEqual([]);
  // The finding points at the line of the migration that sent the statement.
  expect(r.findings.find((f) => f.rule === 'missing-lock-timeout')!.line).toBe(4);
  expect(up.statements[0]!.line).toBe(4);
  expect(up.statements.map((s) => s.sql).join('\n')).toMatch(
    /ALTER TABLE "public"."users" ADD COLUMN "phone" VARCHAR\(20\)/,
  );
  expect(r.base?.sha).toBe(base);
});

test('the ENUM type a down leaves behind is caught by name', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'migrations/20260102000000-add-status.js': migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.ENUM('active', 'banned'), allowNull: false, defaultValue: 'active' });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
  });
  const r = await check(repo, base);
  expect(r.ok).toBe(false);
  const m = byName(r, '20260102000000-add-status.js')!;
  // Sequelize 6 recreates the type with `EXCEPTION WHEN duplicate_object THEN null`, so the second
  // up succeeds silently on the stale type: only the schema comparison can see what down left behind.
  expect(verdict(m)).toEqual({ change: 'added', up: true, down: true, reup: true, reversible: false });
  expect(m.residue.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'enum added public.enum_users_status',
  ]);
  expect(rules(r)).toEqual([
    'error:enum-left-behind:20260102000000-add-status.js',
    'warning:missing-lock-timeout:20260102000000-add-status.js',
  ]);
  const enumFinding = r.findings.find((f) => f.rule === 'enum-left-behind')!;
  expect(enumFinding.message).toContain('public.enum_users_status');
  expect(enumFinding.fix).toContain('DROP TYPE IF EXISTS "public"."enum_users_status"');
});

test('a down that does nothing is irreversible, with the residue listed', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'migrations/20260102000000-create-posts.js': migration(
      `await queryInterface.createTable('posts', { id: { type: Sequelize.INTEGER, primaryKey: true } });`,
      '',
    ),
  });
  const r = await check(repo, base);
  const m = byName(r, '20260102000000-create-posts.js')!;
  // createTable is CREATE TABLE IF NOT EXISTS, so the second up "succeeds" on the leftover table.
  expect(verdict(m)).toEqual({ change: 'added', up: true, down: true, reup: true, reversible: false });
  expect(m.residue.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual(['table added public.posts']);
  expect(rules(r)).toEqual(['error:irreversible:20260102000000-create-posts.js']);
  expect(changes(r)).toEqual(['table added public.posts']);
});

test('a down that throws is reported, and the next migration is still judged on a clean state', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'migrations/20260102000000-create-posts.js': migration(
      `await queryInterface.createTable('posts', { id: { type: Sequelize.INTEGER, primaryKey: true } });`,
      `throw new Error('this migration cannot be undone');`,
    ),
    'migrations/20260103000000-add-title.js': migration(
      `await queryInterface.addColumn('posts', 'title', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('posts', 'title');`,
    ),
  });
  const r = await check(repo, base);
  const bad = byName(r, '20260102000000-create-posts.js')!;
  expect(verdict(bad)).toEqual({ change: 'added', up: true, down: false, reup: null, reversible: false });
  expect(bad.down!.error!.message).toContain('this migration cannot be undone');
  expect(bad.down!.error!.line).toBe(7);
  expect(verdict(byName(r, '20260103000000-add-title.js'))).toEqual({
    change: 'added',
    up: true,
    down: true,
    reup: true,
    reversible: true,
  });
  expect(rules(r)).toEqual([
    'error:down-failed:20260102000000-create-posts.js',
    'warning:missing-lock-timeout:20260103000000-add-title.js',
  ]);
  expect(changes(r)).toEqual(['table added public.posts']);
});

test('an up that fails halfway names the failing statement and skips what comes after', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'migrations/20260102000000-half.js': migration(
      `await queryInterface.addColumn('users', 'nickname', { type: Sequelize.TEXT });
    await queryInterface.sequelize.query('ALTER TABLE users ADD COLUMN score integer REFERENCES nowhere(id)');`,
      `await queryInterface.removeColumn('users', 'nickname');`,
    ),
    'migrations/20260103000000-after.js': migration(`await queryInterface.sequelize.query('SELECT 1');`, ''),
  });
  const r = await check(repo, base);
  const m = byName(r, '20260102000000-half.js')!;
  expect(verdict(m)).toEqual({ change: 'added', up: false, down: null, reup: null, reversible: null });
  expect(m.up!.error).toMatchObject({
    code: '42P01',
    sql: expect.stringContaining('REFERENCES nowhere(id)'),
  });
  expect(m.up!.error!.message).toContain('relation "nowhere" does not exist');
  expect(byName(r, '20260103000000-after.js')!.skipped).toContain('20260102000000-half.js');
  expect(rules(r)).toEqual(['error:up-failed:20260102000000-half.js']);
  // What a deploy would leave behind: the first statement's column.
  expect(changes(r)).toEqual(['column added public.users.nickname']);
});

test('an edited base migration and an out-of-order new one are errors', async () => {
  const { repo, base } = repoWithUsers({
    'migrations/20260105000000-add-age.js': migration(
      `await queryInterface.addColumn('users', 'age', { type: Sequelize.INTEGER });`,
      `await queryInterface.removeColumn('users', 'age');`,
    ),
  });
  repo.commit({
    'migrations/20260105000000-add-age.js': migration(
      `await queryInterface.addColumn('users', 'age', { type: Sequelize.BIGINT });`,
      `await queryInterface.removeColumn('users', 'age');`,
    ),
    'migrations/20260103000000-add-name.js': migration(
      `await queryInterface.addColumn('users', 'name', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'name');`,
    ),
  });
  const r = await check(repo, base);
  expect(byName(r, '20260105000000-add-age.js')!.change).toBe('modified');
  expect(verdict(byName(r, '20260103000000-add-name.js'))).toMatchObject({
    change: 'added',
    reversible: true,
  });
  expect(rules(r)).toEqual([
    'error:edited-migration:20260105000000-add-age.js',
    'error:out-of-order:20260103000000-add-name.js',
    'warning:missing-lock-timeout:20260103000000-add-name.js',
  ]);
  expect(r.ok).toBe(false);
});

test('two new files that differ only by extension (source and compiled output) are an error', async () => {
  const { repo, base } = repoWithUsers();
  const add = migration(
    `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
    `await queryInterface.removeColumn('users', 'bio');`,
  );
  repo.commit({ 'migrations/20260102000000-add-bio.cjs': add, 'migrations/20260102000000-add-bio.js': add });
  const r = await check(repo, base);
  const duplicate = r.findings.find((f) => f.rule === 'duplicate-migration');
  expect(duplicate).toMatchObject({ severity: 'error', migration: '20260102000000-add-bio.js' });
  expect(duplicate!.message).toContain('differ only by extension');
  expect(r.ok).toBe(false);
});

test('deleted and renamed base migrations are errors', async () => {
  const extra = migration(
    `await queryInterface.sequelize.query('CREATE TABLE tags (id int)');`,
    `await queryInterface.dropTable('tags');`,
  );
  const { repo, base } = repoWithUsers({
    'migrations/20260102000000-tags.js': extra,
    'migrations/20260103000000-noop.js': migration(`await queryInterface.sequelize.query('SELECT 1');`, ''),
  });
  repo.commit({
    'migrations/20260102000000-tags.js': null,
    'migrations/20260102000001-create-tags.js': extra,
    'migrations/20260103000000-noop.js': null,
  });
  const r = await check(repo, base);
  expect(rules(r)).toEqual(
    expect.arrayContaining([
      'error:renamed-migration:20260102000001-create-tags.js',
      'error:deleted-migration:20260103000000-noop.js',
    ]),
  );
});

test('.cjs files, promise-returning migrations and helpers required from ../lib all run', async () => {
  const { repo, base } = repoWithUsers();
  repo.commit({
    'lib/columns.js': 'module.exports.audit = (S) => ({ created_by: { type: S.TEXT, allowNull: true } });\n',
    'migrations/20260102000000-audit.cjs': `'use strict';
const { audit } = require('../lib/columns');
module.exports = {
  up(queryInterface, Sequelize) {
    return queryInterface.addColumn('users', 'created_by', audit(Sequelize).created_by);
  },
  down(queryInterface) {
    return queryInterface.removeColumn('users', 'created_by');
  },
};
`,
  });
  const r = await check(repo, base);
  expect(verdict(byName(r, '20260102000000-audit.cjs'))).toEqual({
    change: 'added',
    up: true,
    down: true,
    reup: true,
    reversible: true,
  });
  expect(r.ok).toBe(true);
});

test('.sequelizerc elsewhere and a custom storage table: the bookkeeping table is not a schema change', async () => {
  const repo = new FixtureRepo();
  repos.push(repo);
  const files = {
    '.sequelizerc': `const path = require('path');
module.exports = { config: path.resolve('db', 'config.json'), 'migrations-path': path.resolve('db', 'migrate') };
`,
    'db/config.json': JSON.stringify({
      development: { dialect: 'postgres', migrationStorageTableName: 'schema_migrations' },
    }),
    'db/migrate/20260101000000-create-users.js': CREATE_USERS,
  };
  const base = repo.commit(files);
  repo.commit({
    'db/migrate/20260102000000-idx.js': migration(
      `await queryInterface.addIndex('users', ['email'], { name: 'users_email_lower', unique: false });`,
      `await queryInterface.removeIndex('users', 'users_email_lower');`,
    ),
  });
  const r = await check(repo, base);
  expect(r.migrationsPath).toBe('db/migrate');
  expect(verdict(byName(r, '20260102000000-idx.js'))).toMatchObject({ reversible: true, reup: true });
  expect(changes(r)).toEqual(['index added public.users_email_lower']);
});

test('without a base every migration is new: a full audit of the sample project passes', async () => {
  const { PROJECT_ROOT } = await import('../helpers/repo.js');
  const r = await runCheck({ cwd: PROJECT_ROOT, ...(await onSharedServer()) });
  expect(r.base).toBeNull();
  expect(r.migrations.length).toBeGreaterThanOrEqual(6);
  expect(r.migrations.every((m) => m.change === 'added' && m.reversible === true)).toBe(true);
  expect(r.ok).toBe(true);
  expect(changes(r)).toEqual(
    expect.arrayContaining([
      'table added public.users',
      'table added public.posts',
      'table added public.votes',
      'enum added public.enum_posts_status',
    ]),
  );
});

/** What the round trip decided, for comparing a full audit's fast path with the per-migration one. */
const engine = new Set([
  'up-failed',
  'down-failed',
  'enum-left-behind',
  'irreversible',
  'reup-failed',
  'reup-differs',
]);
const summary = (r: CheckReport) => ({
  migrations: r.migrations
    .filter((m) => m.change === 'added')
    .map((m) => ({
      name: m.name,
      up: m.up?.ok ?? null,
      down: m.down?.ok ?? null,
      reup: m.reup?.ok ?? null,
      reversible: m.reversible,
      residue: m.residue.map((c) => `${c.kind} ${c.action} ${c.name}`),
      reupDiff: (m.reupDiff ?? []).map((c) => `${c.kind} ${c.action} ${c.name}`),
    })),
  findings: r.findings
    .filter((f) => engine.has(f.rule))
    .map((f) => `${f.severity}:${f.rule}:${f.migration}`)
    .sort(),
  changes: changes(r),
});

describe('full audit (no base)', () => {
  test('a do-nothing down is caught even when an earlier down drops the whole table', async () => {
    const repo = new FixtureRepo();
    repos.push(repo);
    repo.commit({
      [USERS]: CREATE_USERS,
      'migrations/20260102000000-add-phone.js': migration(
        `await queryInterface.addColumn('users', 'phone', { type: Sequelize.TEXT });`,
        '',
      ),
      'migrations/20260103000000-add-index.js': migration(
        `await queryInterface.addIndex('users', ['phone'], { name: 'users_phone' });`,
        `await queryInterface.removeIndex('users', 'users_phone');`,
      ),
    });
    const r = await check(repo);
    expect(r.migrations.map((m) => [m.name, m.reversible])).toEqual([
      ['20260101000000-create-users.js', true],
      ['20260102000000-add-phone.js', false],
      ['20260103000000-add-index.js', true],
    ]);
    expect(
      byName(r, '20260102000000-add-phone.js')!.residue.map((c) => `${c.kind} ${c.action} ${c.name}`),
    ).toEqual(['column added public.users.phone']);
    expect(rules(r)).toEqual(['error:irreversible:20260102000000-add-phone.js']);
  });

  test('migrations at fault are explained in the pass, with the verdicts of a per-migration round trip', async () => {
    const repo = new FixtureRepo();
    repos.push(repo);
    // The same set, checked once as a full audit (one pass) and once against an empty base commit
    // (the per-migration round trip): every verdict, residue and engine finding must agree.
    const empty = repo.commit({ 'README.md': 'no migrations yet\n' }, 'empty');
    repo.commit({
      [USERS]: CREATE_USERS,
      'migrations/20260102000000-add-phone.js': migration(
        `await queryInterface.addColumn('users', 'phone', { type: Sequelize.TEXT });`,
        '',
      ),
      'migrations/20260103000000-add-mood.js': migration(
        `await queryInterface.addColumn('users', 'mood', { type: Sequelize.ENUM('ok', 'meh') });`,
        `await queryInterface.removeColumn('users', 'mood');`,
      ),
      'migrations/20260104000000-add-index.js': migration(
        `await queryInterface.addIndex('users', ['phone'], { name: 'users_phone' });`,
        `throw new Error('cannot go back');`,
      ),
      'migrations/20260105000000-add-age.js': migration(
        `await queryInterface.addColumn('users', 'age', { type: Sequelize.INTEGER });`,
        `await queryInterface.removeColumn('users', 'age');`,
      ),
    });
    const audit = summary(await check(repo));
    const perMigration = summary(await check(repo, empty));
    expect(audit).toEqual(perMigration);
    expect(audit.migrations.map((m) => [m.name, m.reversible])).toEqual([
      ['20260101000000-create-users.js', true],
      ['20260102000000-add-phone.js', false],
      ['20260103000000-add-mood.js', false],
      ['20260104000000-add-index.js', false],
      ['20260105000000-add-age.js', true],
    ]);
    expect(audit.findings).toEqual([
      'error:down-failed:20260104000000-add-index.js',
      'error:enum-left-behind:20260103000000-add-mood.js',
      'error:irreversible:20260102000000-add-phone.js',
    ]);
  });

  test('real histories stay on the fast path: leaky, re-added, failing and refusing downs, same verdicts', async () => {
    const repo = new FixtureRepo();
    repos.push(repo);
    const empty = repo.commit({ 'README.md': 'no migrations yet\n' }, 'empty');
    const add = (table: string, column: string) =>
      migration(
        `await queryInterface.addColumn('${table}', '${column}', { type: Sequelize.INTEGER });`,
        `await queryInterface.removeColumn('${table}', '${column}');`,
      );
    const tags = (table: string) =>
      migration(
        `await queryInterface.createTable('${table}', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      kind: { type: Sequelize.ENUM('plain', 'pinned'), allowNull: false },
    });`,
        `await queryInterface.dropTable('${table}');`,
      );
    repo.commit({
      [USERS]: CREATE_USERS,
      'migrations/20260102000000-create-posts.js': migration(
        `await queryInterface.createTable('posts', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      title: { type: Sequelize.STRING },
      body: { type: Sequelize.TEXT },
      user_id: { type: Sequelize.INTEGER, references: { model: 'users', key: 'id' } },
    });`,
        `await queryInterface.dropTable('posts');`,
      ),
      'migrations/20260103000000-add-phone.js': add('users', 'phone'),
      // Leaves its ENUM type behind, which createTable quietly reuses on the next up.
      'migrations/20260104000000-create-tags.js': tags('tags'),
      // Puts the column back last: the order differs, nothing else.
      'migrations/20260105000000-drop-body.js': migration(
        `await queryInterface.removeColumn('posts', 'body');`,
        `await queryInterface.addColumn('posts', 'body', { type: Sequelize.TEXT });`,
      ),
      // Fails: a misspelt column.
      'migrations/20260106000000-add-slug.js': migration(
        `await queryInterface.addColumn('posts', 'slug', { type: Sequelize.STRING });`,
        `await queryInterface.removeColumn('posts', 'sulg');`,
      ),
      // Refuses on purpose after a backfill.
      'migrations/20260107000000-trim-emails.js': migration(
        `await queryInterface.sequelize.query("UPDATE users SET email = trim(email)");`,
        `throw new Error('irreversible');`,
      ),
      // Leaves the table behind without its column: up again skips the existing table.
      'migrations/20260108000000-create-notes.js': migration(
        `await queryInterface.createTable('notes', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      body: { type: Sequelize.TEXT },
    });`,
        `await queryInterface.removeColumn('notes', 'body');`,
      ),
      'migrations/20260109000000-add-a.js': add('users', 'a'),
      'migrations/20260110000000-add-b.js': add('users', 'b'),
      'migrations/20260111000000-add-c.js': add('posts', 'c'),
      'migrations/20260112000000-add-d.js': add('posts', 'd'),
      'migrations/20260113000000-add-f.js': add('users', 'f'),
      'migrations/20260114000000-add-g.js': add('users', 'g'),
      'migrations/20260115000000-add-h.js': add('users', 'h'),
      'migrations/20260116000000-add-i.js': add('users', 'i'),
      'migrations/20260117000000-add-j.js': add('users', 'j'),
      'migrations/20260118000000-add-k.js': add('users', 'k'),
      'migrations/20260119000000-add-l.js': add('users', 'l'),
      'migrations/20260120000000-add-m.js': add('users', 'm'),
      'migrations/20260121000000-add-n.js': add('users', 'n'),
      'migrations/20260122000000-add-o.js': add('users', 'o'),
      // Past the first saved copy of the database: explained from there, not from the start.
      'migrations/20260123000000-create-labels.js': tags('labels'),
      'migrations/20260124000000-add-e.js': add('users', 'e'),
    });
    const lines: string[] = [];
    const report = await runCheck({
      cwd: repo.dir,
      ...(await onSharedServer()),
      timeoutMs: 20_000,
      log: (l) => lines.push(l),
    });
    expectValidReport(report);
    expect(lines.filter((l) => /each migration on its own/.test(l))).toEqual([]);
    const audit = summary(report);
    const perMigration = summary(await check(repo, empty));
    expect(audit).toEqual(perMigration);
    expect(audit.migrations.filter((m) => m.reversible === false).map((m) => m.name)).toEqual([
      '20260104000000-create-tags.js',
      '20260106000000-add-slug.js',
      '20260107000000-trim-emails.js',
      '20260108000000-create-notes.js',
      '20260123000000-create-labels.js',
    ]);
    expect(audit.migrations.find((m) => m.name === '20260104000000-create-tags.js')).toMatchObject({
      reup: true,
      residue: ['enum added public.enum_tags_kind'],
    });
    expect(audit.migrations.find((m) => m.name === '20260108000000-create-notes.js')).toMatchObject({
      reup: true,
      reupDiff: ['column removed public.notes.body'],
    });
  });

  test('a clean set gets every step timed with its statements, in one pass', async () => {
    const repo = new FixtureRepo();
    repos.push(repo);
    repo.commit({
      [USERS]: CREATE_USERS,
      'migrations/20260102000000-add-phone.js': migration(
        `await queryInterface.addColumn('users', 'phone', { type: Sequelize.TEXT });`,
        `await queryInterface.removeColumn('users', 'phone');`,
      ),
    });
    const r = await check(repo);
    expect(r.ok).toBe(true);
    for (const m of r.migrations) {
      expect([m.up?.ok, m.down?.ok, m.reup?.ok, m.reversible]).toEqual([true, true, true, true]);
      expect(m.up!.statements.length).toBeGreaterThan(0);
      expect(m.down!.statements.length).toBeGreaterThan(0);
    }
    expect(byName(r, '20260102000000-add-phone.js')!.down!.statements[0]!.sql).toContain(
      'DROP COLUMN "phone"',
    );
    expect(changes(r).sort()).toEqual(['table added public.users']);
  });
});

test('.schemabot.yml and schemabot-ignore comments shape the hazard findings, shown not hidden', async () => {
  const { repo, base } = repoWithUsers({
    '.schemabot.yml': 'rules:\n  access-exclusive-lock: off\n  drop-column: warning\n',
  });
  repo.commit({
    'migrations/20260102000000-drop-email.js':
      '// schemabot-ignore: missing-lock-timeout the table is tiny and has no traffic yet\n' +
      migration(
        `await queryInterface.removeColumn('users', 'email');`,
        `await queryInterface.addColumn('users', 'email', { type: Sequelize.STRING, allowNull: false, unique: true });`,
      ),
  });
  const r = await check(repo, base);
  const hazards = r.findings.filter((f) => f.migration === '20260102000000-drop-email.js');
  expect(hazards.map((f) => [f.rule, f.severity, f.suppressed?.reason ?? null])).toEqual([
    ['drop-column', 'warning', null],
    ['missing-lock-timeout', 'warning', 'the table is tiny and has no traffic yet'],
  ]);
  expect(r.summary.warnings).toBe(1);
  expect(r.ok).toBe(true);
});

test('the fingerprint watch changes no verdict: the same pull request checked by a role that cannot install it reports the same', async () => {
  const server = await sharedServer();
  // The shared server's superuser installs the watch (event triggers); a role without superuser cannot,
  // and its check takes a full snapshot after every step instead.
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  const password = `${process.env.SCHEMABOT_PASSWORD_CANARY ?? ''}Plain${Date.now()}x`;
  try {
    const watch = await SchemaWatch.start(() => admin);
    expect(watch.watching).toBe(true);
    await watch.stop();
    await admin.query(`CREATE ROLE schemabot_plain LOGIN CREATEDB PASSWORD '${password}'`);
  } finally {
    await admin.end();
  }
  const plain = new URL(server.url());
  plain.username = 'schemabot_plain';
  plain.password = password;

  const { repo, base } = repoWithUsers({
    'migrations/20260101000001-create-posts.js': migration(
      `await queryInterface.createTable('posts', {
        id: { type: Sequelize.INTEGER, primaryKey: true },
        title: { type: Sequelize.TEXT },
        body: { type: Sequelize.TEXT },
      });`,
      `await queryInterface.dropTable('posts');`,
    ),
  });
  repo.commit({
    // clean
    'migrations/20260102000000-add-name.js': migration(
      `await queryInterface.addColumn('users', 'name', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'name');`,
    ),
    // leaves its enum type behind
    'migrations/20260102000001-add-status.js': migration(
      `await queryInterface.addColumn('users', 'status', { type: Sequelize.ENUM('active', 'banned') });`,
      `await queryInterface.removeColumn('users', 'status');`,
    ),
    // down adds the column back last: another position, the same schema
    'migrations/20260102000002-drop-title.js': migration(
      `await queryInterface.removeColumn('posts', 'title');`,
      `await queryInterface.addColumn('posts', 'title', { type: Sequelize.TEXT });`,
    ),
    // up again on what down left behind makes something else
    'migrations/20260102000003-tags.js': migration(
      `const [rows] = await queryInterface.sequelize.query("SELECT to_regclass('public.tags_seen') IS NOT NULL AS seen");
      await queryInterface.sequelize.query('CREATE TABLE IF NOT EXISTS tags_seen (id integer)');
      await queryInterface.createTable('tags', rows[0].seen
        ? { id: { type: Sequelize.INTEGER, primaryKey: true }, label: { type: Sequelize.TEXT } }
        : { id: { type: Sequelize.INTEGER, primaryKey: true } });`,
      `await queryInterface.dropTable('tags');`,
    ),
    // down fails
    'migrations/20260102000004-add-bio.js': migration(
      `await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });`,
      `throw new Error('no way back');`,
    ),
  });
  const watched = await check(repo, base);
  const unwatched = await runCheck({
    cwd: repo.dir,
    base,
    postgres: 'url',
    postgresUrl: plain.toString(),
    timeoutMs: 20_000,
  });
  expectValidReport(unwatched);
  expect(comparable(watched)).toEqual(comparable(unwatched));
  const added = watched.migrations.filter((m) => m.change === 'added');
  expect(added.map((m) => [m.name, verdict(m)])).toEqual([
    ['20260102000000-add-name.js', { change: 'added', up: true, down: true, reup: true, reversible: true }],
    [
      '20260102000001-add-status.js',
      { change: 'added', up: true, down: true, reup: true, reversible: false },
    ],
    ['20260102000002-drop-title.js', { change: 'added', up: true, down: true, reup: true, reversible: true }],
    ['20260102000003-tags.js', { change: 'added', up: true, down: true, reup: true, reversible: false }],
    ['20260102000004-add-bio.js', { change: 'added', up: true, down: false, reup: null, reversible: false }],
  ]);
  const tags = byName(watched, '20260102000003-tags.js')!;
  expect(tags.residue.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'table added public.tags_seen',
  ]);
  expect(tags.reupDiff?.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.tags.label',
  ]);
});

test('a schemabot-ignore comment in an unchanged base migration counts for that file’s own finding', async () => {
  const { repo, base } = repoWithUsers({
    'migrations/20260101000001-needs-extension.js':
      '// schemabot-ignore: base-migration-failed needs an extension our throwaway servers lack\n' +
      migration(`throw new Error('extension "postgis" is not available');`),
  });
  repo.commit({
    'migrations/20260102000000-add-name.js': migration(
      `await queryInterface.addColumn('users', 'name', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'name');`,
    ),
  });
  const r = await check(repo, base);
  const failed = r.findings.find((f) => f.rule === 'base-migration-failed')!;
  expect(failed.file).toBe('migrations/20260101000001-needs-extension.js');
  expect(failed.suppressed?.reason).toBe('needs an extension our throwaway servers lack');
});
