import { diffSnapshots } from '../../diff/index.js';
import type { Snapshot } from '../../inspect/index.js';
import type { MigrationFile } from '../discover.js';
import type { Rehearsal } from './rehearsal.js';

/** Tables of a live schema (the meta table is already left out of snapshots). */
export function tableCount(snapshot: Snapshot): number {
  return Object.keys(snapshot.tables).length;
}

/**
 * The newest migration whose replay builds exactly the live schema (replaying every file in order
 * on the rehearsal's empty database), or null when none does.
 */
export async function newestMatching(
  rehearsal: Rehearsal,
  files: MigrationFile[],
  live: Snapshot,
): Promise<string | null> {
  let match: string | null = null;
  await rehearsal.replay(files, async (m) => {
    if (diffSnapshots(await rehearsal.snapshot(), live).length === 0) match = m.name;
  });
  return match;
}
