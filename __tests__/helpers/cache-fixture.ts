/**
 * The base-state cache's fixture project: a base whose state a pull request depends on (rows, a
 * sequence, an enum) and a pull request that proves it, and a check of it that validates its report.
 */
import { afterAll } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckReport } from '../../src/report/contract/check.js';
import { runCheck } from '../../src/modes/check.js';
import type { CheckOptions } from '../../src/modes/options.js';
import { CREATE_USERS, FixtureRepo, migration } from './repo.js';
import { expectValidReport } from './report-schema.js';
import { onSharedServer } from './shared-server.js';

const temps: string[] = [];
const repos: FixtureRepo[] = [];
afterAll(() => {
  repos.forEach((r) => r.remove());
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
});

/** A temporary folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A fixture repository, removed after the test file. */
export function newRepo(): FixtureRepo {
  const repo = new FixtureRepo();
  repos.push(repo);
  return repo;
}

export const CONFIG = JSON.stringify({ development: { dialect: 'postgres', logging: false } }, null, 2);

/** The base: users with seed rows (a sequence past them), posts with a key to users, an enum. */
export const BASE: Record<string, string> = {
  'config/config.json': CONFIG,
  'migrations/20260101000000-create-users.js': CREATE_USERS,
  'migrations/20260101000001-seed-users.js': migration(
    `await queryInterface.bulkInsert('users', [{ email: 'a@example.com' }, { email: 'b@example.com' }]);`,
    `await queryInterface.bulkDelete('users', null, {});`,
  ),
  'migrations/20260101000002-create-posts.js': migration(
    `await queryInterface.createTable('posts', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      user_id: { type: Sequelize.INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
      state: { type: Sequelize.ENUM('draft', 'live'), allowNull: false, defaultValue: 'draft' },
    });`,
    `await queryInterface.dropTable('posts');
    await queryInterface.sequelize.query('DROP TYPE "enum_posts_state"');`,
  ),
};

/**
 * The pull request: a user inserted without an id (it collides with the seeds unless the sequence is
 * where the base left it), a required column on a table with rows (fails unless they are there), and
 * a clean column.
 */
export const PULL: Record<string, string> = {
  'migrations/20260201000000-add-admin.js': migration(
    `await queryInterface.sequelize.query("INSERT INTO users (email) VALUES ('admin@example.com')");`,
    `await queryInterface.sequelize.query("DELETE FROM users WHERE email = 'admin@example.com'");`,
  ),
  'migrations/20260201000001-add-title.js': migration(
    `await queryInterface.addColumn('posts', 'title', { type: Sequelize.TEXT, allowNull: true });`,
    `await queryInterface.removeColumn('posts', 'title');`,
  ),
  'migrations/20260201000002-require-name.js': migration(
    `await queryInterface.addColumn('users', 'name', { type: Sequelize.TEXT, allowNull: false });`,
    `await queryInterface.removeColumn('users', 'name');`,
  ),
};

export function project(files: Record<string, string> = BASE): { repo: FixtureRepo; base: string } {
  const repo = newRepo();
  const base = repo.commit(files, 'base');
  repo.commit(PULL, 'pull request');
  return { repo, base };
}

export async function check(
  repo: FixtureRepo,
  base: string,
  cacheDir: string | undefined,
  logs: string[] = [],
  server?: Pick<CheckOptions, 'postgres' | 'postgresUrl' | 'postgresImage'>,
): Promise<CheckReport> {
  const report = await runCheck({
    cwd: repo.dir,
    base,
    ...(server ?? (await onSharedServer())),
    timeoutMs: 20_000,
    cacheDir,
    log: (line) => logs.push(line),
  });
  expectValidReport(report);
  return report;
}

/** The base-state entries (dumps) in a cache folder. */
export const entries = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch {
    return [];
  }
};
