import { realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import type { Direction, StepError } from './protocol.js';

/** What went wrong in one migration step, ready to quote in a report. */
export type MigrationErrorInfo = StepError;
export type { Direction };

/** umzug-style: "Migration NAME (up) failed: Original error: ...", with the cause and the report's details. */
export class MigrationError extends Error {
  readonly migration: string;
  readonly direction: Direction;
  readonly info: MigrationErrorInfo;
  constructor(migration: string, direction: Direction, info: MigrationErrorInfo, cause?: unknown) {
    super(`Migration ${migration} (${direction}) failed: Original error: ${info.message}`, { cause });
    this.name = 'MigrationError';
    this.migration = migration;
    this.direction = direction;
    this.info = info;
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** `file` relative to the project root, with forward slashes (absolute when outside it). */
export function projectRelative(file: string, projectRoot: string): string {
  const rel = relative(projectRoot, file);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? relative(real(projectRoot), real(file)) : rel;
  return (shown.startsWith('..') ? file : shown).split(sep).join('/');
}
