import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError } from './inputs.js';

const exec = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await exec('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, out: stdout.trim() };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, out: (e.stderr || e.message).trim() };
  }
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;

/**
 * Makes sure the base commit is in the clone. actions/checkout fetches one commit by default, so the
 * pull request's base is usually missing: it is fetched by SHA (one commit is all a check needs: the
 * base tree), and if the remote refuses that, the clone is deepened to full history. Returns the ref to
 * compare with (a SHA stays itself; a branch name fetched here becomes the commit it points to).
 */
export async function ensureBaseCommit(
  cwd: string,
  base: string,
  log: (line: string) => void,
): Promise<string> {
  if ((await git(cwd, ['cat-file', '-e', `${base}^{commit}`])).ok) return base;
  const shallow = (await git(cwd, ['rev-parse', '--is-shallow-repository'])).out === 'true';
  log(
    `The base commit ${base} is not in this ${shallow ? 'shallow ' : ''}clone (actions/checkout fetches one commit unless fetch-depth is set); fetching it from origin.`,
  );
  const attempts: string[][] = [['fetch', '--no-tags', '--depth=1', 'origin', base]];
  if (shallow) attempts.push(['fetch', '--no-tags', '--unshallow', 'origin']);
  else attempts.push(['fetch', '--no-tags', 'origin']);
  const errors: string[] = [];
  for (const args of attempts) {
    log(`Running: git ${args.join(' ')}`);
    const r = await git(cwd, args);
    if (!r.ok) {
      errors.push(`git ${args.join(' ')}: ${r.out.split('\n').at(-1)}`);
      continue;
    }
    if ((await git(cwd, ['cat-file', '-e', `${base}^{commit}`])).ok) {
      log(`Fetched the base commit ${base}.`);
      return base;
    }
    if (!SHA.test(base)) {
      const fetched = await git(cwd, ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}']);
      if (fetched.ok && args.includes(base)) {
        log(`Fetched ${base} from origin: commit ${fetched.out}.`);
        return fetched.out;
      }
    }
    errors.push(`git ${args.join(' ')} did not bring ${base}`);
  }
  throw new InputError(
    `The base commit ${base} is not in the clone and could not be fetched from origin (${errors.join('; ')}). ` +
      'Check out with history instead (actions/checkout with fetch-depth: 0), or set the base input to a ref that exists.',
  );
}
