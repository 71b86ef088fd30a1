import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../assess/config.js';
import { compareModels } from '../assess/models.js';
import { loadSqlParser } from '../assess/sql.js';
import type { Finding } from '../report/contract/check.js';
import type { GenerateReport } from '../report/contract/models.js';
import { diffSnapshots, type Change } from '../diff/index.js';
import { generateMigration } from '../generate/migration.js';
import type { Snapshot } from '../inspect/index.js';
import { discoverMigrations } from '../migrate/discover.js';
import { ModelsError } from '../migrate/models.js';
import { loadProject, releaseProject, type Project } from '../migrate/project.js';
import { Workspace } from '../migrate/workspace.js';
import { takeSnapshot } from '../inspect/index.js';
import { alembicDriftChanges } from '../assess/alembic-models.js';
import { alembicModelsSource, revisionFiles } from './alembic.js';
import { MigrationRunner } from '../migrate/runner.js';
import { startThrowaway } from './options.js';
import { migrateAll, resolveModelsEntry, syncModels, type ModelsOptions } from './models.js';
import { snapshotAt } from './diff.js';
import { assignableTypeChanges } from '../inspect/names.js';
import { packageType } from '../migrate/discover.js';
import { metaTableOf } from '../migrate/meta.js';

export interface GenerateOptions extends ModelsOptions {
  /** The migration's name after the timestamp (`add-status-to-posts`). */
  name: string;
  /** The clock for the file name's timestamp (tests). */
  now?: Date;
  /** Keep the migration on disk even when its proof fails (`--keep-unproven`); by default it is removed. */
  keepUnproven?: boolean;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** sequelize-cli's `YYYYMMDDHHmmss` (UTC), moved past the newest existing migration if the clock is behind it. */
function timestampAfter(now: Date, existing: string[]): string {
  let stamp =
    `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}` +
    `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  const newest = existing
    .map((n) => /^(\d{14})-/.exec(n)?.[1])
    .filter((x): x is string => !!x)
    .sort()
    .pop();
  if (newest && stamp <= newest) stamp = String(BigInt(newest) + 1n);
  return stamp;
}

/** The file's module format and extension, following the migrations already there. */
function fileStyle(project: Project): { ext: string; format: 'commonjs' | 'esm' } {
  const files = discoverMigrations(project.migrationsDir).map((m) => m.name);
  const last = files[files.length - 1] ?? '';
  if (last.endsWith('.mjs')) return { ext: 'mjs', format: 'esm' };
  if (last.endsWith('.cjs')) return { ext: 'cjs', format: 'commonjs' };
  // A new file in the folder is read as the nearest package.json says.
  return {
    ext: 'js',
    format: packageType(join(project.migrationsDir, 'new.js')) === 'module' ? 'esm' : 'commonjs',
  };
}

/** Which column type changes PostgreSQL makes without USING, asked of the migrated database. */
async function assignableTypes(url: string, changes: Change[]): Promise<Set<string>> {
  const pairs = changes
    .filter((c) => c.kind === 'column' && c.action === 'changed' && c.details?.type)
    .flatMap((c): [string, string][] => {
      const { from, to } = c.details!.type as { from: string; to: string };
      return [
        [from, to],
        [to, from],
      ];
    });
  if (!pairs.length) return new Set();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await assignableTypeChanges(client, pairs);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * `schemabot generate NAME` (Alembic's `--autogenerate`): write the migration that brings the
 * migrated schema to the models' schema, then prove it on a throwaway PostgreSQL: up, down (must
 * restore the schema), up again, and no drift left between the models and the migrations.
 */
export async function runGenerate(options: GenerateOptions): Promise<GenerateReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  if (!NAME.test(options.name)) {
    throw new ModelsError(
      `"${options.name}" is not a usable migration name: use letters, digits, "-", "_" and ".", for example add-status-to-posts.`,
    );
  }
  const project = await loadProject({
    cwd: options.cwd,
    migrationsPath: options.migrationsPath,
    loader: options.loader,
    runner: options.runner,
    python: options.python,
    log: options.log,
  });
  if (project.runner === 'alembic') {
    if (options.models) {
      await releaseProject(project);
      throw new ModelsError(
        `--models names Sequelize models; the models of an Alembic project are the target_metadata its ${alembicModelsSource(project)} sets. Leave --models out.`,
      );
    }
    return runAlembicGenerate(project, options, started, log);
  }
  const entry = await resolveModelsEntry(project, options.models);
  if (!entry) {
    throw new ModelsError(
      `No models found in ${project.cwd}: generate writes the migration from your models. Pass --models with ` +
        'the module that exports your Sequelize instance, or set "models-path" in .sequelizerc.',
    );
  }
  await using server = await startThrowaway(options, project.cwd, log);
  const postgres = { version: server.version, provider: server.provider };
  const done = (
    report: Omit<GenerateReport, 'schemaVersion' | 'mode' | 'postgres' | 'durationMs'>,
  ): GenerateReport => ({
    schemaVersion: 1,
    mode: 'generate',
    postgres,
    ...report,
    durationMs: Math.round(performance.now() - started),
  });
  const migrated = await migrateAll(server, project, { timeoutMs: options.timeoutMs, log });
  try {
    if (migrated.failure) {
      const f = migrated.failure;
      return done({
        ok: false,
        file: null,
        changes: [],
        operations: 0,
        todos: [],
        proof: null,
        findings: [
          {
            rule: 'up-failed',
            severity: 'error',
            migration: f.name,
            file: f.file,
            message: `up failed: ${f.message.split('\n')[0]}. Nothing was generated: the migrations must run first.`,
            fix: 'Fix the migration first (`schemabot check` shows what it does).',
          },
        ],
      });
    }
    log(`Syncing the models from ${relative(project.cwd, entry.path) || '.'}`);
    const models = await syncModels(server, project, entry, migrated.snapshot);
    const scope = (await loadConfig(project.cwd)).modelsScope ?? 'declared';
    const { changes } = compareModels(migrated.snapshot, models.snapshot, models.tables, scope);
    if (!changes.length) {
      return done({ ok: true, file: null, changes, operations: 0, todos: [], proof: null, findings: [] });
    }
    await loadSqlParser();
    const style = fileStyle(project);
    const url = server.url(migrated.database);
    const generated = generateMigration({
      changes,
      from: migrated.snapshot,
      to: models.snapshot,
      assignableTypes: await assignableTypes(url, changes),
      format: style.format,
    });
    const existing = discoverMigrations(project.migrationsDir).map((m) => m.name);
    const name = `${timestampAfter(options.now ?? new Date(), existing)}-${options.name}.${style.ext}`;
    const path = join(project.migrationsDir, name);
    if (existsSync(path))
      throw new ModelsError(`${relative(project.cwd, path)} already exists; nothing was written.`);
    writeFileSync(path, generated.source, { flag: 'wx' });
    log(`Wrote ${relative(project.cwd, path)}: ${generated.operations} operations`);
    const proof = await prove(
      url,
      project,
      { name, path },
      migrated.snapshot,
      models,
      options.timeoutMs,
      scope,
    );
    const file = relative(project.cwd, path);
    const findings: Finding[] = generated.todos.map((t) => ({
      rule: 'generate-todo',
      severity: 'warning',
      migration: name,
      file,
      message: t,
      fix: 'Decide, edit the TODO in the file, then run `schemabot check`.',
    }));
    findings.push(...proofFindings(proof, name, file, generated.todos.length > 0));
    const unproven = keepOnlyProven(path, file, findings, options, log);
    return done({
      ok: findings.length === 0,
      file: unproven && !options.keepUnproven ? null : file,
      changes,
      operations: generated.operations,
      todos: generated.todos,
      proof,
      findings,
    });
  } finally {
    await server.dropDatabase(migrated.database).catch(() => undefined);
  }
}

/** What the proof of a generated migration (or revision) failed: `generate-unproven` errors. */
function proofFindings(
  proof: NonNullable<GenerateReport['proof']>,
  name: string,
  file: string,
  hasTodos: boolean,
): Finding[] {
  const findings: Finding[] = [];
  const fail = (message: string, fix: string) =>
    findings.push({ rule: 'generate-unproven', severity: 'error', migration: name, file, message, fix });
  if (!proof.up?.ok)
    fail(
      `the generated up failed: ${proof.up?.error?.message.split('\n')[0] ?? 'not run'}.`,
      'Edit the generated migration (or the model) until it runs.',
    );
  else if (!proof.down?.ok)
    fail(
      `the generated down failed: ${proof.down?.error?.message.split('\n')[0]}.`,
      'Edit the generated down until it runs.',
    );
  else if (!proof.reversible)
    fail(
      `the generated down did not restore the schema (${proof.residue.length} differences${proof.residue.length ? `: ${proof.residue.map((c) => `${c.action} ${c.kind} ${c.name}`).join(', ')}` : ''}).`,
      'Edit the generated down.',
    );
  else if (proof.reup && !proof.reup.ok)
    fail(
      `the generated up failed when run again after its down: ${proof.reup.error?.message.split('\n')[0]}.`,
      'Edit the generated down so that it undoes everything up does.',
    );
  if (proof.up?.ok && proof.remaining.length && !hasTodos) {
    fail(
      `after the generated up, ${proof.remaining.length} differences remain between the models and the migrations.`,
      'Complete the migration by hand; `schemabot models` lists them.',
    );
  }
  return findings;
}

/** Only a proven migration stays on disk (the proof needs it in the migrations folder to run it). */
function keepOnlyProven(
  path: string,
  file: string,
  findings: Finding[],
  options: Pick<GenerateOptions, 'keepUnproven'>,
  log: (line: string) => void,
): boolean {
  const unproven = findings.some((f) => f.rule === 'generate-unproven');
  if (unproven && !options.keepUnproven) {
    rmSync(path, { force: true });
    log(`Removed ${file}: its proof failed (--keep-unproven keeps it to edit)`);
  }
  return unproven;
}

/** Runs the new migration up, down and up on the migrated database, comparing each state. */
async function prove(
  url: string,
  project: Project,
  file: { name: string; path: string },
  before: Snapshot,
  models: { snapshot: Snapshot; tables: Parameters<typeof compareModels>[2] },
  timeoutMs?: number,
  scope?: Parameters<typeof compareModels>[3],
): Promise<NonNullable<GenerateReport['proof']>> {
  await using runner = await MigrationRunner.open(url, project, { timeoutMs });
  const proof: NonNullable<GenerateReport['proof']> = {
    up: null,
    down: null,
    reup: null,
    reversible: null,
    residue: [],
    remaining: [],
  };
  const up = (proof.up = await runner.up(file));
  if (!up.ok) return proof;
  const afterUp = await snapshotAt(url, [metaTableOf(project)]);
  proof.remaining = compareModels(afterUp, models.snapshot, models.tables, scope).changes;
  const down = (proof.down = await runner.down(file));
  if (!down.ok) return proof;
  proof.residue = diffSnapshots(before, await snapshotAt(url, [metaTableOf(project)]));
  proof.reversible = proof.residue.length === 0;
  proof.reup = await runner.up(file);
  return proof;
}

/**
 * `schemabot generate NAME` for an Alembic project: every revision applied to a throwaway database,
 * then `alembic revision --autogenerate -m NAME` against it, and the new revision proven like a
 * Sequelize migration: up, down (must restore the schema), up again, no drift left. The file is kept
 * only when that proof passes.
 */
async function runAlembicGenerate(
  project: Project,
  options: GenerateOptions,
  started: number,
  log: (line: string) => void,
): Promise<GenerateReport> {
  const files = await revisionFiles(project);
  await using server = await startThrowaway(options, project.cwd, log);
  const done = (
    report: Omit<GenerateReport, 'schemaVersion' | 'mode' | 'postgres' | 'durationMs'>,
  ): GenerateReport => ({
    schemaVersion: 1,
    mode: 'generate',
    postgres: { version: server.version, provider: server.provider },
    ...report,
    durationMs: Math.round(performance.now() - started),
  });
  const ws = await Workspace.open(server, project, { timeoutMs: options.timeoutMs });
  try {
    log(`Applying ${files.length} revisions`);
    for (const f of files) {
      const step = await ws.runner.up(f);
      if (step.ok) continue;
      return done({
        ok: false,
        file: null,
        changes: [],
        operations: 0,
        todos: [],
        proof: null,
        findings: [
          {
            rule: 'up-failed',
            severity: 'error',
            migration: f.name,
            file: relative(project.cwd, f.path),
            message: `up failed: ${(step.error?.message ?? 'failed').split('\n')[0]}. Nothing was generated: the revisions must run first.`,
            fix: 'Fix the revision first (`schemabot check` shows what it does).',
          },
        ],
      });
    }
    const snapshot = () => takeSnapshot(ws.client, { exclude: [ws.meta] });
    const before = await snapshot();
    const diffs = await ws.runner.compareModels();
    const changes = alembicDriftChanges(diffs);
    if (!changes.length) {
      return done({ ok: true, file: null, changes, operations: 0, todos: [], proof: null, findings: [] });
    }
    const written = await ws.runner.autogenerate(options.name);
    const file = relative(project.cwd, written.path);
    log(`Wrote ${file} (alembic revision --autogenerate): ${diffs.length} operations`);
    const revision = { name: written.id, path: written.path };
    const proof: NonNullable<GenerateReport['proof']> = {
      up: null,
      down: null,
      reup: null,
      reversible: null,
      residue: [],
      remaining: [],
    };
    const up = (proof.up = await ws.runner.up(revision));
    if (up.ok) {
      proof.remaining = alembicDriftChanges(await ws.runner.compareModels());
      const down = (proof.down = await ws.runner.down(revision));
      if (down.ok) {
        proof.residue = diffSnapshots(before, await snapshot());
        proof.reversible = proof.residue.length === 0;
        proof.reup = await ws.runner.up(revision);
      }
    }
    const findings = proofFindings(proof, written.id, file, false);
    const unproven = keepOnlyProven(written.path, file, findings, options, log);
    return done({
      ok: findings.length === 0,
      file: unproven && !options.keepUnproven ? null : file,
      changes,
      operations: diffs.length,
      todos: [],
      proof,
      findings,
    });
  } finally {
    await ws.close();
  }
}
