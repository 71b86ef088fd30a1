import pg from 'pg';
import { parseConfig } from '../../src/assess/config.js';
import { compareModels } from '../../src/assess/models.js';
import { takeSnapshot, type Snapshot } from '../../src/inspect/index.js';
import type { PostgresServer } from '../../src/postgres/index.js';
import { runCheck } from '../../src/modes/check.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { CREATE_USERS, FixtureRepo } from '../helpers/repo.js';
import { onSharedServer } from '../helpers/shared-server.js';

/**
 * What the models comparison covers: by default the tables some model declares (models that cover a
 * few tables of a larger schema say nothing of the others); `on` the tables these migrations create
 * (a matrix cell over one migrations folder); `strict` everything. Both sides are real databases.
 */
let server: PostgresServer;

async function snapshotOf(sql: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: server.url(await server.createDatabase()) });
  await client.connect();
  try {
    await client.query(sql);
    return await takeSnapshot(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const table = (name: string) => ({ model: name, table: `public.${name}`, clientDefaults: [] });
const names = (changes: { kind: string; action: string; name: string }[]) =>
  changes.map((c) => `${c.kind} ${c.action} ${c.name}`).sort();

test('partial models: only declared tables by default, everything under strict, the cell’s tables under on', async () => {
  // The migrations of this folder create users, audit and jobs (with an enum); the models declare
  // users (with a column the migrations lack) and invoices (created by another folder's migrations).
  const migrated = await snapshotOf(`
    CREATE TYPE job_state AS ENUM ('queued', 'done');
    CREATE TABLE users (id serial PRIMARY KEY, email text);
    CREATE TABLE audit (id serial PRIMARY KEY, note text);
    CREATE TABLE jobs (id serial PRIMARY KEY, state job_state);`);
  const models = await snapshotOf(`
    CREATE TABLE users (id serial PRIMARY KEY, email text, avatar text);
    CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);`);
  const declared = [table('users'), table('invoices')];

  expect(names(compareModels(migrated, models, declared).changes)).toEqual([
    'column added public.users.avatar',
    'table added public.invoices',
  ]);
  expect(names(compareModels(migrated, models, declared, 'strict').changes)).toEqual([
    'column added public.users.avatar',
    'enum removed public.job_state',
    'table added public.invoices',
    'table removed public.audit',
    'table removed public.jobs',
  ]);
  expect(names(compareModels(migrated, models, declared, 'migrated').changes)).toEqual([
    'column added public.users.avatar',
    'enum removed public.job_state',
    'table removed public.audit',
    'table removed public.jobs',
  ]);
});

test('.schemabot.yml models: off | on | strict', () => {
  const known = ['drop-column'];
  expect(parseConfig('models: strict\n', '.schemabot.yml', known).modelsScope).toBe('strict');
  expect(parseConfig('models: on\n', '.schemabot.yml', known).modelsScope).toBe('migrated');
  expect(parseConfig('models: off\n', '.schemabot.yml', known).models).toBe(false);
  expect(parseConfig('models: src/db.js\n', '.schemabot.yml', known)).toMatchObject({ models: 'src/db.js' });
  expect(() => parseConfig('models: 3\n', '.schemabot.yml', known)).toThrow(
    /"models" must be off, on, strict/,
  );
});

describe('check: the models input / --models flag, per matrix cell', () => {
  const repos: FixtureRepo[] = [];
  afterAll(() => repos.forEach((r) => r.remove()));

  /** A cell whose migrations create users; the models also declare invoices, another folder's table. */
  function cell(): { dir: string; base: string } {
    const repo = new FixtureRepo();
    repos.push(repo);
    const base = repo.commit({ 'migrations/20260101000000-create-users.js': CREATE_USERS });
    repo.commit({
      'models/user.js': `module.exports = (sequelize, DataTypes) =>
  sequelize.define('User', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    email: { type: DataTypes.STRING, allowNull: false, unique: true },
  }, { tableName: 'users', timestamps: false });
`,
      'models/invoice.js': `module.exports = (sequelize, DataTypes) =>
  sequelize.define('Invoice', { total: DataTypes.DECIMAL }, { tableName: 'invoices', timestamps: false });
`,
    });
    return { dir: repo.dir, base };
  }

  test.each([
    [undefined, ['table added public.invoices']],
    ['on' as const, []],
    ['strict' as const, ['table added public.invoices']],
  ])('models %s', async (modelsMode, expected) => {
    const { dir, base } = cell();
    const r = await runCheck({
      cwd: dir,
      base,
      ...(await onSharedServer()),
      timeoutMs: 20_000,
      ...(modelsMode ? { modelsMode } : {}),
    });
    expect(names(r.models!.changes)).toEqual(expected);
    expect(r.findings.filter((f) => f.rule === 'model-drift')).toHaveLength(expected.length);
  });

  test('models off: no comparison', async () => {
    const { dir, base } = cell();
    const r = await runCheck({
      cwd: dir,
      base,
      ...(await onSharedServer()),
      timeoutMs: 20_000,
      modelsMode: 'off',
    });
    expect(r.models).toBeUndefined();
  });
});
