import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's node_modules (sequelize, sequelize-cli, tsx), found from this file's location. */
export const repoNodeModules = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

export interface FixtureProject {
  dir: string;
  write(path: string, content: string): string;
  remove(): void;
}

/**
 * Writes a sequelize-cli project into a temporary folder. `nodeModules: true` links this repository's
 * node_modules into it, so the project has its own sequelize (and tsx).
 */
export function fixtureProject(
  files: Record<string, string>,
  options: { nodeModules?: boolean } = {},
): FixtureProject {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-migrate-'));
  const write = (path: string, content: string): string => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return full;
  };
  for (const [path, content] of Object.entries(files)) write(path, content);
  if (options.nodeModules ?? true) symlinkSync(repoNodeModules, join(dir, 'node_modules'), 'dir');
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A CommonJS migration with the given bodies for up and (optionally) down. */
export function cjsMigration(up: string, down?: string): string {
  return [
    "'use strict';",
    'module.exports = {',
    '  async up(queryInterface, Sequelize) {',
    up,
    '  },',
    ...(down === undefined ? [] : ['  async down(queryInterface, Sequelize) {', down, '  },']),
    '};',
    '',
  ].join('\n');
}
