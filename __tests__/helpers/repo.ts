import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's own node_modules: fixture projects link to it to find sequelize and tsx. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE_MODULES = join(PROJECT_ROOT, 'node_modules');

let ownJavaScriptFolder: string | undefined;

/**
 * The node_modules of a project written in plain JavaScript: every package of the repository's
 * node_modules but tsx (and its `.bin` entry), so Schemabot starts the project's worker under plain
 * Node, as in a sequelize-cli project without a loader. Made once per test run, in the folder the
 * Jest setup names (`SCHEMABOT_TEST_JS_PROJECT`, removed when Jest exits), else once per process.
 */
export function javaScriptNodeModules(): string {
  let folder = process.env.SCHEMABOT_TEST_JS_PROJECT;
  if (!folder) {
    if (!ownJavaScriptFolder) {
      const made = mkdtempSync(join(tmpdir(), 'schemabot-js-project-'));
      process.on('exit', () => rmSync(made, { recursive: true, force: true }));
      ownJavaScriptFolder = made;
    }
    folder = ownJavaScriptFolder;
  }
  const target = join(folder, 'node_modules');
  if (existsSync(target)) return target;
  // Built beside and renamed into place: test files running at once may build it together.
  const building = mkdtempSync(join(folder, 'building-'));
  const link = (from: string, to: string) => symlinkSync(realpathSync(from), to);
  for (const name of readdirSync(NODE_MODULES)) {
    if (name === 'tsx' || name.startsWith('.')) continue;
    link(join(NODE_MODULES, name), join(building, name));
  }
  mkdirSync(join(building, '.bin'));
  for (const name of readdirSync(join(NODE_MODULES, '.bin'))) {
    if (name !== 'tsx') link(join(NODE_MODULES, '.bin', name), join(building, '.bin', name));
  }
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test file finished first
  }
  return target;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
};

/**
 * A real git repository holding a Sequelize project, for tests that need a base and a head. Its
 * packages are those of a plain JavaScript project (`javaScriptNodeModules()`); `tsx: true` gives it
 * the repository's node_modules, tsx included, for tests of TypeScript and of the project's tsx.
 */
export class FixtureRepo {
  readonly dir: string;

  constructor(files: Record<string, string> = {}, options: { tsx?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'schemabot-fixture-'));
    this.git('init', '-q', '-b', 'main');
    this.write({
      'package.json': JSON.stringify({ name: 'fixture-app', private: true }, null, 2),
      '.gitignore': 'node_modules\n',
      ...files,
    });
    const nodeModules = options.tsx ? NODE_MODULES : javaScriptNodeModules();
    symlinkSync(nodeModules, join(this.dir, 'node_modules'), 'dir');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  }

  write(files: Record<string, string | null>): void {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (text === null) {
        rmSync(full, { force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }

  /**
   * Writes (or deletes, with null) files and commits them; returns the commit SHA. One process from
   * the test's (a shell running the three git commands): a fork costs in proportion to the memory of
   * the process that forks, and a Jest worker holds a few hundred MB.
   */
  commit(files: Record<string, string | null>, message = 'change'): string {
    this.write(files);
    return execFileSync(
      '/bin/sh',
      ['-c', 'git add -A && git commit -q --allow-empty -m "$1" && git rev-parse HEAD', 'sh', message],
      { cwd: this.dir, env: GIT_ENV, encoding: 'utf8' },
    ).trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A sequelize-cli migration module (CommonJS) from the bodies of up and down. */
export function migration(up: string, down: string | null = ''): string {
  return [
    "'use strict';",
    'module.exports = {',
    `  async up(queryInterface, Sequelize) {\n    ${up}\n  },`,
    down === null ? '' : `  async down(queryInterface, Sequelize) {\n    ${down}\n  },`,
    '};',
    '',
  ].join('\n');
}

export const CREATE_USERS = migration(
  `await queryInterface.createTable('users', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      email: { type: Sequelize.STRING, allowNull: false, unique: true },
    });`,
  `await queryInterface.dropTable('users');`,
);
