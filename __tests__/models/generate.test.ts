import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelsError } from '../../src/migrate/models.js';
import { runCheck } from '../../src/modes/check.js';
import { runGenerate } from '../../src/modes/generate.js';
import type { GenerateReport } from '../../src/report/contract/models.js';
import { ALL_AT_ONCE, baseProject, POSTS_MODEL } from './cases.js';
import { kinds, migrationFiles, models, read, removeProjects, sampleCopy } from './fixture.js';
import { onSharedServer } from '../helpers/shared-server.js';

afterAll(removeProjects);

async function generate(cwd: string, name: string, now: Date): Promise<GenerateReport> {
  return runGenerate({ cwd, name, now, ...(await onSharedServer()), timeoutMs: 20_000 });
}

/** The proof of a generated migration that must round-trip and leave no drift. */
function expectProven(g: GenerateReport): void {
  expect(g.proof).not.toBeNull();
  const p = g.proof!;
  expect({
    up: p.up?.ok,
    upError: p.up?.error?.message ?? null,
    down: p.down?.ok,
    downError: p.down?.error?.message ?? null,
    reup: p.reup?.ok,
    reversible: p.reversible,
    residue: kinds(p.residue),
    remaining: kinds(p.remaining),
  }).toEqual({
    up: true,
    upError: null,
    down: true,
    downError: null,
    reup: true,
    reversible: true,
    residue: [],
    remaining: [],
  });
  expect(g.findings).toEqual([]);
  expect(g.todos).toEqual([]);
  expect(g.ok).toBe(true);
}

test('one migration for every supported difference at once round-trips and leaves the models clean', async () => {
  const options = {
    ...ALL_AT_ONCE,
    posts: {
      ...ALL_AT_ONCE.posts,
      // A label ahead of the old ones and one after them.
      status:
        "{ type: DataTypes.ENUM('new', 'draft', 'published', 'archived'), allowNull: false, defaultValue: 'draft' }",
    },
  };
  const p = baseProject(options);
  const drift = [
    'column added public.posts.views',
    'column changed public.users.bio',
    'column changed public.users.name',
    'column changed public.users.nickname',
    'column changed public.users.score',
    'column removed public.users.legacy',
    'constraint added public.users.users_nickname_key',
    'constraint changed public.posts.posts_user_id_fkey',
    'enum added public.enum_tags_color',
    'enum changed public.enum_posts_kind',
    'enum changed public.enum_posts_status',
    'index added public.posts_created_at',
    'index removed public.posts_title',
    'table added public.tags',
  ];
  const before = await models(p.dir);
  expect(kinds(before.changes)).toEqual(drift);
  expect(before.findings).toHaveLength(drift.length);

  const g = await generate(p.dir, 'sync-models', new Date('2026-03-01T00:00:00Z'));
  expect(g.file).toBe('migrations/20260301000000-sync-models.js');
  expect(kinds(g.changes)).toEqual(drift);
  expect(g.operations).toBe(14);
  expectProven(g);

  const source = read(p.dir, g.file!);
  expect(source).not.toContain('TODO');
  expect(source).toMatch(/^'use strict';\n/);
  expect(source).toContain('module.exports = {');
  const lines = source.split('\n').map((l) => l.trim());
  const up = lines.slice(
    lines.indexOf('async up(queryInterface, Sequelize) {'),
    lines.indexOf('async down(queryInterface, Sequelize) {'),
  );
  const down = lines.slice(lines.indexOf('async down(queryInterface, Sequelize) {'));
  expect(up).toEqual(
    expect.arrayContaining([
      // enum labels: added in place, removed by recreating the type
      `await queryInterface.sequelize.query("ALTER TYPE public.enum_posts_status ADD VALUE 'new' BEFORE 'draft';");`,
      `await queryInterface.sequelize.query("ALTER TYPE public.enum_posts_status ADD VALUE 'archived' AFTER 'published';");`,
      `await queryInterface.sequelize.query("CREATE TYPE public.enum_posts_kind AS ENUM ('a', 'b');");`,
      // types: a varchar length with changeColumn, text → integer with USING
      'await queryInterface.changeColumn("users", "name", { type: Sequelize.STRING(80), allowNull: true });',
      'await queryInterface.sequelize.query("ALTER TABLE public.users ALTER COLUMN score TYPE integer USING score::integer;");',
      'await queryInterface.changeColumn("users", "nickname", { type: Sequelize.STRING, allowNull: false });',
      'await queryInterface.changeColumn("users", "bio", { type: Sequelize.TEXT, allowNull: true, defaultValue: "bye" });',
      'await queryInterface.addColumn("posts", "views", { type: Sequelize.INTEGER, allowNull: false, defaultValue: 0 });',
      'await queryInterface.removeColumn("users", "legacy");',
      'await queryInterface.removeIndex("posts", "posts_title");',
      'await queryInterface.addIndex("posts", ["created_at"], { name: "posts_created_at" });',
      `await queryInterface.addConstraint("users", { type: 'unique', name: "users_nickname_key", fields: ["nickname"] });`,
      'await queryInterface.removeConstraint("posts", "posts_user_id_fkey");',
      `await queryInterface.addConstraint("posts", { type: 'foreign key', name: "posts_user_id_fkey", fields: ["user_id"], references: { table: "users", fields: ["id"] }, onDelete: "RESTRICT" });`,
      'await queryInterface.createTable("tags", {',
      '"color": { type: Sequelize.ENUM("red", "green"), allowNull: false, defaultValue: "red" },',
      `await queryInterface.addConstraint("tags", { type: 'foreign key', name: "tags_post_id_fkey", fields: ["post_id"], references: { table: "posts", fields: ["id"] }, onDelete: "SET NULL" });`,
    ]),
  );
  expect(down).toEqual(
    expect.arrayContaining([
      'await queryInterface.dropTable("tags");',
      'await queryInterface.sequelize.query("DROP TYPE IF EXISTS public.enum_tags_color;");',
      'await queryInterface.sequelize.query("ALTER TABLE public.users ALTER COLUMN score TYPE text USING score::text;");',
      `await queryInterface.sequelize.query("ALTER TYPE public.enum_posts_kind ADD VALUE 'c' AFTER 'b';");`,
      'await queryInterface.addColumn("users", "legacy", { type: Sequelize.TEXT, allowNull: true });',
      `await queryInterface.addConstraint("posts", { type: 'foreign key', name: "posts_user_id_fkey", fields: ["user_id"], references: { table: "users", fields: ["id"] }, onDelete: "CASCADE" });`,
    ]),
  );
  // The foreign key of the new table comes after every table exists, and goes first in down.
  expect(up.findIndex((l) => l.includes('tags_post_id_fkey'))).toBeGreaterThan(
    up.findIndex((l) => l.startsWith('await queryInterface.createTable("tags"')),
  );
  expect(down.findIndex((l) => l.includes('removeConstraint("tags", "tags_post_id_fkey")'))).toBeLessThan(
    down.indexOf('await queryInterface.dropTable("tags");'),
  );

  const after = await models(p.dir);
  expect(after).toMatchObject({
    ok: true,
    changes: [],
    findings: [],
    migrations: { applied: 3, failed: null },
  });

  // Schemabot's own check of the project, the generated migration included.
  const check = await runCheck({ cwd: p.dir, ...(await onSharedServer()), timeoutMs: 20_000 });
  const m = check.migrations.find((x) => x.name === '20260301000000-sync-models.js')!;
  expect({ up: m.up?.ok, down: m.down?.ok, reup: m.reup?.ok, reversible: m.reversible }).toEqual({
    up: true,
    down: true,
    reup: true,
    reversible: true,
  });
  expect(check.models?.changes).toEqual([]);
  expect(check.findings.filter((f) => f.rule === 'model-drift')).toEqual([]);
});

/** A copy of the sample project whose models drifted: Vote gone, a new Post.status label, a shorter User.phone_number. */
function driftedSample(settings = 'models: strict\n'): { dir: string } {
  const copy = sampleCopy();
  // strict: the table the removed model declared (votes) counts as drift too.
  if (settings) writeFileSync(join(copy.dir, '.schemabot.yml'), settings);
  rmSync(join(copy.dir, 'models', 'vote.js'));
  const edit = (file: string, from: string, to: string) => {
    const path = join(copy.dir, 'models', file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} no longer has ${from}`);
    writeFileSync(path, text.replace(from, to));
  };
  edit(
    'post.js',
    "DataTypes.ENUM('draft', 'published', 'archived')",
    "DataTypes.ENUM('draft', 'published', 'archived', 'hidden')",
  );
  edit(
    'user.js',
    'phone_number: { type: DataTypes.STRING, allowNull: true }',
    'phone_number: { type: DataTypes.STRING(32), allowNull: true }',
  );
  return copy;
}

test('the sample project needs no migration; a drifted copy is caught and generate fixes it', async () => {
  const sample = sampleCopy();
  const files = migrationFiles(sample.dir);
  const clean = await generate(sample.dir, 'nothing', new Date('2026-03-01T00:00:00Z'));
  expect(clean).toMatchObject({
    ok: true,
    file: null,
    changes: [],
    operations: 0,
    proof: null,
    findings: [],
  });
  expect(migrationFiles(sample.dir)).toEqual(files);

  // A models/index.js is loaded once per copy: a test runner's module registry keeps what it
  // returned (Schemabot refuses such a stale instance), so each run below gets its own copy.
  const drifted = await models(driftedSample().dir);
  expect(drifted.ok).toBe(false);
  expect(drifted.models).toEqual({ source: 'models/index.js', tables: 2 });
  expect(kinds(drifted.changes)).toEqual([
    'column changed public.users.phone_number',
    'enum changed public.enum_posts_status',
    'table removed public.votes',
  ]);
  expect(drifted.findings.map((f) => f.message).sort()).toEqual([
    'column public.users.phone_number: type character varying(255) → character varying(32) (migrations → models).',
    'enum public.enum_posts_status: labels ["draft","published","archived"] → ["draft","published","archived","hidden"] (migrations → models).',
    'the migrations create table public.votes (2 columns), which no model declares.',
  ]);

  // By default the comparison covers the tables some model declares: models for part of the schema
  // say nothing of votes, and generate writes no dropTable for it.
  const partial = await models(driftedSample('').dir);
  expect(kinds(partial.changes)).toEqual([
    'column changed public.users.phone_number',
    'enum changed public.enum_posts_status',
  ]);
  const partialCopy = driftedSample('');
  const p = await generate(partialCopy.dir, 'phone', new Date('2026-03-01T00:00:00Z'));
  expectProven(p);
  expect(read(partialCopy.dir, p.file!)).not.toContain('dropTable');

  const copy = driftedSample();
  const g = await generate(copy.dir, 'drop-votes', new Date('2026-03-01T00:00:00Z'));
  expect(g.file).toBe('migrations/20260301000000-drop-votes.js');
  expectProven(g);
  const source = read(copy.dir, g.file!);
  expect(source).toContain('await queryInterface.dropTable("votes");');
  // down brings the table back with its composite key and both foreign keys.
  expect(source).toMatch(
    /createTable\("votes", \{\n.*"user_id": \{[^\n]*primaryKey: true[^\n]*\},\n.*"post_id": \{[^\n]*primaryKey: true/,
  );
  expect(source.match(/addConstraint\("votes", \{ type: 'foreign key'/g)).toHaveLength(2);
  const fixed = driftedSample();
  copyFileSync(join(copy.dir, g.file!), join(fixed.dir, g.file!));
  expect(await models(fixed.dir)).toMatchObject({
    ok: true,
    changes: [],
    findings: [],
    migrations: { applied: 8 },
  });
});

test('a rename is not guessed: generate leaves TODOs instead of a drop and an add', async () => {
  const p = baseProject({
    // Same definition under a new name (a rename the comparison recognises) ...
    users: { name: undefined, full_name: '{ type: DataTypes.STRING(50) }' },
    // ... and a new name with a new type (a rename or a drop and an add: nobody can tell).
    posts: { created_at: undefined, published_on: '{ type: DataTypes.DATEONLY }' },
  });
  const drift = await models(p.dir);
  expect(kinds(drift.changes)).toEqual([
    'column added public.posts.published_on',
    'column removed public.posts.created_at',
    'column renamed public.users.full_name',
  ]);
  expect(drift.findings.map((f) => f.message)).toContain(
    'model User calls it public.users.full_name, the migrations create public.users.name.',
  );

  // The clock is behind the newest migration: the name still sorts after it.
  const g = await generate(p.dir, 'rename', new Date('2025-01-01T00:00:00Z'));
  expect(g.file).toBe('migrations/20260101000101-rename.js');
  expect(g.ok).toBe(false);
  expect(g.todos).toEqual([
    'column public.users.name (migrations) and public.users.full_name (models) look like one column renamed. Schemabot does not guess renames: write renameColumn/renameTable, or a remove and an add.',
    'table public.posts loses column(s) created_at and gains published_on: a rename or a drop and an add? Schemabot does not guess; write renameColumn, or removeColumn and addColumn.',
  ]);
  expect(g.findings.map((f) => `${f.severity}:${f.rule}:${f.migration}`)).toEqual([
    'warning:generate-todo:20260101000101-rename.js',
    'warning:generate-todo:20260101000101-rename.js',
  ]);
  const source = read(p.dir, g.file!);
  expect(source).toContain('// 2 TODOs below need a decision.');
  expect(source).toContain(
    '// TODO: column public.users.name (migrations) and public.users.full_name (models)',
  );
  expect(source).toContain('// TODO: table public.posts loses column(s) created_at and gains published_on');
  expect(source).not.toContain('await queryInterface');
  // The file runs (it does nothing yet), and the differences are still there.
  expect(g.proof?.up?.ok).toBe(true);
  expect(kinds(g.proof!.remaining)).toEqual(kinds(drift.changes));
});

test('generate refuses a name that is not a file name, before starting anything', async () => {
  const p = baseProject({ posts: { ...POSTS_MODEL, extra: '{ type: DataTypes.TEXT }' } });
  await expect(generate(p.dir, '../escape', new Date())).rejects.toThrow(ModelsError);
  await expect(generate(p.dir, 'two words', new Date())).rejects.toThrow(/is not a usable migration name/);
  expect(migrationFiles(p.dir)).toHaveLength(2);
});
