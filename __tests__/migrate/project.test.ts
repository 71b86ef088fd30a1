import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { discoverMigrations, loadProject as loadInWorker, ProjectError } from '../../src/migrate/index.js';
import { releaseProject, type Project } from '../../src/migrate/project.js';
import { fixtureProject, type FixtureProject } from './fixture.js';

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

/** What the worker read of the project; the worker that read it (kept for a database) then ends. */
async function loadProject(options: Parameters<typeof loadInWorker>[0]): Promise<Project> {
  const loaded = await loadInWorker(options);
  await releaseProject(loaded);
  return loaded;
}

function project(files: Record<string, string>): FixtureProject {
  const p = fixtureProject(files, { nodeModules: false });
  projects.push(p);
  return p;
}

const sections = JSON.stringify({
  development: { dialect: 'postgres', migrationStorageTableName: 'dev_meta' },
  production: {
    dialect: 'postgres',
    use_env_variable: 'PROD_URL',
    dialectOptions: { ssl: { require: true } },
  },
});

test('defaults: migrations/, config/config.json, the environment section and SequelizeMeta', async () => {
  const p = project({ 'migrations/.keep': '', 'models/index.js': '', 'config/config.json': sections });
  const dev = await loadProject({ cwd: p.dir, env: 'development' });
  expect(dev).toMatchObject({
    cwd: p.dir,
    migrationsDir: join(p.dir, 'migrations'),
    modelsDir: join(p.dir, 'models'),
    configFile: join(p.dir, 'config', 'config.json'),
    env: 'development',
    config: { dialect: 'postgres', migrationStorageTableName: 'dev_meta' },
    meta: { table: 'dev_meta' },
  });
  const prod = await loadProject({ cwd: p.dir, env: 'production' });
  expect(prod.config.dialectOptions).toEqual({ ssl: { require: true } });
  expect(prod.meta).toEqual({ table: 'SequelizeMeta' });
  expect(prod.urlEnvVariable).toBe('PROD_URL');

  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    expect((await loadProject({ cwd: p.dir })).env).toBe('production');
  } finally {
    process.env.NODE_ENV = previous;
  }
  // Like sequelize-cli, an environment without a section uses the whole object.
  const staging = await loadProject({ cwd: p.dir, env: 'staging' });
  expect(Object.keys(staging.config).sort()).toEqual(['development', 'production']);
});

test('JSON written with a byte order mark (Windows editors) reads as sequelize-cli reads it', async () => {
  const BOM = '\uFEFF';
  const p = project({
    'db/migrations/.keep': '',
    'config/config.json': BOM + sections,
    'config/options.json': BOM + JSON.stringify({ 'migrations-path': 'db/migrations' }),
    '.sequelizerc': "module.exports = { 'options-path': 'config/options.json' };\n",
  });
  const loaded = await loadProject({ cwd: p.dir, env: 'development' });
  expect(loaded.migrationsDir).toBe(join(p.dir, 'db', 'migrations'));
  expect(loaded.meta).toEqual({ table: 'dev_meta' });
});

test('config.js wins over config.json and may export an object, a promise function or a callback function', async () => {
  const objectStyle = project({
    'migrations/.keep': '',
    'config/config.json': sections,
    'config/config.js': "module.exports = { development: { migrationStorageTableName: 'from_js' } };\n",
  });
  const fromObject = await loadProject({ cwd: objectStyle.dir, env: 'development' });
  expect(fromObject.configFile).toBe(join(objectStyle.dir, 'config', 'config.js'));
  expect(fromObject.meta).toEqual({ table: 'from_js' });

  const promiseStyle = project({
    'migrations/.keep': '',
    'config/config.js':
      "module.exports = async () => ({ test: { migrationStorageTableName: 'from_promise', migrationStorageTableSchema: 'audit' } });\n",
  });
  expect((await loadProject({ cwd: promiseStyle.dir, env: 'test' })).meta).toEqual({
    schema: 'audit',
    table: 'from_promise',
  });

  const callbackStyle = project({
    'migrations/.keep': '',
    'config/config.js':
      "module.exports = (done) => setTimeout(() => done(null, { test: { migrationStorageTableName: 'from_callback' } }), 1);\n",
  });
  expect((await loadProject({ cwd: callbackStyle.dir, env: 'test' })).meta).toEqual({
    table: 'from_callback',
  });

  const esmStyle = project({
    'migrations/.keep': '',
    'config/config.mjs': "export default { test: { migrationStorageTableName: 'from_esm' } };\n",
    '.sequelizerc': "module.exports = { config: 'config/config.mjs' };\n",
  });
  expect((await loadProject({ cwd: esmStyle.dir, env: 'test' })).meta).toEqual({ table: 'from_esm' });
});

test('.sequelizerc paths resolve against the project folder, even through path.resolve and process.cwd()', async () => {
  const p = project({
    '.sequelizerc': [
      "const path = require('path');",
      'module.exports = {',
      "  'migrations-path': path.resolve('db', 'migrate'),",
      "  'models-path': 'app/models',",
      "  config: path.join(process.cwd(), 'db', 'settings.js'),",
      '};',
    ].join('\n'),
    'db/migrate/.keep': '',
    'db/settings.js': "module.exports = { development: { dialect: 'postgres' } };\n",
  });
  const outside = process.cwd();
  const loaded = await loadProject({ cwd: p.dir, env: 'development' });
  expect(process.cwd()).toBe(outside);
  expect(loaded).toMatchObject({
    migrationsDir: join(p.dir, 'db', 'migrate'),
    modelsDir: join(p.dir, 'app', 'models'),
    configFile: join(p.dir, 'db', 'settings.js'),
    rcFile: join(p.dir, '.sequelizerc'),
    config: { dialect: 'postgres' },
  });
  // --migrations-path overrides .sequelizerc.
  mkdirSync(join(p.dir, 'other'));
  expect((await loadProject({ cwd: p.dir, migrationsPath: 'other' })).migrationsDir).toBe(
    join(p.dir, 'other'),
  );
});

test('configuration problems are ProjectErrors that name the folder or file and the setting', async () => {
  const noFolder = project({ 'config/config.json': sections });
  const error = await loadProject({ cwd: noFolder.dir }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProjectError);
  expect((error as ProjectError).message).toContain(join(noFolder.dir, 'migrations'));
  expect((error as ProjectError).message).toContain('migrations-path');

  const rcFolder = project({ '.sequelizerc': "module.exports = { 'migrations-path': 'db/migrations' };\n" });
  await expect(loadProject({ cwd: rcFolder.dir })).rejects.toThrow(
    `Migrations folder not found: ${join(rcFolder.dir, 'db', 'migrations')} (from .sequelizerc "migrations-path")`,
  );
  await expect(loadProject({ cwd: rcFolder.dir, migrationsPath: 'nowhere' })).rejects.toThrow(
    /from --migrations-path/,
  );

  const brokenConfig = project({
    'migrations/.keep': '',
    'config/config.js': "throw new Error('cannot reach postgres://app:hunter2secret@db.internal/app');\n",
  });
  const configError = await loadProject({ cwd: brokenConfig.dir }).catch((e: unknown) => e);
  expect(configError).toBeInstanceOf(ProjectError);
  expect((configError as Error).message).toMatch(
    /^config\/config.js failed while loading: cannot reach postgres:\/\/app:\*\*\*\*\*@/,
  );
  expect((configError as Error).message).not.toContain('hunter2secret');

  const jsonStorage = project({
    'migrations/.keep': '',
    'config/config.json': JSON.stringify({ development: { migrationStorage: 'json' } }),
  });
  await expect(loadProject({ cwd: jsonStorage.dir, env: 'development' })).rejects.toThrow(/migrationStorage/);

  const badRc = project({ 'migrations/.keep': '', '.sequelizerc': 'module.exports = {\n' });
  await expect(loadProject({ cwd: badRc.dir })).rejects.toBeInstanceOf(ProjectError);
});

test('discovers migrations with sequelize-cli’s filter and string order', () => {
  const p = project({
    'migrations/20260102-b.js': '',
    'migrations/20260101-a.cjs': '',
    'migrations/20260103-c.ts': '',
    'migrations/20260104-d.cts': '',
    'migrations/20260105-e.mjs': '',
    'migrations/20260106-types.d.ts': '',
    'migrations/20260107-notes.md': '',
    'migrations/20260108-data.json': '',
    'migrations/20260109-raw.sql': '',
    'migrations/Z-upper.js': '',
    'migrations/a-lower.js': '',
    'migrations/2026-dash.js': '',
    'migrations/nested.js/inner.js': '',
  });
  const found = discoverMigrations(join(p.dir, 'migrations'));
  expect(found.map((m) => m.name)).toEqual([
    '2026-dash.js',
    '20260101-a.cjs',
    '20260102-b.js',
    '20260103-c.ts',
    '20260104-d.cts',
    '20260105-e.mjs',
    'Z-upper.js',
    'a-lower.js',
  ]);
  expect(found[0]!.path).toBe(join(p.dir, 'migrations', '2026-dash.js'));
});
