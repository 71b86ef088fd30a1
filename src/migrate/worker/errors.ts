import { realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepError } from '../protocol.js';

export type MigrationErrorInfo = StepError;

/** A stack frame location. */
export interface Frame {
  file: string;
  line: number;
}

/** The `file:line` locations of a V8 stack, in order (file URLs become paths). */
export function stackFrames(stack: string | undefined): Frame[] {
  if (!stack) return [];
  const frames: Frame[] = [];
  for (const raw of stack.split('\n')) {
    const match = /^\s*at (?:.*?\()?((?:file:\/\/)?[^():]+):(\d+):\d+\)?\s*$/.exec(raw);
    if (!match) continue;
    let file = match[1]!;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file.split('?')[0]!);
      } catch {
        continue;
      }
    }
    if (!isAbsolute(file)) continue;
    frames.push({ file, line: Number(match[2]) });
  }
  return frames;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Where in the project a failing call was made: the first frame in the migration file, else the first
 * frame in the project's own code (a helper it requires), outside node_modules.
 */
export function locate(
  stacks: (string | undefined)[],
  migrationPath: string,
  projectRoot: string,
): Frame | undefined {
  const target = new Set([migrationPath, real(migrationPath)]);
  const frames = stacks.flatMap((s) => stackFrames(s));
  const inMigration = frames.find((f) => target.has(f.file) || target.has(real(f.file)));
  if (inMigration) return inMigration;
  const root = real(projectRoot) + sep;
  return frames.find((f) => {
    const file = real(f.file);
    return (
      (file.startsWith(root) || f.file.startsWith(projectRoot + sep)) &&
      !file.includes(`${sep}node_modules${sep}`)
    );
  });
}

export function projectRelative(file: string, projectRoot: string): string {
  const rel = relative(projectRoot, file);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? relative(real(projectRoot), real(file)) : rel;
  return (shown.startsWith('..') ? file : shown).split(sep).join('/');
}

interface ErrorLike {
  message?: unknown;
  name?: unknown;
  stack?: unknown;
  sql?: unknown;
  code?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  original?: unknown;
  parent?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return value && typeof value === 'object' ? (value as ErrorLike) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The chain error → original/parent/cause, stopping at cycles. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current) && out.length < 10) {
    seen.add(current);
    const e = current as ErrorLike;
    out.push(e);
    current = e.original ?? e.parent ?? e.cause;
  }
  return out;
}

/** The message of anything thrown (non-Errors too). */
export function messageOf(error: unknown): string {
  const e = asErrorLike(error);
  if (e && typeof e.message === 'string' && e.message !== '') return e.message;
  if (e && typeof e.name === 'string') return e.name;
  try {
    return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    return String(error);
  }
}

/**
 * Turns whatever a migration threw into report data: PostgreSQL's message, SQLSTATE, detail, hint and
 * position from the pg error (Sequelize keeps it in `.original`), the statement from `.sql`, and the
 * migration line from the stack frames (the error's own, or `extraStacks` captured when queries were issued).
 */
export function describeError(
  error: unknown,
  migrationPath: string,
  projectRoot: string,
  extraStacks: (string | undefined)[] = [],
): MigrationErrorInfo {
  const links = chain(error);
  const pgError = links.find((e) => typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code));
  const withSql = links.find((e) => str(e.sql) !== undefined);
  const info: MigrationErrorInfo = { message: messageOf(pgError ?? error) };
  // Sequelize's validation errors carry their detail in `errors`.
  const first = links[0];
  if (first && Array.isArray(first.errors) && first.errors.length > 0 && info.message.length < 200) {
    const parts = first.errors.map((e) => messageOf(e)).filter((m) => !info.message.includes(m));
    if (parts.length > 0) info.message += `: ${parts.join('; ')}`;
  }
  if (withSql) info.sql = str(withSql.sql)!;
  if (pgError) {
    info.code = pgError.code as string;
    const detail = str(pgError.detail);
    const hint = str(pgError.hint);
    if (detail) info.detail = detail;
    if (hint) info.hint = hint;
    const position = Number(pgError.position);
    if (Number.isInteger(position) && position > 0) info.position = position;
  }
  const stacks = [...links.map((e) => (typeof e.stack === 'string' ? e.stack : undefined)), ...extraStacks];
  const frame = locate(stacks, migrationPath, projectRoot);
  info.file = projectRelative(frame?.file ?? migrationPath, projectRoot);
  if (frame) info.line = frame.line;
  return info;
}
