import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck } from '../../src/modes/check.js';
import { runModels } from '../../src/modes/models.js';
import { ModelsError } from '../../src/migrate/models.js';
import { CREATE_USERS, FixtureRepo } from '../helpers/repo.js';
import { onSharedServer } from '../helpers/shared-server.js';
import { baseProject, CASES, EQUIVALENT } from './cases.js';
import { kinds, migration, models, modelsProject, removeProjects, sampleCopy } from './fixture.js';

const tsProjects: FixtureRepo[] = [];
afterAll(() => {
  removeProjects();
  tsProjects.forEach((p) => p.remove());
});

const FIX_ADD =
  'Write the migration (`schemabot generate NAME` drafts it), or change the model to match the migrations.';
const FIX_REMOVE = 'Declare it in the model, or write a migration that drops it (`schemabot generate NAME`).';

/** What `schemabot models` must report for each single difference of cases.ts: changes and messages. */
const EXPECTED: Record<string, { changes: string[]; messages: string[] }> = {
  'added table': {
    changes: ['enum added public.enum_tags_color', 'table added public.tags'],
    messages: [
      "the models declare enum public.enum_tags_color ('red', 'green'), which the migrations do not create.",
      'model Tag declares table public.tags (4 columns), which the migrations do not create.',
    ],
  },
  'removed table': {
    changes: ['table removed public.archive'],
    messages: ['the migrations create table public.archive (3 columns), which no model declares.'],
  },
  'added column': {
    changes: ['column added public.users.age'],
    messages: [
      'model User declares column public.users.age integer NOT NULL DEFAULT 0, which the migrations do not create.',
    ],
  },
  'removed column': {
    changes: ['column removed public.users.legacy'],
    messages: ['the migrations create column public.users.legacy text, which model User does not declare.'],
  },
  'varchar length': {
    changes: ['column changed public.users.name'],
    messages: [
      'column public.users.name: type character varying(50) → character varying(80) (migrations → models).',
    ],
  },
  'type needing USING': {
    changes: ['column changed public.users.score'],
    messages: ['column public.users.score: type text → integer (migrations → models).'],
  },
  nullability: {
    changes: ['column changed public.users.nickname'],
    messages: ['column public.users.nickname: nullable true → false (migrations → models).'],
  },
  default: {
    changes: ['column changed public.users.bio'],
    messages: ["column public.users.bio: default 'hello'::text → 'bye'::text (migrations → models)."],
  },
  'index added': {
    changes: ['index added public.posts_created_at'],
    messages: [
      'model Post declares index public.posts_created_at CREATE INDEX posts_created_at ON public.posts USING btree (created_at), which the migrations do not create.',
    ],
  },
  'index removed': {
    changes: ['index removed public.posts_title'],
    messages: [
      'the migrations create index public.posts_title CREATE INDEX posts_title ON public.posts USING btree (title), which model Post does not declare.',
    ],
  },
  unique: {
    changes: ['constraint added public.users.users_nickname_key'],
    messages: [
      'model User declares constraint public.users.users_nickname_key UNIQUE (nickname), which the migrations do not create.',
    ],
  },
  'foreign key ON DELETE': {
    changes: ['constraint changed public.posts.posts_user_id_fkey'],
    messages: [
      'constraint public.posts.posts_user_id_fkey: onDelete CASCADE → RESTRICT (migrations → models).',
    ],
  },
  'enum value added': {
    changes: ['enum changed public.enum_posts_status'],
    messages: [
      'enum public.enum_posts_status: labels ["draft","published"] → ["draft","published","archived"] (migrations → models).',
    ],
  },
  'enum value removed': {
    changes: ['enum changed public.enum_posts_kind'],
    messages: ['enum public.enum_posts_kind: labels ["a","b","c"] → ["a","b"] (migrations → models).'],
  },
};

test('the base project of the cases has no drift', async () => {
  const r = await models(baseProject().dir);
  expect(r).toMatchObject({
    schemaVersion: 1,
    mode: 'models',
    ok: true,
    changes: [],
    findings: [],
    models: { source: 'models', tables: 2 },
    migrations: { applied: 2, failed: null },
  });
});

test('every supported difference has an expected finding', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(CASES.map((c) => c.name).sort());
});

test.each(CASES.map((c) => [c.name, c] as const))('%s is drift', async (name, c) => {
  const project = baseProject(c.options);
  // A table no model declares is drift only when the comparison covers everything (models: strict).
  if (name === 'removed table') writeFileSync(join(project.dir, '.schemabot.yml'), 'models: strict\n');
  const r = await models(project.dir);
  const expected = EXPECTED[name]!;
  expect(r.ok).toBe(false);
  expect(r.migrations).toEqual({ applied: c.options.migrations ? 3 : 2, failed: null });
  expect(kinds(r.changes)).toEqual(expected.changes);
  expect(r.findings.map((f) => f.message).sort()).toEqual([...expected.messages].sort());
  for (const f of r.findings) {
    expect(f).toMatchObject({ rule: 'model-drift', severity: 'error' });
    expect(f.fix).toBe(r.changes[r.findings.indexOf(f)]!.action === 'removed' ? FIX_REMOVE : FIX_ADD);
  }
});

test('the details of a changed column and key say what differs', async () => {
  const r = await models(
    baseProject({
      users: { score: '{ type: DataTypes.INTEGER, allowNull: false }' },
      onDelete: 'SET NULL',
      posts: { user_id: '{ type: DataTypes.INTEGER, allowNull: true }' },
    }).dir,
  );
  const byName = Object.fromEntries(r.changes.map((c) => [c.name, c]));
  expect(Object.keys(byName).sort()).toEqual([
    'public.posts.posts_user_id_fkey',
    'public.posts.user_id',
    'public.users.score',
  ]);
  expect(byName['public.users.score']!.details).toEqual({
    type: { from: 'text', to: 'integer' },
    nullable: { from: true, to: false },
  });
  expect(byName['public.posts.user_id']!.details).toEqual({ nullable: { from: false, to: true } });
  expect(byName['public.posts.posts_user_id_fkey']).toMatchObject({
    kind: 'constraint',
    action: 'changed',
    details: { onDelete: { from: 'CASCADE', to: 'SET NULL' } },
  });
});

test('what Sequelize treats as equal is not drift', async () => {
  // A unique index in the migration vs `unique: true`, a unique constraint vs a unique index in
  // `indexes`, other key and index names, DataTypes.NOW / UUIDV4 vs a database default,
  // `timestamps: true` vs createdAt/updatedAt columns, DataTypes.STRING vs VARCHAR(255).
  const r = await models(modelsProject(EQUIVALENT.migrations, EQUIVALENT.models).dir);
  expect(kinds(r.changes)).toEqual([]);
  expect(r).toMatchObject({
    ok: true,
    findings: [],
    models: { source: 'models', tables: 2 },
    migrations: { applied: 2, failed: null },
  });
});

test('the same equivalences still see a real difference next to them', async () => {
  const account = EQUIVALENT.models['account.js']
    .replace(
      'handle: { type: DataTypes.STRING, allowNull: false, unique: true }',
      'handle: { type: DataTypes.STRING, allowNull: false }',
    )
    .replace('timestamps: true', "timestamps: true, createdAt: 'created'");
  const r = await models(
    modelsProject(EQUIVALENT.migrations, { ...EQUIVALENT.models, 'account.js': account }).dir,
  );
  expect(r.ok).toBe(false);
  expect(kinds(r.changes)).toEqual([
    'column renamed public.accounts.created',
    'constraint removed public.accounts.accounts_handle_key',
  ]);
  expect(r.findings.map((f) => f.message).sort()).toEqual([
    'model Account calls it public.accounts.created, the migrations create public.accounts."createdAt".',
    'the migrations create constraint public.accounts.accounts_handle_key UNIQUE (handle), which model Account does not declare.',
  ]);
});

test('the sample project of this repository is drift-free', async () => {
  const sample = sampleCopy();
  const r = await models(sample.dir);
  expect(r).toMatchObject({
    ok: true,
    changes: [],
    findings: [],
    models: { source: 'models/index.js', tables: 3 },
    migrations: { applied: 7, failed: null },
  });
});

test('an explicit module exporting its own instance is compared on the throwaway database, not its own', async () => {
  const p = modelsProject(
    { '20260101000000-create-users.js': CREATE_USERS },
    {},
    {
      'db/models.js': `'use strict';
const { Sequelize, DataTypes } = require('sequelize');
// The app's production database: Schemabot must never connect here.
const sequelize = new Sequelize('postgres://app:secret@127.0.0.1:1/production', { logging: console.log });
sequelize.define('User', {
  email: { type: DataTypes.STRING, allowNull: false, unique: true },
  nickname: { type: DataTypes.STRING(30) },
}, { tableName: 'users', timestamps: false });
module.exports = { sequelize };
`,
    },
  );
  const r = await runModels({ cwd: p.dir, ...(await onSharedServer()), models: 'db/models.js' });
  expect(r.models).toEqual({ source: 'db/models.js', tables: 1 });
  expect(kinds(r.changes)).toEqual(['column added public.users.nickname']);
  expect(r.findings.map((f) => f.message)).toEqual([
    'model User declares column public.users.nickname character varying(30), which the migrations do not create.',
  ]);
});

test('sequelize-typescript models (decorators, as NestJS apps write them) load through the project tsx', async () => {
  const user = (
    extra = '',
  ) => `import { AllowNull, Column, DataType, Model, Table, Unique } from 'sequelize-typescript';
@Table({ tableName: 'users', timestamps: false })
export class User extends Model {
  @Unique @AllowNull(false) @Column(DataType.STRING) email!: string;${extra}
}
`;
  const p = new FixtureRepo(
    {
      'migrations/20260101000000-create-users.js': CREATE_USERS,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true, module: 'commonjs' },
      }),
      'src/db/user.model.ts': user(),
      'src/db/index.ts': `import 'reflect-metadata';
import { Sequelize } from 'sequelize-typescript';
import { User } from './user.model';
export const sequelize = new Sequelize({ dialect: 'postgres', models: [User], logging: false });
`,
      '.schemabot.yml': 'models: src/db/index.ts\n',
    },
    { tsx: true },
  );
  tsProjects.push(p);
  const agree = await runModels({ cwd: p.dir, ...(await onSharedServer()) });
  expect(agree.models).toEqual({ source: 'src/db/index.ts', tables: 1 });
  expect(agree.changes).toEqual([]);
  p.commit({ 'src/db/user.model.ts': user('\n  @Column(DataType.BOOLEAN) admin!: boolean;') });
  const drift = await runModels({ cwd: p.dir, ...(await onSharedServer()) });
  expect(drift.findings.map((f) => f.message)).toEqual([
    'model User declares column public.users.admin boolean, which the migrations do not create.',
  ]);
});

test('a project without models is a ModelsError: none found, a models path that is not there, models: false', async () => {
  const bare = modelsProject(
    { '20260101000000-one.js': migration("await queryInterface.sequelize.query('SELECT 1');") },
    {},
  );
  await expect(runModels({ cwd: bare.dir, ...(await onSharedServer()) })).rejects.toThrow(ModelsError);
  await expect(runModels({ cwd: bare.dir, ...(await onSharedServer()) })).rejects.toThrow(
    /^No models found in /,
  );
  writeFileSync(join(bare.dir, '.schemabot.yml'), 'models: models/missing.js\n');
  await expect(runModels({ cwd: bare.dir, ...(await onSharedServer()) })).rejects.toThrow(
    /^Models not found: models\/missing\.js does not exist/,
  );
  // A project whose models are turned off has none to compare either.
  const off = baseProject();
  writeFileSync(join(off.dir, '.schemabot.yml'), 'models: false\n');
  const error = await runModels({ cwd: off.dir, ...(await onSharedServer()) }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelsError);
  expect((error as Error).message).toContain('.schemabot.yml sets "models: false"');
});

test('a migration that fails is reported, not compared', async () => {
  const p = baseProject({
    migrations: {
      '20260101000200-broken.js': migration(
        "await queryInterface.sequelize.query('ALTER TABLE nowhere ADD COLUMN x int');",
      ),
    },
  });
  const r = await models(p.dir);
  expect(r.ok).toBe(false);
  expect(r.migrations).toEqual({ applied: 2, failed: '20260101000200-broken.js' });
  expect(r.changes).toEqual([]);
  expect(r.findings).toHaveLength(1);
  expect(r.findings[0]).toMatchObject({
    rule: 'up-failed',
    severity: 'error',
    migration: '20260101000200-broken.js',
  });
  expect(r.findings[0]!.message).toContain('relation "nowhere" does not exist');
});

test('check reports drifted models as a section and warnings, and stays ok', async () => {
  const p = baseProject({
    users: { name: '{ type: DataTypes.STRING(80) }', age: '{ type: DataTypes.INTEGER }' },
  });
  const r = await runCheck({ cwd: p.dir, ...(await onSharedServer()), timeoutMs: 20_000 });
  expect(r.ok).toBe(true);
  expect(r.models).toMatchObject({ source: 'models', tables: 2 });
  expect(r.models!.error).toBeUndefined();
  expect(kinds(r.models!.changes)).toEqual([
    'column added public.users.age',
    'column changed public.users.name',
  ]);
  const drift = r.findings.filter((f) => f.rule === 'model-drift');
  expect(drift.map((f) => `${f.severity}: ${f.message}`).sort()).toEqual([
    'warning: column public.users.name: type character varying(50) → character varying(80) (migrations → models).',
    'warning: model User declares column public.users.age integer, which the migrations do not create.',
  ]);
  expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
});
