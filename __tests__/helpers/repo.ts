import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's own node_modules: fixture projects link to it to find sequelize and tsx. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE_MODULES = join(PROJECT_ROOT, 'node_modules');

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
};

/** A real git repository holding a Sequelize project, for tests that need a base and a head. */
export class FixtureRepo {
  readonly dir: string;

  constructor(files: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'schemabot-fixture-'));
    this.git('init', '-q', '-b', 'main');
    this.write({
      'package.json': JSON.stringify({ name: 'fixture-app', private: true }, null, 2),
      '.gitignore': 'node_modules\n',
      ...files,
    });
    symlinkSync(NODE_MODULES, join(this.dir, 'node_modules'), 'dir');
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

  /** Writes (or deletes, with null) files and commits them; returns the commit SHA. */
  commit(files: Record<string, string | null>, message = 'change'): string {
    this.write(files);
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
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
