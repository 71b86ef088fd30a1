import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change } from '../../src/diff/index.js';
import type { ModelsReport } from '../../src/report/contract/models.js';
import { runModels } from '../../src/modes/models.js';
import { FixtureRepo, NODE_MODULES, PROJECT_ROOT, migration } from '../helpers/repo.js';
import { onSharedServer } from '../helpers/shared-server.js';

export { migration };

/** A model file in the `(sequelize, DataTypes) => Model` form sequelize-cli's loader calls. */
export function model(name: string, table: string, attributes: string, options = '', associate = ''): string {
  return [
    "'use strict';",
    'module.exports = (sequelize, DataTypes) => {',
    `  const M = sequelize.define(${JSON.stringify(name)}, {\n${attributes}\n  }, { tableName: ${JSON.stringify(table)}, timestamps: false, ${options} });`,
    associate ? `  M.associate = (models) => {\n${associate}\n  };` : '',
    '  return M;',
    '};',
    '',
  ].join('\n');
}

/** A migration that creates `table` with `attributes` and runs `extra`; its down drops the table, then runs `extraDown`. */
export function createTable(table: string, attributes: string, extra = '', extraDown = ''): string {
  return migration(
    `await queryInterface.createTable(${JSON.stringify(table)}, {\n${attributes}\n    });\n    ${extra}`,
    `await queryInterface.dropTable(${JSON.stringify(table)});\n    ${extraDown}`,
  );
}

const projects: { remove(): void }[] = [];

/** Removes every project made by this module (call from `afterAll`). */
export function removeProjects(): void {
  for (const p of projects.splice(0)) p.remove();
}

/**
 * A project with migrations (file name → source) and models (file name in models/ → source): no
 * `.sequelizerc`, so the defaults (`migrations/`, `models/`) apply, and no models/index.js.
 */
export function modelsProject(
  migrations: Record<string, string>,
  models: Record<string, string>,
  files: Record<string, string> = {},
): FixtureRepo {
  const repo = new FixtureRepo({
    ...Object.fromEntries(Object.entries(migrations).map(([f, s]) => [`migrations/${f}`, s])),
    ...Object.fromEntries(Object.entries(models).map(([f, s]) => [`models/${f}`, s])),
    ...files,
  });
  projects.push(repo);
  return repo;
}

/** A copy of the sample project of this repository (migrations, models, config, .sequelizerc). */
export function sampleCopy(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-sample-'));
  for (const part of ['migrations', 'models', 'config', '.sequelizerc']) {
    cpSync(join(PROJECT_ROOT, part), join(dir, part), { recursive: true });
  }
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const copy = { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
  projects.push(copy);
  return copy;
}

export async function models(cwd: string): Promise<ModelsReport> {
  return runModels({ cwd, ...(await onSharedServer()), timeoutMs: 20_000 });
}

/** `kind action name` of each change, sorted. */
export function kinds(changes: Change[]): string[] {
  return changes.map((c) => `${c.kind} ${c.action} ${c.name}`).sort();
}

/** The migration files of a project, by name. */
export function migrationFiles(dir: string): string[] {
  return readdirSync(join(dir, 'migrations'))
    .filter((f) => f.endsWith('.js'))
    .sort();
}

export function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}
