import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The PIDs of `root` and of every process below it, from /proc (Linux). */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces and parentheses): state, ppid, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Resident memory of a process tree, in bytes (0 for processes that ended meanwhile). */
function treeRss(root: number): number {
  let total = 0;
  for (const pid of tree(root)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/**
 * Runs a child to its end without blocking the event loop: the throwaway server this process started
 * writes its log to a pipe that only a running loop drains, and a server whose log pipe is full stops
 * at its next checkpoint (a DROP DATABASE waits for one). Samples the resident memory of the child's
 * whole process tree (Schemabot, its worker and whatever they start) every 100 ms: `peakRssMiB`.
 */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string; ms: number; peakRssMiB: number }> {
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const sample = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treeRss(child.pid));
    }, 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearInterval(sample);
      reject(error);
    });
    child.on('close', (status) => {
      clearInterval(sample);
      resolveRun({ status, stdout, stderr, ms: performance.now() - started, peakRssMiB: peak / 2 ** 20 });
    });
  });
}
