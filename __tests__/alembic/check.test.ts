import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../../src/report/contract/check.js';
import { runCheck } from '../../src/modes/check.js';
import { buildBundle, runCli } from '../helpers/bundle.js';
import { FixtureRepo } from '../helpers/repo.js';
import { PROJECT_ROOT, PYTHON, revision } from './fixture.js';
import { onSharedServer } from '../helpers/shared-server.js';

const SAMPLE = join(PROJECT_ROOT, 'examples', 'fastapi-alembic');
const repos: FixtureRepo[] = [];
let bundle: string | undefined;

afterAll(() => {
  for (const r of repos) r.remove();
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

/** The sample committed in a git repository of its own (the base of the pull requests below). */
function sampleRepo(): FixtureRepo {
  const r = new FixtureRepo();
  repos.push(r);
  cpSync(SAMPLE, r.dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  r.git('add', '-A');
  r.git('commit', '-q', '-m', 'the sample');
  return r;
}

const HEAD = 'c2e4a6b8d0f7';

const check = async (cwd: string, base?: string): Promise<CheckReport> =>
  runCheck({ cwd, base, ...(await onSharedServer()), python: PYTHON, runner: 'auto' });

test('schemabot check --cwd examples/fastapi-alembic from the repository root: every revision reversible', () => {
  bundle = buildBundle();
  expect(readdirSync(join(bundle, 'dist'))).toContain('alembic-worker.py');
  const json = join(bundle, 'report.json');
  const r = runCli(
    bundle,
    ['check', '--cwd', 'examples/fastapi-alembic', '--python', PYTHON, '--postgres', 'local', '--json', json],
    { cwd: PROJECT_ROOT },
  );
  expect(r.stderr).not.toMatch(/unexpected error/i);
  expect(r.code).toBe(0);
  const report = JSON.parse(readFileSync(json, 'utf8')) as CheckReport;
  expect(report.ok).toBe(true);
  expect(report.migrations).toHaveLength(8);
  expect(report.migrations.every((m) => m.change === 'added' && m.reversible)).toBe(true);
  expect(report.migrations.at(-1)).toMatchObject({
    name: HEAD,
    file: 'examples/fastapi-alembic/alembic/versions/c2e4a6b8d0f7_add_role_to_users.py',
  });
  expect(report.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual([
    'added enum public.user_role',
    'added table public.posts',
    'added table public.users',
    'added table public.votes',
  ]);
  expect(r.stdout).toContain('✔ OK');
});

test('a pull request whose downgrade leaves its enum type behind: enum-left-behind names the type', async () => {
  const r = sampleRepo();
  r.git('checkout', '-q', '-b', 'status');
  r.commit({
    'alembic/versions/f1a2b3c4d5e6_add_status_to_posts.py': revision({
      id: 'f1a2b3c4d5e6',
      down: HEAD,
      message: 'add status to posts',
      upgrade: [
        "post_status = sa.Enum('draft', 'live', name='post_status')",
        'post_status.create(op.get_bind())',
        "op.add_column('posts', sa.Column('status', post_status, nullable=False, server_default='draft'))",
      ].join('\n'),
      downgrade: "op.drop_column('posts', 'status')",
    }),
  });
  const report = await check(r.dir, 'main');
  expect(report.ok).toBe(false);
  expect(report.migrations.filter((m) => m.change === 'added').map((m) => m.name)).toEqual(['f1a2b3c4d5e6']);
  const added = report.migrations.find((m) => m.name === 'f1a2b3c4d5e6')!;
  expect(added.up?.ok).toBe(true);
  expect(added.down?.ok).toBe(true);
  expect(added.reversible).toBe(false);
  expect(added.reup).toMatchObject({ ok: false, error: { message: 'type "post_status" already exists' } });
  const finding = report.findings.find((f) => f.rule === 'enum-left-behind')!;
  expect(finding).toMatchObject({ severity: 'error', migration: 'f1a2b3c4d5e6' });
  expect(finding.message).toContain('post_status');
  expect(report.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual([
    'added column public.posts.status',
    'added enum public.post_status',
  ]);
});

test('two pull requests on the same head, the second checked on its merge commit: multiple-heads', async () => {
  const r = sampleRepo();
  const table = (id: string, name: string) =>
    revision({
      id,
      down: HEAD,
      message: `add ${name}`,
      upgrade: `op.create_table('${name}', sa.Column('id', sa.Integer, primary_key=True))`,
      downgrade: `op.drop_table('${name}')`,
    });
  r.git('checkout', '-q', '-b', 'comments');
  r.commit({ 'alembic/versions/aa11bb22cc33_add_comments.py': table('aa11bb22cc33', 'comments') });
  r.git('checkout', '-q', 'main');
  r.git('checkout', '-q', '-b', 'tags');
  r.commit({ 'alembic/versions/dd44ee55ff66_add_tags.py': table('dd44ee55ff66', 'tags') });
  r.git('checkout', '-q', 'main');
  r.git('merge', '-q', '--no-ff', '-m', 'Merge comments', 'comments');
  r.git('checkout', '-q', '--detach', 'tags');
  r.git('merge', '-q', '--no-ff', '-m', 'Merge main into tags', 'main');

  const report = await check(r.dir, 'main');
  expect(report.ok).toBe(false);
  // The revision itself is fine: up, down, up on top of the base's head.
  const tags = report.migrations.find((m) => m.name === 'dd44ee55ff66')!;
  expect(tags).toMatchObject({ change: 'added', reversible: true });
  const heads = report.findings.find((f) => f.rule === 'multiple-heads')!;
  expect(heads.severity).toBe('error');
  expect(heads.message).toMatch(/2 heads: aa11bb22cc33 and dd44ee55ff66\..*alembic merge heads/);
  const old = report.findings.find((f) => f.rule === 'branch-off-old-revision')!;
  expect(old).toMatchObject({ severity: 'warning', migration: 'dd44ee55ff66' });
  expect(old.message).toContain("base branch's head is aa11bb22cc33");
});

test('an edited base revision: base replays it as committed, and the edit is an error', async () => {
  const r = sampleRepo();
  r.git('checkout', '-q', '-b', 'edit');
  const file = 'alembic/versions/7a9c1e3f5b84_add_phone_number_to_users.py';
  const edited = readFileSync(join(r.dir, file), 'utf8').replace(
    'op.add_column("users", sa.Column("phone_number", sa.String(), nullable=True))',
    'op.add_column("users", sa.Column("phone_number", sa.String(), nullable=True))\n' +
      '    op.add_column("users", sa.Column("nickname", sa.String(), nullable=True))',
  );
  expect(edited).toContain('nickname');
  r.commit({
    [file]: edited,
    'alembic/versions/0a1b2c3d4e5f_index_nicknames.py': revision({
      id: '0a1b2c3d4e5f',
      down: HEAD,
      upgrade: "op.create_index('users_nickname_idx', 'users', ['nickname'])",
      downgrade: "op.drop_index('users_nickname_idx', table_name='users')",
    }),
  });
  const report = await check(r.dir, 'main');
  expect(report.ok).toBe(false);
  expect(report.findings.find((f) => f.rule === 'edited-migration')).toMatchObject({
    severity: 'error',
    migration: '7a9c1e3f5b84',
    file,
  });
  // Databases that ran the committed revision have no nickname column: neither has the replay.
  const index = report.migrations.find((m) => m.name === '0a1b2c3d4e5f')!;
  expect(index.up).toMatchObject({ ok: false, error: { message: 'column "nickname" does not exist' } });
});
