import pg from 'pg';
import type { PostgresServer } from '../../src/postgres/index.js';
import { sequelizeWorkerArgs, WORKER_SEMI_SPACE_MB } from '../../src/migrate/worker-command.js';
import type { StepResult } from '../../src/migrate/index.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { untilNoProcessIn } from '../helpers/processes.js';
import { buildBundle, type Bundle } from './bundle.js';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cjsMigration, fixtureProject, repoNodeModules, type FixtureProject } from './fixture.js';

let server: PostgresServer;
let bundle: Bundle;
const projects: FixtureProject[] = [];

beforeAll(async () => {
  [server, bundle] = await Promise.all([startTestPostgres(), buildBundle()]);
});
afterAll(async () => {
  for (const p of projects) p.remove();
  bundle?.remove();
  await server?.stop();
});

function project(files: Record<string, string>, nodeModules = true): FixtureProject {
  const p = fixtureProject(files, { nodeModules });
  projects.push(p);
  return p;
}

test('a migration that crashes the process is reported, and the run goes on with its handlers removed', async () => {
  const p = project({
    'migrations/20260101000000-table.js': cjsMigration(
      `await queryInterface.createTable('events', { id: Sequelize.INTEGER });`,
    ),
    'migrations/20260102000000-forgot-await.js': cjsMigration(
      [
        "queryInterface.sequelize.query('INSERT INTO events (id, missing) VALUES (1, 2)');",
        "await queryInterface.addColumn('events', 'kind', Sequelize.TEXT);",
      ].join('\n'),
    ),
    'migrations/20260103000000-after-commit.js': cjsMigration(
      [
        'const transaction = await queryInterface.sequelize.transaction();',
        "await queryInterface.addColumn('events', 'at', Sequelize.DATE, { transaction });",
        'await transaction.commit();',
        "queryInterface.addColumn('events', 'late', Sequelize.TEXT, { transaction });",
      ].join('\n'),
    ),
    'migrations/20260104000000-timer-throws.js': cjsMigration(
      [
        "setTimeout(() => { throw new Error('thrown from a timer'); }, 5);",
        'await new Promise((resolve) => setTimeout(resolve, 50));',
      ].join('\n'),
    ),
    'migrations/20260105000000-fine.js': cjsMigration(
      `await queryInterface.addColumn('events', 'ok', Sequelize.BOOLEAN);`,
    ),
  });
  const url = server.url(await server.createDatabase());
  const { results } = await bundle.run({
    url,
    cwd: p.dir,
    ops: [
      ['listeners'],
      ['up', '20260101000000-table.js'],
      ['up', '20260102000000-forgot-await.js'],
      ['up', '20260103000000-after-commit.js'],
      ['up', '20260104000000-timer-throws.js'],
      ['up', '20260105000000-fine.js'],
      ['listeners'],
      ['applied'],
    ],
  });
  const [before, table, forgot, afterCommit, timer, fine, after, applied] = results as [
    unknown,
    StepResult,
    StepResult,
    StepResult,
    StepResult,
    StepResult,
    unknown,
    string[],
  ];
  expect(table.ok).toBe(true);

  expect(forgot.ok).toBe(false);
  expect(forgot.error).toMatchObject({
    code: '42703',
    sql: 'INSERT INTO events (id, missing) VALUES (1, 2)',
    file: 'migrations/20260102000000-forgot-await.js',
    line: 4,
  });
  expect(forgot.error!.message).toMatch(
    /^It crashed the process: column "missing" of relation "events" does not exist/,
  );
  expect(forgot.statements.map((s) => s.sql)).toEqual([
    'INSERT INTO events (id, missing) VALUES (1, 2)',
    'ALTER TABLE "public"."events" ADD COLUMN "kind" TEXT;',
  ]);

  expect(afterCommit.ok).toBe(false);
  expect(afterCommit.error!.message).toMatch(/commit has been called on this transaction/);
  expect(afterCommit.error).toMatchObject({ file: 'migrations/20260103000000-after-commit.js', line: 7 });

  expect(timer.ok).toBe(false);
  expect(timer.error).toMatchObject({ file: 'migrations/20260104000000-timer-throws.js', line: 4 });
  expect(timer.error!.message).toMatch(/thrown from a timer/);

  expect(fine.ok).toBe(true);
  expect(after).toEqual(before);
  expect(applied).toEqual(['20260101000000-table.js', '20260105000000-fine.js']);
});

test('TypeScript migrations run through the project tsx; without a loader the error says what to install', async () => {
  const files = {
    'migrations/20260101000000-typed.ts': [
      "import type { QueryInterface } from 'sequelize';",
      'interface Column { type: unknown }',
      'export async function up(queryInterface: QueryInterface, Sequelize: { INTEGER: unknown }): Promise<void> {',
      '  const id: Column = { type: Sequelize.INTEGER };',
      "  await queryInterface.createTable('typed', { id } as never);",
      '}',
      'export async function down(queryInterface: QueryInterface): Promise<void> {',
      "  await queryInterface.dropTable('typed');",
      '}',
    ].join('\n'),
    'migrations/20260102000000-common.cts': [
      "import type { QueryInterface } from 'sequelize';",
      'export = {',
      "  up: async (queryInterface: QueryInterface): Promise<void> => { await queryInterface.sequelize.query('CREATE TABLE common (id int)'); },",
      '};',
    ].join('\n'),
    'migrations/20260103000000-broken.ts': 'export async function up(: number) {}\n',
  };
  const withTsx = project(files);
  const url = server.url(await server.createDatabase());
  const ran = await bundle.run({
    url,
    cwd: withTsx.dir,
    ops: [
      ['up', '20260101000000-typed.ts'],
      ['up', '20260102000000-common.cts'],
      ['up', '20260103000000-broken.ts'],
      ['down', '20260101000000-typed.ts'],
      ['applied'],
    ],
  });
  expect(ran.sequelizeSource).toBe('project');
  const [typed, common, broken, typedDown, applied] = ran.results as StepResult[];
  expect(typed!.error).toBeNull();
  expect(typed!.statements.map((s) => s.sql)).toEqual(['CREATE TABLE IF NOT EXISTS "typed" ("id" INTEGER);']);
  expect(common!.error).toBeNull();
  expect(broken!.ok).toBe(false);
  expect(broken!.error).toMatchObject({ file: 'migrations/20260103000000-broken.ts', line: 1 });
  expect(broken!.error!.message).toMatch(/Syntax error/);
  expect(typedDown!.ok).toBe(true);
  expect(applied).toEqual(['20260102000000-common.cts']);

  // No node_modules: Schemabot's bundled Sequelize runs the JavaScript, TypeScript needs a loader.
  const bare = project(
    {
      ...files,
      'migrations/20260100000000-plain.js': cjsMigration(
        `await queryInterface.createTable('plain', { id: Sequelize.INTEGER });`,
      ),
    },
    false,
  );
  const bareRun = await bundle.run({
    url: server.url(await server.createDatabase()),
    cwd: bare.dir,
    ops: [['up', '20260100000000-plain.js'], ['up', '20260101000000-typed.ts'], ['applied']],
  });
  expect(bareRun.sequelizeSource).toBe('bundled');
  const [plain, noLoader, bareApplied] = bareRun.results as [StepResult, StepResult, string[]];
  expect(plain.error).toBeNull();
  expect(noLoader.ok).toBe(false);
  expect(noLoader.error!.message).toContain('npm i -D tsx');
  expect(noLoader.error!.file).toBe('migrations/20260101000000-typed.ts');
  expect(bareApplied).toEqual(['20260100000000-plain.js']);
});

test("a project's tsx that cannot register says so, and names the loader setting", async () => {
  // A tsx 4 whose registration fails: its packages otherwise as the project has them.
  const p = project(
    {
      'migrations/20260101000000-plain.js': cjsMigration(
        `await queryInterface.createTable('plain', { id: Sequelize.INTEGER });`,
      ),
      'node_modules/tsx/package.json': JSON.stringify({
        name: 'tsx',
        version: '4.99.0',
        exports: { '.': './loader.mjs', './esm/api': './api.cjs', './cjs/api': './api.cjs' },
      }),
      'node_modules/tsx/loader.mjs': '',
      'node_modules/tsx/api.cjs': "exports.register = () => { throw new Error('esbuild is missing'); };\n",
    },
    false,
  );
  for (const name of ['sequelize', 'pg'])
    symlinkSync(join(repoNodeModules, name), join(p.dir, 'node_modules', name));
  const err = await bundle
    .run({ url: server.url(await server.createDatabase()), cwd: p.dir, ops: [['applied']] })
    .catch((e: unknown) => e as Error & { stderr?: string });
  expect(String((err as { stderr?: string }).stderr)).toMatch(
    /The project's tsx could not be registered \(.*node_modules\/tsx\/api\.cjs\): esbuild is missing\. .*loader: tsx/,
  );
});

test('ES module .js migrations in a "type": "module" package, and a missing module with its line', async () => {
  const p = project({
    'package.json': JSON.stringify({ name: 'esm-app', type: 'module' }),
    'lib/names.js': "export const table = 'esm_items';\n",
    'migrations/20260101000000-esm.js': [
      "import { table } from '../lib/names.js';",
      'export default {',
      '  async up(queryInterface, Sequelize) { await queryInterface.createTable(table, { id: Sequelize.INTEGER }); },',
      '  async down(queryInterface) { await queryInterface.dropTable(table); },',
      '};',
    ].join('\n'),
    'migrations/20260102000000-missing.cjs':
      "const helper = require('./does-not-exist');\nmodule.exports = { async up() {} };\n",
  });
  const { results } = await bundle.run({
    url: server.url(await server.createDatabase()),
    cwd: p.dir,
    ops: [['up', '20260101000000-esm.js'], ['up', '20260102000000-missing.cjs'], ['applied']],
  });
  const [esm, missing, applied] = results as [StepResult, StepResult, string[]];
  expect(esm.error).toBeNull();
  expect(esm.statements.map((s) => s.sql)).toEqual([
    'CREATE TABLE IF NOT EXISTS "esm_items" ("id" INTEGER);',
  ]);
  expect(missing.ok).toBe(false);
  expect(missing.error).toMatchObject({ file: 'migrations/20260102000000-missing.cjs', line: 1 });
  expect(missing.error!.message).toMatch(
    /Cannot find module '\.\/does-not-exist'.*Install the package or fix the path/,
  );
  expect(applied).toEqual(['20260101000000-esm.js']);
});

test('the worker runs with a small young generation, unless NODE_OPTIONS sets one', async () => {
  const p = project({
    'migrations/20260101000000-flags.js': cjsMigration(
      "await queryInterface.sequelize.query('CREATE TABLE flags AS SELECT CAST(:argv AS text) AS argv', { replacements: { argv: process.execArgv.join(' ') } });",
    ),
  });
  const url = server.url(await server.createDatabase());
  const { results } = await bundle.run({ url, cwd: p.dir, ops: [['up', '20260101000000-flags.js']] });
  expect((results[0] as StepResult).ok).toBe(true);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ argv: string }>('SELECT argv FROM flags');
    expect(rows[0]!.argv.split(' ')).toContain(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  } finally {
    await client.end();
  }
  expect(sequelizeWorkerArgs(p.dir, [], '--max-semi-space-size=64').join(' ')).not.toMatch(/semi-space/);
  expect(sequelizeWorkerArgs(p.dir, [], '--enable-source-maps')).toContain(
    `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
  );
});

test('a process that loads a project and never releases it still ends by itself, and so does the worker it left waiting', async () => {
  const p = project({ 'migrations/20260101000000-t.js': cjsMigration('') });
  // The project's worker stays loaded, waiting for a database that never comes.
  writeFileSync(
    join(bundle.dir, 'load-only.mjs'),
    "import { loadProject } from './migrate.mjs';\n" +
      'await loadProject({ cwd: process.argv[2] });\n' +
      "process.stdout.write('loaded');\n",
  );
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(bundle.dir, 'load-only.mjs'), p.dir], {
    cwd: bundle.dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect({ status: r.status, signal: r.signal, stdout: r.stdout }).toEqual({
    status: 0,
    signal: null,
    stdout: 'loaded',
  });
  expect(Date.now() - started).toBeLessThan(30_000);
  // Its worker saw the requests' pipe close and ended too.
  await untilNoProcessIn(p.dir, 10_000, 'the waiting worker outlived the process that loaded it');
});
