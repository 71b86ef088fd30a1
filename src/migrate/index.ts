export { loadProject, ProjectError, type Project, type LoadProjectOptions } from './project.js';
export { discoverMigrations, MIGRATION_FILE_PATTERN, type MigrationFile } from './discover.js';
export {
  MigrationRunner,
  throwIfFailed,
  type RunnerOptions,
  type Statement,
  type StepResult,
} from './runner.js';
export { MigrationError, type MigrationErrorInfo, type Direction } from './errors.js';
export { metaTableOf, metaTableSql } from './meta.js';
export { redact } from './redact.js';
