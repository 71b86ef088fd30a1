import { createTable, migration, model, modelsProject } from './fixture.js';

/**
 * One base project whose migrations and models agree, and the single differences the comparison
 * must find, each as a change to the models or the migrations of that base.
 */

type Attributes = Record<string, string | undefined>;

function attributes(a: Attributes): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    ${k}: ${v},`)
    .join('\n');
}

export const USERS_MODEL: Attributes = {
  id: '{ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true }',
  email: '{ type: DataTypes.STRING, allowNull: false, unique: true }',
  name: '{ type: DataTypes.STRING(50) }',
  score: '{ type: DataTypes.TEXT }',
  nickname: '{ type: DataTypes.STRING }',
  bio: "{ type: DataTypes.TEXT, defaultValue: 'hello' }",
  legacy: '{ type: DataTypes.TEXT }',
};

export const POSTS_MODEL: Attributes = {
  id: '{ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true }',
  user_id: '{ type: DataTypes.INTEGER, allowNull: false }',
  title: '{ type: DataTypes.STRING }',
  status: "{ type: DataTypes.ENUM('draft', 'published'), allowNull: false, defaultValue: 'draft' }",
  kind: "{ type: DataTypes.ENUM('a', 'b', 'c') }",
  created_at: '{ type: DataTypes.DATE }',
};

export interface BaseOptions {
  users?: Attributes;
  posts?: Attributes;
  /** The posts model's `indexes` option. */
  postIndexes?: string;
  onDelete?: string;
  /** More model files. */
  models?: Record<string, string>;
  /** More migration files. */
  migrations?: Record<string, string>;
}

export const USERS_MIGRATION = '20260101000000-create-users.js';
export const POSTS_MIGRATION = '20260101000100-create-posts.js';

export function baseMigrations(): Record<string, string> {
  return {
    [USERS_MIGRATION]: createTable(
      'users',
      `      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      email: { type: Sequelize.STRING, allowNull: false, unique: true },
      name: { type: Sequelize.STRING(50) },
      score: { type: Sequelize.TEXT },
      nickname: { type: Sequelize.STRING },
      bio: { type: Sequelize.TEXT, defaultValue: 'hello' },
      legacy: { type: Sequelize.TEXT },`,
    ),
    [POSTS_MIGRATION]: createTable(
      'posts',
      `      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      user_id: {
        type: Sequelize.INTEGER,
        allowNull: false,
        references: { model: 'users', key: 'id' },
        onDelete: 'CASCADE',
      },
      title: { type: Sequelize.STRING },
      status: { type: Sequelize.ENUM('draft', 'published'), allowNull: false, defaultValue: 'draft' },
      kind: { type: Sequelize.ENUM('a', 'b', 'c') },
      created_at: { type: Sequelize.DATE },`,
      `await queryInterface.addIndex('posts', ['title'], { name: 'posts_title' });`,
      `await queryInterface.sequelize.query('DROP TYPE IF EXISTS enum_posts_status, enum_posts_kind');`,
    ),
  };
}

export function baseModels(o: BaseOptions = {}): Record<string, string> {
  return {
    'user.js': model('User', 'users', attributes({ ...USERS_MODEL, ...o.users })),
    'post.js': model(
      'Post',
      'posts',
      attributes({ ...POSTS_MODEL, ...o.posts }),
      `indexes: ${o.postIndexes ?? "[{ name: 'posts_title', fields: ['title'] }]"}`,
      `    M.belongsTo(models.User, { foreignKey: 'user_id', onDelete: ${JSON.stringify(o.onDelete ?? 'CASCADE')}, onUpdate: 'NO ACTION' });`,
    ),
    ...o.models,
  };
}

export const TAG_MODEL = model(
  'Tag',
  'tags',
  attributes({
    id: '{ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true }',
    label: '{ type: DataTypes.STRING(40), allowNull: false, unique: true }',
    color: "{ type: DataTypes.ENUM('red', 'green'), allowNull: false, defaultValue: 'red' }",
    post_id: '{ type: DataTypes.INTEGER }',
  }),
  '',
  "    M.belongsTo(models.Post, { foreignKey: 'post_id', onDelete: 'SET NULL', onUpdate: 'NO ACTION' });",
);

export const CREATE_ARCHIVE = {
  '20260101000200-create-archive.js': createTable(
    'archive',
    `      id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true },
      user_id: { type: Sequelize.INTEGER, references: { model: 'users', key: 'id' }, onDelete: 'SET NULL' },
      body: { type: Sequelize.TEXT, allowNull: false },`,
    `await queryInterface.addIndex('archive', ['user_id'], { name: 'archive_user_id' });`,
  ),
};

export { migration };

/** The base project with `o` applied. */
export function baseProject(o: BaseOptions = {}) {
  return modelsProject({ ...baseMigrations(), ...o.migrations }, baseModels(o));
}

export interface DriftCase {
  name: string;
  options: BaseOptions;
}

/** Each supported difference alone. */
export const CASES: DriftCase[] = [
  { name: 'added table', options: { models: { 'tag.js': TAG_MODEL } } },
  { name: 'removed table', options: { migrations: CREATE_ARCHIVE } },
  {
    name: 'added column',
    options: { users: { age: '{ type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 }' } },
  },
  { name: 'removed column', options: { users: { legacy: undefined } } },
  { name: 'varchar length', options: { users: { name: '{ type: DataTypes.STRING(80) }' } } },
  { name: 'type needing USING', options: { users: { score: '{ type: DataTypes.INTEGER }' } } },
  { name: 'nullability', options: { users: { nickname: '{ type: DataTypes.STRING, allowNull: false }' } } },
  { name: 'default', options: { users: { bio: "{ type: DataTypes.TEXT, defaultValue: 'bye' }" } } },
  {
    name: 'index added',
    options: {
      postIndexes:
        "[{ name: 'posts_title', fields: ['title'] }, { name: 'posts_created_at', fields: ['created_at'] }]",
    },
  },
  { name: 'index removed', options: { postIndexes: '[]' } },
  { name: 'unique', options: { users: { nickname: '{ type: DataTypes.STRING, unique: true }' } } },
  { name: 'foreign key ON DELETE', options: { onDelete: 'RESTRICT' } },
  {
    name: 'enum value added',
    options: {
      posts: {
        status:
          "{ type: DataTypes.ENUM('draft', 'published', 'archived'), allowNull: false, defaultValue: 'draft' }",
      },
    },
  },
  { name: 'enum value removed', options: { posts: { kind: "{ type: DataTypes.ENUM('a', 'b') }" } } },
];

/**
 * Every difference but a removed table at once (a table removed beside one added would be an
 * ambiguous rename), each independent of the others: what `generate` must write in one file.
 */
export const ALL_AT_ONCE: BaseOptions = {
  models: { 'tag.js': TAG_MODEL },
  users: {
    legacy: undefined,
    name: '{ type: DataTypes.STRING(80) }',
    score: '{ type: DataTypes.INTEGER }',
    nickname: '{ type: DataTypes.STRING, allowNull: false, unique: true }',
    bio: "{ type: DataTypes.TEXT, defaultValue: 'bye' }",
  },
  posts: {
    views: '{ type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 }',
    status:
      "{ type: DataTypes.ENUM('draft', 'published', 'archived'), allowNull: false, defaultValue: 'draft' }",
    kind: "{ type: DataTypes.ENUM('a', 'b') }",
  },
  postIndexes: "[{ name: 'posts_created_at', fields: ['created_at'] }]",
  onDelete: 'RESTRICT',
};

/** Migrations and models that say the same thing in the different ways Sequelize allows. */
export const EQUIVALENT = {
  migrations: {
    '20260101000000-create-accounts.js': createTable(
      'accounts',
      `      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      email: { type: 'VARCHAR(255)', allowNull: false },
      handle: { type: Sequelize.STRING(255), allowNull: false, unique: true },
      joined_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
      token: { type: Sequelize.UUID, allowNull: false, defaultValue: Sequelize.literal('gen_random_uuid()') },
      createdAt: { type: Sequelize.DATE, allowNull: false },
      updatedAt: { type: Sequelize.DATE, allowNull: false },`,
      `await queryInterface.addIndex('accounts', ['email'], { unique: true, name: 'accounts_email_unique_idx' });`,
    ),
    '20260101000100-create-sessions.js': createTable(
      'sessions',
      `      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      account_id: { type: Sequelize.INTEGER, allowNull: false },
      device: { type: Sequelize.STRING, allowNull: false },`,
      `await queryInterface.addConstraint('sessions', {
      type: 'foreign key',
      name: 'fk_sessions_account',
      fields: ['account_id'],
      references: { table: 'accounts', field: 'id' },
      onDelete: 'CASCADE',
      onUpdate: 'CASCADE',
    });
    await queryInterface.addConstraint('sessions', { type: 'unique', name: 'one_session_per_device', fields: ['account_id', 'device'] });
    await queryInterface.addIndex('sessions', ['device'], { name: 'my_own_index_name' });`,
    ),
  },
  models: {
    'account.js': `'use strict';
module.exports = (sequelize, DataTypes) => {
  const Account = sequelize.define('Account', {
    email: { type: DataTypes.STRING, allowNull: false, unique: true },
    handle: { type: DataTypes.STRING, allowNull: false, unique: true },
    joined_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    token: { type: DataTypes.UUID, allowNull: false, defaultValue: DataTypes.UUIDV4 },
  }, { tableName: 'accounts', timestamps: true });
  Account.associate = (models) => {
    Account.hasMany(models.Session, { foreignKey: { name: 'account_id', allowNull: false }, onDelete: 'CASCADE' });
  };
  return Account;
};
`,
    'session.js': `'use strict';
module.exports = (sequelize, DataTypes) => {
  const Session = sequelize.define('Session', {
    account_id: { type: DataTypes.INTEGER, allowNull: false },
    device: { type: DataTypes.STRING, allowNull: false },
  }, {
    tableName: 'sessions',
    timestamps: false,
    indexes: [{ unique: true, fields: ['account_id', 'device'] }, { fields: ['device'] }],
  });
  return Session;
};
`,
  },
};
