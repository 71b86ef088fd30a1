import { diffSnapshots } from '../../diff/index.js';
import type { Snapshot } from '../../inspect/index.js';
import type { MigrationFile } from '../discover.js';
import type { Project } from '../project.js';
import { metaTableOf } from '../meta.js';
import type { Rehearsal } from './rehearsal.js';
import type { FrontEnd } from '../../shared/wording.js';

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

/** The refusal for a database with tables but no recorded migration. */
export function notMigratedMessage(
  mode: 'upgrade' | 'rollback',
  project: Project,
  tables: number,
  match: string | null,
  frontEnd: FrontEnd | undefined,
): string {
  const meta = metaTableOf(project);
  const stamp = (name: string) =>
    frontEnd === 'action' ? `mode \`stamp\` with the input \`to: ${name}\`` : `\`stamp --to ${name}\``;
  return (
    `Refusing to ${mode}: this database was not migrated by these migrations: it has ${tables} table(s) but ` +
    `no migration is recorded in ${meta.schema}.${meta.name}. ` +
    (match
      ? `Adopt it with ${stamp(match)}: ${match} is the newest migration whose replay matches the live schema. `
      : `Adopt it with ${stamp('NAME')}, NAME being the newest migration already in it: no migration's replay ` +
        'matches the live schema exactly, so look at `schemabot status --drift` after stamping. ') +
    'Nothing was changed.'
  );
}
