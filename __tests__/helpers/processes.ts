import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The processes whose working directory is `dir` (a project's migration worker runs in its folder). */
export function processesIn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false; // ended meanwhile, or not ours to read
      }
    });
}

/** Waits until no process runs in `dir`; throws naming them after `ms`. Returns how long it took. */
export async function untilNoProcessIn(dir: string, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (processesIn(dir).length) {
    if (Date.now() - started > ms) throw new Error(`${what}: ${processesIn(dir).join(', ')} still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
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

/** The processes whose environment holds `entry` (NAME=value), read from /proc. */
export function processesWith(entry: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
      } catch {
        return false; // ended meanwhile, or not ours to read
      }
    });
}

/** Waits until no process has `entry` in its environment; throws naming them after `ms`. */
export async function untilNoProcessWith(entry: string, ms: number, what: string): Promise<void> {
  for (const started = Date.now(); processesWith(entry).length;) {
    if (Date.now() - started > ms) {
      const left = processesWith(entry).map((pid) => {
        try {
          return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120)}`;
        } catch {
          return pid;
        }
      });
      throw new Error(`${what}: ${left.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
