import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CheckReport } from '../../src/report/contract/check.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo, PROJECT_ROOT, migration } from '../helpers/repo.js';
import type { PostgresServer } from '../../src/postgres/index.js';

let bundle: string;
const repos: FixtureRepo[] = [];
const temps: string[] = [];
beforeAll(() => {
  bundle = buildBundle();
});
afterAll(() => {
  rmSync(bundle, { recursive: true, force: true });
  repos.forEach((r) => r.remove());
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
});

/** `tsx: true`: the project has tsx (TypeScript migrations and models). */
function fixture(options: { tsx?: boolean } = {}): { repo: FixtureRepo; base: string } {
  const repo = new FixtureRepo({}, options);
  repos.push(repo);
  return { repo, base: repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS }) };
}

test('the sample project passes a full audit: exit 0, JSON and Markdown written', () => {
  const json = join(bundle, 'sample.json');
  const md = join(bundle, 'sample.md');
  const r = runCli(bundle, [
    'check',
    '--cwd',
    PROJECT_ROOT,
    '--postgres',
    'local',
    '--json',
    json,
    '--markdown',
    md,
  ]);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.code).toBe(0);
  const report = JSON.parse(readFileSync(json, 'utf8')) as CheckReport;
  expect(report).toMatchObject({ schemaVersion: 1, ok: true, base: null, postgres: { provider: 'local' } });
  expect(report.migrations.every((m) => m.reversible)).toBe(true);
  expect(r.stdout).toContain('✔ OK');
  expect(readFileSync(md, 'utf8')).toMatch(/^### ✅ Schemabot/);
});

test('a failing down exits 1 and says which file and line', () => {
  const { repo, base } = fixture();
  repo.commit({
    'migrations/20260102000000-bad.js': migration(
      `await queryInterface.addColumn('users', 'x', { type: Sequelize.TEXT });`,
      `await queryInterface.removeColumn('users', 'no_such_column');`,
    ),
  });
  const r = runCli(bundle, [
    'check',
    '--cwd',
    repo.dir,
    '--base',
    base,
    '--postgres',
    'local',
    '--json',
    '-',
  ]);
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout) as CheckReport;
  expect(report.ok).toBe(false);
  expect(report.findings[0]).toMatchObject({
    rule: 'down-failed',
    file: 'migrations/20260102000000-bad.js',
    line: 7,
  });
  expect(r.stderr).toContain('down-failed');
});

test('TypeScript migrations run through the project’s tsx in the bundled CLI', () => {
  const { repo, base } = fixture({ tsx: true });
  repo.commit({
    'migrations/20260102000000-typed.ts': `import type { QueryInterface } from 'sequelize';
type S = typeof import('sequelize');
export async function up(queryInterface: QueryInterface, Sequelize: S): Promise<void> {
  await queryInterface.addColumn('users', 'bio', { type: Sequelize.TEXT });
}
export async function down(queryInterface: QueryInterface): Promise<void> {
  await queryInterface.removeColumn('users', 'bio');
}
`,
  });
  const r = runCli(bundle, [
    'check',
    '--cwd',
    repo.dir,
    '--base',
    base,
    '--postgres',
    'local',
    '--json',
    '-',
  ]);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as CheckReport;
  const m = report.migrations.find((x) => x.name === '20260102000000-typed.ts')!;
  expect([m.up?.ok, m.down?.ok, m.reup?.ok, m.reversible]).toEqual([true, true, true, true]);
  expect(report.changes.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.users.bio',
  ]);
});

describe('usage and environment errors exit 2 with a message that says what to do', () => {
  test('no migrations folder', () => {
    const repo = new FixtureRepo();
    repos.push(repo);
    const r = runCli(bundle, ['check', '--cwd', repo.dir, '--postgres', 'local']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migrations/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
  test('an unknown base ref', () => {
    const { repo } = fixture();
    const r = runCli(bundle, ['check', '--cwd', repo.dir, '--base', 'no-such-branch', '--postgres', 'local']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-branch');
    expect(r.stderr).toContain('fetch');
  });
  test('a bad flag and a bad provider', () => {
    expect(runCli(bundle, ['check', '--no-such-flag']).code).toBe(2);
    expect(runCli(bundle, ['check', '--postgres', 'oracle']).code).toBe(2);
    const r = runCli(bundle, ['check', '--postgres', 'url']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--postgres-url');
  });
  test('a broken .sequelizerc, before any server is started: status and check name the file', () => {
    const repo = new FixtureRepo({ '.sequelizerc': 'module.exports = {\n', 'migrations/.keep': '' });
    repos.push(repo);
    // Nothing else keeps the process alive while the failed worker is ended: it must still report.
    for (const args of [
      ['status', '--cwd', repo.dir, '--database-url', 'postgres://app@127.0.0.1:1/app'],
      ['check', '--cwd', repo.dir, '--postgres', 'url', '--postgres-url', 'postgres://app@127.0.0.1:1/app'],
    ]) {
      const r = runCli(bundle, args);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 2,
        stderr: expect.stringContaining(
          '.sequelizerc failed while loading: Unexpected end of input. Fix the file.',
        ),
      });
      expect(r.stderr).not.toContain('unsettled top-level await');
    }
  });
  test('a report file: a folder that is a file is refused before anything runs; a missing folder is made', () => {
    const { repo } = fixture();
    const blocker = join(repo.dir, 'reports');
    writeFileSync(blocker, 'not a folder\n');
    const refused = runCli(
      bundle,
      ['check', '--cwd', repo.dir, '--postgres', 'local', '--json', 'reports/check.json'],
      { cwd: repo.dir },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `--json reports/check.json: its folder cannot be written (${blocker} is not a folder)`,
    );
    expect(refused.stderr).not.toContain('Started PostgreSQL');
    const status = runCli(
      bundle,
      [
        'status',
        '--cwd',
        repo.dir,
        '--database-url',
        'postgres://app@127.0.0.1:1/app',
        '--json',
        'reports/status.json',
      ],
      { cwd: repo.dir },
    );
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--json reports/status.json: its folder cannot be written');
    // A folder that does not exist yet is made, as the action does with report-path.
    const made = runCli(
      bundle,
      ['check', '--cwd', repo.dir, '--postgres', 'local', '--json', 'out/ci/check.json'],
      { cwd: repo.dir },
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(readFileSync(join(repo.dir, 'out', 'ci', 'check.json'), 'utf8'))).toMatchObject({
      ok: true,
    });
  });
  test('an unreachable server never prints its password', () => {
    const url = 'postgres://app:s3cr3t-pw@127.0.0.1:1/app';
    const r = runCli(bundle, ['diff', url, url]);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw');
    expect(r.stderr).toContain('127.0.0.1:1');
  });
  test('--help works on every command', () => {
    for (const cmd of [
      [],
      ['check'],
      ['diff'],
      ['models'],
      ['generate'],
      ['status'],
      ['upgrade'],
      ['rollback'],
      ['stamp'],
    ]) {
      const r = runCli(bundle, [...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: schemabot');
    }
  });
});

test('schemabot models and generate from the bundle: 0 when the sample agrees, 1 on drift with a proven migration, 2 without models', () => {
  expect(runCli(bundle, ['models', '--cwd', PROJECT_ROOT, '--postgres', 'local']).code).toBe(0);
  // No models folder: a configuration error that says what to pass.
  const { repo } = fixture();
  const none = runCli(bundle, ['models', '--cwd', repo.dir, '--postgres', 'local']);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/No models found in .*Pass --models/);
  // A model with a column the migrations lack: drift (exit 1), then generate writes and proves it.
  repo.commit({
    'models/user.js': `module.exports = (sequelize, DataTypes) => sequelize.define('User', {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  email: { type: DataTypes.STRING, allowNull: false, unique: true },
  nickname: { type: DataTypes.STRING(40) },
}, { tableName: 'users', timestamps: false });
`,
  });
  const drift = runCli(bundle, ['models', '--cwd', repo.dir, '--postgres', 'local', '--json', '-']);
  expect(drift.code).toBe(1);
  const report = JSON.parse(drift.stdout) as {
    ok: boolean;
    changes: { kind: string; action: string; name: string }[];
  };
  expect(report.changes.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.users.nickname',
  ]);
  const generated = runCli(bundle, ['generate', 'add-nickname', '--cwd', repo.dir, '--postgres', 'local']);
  expect(generated.code).toBe(0);
  expect(generated.stdout).toMatch(/Wrote migrations\/\d{14}-add-nickname\.js/);
  expect(runCli(bundle, ['models', '--cwd', repo.dir, '--postgres', 'local']).code).toBe(0);
  expect(runCli(bundle, ['generate', 'bad name!', '--cwd', repo.dir, '--postgres', 'local']).code).toBe(2);
});

test('TypeScript models load through the project’s tsx in the bundled CLI', () => {
  const { repo } = fixture({ tsx: true });
  repo.commit({
    'models/user.ts': `import type { Sequelize, DataTypes as Types } from 'sequelize';

interface UserAttributes { email: string; nickname?: string | null }

export default (sequelize: Sequelize, DataTypes: typeof Types) =>
  sequelize.define<any, UserAttributes>('User', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    email: { type: DataTypes.STRING, allowNull: false, unique: true },
    nickname: { type: DataTypes.STRING(30) },
  }, { tableName: 'users', timestamps: false });
`,
  });
  const r = runCli(bundle, ['models', '--cwd', repo.dir, '--postgres', 'local', '--json', '-']);
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout) as {
    models: { source: string };
    changes: { kind: string; action: string; name: string }[];
  };
  expect(report.models.source).toBe('models');
  expect(report.changes.map((c) => `${c.kind} ${c.action} ${c.name}`)).toEqual([
    'column added public.users.nickname',
  ]);
});

describe('schemabot diff', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server.stop());

  test('exit 0 when equal, 1 with the changes when different', async () => {
    const a = await server.createDatabase();
    const b = await server.createDatabase();
    expect(runCli(bundle, ['diff', server.url(a), server.url(b)]).code).toBe(0);
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: server.url(b) });
    await c.connect();
    await c.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    // Migration bookkeeping is not schema: sequelize-cli's table is left out, a custom one by name.
    await c.query('CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)');
    await c.query('CREATE TABLE migrations_log (name varchar(255) PRIMARY KEY)');
    await c.end();
    const r = runCli(bundle, ['diff', server.url(a), server.url(b), '--json', '-']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { changes: { kind: string; action: string; name: string }[] };
    expect(out.changes.map((x) => `${x.kind} ${x.action} ${x.name}`)).toEqual([
      'table added public.items',
      'table added public.migrations_log',
    ]);
    const custom = runCli(bundle, [
      'diff',
      server.url(a),
      server.url(b),
      '--json',
      '-',
      '--meta-table',
      'public.migrations_log',
    ]);
    const names = (JSON.parse(custom.stdout) as { changes: { name: string }[] }).changes.map((x) => x.name);
    expect(names).toEqual(['public."SequelizeMeta"', 'public.items']);
  });
});

/**
 * A check of the bundled CLI whose one new migration sleeps, started and awaited until that migration
 * runs: its base migrations were replayed from a checkout of the base commit (no cache).
 */
async function slowCheck(
  env: NodeJS.ProcessEnv = {},
): Promise<{ repo: FixtureRepo; args: string[]; child: ChildProcess }> {
  const { repo, base } = fixture();
  repo.commit({
    'migrations/20260102000000-slow.js': migration(
      `await queryInterface.sequelize.query('SELECT pg_sleep(60)');`,
      '',
    ),
  });
  const args = ['check', '--cwd', repo.dir, '--base', base, '--postgres', 'local', '--no-cache'];
  const child = spawn(process.execPath, [join(bundle, 'dist', 'cli.js'), ...args], {
    cwd: bundle,
    env: { ...process.env, NODE_ENV: '', ...env },
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the slow migration never started: ${stderr}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('[1/1] 20260102000000-slow.js')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { repo, args, child };
}

test('SIGTERM during a check (a cancelled workflow) leaves no base checkout behind', async () => {
  const { repo, child } = await slowCheck();
  // The base checkout exists while the check runs...
  expect(repo.git('worktree', 'list')).toMatch(/schemabot-base-/);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  expect(code).toBe(143);
  // ...and is gone, from the disk and from git's list, once the process has stopped.
  repo.git('worktree', 'prune');
  expect(repo.git('worktree', 'list')).not.toMatch(/schemabot-base-/);
});

test('a check killed with SIGKILL leaves a base checkout that the next check removes', async () => {
  // A temporary folder of this test's own: a check another test file runs meanwhile would remove the
  // killed run's checkout first.
  const env = { TMPDIR: mkdtempSync(join(tmpdir(), 'schemabot-killed-')) };
  temps.push(env.TMPDIR);
  const { repo, args, child } = await slowCheck(env);
  const checkout = /^(\S*schemabot-base-\S*)/m.exec(repo.git('worktree', 'list'))![1]!;
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
  // Nothing could clean up: the checkout (a copy of the repository) and git's record of it stay...
  expect(existsSync(checkout)).toBe(true);
  repo.git('worktree', 'prune');
  expect(repo.git('worktree', 'list')).toContain(checkout);
  // ...until the next check that checks out a base removes them.
  repo.commit({ 'migrations/20260102000000-slow.js': migration('', '') });
  const next = runCli(bundle, args, { env });
  expect(next.code).toBe(0);
  expect(next.stderr).toMatch(/Removed \d+ base checkout\(s\) left by ended runs/);
  expect(existsSync(dirname(checkout))).toBe(false);
  expect(repo.git('worktree', 'list')).not.toMatch(/schemabot-base-/);
});
