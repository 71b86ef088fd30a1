/**
 * Models vs migrations: `schemabot models` against the by-hand script a user would write today
 * (`sync()` the models into one database, `sequelize-cli db:migrate` another, `pg_dump --schema-only`
 * both and `diff`), on the same PostgreSQL server in the same run. Prints the ratio of wall times.
 *
 *   npx tsx bench/models.ts [--sizes 50,300] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../src/postgres/index.js';
import { generateMigrations } from './generate.js';
import { median, ROOT, writeProject } from './repo.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const SEQUELIZE = join(ROOT, 'node_modules', 'sequelize-cli', 'lib', 'sequelize');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('sizes', '50,300').split(',').map(Number);
const RUNS = Number(arg('runs', '3'));

/** Models matching what `generateMigrations(n)` builds for each complete group of five migrations. */
function generateModels(n: number): Record<string, string> {
  const files: Record<string, string> = {
    'models/index.js': `'use strict';
const fs = require('fs');
const path = require('path');
const Sequelize = require('sequelize');
const sequelize = new Sequelize(process.env.DATABASE_URL, { logging: false });
const db = {};
for (const file of fs.readdirSync(__dirname).filter((f) => f !== 'index.js' && f.endsWith('.js'))) {
  const model = require(path.join(__dirname, file))(sequelize, Sequelize.DataTypes);
  db[model.name] = model;
}
for (const model of Object.values(db)) model.associate?.(db);
db.sequelize = sequelize;
module.exports = db;
`,
  };
  for (let t = 0; t < Math.floor(n / 5); t++) {
    files[`models/t${t}.js`] = `module.exports = (sequelize, DataTypes) => {
  const T = sequelize.define('T${t}', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(120), allowNull: false },
    body: { type: DataTypes.TEXT },
    score: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: sequelize.fn('now') },
    email: { type: DataTypes.STRING },
    state: { type: DataTypes.ENUM('new', 'active', 'gone'), allowNull: false, defaultValue: 'new' },
  }, { tableName: 't${t}', timestamps: false, indexes: [{ name: 't${t}_name_created', fields: ['name', 'created_at'] }] });
  T.associate = (db) => {${t > 0 ? ` T.belongsTo(db.T${t - 1}, { foreignKey: 'parent_id', onDelete: 'CASCADE', onUpdate: 'NO ACTION' });` : ''} };
  return T;
};
`;
  }
  return files;
}

function makeProject(n: number): string {
  return writeProject('schemabot-bench-models-', { ...generateMigrations(n), ...generateModels(n) });
}

const BY_HAND = `
psql -q "$ADMIN" -c "CREATE DATABASE $DB_MODELS"
psql -q "$ADMIN" -c "CREATE DATABASE $DB_MIGRATIONS"
cd "$REPO"
DATABASE_URL="$URL_MODELS" node -e "const db = require('./models'); db.sequelize.sync().then(() => db.sequelize.close())"
node "$SEQ" db:migrate --url "$URL_MIGRATIONS" > /dev/null
pg_dump --schema-only "$URL_MODELS" > "$OUT/models.sql"
pg_dump --schema-only "$URL_MIGRATIONS" > "$OUT/migrations.sql"
diff "$OUT/models.sql" "$OUT/migrations.sql" > /dev/null || true
psql -q "$ADMIN" -c "DROP DATABASE $DB_MODELS"
psql -q "$ADMIN" -c "DROP DATABASE $DB_MIGRATIONS"
`;

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const server = await startPostgres({ provider: 'local', version: 15 });
  const rows: { n: number; tables: number; schemabotVsByHand: number; drift: number }[] = [];
  try {
    for (const n of SIZES) {
      const dir = makeProject(n);
      const out = mkdtempSync(join(tmpdir(), 'schemabot-bench-out-'));
      const ours: number[] = [];
      const theirs: number[] = [];
      let drift = 0;
      for (let r = 0; r < RUNS; r++) {
        const env = {
          ADMIN: server.url(),
          DB_MODELS: `bench_models_${process.pid}_${r}`,
          DB_MIGRATIONS: `bench_migrations_${process.pid}_${r}`,
          URL_MODELS: server.url(`bench_models_${process.pid}_${r}`),
          URL_MIGRATIONS: server.url(`bench_migrations_${process.pid}_${r}`),
          REPO: dir,
          OUT: out,
          SEQ: SEQUELIZE,
        };
        theirs.push(
          time(() => {
            const res = spawnSync('bash', ['-ec', BY_HAND], {
              env: { ...process.env, ...env },
              encoding: 'utf8',
            });
            if (res.status !== 0) throw new Error(`by-hand script failed: ${res.stderr}`);
          }),
        );
        const json = join(out, 'models.json');
        ours.push(
          time(() => {
            const res = spawnSync(
              process.execPath,
              [
                CLI,
                'models',
                '--cwd',
                dir,
                '--postgres',
                'url',
                '--postgres-url',
                server.url(),
                '--json',
                json,
              ],
              { encoding: 'utf8' },
            );
            if (res.status === 2) throw new Error(res.stderr);
          }),
        );
        drift = (JSON.parse(readFileSync(json, 'utf8')) as { changes: unknown[] }).changes.length;
      }
      const row = { n, tables: Math.floor(n / 5), schemabotVsByHand: median(ours) / median(theirs), drift };
      rows.push(row);
      console.log(
        `models     N=${String(n).padStart(3)} (${row.tables} tables)  Schemabot / by-hand = ${row.schemabotVsByHand.toFixed(2)}×` +
          `  (differences found: ${drift})`,
      );
      rmSync(dir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
  }
  console.log(JSON.stringify({ bench: 'models', runs: RUNS, rows }));
}

await main();
