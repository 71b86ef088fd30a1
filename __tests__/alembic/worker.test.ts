import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import type {
  AlembicModelDifference,
  AlembicRevisions,
  ProjectInfo,
  WorkerStepResult,
} from '../../src/migrate/protocol.js';
import { WorkerRequestError, type WorkerProcess } from '../../src/migrate/worker-process.js';
import { startTestPostgres } from '../helpers/postgres.js';
import {
  AlembicProject,
  PYTHON,
  alembicIni,
  asyncEnvPy,
  currentIds,
  envPy,
  pythonHas,
  revision,
} from './fixture.js';

let server: PostgresServer;
const projects: AlembicProject[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  for (const w of workers) await w.kill();
  for (const p of projects) p.remove();
  await server?.stop();
});

function project(
  files: Record<string, string>,
  options: { ini?: string; env?: string } = {},
): AlembicProject {
  const p = new AlembicProject(files, options);
  projects.push(p);
  return p;
}

/** SQLAlchemy's name of the scheme, with the driver both Pythons of the tests have. */
const sqlalchemyUrl = (url: string): string => url.replace(/^postgres:/, 'postgresql+psycopg2:');

async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function opened(p: AlembicProject, url: string, timeoutMs = 60_000): Promise<WorkerProcess> {
  const w = p.worker();
  workers.push(w);
  await w.request({ op: 'load', cwd: p.dir });
  await w.request({ op: 'open', url, env: {}, applicationName: 'schemabot-alembic-test', timeoutMs });
  return w;
}

const step = (w: WorkerProcess, name: string, direction: 'up' | 'down') =>
  w.request<WorkerStepResult>({ op: 'step', migration: { name, path: '' }, direction });

const MOODS = revision({
  id: 'a1b2c3d4e5f6',
  down: null,
  message: 'people with a mood',
  upgrade: [
    "op.create_table('people',",
    "    sa.Column('id', sa.Integer, primary_key=True),",
    "    sa.Column('name', sa.Text, nullable=False),",
    "    sa.Column('mood', sa.Enum('happy', 'sad', name='mood'), nullable=True),",
    ')',
  ].join('\n'),
  // The trap of sqlalchemy/alembic#886: drop_table leaves the enum type behind.
  downgrade: "op.drop_table('people')",
});

test('load describes the project: runner, versions folder, version table from env.py, Alembic version', async () => {
  const p = project(
    { 'migrations/versions/a1b2c3d4e5f6_people.py': MOODS },
    { env: envPy({ configure: "\n        version_table='schema_history', version_table_schema='meta'," }) },
  );
  const w = p.worker();
  workers.push(w);
  const info = await w.request<ProjectInfo>({ op: 'load', cwd: p.dir });
  expect(info).toMatchObject({
    runner: 'alembic',
    cwd: p.dir,
    migrationsDir: `${p.dir}/migrations/versions`,
    configFile: `${p.dir}/alembic.ini`,
    env: 'alembic',
    meta: { table: 'schema_history', schema: 'meta' },
    config: { script_location: 'migrations' },
  });
  expect(info.libraryVersion).toMatch(/^1\.\d+/);
  const { revisions, heads } = await w.request<AlembicRevisions>({ op: 'revisions' });
  expect(heads).toEqual(['a1b2c3d4e5f6']);
  expect(revisions).toEqual([
    {
      id: 'a1b2c3d4e5f6',
      downRevision: null,
      branchLabels: [],
      dependsOn: null,
      path: `${p.dir}/migrations/versions/a1b2c3d4e5f6_people.py`,
      doc: 'people with a mood',
    },
  ]);
  await w.close();
});

test('a folder without alembic.ini is a configuration problem that says what to do', async () => {
  const p = project({});
  p.write({ 'alembic.ini': null });
  const w = p.worker();
  workers.push(w);
  const error = await w.request({ op: 'load', cwd: p.dir }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkerRequestError);
  expect((error as WorkerRequestError).failure).toMatchObject({ kind: 'project', setting: 'alembic.ini' });
  expect((error as WorkerRequestError).message).toMatch(/No alembic\.ini in .*--cwd/);
  await w.close();
});

test('a revision runs up, down and up again, each statement captured with its duration and line', async () => {
  const url = server.url(await server.createDatabase());
  const p = project({ 'migrations/versions/a1b2c3d4e5f6_people.py': MOODS });
  const w = await opened(p, url);
  expect(await w.request({ op: 'applied' })).toEqual([]);

  const up = await step(w, 'a1b2c3d4e5f6', 'up');
  expect(up.ok).toBe(true);
  expect(up.error).toBeNull();
  const sqls = up.statements.map((s) => s.sql);
  expect(sqls).toEqual([
    expect.stringMatching(/^CREATE TYPE mood AS ENUM \('happy', 'sad'\)/),
    expect.stringMatching(/^CREATE TABLE people \(/),
  ]);
  // Alembic's own bookkeeping (the version table, reflection) is not the revision's.
  expect(sqls.join('\n')).not.toMatch(/alembic_version|pg_catalog/);
  for (const s of up.statements) {
    expect(s.ms).toBeGreaterThan(0);
    expect(s.line).toBe(17); // the op.create_table( line of the revision file
  }
  expect(up.ms).toBeGreaterThanOrEqual(up.statements.reduce((a, s) => a + s.ms, 0));
  expect(await w.request({ op: 'applied' })).toEqual(['a1b2c3d4e5f6']);
  const rows = await query(url, 'SELECT version_num FROM alembic_version');
  expect(rows).toEqual([{ version_num: 'a1b2c3d4e5f6' }]);

  const down = await step(w, 'a1b2c3d4e5f6', 'down');
  expect(down.ok).toBe(true);
  expect(down.statements.map((s) => s.sql)).toEqual(['DROP TABLE people']);
  expect(down.statements[0]!.line).toBe(25);
  expect(await w.request({ op: 'applied' })).toEqual([]);
  // The downgrade left the enum type behind: still in the catalog.
  const types = await query(url, "SELECT typname FROM pg_type WHERE typname = 'mood' AND typtype = 'e'");
  expect(types).toEqual([{ typname: 'mood' }]);

  // So upgrading again fails on CREATE TYPE, with PostgreSQL's own words and the failing statement.
  const reup = await step(w, 'a1b2c3d4e5f6', 'up');
  expect(reup.ok).toBe(false);
  expect(reup.error).toMatchObject({
    message: 'type "mood" already exists',
    code: '42710',
    file: 'migrations/versions/a1b2c3d4e5f6_people.py',
    line: 17,
    sql: expect.stringMatching(/^CREATE TYPE mood/),
  });
  expect(reup.statements).toEqual([expect.objectContaining({ failed: true, sql: reup.error!.sql })]);
  expect(await w.request({ op: 'applied' })).toEqual([]);
  // Alembic ran it in one transaction: nothing of it stayed.
  expect(await query(url, "SELECT 1 FROM pg_class WHERE relname = 'people'")).toEqual([]);
  await w.close();
});

test('the same revision with a downgrade that drops the type runs up, down and up cleanly', async () => {
  const url = server.url(await server.createDatabase());
  const fixed = MOODS.replace(
    "op.drop_table('people')",
    "op.drop_table('people')\n    sa.Enum(name='mood').drop(op.get_bind())",
  );
  const p = project({ 'migrations/versions/a1b2c3d4e5f6_people.py': fixed });
  const w = await opened(p, url);
  expect((await step(w, 'a1b2c3d4e5f6', 'up')).ok).toBe(true);
  const down = await step(w, 'a1b2c3d4e5f6', 'down');
  expect(down.statements.map((s) => s.sql)).toEqual(['DROP TABLE people', 'DROP TYPE mood']);
  expect(await query(url, "SELECT 1 FROM pg_type WHERE typname = 'mood'")).toEqual([]);
  const reup = await step(w, 'a1b2c3d4e5f6', 'up');
  expect(reup.ok).toBe(true);
  expect(reup.statements).toHaveLength(2);
  await w.close();
});

test('failing downgrades: a statement PostgreSQL rejects, a downgrade that is only pass, one that raises', async () => {
  const url = server.url(await server.createDatabase());
  const p = project({
    'migrations/versions/0001_people.py': revision({
      id: '0001',
      down: null,
      upgrade: "op.create_table('people', sa.Column('id', sa.Integer, primary_key=True))",
      downgrade: "op.drop_table('persons')",
    }),
    'migrations/versions/0002_nothing.py': revision({
      id: '0002',
      down: '0001',
      upgrade: "op.add_column('people', sa.Column('email', sa.Text))",
      downgrade: 'pass',
    }),
    'migrations/versions/0003_raises.py': revision({
      id: '0003',
      down: '0002',
      upgrade: "op.add_column('people', sa.Column('phone', sa.Text))",
      downgrade: 'raise NotImplementedError("phone numbers cannot be restored")',
    }),
    'migrations/versions/0004_raises_late.py': revision({
      id: '0004',
      down: '0003',
      upgrade: "op.add_column('people', sa.Column('age', sa.Integer))",
      downgrade: 'if op.get_bind() is not None:\n    raise NotImplementedError("age stays")',
    }),
  });
  const w = await opened(p, url);
  for (const id of ['0001', '0002', '0003', '0004']) expect((await step(w, id, 'up')).ok).toBe(true);

  const late = await step(w, '0004', 'down');
  expect(late.ok).toBe(false);
  expect(late.error!.message).toMatch(
    /^Revision 0004 has no down: its downgrade\(\) raises NotImplementedError: age stays/,
  );
  expect(late.error).toMatchObject({ file: 'migrations/versions/0004_raises_late.py', line: 22 });
  expect(await w.request({ op: 'applied' })).toEqual(['0004']);
  await w.request({ op: 'unrecord', names: ['0004'] });

  const raises = await step(w, '0003', 'down');
  expect(raises).toMatchObject({ ok: false, statements: [] });
  expect(raises.error!.message).toBe(
    'Revision 0003 has no down: its downgrade() only raises NotImplementedError, so it cannot be reverted. Write a downgrade() that undoes upgrade().',
  );
  expect(raises.error!.file).toBe('migrations/versions/0003_raises.py');
  // Not run: still applied, the column still there.
  expect(await w.request({ op: 'applied' })).toEqual(['0003']);
  await w.request({ op: 'unrecord', names: ['0003'] });

  const empty = await step(w, '0002', 'down');
  expect(empty).toMatchObject({ ok: false, statements: [] });
  expect(empty.error!.message).toMatch(/^Revision 0002 has no down: its downgrade\(\) does nothing/);
  await w.request({ op: 'unrecord', names: ['0002'] });
  expect(await w.request({ op: 'applied' })).toEqual(['0001']);

  const rejected = await step(w, '0001', 'down');
  expect(rejected.ok).toBe(false);
  expect(rejected.error).toMatchObject({
    message: 'table "persons" does not exist',
    code: '42P01',
    sql: 'DROP TABLE persons',
    file: 'migrations/versions/0001_people.py',
    line: 21,
  });
  expect(rejected.statements).toEqual([
    expect.objectContaining({ sql: 'DROP TABLE persons', failed: true, line: 21 }),
  ]);
  expect(await w.request({ op: 'applied' })).toEqual(['0001']);
  await w.close();
});

test('applied, record and unrecord agree with alembic current; merges and branches step one revision', async () => {
  const url = server.url(await server.createDatabase());
  const table = (id: string, down: string | string[] | null) =>
    revision({
      id,
      down,
      upgrade: `op.create_table('t_${id}', sa.Column('id', sa.Integer))`,
      downgrade: `op.drop_table('t_${id}')`,
    });
  const p = project(
    {
      'migrations/versions/root.py': table('root', null),
      'migrations/versions/left.py': table('left', 'root'),
      'migrations/versions/right.py': table('right', 'root'),
      'migrations/versions/merge.py': revision({
        id: 'merge',
        down: ['left', 'right'],
        upgrade: 'pass',
        downgrade: 'pass',
      }),
    },
    { ini: alembicIni(sqlalchemyUrl(url)) },
  );
  // Alembic itself brings the database to its head.
  await p.alembic(['upgrade', 'heads']);
  const w = await opened(p, url);
  expect(await w.request({ op: 'applied' })).toEqual(['merge']);
  expect(currentIds(await p.alembic(['current']))).toEqual(['merge']);

  // The merge point alone goes down (an empty downgrade is fine where upgrade is empty too).
  const merge = await step(w, 'merge', 'down');
  expect(merge).toMatchObject({ ok: true, statements: [] });
  expect((await w.request<string[]>({ op: 'applied' })).sort()).toEqual(['left', 'right']);
  expect(currentIds(await p.alembic(['current']))).toEqual(['left', 'right']);

  // One branch goes down; the other keeps its head.
  const left = await step(w, 'left', 'down');
  expect(left.statements.map((s) => s.sql)).toEqual(['DROP TABLE t_left']);
  expect(currentIds(await p.alembic(['current']))).toEqual(['right']);

  // A revision whose parent is not applied cannot be run alone.
  const orphan = await step(w, 'merge', 'up').catch((e: unknown) => e);
  expect((orphan as WorkerRequestError).message).toMatch(
    /Revision merge cannot be run alone: its parent left is not applied/,
  );

  expect((await step(w, 'left', 'up')).ok).toBe(true);
  expect((await step(w, 'merge', 'up')).ok).toBe(true);
  expect(currentIds(await p.alembic(['current']))).toEqual(['merge']);

  // Stamping: unrecord the merge and the left branch, record them back.
  await w.request({ op: 'unrecord', names: ['left'] });
  expect(await w.request({ op: 'applied' })).toEqual(['right']);
  expect(currentIds(await p.alembic(['current']))).toEqual(['right']);
  await w.request({ op: 'record', names: ['merge'] });
  expect(currentIds(await p.alembic(['current']))).toEqual(['merge']);
  await w.request({ op: 'unrecord', names: ['root'] });
  expect(await w.request({ op: 'applied' })).toEqual([]);
  expect(currentIds(await p.alembic(['current']))).toEqual([]);
  await w.close();
});

test('statements run on connections named by applicationName; a revision past its timeout is stopped', async () => {
  const url = server.url(await server.createDatabase());
  const p = project({
    'migrations/versions/0001_names.py': revision({
      id: '0001',
      down: null,
      upgrade: [
        "op.create_table('seen', sa.Column('name', sa.Text))",
        'op.execute("INSERT INTO seen VALUES (current_setting(\'application_name\'))")',
      ].join('\n'),
      downgrade: "op.drop_table('seen')",
    }),
    'migrations/versions/0002_slow.py': revision({
      id: '0002',
      down: '0001',
      upgrade: 'op.execute("SELECT pg_sleep(30)")',
      downgrade: 'pass',
    }),
  });
  const w = await opened(p, url, 1500);
  expect((await step(w, '0001', 'up')).ok).toBe(true);
  expect(await query(url, 'SELECT name FROM seen')).toEqual([{ name: 'schemabot-alembic-test' }]);
  const started = Date.now();
  const slow = await step(w, '0002', 'up');
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(slow.ok).toBe(false);
  expect(slow.error!.message).toMatch(/^Revision 0002 \(up\) did not finish within 1\.5 s and was stopped/);
  expect(slow.statements).toEqual([expect.objectContaining({ sql: 'SELECT pg_sleep(30)', failed: true })]);
  expect(slow.statements[0]!.ms).toBeGreaterThanOrEqual(1400);
  expect(await w.request({ op: 'applied' })).toEqual(['0001']);
  await w.close();
});

test('compare-models lists what target_metadata has that the database lacks, as alembic check does', async () => {
  const url = server.url(await server.createDatabase());
  const models = `import sqlalchemy as sa

metadata = sa.MetaData()
people = sa.Table(
    'people', metadata,
    sa.Column('id', sa.Integer, primary_key=True),
    sa.Column('name', sa.Text, nullable=False),
    sa.Column('email', sa.Text, nullable=True),
)
`;
  const p = project(
    {
      'app_models.py': models,
      'migrations/versions/0001_people.py': revision({
        id: '0001',
        down: null,
        upgrade:
          "op.create_table('people', sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.Text, nullable=True))",
        downgrade: "op.drop_table('people')",
      }),
    },
    { env: envPy({ metadata: 'from app_models import metadata as target_metadata' }) },
  );
  const w = await opened(p, url);
  expect((await step(w, '0001', 'up')).ok).toBe(true);
  const diffs = await w.request<AlembicModelDifference[]>({ op: 'compare-models' });
  expect(diffs).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        op: 'add_column',
        table: 'people',
        name: 'email',
        type: 'TEXT',
        nullable: true,
      }),
      expect.objectContaining({
        op: 'modify_nullable',
        table: 'people',
        name: 'name',
        before: true,
        after: false,
      }),
    ]),
  );
  expect(diffs).toHaveLength(2);
  // Comparing creates nothing: no version table appeared beyond the one the step wrote.
  expect(await w.request({ op: 'applied' })).toEqual(['0001']);
  await w.close();
});

// Debian has no asyncpg package: this runs with a Python that has it (SCHEMABOT_TEST_PYTHON).
const withAsyncpg = pythonHas(PYTHON, 'asyncpg', 'sqlalchemy.ext.asyncio') ? test : test.skip;
if (withAsyncpg === test.skip) {
  console.warn(`${PYTHON} has no asyncpg: the async env.py test is skipped.`);
}

withAsyncpg(
  'an async env.py keeps its asyncpg driver; statements are captured through run_sync',
  async () => {
    const url = server.url(await server.createDatabase());
    const p = project(
      { 'migrations/versions/a1b2c3d4e5f6_people.py': MOODS },
      { ini: alembicIni('postgresql+asyncpg://app@db.invalid/app'), env: asyncEnvPy() },
    );
    const w = await opened(p, url);
    const up = await step(w, 'a1b2c3d4e5f6', 'up');
    expect(up.error).toBeNull();
    expect(up.statements.map((s) => [s.sql.split(' (')[0], s.line])).toEqual([
      ['CREATE TYPE mood AS ENUM', 17],
      ['CREATE TABLE people', 17],
    ]);
    expect(await w.request({ op: 'applied' })).toEqual(['a1b2c3d4e5f6']);
    const names = await query<{ name: string }>(
      url,
      "SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'schemabot%'",
    );
    expect(names).toEqual([]); // every connection of the step is closed again
    expect((await step(w, 'a1b2c3d4e5f6', 'down')).statements.map((s) => s.sql)).toEqual([
      'DROP TABLE people',
    ]);
    await w.close();
  },
);
