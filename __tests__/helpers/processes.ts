import { readdirSync, readlinkSync } from 'node:fs';

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
