import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The processes of this machine that `test` picks (a process that ends meanwhile is not picked). */
function processes(test: (pid: string) => boolean): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return test(pid);
      } catch {
        return false; // ended meanwhile, or not ours to read
      }
    });
}

/** The processes whose working directory is `dir` (a project's migration worker runs in its folder). */
export function processesIn(dir: string): string[] {
  return processes((pid) => readlinkSync(`/proc/${pid}/cwd`) === dir);
}

/** The processes whose environment holds `entry` (NAME=value). */
function processesWith(entry: string): string[] {
  return processes((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry));
}

/** Waits until `find` finds no process; throws naming them after `ms`. Returns how long it took. */
async function untilNone(find: () => string[], ms: number, what: string): Promise<number> {
  const started = Date.now();
  for (let left = find(); left.length; left = find()) {
    if (Date.now() - started > ms) {
      const named = left.map((pid) => {
        try {
          return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120)}`;
        } catch {
          return pid;
        }
      });
      throw new Error(`${what}: ${named.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

/** Waits until no process runs in `dir` (see `untilNone`). */
export function untilNoProcessIn(dir: string, ms: number, what: string): Promise<number> {
  return untilNone(() => processesIn(dir), ms, what);
}

/** Waits until no process has `entry` in its environment (see `untilNone`). */
export function untilNoProcessWith(entry: string, ms: number, what: string): Promise<number> {
  return untilNone(() => processesWith(entry), ms, what);
}

/**
 * Runs the bundled CLI (`bundle`/dist/cli.js) with `args` until a migration writes the file `marker`,
 * then kills it with SIGKILL, as a runner that loses its machine would, and waits for it to be gone.
 * `beforeKill` runs between the two.
 */
export async function killCliWhen(
  bundle: string,
  args: string[],
  marker: string,
  beforeKill: () => Promise<void> = async () => undefined,
): Promise<void> {
  const cli = spawn(process.execPath, [join(bundle, 'dist', 'cli.js'), ...args], {
    env: { ...process.env, NODE_ENV: '' },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => cli.on('exit', resolve));
  try {
    for (const deadline = Date.now() + 60_000; !existsSync(marker);) {
      if (Date.now() > deadline) throw new Error(`${marker} was never written`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await beforeKill();
  } finally {
    cli.kill('SIGKILL');
    await exited;
  }
}
