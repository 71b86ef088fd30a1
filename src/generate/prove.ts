import { diffSnapshots, type Change } from '../diff/index.js';
import { takeSnapshot, type Snapshot } from '../inspect/index.js';
import type { MigrationFile } from '../migrate/discover.js';
import type { Workspace } from '../migrate/workspace.js';
import type { GenerateProof } from '../report/contract/models.js';

/**
 * Runs a generated migration (or revision) up, down and up again on the workspace, which holds the
 * migrated schema `before`: down must restore it, and `remaining` says which differences between the
 * models and the migrations are left after the up.
 */
export async function prove(
  ws: Workspace,
  file: MigrationFile,
  before: Snapshot,
  remaining: () => Promise<Change[]>,
): Promise<GenerateProof> {
  const proof: GenerateProof = {
    up: null,
    down: null,
    reup: null,
    reversible: null,
    residue: [],
    remaining: [],
  };
  const up = (proof.up = await ws.runner.up(file));
  if (!up.ok) return proof;
  proof.remaining = await remaining();
  const down = (proof.down = await ws.runner.down(file));
  if (!down.ok) return proof;
  proof.residue = diffSnapshots(before, await takeSnapshot(ws.client, { exclude: [ws.meta] }));
  proof.reversible = proof.residue.length === 0;
  proof.reup = await ws.runner.up(file);
  return proof;
}
