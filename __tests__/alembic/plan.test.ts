import { startAlembicWorker, listRevisions } from '../../src/migrate/alembic/index.js';
import type { WorkerProcess } from '../../src/migrate/worker-process.js';
import { planRevisions, type AlembicPlan, type ListRevisions } from '../../src/plan/alembic.js';
import { FixtureRepo } from '../helpers/repo.js';
import { PYTHON, alembicIni, envPy, revision } from './fixture.js';

const repos: FixtureRepo[] = [];
const workers: WorkerProcess[] = [];
const plans: AlembicPlan[] = [];

afterAll(async () => {
  for (const p of plans) await p.baseTree?.remove();
  for (const w of workers) await w.close();
  for (const r of repos) r.remove();
});

async function planOf(options: Parameters<typeof planRevisions>[0]): Promise<AlembicPlan> {
  const p = await planRevisions(options);
  plans.push(p);
  return p;
}

function repo(): FixtureRepo {
  const r = new FixtureRepo({ 'alembic.ini': alembicIni(), 'migrations/env.py': envPy() });
  repos.push(r);
  return r;
}

/** The worker's `revisions` operation, as the modes use it: one worker, loaded on the working tree. */
async function lister(cwd: string): Promise<ListRevisions> {
  const worker = startAlembicWorker({ python: PYTHON, cwd, env: { PATH: process.env.PATH ?? '/usr/bin' } });
  workers.push(worker);
  await worker.request({ op: 'load', cwd });
  return (dir) => listRevisions(worker, dir === cwd ? undefined : dir);
}

const table = (id: string, down: string | string[] | null, name = id): string =>
  revision({
    id,
    down,
    upgrade: `op.create_table('${name}', sa.Column('id', sa.Integer))`,
    downgrade: `op.drop_table('${name}')`,
  });

test('two branches that each add a revision on the same parent, merged: multiple-heads names both', async () => {
  const r = repo();
  r.commit({ 'migrations/versions/1000_users.py': table('1000', null, 'users') }, 'users');
  r.git('checkout', '-q', '-b', 'posts');
  r.commit({ 'migrations/versions/2000_posts.py': table('2000', '1000', 'posts') }, 'posts');
  r.git('checkout', '-q', 'main');
  r.git('checkout', '-q', '-b', 'votes');
  r.commit({ 'migrations/versions/3000_votes.py': table('3000', '1000', 'votes') }, 'votes');
  // Each pull request was green alone; the posts one is merged first.
  r.git('checkout', '-q', 'main');
  r.git('merge', '-q', '--no-ff', '-m', 'Merge posts', 'posts');
  // The votes pull request as GitHub checks it: its merge commit with the base branch.
  r.git('merge', '-q', '--no-ff', '-m', 'Merge votes', 'votes');

  const plan = await planOf({ cwd: r.dir, baseRef: 'HEAD^1', listRevisions: await lister(r.dir) });
  expect(plan.base?.graph.heads).toEqual(['2000']);
  expect(plan.head.graph.heads).toEqual(['2000', '3000']);
  expect(plan.multipleHeads).toEqual({
    heads: ['2000', '3000'],
    files: ['migrations/versions/2000_posts.py', 'migrations/versions/3000_votes.py'],
  });
  expect(plan.revisions.map((x) => [x.id, x.change])).toEqual([
    ['1000', 'unchanged'],
    ['2000', 'unchanged'],
    ['3000', 'added'],
  ]);
  expect(plan.newOrder).toEqual(['3000']);
  expect(plan.baseOrder).toEqual(['1000', '2000']);
  expect(plan.branchOffOldRevisions).toEqual([
    { revision: '3000', file: 'migrations/versions/3000_votes.py', parents: ['1000'], baseHeads: ['2000'] },
  ]);
  const heads = plan.findings.find((f) => f.rule === 'multiple-heads')!;
  expect(heads.severity).toBe('error');
  expect(heads.message).toMatch(/2 heads: 2000 and 3000\..*alembic merge heads/);
  const old = plan.findings.find((f) => f.rule === 'branch-off-old-revision')!;
  expect(old).toMatchObject({ severity: 'warning', migration: '3000' });
  expect(old.message).toMatch(/3000 is built on 1000, but the base branch's head is 2000/);

  // After `alembic merge heads` is committed, one head again; the branch-off stays a warning.
  r.commit(
    {
      'migrations/versions/4000_merge.py': revision({
        id: '4000',
        down: ['2000', '3000'],
        upgrade: 'pass',
        downgrade: 'pass',
      }),
    },
    'merge heads',
  );
  const merged = await planOf({ cwd: r.dir, baseRef: 'HEAD~2', listRevisions: await lister(r.dir) });
  expect(merged.head.graph.heads).toEqual(['4000']);
  expect(merged.multipleHeads).toBeNull();
  expect(merged.findings.map((f) => f.rule)).toEqual(['branch-off-old-revision']);
  const mergePoint = merged.revisions.find((x) => x.id === '4000')!;
  expect(mergePoint.head).toMatchObject({ downRevision: ['2000', '3000'], parents: ['2000', '3000'] });
  expect(merged.newOrder).toEqual(['3000', '4000']);
});

test('edited, moved and deleted revisions are found by id; a full audit has every revision new', async () => {
  const r = repo();
  r.commit(
    {
      'migrations/versions/aaa_users.py': table('aaa', null, 'users'),
      'migrations/versions/bbb_posts.py': table('bbb', 'aaa', 'posts'),
      'migrations/versions/ccc_votes.py': table('ccc', 'bbb', 'votes'),
    },
    'three revisions',
  );
  r.git('checkout', '-q', '-b', 'change');
  r.commit(
    {
      // Edited in place: same id, other text.
      'migrations/versions/aaa_users.py': table('aaa', null, 'members'),
      // Moved: same id and text, another file name.
      'migrations/versions/bbb_posts.py': null,
      'migrations/versions/bbb_create_posts.py': table('bbb', 'aaa', 'posts'),
      // Deleted, and a new revision on its parent.
      'migrations/versions/ccc_votes.py': null,
      'migrations/versions/ddd_likes.py': revision({
        id: 'ddd',
        down: 'bbb',
        branchLabels: 'likes',
        dependsOn: 'aaa',
        upgrade: "op.create_table('likes', sa.Column('id', sa.Integer))",
        downgrade: "op.drop_table('likes')",
      }),
    },
    'edit, move, delete',
  );
  const list = await lister(r.dir);
  const plan = await planOf({ cwd: r.dir, baseRef: 'main', listRevisions: list });
  expect(plan.revisions.map((x) => [x.id, x.change, x.file, x.movedFrom])).toEqual([
    ['aaa', 'modified', 'migrations/versions/aaa_users.py', undefined],
    ['bbb', 'unchanged', 'migrations/versions/bbb_create_posts.py', 'migrations/versions/bbb_posts.py'],
    ['ddd', 'added', 'migrations/versions/ddd_likes.py', undefined],
    ['ccc', 'deleted', 'migrations/versions/ccc_votes.py', undefined],
  ]);
  expect(plan.revisions[2]!.head).toMatchObject({
    parents: ['bbb'],
    branchLabels: ['likes'],
    dependsOn: ['aaa'],
  });
  expect(plan.multipleHeads).toBeNull();
  expect(plan.findings.map((f) => [f.rule, f.migration])).toEqual([
    ['branch-off-old-revision', 'ddd'],
    ['edited-migration', 'aaa'],
    ['deleted-migration', 'ccc'],
  ]);
  expect(plan.findings[0]!.message).toMatch(/base branch's head is ccc/);
  expect(plan.newOrder).toEqual(['aaa', 'ddd']);

  const audit = await planOf({ cwd: r.dir, listRevisions: list });
  expect(audit.base).toBeNull();
  expect(audit.revisions.map((x) => [x.id, x.change])).toEqual([
    ['aaa', 'added'],
    ['bbb', 'added'],
    ['ddd', 'added'],
  ]);
  expect(audit.findings).toEqual([]);
});

test('a base commit without Alembic yet: every revision of the pull request is new', async () => {
  const r = new FixtureRepo({ 'README.md': 'app\n' });
  repos.push(r);
  r.commit({}, 'before alembic');
  r.commit(
    {
      'alembic.ini': alembicIni(),
      'migrations/env.py': envPy(),
      'migrations/versions/aaa_users.py': table('aaa', null, 'users'),
    },
    'alembic',
  );
  const plan = await planOf({ cwd: r.dir, baseRef: 'HEAD~1', listRevisions: await lister(r.dir) });
  expect(plan.base?.graph.revisions).toEqual([]);
  expect(plan.revisions.map((x) => [x.id, x.change])).toEqual([['aaa', 'added']]);
  expect(plan.findings).toEqual([]);
});
