import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { track } from '../postgres/cleanup.js';
import { git } from './git.js';

/** The base commit checked out beside the working tree, removed by `remove()`. */
export interface BaseTree extends AsyncDisposable {
  /** Root of the checkout (corresponds to the repository root). */
  dir: string;
  sha: string;
  remove(): Promise<void>;
}

/**
 * Checks out `sha` in a temporary git worktree so base migrations run exactly as they were
 * committed. Migrations `require` packages: every `node_modules` folder between the repository
 * root and the project folder is linked into the checkout at the same place, so Node's module
 * resolution finds the project's own `sequelize` and helpers exactly as it does in the working tree.
 */
export async function checkoutBase(root: string, sha: string, projectDir: string): Promise<BaseTree> {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-base-'));
  await git(root, ['worktree', 'add', '--detach', '--force', dir, sha]);
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
  let removed = false;
  // Ctrl-C or a cancelled workflow must not leave the checkout (or git's record of it) behind.
  const untrack = track({
    stop: () => remove(),
    killNow: () => {
      if (removed) return;
      rmSync(dir, { recursive: true, force: true });
      spawnSync('git', ['worktree', 'prune'], { cwd: root, stdio: 'ignore' });
    },
  });
  const remove = async () => {
    if (removed) return;
    removed = true;
    untrack();
    await git(root, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await git(root, ['worktree', 'prune']).catch(() => undefined);
  };
  return { dir, sha, remove, [Symbol.asyncDispose]: remove };
}
