import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { discoverMigrations, type MigrationFile } from '../migrate/discover.js';
import { changedSince, hashFiles, headCommit, repoRoot, resolveCommit } from './git.js';
import { checkoutBase, type BaseTree } from './worktree.js';

export type MigrationChange = 'added' | 'modified' | 'deleted' | 'unchanged';

export interface PlannedMigration {
  name: string;
  change: MigrationChange;
  /** Path relative to the repository root (or the project, without git). */
  file: string;
  /** The file in the working tree (head); absent for deleted migrations. */
  head?: MigrationFile;
  /** The file as committed on base; absent for added migrations. */
  base?: MigrationFile;
}

export interface FileFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  migration: string;
  file?: string;
  message: string;
}

export interface Plan {
  base: { ref: string; sha: string } | null;
  head: { sha: string | null };
  /** Base migrations in the order they are replayed to build the starting schema. */
  baseMigrations: MigrationFile[];
  /** Every migration name on either side, sorted as sequelize-cli sorts them. */
  migrations: PlannedMigration[];
  findings: FileFinding[];
  /** The base checkout; the caller removes it when done. */
  baseTree: BaseTree | null;
}

function stem(name: string): string {
  return name.replace(/\.d\.ts$/, '').replace(/\.[^.]+$/, '');
}

/**
 * Decides which migrations are base, new, edited, deleted or out of order, from git alone.
 * Without a base ref, every migration is new (a full audit from an empty database).
 */
export async function planMigrations(options: {
  cwd: string;
  migrationsDir: string;
  baseRef?: string;
  /** Progress lines for people (the base commit's checkout, when one is needed). */
  log?: (line: string) => void;
}): Promise<Plan> {
  const headFiles = discoverMigrations(options.migrationsDir);
  if (!options.baseRef) {
    let head: string | null = null;
    let relTo = options.cwd;
    try {
      relTo = await repoRoot(options.cwd);
      head = await headCommit(relTo);
    } catch {
      /* not a git checkout: fine for a full audit */
    }
    const migrations = headFiles.map((m) => ({
      name: m.name,
      change: 'added' as const,
      file: relative(relTo, m.path),
      head: m,
    }));
    return {
      base: null,
      head: { sha: head },
      baseMigrations: [],
      migrations,
      findings: duplicateStems(migrations),
      baseTree: null,
    };
  }

  const root = await repoRoot(options.cwd);
  const sha = await resolveCommit(root, options.baseRef);
  const head = await headCommit(root);
  // Checked out only if a base migration is to run (a warm base-state cache runs none of them).
  const tree = await checkoutBase(root, sha, options.cwd, { lazy: true, log: options.log });
  try {
    const rel = relative(root, options.migrationsDir);
    // A pull request that adds the project's first migrations has no migrations folder on base.
    const baseFiles = await tree.migrations(rel);
    const baseByName = new Map(baseFiles.map((m) => [m.name, m]));
    const headByName = new Map(headFiles.map((m) => [m.name, m]));
    const names = [...new Set([...baseByName.keys(), ...headByName.keys()])].sort();
    const same = await contentComparer(root, sha, rel, baseFiles, headFiles);
    const migrations: PlannedMigration[] = names.map((name) => {
      const b = baseByName.get(name);
      const h = headByName.get(name);
      const file = join(rel, name);
      if (b && h) {
        return { name, change: same(b, h) ? 'unchanged' : 'modified', file, head: h, base: b };
      }
      return b ? { name, change: 'deleted', file, base: b } : { name, change: 'added', file, head: h };
    });
    return {
      base: { ref: options.baseRef, sha },
      head: { sha: head },
      baseMigrations: baseFiles,
      migrations,
      findings: fileFindings(migrations, same),
      baseTree: tree,
    };
  } catch (err) {
    await tree.remove();
    throw err;
  }
}

function duplicateStems(migrations: PlannedMigration[]): FileFinding[] {
  const byStem = new Map<string, PlannedMigration[]>();
  for (const m of migrations) {
    if (m.change === 'deleted') continue;
    const list = byStem.get(stem(m.name)) ?? [];
    list.push(m);
    byStem.set(stem(m.name), list);
  }
  const findings: FileFinding[] = [];
  for (const list of byStem.values()) {
    if (list.length < 2) continue;
    for (const m of list.slice(1)) {
      findings.push({
        rule: 'duplicate-migration',
        severity: 'error',
        migration: m.name,
        file: m.file,
        message: `${m.name} and ${list[0]!.name} differ only by extension; sequelize-cli runs both. Delete the one that is not the source (often compiled output).`,
      });
    }
  }
  return findings;
}

/**
 * Whether a working-tree migration has the content of a base one. Base files listed from git (not
 * checked out) are compared as git compares them, clean filters and line endings applied: a file git
 * finds unchanged since base is the same; the others (and new files, which may be renamed base ones)
 * are hashed by git and their blob ids compared. Checked-out base files are compared byte for byte.
 */
async function contentComparer(
  root: string,
  sha: string,
  rel: string,
  baseFiles: MigrationFile[],
  headFiles: MigrationFile[],
): Promise<(base: MigrationFile, head: MigrationFile) => boolean> {
  if (!baseFiles.every((b) => b.blob)) {
    return (b, h) => readFileSync(b.path).equals(readFileSync(h.path));
  }
  const onBase = new Set(baseFiles.map((b) => b.name));
  const changed = await changedSince(root, sha, rel);
  const onHead = new Set(headFiles.map((h) => h.name));
  const deleted = baseFiles.some((b) => !onHead.has(b.name));
  const hashed = headFiles.filter((h) => (onBase.has(h.name) ? changed.has(h.name) : deleted));
  const ids = new Map(
    (
      await hashFiles(
        root,
        hashed.map((h) => h.path),
      )
    ).map((id, i) => [hashed[i]!.name, id]),
  );
  return (b, h) => (ids.has(h.name) ? ids.get(h.name) === b.blob : !changed.has(h.name));
}

function fileFindings(
  migrations: PlannedMigration[],
  same: (base: MigrationFile, head: MigrationFile) => boolean,
): FileFinding[] {
  const findings = duplicateStems(migrations);
  const added = migrations.filter((m) => m.change === 'added');
  const deleted = migrations.filter((m) => m.change === 'deleted');
  const renamedFrom = new Map<string, PlannedMigration>();
  for (const d of deleted) {
    const twin = added.find((a) => !renamedFrom.has(a.name) && same(d.base!, a.head!));
    if (twin) renamedFrom.set(twin.name, d);
  }
  for (const m of migrations) {
    if (m.change === 'modified') {
      findings.push({
        rule: 'edited-migration',
        severity: 'error',
        migration: m.name,
        file: m.file,
        message: `${m.name} exists on the base branch and was edited. Databases that already ran it will never run the new text; revert the edit and add a new migration instead.`,
      });
    }
  }
  for (const d of deleted) {
    const twin = [...renamedFrom.entries()].find(([, from]) => from === d)?.[0];
    findings.push(
      twin
        ? {
            rule: 'renamed-migration',
            severity: 'error',
            migration: twin,
            file: migrations.find((m) => m.name === twin)!.file,
            message: `${d.name} was renamed to ${twin}. Databases record migrations by name, so they would run it a second time; keep the old name.`,
          }
        : {
            rule: 'deleted-migration',
            severity: 'error',
            migration: d.name,
            file: d.file,
            message: `${d.name} exists on the base branch and was deleted. Databases that ran it keep it recorded with no file to undo it; restore the file (write a new migration to reverse it instead).`,
          },
    );
  }
  const newestBase = migrations.filter((m) => m.change !== 'added').at(-1)?.name;
  for (const m of added) {
    if (renamedFrom.has(m.name)) continue;
    if (newestBase && m.name < newestBase) {
      findings.push({
        rule: 'out-of-order',
        severity: 'error',
        migration: m.name,
        file: m.file,
        message: `${m.name} sorts before ${newestBase}, which is already on the base branch. sequelize-cli would run it out of order on databases that are up to date; give it a newer timestamp (e.g. rename it to ${newTimestampName(m.name)}).`,
      });
    }
  }
  return findings;
}

/** The same migration name with the current UTC time as its sequelize-cli timestamp prefix. */
function newTimestampName(name: string): string {
  const now = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return /^\d{14}/.test(name) ? now + name.slice(14) : `${now}-${basename(name)}`;
}
