import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AlembicRevision, AlembicRevisions } from '../migrate/protocol.js';
import { headCommit, repoRoot, resolveCommit } from './git.js';
import type { FileFinding, MigrationChange, Plan, PlannedMigration } from './index.js';
import { checkoutBase, type BaseTree } from './worktree.js';

/**
 * Reads every revision of an Alembic project folder (Alembic's own `ScriptDirectory`, through the
 * worker's `revisions` operation). Called with the working tree's project folder, and with the same
 * folder in a checkout of the base commit.
 */
export type ListRevisions = (projectDir: string) => Promise<AlembicRevisions>;

/** One revision as the plan sees it: its graph edges and where its file is. */
export interface PlannedRevision {
  id: string;
  /** Its parents: one, several for a merge point, none for a base revision. */
  parents: string[];
  /** `down_revision` as written: a string, a list for a merge point, null for a base revision. */
  downRevision: string | string[] | null;
  branchLabels: string[];
  dependsOn: string[];
  /** The file, relative to the repository root. */
  file: string;
  doc: string;
}

export interface RevisionChange {
  id: string;
  change: MigrationChange;
  /** Where it is now (head), or where it was (deleted); relative to the repository root. */
  file: string;
  /** An id already on base whose file has another path now (its content may be the same). */
  movedFrom?: string;
  head?: PlannedRevision;
  base?: PlannedRevision;
}

/** Data of the `multiple-heads` rule: the head commit's graph has more than one head. */
export interface MultipleHeads {
  heads: string[];
  /** Of each head, the file that declares it. */
  files: string[];
}

/** Data of the `branch-off-old-revision` rule: a new revision built on a base revision that is not a head. */
export interface BranchOffOldRevision {
  revision: string;
  file: string;
  /** Its parent(s) on base that are not base heads. */
  parents: string[];
  /** The base commit's head(s): where the new revision should have been built. */
  baseHeads: string[];
}

export interface RevisionGraph {
  revisions: PlannedRevision[];
  heads: string[];
  bases: string[];
}

export interface AlembicPlan {
  /** The repository root (the project folder without git): every `file` is relative to it. */
  root: string;
  base: { ref: string; sha: string; graph: RevisionGraph } | null;
  head: { sha: string | null; graph: RevisionGraph };
  /** Every revision id of either side: those on base, then new ones (each in apply order), deleted last. */
  revisions: RevisionChange[];
  /** Revisions the base commit has, in the order they are applied (to build the starting schema). */
  baseOrder: string[];
  /** Revisions to prove (new or edited), in the order they are applied on top of base. */
  newOrder: string[];
  multipleHeads: MultipleHeads | null;
  branchOffOldRevisions: BranchOffOldRevision[];
  findings: FileFinding[];
  /** The base checkout (its files are read for the report); the caller removes it when done. */
  baseTree: BaseTree | null;
}

function toPlanned(rev: AlembicRevision, tree: string): PlannedRevision {
  const down = rev.downRevision;
  return {
    id: rev.id,
    parents: down === null ? [] : Array.isArray(down) ? down : [down],
    downRevision: down,
    branchLabels: rev.branchLabels,
    dependsOn: rev.dependsOn ?? [],
    file: relative(tree, rev.path),
    doc: rev.doc,
  };
}

function graphOf(listed: AlembicRevisions, tree: string): RevisionGraph {
  return {
    revisions: listed.revisions.map((r) => toPlanned(r, tree)),
    heads: [...listed.heads].sort(),
    bases: [...listed.bases].sort(),
  };
}

/**
 * Decides which revisions are base, new, edited, deleted or moved (by revision id, from git alone),
 * and computes the data of the `multiple-heads` and `branch-off-old-revision` rules. Without a base
 * ref every revision is new (a full audit from an empty database).
 */
export async function planRevisions(options: {
  cwd: string;
  baseRef?: string;
  listRevisions: ListRevisions;
}): Promise<AlembicPlan> {
  let root = options.cwd;
  let head: string | null = null;
  try {
    root = await repoRoot(options.cwd);
    head = await headCommit(root);
  } catch (err) {
    if (options.baseRef) throw err;
    // Not a git checkout: fine for a full audit.
  }
  const headGraph = graphOf(await options.listRevisions(options.cwd), root);
  let base: AlembicPlan['base'] = null;
  if (options.baseRef) {
    const sha = await resolveCommit(root, options.baseRef);
    const tree = await checkoutBase(root, sha, options.cwd);
    try {
      const listed = await options.listRevisions(join(tree.dir, relative(root, options.cwd)));
      const graph = graphOf(listed, tree.dir);
      const contents = new Map(graph.revisions.map((r) => [r.id, readFileSync(join(tree.dir, r.file))]));
      base = { ref: options.baseRef, sha, graph };
      return { root, ...assemble(base, head, headGraph, root, contents), baseTree: tree };
    } catch (err) {
      await tree.remove();
      throw err;
    }
  }
  return { root, ...assemble(base, head, headGraph, root, new Map()), baseTree: null };
}

/**
 * The plan as the round trip reads it (the shape the Sequelize plan has): a migration is a revision,
 * its name the revision id, its file the revision's. Base revisions are replayed from the base
 * checkout in Alembic's order, exactly as they were committed (the worker runs a revision from the
 * checkout its path is in); new ones from the working tree.
 */
export function revisionPlan(plan: AlembicPlan): Plan {
  const root = plan.root;
  const fileOf = (tree: string, rev: PlannedRevision) => ({ name: rev.id, path: join(tree, rev.file) });
  const migrations: PlannedMigration[] = plan.revisions.map((r) => ({
    name: r.id,
    change: r.change,
    file: r.file,
    ...(r.head ? { head: fileOf(root, r.head) } : {}),
    ...(r.base && plan.baseTree ? { base: fileOf(plan.baseTree.dir, r.base) } : {}),
  }));
  const onBase = new Map((plan.base?.graph.revisions ?? []).map((r) => [r.id, r]));
  return {
    base: plan.base ? { ref: plan.base.ref, sha: plan.base.sha } : null,
    head: { sha: plan.head.sha },
    baseMigrations: plan.baseTree
      ? plan.baseOrder.map((id) => fileOf(plan.baseTree!.dir, onBase.get(id)!))
      : [],
    migrations,
    findings: plan.findings,
    baseTree: plan.baseTree,
  };
}

/** Revisions in the order Alembic applies them: every parent (and dependency) before its children. */
function applyOrder(graph: RevisionGraph): string[] {
  const byId = new Map(graph.revisions.map((r) => [r.id, r]));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const r = byId.get(id);
    if (!r) return;
    for (const p of [...r.parents, ...r.dependsOn]) visit(p);
    order.push(id);
  };
  // `revisions` comes base first from Alembic: visiting in that order keeps its order where free.
  for (const r of graph.revisions) visit(r.id);
  return order;
}

function assemble(
  base: AlembicPlan['base'],
  head: string | null,
  headGraph: RevisionGraph,
  root: string,
  baseContents: Map<string, Buffer>,
): Omit<AlembicPlan, 'baseTree' | 'root'> {
  const baseById = new Map((base?.graph.revisions ?? []).map((r) => [r.id, r]));
  const headById = new Map(headGraph.revisions.map((r) => [r.id, r]));
  const revisions: RevisionChange[] = [];
  // Those base has first, then the new ones: each group in the order Alembic applies them.
  const order = applyOrder(headGraph);
  for (const id of [...order.filter((id) => baseById.has(id)), ...order.filter((id) => !baseById.has(id))]) {
    const h = headById.get(id)!;
    const b = baseById.get(id);
    if (!b) {
      revisions.push({ id, change: 'added', file: h.file, head: h });
      continue;
    }
    const same = baseContents.get(id)?.equals(readFileSync(join(root, h.file))) ?? false;
    revisions.push({
      id,
      change: same ? 'unchanged' : 'modified',
      file: h.file,
      ...(b.file !== h.file ? { movedFrom: b.file } : {}),
      head: h,
      base: b,
    });
  }
  for (const b of base?.graph.revisions ?? []) {
    if (!headById.has(b.id)) revisions.push({ id: b.id, change: 'deleted', file: b.file, base: b });
  }

  const multipleHeads: MultipleHeads | null =
    headGraph.heads.length > 1
      ? { heads: headGraph.heads, files: headGraph.heads.map((id) => headById.get(id)?.file ?? '') }
      : null;

  const branchOffOldRevisions: BranchOffOldRevision[] = [];
  if (base) {
    const baseHeads = new Set(base.graph.heads);
    for (const r of revisions) {
      if (r.change !== 'added') continue;
      const old = r.head!.parents.filter((p) => baseById.has(p) && !baseHeads.has(p));
      if (old.length) {
        branchOffOldRevisions.push({
          revision: r.id,
          file: r.file,
          parents: old,
          baseHeads: base.graph.heads,
        });
      }
    }
  }

  const findings = revisionFindings(revisions, multipleHeads, branchOffOldRevisions);
  const baseOrder = base ? applyOrder(base.graph) : [];
  const newOrder = revisions.filter((r) => r.change === 'added' || r.change === 'modified').map((r) => r.id);
  return {
    base,
    head: { sha: head, graph: headGraph },
    revisions,
    baseOrder,
    newOrder,
    multipleHeads,
    branchOffOldRevisions,
    findings,
  };
}

const list = (ids: string[]): string =>
  ids.length <= 1 ? (ids[0] ?? '') : `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;

function revisionFindings(
  revisions: RevisionChange[],
  multipleHeads: MultipleHeads | null,
  branchOffs: BranchOffOldRevision[],
): FileFinding[] {
  const findings: FileFinding[] = [];
  if (multipleHeads) {
    findings.push({
      rule: 'multiple-heads',
      severity: 'error',
      migration: multipleHeads.heads.join(', '),
      file: multipleHeads.files[0],
      message:
        `The revisions have ${multipleHeads.heads.length} heads: ${list(multipleHeads.heads)}. ` +
        '`alembic upgrade head` refuses to run until they are joined: run `alembic merge heads -m "merge heads"` ' +
        "and commit the merge revision it writes (or point one revision's down_revision at the other).",
    });
  }
  for (const b of branchOffs) {
    findings.push({
      rule: 'branch-off-old-revision',
      severity: 'warning',
      migration: b.revision,
      file: b.file,
      message:
        `${b.revision} is built on ${list(b.parents)}, but the base branch's head is ${list(b.baseHeads) || 'empty'}. ` +
        'Once both are merged Alembic has two heads; set its down_revision to ' +
        `'${b.baseHeads[0] ?? ''}' (rebase onto the base head) before merging.`,
    });
  }
  for (const r of revisions) {
    if (r.change === 'modified') {
      findings.push({
        rule: 'edited-migration',
        severity: 'error',
        migration: r.id,
        file: r.file,
        message: `Revision ${r.id} exists on the base branch and was edited. Databases that already ran it will never run the new text; revert the edit and add a new revision instead (alembic revision -m "...").`,
      });
    } else if (r.change === 'deleted') {
      findings.push({
        rule: 'deleted-migration',
        severity: 'error',
        migration: r.id,
        file: r.file,
        message: `Revision ${r.id} exists on the base branch and was deleted. Databases that ran it keep it in alembic_version with no file to go on from; restore ${r.file} (write a new revision to reverse it instead).`,
      });
    }
  }
  return findings;
}
