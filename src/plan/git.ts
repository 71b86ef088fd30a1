import { EnvironmentError } from '../shared/errors.js';
import { execFile } from 'node:child_process';
import { posix, sep } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** An error from git that a person must fix (a missing base ref, not a git repository). */
export class GitError extends EnvironmentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitError';
  }
}

/** Runs git in `cwd` and returns stdout; failures carry git's own message. */
export async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new GitError(`git ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

export async function repoRoot(cwd: string): Promise<string> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch (err) {
    throw new GitError(
      `${cwd} is not inside a git repository, so --base cannot be compared. Run from a clone, or omit --base for a full audit.`,
      { cause: err },
    );
  }
}

export async function resolveCommit(root: string, ref: string): Promise<string> {
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch (err) {
    throw new GitError(
      `The base ref "${ref}" is not a commit in this clone. Fetch it first (git fetch origin ${ref}; in GitHub Actions use actions/checkout with fetch-depth: 0), or pass another --base.`,
      { cause: err },
    );
  }
}

export async function headCommit(root: string): Promise<string | null> {
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD'])).trim() || null;
  } catch {
    return null;
  }
}

/** Git's pathspec for folder `rel` (relative to the repository root, in the platform's separators). */
export function pathspec(rel: string): string {
  const folder = rel.split(sep).join(posix.sep);
  return folder ? `${folder}/` : '.';
}

/**
 * Names of the files under folder `rel` (relative to the repository root) whose working-tree content
 * differs from commit `sha`, as git sees it (its clean filters and line-ending rules applied).
 */
export async function changedSince(root: string, sha: string, rel: string): Promise<Set<string>> {
  const out = await git(root, ['diff', '--no-renames', '--name-only', '-z', sha, '--', pathspec(rel)]);
  return new Set(
    out
      .split('\0')
      .filter(Boolean)
      .map((p) => posix.basename(p)),
  );
}

/** The blob ids git would store for these working-tree files (`git hash-object`, filters applied). */
export async function hashFiles(root: string, paths: string[]): Promise<string[]> {
  if (!paths.length) return [];
  const out = await git(root, ['hash-object', '--', ...paths]);
  return out.split('\n').filter(Boolean);
}
