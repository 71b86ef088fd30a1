import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One migration file. `name` is what sequelize-cli stores in SequelizeMeta: the file name with extension. */
export interface MigrationFile {
  name: string;
  path: string;
  /**
   * The file's git blob id, when it was listed from a commit rather than read from disk (a base
   * migration): then it is written to `path` only when something is to run it (`materialize`).
   */
  blob?: string;
  /** Puts the file (with the rest of its commit's checkout) at `path`; absent: it is there already. */
  materialize?: () => Promise<void>;
}

/** The id git gives a file's content (SHA-1 of `blob <length>\0` and the bytes). */
export function blobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The content's id of a migration file: its blob id as listed, or read from disk. */
export function contentId(m: MigrationFile): string {
  return m.blob ?? blobId(readFileSync(m.path));
}

/**
 * sequelize-cli 6's pattern (`lib/core/migrator.js`): `.js`, `.cjs`, `.ts`, `.cts`, never `.d.ts`; Schemabot
 * also runs `.mjs`, which sequelize-cli cannot load.
 */
export const MIGRATION_FILE_PATTERN = /^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts|mjs)$/;

/** umzug 2's order of migration names: plain string order (code units, not the locale's). */
export function compareNames(a: string, b: string): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/** The migrations in `dir`, filtered and ordered like umzug 2 (plain string order of the file names). */
export function discoverMigrations(dir: string): MigrationFile[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.isDirectory() && MIGRATION_FILE_PATTERN.test(entry.name))
    .map((entry) => entry.name);
  names.sort(compareNames);
  return names.map((name) => ({ name, path: join(dir, name) }));
}

/** The nearest package.json `type`, which decides how Node treats `.js` and `.ts` (for writing a new file). */
export function packageType(file: string): 'module' | 'commonjs' {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module'
          ? 'module'
          : 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dirname(dir) === dir) return 'commonjs';
  }
}
