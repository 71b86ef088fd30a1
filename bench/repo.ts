/**
 * The bench's projects: generated Sequelize projects in fresh folders, linked to this repository's
 * node_modules, and the median the benches report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};

function write(dir: string, files: Record<string, string>): void {
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), t);
  }
}

/** A project folder with `files`, a development config for PostgreSQL, and this repository's node_modules. */
export function writeProject(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  write(dir, {
    'package.json': '{"name":"bench-app","private":true}',
    '.gitignore': 'node_modules\n',
    'config/config.json': JSON.stringify({ development: { dialect: 'postgres', logging: false } }),
    ...files,
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** A project whose first commit (`base`) holds `files` and whose second, if any, adds `next`. */
export function makeRepo(
  files: Record<string, string>,
  next: Record<string, string>,
  prefix = 'schemabot-bench-',
): { dir: string; base: string } {
  const dir = writeProject(prefix, files);
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  const base = git('rev-parse', 'HEAD');
  if (Object.keys(next).length) {
    write(dir, next);
    git('add', '-A');
    git('commit', '-qm', 'head');
  }
  return { dir, base };
}
