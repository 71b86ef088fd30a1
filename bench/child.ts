import { spawn } from 'node:child_process';

/**
 * Runs a child to its end without blocking the event loop: the throwaway server this process started
 * writes its log to a pipe that only a running loop drains, and a server whose log pipe is full stops
 * at its next checkpoint (a DROP DATABASE waits for one).
 */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolveRun({ status, stdout, stderr, ms: performance.now() - started }));
  });
}
