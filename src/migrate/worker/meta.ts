import type { Model, ModelStatic, Sequelize } from 'sequelize';
import type { Project } from './project.js';

type SequelizeClass = typeof Sequelize;

/** umzug 2's SequelizeStorage model name (the table name comes from the config). */
const MODEL_NAME = 'SequelizeMeta';
const COLUMN = 'name';

/** PostgreSQL's "relation does not exist" or "schema does not exist", through Sequelize's error. */
function missingRelation(error: unknown): boolean {
  const e = error as { parent?: { code?: string }; original?: { code?: string } } | undefined;
  const code = e?.parent?.code ?? e?.original?.code;
  return code === '42P01' || code === '3F000';
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` or `"table"`. */
export function metaTableSql(meta: Project['meta']): string {
  return meta.schema ? `${quoteIdent(meta.schema)}.${quoteIdent(meta.table)}` : quoteIdent(meta.table);
}

/**
 * The applied-migrations table exactly as sequelize-cli 6 + umzug 2 keep it: a model defined on the
 * project's Sequelize with the same attributes and options (`lib/storages/SequelizeStorage.js`), so the
 * table, its constraints and the rows are the ones `sequelize-cli db:migrate` would produce.
 */
export class MetaTable {
  private model?: ModelStatic<Model>;
  private schemaReady = false;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly SequelizeCtor: SequelizeClass,
    private readonly project: Project,
  ) {}

  /** Does the table exist? (No side effects: `applied()` must not create it.) */
  async exists(): Promise<boolean> {
    const [rows] = await this.sequelize.query('SELECT to_regclass(?) IS NOT NULL AS "exists"', {
      replacements: [metaTableSql(this.project.meta)],
      raw: true,
      logging: false,
    });
    return Boolean((rows as { exists: boolean }[])[0]?.exists);
  }

  private async columns(): Promise<string[]> {
    const [rows] = await this.sequelize.query(
      'SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped',
      { replacements: [metaTableSql(this.project.meta)], raw: true, logging: false },
    );
    return (rows as { attname: string }[]).map((r) => r.attname);
  }

  private async getModel(): Promise<ModelStatic<Model>> {
    if (this.model) return this.model;
    const config = this.project.config;
    // sequelize-cli reads `migrationTimestamps`; a table upgraded by `db:migrate:schema:timestamps:add`
    // has createdAt/updatedAt that must be filled too.
    let timestamps = Boolean(config.migrationTimestamps);
    if (!timestamps && (await this.exists())) timestamps = (await this.columns()).includes('createdAt');
    const S = this.SequelizeCtor as unknown as { STRING: unknown };
    this.model = this.sequelize.define(
      MODEL_NAME,
      {
        [COLUMN]: {
          type: S.STRING as never,
          allowNull: false,
          unique: true,
          primaryKey: true,
          autoIncrement: false,
        },
      },
      {
        tableName: this.project.meta.table,
        schema: this.project.meta.schema,
        timestamps,
        charset: 'utf8',
        collate: 'utf8_unicode_ci',
      },
    ) as ModelStatic<Model>;
    return this.model;
  }

  /** sequelize-cli creates a custom `migrationStorageTableSchema` (only that one) before using it. */
  private tableReady = false;

  private async ensureSchema(): Promise<void> {
    const configured = this.project.config.migrationStorageTableSchema;
    const schema = typeof configured === 'string' ? configured : undefined;
    if (this.schemaReady || !schema || schema === 'public') return;
    await this.sequelize.createSchema(schema, { logging: false });
    this.schemaReady = true;
  }

  /**
   * The model, its table created like sequelize-cli creates it (`sync`) when missing. sequelize-cli
   * syncs before every write; after the first sync one existence check is enough (a migration could
   * drop the table), which spares each step Sequelize's index introspection queries.
   */
  private async synced(): Promise<ModelStatic<Model>> {
    await this.ensureSchema();
    const model = await this.getModel();
    if (!this.tableReady || !(await this.exists())) {
      await model.sync({ logging: false });
      this.tableReady = true;
    }
    return model;
  }

  /**
   * Records a migration as applied (umzug `logMigration`). `outsideTransaction`: see `write`.
   */
  async log(name: string, outsideTransaction = false): Promise<void> {
    await this.write((model) => model.create({ [COLUMN]: name }, { logging: false }), outsideTransaction);
  }

  /** Removes a migration's row (umzug `unlogMigration`). `outsideTransaction`: see `write`. */
  async unlog(name: string, outsideTransaction = false): Promise<void> {
    await this.write(
      (model) => model.destroy({ where: { [COLUMN]: name }, logging: false }),
      outsideTransaction,
    );
  }

  /**
   * One write to the table. Outside a transaction, once the table has been made, the write goes
   * first and the table is looked up (and made again) only when the write finds it gone: a migration
   * that dropped it. That spares every step a round trip. Inside a transaction a failed write would
   * abort it, so the table is looked up first, as always.
   */
  private async write(
    fn: (model: ModelStatic<Model>) => Promise<unknown>,
    outsideTransaction: boolean,
  ): Promise<void> {
    if (outsideTransaction && this.tableReady && this.model) {
      try {
        await fn(this.model);
        return;
      } catch (error) {
        if (!missingRelation(error)) throw error;
      }
    }
    await fn(await this.synced());
  }

  /** Applied migration names in umzug's order (`ORDER BY name ASC`, the database's collation). */
  async executed(): Promise<string[]> {
    if (!(await this.exists())) return [];
    const model = await this.getModel();
    const rows = await model.findAll({ order: [[COLUMN, 'ASC']], logging: false });
    return rows.map((row) => row.get(COLUMN) as string);
  }
}
