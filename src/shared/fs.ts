import { existsSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir loops for ever where mkdir answers ENOENT
 * under a folder that exists (procfs, sysfs), so a folder named there fails with that error instead
 * of hanging the run. `mode` applies to the levels it creates.
 */
export function makeDirs(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, mode === undefined ? {} : { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Marks `file` as just used (caches bounded by last use read its time); gone meanwhile: nothing. */
export function touch(file: string): void {
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    // removed meanwhile by another run: it was read already
  }
}

/**
 * Replaces `folder` (0700) with what `fill` writes into a new folder beside it: a reader sees the old
 * folder or the new one whole, never half of either. When `fill` throws, nothing is replaced.
 */
export async function replaceFolder(folder: string, fill: (temp: string) => Promise<void>): Promise<void> {
  makeDirs(dirname(folder), 0o700);
  const temp = `${folder}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    makeDirs(temp, 0o700);
    await fill(temp);
    const old = `${folder}.old-${process.pid}-${Date.now().toString(36)}`;
    if (existsSync(folder)) renameSync(folder, old);
    renameSync(temp, folder);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
