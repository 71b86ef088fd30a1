import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { track } from '../postgres/cleanup.js';
import { ownerEnded, writeOwner } from '../postgres/reap.js';
import {
  compareNames,
  discoverMigrations,
  MIGRATION_FILE_PATTERN,
  type MigrationFile,
} from '../migrate/discover.js';
import { git, pathspec } from './git.js';

/** The base commit, checked out beside the working tree when something is to run from it. */
export interface BaseTree extends AsyncDisposable {
  /** Root of the checkout (corresponds to the repository root). */
  dir: string;
  sha: string;
  /** Whether the commit has been checked out (`ensure()`). */
  readonly checkedOut: boolean;
  /** Checks the commit out at `dir` (once; later calls wait for the first). */
  ensure(): Promise<void>;
  /**
   * The migration files of folder `rel` (relative to the repository root) on the base commit, as
   * `discoverMigrations` would find them in the checkout: listed from git with their blob ids, each
   * checking the commit out when it is first run. [] when the folder does not exist on base.
   */
  migrations(rel: string): Promise<MigrationFile[]>;
  remove(): Promise<void>;
}

/**
 * The base commit `sha` of the repository at `root`, checked out in a temporary git worktree (so base
 * migrations run exactly as they were committed) only when it is first needed: a PR check whose base
 * state comes whole from the cache reads names and blob ids from git and never checks out a file.
 * Migrations `require` packages: every `node_modules` folder between the repository root and the
 * project folder is linked into the checkout at the same place, so Node's module resolution finds the
 * project's own `sequelize` and helpers exactly as it does in the working tree.
 */
export async function checkoutBase(
  root: string,
  sha: string,
  projectDir: string,
  options: { lazy?: boolean; log?: (line: string) => void } = {},
): Promise<BaseTree> {
  const reaped = reapBaseCheckouts();
  if (reaped) options.log?.(`Removed ${reaped} base checkout(s) left by ended runs`);
  // The checkout goes in `tree/`; beside it, who owns it and in which repository git records it.
  const holder = mkdtempSync(join(tmpdir(), BASE_PREFIX));
  writeOwner(holder);
  writeFileSync(join(holder, REPOSITORY_FILE), root + '\n', { mode: 0o600 });
  const dir = join(holder, 'tree');
  let checkout: Promise<void> | undefined;
  let checkedOut = false;
  const ensure = (): Promise<void> =>
    (checkout ??= (async () => {
      options.log?.(`Checking out the base commit ${sha.slice(0, 7)} to run base migrations from it`);
      await git(root, ['worktree', 'add', '--detach', '--force', dir, sha]);
      checkedOut = true;
      const rel = relative(root, projectDir);
      const levels = rel ? rel.split(sep) : [];
      for (let i = 0; i <= levels.length; i++) {
        const sub = levels.slice(0, i).join(sep);
        const real = join(root, sub, 'node_modules');
        const link = join(dir, sub, 'node_modules');
        if (existsSync(real) && !existsSync(link)) {
          mkdirSync(dirname(link), { recursive: true });
          symlinkSync(real, link, 'dir');
        }
      }
    })());
  let removed = false;
  // Ctrl-C or a cancelled workflow must not leave the checkout (or git's record of it) behind.
  const untrack = track({
    stop: () => remove(),
    killNow: () => {
      if (removed) return;
      rmSync(holder, { recursive: true, force: true });
      if (checkout) spawnSync('git', ['worktree', 'prune'], { cwd: root, stdio: 'ignore' });
    },
  });
  const remove = async () => {
    if (removed) return;
    removed = true;
    untrack();
    if (checkout) {
      await checkout.catch(() => undefined);
      await git(root, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
    }
    rmSync(holder, { recursive: true, force: true });
    if (checkout) await git(root, ['worktree', 'prune']).catch(() => undefined);
  };
  const migrations = async (rel: string): Promise<MigrationFile[]> => {
    const listed = await listFolder(root, sha, rel);
    // A symbolic link's blob is the path it points to, not the migration: read the checkout.
    if (checkedOut || listed.some((e) => e.mode === '120000')) {
      await ensure();
      const folder = join(dir, rel);
      return existsSync(folder) ? discoverMigrations(folder) : [];
    }
    return listed.map((e) => ({
      name: e.name,
      path: join(dir, rel, e.name),
      blob: e.id,
      materialize: ensure,
    }));
  };
  const tree: BaseTree = {
    dir,
    sha,
    get checkedOut() {
      return checkedOut;
    },
    ensure,
    migrations,
    remove,
    [Symbol.asyncDispose]: remove,
  };
  if (!options.lazy)
    await ensure().catch(async (error: unknown) => {
      await remove();
      throw error;
    });
  return tree;
}

const BASE_PREFIX = 'schemabot-base-';
const REPOSITORY_FILE = 'repository';
/** A checkout of an older Schemabot (no owner file) is taken for abandoned once it is a day old. */
const UNOWNED_MS = 24 * 60 * 60_000;

/**
 * Removes the base checkouts of runs that ended without removing them (a SIGKILL, a runner that lost
 * power): a whole copy of the repository each, and an entry in the repository's `git worktree list`,
 * which `git worktree prune` drops once the folder is gone. Returns how many were removed.
 */
export function reapBaseCheckouts(): number {
  let removed = 0;
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(BASE_PREFIX)) continue;
    const holder = join(tmpdir(), entry);
    try {
      let repository: string | undefined;
      if (existsSync(join(holder, REPOSITORY_FILE))) {
        if (!ownerEnded(holder)) continue;
        repository = readFileSync(join(holder, REPOSITORY_FILE), 'utf8').trim();
      } else {
        // An older Schemabot checked out into the folder itself: its `.git` file names the repository.
        if (Date.now() - statSync(holder).mtimeMs < UNOWNED_MS) continue;
        const dotGit = join(holder, '.git');
        const gitdir = existsSync(dotGit)
          ? /^gitdir: (.*)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]
          : undefined;
        if (gitdir) repository = dirname(dirname(dirname(gitdir)));
      }
      rmSync(holder, { recursive: true, force: true });
      removed++;
      if (repository && existsSync(repository)) {
        spawnSync('git', ['worktree', 'prune'], { cwd: repository, stdio: 'ignore' });
      }
    } catch {
      /* not ours, or another run removes it */
    }
  }
  return removed;
}

interface TreeEntry {
  mode: string;
  type: string;
  id: string;
  name: string;
}

/** The entries of folder `rel` on commit `sha` whose names are migration files, sorted as discovered. */
async function listFolder(root: string, sha: string, rel: string): Promise<TreeEntry[]> {
  const out = await git(root, ['ls-tree', '-z', sha, '--', pathspec(rel)]);
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, id] = record.slice(0, tab).split(' ');
    const name = posix.basename(record.slice(tab + 1));
    // Folders are not migrations (a submodule is listed as a commit: its checkout is a folder too).
    if (type === 'tree' || type === 'commit' || !MIGRATION_FILE_PATTERN.test(name)) continue;
    entries.push({ mode: mode!, type: type!, id: id!, name });
  }
  return entries.sort((a, b) => compareNames(a.name, b.name));
}
