import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Finding } from '../report/contract/check.js';
import { discoverMigrations, packageType } from '../migrate/discover.js';
import { ModelsError } from '../migrate/models.js';
import type { Project } from '../migrate/project.js';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** sequelize-cli's `YYYYMMDDHHmmss` (UTC), moved past the newest existing migration if the clock is behind it. */
function timestampAfter(now: Date, existing: string[]): string {
  let stamp =
    `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}` +
    `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  const newest = existing
    .map((n) => /^(\d{14})-/.exec(n)?.[1])
    .filter((x): x is string => !!x)
    .sort()
    .pop();
  if (newest && stamp <= newest) stamp = String(BigInt(newest) + 1n);
  return stamp;
}

/** The file's module format and extension, following the migrations already there. */
export function fileStyle(project: Project): { ext: string; format: 'commonjs' | 'esm' } {
  const files = discoverMigrations(project.migrationsDir).map((m) => m.name);
  const last = files[files.length - 1] ?? '';
  if (last.endsWith('.mjs')) return { ext: 'mjs', format: 'esm' };
  if (last.endsWith('.cjs')) return { ext: 'cjs', format: 'commonjs' };
  // A new file in the folder is read as the nearest package.json says.
  return {
    ext: 'js',
    format: packageType(join(project.migrationsDir, 'new.js')) === 'module' ? 'esm' : 'commonjs',
  };
}

/** Writes a new migration `TIMESTAMP-name.ext` into the migrations folder; never over an existing file. */
export function writeMigrationFile(
  project: Project,
  name: string,
  ext: string,
  source: string,
  now: Date,
): { name: string; path: string } {
  const existing = discoverMigrations(project.migrationsDir).map((m) => m.name);
  const file = `${timestampAfter(now, existing)}-${name}.${ext}`;
  const path = join(project.migrationsDir, file);
  if (existsSync(path))
    throw new ModelsError(`${relative(project.cwd, path)} already exists; nothing was written.`);
  writeFileSync(path, source, { flag: 'wx' });
  return { name: file, path };
}

/** Only a proven migration stays on disk (the proof needs it in the migrations folder to run it). */
export function keepOnlyProven(
  path: string,
  file: string,
  findings: Finding[],
  options: { keepUnproven?: boolean },
  log: (line: string) => void,
): boolean {
  const unproven = findings.some((f) => f.rule === 'generate-unproven');
  if (unproven && !options.keepUnproven) {
    rmSync(path, { force: true });
    log(`Removed ${file}: its proof failed (--keep-unproven keeps it to edit)`);
  }
  return unproven;
}
